"""Prodigy JSONL: ``prodigy/{train,dev,test}.jsonl``, for ``prodigy db-in``.

One JSON object per line, UTF-8, keys in this order:

- ``text``: the narrative.
- ``tokens``: ``[{"text", "start", "end", "id", "ws"}, ...]``, every spaCy token of
  the export tokenizer (whitespace tokens included, so the tokens rebuild the text);
  ``start`` and ``end`` are code-point offsets, end exclusive; ``id`` is the token
  index; ``ws`` says whether a space follows.
- ``spans``: ``[{"start", "end", "token_start", "token_end", "label"}, ...]``;
  ``start``/``end`` code points, end exclusive; ``token_start``/``token_end`` token
  indexes, ``token_end`` inclusive (Prodigy's convention).
- ``answer``: ``"accept"`` (the spans are gold).
- ``meta``: ``example_id``, ``split``, ``template_id``, ``channel``, ``language``,
  ``kind``, ``txn_id`` (strings Prodigy shows under a task).

Offsets count Unicode code points, as Python and spaCy do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..example import Example
from ..tokens import doc_words
from . import TextWriter, compact_json


def example_to_task(example: Example, doc: Doc) -> dict[str, Any]:
    read = doc_words(doc)
    starts = read.starts
    ends = [start + len(word) for start, word in zip(starts, read.words)]
    return {
        "text": example.text,
        "tokens": [
            {"text": word, "start": start, "end": end, "id": i, "ws": space}
            for i, (word, start, end, space) in enumerate(
                zip(read.words, starts, ends, read.spaces)
            )
        ],
        "spans": [
            {
                "start": starts[first],
                "end": ends[end - 1],
                "token_start": first,
                "token_end": end - 1,
                "label": label,
            }
            for first, end, label in read.entities
        ],
        "answer": "accept",
        "meta": example.metadata(),
    }


class ProdigyWriter(TextWriter):
    suffix = ".jsonl"

    def render(self, example: Example, doc: Doc) -> str:
        return compact_json(example_to_task(example, doc)) + "\n"


def read_prodigy(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, spans)`` per line, spans from character offsets.

    Raises ValueError when a span's token indexes disagree with its offsets.
    """
    out = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            task = json.loads(line)
            tokens = task["tokens"]
            spans = []
            for span in task["spans"]:
                first, last = tokens[span["token_start"]], tokens[span["token_end"]]
                if (first["start"], last["end"]) != (span["start"], span["end"]):
                    raise ValueError(f"span {span} does not match its tokens")
                spans.append((span["start"], span["end"], span["label"]))
            out.append((task["text"], spans))
    return out
