"""Doccano relation extraction JSONL: ``doccano/relations/{train,dev,test}.jsonl``.

One JSON object per line, UTF-8, keys in this order:

- ``text``: the narrative.
- ``entities``: ``[{"id", "label", "start_offset", "end_offset"}, ...]``, one per
  span in text order; ``id`` is the span's index in the line (0, 1, ...). Offsets
  count Unicode code points, end exclusive, or UTF-16 code units when the Doccano
  files are built with ``utf16=True`` (as the sequence-labeling files).
- ``relations``: ``[{"id", "from_id", "to_id", "type"}, ...]``; ``from_id`` and
  ``to_id`` are entity ids of the same line, ``id`` counts from 0 in the line, and
  ``type`` is one of ``corpus_builder.relations.RELATION_TYPES``. Every relation is
  true in the entity graph (see ``corpus_builder.relations``).
- ``example_id``, ``split``, ``template_id``, ``channel``, ``language``, ``kind``,
  ``txn_id``, ``kb_links``: metadata, as in the sequence-labeling files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..example import Example
from ..relations import RelationFinder
from . import SPLITS, TextWriter, compact_json
from .doccano import kb_links, span_offsets


def example_to_relation_record(
    example: Example, relations: list[tuple[int, int, str]], *, utf16: bool = False
) -> dict[str, Any]:
    offsets = span_offsets(example, utf16=utf16)
    spans = example.spans
    return {
        "text": example.text,
        "entities": [
            {"id": index, "label": span.label, "start_offset": a, "end_offset": b}
            for index, (span, (a, b)) in enumerate(zip(spans, offsets))
        ],
        "relations": [
            {"id": index, "from_id": head, "to_id": tail, "type": name}
            for index, (head, tail, name) in enumerate(relations)
        ],
        **example.metadata(),
        "kb_links": kb_links(spans, offsets),
    }


class DoccanoRelationWriter(TextWriter):
    suffix = ".jsonl"

    def __init__(
        self,
        folder: Path | None,
        finder: RelationFinder,
        *,
        utf16: bool = False,
        splits: tuple[str, ...] = SPLITS,
    ):
        self._finder = finder
        self._utf16 = utf16
        super().__init__(folder, splits=splits)

    def render(self, example: Example, doc: Doc) -> str:
        record = example_to_relation_record(
            example, self._finder.relations(example), utf16=self._utf16
        )
        return compact_json(record) + "\n"


def read_doccano_relations(
    path: Path,
) -> list[tuple[str, list[tuple[int, int, str]], list[tuple[int, int, str]]]]:
    """``(text, spans, relations)`` per line; relations as ``(from, to, type)``
    indexes into ``spans``."""
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            ids = [e["id"] for e in record["entities"]]
            spans = [
                (e["start_offset"], e["end_offset"], e["label"])
                for e in record["entities"]
            ]
            relations = [
                (ids.index(r["from_id"]), ids.index(r["to_id"]), r["type"])
                for r in record["relations"]
            ]
            out.append((record["text"], spans, relations))
    return out
