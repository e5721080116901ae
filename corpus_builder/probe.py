"""Check at load time that every slot of every template sits on token boundaries.

Each template is rendered for a few fixed probe entities, once for every surface
form of every slot, and tokenized with the export tokenizer. A slot glued to its
neighbour (``NOREK{ACCOUNT:account}``) fails here, with its file, line and column,
before any corpus is generated.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from spacy.language import Language

from .errors import SpanInvariantError, TemplateError
from .example import Example
from .fields import FIELDS, Context
from .graph import Contract, Customer, Invoice, Transaction
from .render import Piece, assemble
from .templates import BUSINESS_TEMPLATE_KINDS, Literal, Template
from .validate import check_example
from .variants import customer_aliases, iban, with_legal_form


def _customer(cid, core, form, split_core, locale, currency, account) -> Customer:
    legal = with_legal_form(" ".join(core), form)
    return Customer(
        customer_id=cid, legal_name=legal, core_words=core, legal_form=form,
        split_core=split_core, locale=locale, country=locale[-2:], currency=currency,
        industry="probe", account=account,
        aliases=tuple(customer_aliases(legal, core, form, split_core)),
    )


def probe_contexts(kind: str, language: str) -> list[Context]:
    """Fixed contexts covering each currency style and customer name style."""
    customers = [
        _customer("CUS-00001", ("Sinar", "Bahari"), "PT", (), "id_ID", "IDR",
                  "0123456789"),
        _customer("CUS-00002", ("Alphabridge", "Solutions"), "LLC",
                  ("Alpha", "Bridge", "Solutions"), "en_US", "USD", "123456789012"),
        _customer("CUS-00003", ("Meyer", "Logistics"), "Inc.", (), "en_US", "EUR",
                  iban("DE", "500105175407324931")),
    ]
    contexts = []
    for index, customer in enumerate(customers):
        day = dt.date(2024, 2, 28)
        contract = Contract(f"CNT-2024-{index + 587}", customer.customer_id, 2024,
                            index + 587, customer.currency, "monthly",
                            dt.date(2024, 1, 1), dt.date(2024, 12, 31), 30)
        po = "PO-55810" if index != 1 else "4500123987"
        invoices = tuple(
            Invoice(f"MFG-INV-{157 + k:06d}", "MFG", 2024, 157 + k,
                    contract.contract_id, customer.customer_id, po, day,
                    day + dt.timedelta(days=30), 397985 + k * 1_250_000_000,
                    customer.currency)
            for k in range(2)
        )
        business = kind in BUSINESS_TEMPLATE_KINDS
        txn = Transaction(
            "TXN-0000001", kind if business else kind, dt.date(2024, 3, 12),
            invoices[0].amount_cents, customer.currency, "CR",
            customer.customer_id if business else None,
            tuple(i.invoice_number for i in invoices) if business else (),
        )
        if business:
            contexts.append(Context(txn, customer, invoices, contract, language))
        else:
            contexts.append(Context(txn, None, (), None, language))
    return contexts


def check_alignment(templates: list[Template], nlp: Language) -> int:
    """Raise TemplateError at the first slot that cannot sit on token boundaries.

    Returns how many probe renderings were checked.
    """
    checked = 0
    labels_of = {field: spec.label for field, spec in FIELDS.items()}
    for template in templates:
        for ctx in probe_contexts(template.kind, template.language):
            if template.currencies and ctx.txn.currency not in template.currencies:
                continue
            for forms in _variations(template, ctx):
                pieces = []
                for part, chooser in zip(template.parts, forms):
                    if isinstance(part, Literal):
                        pieces.append(Piece(part.text))
                        continue
                    surface = chooser()
                    label = part.label or None
                    kb = "probe" if labels_of[part.field] else ""
                    pieces.append(Piece(surface.text, label=label, kb_id=kb,
                                        slot=part.name, form=surface.form,
                                        is_value=True))
                try:
                    text, spans = assemble(pieces, case=template.case,
                                           record="probe", template_id=template.id)
                    example = Example("probe", text, spans, template.id)
                    check_example(example, nlp.make_doc(text))
                except SpanInvariantError as err:
                    slot = next((s for s in template.slots if s.name == err.slot),
                                None)
                    raise TemplateError(
                        f"slot {err.slot} cannot sit on token boundaries: rule "
                        f"{err.rule}: {err.detail}",
                        path=template.path,
                        line=slot.line if slot else template.line,
                        column=slot.column if slot else template.column,
                        template_id=template.id,
                    ) from None
                checked += 1
    return checked


def _variations(template: Template, ctx: Context) -> list[list[Callable]]:
    """One choice list per rendering: each slot's forms in turn, others at first form."""
    rng = random.Random(0)
    families = []
    for part in template.parts:
        if isinstance(part, Literal):
            families.append(None)
        else:
            families.append(FIELDS[part.field].forms(ctx, part.option, rng))
    renderings = []
    slot_indexes = [i for i, f in enumerate(families) if f is not None]
    base = [0] * len(families)
    plans = [list(base)]
    for i in slot_indexes:
        for k in range(1, len(families[i])):
            plan = list(base)
            plan[i] = k
            plans.append(plan)
    for plan in plans:
        renderings.append([
            (lambda fam=families[i], k=plan[i]: fam[k]) if families[i] else None
            for i in range(len(families))
        ])
    return renderings
