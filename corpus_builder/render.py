"""Render templates into narratives, recording each span while the text is assembled.

Every change to a piece of text (Unicode normalisation, whitespace flattening, case
mapping) happens to that piece before it is appended, so an offset is simply the
length of what was assembled before it. Nothing searches the finished text.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Iterable

from rapidfuzz import fuzz
from spacy.tokens import Doc

from .errors import SpanInvariantError
from .example import Example, Span, form_family
from .fields import FIELDS, NOISY_FIELDS, Context
from .layout import double_spaces, truncate, wrap
from .noise import confuser, ocr, typo
from .templates import Literal, Slot, Template, resolve_choices
from .validate import is_edge_junk, misaligned


@dataclass(slots=True)
class Piece:
    """A piece of narrative text; a piece with a label becomes a span.

    Not frozen, though never changed once made: a frozen dataclass takes several
    times as long to make, and rendering makes about ten per narrative.
    """

    text: str
    label: str | None = None
    kb_id: str = ""
    slot: str = ""
    form: str = ""
    is_value: bool = False
    score: float | None = None
    clean: "Piece | None" = None  # the same mention without noise


@dataclass(frozen=True)
class RenderSettings:
    """The knobs of messiness; the defaults render clean forms drawn uniformly."""

    typo_rate: float = 0.0
    ocr_rate: float = 0.0
    extra_spaces_rate: float = 0.0
    confuser_rate: float = 0.0
    alias_weights: dict[str, float] = field(default_factory=dict)
    # Upper-cased surface -> owner ids (a dict or fields.SurfaceIndex).
    surface_index: Any = field(default_factory=dict)
    # The export tokenizer: a noisy mention that would not sit on its token
    # boundaries (``07I.`` stays one token where ``071.`` splits) is written clean.
    tokenizer: Callable[[str], Doc] | None = None
    # Noisy spellings used so far, to their entity: one spelling, one entity.
    noisy_owner: dict[str, str] = field(default_factory=dict)
    # Largest share of a label's mentions one surface form may take (None: any).
    max_form_share: float | None = None
    # Mentions so far per export label and surface form, for that cap.
    form_counts: dict[str, Counter] = field(default_factory=dict)

    def count_forms(self, example: Example) -> None:
        if self.max_form_share is None:
            return
        for span in example.spans:
            self.form_counts.setdefault(span.label, Counter())[
                form_family(span.form)
            ] += 1

    def under_cap(self, label: str, family: list, weights: list | None):
        """The forms of ``family`` that have not reached the cap, with their weights.

        The cap starts to bind once a label has enough mentions for a share to mean
        something; if every form is at the cap, all stay.
        """
        cap = self.max_form_share
        counts = self.form_counts.get(label)
        if cap is None or not counts:
            return family, weights
        total = sum(counts.values())
        if total * cap < 1:
            return family, weights
        keep = [i for i, s in enumerate(family) if counts[s.form] < cap * (total + 1)]
        if not keep or len(keep) == len(family):
            return family, weights
        return (
            [family[i] for i in keep],
            [weights[i] for i in keep] if weights else None,
        )


def clean_value(value: str) -> str:
    """A slot value as it may stand in a one-line narrative.

    NFC, every run of whitespace (line breaks, tabs, no-break spaces) folded to one
    space, no whitespace or invisible format character (zero-width space, soft
    hyphen, byte-order mark, bidirectional marks) at either end, no leading
    combining mark. Inside the value, format characters stay.
    """
    if value.isascii():
        # NFC leaves ASCII as it is, and its only edge junk is whitespace.
        return " ".join(value.split())
    text = " ".join(unicodedata.normalize("NFC", value).split())
    start, end = 0, len(text)
    while start < end and (
        is_edge_junk(text[start]) or unicodedata.category(text[start]).startswith("M")
    ):
        start += 1
    while end > start and is_edge_junk(text[end - 1]):
        end -= 1
    if (start, end) == (0, len(text)):
        return text
    return clean_value(text[start:end])


def was_normalised(value: str) -> bool:
    """True if ``clean_value`` changes more than the Unicode normal form."""
    if value.isascii():
        return " ".join(value.split()) != value
    return clean_value(value) != unicodedata.normalize("NFC", value)


def apply_case(text: str, case: str) -> str:
    if case == "upper":
        upper = text.upper()
        return upper if upper.isascii() else unicodedata.normalize("NFC", upper)
    return text


def nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def assemble(
    pieces: Iterable[Piece], *, case: str, record: str, template_id: str = ""
) -> tuple[str, tuple[Span, ...]]:
    """Join pieces into one text and the spans of the labelled ones.

    Raises SpanInvariantError when a labelled value is empty once cleaned.
    """
    chunks: list[str] = []
    spans: list[Span] = []
    length = 0
    for piece in pieces:
        if piece.is_value:
            text = apply_case(clean_value(piece.text), case)
        else:
            text = apply_case(nfc(piece.text), case)
        if piece.label is not None:
            if not text:
                raise SpanInvariantError(
                    "the value is empty once whitespace is removed; fix the field's "
                    "value or the template",
                    record=record,
                    rule="3 (no empty span)",
                    template_id=template_id,
                    slot=piece.slot,
                    value=piece.text,
                )
            spans.append(
                Span(
                    length,
                    length + len(text),
                    piece.label,
                    piece.kb_id,
                    piece.slot,
                    piece.form,
                    text,
                    piece.score,
                )
            )
        chunks.append(text)
        length += len(text)
    return "".join(chunks), tuple(spans)


def render(
    template: Template,
    ctx: Context,
    rng: random.Random,
    *,
    record: str,
    labels: dict[str, str],
    settings: RenderSettings | None = None,
    split: str = "",
) -> Example:
    """Render ``template`` for ``ctx`` as a narrative of ``split``.

    ``labels`` maps each template label to write to its export name; a slot whose
    label is not in it is written as plain text.
    """
    settings = settings or RenderSettings()
    parts = resolve_choices(
        template.parts,
        lambda choice: choice.options[rng.randrange(len(choice.options))],
    )
    pieces = []
    previous = ""
    doubled = settings.extra_spaces_rate and rng.random() < settings.extra_spaces_rate
    for part in parts:
        if isinstance(part, Literal):
            literal = part.text
            if doubled:
                singles = [i for i, ch in enumerate(literal) if ch == " "]
                literal = double_spaces(
                    literal, rng.sample(singles, min(2, len(singles)))
                )
            pieces.append(Piece(literal))
            previous = part.text
            continue
        avoid = last_word(previous, template.case)
        pieces.append(fill_slot(part, ctx, rng, labels, settings, avoid=avoid))
        previous = ""
    if settings.confuser_rate and rng.random() < settings.confuser_rate:
        pieces.append(Piece(" " + confuser(rng)))
    text, spans, dropped = _lay_out(pieces, template, record, settings)
    warnings = []
    noisy = [piece for piece in pieces if piece.clean is not None]
    if noisy and settings.tokenizer and misaligned(settings.tokenizer(text), spans):
        pieces = [piece.clean or piece for piece in pieces]
        text, spans, dropped = _lay_out(pieces, template, record, settings)
        warnings += ["W104"] * len(noisy)
    else:
        for piece in noisy:
            settings.noisy_owner.setdefault(piece.text.upper(), piece.kb_id)
    warnings += ["W103"] * sum(
        1 for p in pieces if p.label is not None and was_normalised(p.text)
    )
    warnings += ["W101"] * sum(1 for s in spans if "+cut" in s.form)
    warnings += ["W102"] * len(dropped)
    return Example(
        id=record,
        text=text,
        spans=spans,
        truncated=tuple(dropped),
        warnings=tuple(sorted(warnings)),
        template_id=template.id,
        channel=template.channel,
        language=template.language,
        kind=ctx.txn.kind,
        txn_id=ctx.txn.txn_id,
        customer_id=ctx.customer.customer_id if ctx.customer else "",
        split=split,
    )


def _lay_out(
    pieces: list[Piece], template: Template, record: str, settings: RenderSettings
) -> tuple[str, tuple[Span, ...], list[Span]]:
    text, spans = assemble(
        pieces, case=template.case, record=record, template_id=template.id
    )
    dropped: list[Span] = []
    if template.max_length:
        text, spans, dropped = truncate(text, spans, template.max_length)
        spans = tuple(_flag_ambiguous(span, settings) for span in spans)
    if template.wrap:
        text, spans = wrap(text, spans, template.wrap)
    return text, spans, dropped


def _flag_ambiguous(span: Span, settings: RenderSettings) -> Span:
    """A cut span that spells another entity's form is marked ``+ambiguous``."""
    if "+cut" not in span.form:
        return span
    owners = settings.surface_index.get(span.surface.upper(), frozenset())
    if owners - {span.kb_id}:
        return replace(span, form=f"{span.form}+ambiguous")
    return span


