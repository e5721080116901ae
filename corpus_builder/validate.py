"""The span invariants, checked on every example before export and on read-back.

1. Offsets count code points of the NFC text; end is exclusive.
2. ``text[start:end]`` is exactly the surface rendered for the slot.
3. No span is empty or starts or ends with whitespace or an invisible format
   character (Unicode category Cf: zero-width space, soft hyphen, RLM, ...).
4. Spans do not overlap.
5. Every span boundary is a token boundary of the export's tokenizer.

``check_example`` raises SpanInvariantError naming the record, template, slot, value
and rule of the first violation.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Collection, Iterable

from spacy.attrs import IDX, LENGTH
from spacy.tokens import Doc

from .errors import SpanInvariantError
from .example import Example, Span


def is_edge_junk(ch: str) -> bool:
    """True for a character no span may start or end with: whitespace or an
    invisible format character (zero-width space, joiners, soft hyphen, byte-order
    mark, bidirectional marks: Unicode category Cf)."""
    return ch.isspace() or unicodedata.category(ch) == "Cf"


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
        if is_edge_junk(piece[0]) or is_edge_junk(piece[-1]):
            raise _error(
                example,
                span,
                "3 (no whitespace at a span edge)",
                f"span {piece!r} starts or ends with whitespace or an invisible "
                "format character",
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


@dataclass(frozen=True)
class SpanProblem:
    """One broken invariant in a record read from a file.

    ``index`` is the span's position in the record (None: the record as a whole);
    ``other`` the position of the span it overlaps, for rule 4.
    """

    index: int | None
    rule: str
    message: str
    other: int | None = None


def span_problems(
    text: str,
    spans: list[tuple[int, int, str]],
    doc: Doc | None = None,
    labels: Collection[str] | None = None,
) -> list[SpanProblem]:
    """Every invariant that ``(start, end, label)`` spans of ``text`` break.

    Unlike ``check_example`` this does not stop at the first problem: it is for files
    people edited, where each problem is reported.
    """
    problems = []
    if not unicodedata.is_normalized("NFC", text):
        problems.append(
            SpanProblem(None, "1 (NFC text)", "the text is not in Unicode NFC form")
        )
    starts = ends = None
    if doc is not None:
        starts = {token.idx for token in doc}
        ends = {token.idx + len(token.text) for token in doc}
    placed = []
    for index, (start, end, label) in enumerate(spans):
        if labels is not None and label not in labels:
            known = ", ".join(labels)
            problems.append(
                SpanProblem(index, "label", f"label {label!r} is not one of {known}")
            )
        if not 0 <= start < end <= len(text):
            problems.append(
                SpanProblem(
                    index,
                    "3 (no empty span, inside the text)",
                    f"[{start}, {end}) is empty or outside a text of {len(text)} "
                    "code points",
                )
            )
            continue
        piece = text[start:end]
        if piece[0].isspace() or piece[-1].isspace():
            problems.append(
                SpanProblem(
                    index,
                    "3 (no whitespace at a span edge)",
                    f"{piece!r} starts or ends with whitespace",
                )
            )
        elif starts is not None and (start not in starts or end not in ends):
            near = " | ".join(
                t.text for t in doc if t.idx < end + 1 and t.idx + len(t) > start - 1
            )
            problems.append(
                SpanProblem(
                    index,
                    "5 (token boundaries)",
                    f"{piece!r} does not start and end on token boundaries of the "
                    f"'{doc.lang_}' tokenizer (tokens: {near})",
                )
            )
        placed.append((start, end, index))
    placed.sort()
    reach: tuple[int, int, int] | None = None  # the span reaching furthest so far
    for start, end, index in placed:
        if reach is not None and start < reach[1]:
            s1, e1, i1 = reach
            problems.append(
                SpanProblem(
                    index,
                    "4 (no overlap)",
                    f"[{start}, {end}) {spans[index][2]} {text[start:end]!r} overlaps "
                    f"[{s1}, {e1}) {spans[i1][2]} {text[s1:e1]!r}",
                    other=i1,
                )
            )
        if reach is None or end > reach[1]:
            reach = (start, end, index)
    return problems
