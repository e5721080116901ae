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

import json
from functools import partial
from pathlib import Path

from spacy.tokens import Doc

from ..actions import REASONS, action_for, names_settled_invoice
from ..example import Example
from ..graph import Graph
from ..matching import matching_record, payment_ledger
from ..resolution import HardNegatives, resolution_records

_dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))
TASK_FILES = ("resolution.jsonl", "matching.jsonl", "actions.jsonl")


class TaskWriter:
    def __init__(self, folder: Path, graph: Graph) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._graph = graph
        self._txns = {t.txn_id: t for t in graph.transactions}
        self._ledger = payment_ledger(graph)
        self._negatives = HardNegatives(graph)
        self._handles = {
            name: open(folder / name, "w", encoding="utf-8", newline="\n")
            for name in TASK_FILES
        }

    def write(self, example: Example, doc: Doc) -> None:
        for record in resolution_records(example, self._negatives):
            self._handles["resolution.jsonl"].write(_dumps(record) + "\n")

        txn = self._txns[example.txn_id]
        payment = self._ledger[txn.txn_id]
        self._handles["matching.jsonl"].write(
            _dumps(matching_record(example, txn, payment)) + "\n"
        )

        numbers = set(txn.invoice_numbers)
        pos = {
            po
            for po in (self._graph.invoices[n].po_number for n in numbers)
            if po is not None
        }
        names = names_settled_invoice(example, numbers, pos)
        action = action_for(txn.kind, payment.status, names)
        self._handles["actions.jsonl"].write(
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
            + "\n"
        )

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
