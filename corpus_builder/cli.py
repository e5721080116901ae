"""The ``corpus-builder`` command line: parses options and calls the library.

Progress, tables and errors go to stderr; a user error ends with its coded message and
its exit code, never a traceback.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from .config import load_config
from .errors import CorpusBuilderError, Interrupted, PlanError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build NER corpora of bank-transaction narratives with exact gold spans.",
)
err = Console(stderr=True)
EXIT_INTERRUPTED = Interrupted.exit_code


def _fail(error: CorpusBuilderError) -> None:
    err.print(
        f"[bold red]error[/] {error}", highlight=False, markup=True, soft_wrap=True
    )
    raise typer.Exit(error.exit_code)


class Terminated(BaseException):
    """SIGTERM arrived. Not KeyboardInterrupt: CPython may still end a process by
    SIGINT after a KeyboardInterrupt raised inside an extension module's import was
    caught, and a terminated build must exit with its own code."""


_terminated = False
_interrupted = False


def _on_term(signum, frame):  # pragma: no cover - exercised by killing a process
    global _terminated
    _terminated = True
    raise Terminated


def _on_int(signum, frame):  # pragma: no cover - exercised by killing a process
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _advance(bar: Progress, task, done: int, total: int) -> None:
    """Move the bar; stop here if SIGTERM or Ctrl-C came while a library swallowed
    the exception it raised (a Cython function without an exception clause prints
    it and goes on)."""
    if _terminated:
        raise Terminated
    if _interrupted:
        raise KeyboardInterrupt
    bar.update(task, completed=done, total=total)


@app.command()
def build(
    config: Optional[Path] = typer.Option(
        None,
        "--config",
        "-c",
        help="YAML config; keys not given come from the defaults.",
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Output folder (default: the config's `output`)."
    ),
    seed: Optional[int] = typer.Option(
        None, "--seed", min=0, help="Override the config's seed."
    ),
    size: Optional[int] = typer.Option(
        None,
        "--size",
        "-n",
        min=1,
        help="Number of narratives (overrides `narratives`).",
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the contents of a non-empty output folder."
    ),
    tokenizer: Optional[Path] = typer.Option(
        None,
        "--tokenizer",
        help="Tokenizer folder (tokenizer.json or vocab.txt): also write the "
        "transformer/ subword dataset (overrides `transformer.tokenizer`).",
    ),
    exports: Optional[str] = typer.Option(
        None,
        "--exports",
        "-e",
        help="Comma-separated exports to write, e.g. doccano,spacy,hf (overrides "
        "`exports`; default: all of them).",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        "-w",
        min=1,
        help="Processes that render shards; the output is the same for any number.",
    ),
    engine: str = typer.Option(
        "local",
        "--engine",
        help="Where shards run: local (processes on this machine) or dask (a Dask "
        "cluster; needs corpus-builder\\[dask]).",
    ),
) -> None:
    """Generate the graph and the narratives, and write every export."""
    try:
        from .build import build_corpus

        cfg = load_config(
            config,
            overrides={
                "seed": seed,
                "narratives": size,
                "transformer.tokenizer": str(tokenizer) if tokenizer else None,
                "exports": exports,
            },
        )
        output = out if out is not None else cfg.output
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("rendering narratives", total=cfg.narratives)
            result = build_corpus(
                config=cfg,
                output=output,
                force=force,
                progress=lambda done, total: _advance(bar, task, done, total),
                workers=workers,
                engine=engine,
            )
    except CorpusBuilderError as error:
        _fail(error)
    except KeyboardInterrupt:
        _fail(Interrupted(signal="Ctrl-C (SIGINT)"))
    except Terminated:
        _fail(Interrupted(signal="SIGTERM"))
    _print_summary(result)


def _print_summary(result) -> None:
    manifest = result.manifest
    counts = manifest["counts"]
    splits = list(counts["examples"])
    balance = manifest["balance"]
    table = Table(title=f"corpus written to {result.output}", title_justify="left")
    table.add_column("label")
    for split in splits:
        table.add_column(split.replace("_", " "), justify="right")
    if balance["mode"] != "none":
        table.add_column("train share\n(target)", justify="right")
    for label, per_split in counts["spans"].items():
        row = [str(per_split[s]) for s in splits]
        if balance["mode"] != "none":
            entry = balance["labels"][label]
            row.append(
                f"{entry['achieved_share']['train']:.1%} ({entry['target_share']:.1%})"
            )
        table.add_row(label, *row)
    table.add_section()
    table.add_row("narratives", *(str(counts["examples"][s]) for s in splits))
    table.add_row("templates", *(str(counts["templates"][s]) for s in splits))
    table.add_row("customers", *(str(counts["customers"][s]) for s in splits))
    err.print(table)
    err.print(f"splits kept apart by {manifest['splits']['grouping']}")
    err.print(warning_summary(counts.get("warnings", {})), highlight=False)
    pieces = result.manifest.get("transformer")
    if pieces:
        _print_transformer_summary(pieces)


def _print_transformer_summary(pieces: dict) -> None:
    rows = ", ".join(f"{n} {split}" for split, n in pieces["rows"].items())
    err.print(
        f"transformer/: {rows} rows, longest narrative "
        f"{pieces['longest_narrative_pieces']} pieces",
        soft_wrap=True,
    )
    truncated = sum(pieces["truncated_narratives"].values())
    if truncated:
        cut = sum(pieces["spans_cut_by_truncation"].values())
        dropped = sum(pieces["spans_dropped_by_truncation"].values())
        err.print(
            f"[bold yellow]warning W105[/] transformer/: {truncated} narratives longer "
            f"than max_length {pieces['max_length']} were truncated ({cut} spans "
            f"cut, {dropped} dropped); raise transformer.max_length or set "
            "transformer.overflow: stride",
            highlight=False,
            soft_wrap=True,
        )
    unseen = sum(pieces["spans_without_pieces"].values())
    if unseen:
        err.print(
            f"[bold yellow]warning W106[/] transformer/: {unseen} spans got no "
            "piece from the tokenizer (their characters are deleted by its "
            "normalizer) and have no label there; the manifest counts them per label",
            highlight=False,
            soft_wrap=True,
        )


def warning_summary(warnings: dict[str, int]) -> str:
    """One closing line: how many coded warnings of each kind the build gave."""
    from .errors import WARNINGS

    given = {code: n for code, n in warnings.items() if n}
    if not given:
        return "warnings: none"
    total = sum(given.values())
    parts = [f"{code} x{n} ({WARNINGS[code]})" for code, n in sorted(given.items())]
    return f"warnings: {total}: " + "; ".join(parts)


LABEL_STYLES = (
    "bold cyan",
    "bold magenta",
    "bold yellow",
    "bold green",
    "bold blue",
    "bold red",
    "bold bright_cyan",
    "bold bright_magenta",
)


@app.command()
def sample(
    count: int = typer.Option(10, "--count", "-n", min=1, help="How many narratives."),
    config: Optional[Path] = typer.Option(None, "--config", "-c", help="YAML config."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the seed."),
    channel: Optional[str] = typer.Option(None, "--channel", help="Only this channel."),
    language: Optional[str] = typer.Option(None, "--language", help="Only id or en."),
) -> None:
    """Print random narratives with their entities highlighted (to stdout)."""
    from rich.text import Text

    from .sample import sample_examples

    try:
        cfg = load_config(
            config, overrides={"seed": seed, "narratives": max(300, count * 30)}
        )
        examples = sample_examples(
            config=cfg, count=count, channel=channel, language=language
        )
    except CorpusBuilderError as error:
        _fail(error)
    out = Console()
    styles = {
        label: LABEL_STYLES[i % len(LABEL_STYLES)]
        for i, label in enumerate(cfg.export_labels)
    }
    for example in examples:
        out.print(
            f"[dim]{example.id} · {example.template_id} · {example.channel} · "
            f"{example.language} · {example.kind}[/]"
        )
        text = Text(example.text)
        for span in example.spans:
            text.stylize(styles.get(span.label, "bold"), span.start, span.end)
        out.print(text)
        for span in example.spans:
            score = "" if span.score is None else f", similarity {span.score:.2f}"
            shown = example.text[span.start : span.end].replace("\n", "⏎")
            out.print(
                f"  [{styles.get(span.label, 'bold')}]{span.label}[/] {shown!r} → "
                f"{span.kb_id} ({span.form}{score})",
                highlight=False,
            )
        out.print()
    if not examples:
        _fail(
            PlanError(
                "no narratives match --channel and --language together; try a "
                "larger -n or drop one",
                code="E506",
                channel=channel,
                language=language,
            )
        )


@app.command()
def baseline(
    corpus: Path = typer.Option(Path("exports"), "--corpus", help="A corpus export."),
    out: Path = typer.Option(Path("baseline"), "--out", "-o", help="Report folder."),
    steps: int = typer.Option(600, "--steps", min=1, help="Training steps."),
) -> None:
    """Train a spaCy NER baseline on an export and report per-label test scores."""
    from .baseline import train_baseline

    try:
        with err.status("training the spaCy baseline"):
            result = train_baseline(corpus=corpus, out=out, steps=steps)
    except CorpusBuilderError as error:
        _fail(error)
    table = Table(title=f"test split, {out / 'report.md'}", title_justify="left")
    for column in ("label", "precision", "recall", "F-score"):
        table.add_column(column, justify="left" if column == "label" else "right")
    for label, s in sorted(result["test_per_label"].items()):
        table.add_row(label, f"{s['p']:.3f}", f"{s['r']:.3f}", f"{s['f']:.3f}")
    table.add_section()
    t = result["test"]
    table.add_row("all", f"{t['p']:.3f}", f"{t['r']:.3f}", f"{t['f']:.3f}")
    err.print(table)
    err.print(f"dev F-score {result['dev_f']:.3f}")


@app.command()
def report(
    corpus: Path = typer.Option(Path("exports"), "--corpus", help="A corpus export."),
    out: Path = typer.Option(Path("report"), "--out", "-o", help="Report folder."),
    samples: int = typer.Option(
        2, "--samples", min=1, help="Sample narratives drawn per channel."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace an earlier report in the output folder."
    ),
) -> None:
    """Write an HTML report with charts of an export's counts and sample narratives."""
    from .report import write_report

    try:
        with err.status("drawing the report"):
            result = write_report(
                corpus=corpus, out=out, force=force, samples_per_channel=samples
            )
    except CorpusBuilderError as error:
        _fail(error)
    err.print(
        f"report written to {result.output / 'index.html'} ({len(result.charts)} "
        f"charts, {result.samples} sample narratives)",
        soft_wrap=True,
    )


