"""``validate PATH``: any Doccano, spaCy or Hugging Face export against the span
invariants, every problem named with its record."""

from __future__ import annotations

import json
import subprocess

import pytest
from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value
from spacy.tokens import DocBin

from corpus_builder.errors import InputFileError
from corpus_builder.export_check import validate_export

from .conftest import cli_command

K01 = "PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"


def test_our_export_is_clean_in_every_checked_format(built):
    report = validate_export(built.output)
    assert report.problems == []
    counts = built.manifest["counts"]["examples"]
    checked = {(name.split("/corpus/")[1], kind): n for name, kind, n in report.checked}
    assert checked[("hf", "hf")] == sum(counts.values())
    for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        assert checked[(f"doccano/{name}.jsonl", "doccano")] == counts[split]
        assert checked[(f"doccano/relations/{name}.jsonl", "doccano")] == counts[split]
        assert checked[(f"spacy/{name}.spacy", "spacy")] == counts[split]
        assert checked[(f"conll/{name}.conll", "conll")] == counts[split]
        assert checked[(f"prodigy/{name}.jsonl", "prodigy")] == counts[split]
        assert checked[(f"labelstudio/{name}.json", "labelstudio")] == counts[split]
    # Not annotation formats: the graph tables, the labelling config, the task
    # datasets and the dataset card.
    assert all(
        "/graph/" in name or "/tasks/" in name or name.endswith((".xml", "/README.md"))
        for name in report.skipped
    )


def test_doccano_problems_name_line_record_span_and_rule(tmp_path):
    lines = [
        {"text": K01, "label": [[9, 30, "CUSTOMER"]], "example_id": "ok"},
        {"text": K01, "label": [[9, 29, "CUSTOMER"]], "example_id": "k01"},
        {
            "text": "TRF KE PT BANK MANDIRI (PERSERO) TBK",
            "label": [[7, 36, "CUSTOMER"], [10, 22, "BANK"]],
            "example_id": "k08",
        },
        {
            "text": K01,
            "entities": [
                {"id": 1, "label": "INVOICE", "start_offset": 31, "end_offset": 45}
            ],
            "relations": [{"id": 0, "from_id": 1, "to_id": 2, "type": "pays"}],
        },
    ]
    path = tmp_path / "user.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    report = validate_export(path, labels=("CUSTOMER", "INVOICE", "BANK"))
    assert report.problems == [
        f"{path}:2: record k01: span 0 [9, 29) CUSTOMER: rule 5 (token boundaries): "
        "'ALPHABRIDGE SOLUTION' does not start and end on token boundaries of the "
        "'id' tokenizer (tokens: ALPHABRIDGE | SOLUTIONS)",
        f"{path}:3: record k08: span 0 [7, 36) CUSTOMER: rule 4 (no overlap): "
        "[10, 22) BANK 'BANK MANDIRI' overlaps [7, 36) CUSTOMER "
        "'PT BANK MANDIRI (PERSERO) TBK'",
        f"{path}:3: record k08: span 1 [10, 22) BANK: rule 4 (no overlap): "
        "[10, 22) BANK 'BANK MANDIRI' overlaps [7, 36) CUSTOMER "
        "'PT BANK MANDIRI (PERSERO) TBK'",
        f"{path}:4: rule relations: relation 'pays' points at entity id 2, which "
        "the line does not have",
    ]


def test_docbin_problems_are_found(tmp_path, nlp_id):
    doc = nlp_id.make_doc("PMT  ACME LTD")
    assert [t.text for t in doc] == ["PMT", " ", "ACME", "LTD"]
    doc.set_ents([doc.char_span(4, 13, label="CUSTOMER")])
    doc.user_data["example_id"] = "ex-5"
    other = nlp_id.make_doc("PMT ACME")
    other.set_ents([other.char_span(4, 8, label="PAYEE")])
    bin_ = DocBin(store_user_data=True)
    bin_.add(doc)
    bin_.add(other)
    bin_.to_disk(tmp_path / "x.spacy")
    report = validate_export(tmp_path / "x.spacy", labels=("CUSTOMER",))
    assert report.problems == [
        f"{tmp_path / 'x.spacy'}: doc 0 (record ex-5): span 0 [4, 13) CUSTOMER: "
        "rule 3 (no whitespace at a span edge): ' ACME LTD' starts or ends with "
        "whitespace",
        f"{tmp_path / 'x.spacy'}: doc 1: span 0 [4, 8) PAYEE: rule label: label "
        "'PAYEE' is not one of CUSTOMER",
    ]
    (tmp_path / "junk.spacy").write_bytes(b"not a docbin")
    report = validate_export(tmp_path / "junk.spacy")
    assert report.problems[0].startswith(f"{tmp_path / 'junk.spacy'}: not a spaCy")


