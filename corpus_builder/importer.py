"""Bring a reviewed Doccano export back: spaCy DocBins and a Hugging Face dataset.

``import_doccano`` reads Doccano JSONL (see ``doccano_input``), checks every span
against the span invariants with the config's tokenizer and labels, and writes
``spacy/{train,dev,test}.spacy`` and ``hf/`` with the build's own writers and tag
order, plus a ``manifest.json``, into a new output folder, all or nothing.

Policy for broken spans: by default the import fails and lists every broken span by
file, line and record, and nothing is written. With ``drop_bad_spans`` the broken
spans are left out, every one is listed in the error-free result and in the
manifest's ``dropped_spans``, and the rest is written; both spans of an overlapping
pair are dropped, since neither can be preferred. A record whose text itself is
wrong (not NFC) or a line that is not a Doccano record fails the import either way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import spacy

from . import __version__
from .config import Config
from .doccano_input import Record, read_doccano_records
from .errors import InputFileError, InvalidSpansError
from .example import Example, Span
from .exporters.hf import HfWriter
from .exporters.spacy_docbin import SpacyWriter
from .output import (
    PID_FILE,
    check_not_replacing,
    check_output,
    discard,
    make_staging,
    publish,
)
from .tokens import iob_names, set_entities, tokenizer_info
from .validate import span_problems

SPLITS = ("train", "validation", "test")


@dataclass
class ImportResult:
    output: Path
    counts: dict[str, int]
    spans: int
    dropped: list[str] = field(default_factory=list)
    manifest: dict = field(default_factory=dict)


@lru_cache(maxsize=4)
def blank(lang: str) -> spacy.language.Language:
    """The export tokenizer of ``lang``, made once per process."""
    return spacy.blank(lang)


def describe(record: Record, index: int | None, rule: str, message: str) -> str:
    """One problem line: file, line, record, span and rule."""
    where = record.where
    if record.example_id:
        where += f": record {record.example_id}"
    if index is not None:
        span = record.spans[index]
        if span.start >= 0:
            where += f": span {index} [{span.start}, {span.end}) {span.label}"
        else:
            where += f": span {index}"
    return f"{where}: rule {rule}: {message}"


def record_to_example(
    record: Record, nlp, labels: tuple[str, ...] | None
) -> tuple[Example, list[str], list[str]]:
    """The record as an Example of its good spans, with the problems of the bad
    spans and of the record itself (which no dropping can mend)."""
    doc = nlp.make_doc(record.text)
    bad: dict[int, str] = {}
    fatal = []
    for index, span in enumerate(record.spans):
        if span.problem:
            bad[index] = describe(record, index, "shape", span.problem)
    readable = [i for i in range(len(record.spans)) if i not in bad]
    triples = [
        (record.spans[i].start, record.spans[i].end, record.spans[i].label)
        for i in readable
    ]
    for problem in span_problems(record.text, triples, doc, labels):
        if problem.index is None:
            fatal.append(describe(record, None, problem.rule, problem.message))
            continue
        index = readable[problem.index]
        bad.setdefault(index, describe(record, index, problem.rule, problem.message))
        if problem.other is not None:
            other = readable[problem.other]
            bad.setdefault(
                other, describe(record, other, problem.rule, problem.message)
            )
    spans = tuple(
        Span(
            s.start,
            s.end,
            s.label,
            record.kb_ids.get((s.start, s.end), ""),
        )
        for i, s in enumerate(record.spans)
        if i not in bad
    )
    example = Example(
        id=record.example_id or f"{Path(record.path).name}:{record.line}",
        text=record.text,
        spans=tuple(sorted(spans, key=lambda s: s.start)),
        template_id=str(record.meta.get("template_id", "")),
        channel=str(record.meta.get("channel", "")),
        language=str(record.meta.get("language", "")),
        split=record.split,
    )
    return example, [bad[i] for i in sorted(bad)], fatal


def import_doccano(
    *,
    files: list[Path],
    output: Path,
    config: Config,
    unit: str = "code_points",
    drop_bad_spans: bool = False,
    force: bool = False,
) -> ImportResult:
    """Import Doccano JSONL ``files`` into ``output``; see the module for the policy.

    Raises InputFileError for an unreadable file or line, InvalidSpansError for
    broken spans (unless dropped) or a broken text, OutputError for the folder.
    """
    check_not_replacing(output, allowed="import", inputs=tuple(files))
    check_output(output, force=force)
    nlp = blank(config.spacy_lang)
    labels = config.export_labels
    examples: list[Example] = []
    problems: list[str] = []
    fatal: list[str] = []
    for path in files:
        before = len(examples)
        for record in read_doccano_records(path, unit=unit):
            example, bad, broken = record_to_example(record, nlp, labels)
            examples.append(example)
            problems += bad
            fatal += broken
        if len(examples) == before:
            raise InputFileError(
                "holds no records; export the Doccano project as JSONL",
                path=str(path),
            )
    if fatal or (problems and not drop_bad_spans):
        shown = fatal + problems
        advice = (
            "fix the texts"
            if fatal
            else "fix them in Doccano and export again, or pass --drop-bad-spans to "
            "write the rest and list each dropped span"
        )
        raise InvalidSpansError(
            f"{len(shown)} problem(s) in {len(examples)} records; {advice}",
            path=", ".join(str(f) for f in files),
            problems=shown,
        )

    tag_names = iob_names(labels)
    staging = make_staging(output)
    try:
        writers = [SpacyWriter(staging / "spacy"), HfWriter(staging / "hf", tag_names)]
        counts = dict.fromkeys(SPLITS, 0)
        spans = 0
        for example in examples:
            doc = set_entities(nlp.make_doc(example.text), example)
            for writer in writers:
                writer.write(example, doc)
            counts[example.split] += 1
            spans += len(example.spans)
        for writer in writers:
            writer.close()
        manifest = _manifest(files, config, tag_names, counts, spans, problems, staging)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        publish(staging, output)
    except BaseException:
        discard(staging)
        raise
    return ImportResult(output, counts, spans, problems, manifest)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest(
    files: list[Path],
    config: Config,
    tag_names: list[str],
    counts: dict[str, int],
    spans: int,
    dropped: list[str],
    folder: Path,
) -> dict:
    written = {
        p.relative_to(folder).as_posix(): {
            "bytes": p.stat().st_size,
            "sha256": _sha256(p),
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != PID_FILE
    }
    return {
        "tool": {"name": "corpus-builder", "version": __version__},
        "imported_from": [
            {"path": str(f), "sha256": _sha256(f), "format": "doccano"} for f in files
        ],
        "labels": list(config.export_labels),
        "iob_tags": tag_names,
        "tokenizer": tokenizer_info(config.spacy_lang),
        "counts": {"examples": counts, "spans": spans},
        "dropped_spans": dropped,
        "files": written,
    }
