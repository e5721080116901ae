"""The whole build: config -> graph -> plan -> render -> validate -> exports."""

from __future__ import annotations

import errno
import hashlib
import json
import platform
import random
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

import spacy

from . import __version__
from .balance import (
    balance_report,
    check_achieved,
    count_warnings,
    diversity_report,
    form_share_problem,
)
from .card import write_card
from .config import Config, config_to_dict
from .errors import ConfigError, OutputError
from .exporters import split_file
from .exporters.graph_tables import write_graph_tables
from .exporters.spacy_docbin import SpacyWriter
from .exporters.transformer import (
    LoadedTokenizer,
    TransformerWriter,
    load_tokenizer,
)
from .graph import Graph, build_graph, check_graph
from .output import PID_FILE, check_output, discard, make_staging, publish
from .plan import CorpusPlan, check_labels, plan_corpus, weighted_templates
from .probe import AlignmentCheck, check_alignment
from .relations import RELATION_TYPES
from .shards import ENGINES, Shard, Work, cut, examples, run_shards
from .stats import Stats
from .templates import Template, load_templates
from .tokens import iob_names, render_pipeline, tokenizer_info
from .writers import make_writers

OFFSET_UNIT = "unicode code points of NFC text, end exclusive"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildResult:
    output: Path
    manifest: dict
    stats: Stats


def derive_rng(seed: int, purpose: str) -> random.Random:
    """An independent generator for one purpose, fixed by the build seed."""
    digest = hashlib.sha256(f"corpus-builder:{seed}:{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def prepare(config: Config) -> tuple[list[Template], spacy.language.Language]:
    """Load and check templates against the config and the export tokenizer."""
    templates = load_templates(config.templates)
    nlp = render_pipeline(config.spacy_lang)
    check_alignment(templates, nlp)
    return settle_templates(templates, config), nlp


def settle_templates(templates: list[Template], config: Config) -> list[Template]:
    """The templates weighted by the config, once its labels and caps are checked
    against them."""
    templates = weighted_templates(templates, config)
    check_labels(templates, config)
    form_share_problem(config)
    return templates


def plan_and_cut(
    config: Config,
    templates: list[Template],
    nlp,
    graph: Graph,
    tokenizer: LoadedTokenizer | None = None,
) -> tuple[Work, list[Shard], CorpusPlan]:
    """Plan the corpus and cut it into shards, ready to render anywhere."""
    plan = plan_corpus(
        config,
        templates,
        graph,
        pool_rng=derive_rng(config.seed, "splits"),
        split_rng=derive_rng(config.seed, "split-order"),
        choice_seed=derive_rng(config.seed, "choice").getrandbits(64),
    )
    work = Work(
        config=config,
        templates=list(templates),
        graph=graph,
        tag_names=iob_names(config.export_labels),
        render_seed=derive_rng(config.seed, "render").getrandbits(64),
        tokenizer=tokenizer,
    )
    work.adopt(nlp)
    shards = list(cut(plan.splits, plan.templates, work))
    return work, shards, plan


def generate(config: Config, templates: list[Template], nlp, graph: Graph):
    """Yield ``(example, doc)`` for every transaction, rendered, validated, split."""
    work, shards, _ = plan_and_cut(config, templates, nlp, graph)
    for shard in shards:
        yield from examples(work, shard)


def build_corpus(
    *,
    config: Config,
    output: Path,
    force: bool = False,
    progress: Progress | None = None,
    workers: int = 1,
    engine: str = "local",
) -> BuildResult:
    """Build the corpus of ``config`` into ``output``, all of it or nothing.

    ``progress(done, total)`` is called as shards are written and once more right
    before the export is published; an exception it raises stops the build.
    ``workers`` processes render the shards (``engine``: ``local`` forks them on
    this machine, ``dask`` runs them on a Dask cluster); the bytes written are the
    same for any number of workers and either engine.

    Raises a CorpusBuilderError subclass for bad input; the old ``output`` is then
    left as it was.
    """
    check_output(output, force=force)
    if engine not in ENGINES:
        raise ConfigError(
            f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}",
            path="<options>",
            key="engine",
        )
    templates = load_templates(config.templates)
    nlp = render_pipeline(config.spacy_lang)
    # Every template is probed against the tokenizer in a process of its own while
    # the graph is built and the corpus planned; nothing renders before it passed.
    aligned = AlignmentCheck(templates, nlp)
    try:
        templates = settle_templates(templates, config)
        graph = build_graph(config, derive_rng(config.seed, "graph"))
        check_graph(graph)
        tag_names = iob_names(config.export_labels)
        loaded = None
        if config.transformer.tokenizer:
            loaded = load_tokenizer(config.transformer.tokenizer)
        work, shards, plan = plan_and_cut(config, templates, nlp, graph, loaded)
    except Exception:
        aligned.wait()  # a template's fault explains more than what followed from it
        raise
    except BaseException:
        aligned.cancel()
        raise
    aligned.wait()

    staging = make_staging(output)
    try:
        writers = make_writers(
            config,
            graph,
            tag_names,
            loaded,
            folder=staging,
            sizes=Counter(plan.splits),
        )
        stats = next(w for w in writers if isinstance(w, Stats))
        transformer = next(
            (w for w in writers if isinstance(w, TransformerWriter)), None
        )
        total = len(graph.transactions)
        done = 0
        for output_ in run_shards(work, shards, workers=workers, engine=engine):
            for writer, part in zip(writers, output_.parts):
                if isinstance(writer, SpacyWriter):
                    writer.add(part, output_.index)
                else:
                    writer.add(part)
            done += output_.count
            if progress:
                progress(done, total)
        check_achieved(config, stats)
        count_warnings(config, stats)
        for writer in writers:
            writer.close()
        if "graph" in config.exports:
            write_graph_tables(graph, staging / "graph")
        if transformer:
            stats.warnings["W105"] += sum(transformer.truncated.values())
            stats.warnings["W106"] += sum(transformer.spans_without_pieces.values())
        extra = {"transformer": transformer.to_manifest()} if transformer else {}
        write_card(staging, config=config, stats=stats, tag_names=tag_names, **extra)
        manifest = make_manifest(config, graph, stats, tag_names, staging, extra)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        if progress:
            # A last call before publishing: the caller may still stop the build.
            progress(total, total)
        publish(staging, output)
    except OSError as exc:
        discard(staging)
        raise write_failed(exc, output) from None
    except BaseException:
        discard(staging)
        raise
    return BuildResult(output=output, manifest=manifest, stats=stats)


