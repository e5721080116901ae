"""The whole build: config -> graph -> plan -> render -> validate -> exports."""

from __future__ import annotations

import hashlib
import json
import platform
import random
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Callable

import spacy

from . import __version__
from .config import SPLIT_NAMES, Config, config_to_dict
from .errors import PlanError
from .exporters.conll import ConllWriter
from .exporters.doccano import DoccanoWriter
from .exporters.doccano_relations import DoccanoRelationWriter
from .exporters.graph_tables import TransactionWriter, write_graph_tables
from .exporters.hf import HfWriter
from .exporters.labelstudio import LabelStudioWriter
from .exporters.prodigy import ProdigyWriter
from .exporters.spacy_docbin import SpacyWriter
from .fields import Context, build_surface_index
from .graph import Graph, build_graph, check_graph
from .output import PID_FILE, check_output, discard, make_staging, publish
from .plan import (
    TemplateChooser,
    assign_splits,
    check_labels,
    split_sequence,
    weighted_templates,
)
from .probe import check_alignment
from .relations import RELATION_TYPES, RelationFinder
from .render import RenderSettings, render
from .stats import Stats
from .templates import Template, load_templates
from .tokens import iob_names, set_entities
from .validate import check_example

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
    nlp = spacy.blank(config.spacy_lang)
    check_alignment(templates, nlp)
    templates = weighted_templates(templates, config)
    check_labels(templates, config)
    return templates, nlp


def generate(config: Config, templates: list[Template], nlp, graph: Graph):
    """Yield ``(example, doc)`` for every transaction, rendered, validated, split."""
    plan = assign_splits(templates, config, derive_rng(config.seed, "splits"))
    for split, missing in plan.gaps.items():
        kinds = [m for m in missing if m.startswith("kind:")]
        if kinds and config.splits[split] > 0:
            raise PlanError(
                f"the {split} split has no template for {', '.join(kinds)}; add "
                "templates of those kinds (without a `currencies` limit, a po slot or "
                "a third invoice)"
            )
    chooser = TemplateChooser(templates, plan, config.channel_weights)
    settings = RenderSettings(
        typo_rate=config.typo_rate,
        ocr_rate=config.ocr_rate,
        extra_spaces_rate=config.extra_spaces_rate,
        confuser_rate=config.confuser_rate,
        alias_weights=config.alias_weights,
        surface_index=build_surface_index(graph),
        tokenizer=nlp.make_doc,
    )
    splits = split_sequence(
        len(graph.transactions), config.splits, derive_rng(config.seed, "split-order")
    )
    render_seed = derive_rng(config.seed, "render").getrandbits(64)
    labels = {label: config.export_label(label) for label in config.labels}
    for index, (txn, split) in enumerate(zip(graph.transactions, splits), start=1):
        customer = graph.customers.get(txn.customer_id) if txn.customer_id else None
        invoices = tuple(graph.invoices[n] for n in txn.invoice_numbers)
        contract = graph.contracts[invoices[0].contract_id] if invoices else None
        language = customer.language if customer else "id"
        ctx = Context(txn, customer, invoices, contract, language)
        # Each narrative draws from its own generator, so a knob that changes one
        # narrative's draws leaves the others as they were.
        rng = random.Random(render_seed + index)
        template = chooser.choose(split, ctx, rng)
        if template.language != language:
            ctx = Context(txn, customer, invoices, contract, template.language)
        record = f"ex-{index:07d}"
        example = render(
            template, ctx, rng, record=record, labels=labels, settings=settings
        )
        example = replace(example, split=split)
        doc = nlp.make_doc(example.text)
        check_example(example, doc)
        set_entities(doc, example)
        yield example, doc


def build_corpus(
    *,
    config: Config,
    output: Path,
    force: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """Build the corpus of ``config`` into ``output``, all of it or nothing.

    Raises a CorpusBuilderError subclass for bad input; the old ``output`` is then
    left as it was.
    """
    check_output(output, force=force)
    templates, nlp = prepare(config)
    graph = build_graph(config, derive_rng(config.seed, "graph"))
    check_graph(graph)

    staging = make_staging(output)
    try:
        tag_names = iob_names(config.export_labels)
        stats = Stats()
        finder = RelationFinder(graph)
        writers = [
            DoccanoWriter(staging / "doccano", utf16=config.doccano_utf16),
            DoccanoRelationWriter(
                staging / "doccano" / "relations", finder, utf16=config.doccano_utf16
            ),
            SpacyWriter(staging / "spacy"),
            HfWriter(staging / "hf", tag_names),
            ConllWriter(staging / "conll"),
            LabelStudioWriter(staging / "labelstudio", config.export_labels, finder),
            ProdigyWriter(staging / "prodigy"),
            TransactionWriter(staging / "graph", graph),
            stats,
        ]
        total = len(graph.transactions)
        for done, (example, doc) in enumerate(
            generate(config, templates, nlp, graph), start=1
        ):
            for writer in writers:
                writer.write(example, doc)
            if progress and (done % 500 == 0 or done == total):
                progress(done, total)
        for writer in writers:
            writer.close()
        write_graph_tables(graph, staging / "graph")
        manifest = make_manifest(config, graph, stats, tag_names, staging)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        publish(staging, output)
    except BaseException:
        discard(staging)
        raise
    return BuildResult(output=output, manifest=manifest, stats=stats)


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def make_manifest(
    config: Config, graph: Graph, stats: Stats, tag_names: list[str], folder: Path
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
        "tokenizer": {
            "library": "spacy",
            "pipeline": f"spacy.blank({config.spacy_lang!r})",
            "lang": config.spacy_lang,
        },
        "offset_unit": OFFSET_UNIT,
        "doccano_offset_unit": "utf-16 code units"
        if config.doccano_utf16
        else OFFSET_UNIT,
        "offset_units": {
            "doccano": "utf-16 code units" if config.doccano_utf16 else OFFSET_UNIT,
            "labelstudio": "utf-16 code units, end exclusive",
            "prodigy": OFFSET_UNIT,
            "conll": "none (tokens and IOB2 tags)",
        },
        "relation_types": list(RELATION_TYPES),
        "splits": {
            "doccano": ["train", "dev", "test"],
            "spacy": ["train", "dev", "test"],
            "conll": ["train", "dev", "test"],
            "labelstudio": ["train", "dev", "test"],
            "prodigy": ["train", "dev", "test"],
            "hf": list(SPLIT_NAMES),
            "grouping": "template",
        },
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
        "files": files,
    }
