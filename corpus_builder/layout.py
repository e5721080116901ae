"""Layout effects of real statements, applied to a finished narrative with its spans.

Each function returns the new text and every span mapped through the change:

- ``wrap``: a hard line break after at most ``width`` characters, as MT940 field 86
  does at 65; a break may fall inside an entity, which then spans the line end, but
  never within two characters outside one, where it could change how punctuation
  next to the entity is tokenized (``59/ORDP`` splits at ``/``; ``59/`` before a
  break does not).
- ``truncate``: the text cut at a field's length, as SEPA remittance is at 140.
  Policy: a span the cut crosses is kept, shortened to what is left, and its form
  gets ``+cut``, when at least half of it and at least 3 characters are left;
  otherwise, like a span wholly past the cut, it is dropped and counted.
"""

from __future__ import annotations

from dataclasses import replace

from .example import Span
from .validate import is_edge_junk

MIN_CUT_KEPT = 3


def wrap(
    text: str, spans: tuple[Span, ...], width: int
) -> tuple[str, tuple[Span, ...]]:
    """Break ``text`` into lines of at most ``width`` characters."""
    if width <= 0 or len(text) <= width:
        return text, spans
    unsafe = set()
    for span in spans:
        unsafe.update((span.start - 2, span.start - 1, span.end + 1, span.end + 2))
    breaks = []
    position = 0
    while len(text) - position > width:
        cut = position + width
        while cut in unsafe and cut > position + width // 2:
            cut -= 1
        breaks.append(cut)
        position = cut
    bounds = [0, *breaks, len(text)]
    lines = [text[a:b] for a, b in zip(bounds, bounds[1:])]

    def shift_start(offset: int) -> int:
        return offset + sum(1 for b in breaks if b <= offset)

    def shift_end(offset: int) -> int:
        return offset + sum(1 for b in breaks if b < offset)

    mapped = []
    for span in spans:
        # The surface is rebuilt from the old one, not sliced from the new text, so
        # the invariant check still tests this mapping.
        inside = [b - span.start for b in breaks if span.start < b < span.end]
        surface = span.surface or text[span.start : span.end]
        for cut in reversed(inside):
            surface = surface[:cut] + "\n" + surface[cut:]
        mapped.append(
            replace(
                span,
                start=shift_start(span.start),
                end=shift_end(span.end),
                surface=surface,
            )
        )
    return "\n".join(lines), tuple(mapped)


def truncate(
    text: str, spans: tuple[Span, ...], limit: int
) -> tuple[str, tuple[Span, ...], list[Span]]:
    """Cut ``text`` to ``limit`` characters; return text, kept spans, dropped spans."""
    if limit <= 0 or len(text) <= limit:
        return text, spans, []
    cut = text[:limit]
    # Whitespace or an invisible character left at the end would glue onto a cut
    # span's last token.
    while cut and is_edge_junk(cut[-1]):
        cut = cut[:-1]
    kept, dropped = [], []
    for span in spans:
        if span.end <= len(cut):
            kept.append(span)
            continue
        rest = cut[span.start : len(cut)] if span.start < len(cut) else ""
        while rest and is_edge_junk(rest[-1]):
            rest = rest[:-1]
        whole = span.end - span.start
        if len(rest) < MIN_CUT_KEPT or 2 * len(rest) < whole:
            dropped.append(span)
            continue
        kept.append(
            replace(
                span,
                end=span.start + len(rest),
                surface=rest,
                form=f"{span.form}+cut",
            )
        )
    return cut, tuple(kept), dropped


def double_spaces(literal: str, positions: list[int]) -> str:
    """``literal`` with the single spaces at ``positions`` (indexes) doubled."""
    chars = list(literal)
    for index in sorted(positions, reverse=True):
        if chars[index] == " ":
            chars.insert(index, " ")
    return "".join(chars)