def write_failed(exc: OSError, output: Path) -> OutputError:
    """The coded error for a write that failed while the export was being made."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    name = errno.errorcode.get(exc.errno or 0, "")
    where = f" ({exc.filename})" if exc.filename else ""
    return OutputError(
        f"writing the export failed: {reason}{f' [{name}]' if name else ''}{where}; "
        "nothing was published, an earlier export there is as it was and the "
        "temporary folder was removed; free disk space (or quota) or choose "
        "another --out, then build again",
        path=str(output),
        code="E607",
        errno=exc.errno,
        filename=exc.filename,
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def make_manifest(
    config: Config,
    graph: Graph,
    stats: Stats,
    tag_names: list[str],
    folder: Path,
    extra: dict | None = None,
) -> dict:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.name == PID_FILE:
            continue
        rel = path.relative_to(folder).as_posix()
        files[rel] = {
            "bytes": path.stat().st_size,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    doccano_unit = "utf-16 code units" if config.doccano_utf16 else OFFSET_UNIT
    return {
        "tool": {"name": "corpus-builder", "version": __version__},
        "versions": {
            "python": platform.python_version(),
            "faker": _version("faker"),
            "spacy": _version("spacy"),
            "datasets": _version("datasets"),
        },
        "seed": config.seed,
        "config": config_to_dict(config),
        "labels": list(config.export_labels),
        "iob_tags": tag_names,
        "tokenizer": tokenizer_info(config.spacy_lang),
        "offset_unit": OFFSET_UNIT,
        "doccano_offset_unit": "utf-16 code units"
        if config.doccano_utf16
        else OFFSET_UNIT,
        "offset_units": {
            name: unit
            for name, unit in (
                ("doccano", doccano_unit),
                ("labelstudio", "utf-16 code units, end exclusive"),
                ("prodigy", OFFSET_UNIT),
                ("conll", "none (tokens and IOB2 tags)"),
            )
            if name in config.exports
        },
        "relation_types": list(RELATION_TYPES)
        if {"relations", "labelstudio"} & set(config.exports)
        else [],
        "splits": {
            **{
                name: [split_file(s) for s in config.split_names]
                for name in ("doccano", "spacy", "conll", "labelstudio", "prodigy")
                if name in config.exports
            },
            **({"hf": list(config.split_names)} if "hf" in config.exports else {}),
            "grouping": config.split_by,
            "heldout": config.heldout.chosen(),
        },
        "balance": balance_report(config, stats),
        "diversity": diversity_report(config, stats),
        "graph": {
            "customers": len(graph.customers),
            "contracts": len(graph.contracts),
            "purchase_orders": len(graph.purchase_orders),
            "invoices": len(graph.invoices),
            "transactions": len(graph.transactions),
            "settlements": len(graph.settlements),
            "ambiguous_aliases": len(graph.ambiguous_aliases),
        },
        "counts": stats.to_manifest(config.export_labels),
        "shared_between_splits": stats.shared(),
        **(extra or {}),
        "files": files,
    }
