"""CoNLL-2003 style IOB2 files: ``conll/{train,dev,test}.conll``.

UTF-8, ``\\n`` line ends. Each narrative is one document and one sentence::

    -DOCSTART- -X- -X- O
    <blank line>
    TOKEN _ _ TAG        (one line per token)
    <blank line>

Four space-separated columns as in CoNLL-2003: the token, two unused columns
(``_``, since the corpus has no part-of-speech or chunk tags) and the IOB2 tag.
Tokens are the spaCy tokens of the export tokenizer, the same as the DocBins and the
Hugging Face dataset, with the same tags. A token that is only whitespace (a line
break of a wrapped MT940 narrative, the second space of a doubled space) is left
out, since a column format cannot hold it; the tags of the other tokens stay as
they are, so an entity broken across a line end reads ``B-X I-X``.

There are no character offsets in the file. The reader gives tokens and tags; with
the narrative's text, ``conll_to_offsets`` places each token in it (tokens follow
one another, separated only by whitespace) and gives code-point offsets.
"""

from __future__ import annotations

import re
from pathlib import Path

from spacy.tokens import Doc

from ..errors import SpanInvariantError
from ..example import Example
from ..tokens import check_iob2, doc_words
from . import TextWriter

DOCSTART = "-DOCSTART- -X- -X- O"
# What str.isspace calls whitespace: both test Py_UNICODE_ISSPACE.
_WHITESPACE = re.compile(r"\s")


def doc_to_conll(doc: Doc, record: str) -> str:
    """One document block, ending with a blank line."""
    read = doc_words(doc)
    pairs = [
        (word, tag)
        for word, tag, space in zip(read.words, read.tags, read.is_space)
        if not space
    ]
    for word, _ in pairs:
        if _WHITESPACE.search(word):
            raise SpanInvariantError(
                f"token {word!r} holds whitespace, which a CoNLL column cannot carry",
                record=record,
                rule="5 (token boundaries)",
            )
    lines = [DOCSTART, ""] + [f"{word} _ _ {tag}" for word, tag in pairs]
    return "\n".join(lines) + "\n\n"


class ConllWriter(TextWriter):
    suffix = ".conll"

    def render(self, example: Example, doc: Doc) -> str:
        return doc_to_conll(doc, example.id)


def read_conll(path: Path) -> list[tuple[list[str], list[str]]]:
    """``(tokens, tags)`` per document of a CoNLL file this module wrote.

    Raises ValueError on a line that is not four columns or tags that are not IOB2.
    """
    documents: list[tuple[list[str], list[str]]] = []
    with open(path, encoding="utf-8", newline="\n") as handle:
        for number, line in enumerate(handle, start=1):
            line = line.rstrip("\n")
            if not line:
                continue
            columns = line.split(" ")
            if len(columns) != 4:
                raise ValueError(f"{path}:{number}: expected 4 columns, got {line!r}")
            if columns[0] == "-DOCSTART-":
                documents.append(([], []))
                continue
            if not documents:
                raise ValueError(f"{path}:{number}: token before -DOCSTART-")
            documents[-1][0].append(columns[0])
            documents[-1][1].append(columns[3])
    for tokens, tags in documents:
        check_iob2(tags)
    return documents


def conll_to_offsets(
    text: str, tokens: list[str], tags: list[str]
) -> list[tuple[int, int, str]]:
    """Code-point spans of the IOB2 ``tags`` of ``tokens`` placed in ``text``.

    Raises ValueError if the tokens do not spell ``text`` apart from whitespace.
    """
    check_iob2(tags)
    spans: list[list] = []
    at = 0
    for token, tag in zip(tokens, tags):
        while at < len(text) and text[at].isspace():
            at += 1
        if text[at : at + len(token)] != token:
            raise ValueError(f"token {token!r} is not at offset {at} of {text!r}")
        start, at = at, at + len(token)
        if tag.startswith("B-"):
            spans.append([start, at, tag[2:]])
        elif tag.startswith("I-"):
            spans[-1][1] = at
    if text[at:].strip():
        raise ValueError(f"text {text[at:]!r} at offset {at} has no token")
    return [tuple(span) for span in spans]
