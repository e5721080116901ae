"""Evaluation results as Markdown tables (for stdout) and as JSON files."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import EvaluationError


def write_json(result: dict[str, Any], path: Path) -> None:
    """Write ``result`` to ``path`` whole or not at all."""
    staged = path.with_name(f".{path.name}.partial")
    try:
        staged.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        os.replace(staged, path)
    except OSError as exc:
        if staged.parent.is_dir():
            staged.unlink(missing_ok=True)
        raise EvaluationError(
            f"cannot write the scores ({exc.strerror}); choose another --json",
            path=str(path),
        ) from None


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def resolution_report(result: dict[str, Any]) -> str:
    out = [f"Entity resolution, rapidfuzz baseline, split {result['split']}\n"]
    for table, title in (
        ("entity_type", "entity type"),
        ("noise", "noise"),
        ("family", "surface-form family"),
    ):
        rows = [[k, str(v["n"]), _num(v["accuracy"])] for k, v in result[table].items()]
        everything = result["all"].get("all")
        if everything:
            rows.append(["all", str(everything["n"]), _num(everything["accuracy"])])
        out.append(_table([title, "mentions", "accuracy"], rows))
    return "\n".join(out)


def matching_report(result: dict[str, Any]) -> str:
    header = ["status", "transactions", "precision", "recall", "F1", "exact"]

    def row(name: str, s: dict[str, Any]) -> list[str]:
        return [
            name,
            str(s["transactions"]),
            _num(s["precision"]),
            _num(s["recall"]),
            _num(s["f1"]),
            _num(s["exact"]),
        ]

    rows = [row(k, v) for k, v in result["status"].items()]
    rows.append(row("all", result["all"]))
    a = result["all"]
    return (
        f"Payment matching, baseline matcher, split {result['split']}\n\n"
        + _table(header, rows)
        + f"\namount right on right links {_num(a['amount_accuracy'])}; "
        f"status right {_num(a['status_accuracy'])}\n"
    )


def ner_report(result: dict[str, Any]) -> str:
    header = ["label", "strict P", "strict R", "strict F1", "partial P"]
    header += ["partial R", "partial F1"]

    def rows_of(scores: dict[str, Any]) -> list[list[str]]:
        rows = []
        for label, s in sorted(scores.items(), key=lambda kv: kv[0] == "all"):
            st, pa = s["strict"], s["partial"]
            rows.append(
                [label]
                + [_num(st[k]) for k in ("precision", "recall", "f1")]
                + [_num(pa[k]) for k in ("precision", "recall", "f1")]
            )
        return rows

    out = [
        f"NER, {result['documents']} narratives, "
        f"{result['invalid_tags']} invalid I- tags read as O\n",
        _table(header, rows_of(result["scores"])),
    ]
    recall_header = ["strict R", "partial R", "recovered"]
    for key, title in (
        ("recovery", "label"),
        ("noise", "noise"),
        ("family", "surface-form family"),
    ):
        rows = [
            [k, str(v["gold"]), _num(v["strict_recall"])]
            + [_num(v["partial_recall"]), _num(v["recovered"])]
            for k, v in result[key].items()
        ]
        out.append(_table([title, "gold", *recall_header], rows))
    for group in ("channel", "language"):
        rows = []
        for value, scores in result[group].items():
            st, pa = scores["all"]["strict"], scores["all"]["partial"]
            rows.append([value, str(st["gold"]), _num(st["f1"]), _num(pa["f1"])])
        out.append(_table([group, "gold", "strict F1", "partial F1"], rows))
    return "\n".join(out)
