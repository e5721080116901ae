"""Hostile text: arbitrary Unicode in every slot and through every transformation.

Names, invoice series, purchase-order numbers, accounts and template literals are
drawn from arbitrary Unicode plus characters known to break offset arithmetic (case
mappings that change length, combining marks, characters outside the BMP, invisible
and bidirectional controls, every kind of space and line break). Each narrative is
rendered with noise, alias forms, upper-casing, wrapping and truncation, checked
against the span invariants, and written through every exporter and read back with
that format's own reader.

The only error a hostile value may cause is E403 for a value that is empty once
normalised (all whitespace or marks); every other outcome must be a narrative whose
spans keep every invariant and survive every round trip exactly.

To cover a new exporter, add one ``Exporter`` to ``EXPORTERS``.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import pytest
from datasets import load_from_disk
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from corpus_builder.config import DEFAULT_LABELS
from corpus_builder.errors import CorpusBuilderError
from corpus_builder.example import Example
from corpus_builder.exporters import SPACY_SPLIT_FILES as SPLIT_FILES
from corpus_builder.exporters import SPLITS
from corpus_builder.exporters.conll import ConllWriter, conll_to_offsets, read_conll
from corpus_builder.exporters.doccano import DoccanoWriter, read_doccano
from corpus_builder.exporters.doccano_relations import (
    DoccanoRelationWriter,
    read_doccano_relations,
)
from corpus_builder.exporters.graph_tables import TransactionWriter
from corpus_builder.exporters.hf import HfWriter
from corpus_builder.exporters.labelstudio import LabelStudioWriter, read_labelstudio
from corpus_builder.exporters.prodigy import ProdigyWriter, read_prodigy
from corpus_builder.exporters.spacy_docbin import SpacyWriter, read_docbin
from corpus_builder.fields import Context
from corpus_builder.graph import Customer, Graph
from corpus_builder.probe import probe_contexts
from corpus_builder.relations import RelationFinder
from corpus_builder.render import RenderSettings, clean_value, render
from corpus_builder.tokens import iob_names, iob_to_offsets, set_entities
from corpus_builder.validate import check_example
from corpus_builder.variants import customer_aliases, with_legal_form

from .conftest import make_template

LABELS = DEFAULT_LABELS

HOSTILE = [
    "ß",  # upper-cases to SS
    "ŉ",  # upper-cases to ʼN
    "ǰ",  # upper-cases to J + combining caron, no precomposed form
    "ﬁ",  # ligature, upper-cases to FI
    "İ",  # lower-cases to i + combining dot
    "ΐ",  # upper-cases to three code points
    "\u0345",  # combining mark whose upper case is a letter
    "\u0301",  # combining acute
    "e\u0301",  # decomposed é
    "Å",  # angstrom sign, NFC changes it
    "💳",
    "𝔘",
    "\U0001f468\u200d\U0001f469",  # emoji joined by ZWJ
    "\u00a0",  # no-break space
    "\u2007",  # figure space
    "\u3000",  # ideographic space
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",  # byte-order mark
    "\u00ad",  # soft hyphen
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\t",
    "\n",
    "\r\n",
    "\u2028",  # line separator
    "\x85",  # next line
    "\x0b",
    "\x1f",
    "\x00",
    " ",
    "ᄀ",  # Hangul leading jamo ...
    "ᅡ",  # ... and a vowel jamo: NFC joins them
    "ﷺ",  # one code point, long upper-case-less ligature
    "\"'\\,;:/-.",
]
WORD = st.lists(
    st.one_of(st.text(max_size=5), st.sampled_from(HOSTILE)), min_size=1, max_size=4
).map("".join)
# Template literals: what a template file can hold (no braces, tabs or line breaks).
LITERAL = WORD.map(
    lambda w: "".join(ch for ch in w if ch not in "{}\t\n\r").strip(" ") or "X"
)
SLOTS = (
    "{CUSTOMER:customer}",
    "{INVOICE:invoice}",
    "{INVOICE:invoice2}",
    "{CONTRACT:contract}",
    "{PURCHASE_ORDER:po}",
    "{AMOUNT:amount}",
    "{CURRENCY:currency}",
    "{DATE:date}",
    "{ACCOUNT:account}",
    "{ref}",
)


@st.composite
def hostile_context(draw) -> Context:
    """A multi-invoice payment whose free-text graph values are hostile."""
    base = draw(st.sampled_from(probe_contexts("multi", "en")[:3]))
    core = tuple(draw(st.lists(WORD, min_size=1, max_size=3)))
    legal_form = draw(st.one_of(st.sampled_from(["PT", "PT Tbk", "LLC", ""]), WORD))
    split_core = tuple(draw(st.lists(WORD, max_size=3)))
    legal_name = with_legal_form(" ".join(core), legal_form)
    customer: Customer = replace(
        base.customer,
        legal_name=legal_name,
        core_words=core,
        legal_form=legal_form,
        split_core=split_core,
        account=draw(WORD),
        aliases=tuple(customer_aliases(legal_name, core, legal_form, split_core)),
    )
    series = draw(WORD)
    # A PO number is also its kb_id, which the graph never leaves empty.
    po = draw(st.one_of(WORD.filter(bool), WORD.map(lambda w: "PO-" + w)))
    invoices = tuple(
        replace(invoice, series=series, po_number=po) for invoice in base.invoices
    )
    language = draw(st.sampled_from(["id", "en"]))
    return replace(base, customer=customer, invoices=invoices, language=language)


@st.composite
def hostile_template(draw):
    """A template of some slots with hostile literal words between them."""
    slots = draw(st.lists(st.sampled_from(SLOTS), min_size=1, max_size=6))
    words = []
    for slot in slots:
        words += draw(st.lists(LITERAL, max_size=2))
        words.append(slot)
    words += draw(st.lists(LITERAL, max_size=2))
    text = " ".join(words)
    template = make_template(
        text, kind="multi", case=draw(st.sampled_from(["upper", "keep"]))
    )
    return replace(
        template,
        wrap=draw(st.sampled_from([0, 0, 20, 33, 65])),
        max_length=draw(st.sampled_from([0, 0, 20, 45, 140])),
    )


SETTINGS = st.builds(
    RenderSettings,
    typo_rate=st.sampled_from([0.0, 0.5]),
    ocr_rate=st.sampled_from([0.0, 0.5]),
    extra_spaces_rate=st.sampled_from([0.0, 1.0]),
    confuser_rate=st.sampled_from([0.0, 1.0]),
)


def render_checked(nlp, template, ctx, settings, seed, record):
    """Render and check one narrative; None when the documented E403 applies."""
    settings = replace(settings, tokenizer=nlp.make_doc, noisy_owner={})
    labels = {label: label for label in LABELS}
    try:
        example = render(
            template,
            ctx,
            random.Random(seed),
            record=record,
            labels=labels,
            settings=settings,
        )
    except CorpusBuilderError as error:
        # A value made only of spaces, line breaks, invisible characters or marks
        # cannot be a span: the build stops with E403, naming the slot.
        assert error.code == "E403", str(error)
        assert "empty once" in str(error) and error.slot and error.record == record
        assert clean_value(error.value) == ""
        event("E403: a value empty once normalised")
        return None
    doc = nlp.make_doc(example.text)
    check_example(example, doc)
    set_entities(doc, example)
    for span in example.spans:
        assert example.text[span.start : span.end] == span.surface
    event(f"{len(example.spans)} spans")
    return example, doc


@settings(
    max_examples=1500,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_context(), hostile_template(), SETTINGS, st.integers(0, 2**16))
def test_hostile_values_render_to_exact_spans_or_a_coded_error(
    nlp_id, ctx, template, settings, seed
):
    render_checked(nlp_id, template, ctx, settings, seed, "ex-1")


# ---- round trips through every exporter ------------------------------------------


@dataclass(frozen=True)
class Exporter:
    """One export format: how to make its writer and how to read its files back.

    ``read`` gives, per split, ``(text, spans)`` for each record in order; spans are
    ``(start, end, label)`` code-point offsets, or None for a format without spans.
    """

    name: str
    writer: Callable[[Path, list[str], Graph], object]
    read: Callable[[Path, object], dict[str, list[tuple[str, list | None]]]]


def _read_doccano(folder: Path, nlp) -> dict:
    return {s: read_doccano(folder / f"{SPLIT_FILES[s]}.jsonl") for s in SPLITS}


def _code_point(text: str, units: int) -> int:
    """The code-point offset at UTF-16 unit offset ``units`` of ``text``."""
    count = 0
    for index, ch in enumerate(text):
        if count >= units:
            assert count == units, "an offset inside a surrogate pair"
            return index
        count += 2 if ord(ch) > 0xFFFF else 1
    assert count == units
    return len(text)


def _read_spacy(folder: Path, nlp) -> dict:
    return {s: read_docbin(folder / f"{SPLIT_FILES[s]}.spacy", nlp) for s in SPLITS}


def _read_hf(folder: Path, nlp) -> dict:
    data = load_from_disk(str(folder))
    out = {}
    for split in SPLITS:
        names = data[split].features["ner_tags"].feature.names
        out[split] = [
            iob_to_offsets(
                nlp,
                row["tokens"],
                row["spaces"],
                [names[i] for i in row["ner_tags"]],
            )
            for row in data[split]
        ]
        assert [row["text"] for row in data[split]] == [t for t, _ in out[split]]
    return out


def _read_transactions(folder: Path, nlp) -> dict:
    with open(folder / "transactions.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        s: [(row["narrative"], None) for row in rows if row["split"] == s]
        for s in SPLITS
    }


def _read_relations(folder: Path, nlp) -> dict:
    return {
        s: [
            (text, spans)
            for text, spans, _ in read_doccano_relations(
                folder / f"{SPLIT_FILES[s]}.jsonl"
            )
        ]
        for s in SPLITS
    }


def _read_conll(folder: Path, nlp) -> dict:
    # CoNLL keeps tokens, not the text: place them in the Doccano export's texts.
    texts = _read_doccano(folder.parent / "doccano", nlp)
    out = {}
    for split in SPLITS:
        documents = read_conll(folder / f"{SPLIT_FILES[split]}.conll")
        out[split] = [
            (text, conll_to_offsets(text, tokens, tags))
            for (text, _), (tokens, tags) in zip(texts[split], documents, strict=True)
        ]
    return out


def _read_labelstudio(folder: Path, nlp) -> dict:
    return {s: read_labelstudio(folder / f"{SPLIT_FILES[s]}.json") for s in SPLITS}


def _read_prodigy(folder: Path, nlp) -> dict:
    return {s: read_prodigy(folder / f"{SPLIT_FILES[s]}.jsonl") for s in SPLITS}


EXPORTERS = [
    Exporter(
        "doccano", lambda folder, tags, graph: DoccanoWriter(folder), _read_doccano
    ),
    Exporter(
        "doccano-utf16",
        lambda folder, tags, graph: DoccanoWriter(folder, utf16=True),
        lambda folder, nlp: {
            split: [
                (
                    text,
                    [
                        (_code_point(text, s), _code_point(text, e), k)
                        for s, e, k in spans
                    ],
                )
                for text, spans in records
            ]
            for split, records in _read_doccano(folder, nlp).items()
        },
    ),
    Exporter("spacy", lambda folder, tags, graph: SpacyWriter(folder), _read_spacy),
    Exporter("hf", lambda folder, tags, graph: HfWriter(folder, tags), _read_hf),
    Exporter(
        "doccano-relations",
        lambda folder, tags, graph: DoccanoRelationWriter(
            folder, RelationFinder(graph)
        ),
        _read_relations,
    ),
    Exporter("conll", lambda folder, tags, graph: ConllWriter(folder), _read_conll),
    Exporter(
        "labelstudio",
        lambda folder, tags, graph: LabelStudioWriter(
            folder, LABELS, RelationFinder(graph)
        ),
        _read_labelstudio,
    ),
    Exporter(
        "prodigy", lambda folder, tags, graph: ProdigyWriter(folder), _read_prodigy
    ),
    Exporter(
        "graph-transactions",
        lambda folder, tags, graph: TransactionWriter(folder, graph),
        _read_transactions,
    ),
]


def write_all(folder: Path, rendered: list[tuple[Example, object]], graph: Graph):
    tags = iob_names(LABELS)
    writers = {e.name: e.writer(folder / e.name, tags, graph) for e in EXPORTERS}
    for example, doc in rendered:
        for writer in writers.values():
            writer.write(example, doc)
    for writer in writers.values():
        writer.close()


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    st.lists(
        st.tuples(hostile_context(), hostile_template(), SETTINGS, st.integers(0, 99)),
        min_size=1,
        max_size=12,
    )
)
def test_every_exporter_reads_back_hostile_narratives_exactly(
    tmp_path_factory, nlp_id, batch
):
    folder = tmp_path_factory.mktemp("hostile")
    rendered = []
    for index, (ctx, template, knobs, seed) in enumerate(batch):
        record = f"ex-{index:07d}"
        done = render_checked(nlp_id, template, ctx, knobs, seed, record)
        if done is None:
            continue
        example, doc = done
        rendered.append((replace(example, split=SPLITS[index % 3]), doc))
    graph = Graph(transactions=[batch[0][0].txn])
    write_all(folder, rendered, graph)
    for exporter in EXPORTERS:
        if exporter.read is None:
            continue
        got = exporter.read(folder / exporter.name, nlp_id)
        for split in SPLITS:
            want = [
                (ex.text, [(s.start, s.end, s.label) for s in ex.spans])
                for ex, _ in rendered
                if ex.split == split
            ]
            if exporter.read is _read_transactions:
                want = [(text, None) for text, _ in want]
            assert [(t, s) for t, s in got[split]] == want, exporter.name


@pytest.mark.parametrize("text", ["PMT \u2028 X", "A\x85B", "X\u2029Y"])
def test_doccano_lines_hold_no_raw_line_separators(tmp_path, nlp_id, text):
    example = Example("ex-1", text, (), template_id="t", split="train")
    writer = DoccanoWriter(tmp_path)
    writer.write(example, nlp_id.make_doc(text))
    writer.close()
    raw = (tmp_path / "train.jsonl").read_text("utf-8")
    # A reader that splits on every Unicode line break still sees one record.
    assert len(raw.splitlines()) == 1
    assert read_doccano(tmp_path / "train.jsonl") == [(text, [])]


def test_an_all_whitespace_value_is_e403_naming_the_slot():
    ctx = probe_contexts("full", "en")[1]
    customer = replace(
        ctx.customer,
        aliases=tuple(customer_aliases("\u00a0\u200b\n", ("\u00a0",), "", ())),
    )
    template = make_template("PMT {CUSTOMER:customer|legal_name}", language="en")
    with pytest.raises(CorpusBuilderError) as info:
        render(
            template,
            replace(ctx, customer=customer),
            random.Random(0),
            record="ex-0000009",
            labels={"CUSTOMER": "CUSTOMER"},
        )
    error = info.value
    assert (error.code, error.exit_code) == ("E403", 5)
    assert (error.record, error.slot, error.template_id) == (
        "ex-0000009",
        "{CUSTOMER:customer|legal_name}",
        "case",
    )


def test_invisible_characters_at_a_value_edge_are_normalised_away():
    assert clean_value("\u200b\ufeffALPHA\u00a0BRIDGE\u200f\u00ad ") == "ALPHA BRIDGE"
    assert clean_value("A\u200dB") == "A\u200dB"  # inside a value they stay
