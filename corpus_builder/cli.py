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

from .config import SPLIT_NAMES, load_config
from .errors import CorpusBuilderError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Build NER corpora of bank-transaction narratives with exact gold spans.",
)
err = Console(stderr=True)
EXIT_INTERRUPTED = 130


def _fail(error: CorpusBuilderError) -> None:
    err.print(f"[bold red]error[/] {error}", highlight=False, markup=True,
              soft_wrap=True)
    raise typer.Exit(error.exit_code)


def _on_term(signum, frame):  # pragma: no cover - exercised by killing a process
    raise KeyboardInterrupt


@app.command()
def build(
    config: Optional[Path] = typer.Option(
        None, "--config", "-c", help="YAML config; keys not given come from the defaults."
    ),
    out: Optional[Path] = typer.Option(
        None, "--out", "-o", help="Output folder (default: the config's `output`)."
    ),
    seed: Optional[int] = typer.Option(None, "--seed", help="Override the config's seed."),
    size: Optional[int] = typer.Option(
        None, "--size", "-n", help="Number of narratives (overrides `narratives`)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the contents of a non-empty output folder."
    ),
) -> None:
    """Generate the graph and the narratives, and write every export."""
    from .build import build_corpus

    signal.signal(signal.SIGTERM, _on_term)
    try:
        cfg = load_config(config, overrides={"seed": seed, "narratives": size})
        output = out if out is not None else cfg.output
        with Progress(
            "[progress.description]{task.description}", BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True,
        ) as bar:
            task = bar.add_task("rendering narratives", total=cfg.narratives)
            result = build_corpus(
                config=cfg, output=output, force=force,
                progress=lambda done, total: bar.update(task, completed=done,
                                                        total=total),
            )
    except CorpusBuilderError as error:
        _fail(error)
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]: nothing was written; the output folder "
                  "is as it was")
        raise typer.Exit(EXIT_INTERRUPTED)
    _print_summary(result)


def _print_summary(result) -> None:
    counts = result.manifest["counts"]
    table = Table(title=f"corpus written to {result.output}", title_justify="left")
    table.add_column("label")
    for split in SPLIT_NAMES:
        table.add_column(split, justify="right")
    for label, per_split in counts["spans"].items():
        table.add_row(label, *(str(per_split[s]) for s in SPLIT_NAMES))
    table.add_section()
    table.add_row("narratives", *(str(counts["examples"][s]) for s in SPLIT_NAMES))
    table.add_row("templates", *(str(counts["templates"][s]) for s in SPLIT_NAMES))
    err.print(table)


@app.command("check-templates")
def check_templates(
    folder: Optional[Path] = typer.Argument(
        None, help="Folder of template files (default: the shipped templates)."
    ),
    lang: str = typer.Option("id", "--lang", help="spaCy language of the tokenizer."),
) -> None:
    """Parse templates and probe every slot against the tokenizer."""
    import spacy

    from .probe import check_alignment
    from .templates import load_templates

    try:
        templates = load_templates(folder)
        checked = check_alignment(templates, spacy.blank(lang))
    except CorpusBuilderError as error:
        _fail(error)
    err.print(f"{len(templates)} templates ok ({checked} probe renderings)")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
