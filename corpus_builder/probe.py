"""Check at load time that every slot of every template sits on token boundaries.

Each template is rendered for a few fixed probe entities, once for every surface
form of every slot, and tokenized with the export tokenizer. A slot glued to its
neighbour (``NOREK{ACCOUNT:account}``) fails here, with its file, line and column,
before any corpus is generated.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
from dataclasses import replace
from typing import Any

from spacy.language import Language

from .errors import SpanInvariantError, TemplateError
from .example import Example
from .fields import Context
from .graph import Contract, Customer, Invoice, Transaction
from .locales import INVOICE_SERIES
from .render import Piece, assemble, last_word, leading_word, slot_family
from .templates import (
    BUSINESS_TEMPLATE_KINDS,
    Choice,
    Literal,
    Slot,
    Template,
    resolve_choices,
)
from .validate import check_example
from .variants import customer_aliases, iban, with_legal_form


def _customer(cid, core, form, split_core, locale, currency, account) -> Customer:
    legal = with_legal_form(" ".join(core), form)
    return Customer(
        customer_id=cid,
        legal_name=legal,
        core_words=core,
        legal_form=form,
        split_core=split_core,
        locale=locale,
        country=locale[-2:],
        currency=currency,
        industry="probe",
        account=account,
        aliases=tuple(customer_aliases(legal, core, form, split_core)),
    )


def probe_contexts(kind: str, language: str) -> list[Context]:
    """Fixed contexts covering each currency style and customer name style."""
    customers = [
        _customer(
            "CUS-00001", ("Sinar", "Bahari"), "PT", (), "id_ID", "IDR", "0123456789"
        ),
        _customer(
            "CUS-00002",
            ("Alphabridge", "Solutions"),
            "LLC",
            ("Alpha", "Bridge", "Solutions"),
            "en_US",
            "USD",
            "123456789012",
        ),
        _customer(
            "CUS-00003",
            ("Meyer", "Logistics"),
            "Inc.",
            (),
            "en_US",
            "EUR",
            iban("DE", "500105175407324931"),
        ),
    ]
    contexts = []
    for index, customer in enumerate(customers):
        day = dt.date(2024, 2, 28)
        contract = Contract(
            f"CNT-2024-{index + 587}",
            customer.customer_id,
            2024,
            index + 587,
            customer.currency,
            "monthly",
            dt.date(2024, 1, 1),
            dt.date(2024, 12, 31),
            30,
        )
        po = "PO-55810" if index != 1 else "4500123987"
        invoices = tuple(
            Invoice(
                f"MFG-INV-{157 + k:06d}",
                "MFG",
                2024,
                157 + k,
                contract.contract_id,
                customer.customer_id,
                po,
                day,
                day + dt.timedelta(days=30),
                397985 + k * 1_250_000_000,
                customer.currency,
            )
            for k in range(3)
        )
        business = kind in BUSINESS_TEMPLATE_KINDS
        txn = Transaction(
            "TXN-0000001",
            kind if business else kind,
            dt.date(2024, 3, 12),
            invoices[0].amount_cents,
            customer.currency,
            "CR",
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

    Every alternative of every ``{~...}`` choice and every surface form of every slot
    is rendered at least once. Returns how many probe renderings were checked.
    """
    checked = 0
    for template in templates:
        key = (template, nlp.lang)
        if key in _CHECKED:
            checked += _CHECKED[key]
            continue
        before = checked
        for parts in _choice_variations(template):
            check_prefixes(template, parts)
            for ctx in probe_contexts(template.kind, template.language):
                if template.currencies and ctx.txn.currency not in template.currencies:
                    continue
                for pieces in _slot_variations(parts, ctx, template.case):
                    _check_rendering(template, pieces, nlp)
                    checked += 1
        _CHECKED[key] = checked - before
    return checked


# Templates are immutable values; one that passed for a language passes again.
_CHECKED: dict[tuple[Template, str], int] = {}


