"""spaCy DocBins: ``spacy/train.spacy``, ``spacy/dev.spacy``, ``spacy/test.spacy``.

Held-out test sets, when the config asks for them, get files of their own names. A
split of more than 50,000 narratives is a folder instead (``spacy/train/``) with one
DocBin per shard (``00000.spacy``, ...); ``spacy train`` takes the folder as a path.

Each Doc is the narrative tokenized by ``spacy.blank(<spacy_lang>)`` (the tokenizer
``spacy train`` will use with a config made for that language), with ``doc.ents``
carrying the label and ``kb_id_`` (the graph entity) of every span. Offsets are
character offsets of the Doc text, Unicode code points. ``doc.user_data`` holds the
example id, template id and split.
"""

from __future__ import annotations

from pathlib import Path

import numpy
from spacy.attrs import (
    DEP,
    ENT_ID,
    ENT_KB_ID,
    ENT_TYPE,
    LEMMA,
    MORPH,
    NORM,
    ORTH,
    SPACY,
    TAG,
)
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from srsly.msgpack import Packer

from ..example import Example
from . import SPLITS, split_file

ATTRS = ["ENT_IOB", "ENT_TYPE", "ENT_KB_ID"]
# The token attributes whose strings DocBin.add keeps.
_STRING_ATTRS = [ORTH, TAG, LEMMA, NORM, MORPH, DEP, ENT_TYPE, ENT_KB_ID, ENT_ID]


# A split with more narratives than this is written as a folder of DocBins, one
# per shard, so no file (and no DocBin in memory) grows with the corpus.
MAX_DOCS_PER_FILE = 50_000


class SpacyWriter:
    """Docs of a shard are gathered by ``write`` and handed on by ``take``; a writer
    with a folder writes what ``add`` gets (or what it gathered).

    ``sizes`` (narratives per split) decides, before anything is written, which
    splits are one file ``<name>.spacy`` and which a folder ``<name>/`` of files
    ``<shard>.spacy``; ``spacy train`` reads either.
    """

    def __init__(
        self,
        folder: Path | None,
        *,
        splits: tuple[str, ...] = SPLITS,
        sizes: dict[str, int] | None = None,
    ) -> None:
        self._folder = folder
        self._splits = splits
        self._bins = {split: self._new() for split in splits}
        self._gathering_bins = self._gathering()
        self._packer = Packer(use_bin_type=True)
        self._sharded = {
            split: (sizes or {}).get(split, 0) > MAX_DOCS_PER_FILE for split in splits
        }
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            for split, sharded in self._sharded.items():
                if sharded:
                    (folder / split_file(split)).mkdir()

    @staticmethod
    def _new() -> DocBin:
        return DocBin(attrs=ATTRS, store_user_data=True)

    def _gathering(self) -> dict[str, DocBin]:
        # DocBin.add packs user_data with a new msgpack Packer per Doc, and each
        # Packer looks up srsly's encoder registry (entry points): a third of the
        # time of a shard. These bins pack it here with one Packer, to the same bytes.
        return {
            split: DocBin(attrs=ATTRS, store_user_data=False) for split in self._splits
        }

    def write(self, example: Example, doc: Doc) -> None:
        user_data = {
            "example_id": example.id,
            "template_id": example.template_id,
            "split": example.split,
        }
        docbin = self._gathering_bins[example.split]
        add_to_docbin(docbin, doc)
        docbin.user_data.append(self._packer.pack(user_data))

    def take(self) -> dict[str, bytes]:
        """The Docs gathered since the last call, a DocBin's bytes per split."""
        part = {}
        for split, docbin in self._gathering_bins.items():
            if len(docbin):
                docbin.store_user_data = True
                part[split] = docbin.to_bytes()
        self._gathering_bins = self._gathering()
        return part

    def add(self, part: dict[str, bytes], shard: int) -> None:
        assert self._folder is not None
        for split, data in part.items():
            if self._sharded[split]:
                path = self._folder / split_file(split) / f"{shard:05d}.spacy"
                path.write_bytes(data)
            else:
                self._bins[split].merge(self._new().from_bytes(data))

    def close(self) -> None:
        if self._folder is None:
            return
        gathered = self.take()
        if gathered:
            self.add(gathered, 0)
        for split, docbin in self._bins.items():
            if not self._sharded[split]:
                docbin.to_disk(self._folder / f"{split_file(split)}.spacy")


def add_to_docbin(docbin: DocBin, doc: Doc) -> None:
    """``docbin.add(doc)`` for a bin that stores no user data, to the same bytes.

    ``DocBin.add`` makes a Token object per token to collect its strings; here they
    are read off one ``Doc.to_array``. A Doc with morphology (whose string is not
    the one its hash names) goes through ``DocBin.add``.
    """
    hashes = doc.to_array(_STRING_ATTRS)
    if docbin.store_user_data or hashes[:, _STRING_ATTRS.index(MORPH)].any():
        docbin.add(doc)
        return
    columns = doc.to_array(docbin.attrs + [SPACY])
    docbin.tokens.append(numpy.ascontiguousarray(columns[:, :-1]))
    docbin.spaces.append(numpy.asarray(columns[:, -1:], dtype=bool))
    docbin.flags.append({"has_unknown_spaces": doc.has_unknown_spaces})
    strings = doc.vocab.strings
    docbin.strings.update(map(strings.__getitem__, set(hashes.ravel().tolist())))
    docbin.cats.append(doc.cats)
    docbin.span_groups.append(doc.spans.to_bytes())
    for group in doc.spans.values():
        for span in group:
            docbin.strings.add(span.label_)
            if span.kb_id in strings:
                docbin.strings.add(span.kb_id_)
            if span.id in strings:
                docbin.strings.add(span.id_)


def docbin_paths(folder: Path, split: str) -> list[Path]:
    """The DocBin files of ``split`` under ``folder`` (an export's ``spacy/``)."""
    single = folder / f"{split_file(split)}.spacy"
    if single.is_file():
        return [single]
    return sorted((folder / split_file(split)).glob("*.spacy"))


def read_docbin(
    path: Path, nlp: Language
) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, spans)`` for every Doc in a DocBin, or in a folder of DocBins (in
    file-name order), spans from ``doc.ents``."""
    paths = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    return [
        (doc.text, [(e.start_char, e.end_char, e.label_) for e in doc.ents])
        for one in paths
        for doc in DocBin().from_disk(one).get_docs(nlp.vocab)
    ]
