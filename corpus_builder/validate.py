"""The span invariants, checked on every example before export and on read-back.

1. Offsets count code points of the NFC text; end is exclusive.
2. ``text[start:end]`` is exactly the surface rendered for the slot.
3. No span is empty or starts or ends with whitespace.
4. Spans do not overlap.
5. Every span boundary is a token boundary of the export's tokenizer.

``check_example`` raises SpanInvariantError naming the record, template, slot, value
and rule of the first violation.
"""

from __future__ import annotations

import unicodedata
from typing import Iterable

from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc

from .errors import SpanInvariantError
from .example import Example, Span


def check_example(example: Example, doc: Doc | None = None) -> None:
    """Raise SpanInvariantError unless ``example`` keeps every invariant.

    With ``doc`` (the example's text tokenized by the export tokenizer) rule 5 is
    checked too.
    """
    text = example.text
    if not unicodedata.is_normalized("NFC", text):
        raise _error(
            example,
            None,
            "1 (NFC text)",
            "the text is not in Unicode NFC form; a template literal or "
            "value combines with its neighbour",
        )
    previous: Span | None = None
    for span in sorted(example.spans, key=lambda s: (s.start, s.end)):
        if not 0 <= span.start < span.end <= len(text):
            raise _error(
                example,
                span,
                "3 (no empty span, inside the text)",
                f"span [{span.start}, {span.end}) does not lie inside a "
                f"text of {len(text)} code points",
            )
        piece = text[span.start : span.end]
        if span.surface and piece != span.surface:
            raise _error(
                example,
                span,
                "2 (slice equals the rendered value)",
                f"text[{span.start}:{span.end}] is {piece!r}, the slot "
                f"rendered {span.surface!r}",
            )
        if piece[0].isspace() or piece[-1].isspace():
            raise _error(
                example,
                span,
                "3 (no whitespace at a span edge)",
                f"span {piece!r} starts or ends with whitespace",
            )
        if not span.kb_id:
            raise _error(example, span, "kb_id", "the span names no graph entity")
        if previous is not None and span.start < previous.end:
            raise _error(
                example,
                span,
                "4 (no overlap)",
                f"span [{span.start}, {span.end}) {span.label} overlaps "
                f"[{previous.start}, {previous.end}) {previous.label}",
            )
        previous = span
    if doc is not None:
        if doc.text != text:
            raise _error(
                example,
                None,
                "5 (token boundaries)",
                "the tokenized text differs from the example's text",
            )
        for span in misaligned(doc, example.spans):
            raise _error(
                example,
                span,
                "5 (token boundaries)",
                f"span {text[span.start : span.end]!r} at "
                f"[{span.start}, {span.end}) does not start and end on "
                f"token boundaries of the '{doc.lang_}' tokenizer "
                f"(tokens: {_tokens_near(doc, span)}); put a space or "
                "punctuation between the slot and its neighbours",
            )


def misaligned(doc: Doc, spans: Iterable[Span]) -> list[Span]:
    """The spans whose start or end is not a token boundary of ``doc``."""
    spans = list(spans)
    if not spans:
        return []
    # Offsets and lengths as one array: no Token object per token.
    offsets = doc.to_array([IDX, LENGTH])
    starts = set(offsets[:, 0].tolist())
    ends = set((offsets[:, 0] + offsets[:, 1]).tolist())
    return [s for s in spans if s.start not in starts or s.end not in ends]


def _tokens_near(doc: Doc, span: Span) -> str:
    near = [
        t.text for t in doc if t.idx < span.end + 1 and t.idx + len(t) > span.start - 1
    ]
    return " | ".join(near)


def _error(
    example: Example, span: Span | None, rule: str, message: str
) -> SpanInvariantError:
    return SpanInvariantError(
        f"{message}; text: {example.text!r}",
        record=example.id,
        rule=rule,
        template_id=example.template_id or None,
        slot=(span.slot or span.label) if span else None,
        value=(span.surface or example.text[span.start : span.end]) if span else None,
    )
