"""The dataset card at the export root: its YAML header matches the saved datasets."""

from __future__ import annotations

import json

import datasets
import pytest
import yaml
from datasets import Features, load_dataset, load_from_disk

from corpus_builder.build import build_corpus
from corpus_builder.card import size_category
from corpus_builder.config import load_config

from .conftest import minilm_tokenizer

FOLDERS = {"words": "hf", "pieces": "transformer"}


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    config = load_config(
        None,
        overrides={
            "narratives": 140,
            "seed": 3,
            "transformer.tokenizer": str(minilm_tokenizer()),
        },
    )
    out = tmp_path_factory.mktemp("card") / "corpus"
    build_corpus(config=config, output=out)
    return out


def header_of(path):
    text = path.read_text("utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def test_card_header_describes_the_saved_datasets(export):
    header, _ = header_of(export / "README.md")
    assert header["language"] == ["id", "en"]
    assert header["license"] == "mit"
    assert header["task_categories"] == ["token-classification"]
    assert header["size_categories"] == ["n<1K"]
    assert header["pretty_name"].startswith("Synthetic bank-transaction")
    infos = {info["config_name"]: info for info in header["dataset_info"]}
    assert set(infos) == {"words", "pieces"}
    for name, folder in FOLDERS.items():
        saved = load_from_disk(str(export / folder))
        info = infos[name]
        assert Features._from_yaml_list(info["features"]) == saved["train"].features
        total = 0
        for split in info["splits"]:
            arrow = export / folder / split["name"] / "data-00000-of-00001.arrow"
            assert split["num_examples"] == saved[split["name"]].num_rows
            assert split["num_bytes"] == arrow.stat().st_size
            total += split["num_bytes"]
        assert [s["name"] for s in info["splits"]] == ["train", "validation", "test"]
        assert info["dataset_size"] == total
    manifest = json.loads((export / "manifest.json").read_text())
    assert "README.md" in manifest["files"]


def test_card_configs_load_with_load_dataset(export, tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    datasets.disable_progress_bars()
    for name, folder in FOLDERS.items():
        loaded = load_dataset(str(export), name, cache_dir=str(tmp_path / name))
        saved = load_from_disk(str(export / folder))
        for split in ("train", "validation", "test"):
            assert loaded[split].features == saved[split].features
            assert loaded[split]["id"] == saved[split]["id"]


def test_card_prose_has_the_manifest_counts(export):
    _, body = header_of(export / "README.md")
    manifest = json.loads((export / "manifest.json").read_text())
    counts = manifest["counts"]
    for heading in ("## How it was made", "## Labels", "## Splits", "## Limitations"):
        assert heading in body
    for label, per_split in counts["spans"].items():
        row = f"| {label} | {per_split['train']} | {per_split['validation']} | "
        assert row + f"{per_split['test']} |" in body
    n = counts["examples"]["test"]
    assert f"| test | {n} | {counts['templates']['test']} |" in body


@pytest.mark.parametrize(
    "n, name",
    [(999, "n<1K"), (1000, "1K<n<10K"), (12000, "10K<n<100K"), (10**6, "1M<n<10M")],
)
def test_size_categories_follow_the_hub_buckets(n, name):
    assert size_category(n) == name
