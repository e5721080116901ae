"""Doccano sequence-labeling JSONL: ``doccano/{train,dev,test}.jsonl``.

Held-out test sets, when the config asks for them, get files of their own names.

One JSON object per line, UTF-8, keys in this order:

- ``text``: the narrative.
- ``label``: ``[[start, end, "LABEL"], ...]``, the key Doccano imports by default;
  offsets count Unicode code points, end exclusive, or with ``utf16=True`` UTF-16
  code units, which Doccano's browser counts. The two differ only after a character
  outside the Basic Multilingual Plane (an emoji counts 1 code point, 2 units).
- ``example_id``, ``split``, ``template_id``, ``channel``, ``language``, ``kind``,
  ``txn_id``: strings Doccano keeps as metadata.
- ``kb_links``: ``[[start, end, "KB-ID", "form", score], ...]``, the graph entity,
  the surface-form transformation (``+typo`` or ``+ocr`` when noise was added) and
  the similarity of the surface to the graph's spelling (rapidfuzz ratio, 0 to 1;
  null for amounts, currencies, dates and accounts), also metadata.

Characters are written as UTF-8, except U+2028, U+2029 and U+0085, which are
written as JSON escapes so that every record is one line for any reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonlines
from spacy.tokens import Doc

from ..example import Example
from . import SPLITS, TextWriter, compact_json

# Line breaks JSON leaves raw: a reader that splits on every Unicode line break
# (str.splitlines) would cut the record in two. JSON's escapes read back the same.
_LINE_BREAKS = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"}


def _dumps(record: dict[str, Any]) -> str:
    line = compact_json(record)
    if line.isascii():
        return line
    for raw, escaped in _LINE_BREAKS.items():
        line = line.replace(raw, escaped)
    return line


def utf16_offset(text: str, offset: int) -> int:
    """The UTF-16 code-unit offset of code-point ``offset`` in ``text``."""
    before = text[:offset]
    if before.isascii() or max(before) <= "\uffff":
        return offset
    return offset + sum(1 for ch in before if ord(ch) > 0xFFFF)


def span_offsets(example: Example, *, utf16: bool = False) -> list[tuple[int, int]]:
    """``(start, end)`` of each span, in code points or UTF-16 code units."""
    if not utf16:
        return [(s.start, s.end) for s in example.spans]
    text = example.text
    return [
        (utf16_offset(text, s.start), utf16_offset(text, s.end)) for s in example.spans
    ]


def example_to_record(example: Example, *, utf16: bool = False) -> dict[str, Any]:
    offsets = span_offsets(example, utf16=utf16)
    spans = example.spans
    return {
        "text": example.text,
        "label": [[a, b, s.label] for (a, b), s in zip(offsets, spans)],
        **example.metadata(),
        "kb_links": kb_links(spans, offsets),
    }


def kb_links(spans, offsets: list[tuple[int, int]]) -> list[list]:
    """``[start, end, kb_id, form, score]`` per span, as every Doccano line ends."""
    return [[a, b, s.kb_id, s.form, s.score] for (a, b), s in zip(offsets, spans)]


class DoccanoWriter(TextWriter):
    suffix = ".jsonl"

    def __init__(
        self,
        folder: Path | None,
        *,
        utf16: bool = False,
        splits: tuple[str, ...] = SPLITS,
    ) -> None:
        self._utf16 = utf16
        super().__init__(folder, splits=splits)

    def render(self, example: Example, doc: Doc) -> str:
        return _dumps(example_to_record(example, utf16=self._utf16)) + "\n"


def read_doccano(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, spans)`` for every line of a Doccano sequence-labeling JSONL file."""
    out = []
    with jsonlines.open(path) as reader:
        for record in reader:
            spans = [(int(s), int(e), str(label)) for s, e, label in record["label"]]
            out.append((record["text"], spans))
    return out
