"""The subword dataset for transformers: alignment, round trips, overflow, errors."""

from __future__ import annotations

import json

import pytest
import spacy
from datasets import ClassLabel, Sequence, Value, load_from_disk

from corpus_builder.build import build_corpus
from corpus_builder.config import TransformerConfig, load_config
from corpus_builder.errors import ConfigError, TokenizerError
from corpus_builder.example import Example, Span
from corpus_builder.exporters.doccano import read_doccano
from corpus_builder.exporters.transformer import (
    IGNORE,
    TransformerWriter,
    load_tokenizer,
    piece_labels_to_word_tags,
)
from corpus_builder.tokens import example_to_doc, iob_names, iob_to_offsets

from .conftest import files_of, minilm_tokenizer, write

SPLIT_FILES = {"train": "train", "validation": "dev", "test": "test"}


@pytest.fixture(scope="module", params=["tokenizer.json", "vocab.txt"])
def aligned(request, tmp_path_factory):
    """A small build per tokenizer file: first-piece labels from tokenizer.json,
    all-piece labels from vocab.txt."""
    all_pieces = request.param == "vocab.txt"
    config = load_config(
        None,
        overrides={
            "narratives": 150,
            "seed": 5,
            "transformer.tokenizer": str(minilm_tokenizer() / request.param),
            "transformer.label_all_pieces": all_pieces,
        },
    )
    out = tmp_path_factory.mktemp("aligned") / "corpus"
    build_corpus(config=config, output=out)
    return out, all_pieces


def test_pieces_convert_back_to_word_tags_and_gold_spans(aligned, nlp_id):
    out, all_pieces = aligned
    manifest = json.loads((out / "manifest.json").read_text())
    words = load_from_disk(str(out / "hf"))
    pieces = load_from_disk(str(out / "transformer"))
    tokenizer = load_tokenizer(minilm_tokenizer()).tokenizer
    names = words["train"].features["ner_tags"].feature.names
    checked_later_pieces = 0
    for split, name in SPLIT_FILES.items():
        gold = read_doccano(out / "doccano" / f"{name}.jsonl")
        assert len(pieces[split]) == len(words[split]) == len(gold)
        for row, word_row, (text, spans) in zip(pieces[split], words[split], gold):
            assert row["id"] == word_row["id"] and row["window"] == 0
            tags = [names[t] for t in word_row["ner_tags"]]
            enc = tokenizer.encode(word_row["tokens"], is_pretokenized=True)
            assert row["input_ids"] == enc.ids
            assert row["word_ids"] == [-1 if w is None else w for w in enc.word_ids]
            assert row["attention_mask"] == [1] * len(enc.ids)
            # piece by piece: specials -100, first piece the word's tag
            previous = None
            for word, label in zip(row["word_ids"], row["labels"]):
                if word < 0:
                    assert label == IGNORE
                elif word != previous:
                    assert names[label] == tags[word]
                elif all_pieces:
                    tag = tags[word]
                    assert names[label] == ("O" if tag == "O" else "I-" + tag[2:])
                    checked_later_pieces += 1
                else:
                    assert label == IGNORE
                    checked_later_pieces += 1
                previous = word
            back = piece_labels_to_word_tags(
                row["word_ids"], row["labels"], names, len(tags)
            )
            assert back == tags
            rebuilt, back_spans = iob_to_offsets(
                nlp_id, word_row["tokens"], word_row["spaces"], back
            )
            assert rebuilt == text and back_spans == spans
    assert checked_later_pieces > 1000
    assert manifest["transformer"]["label_all_pieces"] is all_pieces
    assert manifest["transformer"]["rows"] == manifest["counts"]["examples"]
    assert sum(manifest["transformer"]["truncated_narratives"].values()) == 0
    assert sum(manifest["transformer"]["spans_without_pieces"].values()) == 0


def test_labels_are_plain_integers_and_tags_stay_class_labels(aligned):
    out, _ = aligned
    pieces = load_from_disk(str(out / "transformer"))
    words = load_from_disk(str(out / "hf"))
    for split in SPLIT_FILES:
        features = pieces[split].features
        assert features["labels"] == Sequence(Value("int64"))
        assert features["input_ids"] == Sequence(Value("int32"))
        assert isinstance(words[split].features["ner_tags"].feature, ClassLabel)
    names = words["train"].features["ner_tags"].feature.names
    for folder in ("hf", "transformer"):
        id2label = json.loads((out / folder / "id2label.json").read_text())
        label2id = json.loads((out / folder / "label2id.json").read_text())
        assert list(id2label.values()) == names
        assert label2id == {name: i for i, name in enumerate(names)}
    shipped = json.loads((out / "transformer/tokenizer/tokenizer.json").read_text())
    assert shipped["model"]["type"] == "WordPiece"
    assert shipped["padding"] is None and shipped["truncation"] is None


