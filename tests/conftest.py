from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from corpus_builder.build import build_corpus
from corpus_builder.config import load_config

CASES = Path(__file__).resolve().parents[2] / "shared" / "cases" / "cases.jsonl"


@pytest.fixture(scope="session")
def nlp_id():
    return spacy.blank("id")


@pytest.fixture(scope="session")
def small_config():
    return load_config(None, overrides={"narratives": 1500, "seed": 7})


@pytest.fixture(scope="session")
def built(tmp_path_factory, small_config):
    """One small corpus built once for the read-back tests."""
    out = tmp_path_factory.mktemp("built") / "corpus"
    result = build_corpus(config=small_config, output=out)
    return result


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
