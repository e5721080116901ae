"""Render templates into narratives, recording each span while the text is assembled.

Every change to a piece of text (Unicode normalisation, whitespace flattening, case
mapping) happens to that piece before it is appended, so an offset is simply the
length of what was assembled before it. Nothing searches the finished text.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from .errors import SpanInvariantError
from .example import Example, Span
from .fields import FIELDS, Context
from .templates import Literal, Slot, Template, resolve_choices


@dataclass(frozen=True)
class Piece:
    """A piece of narrative text; a piece with a label becomes a span."""

    text: str
    label: str | None = None
    kb_id: str = ""
    slot: str = ""
    form: str = ""
    is_value: bool = False


def clean_value(value: str) -> str:
    """A slot value as it may stand in a one-line narrative.

    NFC, every run of whitespace (line breaks, tabs, no-break spaces) folded to one
    space, no leading or trailing whitespace, no leading combining mark.
    """
    text = " ".join(unicodedata.normalize("NFC", value).split())
    while text and unicodedata.category(text[0]).startswith("M"):
        text = text[1:].lstrip()
    return text


def apply_case(text: str, case: str) -> str:
    if case == "upper":
        return unicodedata.normalize("NFC", text.upper())
    return text


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
            text = apply_case(unicodedata.normalize("NFC", piece.text), case)
        if piece.label is not None:
            if not text:
                raise SpanInvariantError(
                    "the value is empty once whitespace is removed; fix the field's "
                    "value or the template",
                    record=record, rule="3 (no empty span)", template_id=template_id,
                    slot=piece.slot, value=piece.text,
                )
            spans.append(
                Span(length, length + len(text), piece.label, piece.kb_id,
                     piece.slot, piece.form, text)
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
) -> Example:
    """Render ``template`` for ``ctx``.

    ``labels`` maps each template label to write to its export name; a slot whose
    label is not in it is written as plain text.
    """
    parts = resolve_choices(
        template.parts, lambda choice: choice.options[rng.randrange(len(choice.options))]
    )
    pieces = []
    for part in parts:
        if isinstance(part, Literal):
            pieces.append(Piece(part.text))
            continue
        pieces.append(fill_slot(part, ctx, rng, labels))
    text, spans = assemble(pieces, case=template.case, record=record,
                           template_id=template.id)
    return Example(
        id=record,
        text=text,
        spans=spans,
        template_id=template.id,
        channel=template.channel,
        language=template.language,
        kind=ctx.txn.kind,
        txn_id=ctx.txn.txn_id,
    )


def fill_slot(slot: Slot, ctx: Context, rng: random.Random,
              labels: dict[str, str]) -> Piece:
    spec = FIELDS[slot.field]
    family = spec.forms(ctx, slot.option, rng)
    surface = family[rng.randrange(len(family))] if len(family) > 1 else family[0]
    if slot.label is None or slot.label not in labels:
        return Piece(surface.text, is_value=True, slot=slot.name)
    assert spec.kb_id is not None
    return Piece(surface.text, label=labels[slot.label], kb_id=spec.kb_id(ctx),
                 slot=slot.name, form=surface.form, is_value=True)
