"""Span checks for Prodigy JSONL, Label Studio tasks and CoNLL files.

Each function returns ``(records checked, problems)``; a problem is one line naming
the file, the line (or task), the record and what is wrong. Shapes are those of
``exporters.prodigy``, ``exporters.labelstudio`` and ``exporters.conll``, and what
those tools write themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .doccano_input import read_jsonl, utf16_to_code_points
from .errors import InputFileError
from .tokens import check_iob2
from .validate import SpanProblem, span_problems


def _line(where: str, spans: list, problem: SpanProblem) -> str:
    if problem.index is not None:
        start, end, label = spans[problem.index]
        where += f": span {problem.index} [{start}, {end}) {label}"
    return f"{where}: rule {problem.rule}: {problem.message}"


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_prodigy(
    path: Path, nlp, labels: tuple[str, ...] | None
) -> tuple[int, list[str]]:
    count, problems = 0, []
    for number, task in read_jsonl(path):
        count += 1
        where = f"{path}:{number}"
        if not isinstance(task, dict) or not isinstance(task.get("text"), str):
            problems.append(f"{where}: rule shape: a task needs 'text'")
            continue
        meta = task.get("meta")
        if isinstance(meta, dict) and isinstance(meta.get("example_id"), str):
            where += f": record {meta['example_id']}"
        text = task["text"]
        tokens = task.get("tokens", [])
        if not isinstance(tokens, list) or not all(
            isinstance(t, dict) and _int(t.get("start")) and _int(t.get("end"))
            for t in tokens
        ):
            problems.append(f"{where}: rule shape: tokens need start and end")
            continue
        for i, token in enumerate(tokens):
            if text[token["start"] : token["end"]] != token.get("text"):
                start, end = token["start"], token["end"]
                problems.append(
                    f"{where}: token {i}: rule 2 (slice equals the value): "
                    f"text[{start}:{end}] is not {token.get('text')!r}"
                )
        spans = []
        raw_spans = task.get("spans") or []
        if not isinstance(raw_spans, list):
            problems.append(f"{where}: rule shape: spans must be a list")
            continue
        for i, span in enumerate(raw_spans):
            if not (
                isinstance(span, dict)
                and _int(span.get("start"))
                and _int(span.get("end"))
                and isinstance(span.get("label"), str)
            ):
                problems.append(
                    f"{where}: span {i}: rule shape: needs start, end, label"
                )
                continue
            spans.append((span["start"], span["end"], span["label"]))
            first, last = span.get("token_start"), span.get("token_end")
            if first is None and last is None:
                continue
            ok = (
                _int(first)
                and _int(last)
                and 0 <= first <= last < len(tokens)
                and tokens[first]["start"] == span["start"]
                and tokens[last]["end"] == span["end"]
            )
            if not ok:
                problems.append(
                    f"{where}: span {i}: rule token_end (inclusive): token_start "
                    f"{first} and token_end {last} do not cover [{span['start']}, "
                    f"{span['end']})"
                )
        doc = nlp.make_doc(text)
        problems += [
            _line(where, spans, p) for p in span_problems(text, spans, doc, labels)
        ]
    return count, problems


def check_labelstudio(
    path: Path, nlp, labels: tuple[str, ...] | None
) -> tuple[int, list[str]]:
    try:
        tasks = json.loads(path.read_text("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(
            f"not a Label Studio JSON list of tasks ({exc})", path=str(path)
        ) from None
    if not isinstance(tasks, list):
        raise InputFileError("not a JSON list of Label Studio tasks", path=str(path))
    problems = []
    for number, task in enumerate(tasks):
        where = f"{path}: task {number}"
        data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            problems.append(f"{where}: rule shape: a task needs data.text")
            continue
        if isinstance(data.get("example_id"), str):
            where += f" (record {data['example_id']})"
        text = data["text"]
        results = []
        for key in ("annotations", "predictions"):
            for block in task.get(key) or []:
                if isinstance(block, dict):
                    results.append(
                        [r for r in block.get("result") or [] if isinstance(r, dict)]
                    )
        for result in results:
            problems += _labelstudio_result(where, text, result, nlp, labels)
    return len(tasks), problems


def _labelstudio_result(where, text, result, nlp, labels) -> list[str]:
    problems = []
    spans, ids = [], [r.get("id") for r in result if r.get("type") == "labels"]
    if len(set(map(str, ids))) != len(ids):
        problems.append(f"{where}: rule ids: result ids repeat")
    for r in result:
        if r.get("type") == "relation":
            if r.get("from_id") not in ids or r.get("to_id") not in ids:
                problems.append(
                    f"{where}: rule relations: relation {r.get('labels')} points at "
                    "a result id the task does not have"
                )
            continue
        if r.get("type") != "labels":
            continue
        value = r.get("value")
        value = value if isinstance(value, dict) else {}
        start, end = value.get("start"), value.get("end")
        names = value.get("labels")
        if not (_int(start) and _int(end) and isinstance(names, list) and names):
            problems.append(
                f"{where}: result {r.get('id')}: rule shape: needs start, end, labels"
            )
            continue
        try:
            start, end = (
                utf16_to_code_points(text, start),
                utf16_to_code_points(text, end),
            )
        except ValueError as exc:
            problems.append(f"{where}: result {r.get('id')}: rule utf-16: {exc}")
            continue
        if (
            "text" in value
            and 0 <= start <= end <= len(text)
            and text[start:end] != value["text"]
        ):
            problems.append(
                f"{where}: result {r.get('id')}: rule 2 (slice equals the value): "
                f"the text at its offsets is {text[start:end]!r}, value.text is "
                f"{value['text']!r}"
            )
        spans.append((start, end, str(names[0])))
    doc = nlp.make_doc(text)
    problems += [
        _line(where, spans, p) for p in span_problems(text, spans, doc, labels)
    ]
    return problems


def check_conll(path: Path, labels: tuple[str, ...] | None) -> tuple[int, list[str]]:
    try:
        lines = path.read_text("utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"cannot be read as UTF-8 ({exc})", path=str(path)
        ) from None
    problems, documents = [], 0
    sentence: list[tuple[int, str]] = []

    def close() -> None:
        try:
            check_iob2([tag for _, tag in sentence])
        except ValueError as exc:
            problems.append(f"{path}:{sentence[0][0]}: rule IOB2: {exc}")
        if labels is not None:
            for number, tag in sentence:
                if tag != "O" and tag[2:] not in labels:
                    problems.append(f"{path}:{number}: rule label: {tag!r}")
        sentence.clear()

    for number, line in enumerate(lines, start=1):
        columns = line.rstrip("\r").split()
        if not columns:
            if sentence:
                close()
            continue
        if columns[0] == "-DOCSTART-":
            documents += 1
            continue
        if len(columns) < 2:
            problems.append(f"{path}:{number}: rule shape: a token line needs a tag")
            continue
        sentence.append((number, columns[-1]))
    if sentence:
        close()
    return documents, problems
