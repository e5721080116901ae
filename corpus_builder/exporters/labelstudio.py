"""Label Studio tasks with pre-annotations: ``labelstudio/{train,dev,test}.json``
and the labelling config ``labelstudio/config.xml``.

Each file is a JSON list of tasks (UTF-8), what Label Studio's import takes:

- ``data``: ``text`` (the narrative, shown by ``<Text name="text" value="$text"/>``)
  and the metadata ``example_id``, ``split``, ``template_id``, ``channel``,
  ``language``, ``kind``, ``txn_id``.
- ``predictions``: one prediction, ``{"model_version": "corpus-builder <version>",
  "score": 1.0, "result": [...]}``. A span result is ``{"id", "from_name": "label",
  "to_name": "text", "type": "labels", "value": {"start", "end", "text",
  "labels": ["LABEL"]}}``; a relation result (true in the entity graph, see
  ``corpus_builder.relations``) is ``{"from_id", "to_id", "type": "relation",
  "direction": "right", "labels": ["type"]}``. Result ids are
  ``<example id>-<span index>``, unique over the export.

Offsets are **UTF-16 code units**, end exclusive, because Label Studio's browser
measures text with JavaScript string indexes. The rule for characters outside the
Basic Multilingual Plane (most emoji): each counts 2 units, so every offset after one
is the code-point offset plus the number of such characters before it. For text
without them the two units agree. ``value.text`` holds the span's text itself.

``config.xml`` names the labels in the config's order and the relation types, with
``from_name``/``to_name`` matching the results.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

from spacy.tokens import Doc

from .. import __version__
from ..example import Example
from ..relations import RELATION_TYPES, RelationFinder
from . import SPLITS, TextWriter, compact_json
from .doccano import utf16_offset

FROM_NAME = "label"
TO_NAME = "text"


def labelling_config(labels: tuple[str, ...]) -> str:
    """The Label Studio labelling config (XML) the tasks' results refer to."""
    lines = ["<View>", f'  <Labels name="{FROM_NAME}" toName="{TO_NAME}">']
    lines += [f"    <Label value={quoteattr(label)}/>" for label in labels]
    lines += [
        "  </Labels>",
        f'  <Text name="{TO_NAME}" value="${TO_NAME}"/>',
        "  <Relations>",
    ]
    lines += [f"    <Relation value={quoteattr(name)}/>" for name in RELATION_TYPES]
    lines += ["  </Relations>", "</View>"]
    return "\n".join(lines) + "\n"


def example_to_ls_task(
    example: Example, relations: list[tuple[int, int, str]]
) -> dict[str, Any]:
    text = example.text
    in_bmp = text.isascii() or max(text) <= "\uffff"

    def at(offset: int) -> int:
        return offset if in_bmp else utf16_offset(text, offset)

    result: list[dict[str, Any]] = [
        {
            "id": f"{example.id}-{index}",
            "from_name": FROM_NAME,
            "to_name": TO_NAME,
            "type": "labels",
            "value": {
                "start": at(span.start),
                "end": at(span.end),
                "text": text[span.start : span.end],
                "labels": [span.label],
            },
        }
        for index, span in enumerate(example.spans)
    ]
    result += [
        {
            "from_id": f"{example.id}-{head}",
            "to_id": f"{example.id}-{tail}",
            "type": "relation",
            "direction": "right",
            "labels": [name],
        }
        for head, tail, name in relations
    ]
    return {
        "data": {
            "text": text,
            **example.metadata(),
        },
        "predictions": [
            {
                "model_version": f"corpus-builder {__version__}",
                "score": 1.0,
                "result": result,
            }
        ],
    }


class LabelStudioWriter(TextWriter):
    """One JSON array of tasks per split, a task a line; ``config.xml`` beside."""

    suffix = ".json"

    def __init__(
        self,
        folder: Path | None,
        labels: tuple[str, ...],
        finder: RelationFinder | None = None,
        *,
        splits: tuple[str, ...] = SPLITS,
    ) -> None:
        self._finder = finder
        self._count = {split: 0 for split in splits}
        super().__init__(folder, splits=splits)
        if folder is not None:
            (folder / "config.xml").write_text(
                labelling_config(labels), encoding="utf-8"
            )

    def render(self, example: Example, doc: Doc) -> str:
        relations = self._finder.relations(example) if self._finder else []
        task = example_to_ls_task(example, relations)
        return compact_json(task)

    def begin(self, split: str) -> None:
        self._files[split].write("[")

    def append(self, split: str, chunks: list[str]) -> None:
        lead = "\n" if self._count[split] == 0 else ",\n"
        self._files[split].write(lead + ",\n".join(chunks))
        self._count[split] += len(chunks)

    def end(self, split: str) -> None:
        self._files[split].write("\n]\n" if self._count[split] else "]\n")


def read_labelstudio(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, spans)`` per task, spans converted back to code points.

    Raises ValueError when a result's ``value.text`` differs from the text at its
    offsets.
    """
    out = []
    for task in json.loads(path.read_text("utf-8")):
        text = task["data"]["text"]
        units = text.encode("utf-16-le")
        spans = []
        for result in task["predictions"][0]["result"]:
            if result["type"] != "labels":
                continue
            value = result["value"]
            before = units[: value["start"] * 2].decode("utf-16-le")
            piece = units[value["start"] * 2 : value["end"] * 2].decode("utf-16-le")
            if piece != value["text"]:
                raise ValueError(f"{result['id']}: {piece!r} != {value['text']!r}")
            start = len(before)
            spans.append((start, start + len(piece), value["labels"][0]))
        out.append((text, spans))
    return out
