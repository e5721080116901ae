"""The public-report cases (shared/cases/cases.jsonl), each kept as a test.

The case values are copied here so the tests run from the repository alone; the last
test checks them against the shared file when it sits beside the checkout.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from datasets import Sequence, Value, load_from_disk

from corpus_builder.config import TransformerConfig, load_config
from corpus_builder.errors import (
    InputFileError,
    InvalidSpansError,
    SpanInvariantError,
    TemplateError,
)
from corpus_builder.example import Example, Span
from corpus_builder.export_check import validate_export
from corpus_builder.exporters.conll import ConllWriter, conll_to_offsets, read_conll
from corpus_builder.exporters.doccano import DoccanoWriter, read_doccano
from corpus_builder.exporters.doccano_relations import DoccanoRelationWriter
from corpus_builder.exporters.hf import HfWriter
from corpus_builder.exporters.labelstudio import LabelStudioWriter, read_labelstudio
from corpus_builder.exporters.prodigy import ProdigyWriter, read_prodigy
from corpus_builder.exporters.spacy_docbin import SpacyWriter, read_docbin
from corpus_builder.exporters.transformer import TransformerWriter, load_tokenizer
from corpus_builder.fields import Context
from corpus_builder.graph import Customer, Graph, Invoice, Transaction
from corpus_builder.importer import import_doccano
from corpus_builder.relations import RelationFinder
from corpus_builder.render import Piece, assemble, render
from corpus_builder.tokens import doc_to_iob, example_to_doc, iob_names, iob_to_offsets
from corpus_builder.validate import check_example
from corpus_builder.variants import customer_aliases

from .conftest import CASES, make_template, minilm_tokenizer

K01 = "PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
EMBEDDED = {
    "K01": (K01, [[9, 30, "CUSTOMER"], [31, 45, "INVOICE"]]),
    "K02a": (
        "BCA TRF KE BCA ALPHABRIDGE SOLUTIONS",
        [[11, 14, "BANK"], [15, 36, "CUSTOMER"]],
    ),
    "K02b": (
        "PELUNASAN MFG-INV-000157 SISA TAGIHAN MFG-INV-000157",
        [[10, 24, "INVOICE"], [38, 52, "INVOICE"]],
    ),
    "K03": (
        "KIRIM KE Jl. Abdul Muis NO. 12 BANDUNG",
        [[9, 23, "ADDRESS"], [31, 38, "CITY"]],
    ),
    "K04": (
        "PEMBAYARAN REF:MFG-INV-000157 ALPHABRIDGE SOLUTIONS",
        [[15, 29, "INVOICE"], [30, 51, "CUSTOMER"]],
    ),
    "K05": (
        "TRF KE GROSSHANDEL MÜLLER GMBH MFG-INV-000157",
        [[7, 30, "CUSTOMER"], [31, 45, "INVOICE"]],
    ),
    "K06": (
        "💳 PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157",
        [[6, 27, "CUSTOMER"], [28, 42, "INVOICE"]],
    ),
    "K07": (
        "KIRIM TAGIHAN KE Jl. Merdeka No. 12 Bandung, Jawa Barat 40111 UP ALPHABRIDGE",
        [[17, 61, "ADDRESS"], [65, 76, "CUSTOMER"]],
    ),
    "K08": ("TRF KE PT BANK MANDIRI (PERSERO) TBK", [[7, 36, "CUSTOMER"]]),
    "K09": (
        "PMT ALPHABRIDGE SOLUTIONS BETAWORKS",
        [[4, 25, "CUSTOMER"], [26, 35, "CUSTOMER"]],
    ),
    "K10": ("PMT ALPHABRIDGE SOLUTIONS", [[4, 25, "CUSTOMER"]]),
    "K11": (K01, [[9, 30, "CUSTOMER"], [31, 45, "INVOICE"]]),
    "K12": (K01, [[9, 30, "CUSTOMER"], [31, 45, "INVOICE"]]),
    "K13": (
        "TRF KE ALPHABRIDGE SOLUTIONS, MFG-INV-000157",
        [[7, 28, "CUSTOMER"], [30, 44, "INVOICE"]],
    ),
}


def example(case: str, kb: str = "KB-1") -> Example:
    text, spans = EMBEDDED[case]
    return Example(
        case,
        text,
        tuple(Span(s, e, label, kb) for s, e, label in spans),
        template_id="case",
        split="train",
    )


def triples(spans) -> list[list]:
    return [[s.start, s.end, s.label] for s in spans]


def customer_named(legal: str, core: tuple[str, ...], form: str) -> Customer:
    return Customer(
        "CUS-00002",
        legal,
        core,
        form,
        (),
        "en_US",
        "DE",
        "EUR",
        "x",
        "0",
        tuple(customer_aliases(legal, core, form, ())),
    )


def context(customer: Customer) -> Context:
    day = dt.date(2024, 2, 28)
    invoice = Invoice(
        "MFG-INV-000157",
        "MFG",
        2024,
        157,
        "CNT-2024-587",
        "CUS-00002",
        None,
        day,
        day,
        397985,
        "EUR",
    )
    txn = Transaction(
        "TXN-0000001",
        "full",
        dt.date(2024, 3, 1),
        397985,
        "EUR",
        "CR",
        "CUS-00002",
        ("MFG-INV-000157",),
    )
    return Context(txn, customer, (invoice,), None, "en")


ALPHABRIDGE = customer_named(
    "Alphabridge Solutions LLC", ("Alphabridge", "Solutions"), "LLC"
)


def test_k01_off_by_one_span_is_rejected_with_record_span_and_slice(nlp_id):
    good = example("K01")
    check_example(good, nlp_id.make_doc(good.text))
    bad = Example(
        "rec-9",
        K01,
        (Span(9, 29, "CUSTOMER", "CUS-00002", surface="ALPHABRIDGE SOLUTIONS"),),
        template_id="tpl-x",
    )
    with pytest.raises(SpanInvariantError) as info:
        check_example(bad)
    message = str(info.value)
    assert info.value.record == "rec-9" and info.value.template_id == "tpl-x"
    assert info.value.rule.startswith("2 ")
    assert "text[9:29] is 'ALPHABRIDGE SOLUTION'" in message
    # Read back from a file there is no rendered value; the token rule still catches it.
    read_back = Example("line-3", K01, (Span(9, 29, "CUSTOMER", "CUS-00002"),))
    with pytest.raises(SpanInvariantError) as info:
        check_example(read_back, nlp_id.make_doc(K01))
    assert info.value.rule.startswith("5 ") and info.value.record == "line-3"
    assert "'ALPHABRIDGE SOLUTION' at [9, 29)" in str(info.value)


def test_k02a_offsets_come_from_assembly_not_search():
    pieces = [
        Piece("BCA TRF KE "),
        Piece("BCA", "BANK", "B-1", is_value=True),
        Piece(" "),
        Piece("ALPHABRIDGE SOLUTIONS", "CUSTOMER", "C-1", is_value=True),
    ]
    text, spans = assemble(pieces, case="upper", record="k02a")
    assert text == EMBEDDED["K02a"][0]
    assert triples(spans) == EMBEDDED["K02a"][1]


def test_k02b_same_invoice_twice_gives_two_spans():
    template = make_template(
        "PELUNASAN {INVOICE:invoice|canonical} SISA TAGIHAN {INVOICE:invoice|canonical}"
    )
    result = render(
        template,
        context(ALPHABRIDGE),
        random.Random(1),
        record="k02b",
        labels={"INVOICE": "INVOICE"},
    )
    assert result.text == EMBEDDED["K02b"][0]
    assert triples(result.spans) == EMBEDDED["K02b"][1]
    assert [s.kb_id for s in result.spans] == ["MFG-INV-000157", "MFG-INV-000157"]


def test_k03_trailing_whitespace_in_a_value_is_stripped():
    pieces = [
        Piece("KIRIM KE "),
        Piece("Jl. Abdul Muis ", "ADDRESS", "A", is_value=True),
        Piece(" NO. 12 "),
        Piece("BANDUNG", "CITY", "C", is_value=True),
    ]
    text, spans = assemble(pieces, case="keep", record="k03")
    assert text == EMBEDDED["K03"][0]
    assert triples(spans) == EMBEDDED["K03"][1]


def test_k04_prefix_glued_by_a_colon_splits_into_its_own_tokens(nlp_id):
    doc = example_to_doc(nlp_id, example("K04"))
    assert [t.text for t in doc] == [
        "PEMBAYARAN",
        "REF",
        ":",
        "MFG",
        "-",
        "INV",
        "-",
        "000157",
        "ALPHABRIDGE",
        "SOLUTIONS",
    ]
    assert doc_to_iob(doc) == [
        "O",
        "O",
        "O",
        "B-INVOICE",
        "I-INVOICE",
        "I-INVOICE",
        "I-INVOICE",
        "I-INVOICE",
        "B-CUSTOMER",
        "I-CUSTOMER",
    ]


def test_k05_upper_casing_that_changes_length_keeps_spans_exact():
    muller = customer_named("Großhandel Müller GmbH", ("Großhandel", "Müller"), "GmbH")
    template = make_template(
        "TRF KE {CUSTOMER:customer|legal_name} {INVOICE:invoice|canonical}"
    )
    result = render(
        template,
        context(muller),
        random.Random(1),
        record="k05",
        labels={"CUSTOMER": "CUSTOMER", "INVOICE": "INVOICE"},
    )
    assert result.text == EMBEDDED["K05"][0]
    assert len(result.text) == 45
    assert triples(result.spans) == EMBEDDED["K05"][1]
    assert result.spans[0].kb_id == "CUS-00002"


def write_and_read(tmp_path, nlp, examples, labels):
    docs = [example_to_doc(nlp, ex) for ex in examples]
    writers = [
        DoccanoWriter(tmp_path / "doccano"),
        SpacyWriter(tmp_path / "spacy"),
        HfWriter(tmp_path / "hf", iob_names(labels)),
    ]
    for ex, doc in zip(examples, docs):
        for writer in writers:
            writer.write(ex, doc)
    for writer in writers:
        writer.close()
    return (
        read_doccano(tmp_path / "doccano" / "train.jsonl"),
        read_docbin(tmp_path / "spacy" / "train.spacy", nlp),
        load_from_disk(str(tmp_path / "hf")),
    )


def test_k06_code_points_survive_every_export(tmp_path, nlp_id):
    ex = example("K06")
    doccano, spacy_docs, hf = write_and_read(
        tmp_path, nlp_id, [ex], ("CUSTOMER", "INVOICE")
    )
    want = [(ex.text, [tuple(s) for s in EMBEDDED["K06"][1]])]
    assert doccano == want
    assert spacy_docs == want
    row = hf["train"][0]
    names = hf["train"].features["ner_tags"].feature.names
    assert (
        iob_to_offsets(
            nlp_id, row["tokens"], row["spaces"], [names[i] for i in row["ner_tags"]]
        )
        == want[0]
    )
    raw = (tmp_path / "doccano" / "train.jsonl").read_bytes()
    assert "💳".encode() in raw  # UTF-8, not an escape


def test_k07_multi_line_value_is_flattened_before_assembly():
    pieces = [
        Piece("KIRIM TAGIHAN KE "),
        Piece(
            "Jl. Merdeka No. 12\nBandung, Jawa Barat 40111",
            "ADDRESS",
            "A",
            is_value=True,
        ),
        Piece(" UP "),
        Piece("ALPHABRIDGE", "CUSTOMER", "C", is_value=True),
    ]
    text, spans = assemble(pieces, case="keep", record="k07")
    assert text == EMBEDDED["K07"][0]
    assert triples(spans) == EMBEDDED["K07"][1]


def test_k08_nested_spans_are_refused_naming_both_and_the_template(tmp_path, nlp_id):
    outer = example("K08", kb="CUS-00007")
    nested = Example(
        "rec-8",
        outer.text,
        (*outer.spans, Span(10, 22, "BANK", "BANK-MANDIRI", slot="{BANK:bank}")),
        template_id="tpl-8",
    )
    with pytest.raises(SpanInvariantError) as info:
        check_example(nested, nlp_id.make_doc(nested.text))
    error = info.value
    assert (error.code, error.exit_code) == ("E404", 5)
    assert (error.record, error.template_id, error.slot) == (
        "rec-8",
        "tpl-8",
        "{BANK:bank}",
    )
    assert "span [10, 22) BANK overlaps [7, 36) CUSTOMER" in str(error)
    # The template syntax cannot nest a slot in another one.
    with pytest.raises(TemplateError) as info:
        make_template("TRF KE {CUSTOMER:customer {BANK:bank}}")
    assert info.value.code == "E207" and "do not nest" in str(info.value)
    # The outer span alone goes through every export unchanged.
    doccano, spacy_docs, _ = write_and_read(tmp_path, nlp_id, [outer], ("CUSTOMER",))
    want = [(outer.text, [(7, 36, "CUSTOMER")])]
    assert doccano == want and spacy_docs == want


def test_k09_adjacent_entities_of_one_label_stay_two(nlp_id):
    doc = example_to_doc(nlp_id, example("K09"))
    tags = doc_to_iob(doc)
    assert tags == ["O", "B-CUSTOMER", "I-CUSTOMER", "B-CUSTOMER"]
    text, spans = iob_to_offsets(
        nlp_id, [t.text for t in doc], [bool(t.whitespace_) for t in doc], tags
    )
    assert spans == [tuple(s) for s in EMBEDDED["K09"][1]]


def test_k11_every_split_has_the_same_label_names(tmp_path, nlp_id):
    labels = ("CUSTOMER", "INVOICE", "CONTRACT")
    train = example("K11")
    test = Example(
        "t-1",
        "PMT MFG-INV-000157",
        (Span(4, 18, "INVOICE", "KB"),),
        template_id="other",
        split="test",
    )
    _, _, hf = write_and_read(tmp_path, nlp_id, [train, test], labels)
    want = [
        "O",
        "B-CUSTOMER",
        "I-CUSTOMER",
        "B-INVOICE",
        "I-INVOICE",
        "B-CONTRACT",
        "I-CONTRACT",
    ]
    for split in ("train", "validation", "test"):
        assert hf[split].features["ner_tags"].feature.names == want
    label2id = json.loads((tmp_path / "hf" / "label2id.json").read_text())
    id2label = json.loads((tmp_path / "hf" / "id2label.json").read_text())
    assert list(label2id) == want and list(id2label.values()) == want
    assert hf["test"][0]["ner_tags"] == [0, 3, 4, 4, 4, 4]


def write_pieces(folder, nlp, examples, labels, **settings):
    writer = TransformerWriter(
        folder,
        load_tokenizer(minilm_tokenizer()),
        iob_names(labels),
        TransformerConfig(tokenizer=minilm_tokenizer(), **settings),
    )
    for ex in examples:
        writer.write(ex, example_to_doc(nlp, ex))
    writer.close()
    return load_from_disk(str(folder))


@pytest.mark.parametrize("all_pieces", [False, True])
def test_k10_word_tags_reach_pieces_through_word_ids(tmp_path, nlp_id, all_pieces):
    ds = write_pieces(
        tmp_path, nlp_id, [example("K10")], ("CUSTOMER",), label_all_pieces=all_pieces
    )
    row = ds["train"][0]
    tokenizer = load_tokenizer(minilm_tokenizer()).tokenizer
    pieces = [tokenizer.id_to_token(i) for i in row["input_ids"]]
    assert pieces == ["[CLS]", "pm", "##t", "alpha", "##bridge", "solutions", "[SEP]"]
    assert row["word_ids"] == [-1, 0, 0, 1, 1, 2, -1]
    # O 0, B-CUSTOMER 1, I-CUSTOMER 2; later pieces -100, or I- (never B-)
    if all_pieces:
        assert row["labels"] == [-100, 0, 0, 1, 2, 2, -100]
    else:
        assert row["labels"] == [-100, 0, -100, 1, -100, 2, -100]


def test_k11_subword_labels_are_plain_int_and_every_split_loads(tmp_path, nlp_id):
    labels = ("CUSTOMER", "INVOICE", "CONTRACT")
    train = example("K11")
    test = Example(
        "t-1",
        "PMT MFG-INV-000157",
        (Span(4, 18, "INVOICE", "KB"),),
        template_id="other",
        split="test",
    )
    _, _, hf = write_and_read(tmp_path, nlp_id, [train, test], labels)
    pieces = write_pieces(tmp_path / "transformer", nlp_id, [train, test], labels)
    names = iob_names(labels)
    for split in ("train", "validation", "test"):
        assert hf[split].features["ner_tags"].feature.names == names
        assert pieces[split].features["labels"] == Sequence(Value("int64"))
    assert pieces["validation"].num_rows == 0
    assert pieces["test"][0]["labels"][:3] == [-100, 0, -100]  # [CLS] pm ##t
    for name in ("label2id", "id2label"):
        beside_words = (tmp_path / "hf" / f"{name}.json").read_text()
        assert (tmp_path / "transformer" / f"{name}.json").read_text() == beside_words
    id2label = json.loads((tmp_path / "transformer" / "id2label.json").read_text())
    assert list(id2label.values()) == names


def test_k12_doccano_line_uses_the_label_key_with_triples(tmp_path, nlp_id):
    write_and_read(tmp_path, nlp_id, [example("K12")], ("CUSTOMER", "INVOICE"))
    line = json.loads(
        (tmp_path / "doccano" / "train.jsonl").read_text().splitlines()[0]
    )
    assert line["label"] == [[9, 30, "CUSTOMER"], [31, 45, "INVOICE"]]
    assert "labels" not in line and "entities" not in line
    assert list(line)[:2] == ["text", "label"]
    assert all(
        isinstance(v, str)
        for k, v in line.items()
        if k not in ("text", "label", "kb_links")
    )


def test_k13_docbin_spans_are_exact_and_misaligned_ones_fail(tmp_path, nlp_id):
    ex = example("K13")
    _, spacy_docs, _ = write_and_read(tmp_path, nlp_id, [ex], ("CUSTOMER", "INVOICE"))
    assert spacy_docs == [(ex.text, [tuple(s) for s in EMBEDDED["K13"][1]])]
    shrunk = Example(
        "rec-13", ex.text, (Span(7, 27, "CUSTOMER", "CUS-1"),), template_id="tpl"
    )
    with pytest.raises(SpanInvariantError) as info:
        example_to_doc(nlp_id, shrunk)
    assert info.value.record == "rec-13" and "does not align" in str(info.value)


def test_embedded_cases_match_the_shared_file():
    if not CASES.exists():
        pytest.skip("shared/cases is not beside this checkout")
    shared = {
        c["id"]: c for c in map(json.loads, CASES.read_text("utf-8").splitlines())
    }
    for case_id, (text, spans) in EMBEDDED.items():
        assert shared[case_id]["text"] == text
        assert shared[case_id]["spans"] == spans


def test_k06_doccano_utf16_offsets_for_browser_counting_tools(tmp_path, nlp_id):
    ex = example("K06")
    writer = DoccanoWriter(tmp_path, utf16=True)
    writer.write(ex, example_to_doc(nlp_id, ex))
    writer.close()
    line = json.loads((tmp_path / "train.jsonl").read_text("utf-8"))
    assert line["label"] == [[7, 28, "CUSTOMER"], [29, 43, "INVOICE"]]
    units = ex.text.encode("utf-16-le")
    for start, end, _ in line["label"]:
        piece = units[start * 2 : end * 2].decode("utf-16-le")
        assert piece in ("ALPHABRIDGE SOLUTIONS", "MFG-INV-000157")


# A case whose behaviour belongs to a feature the project does not have yet.
NOT_YET: dict[str, str] = {}


def test_every_shared_case_has_a_test_here():
    if not CASES.exists():
        pytest.skip("shared/cases is not beside this checkout")
    ids = [json.loads(line)["id"] for line in CASES.read_text("utf-8").splitlines()]
    tests = [name for name in globals() if name.startswith("test_k")]
    for case_id in ids:
        prefix = f"test_{case_id.lower()}_"
        covered = any(name.startswith(prefix) for name in tests)
        assert covered or case_id in NOT_YET, f"{case_id} has no test"
    assert set(EMBEDDED) | set(NOT_YET) == set(ids)


def test_k06_label_studio_counts_utf16_units_and_reads_back(tmp_path, nlp_id):
    ex = example("K06")
    writer = LabelStudioWriter(tmp_path, ("CUSTOMER", "INVOICE"))
    writer.write(ex, example_to_doc(nlp_id, ex))
    writer.close()
    tasks = json.loads((tmp_path / "train.json").read_text("utf-8"))
    result = tasks[0]["predictions"][0]["result"]
    assert [(r["value"]["start"], r["value"]["end"]) for r in result] == [
        (7, 28),
        (29, 43),
    ]
    assert [r["value"]["text"] for r in result] == [
        "ALPHABRIDGE SOLUTIONS",
        "MFG-INV-000157",
    ]
    assert read_labelstudio(tmp_path / "train.json") == [
        (ex.text, [tuple(s) for s in EMBEDDED["K06"][1]])
    ]
    assert json.loads((tmp_path / "dev.json").read_text()) == []


def test_k06_prodigy_and_conll_count_code_points(tmp_path, nlp_id):
    ex = example("K06")
    doc = example_to_doc(nlp_id, ex)
    for writer in (ProdigyWriter(tmp_path / "p"), ConllWriter(tmp_path / "c")):
        writer.write(ex, doc)
        writer.close()
    want = [tuple(s) for s in EMBEDDED["K06"][1]]
    assert read_prodigy(tmp_path / "p" / "train.jsonl") == [(ex.text, want)]
    ((tokens, tags),) = read_conll(tmp_path / "c" / "train.conll")
    assert tokens[0] == "💳" and conll_to_offsets(ex.text, tokens, tags) == want


def test_k08_overlap_is_refused_by_import_and_validate_naming_both(tmp_path):
    text, spans = EMBEDDED["K08"]
    line = {"text": text, "label": spans + [[10, 22, "BANK"]], "example_id": "k08"}
    source = tmp_path / "reviewed.jsonl"
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    both = (
        "rule 4 (no overlap): [10, 22) BANK 'BANK MANDIRI' overlaps [7, 36) "
        "CUSTOMER 'PT BANK MANDIRI (PERSERO) TBK'"
    )
    config = load_config(None, overrides={"labels": ["CUSTOMER", "BANK"]})
    with pytest.raises(InvalidSpansError) as info:
        import_doccano(files=[source], output=tmp_path / "out", config=config)
    assert info.value.problems == [
        f"{source}:1: record k08: span 0 [7, 36) CUSTOMER: {both}",
        f"{source}:1: record k08: span 1 [10, 22) BANK: {both}",
    ]
    assert not (tmp_path / "out").exists()
    report = validate_export(source, labels=("CUSTOMER", "BANK"))
    assert report.problems == info.value.problems


def test_k09_conll_tags_and_docstart(tmp_path, nlp_id):
    ex, other = example("K09"), example("K06")
    writer = ConllWriter(tmp_path)
    writer.write(ex, example_to_doc(nlp_id, ex))
    writer.write(other, example_to_doc(nlp_id, other))
    writer.close()
    assert (tmp_path / "train.conll").read_text("utf-8").split("\n")[:8] == [
        "-DOCSTART- -X- -X- O",
        "",
        "PMT _ _ O",
        "ALPHABRIDGE _ _ B-CUSTOMER",
        "SOLUTIONS _ _ I-CUSTOMER",
        "BETAWORKS _ _ B-CUSTOMER",
        "",
        "-DOCSTART- -X- -X- O",
    ]
    (tokens, tags), _ = read_conll(tmp_path / "train.conll")
    spans = conll_to_offsets(ex.text, tokens, tags)
    assert spans == [tuple(s) for s in EMBEDDED["K09"][1]]
    assert (tmp_path / "dev.conll").read_text() == ""


def test_k09_prodigy_token_end_is_inclusive(tmp_path, nlp_id):
    ex = example("K09")
    writer = ProdigyWriter(tmp_path)
    writer.write(ex, example_to_doc(nlp_id, ex))
    writer.close()
    task = json.loads((tmp_path / "train.jsonl").read_text("utf-8"))
    assert task["spans"] == [
        {"start": 4, "end": 25, "token_start": 1, "token_end": 2, "label": "CUSTOMER"},
        {"start": 26, "end": 35, "token_start": 3, "token_end": 3, "label": "CUSTOMER"},
    ]
    assert task["tokens"][1] == {
        "text": "ALPHABRIDGE",
        "start": 4,
        "end": 15,
        "id": 1,
        "ws": True,
    }
    assert task["answer"] == "accept" and task["meta"]["example_id"] == "K09"
    assert read_prodigy(tmp_path / "train.jsonl") == [
        (ex.text, [tuple(s) for s in EMBEDDED["K09"][1]])
    ]


def test_k12_relation_line_uses_doccano_entity_keys(tmp_path, nlp_id):
    ex = example("K12")
    writer = DoccanoRelationWriter(tmp_path, RelationFinder(Graph()))
    writer.write(ex, example_to_doc(nlp_id, ex))
    writer.close()
    line = json.loads((tmp_path / "train.jsonl").read_text("utf-8"))
    assert line["entities"] == [
        {"id": 0, "label": "CUSTOMER", "start_offset": 9, "end_offset": 30},
        {"id": 1, "label": "INVOICE", "start_offset": 31, "end_offset": 45},
    ]
    assert line["relations"] == [] and "label" not in line


def test_k12_import_refuses_a_labels_key_instead_of_reading_no_spans(tmp_path):
    text, spans = EMBEDDED["K12"]
    source = tmp_path / "wrong-key.jsonl"
    source.write_text(json.dumps({"text": text, "labels": spans}) + "\n")
    with pytest.raises(InputFileError) as info:
        import_doccano(
            files=[source], output=tmp_path / "out", config=load_config(None)
        )
    assert info.value.key == "label" and info.value.line == 1
    assert "found 'labels'" in str(info.value)
