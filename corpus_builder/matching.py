"""Payment matching: which invoices each bank transaction settles, for how much.

``payment_ledger`` derives each transaction's status from the graph's settlements
and amounts, in value-date order:

- ``no_invoice``: settles nothing (bank fees, interest, tax, cash).
- ``over_paid``: pays more than the invoices it settles ask.
- ``multi_invoice``: settles two or three invoices in full.
- ``partial``: one payment of an invoice paid in several; the last one counts only
  if it closes the invoice.
- ``under_paid``: the last payment an invoice gets, leaving part of it open.
- ``full``: the one payment of an invoice, for its whole amount.

TODO(#5): the graph has no reversals (a returned payment) and no unmatched customer
payments (money from a customer with no open invoice), so those statuses never occur.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from dataclasses import dataclass

from rapidfuzz import fuzz

from .graph import Graph

STATUSES = (
    "full",
    "partial",
    "under_paid",
    "multi_invoice",
    "over_paid",
    "no_invoice",
)


def cents_to_text(cents: int) -> str:
    """Cents as the decimal string the graph tables use (``1234.50``)."""
    return f"{cents // 100}.{cents % 100:02d}"


def text_to_cents(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


@dataclass(frozen=True)
class Applied:
    invoice_number: str
    applied_cents: int
    balance_after_cents: int  # what is still open on the invoice after this payment


@dataclass(frozen=True)
class Payment:
    txn_id: str
    status: str
    applied: tuple[Applied, ...]


def payment_ledger(graph: Graph) -> dict[str, Payment]:
    """The status and applied amounts of every transaction of ``graph``."""
    by_txn: dict[str, list] = defaultdict(list)
    payments_of: dict[str, list[str]] = defaultdict(list)
    for settlement in graph.settlements:
        by_txn[settlement.txn_id].append(settlement)
        payments_of[settlement.invoice_number].append(settlement.txn_id)
    paid: dict[str, int] = defaultdict(int)
    ledger = {}
    for txn in sorted(graph.transactions, key=lambda t: (t.value_date, t.txn_id)):
        applied = []
        for settlement in by_txn[txn.txn_id]:
            number = settlement.invoice_number
            paid[number] += settlement.applied_cents
            open_cents = graph.invoices[number].amount_cents - paid[number]
            applied.append(Applied(number, settlement.applied_cents, open_cents))
        ledger[txn.txn_id] = Payment(
            txn.txn_id,
            _status(txn.txn_id, txn.amount_cents, applied, payments_of),
            tuple(applied),
        )
    return ledger


def _status(
    txn_id: str, amount: int, applied: list[Applied], payments_of: dict[str, list[str]]
) -> str:
    if not applied:
        return "no_invoice"
    if amount > sum(a.applied_cents for a in applied):
        return "over_paid"
    if len(applied) > 1:
        return "multi_invoice"
    only = applied[0]
    # Settlements are listed in value-date order, so the last one is the last payment.
    payments = payments_of[only.invoice_number]
    if len(payments) == 1 and only.balance_after_cents == 0:
        return "full"
    if only.balance_after_cents > 0 and payments[-1] == txn_id:
        return "under_paid"
    return "partial"


def matching_record(example, txn, payment: Payment) -> dict:
    """One line of ``tasks/matching.jsonl``."""
    return {
        "txn_id": txn.txn_id,
        "example_id": example.id,
        "split": example.split,
        "text": example.text,
        "value_date": txn.value_date.isoformat(),
        "amount": cents_to_text(txn.amount_cents),
        "currency": txn.currency,
        "direction": txn.direction,
        "customer_id": txn.customer_id,
        "status": payment.status,
        "settles": [
            {
                "invoice_number": a.invoice_number,
                "amount_applied": cents_to_text(a.applied_cents),
                "balance_after": cents_to_text(a.balance_after_cents),
            }
            for a in payment.applied
        ],
    }


# The baseline matcher --------------------------------------------------------------

_OCR_DIGITS = str.maketrans("OISB", "0158")
_NUMBER = re.compile(r"[0-9OISB]*[0-9][0-9OISB]*")
_CONTRACT = re.compile(r"(20\d\d)\D{0,3}(\d{3,5})(?!\d)")
# Amounts (12.500.000, 3,979.85, 485.85) and dates (28/02/2024, 2024-02-28), whose
# digits are not references.
_AMOUNT_OR_DATE = re.compile(
    r"\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d+[.,]\d{2}(?!\d)"
    r"|\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{2}-\d{2}"
)


def number_runs(upper: str) -> list[str]:
    """Runs of digits in upper-cased text, ``O``, ``I``, ``S``, ``B`` inside a run
    read as the digits they are often mistaken for (``OO157`` -> ``00157``)."""
    return [m.group().translate(_OCR_DIGITS) for m in _NUMBER.finditer(upper)]


@dataclass
class OpenInvoice:
    number: str
    customer_id: str
    contract_id: str
    po_number: str
    issue_date: dt.date
    currency: str
    amount_cents: int
    open_cents: int


class BaselineMatcher:
    """Matches a transaction to open invoices from its narrative and its amount.

    It reads only what a finance team has: the invoice ledger (``invoices.csv``),
    the customer master (``customers.csv``, legal names) and, per transaction, the
    narrative, amount, currency, direction and value date. It walks transactions in
    value-date order and keeps its own open balances:

    1. A debit settles nothing.
    2. Numbers in the narrative, amounts and dates left out (and ``O/I/S/B`` OCR
       slips inside a number undone), are looked up as invoice sequence numbers,
       purchase-order numbers and contract numbers; the candidates are the open
       invoices of the transaction's currency issued before its value date,
       invoice numbers first, at most six.
    3. Without a candidate, the open invoices whose balance equals the amount are
       candidates, ranked by how well their customer's legal name matches the text
       (rapidfuzz ``partial_ratio`` >= 80).
    4. One to three candidates whose balances add up to the amount are paid in
       full; else the candidates plus one or two other open invoices of the first
       candidate's customer that make the amount exactly; else a candidate with
       more open than the amount gets a part payment; else all candidates are paid
       in full and the rest is over-payment.
    """

    def __init__(self, invoices: list[OpenInvoice], legal_names: dict[str, str]):
        self.invoices = {i.number: i for i in invoices}
        self.legal_names = {cid: name.upper() for cid, name in legal_names.items()}
        self.by_seq: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_po: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_contract: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], list[OpenInvoice]] = defaultdict(list)
        self.by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
        for invoice in invoices:
            runs = re.findall(r"\d+", invoice.number)
            if runs:
                self.by_seq[int(runs[-1])].append(invoice)
            digits = re.sub(r"\D", "", invoice.po_number)
            if digits:
                self.by_po[int(digits)].append(invoice)
            self.by_contract[invoice.contract_id].append(invoice)
            self.by_amount[(invoice.currency, invoice.open_cents)].append(invoice)
            self.by_customer[invoice.customer_id].append(invoice)

    def match(
        self, text: str, amount: int, currency: str, direction: str, day: dt.date
    ) -> tuple[list[tuple[str, int]], str]:
        """``(invoice_number, applied_cents)`` pairs and the status they imply.

        The matcher's open balances are updated with the pairs.
        """
        if direction != "CR":
            return [], "no_invoice"

        def usable(invoice: OpenInvoice) -> bool:
            return (
                invoice.currency == currency
                and invoice.issue_date < day
                and invoice.open_cents > 0
            )

        upper = text.upper()
        masked = _AMOUNT_OR_DATE.sub(" ", upper)
        numbers = [int(run) for run in number_runs(masked) if len(run) >= 3]
        direct = _unique(
            i for n in numbers for i in self.by_seq.get(n, ()) if usable(i)
        )
        linked = _unique(
            [i for n in numbers for i in self.by_po.get(n, ()) if usable(i)]
            + [
                i
                for y, s in _CONTRACT.findall(upper)
                for i in self.by_contract.get(f"CNT-{y}-{s}", ())
                if usable(i)
            ]
        )
        candidates = direct or linked
        if not candidates:
            candidates = self._by_name(upper, amount, currency, usable)
        candidates = candidates[:6]
        chosen = _settle(candidates, amount, exact_only=True)
        if not chosen and candidates:
            chosen = self._complete(candidates, amount, usable)
        if not chosen:
            chosen = _settle(candidates, amount)
        status = _predicted_status(amount, chosen, self.invoices)
        for number, cents in chosen:
            self.invoices[number].open_cents -= cents
        return chosen, status

    def _complete(self, named: list[OpenInvoice], amount: int, usable) -> list:
        """Named invoices plus one or two other open invoices of their customer
        that together make the amount exactly (a payment naming only some of the
        invoices it settles)."""
        customer = named[0].customer_id
        known = {i.number for i in named}
        others = [
            i for i in self.by_customer[customer] if usable(i) and i.number not in known
        ][:12]
        for size in (1, 2):
            for group in itertools.combinations(others, size):
                total = sum(i.open_cents for i in (*named, *group))
                if total == amount:
                    return [(i.number, i.open_cents) for i in (*named, *group)]
        return []

    def _by_name(self, upper: str, amount: int, currency: str, usable) -> list:
        scored = []
        for invoice in self.by_amount.get((currency, amount), ()):
            if not usable(invoice) or invoice.open_cents != amount:
                continue
            name = self.legal_names.get(invoice.customer_id, "")
            score = fuzz.partial_ratio(name, upper)
            if score >= 80:
                scored.append((-score, invoice.issue_date, invoice.number, invoice))
        return [row[-1] for row in sorted(scored)]


def _unique(invoices) -> list[OpenInvoice]:
    seen: dict[str, OpenInvoice] = {}
    for invoice in invoices:
        seen.setdefault(invoice.number, invoice)
    return list(seen.values())


def _settle(
    candidates: list[OpenInvoice], amount: int, *, exact_only: bool = False
) -> list[tuple[str, int]]:
    for size in (1, 2, 3):
        for group in itertools.combinations(candidates, size):
            if sum(i.open_cents for i in group) == amount:
                return [(i.number, i.open_cents) for i in group]
    if exact_only or not candidates:
        return []
    larger = [i for i in candidates if i.open_cents > amount]
    if larger:
        return [(larger[0].number, amount)]
    return [(i.number, i.open_cents) for i in candidates]


def _predicted_status(
    amount: int, chosen: list[tuple[str, int]], invoices: dict[str, OpenInvoice]
) -> str:
    """The status of ``chosen``, before the balances are updated.

    A part payment that leaves a balance is ``partial``: whether more will come is
    not known when it arrives, so ``under_paid`` is never predicted.
    """
    if not chosen:
        return "no_invoice"
    if amount > sum(cents for _, cents in chosen):
        return "over_paid"
    if len(chosen) > 1:
        return "multi_invoice"
    number, cents = chosen[0]
    invoice = invoices[number]
    if cents == invoice.open_cents == invoice.amount_cents:
        return "full"
    return "partial"
