"""Layout effects map every span through the change; spaCy still aligns them."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_builder.example import Example, Span
from corpus_builder.layout import double_spaces, truncate, wrap
from corpus_builder.validate import check_example

TEXT = "/EREF/FT23296QQSS9370/REMI/INV 3689/OCMT/USD 18,458.92/ORDP//NAME/ALPHABRIDGE"


def spans_of(text, *pieces):
    out = []
    for piece, label in pieces:
        start = text.index(piece)
        out.append(Span(start, start + len(piece), label, "KB", surface=piece))
    return tuple(out)


def test_wrap_breaks_inside_an_entity_and_maps_its_offsets(nlp_id):
    text = "PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
    spans = spans_of(
        text, ("ALPHABRIDGE SOLUTIONS", "CUSTOMER"), ("MFG-INV-000157", "INVOICE")
    )
    wrapped, mapped = wrap(text, spans, 20)
    assert wrapped == "PMT ALPHABRIDGE SOLU\nTIONS MFG-INV-000157"
    assert [(s.start, s.end) for s in mapped] == [(4, 26), (27, 41)]
    assert mapped[0].surface == "ALPHABRIDGE SOLU\nTIONS"
    check_example(Example("w", wrapped, mapped), nlp_id.make_doc(wrapped))


def test_wrap_keeps_clear_of_punctuation_next_to_an_entity(nlp_id):
    spans = spans_of(TEXT, ("18,458.92", "AMOUNT"), ("INV 3689", "INVOICE"))
    amount_end = TEXT.index("18,458.92") + len("18,458.92")
    wrapped, mapped = wrap(TEXT, spans, amount_end + 1)
    # A break after '18,458.92/' would glue the slash to the amount's token.
    assert wrapped.split("\n")[0] == TEXT[:amount_end]
    check_example(Example("w", wrapped, mapped), nlp_id.make_doc(wrapped))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=20, max_value=70))
def test_wrap_at_any_width_keeps_every_invariant(nlp_id, width):
    spans = spans_of(
        TEXT,
        ("INV 3689", "INVOICE"),
        ("USD", "CURRENCY"),
        ("18,458.92", "AMOUNT"),
        ("ALPHABRIDGE", "CUSTOMER"),
    )
    wrapped, mapped = wrap(TEXT, spans, width)
    assert all(len(line) <= width for line in wrapped.split("\n"))
    assert wrapped.replace("\n", "") == TEXT
    for old, new in zip(spans, mapped):
        assert wrapped[new.start : new.end].replace("\n", "") == old.surface
    check_example(Example("w", wrapped, mapped), nlp_id.make_doc(wrapped))


def test_truncation_keeps_a_cut_span_flagged_and_counts_lost_ones():
    text = "SEPA CT ALPHABRIDGE SOLUTIONS REMI MFG-INV-000157 EREF X1"
    spans = spans_of(
        text,
        ("ALPHABRIDGE SOLUTIONS", "CUSTOMER"),
        ("MFG-INV-000157", "INVOICE"),
        ("X1", "REF"),
    )
    cut, kept, dropped = truncate(
        text, spans, len("SEPA CT ALPHABRIDGE SOLUTIONS REMI MFG-INV-")
    )
    assert cut == "SEPA CT ALPHABRIDGE SOLUTIONS REMI MFG-INV-"
    # 8 of the invoice's 14 characters are left: at least half and 3, so it stays.
    assert [(s.label, s.surface, s.form, s.end) for s in kept] == [
        ("CUSTOMER", "ALPHABRIDGE SOLUTIONS", "", 29),
        ("INVOICE", "MFG-INV-", "+cut", len(cut)),
    ]
    assert [s.label for s in dropped] == ["REF"]


@pytest.mark.parametrize(
    "limit, kept_surfaces, dropped_labels",
    [
        # "MFG-IN": 6 of 14 characters left, less than half: dropped.
        (10, [], ["CONTRACT", "INVOICE", "REF"]),
        # "MFG-INV": 7 of 14, exactly half: kept.
        (11, ["MFG-INV"], ["CONTRACT", "REF"]),
        # "AB": half of "ABCD", but fewer than 3 characters: dropped.
        (21, ["MFG-INV-000157"], ["CONTRACT", "REF"]),
        # "ABC": 3 of 4: kept.
        (22, ["MFG-INV-000157", "ABC"], ["REF"]),
    ],
)
def test_truncation_keeps_half_and_three_characters_or_drops(
    limit, kept_surfaces, dropped_labels
):
    text = "PMT MFG-INV-000157 ABCD X"
    spans = spans_of(
        text, ("MFG-INV-000157", "INVOICE"), ("ABCD", "CONTRACT"), ("X", "REF")
    )
    cut, kept, dropped = truncate(text, spans, limit)
    assert cut == text[:limit]
    assert [s.surface for s in kept] == kept_surfaces
    assert all(s.form == "+cut" for s in kept if s.end == limit)
    assert sorted(s.label for s in dropped) == dropped_labels


def test_truncation_at_a_space_drops_the_trailing_space():
    text = "PMT ALPHABRIDGE X"
    spans = spans_of(text, ("ALPHABRIDGE", "CUSTOMER"), ("X", "REF"))
    cut, kept, dropped = truncate(text, spans, len("PMT ALPHABRIDGE "))
    assert cut == "PMT ALPHABRIDGE" and len(kept) == 1 and len(dropped) == 1


def test_double_spaces_doubles_only_single_spaces():
    assert double_spaces("PMT REF X", [3, 7]) == "PMT  REF  X"
    assert double_spaces("PMTX", [1]) == "PMTX"


def test_noise_never_spells_another_entity_and_marks_its_form():
    from corpus_builder.probe import probe_contexts
    from corpus_builder.render import RenderSettings, fill_slot
    from corpus_builder.templates import Slot

    ctx = probe_contexts("full", "en")[1]
    slot = Slot("invoice", "INVOICE", "canonical", 1, 1)
    taken = "MFG-INV-000175"  # a typo of MFG-INV-000157 could spell this one
    index = {taken: frozenset({"MFG-INV-000175"})}
    settings = RenderSettings(typo_rate=1.0, surface_index=index)
    seen = set()
    for seed in range(300):
        piece = fill_slot(
            slot, ctx, random.Random(seed), {"INVOICE": "INVOICE"}, settings
        )
        assert piece.text != taken
        assert piece.kb_id == "MFG-INV-000157"
        seen.add(piece.form)
        if piece.form == "canonical+typo":
            assert piece.score < 1.0
    assert "canonical+typo" in seen and "canonical" in seen


def test_a_cut_leaves_no_invisible_character_glued_to_a_kept_span(nlp_id):
    # Found by the hostile-text property test: rstrip() kept a zero-width space
    # at the end of the cut text, so the cut span ended inside a token.
    text = "PT SS00000 0000000\u200b 0"
    spans = spans_of(text, ("PT SS00000 0000000", "CUSTOMER"))
    cut, kept, dropped = truncate(text, spans, 20)
    assert cut == "PT SS00000 0000000"
    assert [(s.start, s.end, s.form) for s in kept] == [(0, 18, "")]
    check_example(Example("t", cut, kept), nlp_id.make_doc(cut))
