"""Exporters: each writes the validated examples of every split in one format.

A writer gets each example with its tokenized ``Doc`` (``doc.ents`` set) and its
split, in corpus order, and writes its files when closed. Every writer has a reader
beside it that gives back ``(text, [(start, end, label), ...])`` per record, for
round-trip checks.
"""

from __future__ import annotations

from typing import Protocol

from spacy.tokens import Doc

from ..example import Example

# Split names as each format's users expect them.
SPACY_SPLIT_FILES = {"train": "train", "validation": "dev", "test": "test"}
SPLITS = tuple(SPACY_SPLIT_FILES)


def split_file(split: str) -> str:
    """The file stem of ``split`` in Doccano and spaCy exports (``validation`` -> dev).

    Held-out test sets keep their own names (``test_unseen_channel``).
    """
    return SPACY_SPLIT_FILES.get(split, split)


class Writer(Protocol):
    def write(self, example: Example, doc: Doc) -> None: ...

    def close(self) -> None: ...
