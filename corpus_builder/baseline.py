"""A spaCy NER baseline on an export: train on train, pick on dev, score on test.

Runs spaCy's own commands (``init config --pipeline ner``, ``train``, ``evaluate``)
in the current Python and writes, under the output folder, the config, the trained
pipelines, ``test-metrics.json`` (spaCy's scores on the test split) and
``report.md`` (precision, recall and F-score per label).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .errors import BaselineError, OutputError


def train_baseline(*, corpus: Path, out: Path, steps: int = 600) -> dict:
    """Train and score the baseline; return dev F-score and test scores per label."""
    manifest_path = corpus / "manifest.json"
    if not manifest_path.is_file():
        raise OutputError(
            "no manifest.json here; point --corpus at a corpus-builder export",
            path=str(corpus),
            code="E608",
        )
    if out.exists() and any(out.iterdir()):
        raise OutputError(
            "the output folder is not empty; choose another --out",
            path=str(out),
            code="E602",
        )
    out.mkdir(parents=True, exist_ok=True)
    lang = json.loads(manifest_path.read_text("utf-8"))["tokenizer"]["lang"]
    spacy_dir = corpus.resolve() / "spacy"

    _run(
        "init config",
        [
            "init",
            "config",
            str(out / "config.cfg"),
            "--lang",
            lang,
            "--pipeline",
            "ner",
            "--force",
        ],
    )
    _run(
        "train",
        [
            "train",
            str(out / "config.cfg"),
            "--output",
            str(out / "model"),
            "--paths.train",
            _docbins(spacy_dir, "train"),
            "--paths.dev",
            _docbins(spacy_dir, "dev"),
            "--training.max_steps",
            str(steps),
            "--training.eval_frequency",
            str(min(200, steps)),
            "--system.seed",
            "0",
        ],
    )
    best = out / "model" / "model-best"
    _run(
        "evaluate",
        [
            "evaluate",
            str(best),
            _docbins(spacy_dir, "test"),
            "--output",
            str(out / "test-metrics.json"),
        ],
    )

    dev = json.loads((best / "meta.json").read_text("utf-8"))["performance"]
    test = json.loads((out / "test-metrics.json").read_text("utf-8"))
    result = {
        "steps": steps,
        "dev_f": dev["ents_f"],
        "test": {"p": test["ents_p"], "r": test["ents_r"], "f": test["ents_f"]},
        "test_per_label": test["ents_per_type"],
    }
    (out / "report.md").write_text(_report(result, corpus), encoding="utf-8")
    return result


def _run(step: str, args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "spacy", *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BaselineError(
            " | ".join(tail) or f"exit code {done.returncode}", step=step
        )


def _report(result: dict, corpus: Path) -> str:
    lines = [
        "# spaCy NER baseline",
        "",
        f"Corpus: `{corpus}`. Pipeline from `spacy init config --pipeline ner`, "
        f"{result['steps']} training steps; the dev split picks the best model, the "
        "test split scores it. Neither split shares a template with training.",
        "",
        f"Dev F-score: {result['dev_f']:.3f}. Test: precision "
        f"{result['test']['p']:.3f}, recall {result['test']['r']:.3f}, "
        f"F-score {result['test']['f']:.3f}.",
        "",
        "| label | precision | recall | F-score |",
        "|---|---|---|---|",
    ]
    for label, scores in sorted(result["test_per_label"].items()):
        lines.append(
            f"| {label} | {scores['p']:.3f} | {scores['r']:.3f} | {scores['f']:.3f} |"
        )
    return "\n".join(lines) + "\n"


def _docbins(spacy_dir: Path, name: str) -> str:
    """A split's DocBin file, or its folder of DocBins for a large split."""
    single = spacy_dir / f"{name}.spacy"
    return str(single if single.exists() else spacy_dir / name)
