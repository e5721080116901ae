"""Read Doccano JSONL that people edited: sequence labeling or relation extraction.

Accepted per line: a JSON object with ``text`` and either ``label`` (spans as
``[start, end, "LABEL"]`` or ``{"start_offset", "end_offset", "label"}``, Doccano's
sequence-labeling shape) or ``entities`` (``{"id", "start_offset", "end_offset",
"label"}``, its relation-extraction shape; ``relations`` are read too). Other keys
are metadata; ``example_id``, ``split``, ``template_id``, ``channel``, ``language``
and ``kb_links`` (as this tool writes them) are used when present.

Files may start with a UTF-8 byte order mark and end lines with CRLF; blank lines
are skipped. Anything else that is not UTF-8 JSON, one object a line, is an
InputFileError naming the file, the line and what to do. A span whose shape is
wrong is not an error here: it is kept as a ``RawSpan`` with ``problem`` set, so the
caller reports it with every other broken span.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .errors import InputFileError

# Split names Doccano metadata may carry, to the dataset's split names.
SPLIT_ALIASES = {
    "train": "train",
    "dev": "validation",
    "validation": "validation",
    "test": "test",
}


@dataclass
class RawSpan:
    """A span as the file gives it; offsets in code points once read."""

    start: int
    end: int
    label: str
    id: Any = None
    problem: str = ""  # why the span cannot be read, if it cannot


@dataclass
class Record:
    path: str
    line: int
    text: str
    spans: list[RawSpan]
    example_id: str
    split: str
    meta: dict[str, Any] = field(default_factory=dict)
    relations: list[tuple[Any, Any, str]] = field(default_factory=list)
    kb_ids: dict[tuple[int, int], str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, parsed JSON)`` for every non-blank line of ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot be read ({exc.strerror}); check the path", path=str(path)
        ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(
            "is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8",
            path=str(path),
        )
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        raw = raw.removesuffix(b"\r")
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputFileError(
                f"is not UTF-8 (byte 0x{raw[exc.start]:02X} at byte {exc.start + 1} "
                "of the line); save the file as UTF-8",
                path=str(path),
                line=number,
            ) from None
        try:
            yield number, json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            cut = number == len(lines) and not data.endswith(b"\n")
            hint = (
                "the last line has no line end and is cut short; was the file "
                "truncated?"
                if cut
                else "each line must be one JSON object"
            )
            reason = (
                f"{exc.msg}, column {exc.colno}"
                if isinstance(exc, json.JSONDecodeError)
                else "nested too deeply"
            )
            raise InputFileError(
                f"not valid JSON ({reason}); {hint}", path=str(path), line=number
            ) from None


def read_doccano_records(path: Path, *, unit: str = "code_points") -> Iterator[Record]:
    """Every record of a Doccano JSONL file, spans converted to code points."""
    for number, obj in read_jsonl(path):
        yield parse_record(obj, path=str(path), line=number, unit=unit)


def parse_record(obj: Any, *, path: str, line: int, unit: str) -> Record:
    def fail(message: str, key: str | None = None) -> InputFileError:
        return InputFileError(message, path=path, line=line, key=key)

    if not isinstance(obj, dict):
        raise fail(f"expected a JSON object, got {type(obj).__name__}")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise fail(
            "missing or not a non-empty string; every line needs its text", "text"
        )
    lone = next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
    if lone is not None:
        raise fail(
            f"holds a lone surrogate U+{ord(lone):04X}, which is not a character; "
            "fix the text",
            "text",
        )
    if "label" in obj and "entities" in obj:
        raise fail(
            "the line has both 'label' and 'entities'; keep one of them", "label"
        )
    key = "label" if "label" in obj else "entities" if "entities" in obj else None
    if key is None:
        near = [k for k in obj if k.lower() in ("labels", "spans", "entity", "ents")]
        also = f" (found {', '.join(map(repr, near))})" if near else ""
        raise fail(
            f"no 'label' or 'entities' key{also}; Doccano imports spans from 'label' "
            "(sequence labeling) or 'entities' (relation extraction); rename the key",
            "label",
        )
    items = obj[key]
    if not isinstance(items, list):
        raise fail(f"expected a list of spans, got {type(items).__name__}", key)
    spans = [_span(item, text, unit) for item in items]

    split = obj.get("split", "train")
    if not isinstance(split, str) or split not in SPLIT_ALIASES:
        raise fail(
            f"unknown split {split!r}; use train, dev (or validation) or test", "split"
        )
    relations = []
    if key == "entities":
        rels = obj.get("relations", [])
        if not isinstance(rels, list) or not all(
            isinstance(r, dict) and {"from_id", "to_id", "type"} <= set(r) for r in rels
        ):
            raise fail("expected a list of {from_id, to_id, type} objects", "relations")
        relations = [(r["from_id"], r["to_id"], str(r["type"])) for r in rels]
    example_id = obj.get("example_id")
    return Record(
        path=path,
        line=line,
        text=text,
        spans=spans,
        example_id=example_id if isinstance(example_id, str) and example_id else "",
        split=SPLIT_ALIASES[split],
        meta={k: obj[k] for k in ("template_id", "channel", "language") if k in obj},
        relations=relations,
        kb_ids=_kb_ids(obj.get("kb_links"), text, unit),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _span(item: Any, text: str, unit: str) -> RawSpan:
    if isinstance(item, list) and len(item) == 3:
        start, end, label = item
        ident = None
    elif isinstance(item, dict) and {"start_offset", "end_offset", "label"} <= set(
        item
    ):
        start, end, label = item["start_offset"], item["end_offset"], item["label"]
        ident = item.get("id")
    else:
        shown = json.dumps(item, ensure_ascii=False)[:80]
        return RawSpan(
            -1,
            -1,
            "",
            problem=f"span {shown} is neither [start, end, label] nor "
            "{start_offset, end_offset, label}",
        )
    if not (_is_int(start) and _is_int(end) and isinstance(label, str) and label):
        shown = json.dumps([start, end, label], ensure_ascii=False)[:80]
        return RawSpan(
            -1,
            -1,
            str(label),
            ident,
            f"span {shown} needs whole-number offsets and a label",
        )
    if unit == "utf16":
        try:
            start, end = (
                utf16_to_code_points(text, start),
                utf16_to_code_points(text, end),
            )
        except ValueError as exc:
            return RawSpan(-1, -1, label, ident, str(exc))
    return RawSpan(start, end, label, ident)


def utf16_to_code_points(text: str, offset: int) -> int:
    """The code-point offset of UTF-16 unit ``offset`` in ``text``.

    Raises ValueError for an offset inside a surrogate pair or past the end.
    """
    if offset < 0:
        return offset
    units = 0
    for index, ch in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > offset:
            raise ValueError(
                f"UTF-16 offset {offset} falls inside the character {ch!r}"
            )
    if units == offset:
        return len(text)
    raise ValueError(f"UTF-16 offset {offset} is past the end ({units} units)")


def _kb_ids(links: Any, text: str, unit: str) -> dict[tuple[int, int], str]:
    """``(start, end) -> kb_id`` from this tool's ``kb_links`` metadata, if any."""
    out: dict[tuple[int, int], str] = {}
    if not isinstance(links, list):
        return out
    for link in links:
        if not (isinstance(link, list) and len(link) >= 3):
            continue
        start, end, kb = link[0], link[1], link[2]
        if not (_is_int(start) and _is_int(end) and isinstance(kb, str)):
            continue
        if unit == "utf16":
            try:
                start = utf16_to_code_points(text, start)
                end = utf16_to_code_points(text, end)
            except ValueError:
                continue
        out[(start, end)] = kb
    return out
