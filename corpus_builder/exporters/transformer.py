"""Subword token-classification dataset for transformers, under ``transformer/``.

Written only when a tokenizer is configured (``transformer.tokenizer`` or ``build
--tokenizer``). The spaCy words of each narrative (the ``tokens`` of ``hf/``) are
encoded as pre-split words by a fast tokenizer of the ``tokenizers`` library, and
every piece is tied to its word through the encoding's ``word_ids``.

A ``DatasetDict`` saved with ``save_to_disk``; splits ``train``, ``validation`` and
``test`` share one schema, one row per window of a narrative:

- ``id`` (string): the example id, as in the other exports.
- ``window`` (int32): 0, or 1, 2, ... for later windows of a narrative split with a
  stride.
- ``input_ids`` (sequence of int32): piece ids, special tokens included.
- ``attention_mask`` (sequence of int8): 1 for every piece (rows are not padded).
- ``labels`` (sequence of int64, never ClassLabel): the id of the word's IOB2 tag in
  the ``ner_tags`` order of ``hf/`` on the first piece of each word; -100 on special
  tokens and on later pieces, or with ``label_all_pieces`` the tag's ``I-`` form
  (``O`` stays ``O``) on later pieces. The first piece of an entity in a row is
  always ``B-``.
- ``word_ids`` (sequence of int32): the index of each piece's word in the
  narrative's ``tokens`` in ``hf/``; -1 for special tokens.

Beside it: ``label2id.json`` and ``id2label.json`` (the ``hf/`` order) and
``tokenizer/tokenizer.json``, the tokenizer the pieces came from. A word the
tokenizer gives no piece (a line break or a run of spaces, with BERT's normalizer)
has no label; inside an entity it is recovered from its neighbours. An entity none
of whose words has a piece is counted in the manifest (``spans_without_pieces``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from datasets import Features, Sequence, Value
from spacy.tokens import Doc
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
)

from ..config import TransformerConfig
from ..errors import ConfigError, TokenizerError
from ..example import Example
from ..tokens import doc_words
from . import SPLITS
from .hf import ArrowWriter

IGNORE = -100
BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

FEATURES = Features(
    {
        "id": Value("string"),
        "window": Value("int32"),
        "input_ids": Sequence(Value("int32")),
        "attention_mask": Sequence(Value("int8")),
        "labels": Sequence(Value("int64")),
        "word_ids": Sequence(Value("int32")),
    }
)


@dataclass(frozen=True)
class LoadedTokenizer:
    tokenizer: Tokenizer
    source: Path  # the file it was read from
    kind: str  # "tokenizer.json" or "vocab.txt"
    lowercase: bool | None  # for vocab.txt: from tokenizer_config.json, else True


def load_tokenizer(path: Path) -> LoadedTokenizer:
    """A fast tokenizer from a folder or file: ``tokenizer.json`` or ``vocab.txt``.

    A folder is searched for ``tokenizer.json`` first, then ``vocab.txt``
    (WordPiece, cased or not as its ``tokenizer_config.json`` says; uncased without
    one). Padding and truncation stored in the file are switched off. Raises
    TokenizerError when nothing usable is there, or when the tokenizer cannot tie
    its pieces to words.
    """
    if not path.exists():
        raise TokenizerError("does not exist; give a tokenizer folder", path=str(path))
    folder = path if path.is_dir() else path.parent
    if path.is_dir():
        if (path / "tokenizer.json").is_file():
            path = path / "tokenizer.json"
        elif (path / "vocab.txt").is_file():
            path = path / "vocab.txt"
        else:
            found = sorted(p.name for p in folder.iterdir())[:8]
            raise TokenizerError(
                "holds no tokenizer.json or vocab.txt (found: "
                f"{', '.join(found) or 'nothing'}); a slow tokenizer (a SentencePiece "
                "model alone) cannot give word ids. Save a fast one with "
                "transformers: AutoTokenizer.from_pretrained(...).save_pretrained"
                "(folder) writes tokenizer.json",
                path=str(folder),
            )
    if path.suffix == ".txt":
        loaded = _wordpiece(path, folder)
    else:
        try:
            tok = Tokenizer.from_file(str(path))
        except Exception as exc:  # tokenizers raises plain Exception subclasses
            raise TokenizerError(
                f"is not a tokenizer.json the tokenizers library can read ({exc}); "
                "save it again with a current transformers or tokenizers",
                path=str(path),
            ) from None
        loaded = LoadedTokenizer(tok, path, "tokenizer.json", None)
    loaded.tokenizer.no_padding()
    loaded.tokenizer.no_truncation()
    _check_word_ids(loaded)
    return loaded


def _wordpiece(vocab: Path, folder: Path) -> LoadedTokenizer:
    settings = {}
    config = folder / "tokenizer_config.json"
    if config.is_file():
        try:
            settings = json.loads(config.read_text("utf-8"))
        except ValueError as exc:
            raise TokenizerError(
                f"is not valid JSON ({exc})", path=str(config)
            ) from None
    lowercase = bool(settings.get("do_lower_case", True))
    try:
        tok = Tokenizer(models.WordPiece.from_file(str(vocab), unk_token="[UNK]"))
    except Exception as exc:
        raise TokenizerError(
            f"is not a WordPiece vocabulary, one piece a line ({exc})", path=str(vocab)
        ) from None
    missing = [t for t in BERT_SPECIALS if tok.token_to_id(t) is None]
    if missing:
        raise TokenizerError(
            f"lacks the special pieces {', '.join(missing)} a BERT vocabulary has",
            path=str(vocab),
        )
    tok.add_special_tokens(list(BERT_SPECIALS))
    tok.normalizer = normalizers.BertNormalizer(
        clean_text=True,
        handle_chinese_chars=bool(settings.get("tokenize_chinese_chars", True)),
        strip_accents=settings.get("strip_accents"),
        lowercase=lowercase,
    )
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.post_processor = processors.BertProcessing(
        ("[SEP]", tok.token_to_id("[SEP]")), ("[CLS]", tok.token_to_id("[CLS]"))
    )
    tok.decoder = decoders.WordPiece(prefix="##")
    return LoadedTokenizer(tok, vocab, "vocab.txt", lowercase)


def _check_word_ids(loaded: LoadedTokenizer) -> None:
    """Refuse a tokenizer that leaves a piece of a word without its word id."""
    probe = ["PMT", "ALPHABRIDGE", "MFG-INV-000157", "12.500.000"]
    try:
        enc = loaded.tokenizer.encode(probe, is_pretokenized=True)
    except Exception as exc:
        raise TokenizerError(
            f"cannot encode pre-split words ({exc}); use a fast tokenizer that "
            "accepts is_split_into_words",
            path=str(loaded.source),
        ) from None
    content = [
        w for w, special in zip(enc.word_ids, enc.special_tokens_mask) if not special
    ]
    if not content or None in content or sorted(set(content)) != [0, 1, 2, 3]:
        raise TokenizerError(
            "does not give each of the words PMT, ALPHABRIDGE, MFG-INV-000157, "
            "12.500.000 pieces tied to it by word_ids, so word tags cannot be "
            "aligned to pieces; use a fast tokenizer that keeps pre-split words",
            path=str(loaded.source),
        )


def word_tags_to_piece_labels(
    word_ids: list[int | None],
    tags: list[str],
    index: dict[str, int],
    *,
    label_all_pieces: bool,
) -> list[int]:
    """One label per piece from the word tags (IOB2 strings), by ``word_ids``.

    The first piece of a word gets the word's tag; special tokens get -100; later
    pieces get -100, or the tag's I- form when ``label_all_pieces``. An entity
    whose first word has no piece here (cut off, or a word the tokenizer drops)
    starts with B- on its first piece that is here.
    """
    entity_of = _entity_of(tags)
    labelled: set[int] = set()
    labels = []
    previous = None
    for word in word_ids:
        if word is None:
            labels.append(IGNORE)
            previous = None
            continue
        tag = tags[word]
        if word != previous:
            if tag != "O" and entity_of[word] not in labelled:
                tag = "B-" + tag[2:]
                labelled.add(entity_of[word])
            labels.append(index[tag])
        elif label_all_pieces:
            labels.append(index["O" if tag == "O" else "I-" + tag[2:]])
        else:
            labels.append(IGNORE)
        previous = word
    return labels


def _entity_of(tags: list[str]) -> list[int]:
    """The number of the entity each word belongs to (-1 outside entities)."""
    out, current = [], -1
    for tag in tags:
        if tag.startswith("B-"):
            current += 1
        out.append(current if tag != "O" else -1)
    return out


def piece_labels_to_word_tags(
    word_ids: list[int], labels: list[int], names: list[str], n_words: int
) -> list[str]:
    """The word tags back from one row: the first piece of each word gives its tag.

    ``word_ids`` uses -1 for special tokens, as stored. A word with no piece takes
    ``I-X`` when the nearest words with pieces on both sides are of entity X and
    the next one continues it, else ``O``. ``n_words`` is the narrative's word
    count; a row that holds a window of it gives ``O`` outside the window.
    Raises ValueError when a later piece contradicts its word's first piece.
    """
    first: dict[int, str] = {}
    for word, label in zip(word_ids, labels):
        if word < 0:
            if label != IGNORE:
                raise ValueError(f"special token labelled {label}")
            continue
        if word not in first:
            first[word] = names[label]
        elif label != IGNORE:
            tag = first[word]
            want = "O" if tag == "O" else "I-" + tag[2:]
            if names[label] != want:
                raise ValueError(f"word {word}: later piece {names[label]} after {tag}")
    tags = []
    for word in range(n_words):
        if word in first:
            tags.append(first[word])
            continue
        before = tags[-1] if tags else "O"
        after = next((first[w] for w in range(word + 1, n_words) if w in first), "O")
        inside = before != "O" and after == "I-" + before[2:]
        tags.append(after if inside else "O")
    return tags


class TransformerWriter(ArrowWriter):
    def __init__(
        self,
        folder: Path | None,
        loaded: LoadedTokenizer,
        tag_names: list[str],
        settings: TransformerConfig,
        *,
        source: str = "<defaults>",
        splits: tuple[str, ...] = SPLITS,
    ) -> None:
        self._loaded = loaded
        self._settings = settings
        self._index = {name: i for i, name in enumerate(tag_names)}
        self._tok = loaded.tokenizer
        specials = self._tok.num_special_tokens_to_add(False)
        self._content = settings.max_length - specials
        if self._content < 1:
            raise ConfigError(
                f"must leave room for a piece besides the tokenizer's {specials} "
                f"special tokens, got {settings.max_length}",
                path=source,
                key="transformer.max_length",
            )
        if settings.overflow == "stride" and settings.stride >= self._content:
            raise ConfigError(
                f"must be below max_length minus {specials} special tokens "
                f"({self._content}), got {settings.stride}",
                path=source,
                key="transformer.stride",
            )
        # A copy that cuts one over-long word to max_length, keeping the specials.
        self._capped = Tokenizer.from_str(self._tok.to_str())
        self._capped.enable_truncation(settings.max_length)
        self.rows = dict.fromkeys(splits, 0)
        self.truncated = dict.fromkeys(splits, 0)
        self.split_narratives = dict.fromkeys(splits, 0)
        labels = [name[2:] for name in tag_names[1::2]]
        self.spans_cut = dict.fromkeys(labels, 0)
        self.spans_dropped = dict.fromkeys(labels, 0)
        self.spans_without_pieces = dict.fromkeys(labels, 0)
        self.longest = 0
        self._open(folder, FEATURES, tag_names, splits)

    _COUNTS = (
        "rows",
        "truncated",
        "split_narratives",
        "spans_cut",
        "spans_dropped",
        "spans_without_pieces",
    )

    def take(self) -> dict:
        """The rows gathered since the last call (Arrow IPC bytes and a digest per
        split) and the counts; both start again from nothing."""
        part = {"data": self._take_rows(), "longest": self.longest}
        for name in self._COUNTS:
            counts = getattr(self, name)
            part[name] = dict(counts)
            setattr(self, name, dict.fromkeys(counts, 0))
        self.longest = 0
        return part

    def add(self, part: dict) -> None:
        self._add_rows(part["data"])
        self.longest = max(self.longest, part["longest"])
        for name in self._COUNTS:
            counts = getattr(self, name)
            for key, value in part[name].items():
                counts[key] += value

    def write(self, example: Example, doc: Doc) -> None:
        read = doc_words(doc)
        words, tags = read.words, read.tags
        windows, pieces = self._windows(words)
        self.longest = max(self.longest, pieces)
        # Word ids in the narrative's words, per window (the encodings count from
        # the window's first word); each read of Encoding.word_ids makes a list.
        word_ids = []
        for start, _, enc, _ in windows:
            ids = enc.word_ids
            if start:
                ids = [None if w is None else w + start for w in ids]
            word_ids.append(ids)
        cut_off = len(words)
        cut_inside_a_word = any(window[3] for window in windows)
        if self._settings.overflow == "stride":
            if len(windows) > 1:
                self.split_narratives[example.split] += 1
            if cut_inside_a_word:
                self.truncated[example.split] += 1
        elif windows[0][1] < len(words) or cut_inside_a_word:
            self.truncated[example.split] += 1
            cut_off = self._count_lost(tags, windows[0])
        self._count_unseen(tags, word_ids, cut_off)
        columns = self._columns[example.split]
        digest = self._digests[example.split]
        for number, ((_, _, enc, _), ids) in enumerate(zip(windows, word_ids)):
            labels = word_tags_to_piece_labels(
                ids,
                tags,
                self._index,
                label_all_pieces=self._settings.label_all_pieces,
            )
            input_ids = enc.ids
            columns["id"].append(example.id)
            columns["window"].append(number)
            columns["input_ids"].append(input_ids)
            columns["attention_mask"].append(enc.attention_mask)
            columns["labels"].append(labels)
            columns["word_ids"].append([-1 if w is None else w for w in ids])
            digest.update(json.dumps([example.id, number, input_ids, labels]).encode())
            self.rows[example.split] += 1

    def _windows(self, words: list[str]) -> tuple[list[tuple], int]:
        """``(first word, end word, encoding, cut inside a word)`` per window.

        Windows end on word boundaries; with ``overflow: truncate`` only the first
        is kept. A window holds at least one word with pieces; a single word
        longer than a window is cut to fit.
        """
        enc = self._tok.encode(words, is_pretokenized=True)
        specials = enc.special_tokens_mask
        pieces = len(specials) - sum(specials)
        if len(specials) <= self._settings.max_length:
            return [(0, len(words), enc, False)], pieces
        counts = [0] * len(words)
        for word in enc.word_ids:
            if word is not None:
                counts[word] += 1
        windows = []
        start = 0
        while start < len(words):
            end, used = start, 0
            while end < len(words) and (
                used + counts[end] <= self._content or used == 0
            ):
                used += counts[end]
                end += 1
            windows.append(self._encode_window(words, counts, start, end))
            if self._settings.overflow != "stride" or end >= len(words):
                break
            overlap, next_start = 0, end
            while next_start - 1 > start and overlap + counts[next_start - 1] <= (
                self._settings.stride
            ):
                next_start -= 1
                overlap += counts[next_start]
            start = next_start
        return windows, pieces

    def _encode_window(
        self, words: list[str], counts: list[int], start: int, end: int
    ) -> tuple:
        while True:
            enc = self._tok.encode(words[start:end], is_pretokenized=True)
            if len(enc.ids) <= self._settings.max_length:
                return (start, end, enc, False)
            if sum(counts[start : end - 1]) == 0:
                enc = self._capped.encode(words[start:end], is_pretokenized=True)
                return (start, end, enc, True)
            end -= 1

    def _count_lost(self, tags: list[str], window: tuple) -> int:
        """Count the entities a truncation cuts or drops; return the first word
        past the cut."""
        start, end, enc, cut_word = window
        covered = max(w for w in enc.word_ids if w is not None) + start
        for first, last, label in _entities(tags):
            if first > covered:
                self.spans_dropped[label] += 1
            elif last > covered or (last == covered and cut_word):
                self.spans_cut[label] += 1
        return covered + 1

    def _count_unseen(
        self, tags: list[str], word_ids: list[list[int | None]], cut_off: int
    ) -> None:
        """Count entities before the cut whose words all got no piece (a word of
        characters the tokenizer's normalizer deletes, such as U+FFFD)."""
        entities = _entities(tags)
        if not entities:
            return
        seen = {w for ids in word_ids for w in ids if w is not None}
        for first, last, label in entities:
            if first < cut_off and seen.isdisjoint(range(first, last + 1)):
                self.spans_without_pieces[label] += 1

    def close(self) -> None:
        if self._out is None:
            return
        super().close()
        (self._folder / "tokenizer").mkdir()
        self._tok.save(str(self._folder / "tokenizer" / "tokenizer.json"))

    def to_manifest(self) -> dict:
        """Settings and counts for the manifest's ``transformer`` key."""
        s = self._settings
        source = self._loaded.source
        return {
            "tokenizer": str(source),
            "tokenizer_file": self._loaded.kind,
            "tokenizer_sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
            "lowercase": self._loaded.lowercase,
            "label_all_pieces": s.label_all_pieces,
            "max_length": s.max_length,
            "overflow": s.overflow,
            "stride": s.stride if s.overflow == "stride" else None,
            "rows": self.rows,
            "longest_narrative_pieces": self.longest,
            "truncated_narratives": self.truncated,
            "narratives_split_into_windows": self.split_narratives,
            "spans_cut_by_truncation": self.spans_cut,
            "spans_dropped_by_truncation": self.spans_dropped,
            "spans_without_pieces": self.spans_without_pieces,
        }


def _entities(tags: list[str]) -> list[tuple[int, int, str]]:
    """``(first word, last word, label)`` of every entity in IOB2 word tags."""
    out: list[list] = []
    for i, tag in enumerate(tags):
        if tag.startswith("B-"):
            out.append([i, i, tag[2:]])
        elif tag.startswith("I-"):
            out[-1][1] = i
    return [tuple(e) for e in out]