def test_tokenizer_json_and_vocab_txt_give_the_same_pieces(built):
    folder = minilm_tokenizer()
    from_json = load_tokenizer(folder / "tokenizer.json")
    from_vocab = load_tokenizer(folder / "vocab.txt")
    assert (from_json.kind, from_vocab.kind) == ("tokenizer.json", "vocab.txt")
    assert from_vocab.lowercase is True  # tokenizer_config.json: do_lower_case
    hf = load_from_disk(str(built.output / "hf"))
    rows = hf["train"]["tokens"][:300]
    a = from_json.tokenizer.encode_batch(rows, is_pretokenized=True)
    b = from_vocab.tokenizer.encode_batch(rows, is_pretokenized=True)
    assert [e.ids for e in a] == [e.ids for e in b]
    assert [e.word_ids for e in a] == [e.word_ids for e in b]


K01 = "PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
K01_SPANS = (Span(9, 30, "CUSTOMER", "CUS-1"), Span(31, 45, "INVOICE", "INV-1"))


def write_pieces(folder, examples, **settings):
    nlp = spacy.blank("id")
    names = iob_names(("CUSTOMER", "INVOICE"))
    writer = TransformerWriter(
        folder,
        load_tokenizer(minilm_tokenizer()),
        names,
        TransformerConfig(tokenizer=minilm_tokenizer(), **settings),
    )
    for ex in examples:
        writer.write(ex, example_to_doc(nlp, ex))
    writer.close()
    return writer, load_from_disk(str(folder))


# Pieces of K01 by word (spaCy id words: PART PMT ALPHABRIDGE SOLUTIONS MFG - INV -
# 000157): part | pm ##t | alpha ##bridge | solutions | m ##f ##g | - | in ##v | - |
# 000 ##15 ##7, 16 pieces; tags O O B-CUSTOMER I-CUSTOMER B-INVOICE I-INVOICE x 4.
# Label ids: O 0, B-CUSTOMER 1, I-CUSTOMER 2, B-INVOICE 3, I-INVOICE 4.
def test_truncation_cuts_at_a_word_and_counts_exactly(tmp_path):
    long = Example("ex-1", K01, K01_SPANS, split="train")
    short = Example("ex-2", "PMT", (), split="test")
    writer, ds = write_pieces(tmp_path / "a", [long, short], max_length=7)
    # 5 pieces besides [CLS] and [SEP]: part pm ##t alpha ##bridge
    row = ds["train"][0]
    assert row["word_ids"] == [-1, 0, 1, 1, 2, 2, -1]
    assert row["labels"] == [IGNORE, 0, 0, IGNORE, 1, IGNORE, IGNORE]
    assert ds["test"][0]["word_ids"] == [-1, 0, 0, -1]
    summary = writer.to_manifest()
    assert summary["truncated_narratives"] == {"train": 1, "validation": 0, "test": 0}
    assert summary["spans_cut_by_truncation"] == {"CUSTOMER": 1, "INVOICE": 0}
    assert summary["spans_dropped_by_truncation"] == {"CUSTOMER": 0, "INVOICE": 1}
    assert summary["longest_narrative_pieces"] == 16

    writer, ds = write_pieces(tmp_path / "b", [long], max_length=8)
    assert ds["train"][0]["word_ids"] == [-1, 0, 1, 1, 2, 2, 3, -1]
    summary = writer.to_manifest()
    assert summary["spans_cut_by_truncation"] == {"CUSTOMER": 0, "INVOICE": 0}
    assert summary["spans_dropped_by_truncation"] == {"CUSTOMER": 0, "INVOICE": 1}


def test_stride_splits_a_long_narrative_into_overlapping_windows(tmp_path):
    long = Example("ex-1", K01, K01_SPANS, split="train")
    writer, ds = write_pieces(
        tmp_path, [long], max_length=8, overflow="stride", stride=2
    )
    rows = ds["train"]
    assert rows["window"] == [0, 1, 2, 3]
    assert [[w for w in r if w >= 0] for r in rows["word_ids"]] == [
        [0, 1, 1, 2, 2, 3],
        [3, 4, 4, 4, 5],
        [5, 6, 6, 7],
        [7, 8, 8, 8],
    ]
    # a window that starts inside an entity starts it with B-
    assert rows["labels"] == [
        [IGNORE, 0, 0, IGNORE, 1, IGNORE, 2, IGNORE],
        [IGNORE, 1, 3, IGNORE, IGNORE, 4, IGNORE],
        [IGNORE, 3, 4, IGNORE, 4, IGNORE],
        [IGNORE, 3, 4, IGNORE, IGNORE, IGNORE],
    ]
    summary = writer.to_manifest()
    assert summary["narratives_split_into_windows"]["train"] == 1
    assert summary["truncated_narratives"]["train"] == 0
    assert summary["rows"] == {"train": 4, "validation": 0, "test": 0}


