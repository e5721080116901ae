"""What a finance team does with each bank transaction: the rules, in one place.

``action_for`` gives the action for a transaction from its payment status (see
``matching.PaymentLedger``), its kind and what its narrative names. The first rule
that applies wins:

1. ``fee`` -> ``book_bank_fee``; ``interest`` -> ``book_interest_income``; ``tax``
   -> ``book_withholding_tax``; ``cash`` -> ``book_cash_movement``.
2. A customer payment whose narrative names none of the invoices it settles, neither
   by an invoice number nor by the purchase-order number of one of them (a contract
   number alone or only the customer's name is not enough, nor a cut mention that
   spells another entity), -> ``send_for_review``: nobody can apply it from the
   statement line alone.
3. ``over_paid`` -> ``raise_credit_note`` (the invoice is paid; the excess is owed
   back to the customer).
4. ``multi_invoice`` -> ``split_across_invoices``.
5. ``partial`` -> ``record_partial_payment`` (more instalments follow).
6. ``under_paid`` -> ``chase_open_balance`` (the last payment the invoice gets leaves
   part of it open: record it and ask the customer for the rest).
7. ``full`` -> ``mark_paid``.
"""

from __future__ import annotations

from .example import Example

ACTIONS = (
    "mark_paid",
    "record_partial_payment",
    "chase_open_balance",
    "split_across_invoices",
    "raise_credit_note",
    "send_for_review",
    "book_bank_fee",
    "book_interest_income",
    "book_withholding_tax",
    "book_cash_movement",
)

INVOICE_FIELDS = ("invoice", "invoice2", "invoice3")

BOOKING_ACTIONS = {
    "fee": "book_bank_fee",
    "interest": "book_interest_income",
    "tax": "book_withholding_tax",
    "cash": "book_cash_movement",
}

STATUS_ACTIONS = {
    "over_paid": "raise_credit_note",
    "multi_invoice": "split_across_invoices",
    "partial": "record_partial_payment",
    "under_paid": "chase_open_balance",
    "full": "mark_paid",
}

# Why each action was chosen, written into the dataset beside it.
REASONS = {
    "book_bank_fee": "bank fee: no customer, no invoice",
    "book_interest_income": "interest credited by the bank",
    "book_withholding_tax": "tax the bank withheld",
    "book_cash_movement": "cash deposit or withdrawal",
    "send_for_review": "the narrative names none of the settled invoices or their "
    "purchase orders",
    "raise_credit_note": "paid more than the invoice asks",
    "split_across_invoices": "one payment settles several invoices",
    "record_partial_payment": "an instalment; more payments follow",
    "chase_open_balance": "the invoice's last payment leaves part of it open",
    "mark_paid": "pays the invoice in full",
}


def field_of(slot: str) -> str:
    """The graph field of a slot written as ``{LABEL:field|option}``."""
    inner = slot.strip("{}")
    return inner.split(":", 1)[-1].split("|", 1)[0]


def names_settled_invoice(
    example: Example, invoice_numbers: set[str], po_numbers: set[str]
) -> bool:
    """True if a span of ``example`` names a settled invoice or its purchase order."""
    for span in example.spans:
        if "+ambiguous" in span.form:
            continue
        field = field_of(span.slot)
        if field in INVOICE_FIELDS and span.kb_id in invoice_numbers:
            return True
        if field == "po" and span.kb_id in po_numbers:
            return True
    return False


def action_for(kind: str, status: str, names_invoice: bool) -> str:
    """The action of the rules above for one transaction."""
    if kind in BOOKING_ACTIONS:
        return BOOKING_ACTIONS[kind]
    if not names_invoice:
        return "send_for_review"
    return STATUS_ACTIONS[status]
