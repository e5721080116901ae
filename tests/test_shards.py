"""Shards, workers and engines: the same bytes however the work is spread."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import datasets
import pytest
import spacy

from corpus_builder import shards
from corpus_builder.build import build_corpus
from corpus_builder.config import load_config
from corpus_builder.errors import SpanInvariantError
from corpus_builder.exporters import spacy_docbin
from corpus_builder.exporters.spacy_docbin import read_docbin

from .conftest import cli_command, files_of

SMALL = {"narratives": 600, "seed": 4, "shard_size": 100}


def small_config(**extra):
    return load_config(None, overrides={**SMALL, **extra})


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("w1") / "corpus"
    build_corpus(config=small_config(), output=out, workers=1)
    return out


def doccano_lines(out: Path, name: str) -> list[dict]:
    text = (out / "doccano" / f"{name}.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.parametrize("workers", [2, 3])
def test_any_number_of_workers_writes_the_same_bytes(one_worker, tmp_path, workers):
    out = tmp_path / "corpus"
    build_corpus(config=small_config(), output=out, workers=workers)
    assert files_of(out) == files_of(one_worker)


def test_the_shards_add_up_to_the_corpus_in_order(one_worker):
    ids = [
        r["example_id"]
        for name in ("train", "dev", "test")
        for r in doccano_lines(one_worker, name)
    ]
    assert sorted(ids) == [f"ex-{i:07d}" for i in range(1, 601)]
    for name in ("train", "dev", "test"):
        got = [r["example_id"] for r in doccano_lines(one_worker, name)]
        assert got == sorted(got)
    hf = datasets.load_from_disk(str(one_worker / "hf"))
    for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        assert hf[split]["id"] == [
            r["example_id"] for r in doccano_lines(one_worker, name)
        ]
        assert hf[split]["text"] == [r["text"] for r in doccano_lines(one_worker, name)]


def test_the_shard_size_is_part_of_the_config_and_the_manifest(one_worker):
    manifest = json.loads((one_worker / "manifest.json").read_text("utf-8"))
    assert manifest["config"]["shard_size"] == 100


def test_a_large_split_is_a_folder_of_docbins_one_per_shard(tmp_path, monkeypatch):
    monkeypatch.setattr(spacy_docbin, "MAX_DOCS_PER_FILE", 100)
    out = tmp_path / "corpus"
    build_corpus(config=small_config(), output=out, workers=2)
    train = out / "spacy" / "train"
    assert sorted(p.name for p in train.iterdir()) == [
        f"{i:05d}.spacy" for i in range(6)
    ]
    # 600 narratives, 80% train: validation and test stay single files.
    assert (out / "spacy" / "dev.spacy").is_file()
    nlp = spacy.blank("id")
    read = read_docbin(train, nlp)
    lines = doccano_lines(out, "train")
    assert [text for text, _ in read] == [r["text"] for r in lines]
    assert [spans for _, spans in read] == [
        [tuple(s) for s in r["label"]] for r in lines
    ]


def test_the_dask_engine_on_a_local_cluster_writes_the_same_bytes(one_worker, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "corpus"
    build_corpus(config=small_config(), output=out, workers=2, engine="dask")
    assert files_of(out) == files_of(one_worker)


def test_an_error_in_a_worker_reaches_the_caller_with_its_record(tmp_path, monkeypatch):
    original = shards.check_example

    def failing(example, doc=None):
        if example.id == "ex-0000250":
            raise SpanInvariantError(
                "made to fail", record=example.id, rule="test", template_id="t"
            )
        original(example, doc)

    # Workers are forked, so they see the patch.
    monkeypatch.setattr(shards, "check_example", failing)
    out = tmp_path / "corpus"
    with pytest.raises(SpanInvariantError) as caught:
        build_corpus(config=small_config(), output=out, workers=2)
    assert caught.value.record == "ex-0000250"
    assert caught.value.exit_code == 5
    assert list(tmp_path.iterdir()) == []


PEAK = """
import resource, sys
from pathlib import Path
from corpus_builder.build import build_corpus
from corpus_builder.config import load_config
if __name__ == "__main__":
    n = int(sys.argv[1])
    config = load_config(None, overrides={"narratives": n, "shard_size": 500})
    build_corpus(config=config, output=Path(sys.argv[2]), workers=1)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(own, workers)
"""


def test_memory_grows_with_the_graph_not_with_the_written_narratives(tmp_path):
    peaks = {}
    for n in (1000, 8000):
        run = subprocess.run(
            [sys.executable, "-c", PEAK, str(n), str(tmp_path / str(n))],
            capture_output=True,
            text=True,
            check=True,
        )
        own, workers = (int(v) for v in run.stdout.split())
        peaks[n] = (own, workers)
    # kB. Eight times the narratives: the graph and the plan grow (about 60 MB
    # here); exports held in memory would add their whole size on top.
    assert peaks[8000][0] - peaks[1000][0] < 80_000
    assert peaks[8000][1] - peaks[1000][1] < 80_000
    assert peaks[8000][0] < 1.4 * peaks[1000][0]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1]
    except OSError:
        return False
    return state.split()[0] != "Z"


def _start_build(tmp_path: Path) -> tuple[subprocess.Popen, list[int]]:
    out = tmp_path / "out"
    proc = subprocess.Popen(
        cli_command("build", "--size", "60000", "--workers", "2", "--out", str(out)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    workers: list[int] = []
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = _children(proc.pid)
        assert proc.poll() is None
    assert len(workers) == 2, "the workers did not start in time"
    return proc, workers


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_build_leaves_no_workers_and_no_output(tmp_path, sig):
    proc, workers = _start_build(tmp_path)
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode == (130 if sig == signal.SIGTERM else -signal.SIGKILL)
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)
    assert not (tmp_path / "out").exists()
    if sig == signal.SIGTERM:
        assert [p.name for p in tmp_path.iterdir()] == []
    else:
        # A killed build's staging folder is removed by the next build.
        from corpus_builder.output import remove_stale_staging

        remove_stale_staging(tmp_path)
        assert [p.name for p in tmp_path.iterdir()] == []
