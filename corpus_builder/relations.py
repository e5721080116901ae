"""Relations between the spans of one narrative, read off the entity graph.

Each span stands for a graph entity through its slot's field and its ``kb_id``: an
``{AMOUNT:amount}`` span is the payment (the transaction ``kb_id``), an
``{INVOICE:invoice2}`` span an invoice, a ``{DATE:due_date}`` span that invoice's due
date. Two spans are related only when the graph says so; the relation is never
guessed from the text or from the order of the spans.

Types, as ``type: from -> to (when it holds)``:

- ``pays``: payment (the amount) -> invoice (the transaction settles the invoice)
- ``paid_by``: payment -> customer (the customer made the transaction)
- ``billed_to``: invoice -> customer (the invoice is the customer's)
- ``under_contract``: invoice or purchase order -> contract (it belongs to it)
- ``authorised_by``: invoice -> purchase order (the invoice names that PO)
- ``contract_with``: contract -> customer (the contract is the customer's)
- ``account_of``: account -> customer (the account is the customer's)
- ``currency_of``, ``value_date_of``: currency, value date -> payment (same
  transaction)
- ``issue_date_of``, ``due_date_of``, ``billing_period_of``: date -> invoice (that
  invoice's issue date, due date or billing month)
"""

from __future__ import annotations

from typing import Callable

from .example import Example, Span
from .graph import Graph

# What a slot's field stands for in the graph.
ENTITY_OF_FIELD = {
    "customer": "customer",
    "invoice": "invoice",
    "invoice2": "invoice",
    "invoice3": "invoice",
    "contract": "contract",
    "po": "purchase_order",
    "amount": "payment",
    "currency": "currency",
    "date": "value_date",
    "account": "account",
    "invoice_date": "issue_date",
    "due_date": "due_date",
    "period": "billing_period",
}

Holds = Callable[[Graph, dict, str, str], bool]


def _same(graph: Graph, txns: dict, a: str, b: str) -> bool:
    return a == b


RULES: tuple[tuple[str, str, str, Holds], ...] = (
    (
        "pays",
        "payment",
        "invoice",
        lambda g, t, a, b: a in t and b in t[a].invoice_numbers,
    ),
    (
        "paid_by",
        "payment",
        "customer",
        lambda g, t, a, b: a in t and t[a].customer_id == b,
    ),
    (
        "billed_to",
        "invoice",
        "customer",
        lambda g, t, a, b: a in g.invoices and g.invoices[a].customer_id == b,
    ),
    (
        "under_contract",
        "invoice",
        "contract",
        lambda g, t, a, b: a in g.invoices and g.invoices[a].contract_id == b,
    ),
    (
        "under_contract",
        "purchase_order",
        "contract",
        lambda g, t, a, b: (
            a in g.purchase_orders and g.purchase_orders[a].contract_id == b
        ),
    ),
    (
        "authorised_by",
        "invoice",
        "purchase_order",
        lambda g, t, a, b: a in g.invoices and g.invoices[a].po_number == b,
    ),
    (
        "contract_with",
        "contract",
        "customer",
        lambda g, t, a, b: a in g.contracts and g.contracts[a].customer_id == b,
    ),
    ("account_of", "account", "customer", _same),
    ("currency_of", "currency", "payment", _same),
    ("value_date_of", "value_date", "payment", _same),
    ("issue_date_of", "issue_date", "invoice", _same),
    ("due_date_of", "due_date", "invoice", _same),
    ("billing_period_of", "billing_period", "invoice", _same),
)

RELATION_TYPES: tuple[str, ...] = tuple(dict.fromkeys(rule[0] for rule in RULES))


def slot_field(slot: str) -> str:
    """The field of a slot written as ``{LABEL:field|option}`` (or a bare field)."""
    inner = slot.strip("{}").split("|", 1)[0]
    return inner.rsplit(":", 1)[-1]


def entity_of(span: Span) -> str | None:
    """What the span stands for in the graph, or None for a span without a slot."""
    return ENTITY_OF_FIELD.get(slot_field(span.slot)) if span.slot else None


class RelationFinder:
    """Finds the graph's relations between the spans of each example."""

    def __init__(self, graph: Graph) -> None:
        self._graph = graph
        self._txns = {t.txn_id: t for t in graph.transactions}
        self._rules: dict[tuple[str, str], list[tuple[str, Holds]]] = {}
        for name, head, tail, holds in RULES:
            self._rules.setdefault((head, tail), []).append((name, holds))
        self._last: tuple[Example | None, list[tuple[int, int, str]]] = (None, [])
        self._kinds: dict[str, str | None] = {}

    def relations(self, example: Example) -> list[tuple[int, int, str]]:
        """``(from_index, to_index, type)`` over ``example.spans``, in span order."""
        if self._last[0] is example:  # several writers ask about the same example
            return self._last[1]
        typed = []
        for index, span in enumerate(example.spans):
            if span.slot not in self._kinds:
                self._kinds[span.slot] = entity_of(span)
            kind = self._kinds[span.slot]
            if kind is not None:
                typed.append((index, kind, span.kb_id))
        found = []
        for i, head_kind, head in typed:
            for j, tail_kind, tail in typed:
                if i == j:
                    continue
                for name, holds in self._rules.get((head_kind, tail_kind), ()):
                    if holds(self._graph, self._txns, head, tail):
                        found.append((i, j, name))
        self._last = (example, found)
        return found
