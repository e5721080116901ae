"""The command line as a user meets it: messages, exit codes, and killed builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.cli import app, warning_summary

from .conftest import cli_command, files_of, minilm_tokenizer, write

runner = CliRunner()


def test_build_writes_the_export_and_prints_the_table(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["build", "--out", str(out), "--size", "120", "--seed", "4"]
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 4 and manifest["config"]["narratives"] == 120
    assert sum(manifest["counts"]["examples"].values()) == 120
    assert "CUSTOMER" in result.output and "narratives" in result.output
    warnings = manifest["counts"]["warnings"]
    assert warning_summary(warnings) in " ".join(result.output.split())


def test_a_build_without_hf_prints_its_table_and_ends_well(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["build", "--out", str(out), "--size", "120", "--exports", "doccano"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "doccano",
        "manifest.json",
    ]
    assert "CUSTOMER" in result.output and "validation" in result.output


@pytest.mark.parametrize(
    "args, config_text, code, words",
    [
        ([], "narratives: -1\n", 2, "narratives: line 1: expected a whole number >= 1"),
        ([], "graph: {customerz: 3}\n", 2, "graph.customerz: line 1: unknown key"),
        ([], "labels: [CUSTOMER, BANK]\n", 6, "label BANK is in the config"),
        (["--size", "0"], None, 2, "--size"),
        (["--exports", "spacy,pdf"], None, 2, "<options>: exports: unknown export"),
    ],
)
def test_bad_input_ends_with_a_coded_message_and_exit_code(
    tmp_path, args, config_text, code, words
):
    cmd = ["build", "--out", str(tmp_path / "out"), *args]
    if config_text is not None:
        cmd += ["--config", str(write(tmp_path / "c.yaml", config_text))]
    result = runner.invoke(app, cmd)
    assert result.exit_code == code
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_a_seed_that_is_not_a_number_is_refused(tmp_path):
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "o"), "--seed", "x"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = runner.invoke(app, ["build", "--out", str(out), "--size", "60"])
    assert result.exit_code == 7
    assert "not empty; pass --force" in result.output
    result = runner.invoke(app, ["build", "--out", str(out), "--size", "60", "--force"])
    assert result.exit_code == 7 and "only replaces an earlier export" in result.output
    assert (out / "notes.txt").read_text() == "mine"
    (out / "notes.txt").unlink()
    assert (
        runner.invoke(app, ["build", "--out", str(out), "--size", "60"]).exit_code == 0
    )
    result = runner.invoke(app, ["build", "--out", str(out), "--size", "70", "--force"])
    assert result.exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["config"]["narratives"] == 70


def test_unwritable_parent_is_reported(tmp_path):
    if os.geteuid() == 0:
        target = Path("/proc/corpus-out")  # not writable even for root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "out"
    result = runner.invoke(app, ["build", "--out", str(target), "--size", "60"])
    assert result.exit_code == 7
    assert "cannot write in" in result.output


def test_check_templates_reports_file_line_and_column(tmp_path):
    write(
        tmp_path / "t.yaml",
        "channel: x\nlanguage: id\ntemplates:\n  - id: a\n"
        '    kind: full\n    text: "PMT {CUSTOMER:customer"\n',
    )
    result = runner.invoke(app, ["check-templates", str(tmp_path)])
    assert result.exit_code == 3
    assert (
        f"{tmp_path / 't.yaml'}:6:16 (template a): placeholder is not closed"
        in result.output.replace("\n", "")
    )
    result = runner.invoke(app, ["check-templates"])
    assert result.exit_code == 0 and "templates ok" in result.output


def _started(proc: subprocess.Popen, parent: Path, timeout: float = 300) -> bool:
    """Wait until the build has made its staging folder in ``parent``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if any(parent.glob(".corpus-builder-staging-*")):
            return True
        time.sleep(0.05)
    return False


def test_a_killed_build_leaves_the_old_export_or_the_whole_new_one(tmp_path):
    out = tmp_path / "out"
    first = subprocess.run(
        cli_command("build", "--out", str(out), "--size", "100"), capture_output=True
    )
    assert first.returncode == 0, first.stderr
    old = files_of(out)
    outcomes = set()
    for delay in (0.0, 0.5, 1.5, 3.0, 6.0, 12.0):
        proc = subprocess.Popen(
            cli_command(
                "build", "--out", str(out), "--size", "3000", "--seed", "9", "--force"
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _started(proc, tmp_path)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = files_of(out)
        if now == old:
            outcomes.add("old")
            continue
        manifest = json.loads(now["manifest.json"])
        assert manifest["seed"] == 9
        listed = set(manifest["files"]) | {"manifest.json"}
        assert set(now) == listed, "a mix of two exports"
        outcomes.add("new")
        old = now
    assert "old" in outcomes
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "out"]
    # Staging folders of killed builds are removed by the next build.
    runner.invoke(app, ["build", "--out", str(tmp_path / "again"), "--size", "60"])
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert all(name.startswith(".corpus-builder-staging-") for name in leftovers)


def test_sigterm_cleans_up_and_exits_130(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen(
        cli_command("build", "--out", str(out), "--size", "5000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert _started(proc, tmp_path)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert b"interrupted" in stderr and b"Traceback" not in stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_starting_up_exits_130_or_before_any_handler(tmp_path):
    proc = subprocess.Popen(
        cli_command("build", "--out", str(tmp_path / "out"), "--size", "5000"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    time.sleep(0.8)  # the CLI is importing spaCy and datasets
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    if proc.returncode == 130:
        assert b"interrupted" in stderr and b"Traceback" not in stderr
    else:  # the signal came before Python could install any handler
        assert proc.returncode == -signal.SIGTERM
    assert not (tmp_path / "out").exists()


def test_build_with_a_tokenizer_warns_about_truncated_narratives(tmp_path):
    config = write(tmp_path / "c.yaml", "transformer: {max_length: 24}\n")
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["build", "-c", str(config), "--out", str(out), "--size", "120"]
        + ["--tokenizer", str(minilm_tokenizer())],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    pieces = manifest["transformer"]
    truncated = sum(pieces["truncated_narratives"].values())
    assert truncated > 0 and pieces["max_length"] == 24
    assert f"{truncated} narratives longer than max_length 24" in result.output
    assert manifest["counts"]["warnings"]["W105"] == truncated
    assert f"W105 x{truncated}" in " ".join(result.output.split())
    assert (out / "transformer" / "dataset_dict.json").is_file()


def test_a_tokenizer_folder_without_tokenizer_files_is_a_coded_error(tmp_path):
    (tmp_path / "tok").mkdir()
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        ["build", "--out", str(out), "--size", "50"]
        + ["--tokenizer", str(tmp_path / "tok")],
    )
    assert result.exit_code == 9 and "[E900]" in result.output
    assert "Traceback" not in result.output and not out.exists()
