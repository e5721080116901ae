"""Doccano's own import code accepts every line of our Doccano exports.

The ``doccano`` package (1.8.4, with Django and its own pins) lives in a virtual
environment of its own, made once with pip in ``$CORPUS_BUILDER_DOCCANO_VENV`` or
the pytest cache (``.pytest_cache/d/doccano-1.8.4``). ``doccano_import_driver.py``
runs Doccano's import steps there on our files; this test compares what Doccano
stored with what the files say, span by span and relation by relation. It is
skipped only when pip cannot reach the package registry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from .test_build import SPACY_NAMES

DRIVER = Path(__file__).with_name("doccano_import_driver.py")
REQUIREMENTS = ["doccano==1.8.4", "marshmallow<4", "numpy<2"]


def _run(command: list[str], timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="session")
def doccano_python(request, tmp_path_factory) -> Path:
    folder = os.environ.get("CORPUS_BUILDER_DOCCANO_VENV")
    cache = getattr(request.config, "cache", None)
    if folder:
        venv = Path(folder)
    elif cache is not None:
        venv = cache.mkdir("doccano-1.8.4")
    else:  # pytest runs without its cache plugin
        venv = Path(tempfile.gettempdir()) / "corpus-builder-doccano-1.8.4"
    python = venv / "bin" / "python"
    done = venv / ".corpus-builder-installed"
    if done.exists() and python.exists():
        return python
    probe = tmp_path_factory.mktemp("doccano-probe")
    reach = _run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(probe)]
        + REQUIREMENTS[:1]
    )
    if reach.returncode != 0:
        pytest.skip(
            f"pip cannot fetch doccano from the registry: {reach.stderr[-300:]}"
        )
    started = time.monotonic()
    made = _run([sys.executable, "-m", "venv", str(venv)])
    assert made.returncode == 0, made.stderr
    installed = _run([str(python), "-m", "pip", "install", "-q", *REQUIREMENTS])
    assert installed.returncode == 0, installed.stderr[-2000:]
    done.write_text(f"installed in {time.monotonic() - started:.0f} s\n")
    return python


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


@pytest.mark.slow
def test_doccano_imports_every_span_and_relation_we_write(
    built, doccano_python, tmp_path
):
    folder = built.output / "doccano"
    jobs = []
    for name in SPACY_NAMES.values():
        jobs += [
            f"sequence={folder / f'{name}.jsonl'}",
            f"relation={folder / 'relations' / f'{name}.jsonl'}",
        ]
    result = _run([str(doccano_python), str(DRIVER), str(tmp_path), *jobs], 600)
    assert result.returncode == 0, result.stderr[-3000:]
    reports = json.loads(result.stdout)

    spans = relations = 0
    for job, report in zip(jobs, reports):
        task, path = job.split("=", 1)
        assert report["errors"] == [], job
        records = _lines(Path(path))
        assert len(report["examples"]) == len(records), job
        for record in records:
            stored = report["examples"][record["example_id"]]
            assert stored["text"] == record["text"]
            if task == "sequence":
                want = sorted(record["label"])
            else:
                want = sorted(
                    [e["start_offset"], e["end_offset"], e["label"]]
                    for e in record["entities"]
                )
                where = {
                    e["id"]: [e["start_offset"], e["end_offset"]]
                    for e in record["entities"]
                }
                want_relations = sorted(
                    [where[r["from_id"]], where[r["to_id"]], r["type"]]
                    for r in record["relations"]
                )
                assert stored["relations"] == want_relations, record["example_id"]
                relations += len(want_relations)
            assert stored["spans"] == want, record["example_id"]
            spans += len(want)
    assert spans > 0 and relations > 0
