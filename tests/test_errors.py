"""The error catalogue as a user meets it: one coded line, the class's exit code.

``test_each_bad_input_gives_its_code_and_exit_code`` runs the command line on one
bad input per row; README's table names the row (its test id) or another test for
each class of bad input and fault, and ``test_readme_table_names_real_tests`` keeps
the two in step.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corpus_builder.build import build_corpus
from corpus_builder.cli import app, warning_summary
from corpus_builder.config import load_config
from corpus_builder.errors import (
    CATALOGUE,
    WARNINGS,
    ConfigError,
    CorpusBuilderError,
    OutputError,
)
from corpus_builder.probe import probe_contexts
from corpus_builder.render import render
from corpus_builder.stats import Stats
from corpus_builder.variants import customer_aliases

from .conftest import make_template, write

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

HEAD = "channel: test\nlanguage: id\ntemplates:\n"


def one(text: str, kind: str = "full", tid: str = "t-1") -> str:
    return f'  - id: {tid}\n    kind: {kind}\n    text: "{text}"\n'


def with_templates(tmp: Path, *files: str | bytes, config: str = "") -> list[str]:
    (tmp / "tpl").mkdir()
    for index, body in enumerate(files):
        data = body if isinstance(body, bytes) else body.encode("utf-8")
        (tmp / "tpl" / f"f{index}.yaml").write_bytes(data)
    path = write(tmp / "c.yaml", f"narratives: 60\ntemplates: tpl\n{config}")
    return ["build", "--config", str(path)]


def config_file(text: str | bytes):
    def make(tmp: Path) -> list[str]:
        path = tmp / "c.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return ["build", "--config", str(path)]

    return make


def templates(*files: str | bytes, config: str = ""):
    return lambda tmp: with_templates(tmp, *files, config=config)


def output_is_a_file(tmp: Path) -> list[str]:
    (tmp / "out").write_text("a file")
    return ["build", "--size", "60"]


def output_not_empty(tmp: Path) -> list[str]:
    (tmp / "out").mkdir()
    (tmp / "out" / "notes.txt").write_text("mine")
    return ["build", "--size", "60"]


def force_on_foreign_folder(tmp: Path) -> list[str]:
    output_not_empty(tmp)
    return ["build", "--size", "60", "--force"]


def export_with_foreign_files(tmp: Path) -> list[str]:
    config = load_config(None, overrides={"narratives": 60})
    build_corpus(config=config, output=tmp / "out")
    (tmp / "out" / "doccano" / "reviewed.jsonl").write_text("{}\n")
    return ["build", "--size", "60", "--force"]


def one_template_per_kind(tmp: Path) -> list[str]:
    body = HEAD + one("PMT {CUSTOMER:customer}", "full", "a")
    body += one("PART {CUSTOMER:customer}", "partial", "b")
    body += one(
        "{CUSTOMER:customer} {INVOICE:invoice} {INVOICE:invoice2}", "multi", "c"
    )
    for kind in ("fee", "interest", "tax", "cash"):
        body += one(f"{kind.upper()} {{AMOUNT:amount}}", kind, kind)
    return with_templates(tmp, body, config="labels: [CUSTOMER, AMOUNT]\n")


ROWS = {
    "config-missing": (lambda tmp: ["build", "-c", str(tmp / "no.yaml")], "E101"),
    "config-latin1": (config_file("seed: 1 # Größe\n".encode("latin-1")), "E102"),
    "config-utf16": (config_file("seed: 1\n".encode("utf-16")), "E102"),
    "config-bad-yaml": (config_file("graph:\n  customers: [1, 2\n"), "E103"),
    "config-key-twice": (config_file("seed: 1\nseed: 2\n"), "E104"),
    "config-not-mapping": (config_file("- seed\n"), "E105"),
    "config-unknown-key": (config_file("graph: {customerz: 3}\n"), "E106"),
    "config-negative-count": (config_file("narratives: -5\n"), "E107"),
    "config-zero-count": (config_file("graph: {customers: 0}\n"), "E107"),
    "config-seed-not-a-number": (config_file("seed: twelve\n"), "E107"),
    "config-shares-contradict": (
        config_file("transactions: {partial: 0.9, multi: 0.9}\n"),
        "E108",
    ),
    "config-no-such-faker-locale": (
        config_file("graph: {locales: {xx_YY: 1}}\n"),
        "E109",
    ),
    "config-spacy-language": (config_file("spacy_lang: klingon\n"), "E110"),
    "option-value": (lambda tmp: ["sample", "--language", "fr"], "E111"),
    "templates-missing": (config_file("templates: nowhere\n"), "E201"),
    "template-latin1": (
        templates((HEAD + one("ÜBERWEISUNG {CUSTOMER:customer}")).encode("latin-1")),
        "E202",
    ),
    "template-bad-yaml": (templates(HEAD + "  - [\n"), "E203"),
    "template-empty-file": (templates(""), "E204"),
    "template-unknown-key": (templates("colour: red\n" + HEAD + one("PMT")), "E204"),
    "template-bad-setting": (
        templates("channel: x\nlanguage: fr\ntemplates: []\n"),
        "E205",
    ),
    "template-empty-text": (templates(HEAD + one("  ")), "E206"),
    "placeholder-unclosed": (templates(HEAD + one("PMT {CUSTOMER:customer")), "E207"),
    "placeholder-nested": (templates(HEAD + one("PMT {CUSTOMER:{customer}}")), "E207"),
    "template-unknown-field": (templates(HEAD + one("PMT {CUSTOMER:client}")), "E208"),
    "template-kind-mismatch": (
        templates(HEAD + one("FEE {CUSTOMER:customer}", "fee")),
        "E209",
    ),
    "template-id-twice": (
        templates(
            HEAD + one("A {CUSTOMER:customer}"), HEAD + one("B {CUSTOMER:customer}")
        ),
        "E210",
    ),
    "slot-off-token-boundaries": (
        templates(HEAD + one("NOREK{ACCOUNT:account}")),
        "E211",
    ),
    "slot-repeats-its-prefix": (
        templates(HEAD + one("PMT INV {INVOICE:invoice|series_dropped}")),
        "E212",
    ),
    "counts-too-small": (
        config_file("narratives: 100\ngraph: {invoices: 5}\n"),
        "E301",
    ),
    "label-no-template-produces": (config_file("labels: [CUSTOMER, BANK]\n"), "E501"),
    "split-lacks-a-kind": (one_template_per_kind, "E503"),
    "unknown-channel": (config_file("channels: {telex: 2}\n"), "E504"),
    "sample-matches-nothing": (
        lambda tmp: ["sample", "-n", "1", "--channel", "sepa", "--language", "id"],
        "E506",
    ),
    "output-is-a-file": (output_is_a_file, "E601"),
    "output-not-empty": (output_not_empty, "E602"),
    "force-on-foreign-folder": (force_on_foreign_folder, "E603"),
    "export-with-foreign-files": (export_with_foreign_files, "E604"),
    "output-parent-missing": (
        lambda tmp: ["build", "--out", str(tmp / "a" / "b")],
        "E605",
    ),
    "baseline-not-an-export": (
        lambda tmp: ["baseline", "--corpus", str(tmp), "--out", str(tmp / "b")],
        "E608",
    ),
}

EXIT = {"E1": 2, "E2": 3, "E3": 4, "E4": 5, "E5": 6, "E6": 7, "E7": 8, "E8": 130}


@pytest.mark.parametrize("make, code", list(ROWS.values()), ids=list(ROWS))
def test_each_bad_input_gives_its_code_and_exit_code(tmp_path, monkeypatch, make, code):
    monkeypatch.chdir(tmp_path)
    args = make(tmp_path)
    if args[0] == "build" and "--out" not in args:
        args += ["--out", str(tmp_path / "out")]
    before = sorted(p.name for p in tmp_path.iterdir())
    result = runner.invoke(app, args)
    output = " ".join(result.output.split())
    assert isinstance(result.exception, (SystemExit, type(None))), output
    assert result.exit_code == EXIT[code[:2]], output
    assert output.startswith(f"error [{code}] "), output
    assert "Traceback" not in output
    # Nothing written, nothing left beside the output folder.
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_every_code_is_in_the_catalogue_and_the_readme():
    readme = (ROOT / "README.md").read_text("utf-8")
    used = set()
    for path in (ROOT / "corpus_builder").rglob("*.py"):
        used |= set(re.findall(r'code="(E\d{3})"', path.read_text("utf-8")))
        used |= set(re.findall(r'"(W\d{3})"', path.read_text("utf-8")))
    assert used <= set(CATALOGUE) | set(WARNINGS)
    for code in [*CATALOGUE, *WARNINGS]:
        assert f"`{code}`" in readme or f"| {code} |" in readme, code


def test_readme_table_names_real_tests():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("### Bad input and faults") :]
    section = section[: section.index("\n### Warnings")]
    rows = [line for line in section.splitlines() if line.startswith("| ")][2:]
    assert len(rows) >= 30
    for row in rows:
        names = re.findall(r"`(test_\w+\.py)::(test_\w+)(?:\[([\w-]+)\])?`", row)
        assert names, f"no test named in: {row}"
        for file, function, param in names:
            source = (ROOT / "tests" / file).read_text("utf-8")
            assert f"def {function}(" in source, f"{file}::{function}"
            if file == "test_errors.py" and param:
                assert param in ROWS, param


def test_an_error_keeps_its_facts_as_attributes():
    error = ConfigError(
        "expected a whole number", path="c.yaml", key="seed", code="E107"
    )
    assert (error.code, error.exit_code, error.path, error.key) == (
        "E107",
        2,
        "c.yaml",
        "seed",
    )
    assert str(error) == "[E107] c.yaml: seed: expected a whole number"
    with pytest.raises(ValueError, match="not a OutputError code"):
        OutputError("x", path="p", code="E101")
    with pytest.raises(ValueError):
        CorpusBuilderError("x", code="E999")


def test_the_closing_summary_counts_warnings_by_code():
    assert warning_summary({code: 0 for code in WARNINGS}) == "warnings: none"
    assert warning_summary({"W102": 1, "W101": 2, "W103": 0}) == (
        "warnings: 3: W101 x2 ("
        + WARNINGS["W101"]
        + "); W102 x1 ("
        + WARNINGS["W102"]
        + ")"
    )


def test_cut_and_dropped_spans_are_coded_warnings_in_the_counts():
    ctx = probe_contexts("full", "en")[1]
    template = make_template(
        "PMT {CUSTOMER:customer|legal_name} {INVOICE:invoice|canonical} "
        "{CONTRACT:contract|canonical}",
        language="en",
    )
    keep = len("PMT ALPHABRIDGE SOLUTIONS LLC MFG-INV-0001")
    labels = {"CUSTOMER": "CUSTOMER", "INVOICE": "INVOICE", "CONTRACT": "CONTRACT"}
    example = render(
        replace(template, max_length=keep),
        ctx,
        random.Random(0),
        record="ex-1",
        labels=labels,
    )
    assert example.text == "PMT ALPHABRIDGE SOLUTIONS LLC MFG-INV-0001"
    assert [(s.label, s.surface, s.form) for s in example.spans] == [
        ("CUSTOMER", "ALPHABRIDGE SOLUTIONS LLC", "legal_name"),
        ("INVOICE", "MFG-INV-0001", "canonical+cut"),
    ]
    assert [s.label for s in example.truncated] == ["CONTRACT"]
    assert example.warnings == ("W101", "W102")
    stats = Stats()
    stats.write(replace(example, split="train"), None)
    counts = stats.to_manifest(("CUSTOMER", "INVOICE", "CONTRACT"))
    assert counts["warnings"] == {
        "W101": 1,
        "W102": 1,
        "W103": 0,
        "W104": 0,
        "W105": 0,
        "W106": 0,
        "W107": 0,
        "W108": 0,
    }
    assert counts["spans_dropped_by_truncation"]["CONTRACT"] == 1


def test_a_normalised_value_is_warning_w103():
    ctx = probe_contexts("full", "en")[1]
    legal = "Alphabridge\u00a0 Solutions\nLLC "
    customer = replace(
        ctx.customer,
        aliases=tuple(customer_aliases(legal, ("Alphabridge", "Solutions"), "LLC", ())),
    )
    example = render(
        make_template("PMT {CUSTOMER:customer|legal_name}", language="en"),
        replace(ctx, customer=customer),
        random.Random(0),
        record="ex-1",
        labels={"CUSTOMER": "CUSTOMER"},
    )
    assert example.text == "PMT ALPHABRIDGE SOLUTIONS LLC"
    assert example.warnings == ("W103",)


def test_a_failing_spacy_step_is_e700():
    from corpus_builder.baseline import _run

    with pytest.raises(CorpusBuilderError) as info:
        _run("train", ["train", "no-such-config.cfg", "--output", "nowhere"])
    error = info.value
    assert (error.code, error.exit_code, error.step) == ("E700", 8, "train")
    assert str(error).startswith("[E700] spacy train: ")
    assert "no-such-config.cfg" in str(error)