class AlignmentCheck:
    """``check_alignment`` run in a forked process while this one goes on.

    ``wait()`` blocks until it is done and raises its TemplateError, if any. Where
    ``fork`` is not available, or every template was checked before in this
    process, the check runs here, at once.
    """

    def __init__(self, templates: list[Template], nlp: Language) -> None:
        self._templates, self._lang = templates, nlp.lang
        self._nlp = nlp
        self._process = None
        if all((t, nlp.lang) in _CHECKED for t in templates) or (
            "fork" not in multiprocessing.get_all_start_methods()
        ):
            check_alignment(templates, nlp)
            return
        from .shards import _start_worker

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        parent = os.getpid()

        def child() -> None:
            _start_worker(parent)
            try:
                check_alignment(templates, nlp)
                reply: Any = [_CHECKED[(t, nlp.lang)] for t in templates]
            except BaseException as exc:  # handed to the parent, which raises it
                reply = exc
            send.send(reply)

        self._process = context.Process(target=child, daemon=True)
        self._process.start()
        send.close()

    def wait(self) -> None:
        """Block until the check is done; raise its TemplateError, if any."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            reply = self._receive.recv()
        except EOFError:
            reply = None
        finally:
            self._receive.close()
            process.join()
        if isinstance(reply, BaseException):
            raise reply
        if reply is None:
            # The check's process ended without a word: check here instead.
            check_alignment(self._templates, self._nlp)
            return
        for template, count in zip(self._templates, reply):
            _CHECKED[(template, self._lang)] = count

    def cancel(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.join()
            self._receive.close()


def _check_rendering(template: Template, pieces: list[Piece], nlp: Language) -> None:
    try:
        text, spans = assemble(
            pieces, case=template.case, record="probe", template_id=template.id
        )
        check_example(Example("probe", text, spans, template.id), nlp.make_doc(text))
    except SpanInvariantError as err:
        slot = next((s for s in template.slots if s.name == err.slot), None)
        raise TemplateError(
            f"slot {err.slot} cannot sit on token boundaries: rule {err.rule}: "
            f"{err.detail}",
            path=template.path,
            line=slot.line if slot else template.line,
            column=slot.column if slot else template.column,
            template_id=template.id,
            slot=err.slot,
            code="E211",
        ) from None


def check_prefixes(template: Template, parts: tuple[Literal | Slot, ...]) -> None:
    """Refuse an entity slot whose every form repeats the literal word before it.

    Rendering skips forms that start with the word before a slot (``INV
    {INVOICE:invoice}`` never gives ``INV INV-000157``); a slot left with no other
    form, like ``INV {INVOICE:invoice|series_dropped}``, has no clear span boundary.
    """
    contexts = [
        replace(ctx, invoices=tuple(replace(i, series=series) for i in ctx.invoices))
        for ctx in probe_contexts(template.kind, template.language)
        for series in INVOICE_SERIES
    ]
    previous = ""
    for part in parts:
        if isinstance(part, Literal):
            previous = part.text
            continue
        avoid = last_word(previous, template.case)
        previous = ""
        if part.label is None or not avoid:
            continue
        rng = random.Random(0)
        for ctx in contexts:
            family = slot_family(part, ctx, rng, avoid)
            if all(leading_word(s.text.upper()) == avoid.upper() for s in family):
                raise TemplateError(
                    f"every form of {part.name} starts with the word {avoid!r} before "
                    f"it (e.g. {family[0].text!r}), so the span boundary is ambiguous "
                    f"(the {part.label} span includes its prefix); drop the word or "
                    "the option",
                    path=template.path,
                    line=part.line,
                    column=part.column,
                    template_id=template.id,
                    slot=part.name,
                    code="E212",
                )


def _choice_variations(template: Template) -> list[tuple[Literal | Slot, ...]]:
    """The template with every alternative of each choice in turn, others first."""
    choices = [p for p in template.parts if isinstance(p, Choice)]
    plans: list[dict[int, int]] = [{}]
    for index, choice in enumerate(choices):
        plans += [{index: k} for k in range(1, len(choice.options))]
    out = []
    for plan in plans:
        position = {id(c): plan.get(i, 0) for i, c in enumerate(choices)}
        out.append(
            resolve_choices(template.parts, lambda c: c.options[position[id(c)]])
        )
    return out


def _slot_variations(
    parts: tuple[Literal | Slot, ...], ctx: Context, case: str
) -> list[list[Piece]]:
    """Pieces with each slot's forms in turn, the other slots at their first form."""
    rng = random.Random(0)
    families = []
    previous = ""
    for part in parts:
        if isinstance(part, Literal):
            families.append(None)
            previous = part.text
        else:
            families.append(slot_family(part, ctx, rng, last_word(previous, case)))
            previous = ""
    plans = [[0] * len(parts)]
    for i, family in enumerate(families):
        for k in range(1, len(family or ())):
            plan = [0] * len(parts)
            plan[i] = k
            plans.append(plan)
    renderings = []
    for plan in plans:
        pieces = []
        for part, family, k in zip(parts, families, plan):
            if isinstance(part, Literal):
                pieces.append(Piece(part.text))
                continue
            surface = family[k]
            entity = part.label is not None
            pieces.append(
                Piece(
                    surface.text,
                    label=part.label,
                    kb_id="probe" if entity else "",
                    slot=part.name,
                    form=surface.form,
                    is_value=True,
                )
            )
        renderings.append(pieces)
    return renderings
