"""Faults: killed builds, full disks, read-only folders, Ctrl-C, and what is left.

Builds are killed in forked children of this process, which has spaCy, the
templates and the tokenizer loaded already, so each build takes about a second and a
test can kill many of them. The disk tests mount small tmpfs file systems in a user
and mount namespace of their own (``unshare -rm``) and are skipped where that is not
allowed.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus_builder.build import build_corpus, prepare
from corpus_builder.config import load_config
from corpus_builder.output import STAGING_PREFIX, remove_stale_staging

from .conftest import files_of

KILLS = 24
SIZE = 300


def _fork(target) -> int:
    """Run ``target()`` in a child process; the child never returns to pytest."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 0
        try:
            target()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        except BaseException:
            code = 99
        os._exit(code)
    return pid


def _wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def check_whole_export(folder: Path) -> dict:
    """The manifest of ``folder``, after checking it lists exactly the files there
    with their sizes and hashes; fails on a half-written or mixed export."""
    files = files_of(folder)
    manifest = json.loads(files.pop("manifest.json"))
    assert set(files) == set(manifest["files"]), "files and manifest disagree"
    for name, data in files.items():
        listed = manifest["files"][name]
        assert listed["bytes"] == len(data), name
        assert listed["sha256"] == hashlib.sha256(data).hexdigest(), name
    return manifest


def hidden_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def test_killing_a_build_at_random_points_never_leaves_a_mixed_export(tmp_path):
    out = tmp_path / "out"
    configs = [
        load_config(None, overrides={"narratives": SIZE, "seed": 100 + i})
        for i in range(KILLS + 1)
    ]
    prepare(configs[0])  # load and probe the templates once, before forking
    started = time.monotonic()
    assert _wait(_fork(lambda: build_corpus(config=configs[0], output=out))) == 0
    full = time.monotonic() - started
    current = check_whole_export(out)
    assert current["seed"] == 100

    rng = random.Random(7)
    outcomes = []
    for i in range(1, KILLS + 1):
        config = configs[i]
        # Kill points spread over the whole build, and past its end.
        delay = rng.uniform(0, 1.4 * full)
        pid = _fork(lambda: build_corpus(config=config, output=out, force=True))
        time.sleep(delay)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _wait(pid)
        manifest = check_whole_export(out)
        if manifest["seed"] == current["seed"]:
            assert manifest == current
            outcomes.append("old")
        else:
            assert manifest["seed"] == 100 + i, "an export of an earlier build"
            outcomes.append("new")
        current = manifest
    assert len(outcomes) == KILLS
    assert "old" in outcomes, outcomes

    # The next build removes what killed builds left beside the output folder.
    build_corpus(config=configs[0], output=tmp_path / "again")
    assert hidden_folders(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "out"]


def test_hidden_folders_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    # A build killed right after swapping its export in leaves the old export in
    # its hidden folder; the folder's name says which process made it.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    swapped_out = tmp_path / f"{STAGING_PREFIX}{dead.pid}-abc123"
    (swapped_out / "doccano").mkdir(parents=True)
    (swapped_out / "manifest.json").write_text("{}")
    live = tmp_path / f"{STAGING_PREFIX}{os.getpid()}-def456"
    live.mkdir()
    unknown = tmp_path / f"{STAGING_PREFIX}xyz"  # no pid: not ours to judge
    unknown.mkdir()
    removed = remove_stale_staging(tmp_path)
    assert removed == [swapped_out]
    assert hidden_folders(tmp_path) == sorted([live.name, unknown.name])


def test_a_failed_build_removes_its_hidden_folder(tmp_path, monkeypatch):
    from corpus_builder.exporters import hf

    def broken(self):
        raise OSError(122, "Disk quota exceeded", str(tmp_path / "x.arrow"))

    monkeypatch.setattr(hf.HfWriter, "close", broken)
    config = load_config(None, overrides={"narratives": 60})
    with pytest.raises(Exception) as info:
        build_corpus(config=config, output=tmp_path / "out")
    assert (info.value.code, info.value.exit_code) == ("E607", 7)
    assert "Disk quota exceeded [EDQUOT]" in str(info.value)
    assert info.value.filename == str(tmp_path / "x.arrow")
    assert list(tmp_path.iterdir()) == []


def _cli_in_child(args: list[str], stderr_path: Path) -> int:
    """Fork a child that runs the console script with ``args``; return its pid."""

    def run():
        from corpus_builder import cli

        # pytest captures sys.stderr apart from file descriptor 2: redirect both.
        sys.stderr = open(stderr_path, "w", encoding="utf-8")
        os.dup2(sys.stderr.fileno(), 2)
        sys.argv = ["corpus-builder", *args]
        cli.main()

    return _fork(run)


