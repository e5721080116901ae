"""Hugging Face ``DatasetDict`` saved with ``save_to_disk`` under ``hf/``.

Splits ``train``, ``validation`` and ``test`` share one schema:

- ``id`` (string): the example id, as in the other exports.
- ``tokens`` (sequence of string): words from the spaCy tokenizer of the export.
- ``spaces`` (sequence of bool): whether a space follows each word, so the text and
  the character offsets of every span can be rebuilt exactly.
- ``ner_tags`` (sequence of ClassLabel): IOB2 tags. The names are ``O`` and then
  ``B-X``, ``I-X`` for each label in the config's order, the same in every split.
- ``text``, ``template_id``, ``channel``, ``language`` (string).

Beside the dataset: ``hf/label2id.json`` and ``hf/id2label.json`` in that order, for
a model config. Offsets are not stored; rebuild them from tokens and spaces.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import datasets
import pyarrow as pa
from datasets import (
    ClassLabel,
    Dataset,
    DatasetDict,
    DatasetInfo,
    Features,
    Sequence,
    Value,
)
from datasets.table import InMemoryTable
from spacy.tokens import Doc

from ..example import Example
from ..tokens import doc_to_iob
from . import SPLITS

_STRING_COLUMNS = ("id", "text", "template_id", "channel", "language")


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


class HfWriter:
    def __init__(
        self, folder: Path, tag_names: list[str], *, splits: tuple[str, ...] = SPLITS
    ) -> None:
        self._folder = folder
        self._splits = splits
        self._names = tag_names
        self._index = {name: i for i, name in enumerate(tag_names)}
        # TODO(#6): stream rows to Arrow files instead of holding a split's columns.
        self._columns = {
            split: {name: [] for name in features_for(tag_names)} for split in splits
        }
        # A fingerprint from the content keeps save_to_disk byte-identical.
        self._digests = {
            split: hashlib.sha256(json.dumps(tag_names).encode()) for split in splits
        }

    def write(self, example: Example, doc: Doc) -> None:
        columns = self._columns[example.split]
        columns["id"].append(example.id)
        columns["tokens"].append([t.text for t in doc])
        columns["spaces"].append([bool(t.whitespace_) for t in doc])
        tags = [self._index[tag] for tag in doc_to_iob(doc)]
        columns["ner_tags"].append(tags)
        self._digests[example.split].update(
            json.dumps([example.id, example.text, tags], ensure_ascii=False).encode()
        )
        columns["text"].append(example.text)
        columns["template_id"].append(example.template_id)
        columns["channel"].append(example.channel)
        columns["language"].append(example.language)

    def close(self) -> None:
        datasets.disable_progress_bars()
        features = features_for(self._names)
        parts = {}
        for split in self._splits:
            table = pa.Table.from_pydict(
                self._columns[split], schema=features.arrow_schema
            )
            fingerprint = self._digests[split].hexdigest()[:16]
            parts[split] = Dataset(
                InMemoryTable(table),
                info=DatasetInfo(features=features),
                split=datasets.Split(split),
                fingerprint=fingerprint,
            )
        # One shard per split, so an empty split still has a file to load.
        DatasetDict(parts).save_to_disk(
            str(self._folder), num_shards={split: 1 for split in self._splits}
        )
        label2id = {name: i for i, name in enumerate(self._names)}
        id2label = {str(i): name for i, name in enumerate(self._names)}
        for name, mapping in (("label2id", label2id), ("id2label", id2label)):
            (self._folder / f"{name}.json").write_text(
                json.dumps(mapping, indent=2) + "\n", encoding="utf-8"
            )


def read_hf(path: Path) -> DatasetDict:
    return datasets.load_from_disk(str(path))
