"""The fields a template slot can address, and the surface forms each one yields.

A graph field (``customer``, ``invoice``, ``amount`` ...) yields forms of a value from
the entity graph and carries that entity's id as ``kb_id``. A filler field (``ref``,
``bank`` ...) yields plain text that is never an entity, such as bank reference codes.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from dataclasses import dataclass
from typing import Callable

import numpy
from spacy.strings import hash_string

from . import locales, variants
from .graph import Contract, Customer, Graph, Invoice, Transaction
from .variants import Surface


@dataclass(frozen=True)
class Context:
    """What one narrative is about: its transaction and the entities it touches."""

    txn: Transaction
    customer: Customer | None
    invoices: tuple[Invoice, ...]
    contract: Contract | None
    language: str


def context_of(graph: Graph, txn: Transaction) -> Context:
    """The context of ``txn`` in its customer's language (bank lines: Indonesian)."""
    customer = graph.customers.get(txn.customer_id) if txn.customer_id else None
    invoices = tuple(graph.invoices[n] for n in txn.invoice_numbers)
    contract = graph.contracts[invoices[0].contract_id] if invoices else None
    language = customer.language if customer else "id"
    return Context(txn, customer, invoices, contract, language)


@dataclass(frozen=True)
class Field:
    name: str
    label: str | None  # the label a template is expected to give it; None: filler
    needs: str  # "any", "business", "multi", "multi3" (a third invoice) or "po"
    options: tuple[str, ...]
    forms: Callable[[Context, str | None, random.Random], list[Surface]]
    kb_id: Callable[[Context], str] | None = None
    # The graph's own spelling, which similarity scores compare forms against.
    canonical: Callable[[Context], str] | None = None


