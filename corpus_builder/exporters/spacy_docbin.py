"""spaCy DocBins: ``spacy/train.spacy``, ``spacy/dev.spacy``, ``spacy/test.spacy``.

Held-out test sets, when the config asks for them, get files of their own names.

Each Doc is the narrative tokenized by ``spacy.blank(<spacy_lang>)`` (the tokenizer
``spacy train`` will use with a config made for that language), with ``doc.ents``
carrying the label and ``kb_id_`` (the graph entity) of every span. Offsets are
character offsets of the Doc text, Unicode code points. ``doc.user_data`` holds the
example id, template id and split.
"""

from __future__ import annotations

from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc, DocBin

from ..example import Example
from . import SPLITS, split_file

ATTRS = ["ENT_IOB", "ENT_TYPE", "ENT_KB_ID"]


class SpacyWriter:
    def __init__(self, folder: Path, *, splits: tuple[str, ...] = SPLITS) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._folder = folder
        # TODO(#6): write DocBins in bounded shards instead of one per split.
        self._bins = {
            split: DocBin(attrs=ATTRS, store_user_data=True) for split in splits
        }

    def write(self, example: Example, doc: Doc) -> None:
        doc.user_data["example_id"] = example.id
        doc.user_data["template_id"] = example.template_id
        doc.user_data["split"] = example.split
        self._bins[example.split].add(doc)

    def close(self) -> None:
        for split, docbin in self._bins.items():
            docbin.to_disk(self._folder / f"{split_file(split)}.spacy")


def read_docbin(
    path: Path, nlp: Language
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, spans)`` for every Doc in a DocBin, spans from ``doc.ents``."""
    docs = DocBin().from_disk(path).get_docs(nlp.vocab)
    return [
        (doc.text, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
        for doc in docs
    ]
