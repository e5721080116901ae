"""spaCy's own tools accept the exported DocBins: `debug data` and a real `train` run.

Builds the default corpus (the README's first command, into a temporary folder), makes
a config with `spacy init config --pipeline ner` for the corpus language, and trains
on the train split while scoring on the dev split, whose templates training never saw.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpus_builder.build import build_corpus
from corpus_builder.config import load_config

pytestmark = pytest.mark.slow


def spacy_cli(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "spacy", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=1800)


@pytest.fixture(scope="module")
def default_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("spacy")
    config = load_config(None)
    build_corpus(config=config, output=root / "exports")
    made = spacy_cli("init", "config", "ner.cfg", "--lang", config.spacy_lang,
                     "--pipeline", "ner", cwd=root)
    assert made.returncode == 0, made.stderr
    return root


def test_debug_data_finds_no_misaligned_or_whitespace_spans(default_corpus):
    result = spacy_cli("debug", "data", "ner.cfg",
                       "--paths.train", "exports/spacy/train.spacy",
                       "--paths.dev", "exports/spacy/dev.spacy", cwd=default_corpus)
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Corpus is loadable" in report
    assert "No entities consisting of or starting/ending with whitespace" in report
    assert "misaligned" not in report.lower()
    assert "8 label(s)" in report


def test_spacy_train_scores_above_0_9_on_unseen_templates(default_corpus):
    result = spacy_cli("train", "ner.cfg", "--output", "model",
                       "--paths.train", "exports/spacy/train.spacy",
                       "--paths.dev", "exports/spacy/dev.spacy",
                       "--training.max_steps", "600",
                       "--training.eval_frequency", "200",
                       "--system.seed", "0", cwd=default_corpus)
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((default_corpus / "model" / "model-best" / "meta.json").read_text())
    scores = meta["performance"]
    assert scores["ents_f"] > 0.9, scores["ents_per_type"]
    assert set(scores["ents_per_type"]) == {
        "CUSTOMER", "INVOICE", "CONTRACT", "PURCHASE_ORDER", "AMOUNT", "CURRENCY",
        "DATE", "ACCOUNT"}
