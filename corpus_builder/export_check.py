"""Check any export this tool writes, or a user's, against the span invariants.

``validate_export`` takes a file or a folder. Formats are told by name and content:
Doccano JSONL (lines with ``label`` or ``entities``), spaCy DocBins (``*.spacy``),
Hugging Face datasets saved with ``save_to_disk``, Prodigy JSONL (lines with
``tokens`` and ``spans``), Label Studio task lists (``*.json`` holding a list) and
CoNLL (``*.conll``); other files are listed as not checked. When the folder (or a
parent of the file) holds this tool's ``manifest.json``, its tokenizer language,
labels and Doccano offset unit are used unless given.

Checked per record: NFC text; spans inside the text, not empty, without whitespace
at an edge, not overlapping, on token boundaries of the tokenizer (DocBins carry
their own tokens); labels among the known ones when labels are known; Doccano
relations pointing at entity ids of their line. Hugging Face: ``ner_tags`` a
``Sequence(ClassLabel)`` with ``O`` and ``B-``/``I-`` names, the same names in every
split, valid IOB2, tokens and tags of equal length, and ``tokens`` with ``spaces``
rebuilding ``text`` when both are there. Prodigy, Label Studio and CoNLL: see
``format_checks``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .doccano_input import read_doccano_records, read_jsonl
from .errors import InputFileError
from .format_checks import check_conll, check_labelstudio, check_prodigy
from .importer import blank, describe, record_to_example
from .tokens import check_iob2
from .validate import span_problems


@dataclass
class ValidationReport:
    checked: list[tuple[str, str, int]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files of other formats


@dataclass(frozen=True)
class Settings:
    lang: str
    labels: tuple[str, ...] | None
    unit: str


def _manifest_near(path: Path) -> dict:
    for folder in [path, *path.resolve().parents]:
        candidate = folder / "manifest.json"
        if folder.is_dir() and candidate.is_file():
            try:
                manifest = json.loads(candidate.read_text("utf-8"))
            except (OSError, ValueError):
                return {}
            if manifest.get("tool", {}).get("name") == "corpus-builder":
                return manifest
            return {}
    return {}


def validate_export(
    path: Path,
    *,
    lang: str | None = None,
    labels: tuple[str, ...] | None = None,
    unit: str | None = None,
) -> ValidationReport:
    """Every problem of the export at ``path``; an empty ``problems`` means clean.

    Raises InputFileError when ``path`` does not exist or holds nothing to check.
    """
    if not path.exists():
        raise InputFileError(
            "does not exist; give an export file or folder", path=str(path)
        )
    manifest = _manifest_near(path)
    doccano_unit = manifest.get("doccano_offset_unit", "")
    settings = Settings(
        lang=lang or manifest.get("tokenizer", {}).get("lang") or "id",
        labels=labels or (tuple(manifest["labels"]) if "labels" in manifest else None),
        unit=unit or ("utf16" if doccano_unit.startswith("utf-16") else "code_points"),
    )
    report = ValidationReport()
    if path.is_file():
        _check_file(path, settings, report, explicit=True)
    elif (path / "dataset_dict.json").is_file() or (
        path / "dataset_info.json"
    ).is_file():
        _check_hf(path, settings, report)
    else:
        hf_roots = sorted(p.parent for p in path.rglob("dataset_dict.json"))
        for root in hf_roots:
            _check_hf(root, settings, report)
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            if any(root in file.parents for root in hf_roots):
                continue
            if file.name == "manifest.json" or file.name.startswith("."):
                continue
            _check_file(file, settings, report, explicit=False)
    if not report.checked:
        raise InputFileError(
            "holds no Doccano, spaCy, Hugging Face, CoNLL, Label Studio or Prodigy "
            "export to check",
            path=str(path),
        )
    return report


def _check_file(
    path: Path, settings: Settings, report: ValidationReport, *, explicit: bool
):
    kind = "spacy" if path.suffix == ".spacy" else _kind_of(path)
    if kind is None and explicit:
        kind = "doccano"
    if kind is None:
        report.skipped.append(str(path))
        return
    if kind == "spacy":
        _check_docbin(path, settings, report)
    elif kind == "doccano":
        _check_doccano(path, settings, report)
    else:
        nlp = blank(settings.lang)
        try:
            if kind == "prodigy":
                count, problems = check_prodigy(path, nlp, settings.labels)
            elif kind == "labelstudio":
                count, problems = check_labelstudio(path, nlp, settings.labels)
            else:
                count, problems = check_conll(path, settings.labels)
        except InputFileError as error:
            count, problems = 0, [str(error)]
        report.problems += problems
        report.checked.append((str(path), kind, count))


def _kind_of(path: Path) -> str | None:
    """Which format a file holds, from its name and first record, if a checked one."""
    if path.suffix in (".conll", ".iob", ".iob2"):
        return "conll"
    if path.suffix == ".json":
        try:
            head = path.read_text("utf-8-sig").lstrip()[:1]
        except (OSError, UnicodeDecodeError):
            return None
        return "labelstudio" if head == "[" else None
    if path.suffix != ".jsonl":
        return None
    try:
        for _, obj in read_jsonl(path):
            if not isinstance(obj, dict):
                return "doccano"
            if "tokens" in obj and "spans" in obj:
                return "prodigy"
            return "doccano" if "label" in obj or "entities" in obj else None
    except InputFileError:
        return "doccano"
    return "doccano"


def _check_doccano(path: Path, settings: Settings, report: ValidationReport) -> None:
    nlp = blank(settings.lang)
    count = 0
    try:
        for record in read_doccano_records(path, unit=settings.unit):
            count += 1
            _, bad, fatal = record_to_example(record, nlp, settings.labels)
            report.problems += fatal + bad
            ids = [s.id for s in record.spans]
            if record.relations and len(set(ids)) != len(ids):
                report.problems.append(
                    describe(record, None, "relations", "entity ids repeat in the line")
                )
            for head, tail, name in record.relations:
                missing = [i for i in (head, tail) if i not in ids]
                if missing:
                    report.problems.append(
                        describe(
                            record,
                            None,
                            "relations",
                            f"relation {name!r} points at entity id "
                            f"{missing[0]!r}, which the line does not have",
                        )
                    )
    except InputFileError as error:
        report.problems.append(str(error))
    report.checked.append((str(path), "doccano", count))


def _check_docbin(path: Path, settings: Settings, report: ValidationReport) -> None:
    from spacy.tokens import DocBin

    nlp = blank(settings.lang)
    try:
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    except Exception as exc:  # a file that is not a DocBin fails in msgpack or zlib
        report.problems.append(f"{path}: not a spaCy DocBin ({type(exc).__name__})")
        report.checked.append((str(path), "spacy", 0))
        return
    for number, doc in enumerate(docs):
        record = doc.user_data.get("example_id") if doc.user_data else None
        where = f"{path}: doc {number}" + (f" (record {record})" if record else "")
        spans = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        for problem in span_problems(doc.text, spans, doc, settings.labels):
            report.problems.append(_span_line(where, spans, problem))
    report.checked.append((str(path), "spacy", len(docs)))


def _span_line(where: str, spans, problem) -> str:
    if problem.index is not None:
        start, end, label = spans[problem.index]
        where += f": span {problem.index} [{start}, {end}) {label}"
    return f"{where}: rule {problem.rule}: {problem.message}"


def _check_hf(folder: Path, settings: Settings, report: ValidationReport) -> None:
    import datasets
    from datasets import ClassLabel, Dataset

    try:
        loaded = datasets.load_from_disk(str(folder))
    except Exception as exc:  # datasets raises several kinds for a broken folder
        report.problems.append(f"{folder}: not a loadable dataset ({exc})")
        report.checked.append((str(folder), "hf", 0))
        return
    parts = {"": loaded} if isinstance(loaded, Dataset) else dict(loaded)
    nlp = blank(settings.lang)
    first_names: list[str] | None = None
    rows = 0
    for split, data in parts.items():
        where = f"{folder} [{split}]" if split else str(folder)
        feature = data.features.get("ner_tags")
        inner = getattr(feature, "feature", None)
        if not isinstance(inner, ClassLabel) or "tokens" not in data.features:
            report.problems.append(
                f"{where}: needs 'tokens' and 'ner_tags' as a Sequence(ClassLabel)"
            )
            continue
        names = list(inner.names)
        if first_names is None:
            first_names = names
        elif names != first_names:
            report.problems.append(
                f"{where}: ner_tags names differ from the first split's "
                f"({names} vs {first_names}); every split needs one order"
            )
        shape = names[:1] == ["O"] and all(
            n.startswith(("B-", "I-")) for n in names[1:]
        )
        if not shape:
            report.problems.append(f"{where}: tag names {names} are not O, B-X, I-X")
        if settings.labels is not None and shape:
            unknown = {n[2:] for n in names[1:]} - set(settings.labels)
            if unknown:
                report.problems.append(
                    f"{where}: tag labels {sorted(unknown)} are not among "
                    f"{', '.join(settings.labels)}"
                )
        for number, row in enumerate(data):
            rows += 1
            at = f"{where} row {number}" + (f" (id {row['id']})" if "id" in row else "")
            report.problems += _hf_row_problems(at, row, names, nlp)
    report.checked.append((str(folder), "hf", rows))


def _hf_row_problems(at: str, row: dict, names: list[str], nlp) -> list[str]:
    from spacy.tokens import Doc

    tokens, ids = row["tokens"], row["ner_tags"]
    spaces = row.get("spaces") or [True] * len(tokens)
    if not (len(tokens) == len(ids) == len(spaces)):
        return [f"{at}: {len(tokens)} tokens but {len(ids)} tags, {len(spaces)} spaces"]
    if not all(isinstance(t, str) and t for t in tokens):
        return [f"{at}: a token is empty"]
    tags = [names[i] for i in ids]
    try:
        check_iob2(tags)
    except ValueError as exc:
        return [f"{at}: rule IOB2: {exc}"]
    doc = Doc(nlp.vocab, words=tokens, spaces=[bool(s) for s in spaces])
    problems = []
    if "text" in row and "spaces" in row and row["text"] != doc.text:
        problems.append(f"{at}: tokens and spaces do not rebuild the text")
    spans, start = [], None
    for index, tag in enumerate(tags + ["O"]):
        if start is not None and not tag.startswith("I-"):
            spans.append(
                (
                    doc[start].idx,
                    doc[index - 1].idx + len(doc[index - 1]),
                    tags[start][2:],
                )
            )
            start = None
        if tag.startswith("B-"):
            start = index
    for problem in span_problems(doc.text, spans, None, None):
        problems.append(_span_line(at, spans, problem))
    return problems