def last_word(literal: str, case: str) -> str:
    """The word right before a slot, as rendered, if a space or punctuation ends it."""
    words = literal.split()
    if not words or literal[-1:].isalnum():
        return ""
    return apply_case(words[-1].strip(":#."), case)


_WORD = re.compile(r"[A-Za-z]+")


def leading_word(text: str) -> str:
    match = _WORD.match(text)
    return match.group(0) if match else ""


def slot_family(slot: Slot, ctx: Context, rng: random.Random, avoid: str) -> list:
    """The forms ``slot`` may take after the word ``avoid``: none that starts with it.

    ``INV {INVOICE:invoice}`` never renders ``INV INV-000157``. If every form starts
    with the word, all are returned; the template loader refuses such a slot.
    """
    family = FIELDS[slot.field].forms(ctx, slot.option, rng)
    word = avoid.upper()
    # Only a run of ASCII letters can be a form's leading word.
    if not word or _WORD.fullmatch(word) is None:
        return family
    kept = [s for s in family if leading_word(s.text.upper()) != word]
    return kept or family


def fill_slot(
    slot: Slot,
    ctx: Context,
    rng: random.Random,
    labels: dict[str, str],
    settings: RenderSettings | None = None,
    *,
    avoid: str = "",
) -> Piece:
    """Draw a surface form for ``slot``; never one that repeats the word ``avoid``.

    With noise rates set, a customer or identifier form may get one typing slip or
    OCR confusion, unless that would spell another entity's form.
    """
    settings = settings or RenderSettings()
    spec = FIELDS[slot.field]
    family = slot_family(slot, ctx, rng, avoid)
    weights = None
    if slot.field == "customer" and settings.alias_weights:
        weights = [settings.alias_weights.get(s.form, 1.0) for s in family]
        kept = [i for i, w in enumerate(weights) if w > 0]
        if kept:
            family, weights = [family[i] for i in kept], [weights[i] for i in kept]
    if slot.label in labels:
        family, weights = settings.under_cap(labels[slot.label], family, weights)
    if len(family) == 1:
        surface = family[0]
    elif weights and sum(weights) > 0:
        surface = rng.choices(family, weights)[0]
    else:
        surface = family[rng.randrange(len(family))]
    if slot.label is None or slot.label not in labels:
        return Piece(surface.text, is_value=True, slot=slot.name)
    assert spec.kb_id is not None
    kb_id = spec.kb_id(ctx)
    text, form = surface.text, surface.form
    clean = _scored(
        Piece(
            text,
            label=labels[slot.label],
            kb_id=kb_id,
            slot=slot.name,
            form=form,
            is_value=True,
        ),
        spec,
        ctx,
    )
    if slot.field in NOISY_FIELDS and (settings.typo_rate or settings.ocr_rate):
        draw = rng.random()
        noisy = text
        if draw < settings.typo_rate:
            noisy, kind = typo(text, rng), "typo"
        elif draw < settings.typo_rate + settings.ocr_rate:
            noisy, kind = ocr(text, rng), "ocr"
        owners = settings.surface_index.get(noisy.upper(), frozenset((kb_id,)))
        earlier = settings.noisy_owner.get(noisy.upper(), kb_id)
        if noisy != text and owners == {kb_id} and earlier == kb_id:
            noisy_piece = replace(clean, text=noisy, form=f"{form}+{kind}", clean=clean)
            return _scored(noisy_piece, spec, ctx)
    return clean


def _scored(piece: Piece, spec, ctx: Context) -> Piece:
    """``piece`` with its similarity to the graph's spelling, where there is one."""
    if spec.canonical is None:
        return piece
    score = fuzz.ratio(piece.text.upper(), spec.canonical(ctx).upper()) / 100
    return Piece(
        piece.text,
        piece.label,
        piece.kb_id,
        piece.slot,
        piece.form,
        piece.is_value,
        round(score, 3),
        piece.clean,
    )
