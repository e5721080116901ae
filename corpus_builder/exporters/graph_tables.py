"""The entity graph as CSV tables under ``graph/`` (UTF-8, comma, ``\\n`` line ends).

- ``customers.csv``: customer_id, legal_name, locale, country, currency, industry,
  account
- ``customer_aliases.csv``: customer_id, alias, form (every alias narratives use)
- ``ambiguous_aliases.csv``: alias, customer_ids (``;``-joined), legal_name_of (the
  customer whose legal name it is, if any); such aliases are never rendered, except
  as that customer's legal name
- ``contracts.csv``: contract_id, customer_id, currency, billing_schedule,
  start_date, end_date, payment_terms_days
- ``purchase_orders.csv``: po_number, customer_id, contract_id
- ``invoices.csv``: invoice_number, contract_id, customer_id, po_number, issue_date,
  due_date, amount, currency
- ``transactions.csv``: txn_id, kind, value_date, amount, currency, direction,
  customer_id, part, parts, example_id, split, template_id, narrative
- ``settlements.csv``: txn_id, invoice_number, amount_applied

Amounts are decimal strings with two places; dates are ISO 8601.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Iterable

from spacy.tokens import Doc

from ..example import Example
from ..graph import Graph


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _write(path: Path, header: list[str], rows: Iterable[list]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_graph_tables(graph: Graph, folder: Path) -> None:
    """Write every table but ``transactions.csv`` (see TransactionWriter)."""
    folder.mkdir(parents=True, exist_ok=True)
    customers = list(graph.customers.values())
    _write(
        folder / "customers.csv",
        [
            "customer_id",
            "legal_name",
            "locale",
            "country",
            "currency",
            "industry",
            "account",
        ],
        (
            [
                c.customer_id,
                c.legal_name,
                c.locale,
                c.country,
                c.currency,
                c.industry,
                c.account,
            ]
            for c in customers
        ),
    )
    _write(
        folder / "customer_aliases.csv",
        ["customer_id", "alias", "form"],
        ([c.customer_id, a.text, a.form] for c in customers for a in c.aliases),
    )
    _write(
        folder / "ambiguous_aliases.csv",
        ["alias", "customer_ids"],
        ([alias, ";".join(ids)] for alias, ids in graph.ambiguous_aliases.items()),
    )
    _write(
        folder / "contracts.csv",
        [
            "contract_id",
            "customer_id",
            "currency",
            "billing_schedule",
            "start_date",
            "end_date",
            "payment_terms_days",
        ],
        (
            [
                c.contract_id,
                c.customer_id,
                c.currency,
                c.billing_schedule,
                c.start_date.isoformat(),
                c.end_date.isoformat(),
                c.payment_terms_days,
            ]
            for c in graph.contracts.values()
        ),
    )
    _write(
        folder / "purchase_orders.csv",
        ["po_number", "customer_id", "contract_id"],
        (
            [p.po_number, p.customer_id, p.contract_id]
            for p in graph.purchase_orders.values()
        ),
    )
    _write(
        folder / "invoices.csv",
        [
            "invoice_number",
            "contract_id",
            "customer_id",
            "po_number",
            "issue_date",
            "due_date",
            "amount",
            "currency",
        ],
        (
            [
                i.invoice_number,
                i.contract_id,
                i.customer_id,
                i.po_number or "",
                i.issue_date.isoformat(),
                i.due_date.isoformat(),
                _money(i.amount_cents),
                i.currency,
            ]
            for i in graph.invoices.values()
        ),
    )
    _write(
        folder / "settlements.csv",
        ["txn_id", "invoice_number", "amount_applied"],
        (
            [s.txn_id, s.invoice_number, _money(s.applied_cents)]
            for s in graph.settlements
        ),
    )


class TransactionWriter:
    """Writes ``transactions.csv`` as the narratives are rendered, one row each."""

    HEADER = [
        "txn_id",
        "kind",
        "value_date",
        "amount",
        "currency",
        "direction",
        "customer_id",
        "part",
        "parts",
        "example_id",
        "split",
        "template_id",
        "narrative",
    ]

    def __init__(self, folder: Path | None, graph: Graph) -> None:
        self._graph = graph
        self._txns: dict | None = None
        self._rows = io.StringIO()
        self._writer = csv.writer(self._rows, lineterminator="\n")
        self._handle = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._handle = open(
                folder / "transactions.csv", "w", encoding="utf-8", newline=""
            )
            csv.writer(self._handle, lineterminator="\n").writerow(self.HEADER)

    def prepare(self) -> None:
        """Index the graph (done by the first ``write`` if not before)."""
        self._txns = {t.txn_id: t for t in self._graph.transactions}

    def write(self, example: Example, doc: Doc) -> None:
        if self._txns is None:
            self.prepare()
        t = self._txns[example.txn_id]
        self._writer.writerow(
            [
                t.txn_id,
                t.kind,
                t.value_date.isoformat(),
                _money(t.amount_cents),
                t.currency,
                t.direction,
                t.customer_id or "",
                t.part,
                t.parts,
                example.id,
                example.split,
                example.template_id,
                example.text,
            ]
        )

    def take(self) -> str:
        rows = self._rows.getvalue()
        self._rows.seek(0)
        self._rows.truncate()
        return rows

    def add(self, part: str) -> None:
        self._handle.write(part)

    def close(self) -> None:
        if self._handle is not None:
            self.add(self.take())
            self._handle.close()