def hf_split(names: list[str], rows: list[tuple[list[str], list[int]]]) -> Dataset:
    features = Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(ClassLabel(names=names)),
        }
    )
    return Dataset.from_dict(
        {
            "id": [f"r{i}" for i in range(len(rows))],
            "tokens": [r[0] for r in rows],
            "ner_tags": [r[1] for r in rows],
        },
        features=features,
    )


def test_hf_problems_iob2_and_split_names(tmp_path):
    names = ["O", "B-CUSTOMER", "I-CUSTOMER"]
    train = hf_split(
        names,
        [
            (["PMT", "ACME", "LTD"], [0, 1, 2]),
            (["PMT", "ACME", "LTD"], [0, 2, 2]),
            (["PMT", "ACME"], [0]),
        ],
    )
    wide = ["O", "B-CUSTOMER", "I-CUSTOMER", "B-INVOICE", "I-INVOICE"]
    test = hf_split(wide, [(["INV", "7"], [3, 4])])
    DatasetDict({"train": train, "test": test}).save_to_disk(str(tmp_path / "hf"))
    report = validate_export(tmp_path / "hf")
    where = f"{tmp_path / 'hf'}"
    assert report.problems == [
        f"{where} [train] row 1 (id r1): rule IOB2: tag 1 is I-CUSTOMER after O: "
        "not IOB2",
        f"{where} [train] row 2 (id r2): 2 tokens but 1 tags, 2 spaces",
        f"{where} [test]: ner_tags names differ from the first split's "
        f"({wide} vs {names}); every split needs one order",
    ]
    assert report.checked == [(where, "hf", 4)]


def test_cli_exit_codes(tmp_path, built):
    clean = subprocess.run(
        cli_command("validate", str(built.output / "doccano" / "dev.jsonl")),
        capture_output=True,
        text=True,
    )
    assert clean.returncode == 0 and clean.stdout == ""
    assert "clean" in clean.stderr

    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": K01, "label": [[9, 29, "CUSTOMER"]]}) + "\n")
    broken = subprocess.run(
        cli_command("validate", str(bad)), capture_output=True, text=True
    )
    assert broken.returncode == 13 and "Traceback" not in broken.stderr
    assert broken.stdout.startswith(f"{bad}:1: span 0 [9, 29) CUSTOMER: rule 5")
    assert "[E1300]" in broken.stderr

    missing = subprocess.run(
        cli_command("validate", str(tmp_path / "nope")), capture_output=True, text=True
    )
    assert missing.returncode == 12 and "[E1200]" in missing.stderr


def test_a_folder_with_nothing_to_check_is_an_error(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputFileError):
        validate_export(tmp_path)


def test_prodigy_label_studio_and_conll_problems(tmp_path):
    text = "💳 PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
    tokens = [
        {"text": t, "start": text.index(t), "end": text.index(t) + len(t), "id": i}
        for i, t in enumerate(["💳", "PMT", "ALPHABRIDGE", "SOLUTIONS", "MFG"])
    ]
    # token_end written exclusive (4), where Prodigy counts it inclusive (3).
    task = {
        "text": text,
        "tokens": tokens,
        "spans": [
            {"start": 6, "end": 27, "token_start": 2, "token_end": 4, "label": "X"}
        ],
        "meta": {"example_id": "p1"},
    }
    prodigy = tmp_path / "p.jsonl"
    prodigy.write_text(json.dumps(task) + "\n", encoding="utf-8")
    assert validate_export(prodigy).problems == [
        f"{prodigy}:1: record p1: span 0: rule token_end (inclusive): token_start 2 "
        "and token_end 4 do not cover [6, 27)"
    ]

    # Code points where Label Studio counts UTF-16 units: off by one after the emoji.
    result = {
        "id": "r0",
        "from_name": "label",
        "to_name": "text",
        "type": "labels",
        "value": {
            "start": 6,
            "end": 27,
            "text": "ALPHABRIDGE SOLUTIONS",
            "labels": ["CUSTOMER"],
        },
    }
    ls = tmp_path / "ls.json"
    ls.write_text(
        json.dumps([{"data": {"text": text}, "predictions": [{"result": [result]}]}]),
        encoding="utf-8",
    )
    assert validate_export(ls).problems == [
        f"{ls}: task 0: result r0: rule 2 (slice equals the value): the text at its "
        "offsets is ' ALPHABRIDGE SOLUTION', value.text is 'ALPHABRIDGE SOLUTIONS'",
        f"{ls}: task 0: span 0 [5, 26) CUSTOMER: rule 3 (no whitespace at a span "
        "edge): ' ALPHABRIDGE SOLUTION' starts or ends with whitespace",
    ]

    conll = tmp_path / "x.conll"
    conll.write_text(
        "-DOCSTART- -X- -X- O\n\nPMT _ _ O\nACME _ _ I-CUSTOMER\n\n", encoding="utf-8"
    )
    report = validate_export(conll)
    assert report.problems == [
        f"{conll}:3: rule IOB2: tag 1 is I-CUSTOMER after O: not IOB2"
    ]
    assert report.checked == [(str(conll), "conll", 1)]