@pytest.mark.parametrize(
    "signum, name", [(signal.SIGINT, "Ctrl-C (SIGINT)"), (signal.SIGTERM, "SIGTERM")]
)
def test_an_interrupted_build_is_e800_and_leaves_the_old_export(tmp_path, signum, name):
    out = tmp_path / "out"
    prepare(load_config(None))
    build_corpus(config=load_config(None, overrides={"narratives": 60}), output=out)
    before = files_of(out)
    stderr = tmp_path / "stderr.txt"
    pid = _cli_in_child(
        ["build", "--out", str(out), "--size", "3000", "--force"], stderr
    )
    deadline = time.monotonic() + 120
    while not any(tmp_path.glob(STAGING_PREFIX + "*")):
        assert time.monotonic() < deadline, "the build never started writing"
        time.sleep(0.02)
    time.sleep(0.3)
    os.kill(pid, signum)
    assert _wait(pid) == 130
    message = " ".join(stderr.read_text().split())
    assert f"[E800] interrupted by {name}: nothing was written" in message
    assert "Traceback" not in message
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "stderr.txt"]


def test_ctrl_c_that_a_library_swallows_still_stops_the_build(tmp_path, monkeypatch):
    # Found when the Ctrl-C test above passed a build through to exit 0: a
    # KeyboardInterrupt raised inside a Cython function without an exception
    # clause is printed and dropped, and the build went on to publish.
    from typer.testing import CliRunner

    from corpus_builder import cli
    from corpus_builder.exporters import doccano

    monkeypatch.setattr(cli, "_interrupted", False)
    previous = signal.signal(signal.SIGINT, cli._on_int)
    # Shards may render in worker processes; the build process appends each
    # shard's part, so the signal arrives (and is swallowed) there.
    original = doccano.DoccanoWriter.add
    calls = []

    def swallowing(self, part):
        calls.append(1)
        if len(calls) == 1:
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.1)
            except KeyboardInterrupt:
                pass  # what such a library function does with it
        original(self, part)

    monkeypatch.setattr(doccano.DoccanoWriter, "add", swallowing)
    try:
        result = CliRunner().invoke(
            cli.app,
            ["build", "--out", str(tmp_path / "out"), "--size", "120"]
            + ["--workers", "1"],
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    assert len(calls) >= 1  # the build went on after the swallowed signal ...
    assert result.exit_code == 130  # ... but stopped before publishing
    assert "[E800] interrupted by Ctrl-C (SIGINT)" in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []


DISK_SCRIPT = r"""
import json, sys
from pathlib import Path
from typer.testing import CliRunner
from corpus_builder.cli import app

full, readonly = Path(sys.argv[1]), Path(sys.argv[2])
runner = CliRunner()
results = {}

def run(name, *args):
    result = runner.invoke(app, ["build", *args])
    results[name] = {
        "code": result.exit_code,
        "output": " ".join(result.output.split()),
        "left": sorted(p.name for p in full.iterdir()),
    }

run("fits", "--out", str(full / "out"), "--size", "40", "--seed", "1")
before = {p.relative_to(full).as_posix(): p.read_bytes().hex()
          for p in sorted((full / "out").rglob("*")) if p.is_file()}
run("replace", "--out", str(full / "out"), "--size", "1500", "--seed", "2", "--force")
after = {p.relative_to(full).as_posix(): p.read_bytes().hex()
         for p in sorted((full / "out").rglob("*")) if p.is_file()}
results["old_export_kept"] = before == after
run("new", "--out", str(full / "new"), "--size", "1500")
run("readonly", "--out", str(readonly / "out"), "--size", "40")
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def disk_results(tmp_path_factory):
    """Builds on a 2 MB tmpfs and on a read-only tmpfs, in a namespace of their
    own; skipped where this machine does not allow one."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare command")
    root = tmp_path_factory.mktemp("disks")
    full, readonly = root / "full", root / "readonly"
    full.mkdir()
    readonly.mkdir()
    shell = (
        f"mount -t tmpfs -o size=2m tmpfs {full} && "
        f"mount -t tmpfs -o ro,size=100k tmpfs {readonly} && "
        f'exec "{sys.executable}" -c "$0" {full} {readonly}'
    )
    done = subprocess.run(
        [unshare, "-rm", "sh", "-c", shell, DISK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0 and "mount" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()[:200]}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_full_disk_is_e607_and_keeps_the_old_export(disk_results):
    assert disk_results["fits"]["code"] == 0
    replace = disk_results["replace"]
    assert replace["code"] == 7
    assert "[E607]" in replace["output"]
    assert "No space left on device [ENOSPC]" in replace["output"]
    assert "Traceback" not in replace["output"]
    assert disk_results["old_export_kept"] is True
    assert replace["left"] == ["out"]  # no hidden folder left on the full disk


def test_a_full_disk_on_a_new_folder_leaves_nothing(disk_results):
    new = disk_results["new"]
    assert new["code"] == 7 and "[E607]" in new["output"]
    assert new["left"] == ["out"]


def test_a_read_only_folder_is_e606_before_any_work(disk_results):
    readonly = disk_results["readonly"]
    assert readonly["code"] == 7
    assert "[E606]" in readonly["output"]
    assert "cannot write in" in readonly["output"]
    assert "Read-only file system" in readonly["output"]