@app.command("check-templates")
def check_templates(
    folder: Optional[Path] = typer.Argument(
        None, help="Folder of template files (default: the shipped templates)."
    ),
    lang: str = typer.Option("id", "--lang", help="spaCy language of the tokenizer."),
) -> None:
    """Parse templates and probe every slot against the tokenizer."""
    import spacy

    from .config import spacy_language_problem
    from .errors import ConfigError
    from .probe import check_alignment
    from .templates import load_templates

    try:
        problem = spacy_language_problem(lang)
        if problem:
            raise ConfigError(problem, path="command line", key="--lang", code="E110")
        templates = load_templates(folder)
        checked = check_alignment(templates, spacy.blank(lang))
    except CorpusBuilderError as error:
        _fail(error)
    err.print(f"{len(templates)} templates ok ({checked} probe renderings)")


evaluate_app = typer.Typer(
    no_args_is_help=True,
    help="Score baselines or your own predictions on an export's ground truth.",
)
app.add_typer(evaluate_app, name="evaluate")


def _report(result: dict, json_out: Optional[Path]) -> None:
    from .scores import write_json

    if json_out is not None:
        write_json(result, json_out)
        err.print(f"scores written to {json_out}")


@evaluate_app.command("resolve")
def evaluate_resolve(
    export: Path = typer.Option(Path("exports"), "--export", "-e", help="An export."),
    split: str = typer.Option("test", "--split", help="train, validation, test, all."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write scores here."),
) -> None:
    """Accuracy of the rapidfuzz resolver on tasks/resolution.jsonl."""
    from .evaluate import evaluate_resolution
    from .scores import resolution_report

    try:
        result = evaluate_resolution(export=export, split=split)
        _report(result, json_out)
    except CorpusBuilderError as error:
        _fail(error)
    typer.echo(resolution_report(result), nl=False)


@evaluate_app.command("match")
def evaluate_match(
    export: Path = typer.Option(Path("exports"), "--export", "-e", help="An export."),
    split: str = typer.Option("test", "--split", help="train, validation, test, all."),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write scores here."),
) -> None:
    """Link precision and recall of the baseline matcher on tasks/matching.jsonl."""
    from .evaluate import evaluate_matching
    from .scores import matching_report

    try:
        result = evaluate_matching(export=export, split=split)
        _report(result, json_out)
    except CorpusBuilderError as error:
        _fail(error)
    typer.echo(matching_report(result), nl=False)


@evaluate_app.command("ner")
def evaluate_ner_command(
    gold: Path = typer.Option(
        ..., "--gold", help="Gold: a Doccano .jsonl of an export, or its hf folder."
    ),
    pred: Path = typer.Option(
        ..., "--pred", help="Predictions: Doccano-shaped .jsonl, or CoNLL."
    ),
    split: str = typer.Option(
        "test", "--split", help="Split of an hf gold folder (train, validation, test)."
    ),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write scores here."),
) -> None:
    """Strict and partial NER scores per label and per slice."""
    from .evaluate_ner import evaluate_ner
    from .scores import ner_report

    try:
        result = evaluate_ner(gold=gold, pred=pred, split=split)
        _report(result, json_out)
    except CorpusBuilderError as error:
        _fail(error)
    typer.echo(ner_report(result), nl=False)


import_app = typer.Typer(
    no_args_is_help=True, help="Bring reviewed annotations back as training data."
)
app.add_typer(import_app, name="import")


def _fail_with_problems(error: CorpusBuilderError) -> None:
    for line in getattr(error, "problems", []):
        err.print(line, highlight=False, markup=False, soft_wrap=True)
    _fail(error)


@import_app.command("doccano")
def import_doccano_command(
    files: list[Path] = typer.Argument(..., help="Doccano JSONL export file(s)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="YAML config: labels and tokenizer language."
    ),
    offsets: str = typer.Option(
        "code_points",
        "--offsets",
        help="Offset unit of the file: code_points or utf16.",
    ),
    drop_bad_spans: bool = typer.Option(
        False,
        "--drop-bad-spans",
        help="Write the rest when spans are broken, listing each dropped span.",
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace an earlier import or export in --out."
    ),
) -> None:
    """Read a reviewed Doccano export and write spaCy DocBins and a HF dataset."""
    from .errors import ConfigError
    from .importer import import_doccano

    try:
        if offsets not in ("code_points", "utf16"):
            raise ConfigError(
                f"expected code_points or utf16, got {offsets!r}",
                path="command line",
                key="--offsets",
            )
        cfg = load_config(config)
        result = import_doccano(
            files=files,
            output=out,
            config=cfg,
            unit=offsets,
            drop_bad_spans=drop_bad_spans,
            force=force,
        )
    except CorpusBuilderError as error:
        _fail_with_problems(error)
    for line in result.dropped:
        err.print(f"dropped: {line}", highlight=False, markup=False, soft_wrap=True)
    c = result.counts
    err.print(
        f"imported {sum(c.values())} records ({c['train']} train, {c['validation']} "
        f"validation, {c['test']} test) with {result.spans} spans into "
        f"{result.output}; {len(result.dropped)} spans dropped",
        highlight=False,
    )


@app.command()
def validate(
    path: Path = typer.Argument(..., help="An export file or folder."),
    lang: Optional[str] = typer.Option(
        None, "--lang", help="spaCy language of the tokenizer (default: manifest, id)."
    ),
    labels: Optional[str] = typer.Option(
        None, "--labels", help="Comma-separated labels (default: the manifest's)."
    ),
    offsets: Optional[str] = typer.Option(
        None, "--offsets", help="Doccano offset unit: code_points or utf16."
    ),
) -> None:
    """Check any export (Doccano, spaCy, HF, CoNLL, Label Studio, Prodigy)."""
    from .errors import ConfigError, InvalidSpansError
    from .export_check import validate_export

    try:
        if offsets not in (None, "code_points", "utf16"):
            raise ConfigError(
                f"expected code_points or utf16, got {offsets!r}",
                path="command line",
                key="--offsets",
            )
        wanted = tuple(x.strip() for x in labels.split(",")) if labels else None
        report = validate_export(path, lang=lang, labels=wanted, unit=offsets)
    except CorpusBuilderError as error:
        _fail(error)
    out = Console(highlight=False, soft_wrap=True)
    for line in report.problems:
        out.print(line, markup=False)
    if report.skipped:
        folders = sorted(
            {str(Path(line.split(": ")[0]).parent) for line in report.skipped}
        )
        err.print(
            f"not checked: {len(report.skipped)} files of other formats in "
            f"{', '.join(folders)}",
            markup=False,
            highlight=False,
        )
    for name, kind, count in report.checked:
        err.print(f"checked {name} ({kind}, {count} records)", highlight=False)
    if report.problems:
        _fail(
            InvalidSpansError(
                f"{len(report.problems)} problem(s); each is listed above",
                path=str(path),
                problems=report.problems,
            )
        )
    err.print("[bold green]clean[/]: no problems found")


def main() -> None:
    """The console script: SIGTERM and Ctrl-C anywhere end with E800, exit code 130."""
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_int)
    try:
        app(prog_name="corpus-builder")
    except (KeyboardInterrupt, Terminated) as stop:
        name = "SIGTERM" if isinstance(stop, Terminated) else "Ctrl-C (SIGINT)"
        error = Interrupted(signal=name)
        err.print(f"[bold red]error[/] {error}", highlight=False, soft_wrap=True)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()
