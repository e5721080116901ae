"""Word-level tokens and IOB2 tags, through spaCy's own tokenizer and conversions.

The spaCy DocBins and the Hugging Face word-level dataset share one tokenizer: the
blank pipeline of the configured language. Tags come from ``doc.ents``, and go back
to character spans with spaCy's ``iob_to_biluo`` and ``biluo_tags_to_spans``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.attrs import IDX, IS_SPACE, LANG, LOWER, NORM, ORTH, SPACY
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import biluo_tags_to_spans, iob_to_biluo

from .errors import SpanInvariantError
from .example import Example

# Space-separated chunks whose tokens a render pipeline's tokenizer remembers.
TOKENIZER_CACHE = 200_000


def render_pipeline(lang: str) -> Language:
    """``spacy.blank(lang)`` whose vocabulary computes only the lexical attributes
    the exports read: norm, lower case and ``is_space`` (and the language, which
    ``doc.lang_`` comes from).

    Each string the tokenizer has not met (every invoice number, amount and
    reference is one) becomes a lexeme, and a blank vocabulary computes some twenty
    attributes for it in Python (shape, prefix, like_num ...): a fifth of the time
    spent tokenizing. DocBins keep token texts and norms, CoNLL leaves out
    whitespace tokens; nothing else of a lexeme is written, so the exports are the
    same bytes. A pipeline that loads the DocBins computes the rest in its own
    vocabulary.
    """
    if lang in _UNUSED:
        return _UNUSED.pop(lang)
    nlp = spacy.blank(lang)
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {
        attr: getters[attr] for attr in (LANG, LOWER, NORM, IS_SPACE) if attr in getters
    }
    # The tokenizer caches the first 10,000 space-separated chunks it splits; in a
    # corpus those are soon mostly one-off identifiers, and the template words met
    # after them are split afresh every time.
    nlp.tokenizer.max_cache_size = TOKENIZER_CACHE
    return nlp


# A pipeline made to check that a language loads, not yet used: the next
# render_pipeline call of that language takes it instead of making another (making
# one takes seconds).
_UNUSED: dict[str, Language] = {}


def try_language(lang: str) -> None:
    """Make the render pipeline of ``lang`` (ImportError if it needs a package that
    is missing) and keep it for the next ``render_pipeline(lang)``."""
    if lang not in _UNUSED:
        _UNUSED[lang] = render_pipeline(lang)


def example_to_doc(nlp: Language, example: Example) -> Doc:
    """The example tokenized, with ``doc.ents`` (and ``kb_id_``) set from its spans.

    Raises SpanInvariantError when a span does not align with the tokens; a span is
    never contracted or expanded to fit.
    """
    return set_entities(nlp.make_doc(example.text), example)


def set_entities(doc: Doc, example: Example) -> Doc:
    """Set ``doc.ents`` from the example's spans on its tokenized text."""
    ents = []
    for span in example.spans:
        ent = doc.char_span(
            span.start,
            span.end,
            label=span.label,
            kb_id=span.kb_id,
            alignment_mode="strict",
        )
        if ent is None:
            raise SpanInvariantError(
                f"span {example.text[span.start : span.end]!r} at [{span.start}, "
                f"{span.end}) does not align with the '{doc.lang_}' tokens",
                record=example.id,
                rule="5 (token boundaries)",
                template_id=example.template_id or None,
                slot=span.slot or None,
                value=span.surface or None,
            )
        ents.append(ent)
    doc.ents = ents
    return doc


@dataclass(frozen=True)
class DocWords:
    """What the exporters read of each token of a Doc, one list entry per token.

    ``entities`` holds ``(first token, end token, label)`` of ``doc.ents`` in order,
    end exclusive. The lists are shared between callers: read them, never change
    them.
    """

    words: list[str]
    spaces: list[bool]
    starts: list[int]
    is_space: list[bool]
    tags: list[str]
    entities: list[tuple[int, int, str]]


def read_doc_words(doc: Doc) -> DocWords:
    """Words, trailing spaces, start offsets, whitespace flags, IOB2 tags and
    entities of ``doc``, read with one ``Doc.to_array`` and ``doc.ents`` instead of
    a Token object per token."""
    strings = doc.vocab.strings
    orths, spaces, starts, is_space = doc.to_array(
        [ORTH, SPACY, IDX, IS_SPACE]
    ).T.tolist()
    entities = [(ent.start, ent.end, ent.label_) for ent in doc.ents]
    tags = ["O"] * len(orths)
    for first, end, label in entities:
        tags[first] = "B-" + label
        tags[first + 1 : end] = ["I-" + label] * (end - first - 1)
    return DocWords(
        words=list(map(strings.__getitem__, orths)),
        spaces=list(map(bool, spaces)),
        starts=starts,
        is_space=list(map(bool, is_space)),
        tags=tags,
        entities=entities,
    )


# Every writer of a shard gets the same Doc in turn: the last one's words are kept.
# A writer never changes the Doc it is given.
doc_words = lru_cache(maxsize=1)(read_doc_words)


def doc_to_iob(doc: Doc) -> list[str]:
    """IOB2 tags of ``doc.ents``, one per token."""
    return read_doc_words(doc).tags


def iob_names(labels: tuple[str, ...]) -> list[str]:
    """Tag names in the fixed order every split uses: O, then B-/I- per label."""
    names = ["O"]
    for label in labels:
        names += [f"B-{label}", f"I-{label}"]
    return names


def iob_to_offsets(
    nlp: Language, tokens: list[str], spaces: list[bool], tags: list[str]
) -> tuple[str, list[tuple[int, int, str]]]:
    """Rebuild the text and its ``(start, end, label)`` spans from word-level tags.

    Raises ValueError on a tag sequence that is not valid IOB2.
    """
    check_iob2(tags)
    doc = Doc(nlp.vocab, words=tokens, spaces=spaces)
    spans = biluo_tags_to_spans(doc, iob_to_biluo(tags))
    return doc.text, [(s.start_char, s.end_char, s.label_) for s in spans]


def check_iob2(tags: list[str]) -> None:
    """Raise ValueError unless every I-X follows B-X or I-X."""
    previous = "O"
    for index, tag in enumerate(tags):
        if tag.startswith("I-"):
            if previous[2:] != tag[2:] or previous == "O":
                raise ValueError(f"tag {index} is {tag} after {previous}: not IOB2")
        elif tag != "O" and not tag.startswith("B-"):
            raise ValueError(f"tag {index} is {tag!r}: not an IOB2 tag")
        previous = tag


def tokenizer_info(lang: str) -> dict[str, str]:
    """The export tokenizer, as a manifest records it."""
    return {"library": "spacy", "pipeline": f"spacy.blank({lang!r})", "lang": lang}