def _invoice(
    index: int,
) -> Callable[[Context, str | None, random.Random], list[Surface]]:
    def forms(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
        inv = ctx.invoices[index]
        if option in ("digits", "digits_short"):
            return _pick_option(variants.invoice_number_forms(inv.seq), option)
        country = ctx.customer.country if ctx.customer else ""
        family = variants.invoice_forms(inv.series, inv.year, inv.seq, country)
        return _pick_option(family, option)

    return forms


def _customer(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    assert ctx.customer is not None
    family = list(ctx.customer.aliases)
    return _pick_option(family, option)


def _contract(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    assert ctx.contract is not None
    family = variants.contract_forms(ctx.contract.year, ctx.contract.seq)
    return _pick_option(family, option)


def _po(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    number = ctx.invoices[0].po_number
    assert number is not None
    return _pick_option(variants.po_forms(number), option)


def _amount(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    family = variants.amount_forms(ctx.txn.amount_cents, ctx.txn.currency)
    return _pick_option(family, option)


def _currency(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return _pick_option(variants.currency_forms(ctx.txn.currency), option)


def _date_of(get: Callable[[Context], dt.date]):
    def forms(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
        day = get(ctx)
        if option:
            return [variants.named_date_form(day, option, ctx.language)]
        return variants.date_forms(day, ctx.language)

    return forms


def _period(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return _pick_option(
        variants.period_forms(ctx.invoices[0].issue_date, ctx.language), option
    )


def _account(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    assert ctx.customer is not None
    return _pick_option(variants.account_forms(ctx.customer.account), option)


def _pick_option(family: list[Surface], option: str | None) -> list[Surface]:
    if option is None:
        return family
    chosen = [s for s in family if s.form == option]
    # A customer whose acronym was ambiguous, say, has no such form: fall back to all.
    return chosen or family


# Fillers: plain text around entities, shaped like real statement codes.


def _ref(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    day = ctx.txn.value_date
    letters = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
    if ctx.language == "id":
        text = f"{day:%d%m}/{letters}/WS{rng.randrange(10**5):05d}"
    else:
        text = f"FT{day:%y%j}{letters[:4]}{rng.randrange(10**4):04d}"
    return [Surface(text, "ref")]


def _trace(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(f"{rng.randrange(10**14, 10**15)}", "trace")]


def _bank(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(rng.choice(locales.BANKS[ctx.language]), "bank")]


def _bic(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(rng.choice(locales.BICS), "bic")]


def _time(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    h, m, s = rng.randrange(7, 22), rng.randrange(60), rng.randrange(60)
    return [Surface(f"{h:02d}:{m:02d}:{s:02d}", "time")]


def _seq(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(f"{rng.randrange(10**8):08d}", "seq")]


def _branch(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(f"{rng.randrange(10**4):04d}", "branch")]


def _cheque(ctx: Context, option: str | None, rng: random.Random) -> list[Surface]:
    return [Surface(f"{rng.randrange(10**6, 10**7)}", "cheque")]


def _txn_id(ctx: Context) -> str:
    return ctx.txn.txn_id


def _first_invoice_id(ctx: Context) -> str:
    return ctx.invoices[0].invoice_number


def _invoice_id(index: int) -> Callable[[Context], str]:
    return lambda ctx: ctx.invoices[index].invoice_number


def _customer_id(ctx: Context) -> str:
    assert ctx.customer is not None
    return ctx.customer.customer_id


_INVOICE_OPTIONS = tuple(
    s.form
    for s in variants.invoice_forms("MFG", 2024, 1, "ID")
    + variants.invoice_number_forms(1)
)
_DATE_OPTIONS = (
    "dmy_slash",
    "d_mon_yyyy",
    "iso",
    "dmy_dash_short",
    "d_mon_yyyy_title",
    "dmy_dash",
    "mdy_slash",
    "mon_d_yyyy",
    "yymmdd",
    "ddmmyy",
    "mon_yyyy",
)

FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        Field(
            "customer",
            "CUSTOMER",
            "business",
            variants.ALIAS_FORMS,
            _customer,
            _customer_id,
            lambda ctx: ctx.customer.legal_name,
        ),
        Field(
            "invoice",
            "INVOICE",
            "business",
            _INVOICE_OPTIONS,
            _invoice(0),
            _invoice_id(0),
            _invoice_id(0),
        ),
        Field(
            "invoice2",
            "INVOICE",
            "multi",
            _INVOICE_OPTIONS,
            _invoice(1),
            _invoice_id(1),
            _invoice_id(1),
        ),
        Field(
            "invoice3",
            "INVOICE",
            "multi3",
            _INVOICE_OPTIONS,
            _invoice(2),
            _invoice_id(2),
            _invoice_id(2),
        ),
        Field(
            "contract",
            "CONTRACT",
            "business",
            (
                "canonical",
                "separator_space",
                "separators_dropped",
                "separator_slash",
                "prefix_spelled",
            ),
            _contract,
            lambda ctx: ctx.contract.contract_id,
            lambda ctx: ctx.contract.contract_id,
        ),
        Field(
            "po",
            "PURCHASE_ORDER",
            "po",
            (
                "canonical",
                "separator_space",
                "separator_dropped",
                "prefix_spelled",
                "prefix_added",
                "prefix_hyphen",
            ),
            _po,
            lambda ctx: ctx.invoices[0].po_number,
            lambda ctx: ctx.invoices[0].po_number,
        ),
        Field(
            "amount",
            "AMOUNT",
            "any",
            (
                "comma_grouped",
                "dot_grouped",
                "dot_grouped_no_decimals",
                "plain",
                "comma_decimal",
            ),
            _amount,
            _txn_id,
        ),
        Field(
            "currency", "CURRENCY", "any", ("iso_code", "symbol"), _currency, _txn_id
        ),
        Field(
            "date",
            "DATE",
            "any",
            _DATE_OPTIONS,
            _date_of(lambda ctx: ctx.txn.value_date),
            _txn_id,
        ),
        Field(
            "invoice_date",
            "DATE",
            "business",
            _DATE_OPTIONS,
            _date_of(lambda ctx: ctx.invoices[0].issue_date),
            _first_invoice_id,
        ),
        Field(
            "due_date",
            "DATE",
            "business",
            _DATE_OPTIONS,
            _date_of(lambda ctx: ctx.invoices[0].due_date),
            _first_invoice_id,
        ),
        Field(
            "period",
            "DATE",
            "business",
            ("mon_yyyy", "mm_yyyy", "mon_yy"),
            _period,
            _first_invoice_id,
        ),
        Field(
            "account",
            "ACCOUNT",
            "business",
            ("plain", "grouped", "iban_electronic", "iban_print"),
            _account,
            _customer_id,
        ),
        Field("ref", None, "any", (), _ref),
        Field("trace", None, "any", (), _trace),
        Field("bank", None, "any", (), _bank),
        Field("bic", None, "any", (), _bic),
        Field("time", None, "any", (), _time),
        Field("seq", None, "any", (), _seq),
        Field("branch", None, "any", (), _branch),
        Field("cheque", None, "any", (), _cheque),
    )
}


NOISY_FIELDS = ("customer", "invoice", "invoice2", "invoice3", "contract", "po")


class SurfaceIndex:
    """Upper-cased surface form -> the ids that spell it, as a frozenset.

    Every rendering process holds one, with a dozen forms per invoice (fifteen
    million at a million narratives), so it keeps no strings: a sorted array of
    the forms' 64-bit hashes (spaCy's ``hash_string``, the same in every process)
    and, beside it, the position of the one id that spells each form, or -1 for a
    form several ids spell (their ids are in a small dict). A text whose hash no
    form has is not a form; two forms would have to share a 64-bit hash to be
    taken for one (odds below one in a hundred thousand at fifteen million).
    """

    def __init__(self, hashes: array, owners: array, ids: list[str]) -> None:
        keys = numpy.frombuffer(hashes, dtype=numpy.uint64)
        who = numpy.frombuffer(owners, dtype=numpy.uint32)
        order = numpy.lexsort((who, keys))
        keys, who = keys[order], who[order]
        # One entry per (form, id), then one per form.
        fresh = numpy.ones(len(keys), dtype=bool)
        fresh[1:] = (keys[1:] != keys[:-1]) | (who[1:] != who[:-1])
        keys, who = keys[fresh], who[fresh]
        first = numpy.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        starts = numpy.flatnonzero(first)
        counts = numpy.diff(numpy.append(starts, len(keys)))
        self._keys = keys[starts]
        self._owner = who[starts].astype(numpy.int32)
        self._shared: dict[int, tuple[str, ...]] = {}
        for slot in numpy.flatnonzero(counts > 1).tolist():
            start = int(starts[slot])
            names = {ids[i] for i in who[start : start + int(counts[slot])].tolist()}
            self._shared[int(self._keys[slot])] = tuple(sorted(names))
            self._owner[slot] = -1
        self._ids = ids

    def get(self, text: str, default: frozenset[str] = frozenset()) -> frozenset[str]:
        key = numpy.uint64(hash_string(text))
        slot = int(self._keys.searchsorted(key))
        if slot == len(self._keys) or self._keys[slot] != key:
            return default
        owner = int(self._owner[slot])
        if owner < 0:
            return frozenset(self._shared[int(key)])
        return frozenset((self._ids[owner],))

    def __getitem__(self, text: str) -> frozenset[str]:
        found = self.get(text, frozenset())
        if not found:
            raise KeyError(text)
        return found

    def __contains__(self, text: object) -> bool:
        return isinstance(text, str) and bool(self.get(text, frozenset()))

    def __len__(self) -> int:
        return len(self._keys)


def build_surface_index(graph) -> SurfaceIndex:
    """Every clean surface form of a customer or identifier, upper-cased, to its ids.

    A form that maps to two ids is ambiguous; noise that would turn one entity's form
    into another's is refused with this index.
    """
    hashes = array("Q")
    owners = array("I")
    ids: list[str] = []

    def add(texts, kb_id: str) -> None:
        position = len(ids)
        ids.append(kb_id)
        for text in texts:
            hashes.append(hash_string(text.upper()))
            owners.append(position)

    for customer in graph.customers.values():
        add(
            [customer.legal_name, *(alias.text for alias in customer.aliases)],
            customer.customer_id,
        )
    for invoice in graph.invoices.values():
        country = graph.customers[invoice.customer_id].country
        forms = variants.invoice_forms(
            invoice.series, invoice.year, invoice.seq, country
        )
        forms += variants.invoice_number_forms(invoice.seq)
        add([form.text for form in forms], invoice.invoice_number)
    for contract in graph.contracts.values():
        forms = variants.contract_forms(contract.year, contract.seq)
        add([form.text for form in forms], contract.contract_id)
    for po in graph.purchase_orders.values():
        add([form.text for form in variants.po_forms(po.po_number)], po.po_number)
    return SurfaceIndex(hashes, owners, ids)


def context_provides(ctx: Context) -> set[str]:
    """The ``needs`` values this context can satisfy."""
    provided = {"any"}
    if ctx.customer is not None and ctx.invoices:
        provided.add("business")
        if len(ctx.invoices) >= 2:
            provided.add("multi")
        if len(ctx.invoices) >= 3:
            provided.add("multi3")
        if ctx.invoices[0].po_number is not None:
            provided.add("po")
    return provided
