"""Datasets beyond NER under ``tasks/``, one JSON object per line, in corpus order.

- ``resolution.jsonl``: one line per customer, invoice, contract and purchase-order
  mention (see ``corpus_builder.resolution``).
- ``matching.jsonl``: one line per bank transaction, the invoices it settles with the
  amount applied and the balance left, and its status (see
  ``corpus_builder.matching``).
- ``actions.jsonl``: one line per bank transaction, the action a finance team takes
  and why (see ``corpus_builder.actions``).

Every line carries the ``split`` of its narrative, so the task splits are the NER
splits. Amounts are decimal strings with two places, as in the graph tables.
"""

from __future__ import annotations

from pathlib import Path

from spacy.tokens import Doc

from ..actions import REASONS, action_for, names_settled_invoice
from ..example import Example
from ..graph import Graph
from ..matching import matching_record, payment_ledger
from ..resolution import HardNegatives, resolution_records
from . import compact_json as _dumps

TASK_FILES = ("resolution.jsonl", "matching.jsonl", "actions.jsonl")


class TaskWriter:
    """Lines of a shard are gathered by ``write`` and handed on by ``take``; a writer
    with a folder appends what ``add`` gets (or what it gathered) to the files."""

    def __init__(self, folder: Path | None, graph: Graph) -> None:
        self._graph = graph
        self._ready = False
        self._lines: dict[str, list[str]] = {name: [] for name in TASK_FILES}
        self._handles = {}
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._handles = {
                name: open(folder / name, "w", encoding="utf-8", newline="\n")
                for name in TASK_FILES
            }

    def prepare(self) -> None:
        """Index the graph (done by the first ``write`` if not before)."""
        self._txns = {t.txn_id: t for t in self._graph.transactions}
        self._ledger = payment_ledger(self._graph)
        self._negatives = HardNegatives(self._graph)
        self._ready = True

    def write(self, example: Example, doc: Doc) -> None:
        if not self._ready:
            self.prepare()
        lines = self._lines
        for record in resolution_records(example, self._negatives):
            lines["resolution.jsonl"].append(_dumps(record))

        txn = self._txns[example.txn_id]
        payment = self._ledger[txn.txn_id]
        lines["matching.jsonl"].append(_dumps(matching_record(example, txn, payment)))

        numbers = set(txn.invoice_numbers)
        pos = {
            po
            for po in (self._graph.invoices[n].po_number for n in numbers)
            if po is not None
        }
        names = names_settled_invoice(example, numbers, pos)
        action = action_for(txn.kind, payment.status, names)
        lines["actions.jsonl"].append(
            _dumps(
                {
                    "txn_id": txn.txn_id,
                    "example_id": example.id,
                    "split": example.split,
                    "text": example.text,
                    "kind": txn.kind,
                    "status": payment.status,
                    "names_invoice": names,
                    "action": action,
                    "reason": REASONS[action],
                }
            )
        )

    def take(self) -> dict[str, str]:
        part = {
            name: "\n".join(lines) + "\n" if lines else ""
            for name, lines in self._lines.items()
        }
        for lines in self._lines.values():
            lines.clear()
        return part

    def add(self, part: dict[str, str]) -> None:
        for name, text in part.items():
            self._handles[name].write(text)

    def close(self) -> None:
        if self._handles:
            self.add(self.take())
        for handle in self._handles.values():
            handle.close()
