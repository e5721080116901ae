"""Exporters: each writes the validated examples of every split in one format.

A writer gets each example with its tokenized ``Doc`` (``doc.ents`` set) and its
split, in corpus order. Made without a folder, it gathers one shard's part of its
export in memory and hands it on with ``take``; made with a folder, it appends each
part ``add`` gets, in shard order, and finishes its files when closed. Every writer
has a reader beside it that gives back ``(text, [(start, end, label), ...])`` per
record, for round-trip checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Protocol

from spacy.tokens import Doc

from ..example import Example

# Split names as each format's users expect them.
SPACY_SPLIT_FILES = {"train": "train", "validation": "dev", "test": "test"}
SPLITS = tuple(SPACY_SPLIT_FILES)

# ``json.dumps(obj, ensure_ascii=False, separators=(",", ":"))``, the same text,
# with its encoder made once instead of at every call. Records are trees the
# writers build, so the check for circular references is left out.
compact_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode


def split_file(split: str) -> str:
    """The file stem of ``split`` in Doccano and spaCy exports (``validation`` -> dev).

    Held-out test sets keep their own names (``test_unseen_channel``).
    """
    return SPACY_SPLIT_FILES.get(split, split)


class Writer(Protocol):
    def write(self, example: Example, doc: Doc) -> None: ...

    def close(self) -> None: ...


class TextWriter:
    """A writer of one text file per split, one chunk of text per example.

    Subclasses give the file ``suffix`` and ``render`` one example; a format whose
    file is more than its chunks laid end to end (a JSON array) overrides
    ``begin``, ``append`` and ``end``.
    """

    suffix = ".txt"

    def __init__(self, folder: Path | None, *, splits: tuple[str, ...] = SPLITS):
        self._chunks: dict[str, list[str]] = {split: [] for split in splits}
        self._files = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for split in splits:
                path = folder / f"{split_file(split)}{self.suffix}"
                self._files[split] = open(path, "w", encoding="utf-8", newline="\n")
                self.begin(split)

    def render(self, example: Example, doc: Doc) -> str:
        raise NotImplementedError

    def write(self, example: Example, doc: Doc) -> None:
        self._chunks[example.split].append(self.render(example, doc))

    def take(self) -> dict[str, list[str]]:
        part = {split: list(chunks) for split, chunks in self._chunks.items()}
        for chunks in self._chunks.values():
            chunks.clear()
        return part

    def add(self, part: dict[str, list[str]]) -> None:
        for split, chunks in part.items():
            if chunks:
                self.append(split, chunks)

    def begin(self, split: str) -> None:
        pass

    def append(self, split: str, chunks: list[str]) -> None:
        self._files[split].write("".join(chunks))

    def end(self, split: str) -> None:
        pass

    def close(self) -> None:
        if self._files:
            self.add(self.take())
        for split, handle in self._files.items():
            self.end(split)
            handle.close()
