"""Hugging Face ``DatasetDict`` saved with ``save_to_disk`` under ``hf/``.

Splits ``train``, ``validation`` and ``test`` share one schema:

- ``id`` (string): the example id, as in the other exports.
- ``tokens`` (sequence of string): words from the spaCy tokenizer of the export.
- ``spaces`` (sequence of bool): whether a space follows each word, so the text and
  the character offsets of every span can be rebuilt exactly.
- ``ner_tags`` (sequence of ClassLabel): IOB2 tags. The names are ``O`` and then
  ``B-X``, ``I-X`` for each label in the config's order, the same in every split.
- ``text``, ``template_id``, ``channel``, ``language`` (string).

The rows are written shard by shard as they are rendered (see ``arrow_stream``).
Beside the dataset: ``hf/label2id.json`` and ``hf/id2label.json`` in that order, for
a model config. Offsets are not stored; rebuild them from tokens and spaces.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets
from datasets import ClassLabel, DatasetDict, Features, Sequence, Value
from spacy.tokens import Doc

from ..example import Example
from ..tokens import doc_words
from . import SPLITS
from .arrow_stream import DatasetDictWriter, table_bytes

_STRING_COLUMNS = ("id", "text", "template_id", "channel", "language")
# ``json.dumps(obj, ensure_ascii=False)`` with its encoder made once.
_digest_json = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def features_for(tag_names: list[str]) -> Features:
    return Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "spaces": Sequence(Value("bool")),
            "ner_tags": Sequence(ClassLabel(names=tag_names)),
            "text": Value("string"),
            "template_id": Value("string"),
            "channel": Value("string"),
            "language": Value("string"),
        }
    )


def word_rows(
    doc: Doc, example: Example, index: dict[str, int]
) -> tuple[list[str], list[bool], list[int]]:
    """Words, trailing spaces and IOB2 tag ids of ``doc`` (tags of ``doc.ents``,
    which validation set from the example's spans).

    The lists of words and spaces are shared with the other writers of the Doc.
    """
    read = doc_words(doc)
    return read.words, read.spaces, [index[tag] for tag in read.tags]


class ArrowWriter:
    """Columns of rows per split, handed on as Arrow IPC bytes with a digest of
    their content; with a folder, streamed into the files of a saved DatasetDict
    with its label maps. Subclasses fill ``_columns`` and ``_digests`` in
    ``write``, and define ``take`` and ``add`` around ``_take_rows`` and
    ``_add_rows``."""

    def _open(
        self,
        folder: Path | None,
        features: Features,
        tag_names: list[str],
        splits: tuple[str, ...],
    ) -> None:
        self._folder = folder
        self._features = features
        self._names = tag_names
        self._splits = splits
        self._reset()
        self._out = None
        if folder is not None:
            datasets.disable_progress_bars()
            self._out = DatasetDictWriter(
                folder, features, splits, json.dumps(tag_names)
            )

    def _reset(self) -> None:
        self._columns = {
            split: {name: [] for name in self._features} for split in self._splits
        }
        self._digests = {split: hashlib.sha256() for split in self._splits}

    def _take_rows(self) -> dict[str, tuple[bytes, str]]:
        rows = {
            split: (
                table_bytes(self._columns[split], self._features),
                self._digests[split].hexdigest(),
            )
            for split in self._splits
        }
        self._reset()
        return rows

    def _add_rows(self, rows: dict[str, tuple[bytes, str]]) -> None:
        assert self._out is not None
        for split, (data, digest) in rows.items():
            self._out.add(split, data, digest)

    def close(self) -> None:
        if self._out is None:
            return
        if any(self._columns[split]["id"] for split in self._splits):
            self.add(self.take())
        self._out.close()
        write_label_maps(self._folder, self._names)


class HfWriter(ArrowWriter):
    """Rows of a shard are gathered by ``write`` and handed on by ``take``; a writer
    with a folder appends what ``add`` gets (or what it gathered) to the files."""

    def __init__(
        self,
        folder: Path | None,
        tag_names: list[str],
        *,
        splits: tuple[str, ...] = SPLITS,
    ) -> None:
        self._index = {name: i for i, name in enumerate(tag_names)}
        self._open(folder, features_for(tag_names), tag_names, splits)

    def write(self, example: Example, doc: Doc) -> None:
        columns = self._columns[example.split]
        columns["id"].append(example.id)
        words, spaces, tags = word_rows(doc, example, self._index)
        columns["tokens"].append(words)
        columns["spaces"].append(spaces)
        columns["ner_tags"].append(tags)
        self._digests[example.split].update(
            _digest_json([example.id, example.text, tags]).encode()
        )
        columns["text"].append(example.text)
        columns["template_id"].append(example.template_id)
        columns["channel"].append(example.channel)
        columns["language"].append(example.language)

    def take(self) -> dict[str, tuple[bytes, str]]:
        """The rows gathered since the last call, per split: Arrow IPC bytes and a
        digest of their content."""
        return self._take_rows()

    def add(self, part: dict[str, tuple[bytes, str]]) -> None:
        self._add_rows(part)


def write_label_maps(folder: Path, tag_names: list[str]) -> None:
    """``label2id.json`` and ``id2label.json`` in tag order, for a model config."""
    label2id = {name: i for i, name in enumerate(tag_names)}
    id2label = {str(i): name for i, name in enumerate(tag_names)}
    for name, mapping in (("label2id", label2id), ("id2label", id2label)):
        (folder / f"{name}.json").write_text(
            json.dumps(mapping, indent=2) + "\n", encoding="utf-8"
        )


def read_hf(path: Path) -> DatasetDict:
    return datasets.load_from_disk(str(path))
