"""spaCy's own tools accept the exported DocBins: `debug data` and a real training run.

Builds the default corpus (what the README's first command builds, into a temporary
folder), checks it with `spacy debug data`, and trains the `corpus-builder baseline`
(spaCy's `init config --pipeline ner`, `train`, `evaluate`) on the train split, picking
the model on the dev split and scoring it on the test split; neither shares a template
with training.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from corpus_builder.baseline import train_baseline
from corpus_builder.build import build_corpus
from corpus_builder.config import DEFAULT_LABELS, load_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("spacy")
    build_corpus(config=load_config(None), output=root / "exports")
    return root


def test_debug_data_finds_no_misaligned_or_whitespace_spans(default_corpus):
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "init",
            "config",
            "ner.cfg",
            "--lang",
            "id",
            "--pipeline",
            "ner",
        ],
        cwd=default_corpus,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacy",
            "debug",
            "data",
            "ner.cfg",
            "--paths.train",
            "exports/spacy/train.spacy",
            "--paths.dev",
            "exports/spacy/dev.spacy",
        ],
        cwd=default_corpus,
        capture_output=True,
        text=True,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Corpus is loadable" in report
    assert "No entities consisting of or starting/ending with whitespace" in report
    assert "misaligned" not in report.lower()
    assert "8 label(s)" in report


def test_baseline_scores_above_0_9_on_dev_and_scores_every_label_on_test(
    default_corpus,
):
    out = default_corpus / "baseline"
    result = train_baseline(corpus=default_corpus / "exports", out=out, steps=600)
    assert result["dev_f"] > 0.9
    per_label = result["test_per_label"]
    assert set(per_label) == set(DEFAULT_LABELS)
    assert all(scores["f"] > 0 for scores in per_label.values()), per_label
    metrics = json.loads((out / "test-metrics.json").read_text())
    assert metrics["ents_f"] == result["test"]["f"]
    report = (out / "report.md").read_text()
    for label, scores in per_label.items():
        assert (
            f"| {label} | {scores['p']:.3f} | {scores['r']:.3f} | {scores['f']:.3f} |"
            in report
        )