def test_same_config_with_a_tokenizer_gives_the_same_bytes(tmp_path):
    config = load_config(
        None,
        overrides={"narratives": 120, "transformer.tokenizer": str(minilm_tokenizer())},
    )
    build_corpus(config=config, output=tmp_path / "a")
    build_corpus(config=config, output=tmp_path / "b")
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    assert a == b
    assert "transformer/train/data-00000-of-00001.arrow" in a


def test_a_folder_without_a_fast_tokenizer_is_refused(tmp_path):
    write(tmp_path / "slow" / "sentencepiece.bpe.model", "not read")
    with pytest.raises(TokenizerError) as info:
        load_tokenizer(tmp_path / "slow")
    message = str(info.value)
    assert message.startswith("[E900] ") and "cannot give word ids" in message
    assert "sentencepiece.bpe.model" in message and info.value.exit_code == 9

    write(tmp_path / "bad" / "tokenizer.json", "{not json")
    with pytest.raises(TokenizerError, match="not a tokenizer.json"):
        load_tokenizer(tmp_path / "bad")
    with pytest.raises(TokenizerError, match="does not exist"):
        load_tokenizer(tmp_path / "nowhere")


def test_a_tokenizer_that_leaves_words_without_pieces_is_refused(tmp_path):
    shipped = json.loads((minilm_tokenizer() / "tokenizer.json").read_text())
    # a normalizer that deletes every character: no word keeps a piece
    shipped["normalizer"] = {
        "type": "Replace",
        "pattern": {"Regex": ".+"},
        "content": "",
    }
    write(tmp_path / "t" / "tokenizer.json", json.dumps(shipped))
    with pytest.raises(TokenizerError, match="word_ids"):
        load_tokenizer(tmp_path / "t")


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("transformer: {overflow: wrap}\n", "transformer.overflow", "truncate or"),
        (
            "transformer: {max_length: 16, stride: 16, overflow: stride}\n",
            "transformer.stride",
            "below",
        ),
        (
            "transformer: {label_all_pieces: 1}\n",
            "transformer.label_all_pieces",
            "true",
        ),
        ("transformer: {tokenizer: 3}\n", "transformer.tokenizer", "folder"),
        ("transformer: {pieces: 3}\n", "transformer.pieces", "unknown key"),
    ],
)
def test_bad_transformer_settings_name_their_key(tmp_path, text, key, words):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path / "c.yaml", text))
    assert info.value.key == key and words in str(info.value)


def test_a_relative_tokenizer_path_is_found_beside_the_config(tmp_path):
    config = load_config(
        write(tmp_path / "conf" / "c.yaml", "transformer: {tokenizer: tok}\n")
    )
    assert config.transformer.tokenizer == tmp_path / "conf" / "tok"


def test_an_entity_the_tokenizer_gives_no_piece_is_counted(tmp_path):
    # BERT's normalizer deletes U+FFFD: the word has no piece and no label
    lost = Example(
        "ex-1", "PMT \ufffd X", (Span(4, 5, "CUSTOMER", "CUS-1"),), split="train"
    )
    writer, ds = write_pieces(tmp_path, [lost])
    row = ds["train"][0]
    assert row["word_ids"] == [-1, 0, 0, 2, -1]
    assert row["labels"] == [IGNORE, 0, IGNORE, 0, IGNORE]
    summary = writer.to_manifest()
    assert summary["spans_without_pieces"] == {"CUSTOMER": 1, "INVOICE": 0}
    assert summary["truncated_narratives"]["train"] == 0


def test_a_word_longer_than_a_row_is_cut_and_counted(tmp_path):
    text = "PMT\n\nALPHABRIDGEALPHABRIDGE X"
    giant = Example("ex-1", text, (Span(5, 27, "CUSTOMER", "CUS-1"),), split="train")
    tokenizer = load_tokenizer(minilm_tokenizer()).tokenizer
    words = [t.text for t in spacy.blank("id").make_doc(text)]
    assert words == ["PMT", "\n\n", "ALPHABRIDGEALPHABRIDGE", "X"]
    enc = tokenizer.encode(words, is_pretokenized=True)
    assert enc.word_ids == [None, 0, 0, 2, 2, 2, 2, 2, 3, None]
    writer, ds = write_pieces(
        tmp_path, [giant], max_length=5, overflow="stride", stride=1
    )
    # [PMT, line break] fits; the 5-piece word alone is cut to 3; X follows it
    assert ds["train"]["word_ids"] == [
        [-1, 0, 0, -1],
        [-1, 2, 2, 2, -1],
        [-1, 3, -1],
    ]
    assert ds["train"]["labels"] == [
        [IGNORE, 0, IGNORE, IGNORE],
        [IGNORE, 1, IGNORE, IGNORE, IGNORE],
        [IGNORE, 0, IGNORE],
    ]
    summary = writer.to_manifest()
    assert summary["truncated_narratives"]["train"] == 1
    assert summary["narratives_split_into_windows"]["train"] == 1
