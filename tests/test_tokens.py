"""Per-Doc token reads the exporters share, against spaCy's Token objects."""

from __future__ import annotations

from spacy.tokens import DocBin, Span

from corpus_builder.example import Example
from corpus_builder.example import Span as GoldSpan
from corpus_builder.exporters.spacy_docbin import ATTRS, add_to_docbin
from corpus_builder.tokens import example_to_doc, read_doc_words

TEXT = "PT ALPHA  BRIDGE\nMFG-INV-000157 PMT IDR 12.500.000"
EXAMPLE = Example(
    id="ex-1",
    text=TEXT,
    spans=(
        GoldSpan(0, len("PT ALPHA  BRIDGE"), "CUSTOMER", "CUST-1"),
        GoldSpan(
            len("PT ALPHA  BRIDGE\n"),
            len("PT ALPHA  BRIDGE\nMFG-INV-000157"),
            "INVOICE",
            "MFG-INV-000157",
        ),
    ),
)


def test_doc_words_match_the_tokens(nlp_id):
    doc = example_to_doc(nlp_id, EXAMPLE)
    read = read_doc_words(doc)
    assert read.words == [t.text for t in doc]
    assert read.spaces == [bool(t.whitespace_) for t in doc]
    assert read.starts == [t.idx for t in doc]
    assert read.is_space == [t.is_space for t in doc]
    assert read.tags == [
        "O" if t.ent_iob_ in ("O", "") else f"{t.ent_iob_}-{t.ent_type_}" for t in doc
    ]
    assert read.entities == [(e.start, e.end, e.label_) for e in doc.ents]
    assert read_doc_words(nlp_id.make_doc("")).words == []


def test_add_to_docbin_gives_the_bytes_of_docbin_add(nlp_id):
    plain = example_to_doc(nlp_id, EXAMPLE)
    grouped = example_to_doc(nlp_id, EXAMPLE)
    grouped.spans["sc"] = [Span(grouped, 0, 2, label="GROUP", kb_id="KB-1")]
    grouped.cats = {"PAYMENT": 1.0}
    ours, theirs = DocBin(attrs=ATTRS), DocBin(attrs=ATTRS)
    for doc in (plain, grouped, nlp_id.make_doc("")):
        add_to_docbin(ours, doc)
        theirs.add(doc)
    assert ours.strings == theirs.strings
    assert ours.to_bytes() == theirs.to_bytes()
