"""Scores of the resolution and matching baselines on an export's ``tasks/`` files.

Both functions read a build's export folder and return plain dicts of numbers; the
CLI prints them. A missing or malformed file raises EvaluationError naming it.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Iterator

from .errors import EvaluationError
from .matching import BaselineMatcher, OpenInvoice, text_to_cents
from .resolution import resolve_mention

SPLITS = ("train", "validation", "test")


EXPORT_HINT = (
    "pass the folder a `corpus-builder build` wrote with the graph and tasks "
    "exports (both are in the default `exports`)"
)


def read_jsonl(
    path: Path, required: tuple[str, ...], *, hint: str = EXPORT_HINT
) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` per non-blank line; each must have ``required``."""
    if not path.is_file():
        raise EvaluationError(f"no such file; {hint}", path=str(path))
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise EvaluationError(
                    f"not a JSON object ({exc.msg}); each line must be one",
                    path=str(path),
                    line=number,
                ) from None
            if not isinstance(record, dict):
                raise EvaluationError(
                    "not a JSON object; each line must be one",
                    path=str(path),
                    line=number,
                )
            missing = [key for key in required if key not in record]
            if missing:
                raise EvaluationError(
                    f"missing key(s) {', '.join(missing)}",
                    path=str(path),
                    line=number,
                )
            yield number, record


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise EvaluationError(f"no such file; {EXPORT_HINT}", path=str(path))
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _in_split(record: dict, split: str) -> bool:
    return split == "all" or record.get("split") == split


def _check_split(split: str) -> None:
    if split not in (*SPLITS, "all"):
        raise EvaluationError(
            f"unknown split {split!r}; use one of {', '.join(SPLITS)} or all",
            path="--split",
        )


def evaluate_resolution(*, export: Path, split: str = "test") -> dict[str, Any]:
    """Top-1 accuracy of ``resolve_mention`` over the split's resolution records."""
    _check_split(split)
    path = export / "tasks" / "resolution.jsonl"
    right: dict[str, Counter] = defaultdict(Counter)
    seen: dict[str, Counter] = defaultdict(Counter)
    keys = ("entity_type", "mention", "gold", "candidates", "family", "noise")
    for number, record in read_jsonl(path, keys):
        if not _in_split(record, split):
            continue
        try:
            picked = resolve_mention(
                record["entity_type"], str(record["mention"]), record["candidates"]
            )
        except (KeyError, TypeError, AttributeError):
            raise EvaluationError(
                "`candidates` must be a list of objects with `id` and `name`",
                path=str(path),
                line=number,
            ) from None
        hit = picked == record["gold"]
        for table, key in (
            ("all", "all"),
            ("entity_type", record["entity_type"]),
            ("family", f"{record['entity_type']}:{record['family']}"),
            ("noise", record["noise"]),
        ):
            seen[table][key] += 1
            right[table][key] += hit
    return {
        table: {
            key: {
                "n": seen[table][key],
                "accuracy": right[table][key] / seen[table][key],
            }
            for key in sorted(seen[table])
        }
        for table in ("all", "entity_type", "family", "noise")
    } | {"split": split}


def evaluate_matching(*, export: Path, split: str = "test") -> dict[str, Any]:
    """Link precision and recall of ``BaselineMatcher`` on the split.

    The matcher walks every transaction of the export in value-date order, as a
    finance team would (its open balances depend on earlier payments); only the
    split's transactions are scored. A link is a (transaction, invoice) pair;
    ``amount_accuracy`` is the share of right links whose applied amount is right,
    ``status_accuracy`` the share of transactions whose predicted status, from the
    predicted links and the amount, is the gold one.
    """
    _check_split(split)
    graph = export / "graph"
    invoices = []
    path = graph / "invoices.csv"
    for number, row in enumerate(read_csv(path), start=2):
        try:
            invoices.append(
                OpenInvoice(
                    number=row["invoice_number"],
                    customer_id=row["customer_id"],
                    contract_id=row["contract_id"],
                    po_number=row["po_number"],
                    issue_date=dt.date.fromisoformat(row["issue_date"]),
                    currency=row["currency"],
                    amount_cents=text_to_cents(row["amount"]),
                    open_cents=text_to_cents(row["amount"]),
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EvaluationError(
                "not an invoices table row as a build writes it (see the graph "
                "tables in the README)",
                path=str(path),
                line=number,
            ) from None
    path = graph / "customers.csv"
    rows = read_csv(path)
    if rows and not {"customer_id", "legal_name"} <= set(rows[0]):
        raise EvaluationError(
            "needs customer_id and legal_name columns", path=str(path)
        )
    names = {row["customer_id"]: row["legal_name"] for row in rows}
    matcher = BaselineMatcher(invoices, names)
    keys = ("txn_id", "text", "value_date", "amount", "currency", "direction")
    keys += ("status", "settles")
    path = export / "tasks" / "matching.jsonl"
    rows = []
    for number, r in read_jsonl(path, keys):
        try:
            r["amount"] = text_to_cents(r["amount"])
            r["value_date"] = dt.date.fromisoformat(r["value_date"])
            r["settles"] = {
                s["invoice_number"]: text_to_cents(s["amount_applied"])
                for s in r["settles"]
            }
        except (KeyError, TypeError, ValueError, AttributeError):
            raise EvaluationError(
                "`amount` must be a decimal string, `value_date` an ISO date and "
                "`settles` a list of objects with `invoice_number` and "
                "`amount_applied`",
                path=str(path),
                line=number,
            ) from None
        rows.append(r)
    rows.sort(key=lambda r: (r["value_date"], r["txn_id"]))

    counts = Counter()
    per_status: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        links, status = matcher.match(
            row["text"],
            row["amount"],
            row["currency"],
            row["direction"],
            row["value_date"],
        )
        predicted = dict(links)
        if not _in_split(row, split):
            continue
        gold = row["settles"]
        right = set(predicted) & set(gold)
        counts["transactions"] += 1
        counts["gold_links"] += len(gold)
        counts["predicted_links"] += len(predicted)
        counts["right_links"] += len(right)
        counts["right_amounts"] += sum(predicted[n] == gold[n] for n in right)
        exact = predicted == gold
        counts["exact"] += exact
        counts["right_status"] += status == row["status"]
        per = per_status[row["status"]]
        per["transactions"] += 1
        per["gold_links"] += len(gold)
        per["predicted_links"] += len(predicted)
        per["right_links"] += len(right)
        per["exact"] += exact
    return {
        "split": split,
        "all": _link_scores(counts)
        | {
            "amount_accuracy": _ratio(counts["right_amounts"], counts["right_links"]),
            "status_accuracy": _ratio(counts["right_status"], counts["transactions"]),
        },
        "status": {s: _link_scores(per_status[s]) for s in sorted(per_status)},
    }


def _ratio(a: int, b: int) -> float | None:
    """``a / b``, or None when ``b`` is 0 (nothing to score)."""
    return a / b if b else None


def _link_scores(c: Counter) -> dict[str, float | int | None]:
    p = _ratio(c["right_links"], c["predicted_links"])
    r = _ratio(c["right_links"], c["gold_links"])
    return {
        "transactions": c["transactions"],
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r)
        if p is not None and r is not None and p + r
        else None,
        "exact": _ratio(c["exact"], c["transactions"]),
    }
