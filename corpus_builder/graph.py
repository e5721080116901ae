"""The entity graph: customers, contracts, purchase orders, invoices, transactions.

The graph is the ground truth every narrative is rendered from. ``build_graph`` makes
it from a config and a seeded generator; ``check_graph`` states its business rules and
raises GraphError naming the first record that breaks one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import gc
import itertools
import math
import operator
import random
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Iterator

from faker import Faker

from . import locales
from .config import Config
from .errors import GraphError
from .variants import Surface, customer_aliases, iban, with_legal_form

BUSINESS_KINDS = ("full", "partial", "multi", "overpaid")
NO_ENTITY_KINDS = ("fee", "interest", "tax", "cash")


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    legal_name: str
    core_words: tuple[str, ...]
    legal_form: str
    split_core: tuple[str, ...]
    locale: str
    country: str
    currency: str
    industry: str
    account: str
    aliases: tuple[Surface, ...] = ()

    @property
    def language(self) -> str:
        return self.locale[:2]


@dataclass(frozen=True, slots=True)
class Contract:
    contract_id: str
    customer_id: str
    year: int
    seq: int
    currency: str
    billing_schedule: str
    start_date: dt.date
    end_date: dt.date
    payment_terms_days: int


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    po_number: str
    customer_id: str
    contract_id: str


@dataclass(frozen=True, slots=True)
class Invoice:
    invoice_number: str
    series: str
    year: int
    seq: int
    contract_id: str
    customer_id: str
    po_number: str | None
    issue_date: dt.date
    due_date: dt.date
    amount_cents: int
    currency: str


@dataclass(frozen=True, slots=True)
class Settlement:
    txn_id: str
    invoice_number: str
    applied_cents: int


@dataclass(frozen=True, slots=True)
class Transaction:
    txn_id: str
    kind: str
    value_date: dt.date
    amount_cents: int
    currency: str
    direction: str
    customer_id: str | None
    invoice_numbers: tuple[str, ...]
    part: int = 0
    parts: int = 0


@dataclass(slots=True)
class Graph:
    customers: dict[str, Customer] = field(default_factory=dict)
    contracts: dict[str, Contract] = field(default_factory=dict)
    purchase_orders: dict[str, PurchaseOrder] = field(default_factory=dict)
    invoices: dict[str, Invoice] = field(default_factory=dict)
    transactions: list[Transaction] = field(default_factory=list)
    settlements: list[Settlement] = field(default_factory=list)
    ambiguous_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def entity_ids(self) -> set[str]:
        ids = set(self.customers) | set(self.contracts) | set(self.purchase_orders)
        ids |= set(self.invoices)
        ids |= {txn.txn_id for txn in self.transactions}
        return ids


@dataclass(frozen=True, slots=True)
class GraphSize:
    customers: int
    contracts: int
    purchase_orders: int
    invoices: int
    no_entity: int
    partial: int
    multi: int
    overpaid: int
    full: int


def plan_size(config: Config) -> GraphSize:
    """Entity and transaction counts for ``config``; 'auto' counts sized to fit."""
    n = config.narratives
    mix = config.transactions
    no_entity = round(n * mix.no_entity)
    partial = round(n * mix.partial)
    multi = round(n * mix.multi)
    overpaid = round(n * mix.overpaid)
    full = n - no_entity - partial - multi - overpaid
    needed = full + overpaid + math.ceil(partial / 2) + multi * 3
    g = config.graph
    invoices = (
        g.invoices if g.invoices is not None else max(4, math.ceil(needed * 1.05))
    )
    if invoices < needed:
        raise GraphError(
            f"graph.invoices is {invoices}, but {n} narratives with this transaction "
            f"mix settle up to {needed} invoices; raise graph.invoices to {needed} or "
            "set it to auto",
            code="E301",
        )
    contracts = (
        g.contracts if g.contracts is not None else max(2, math.ceil(invoices / 6))
    )
    customers = (
        g.customers if g.customers is not None else max(2, math.ceil(contracts / 2.5))
    )
    if customers > contracts:
        raise GraphError(
            f"graph.customers ({customers}) is more than graph.contracts "
            f"({contracts}); "
            "every customer needs a contract: raise graph.contracts or lower "
            "graph.customers",
            code="E301",
        )
    pos = g.purchase_orders
    if pos is None:
        pos = math.ceil(contracts * 1.5)
    return GraphSize(
        customers, contracts, pos, invoices, no_entity, partial, multi, overpaid, full
    )


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector inside the block, then restore its state.

    Building or planning a large graph allocates millions of records that hold no
    reference cycles. The collector would traverse all of them each time the pile
    grows by a quarter (a third of the graph's build time at a million
    narratives) without finding anything to free; garbage is still freed by
    reference counting, and any cycles made meanwhile are collected afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_graph(config: Config, rng: random.Random) -> Graph:
    """The whole graph for ``config``; same config and generator state, same graph."""
    with cycle_collection_paused():
        return _build_graph(config, rng)


def _build_graph(config: Config, rng: random.Random) -> Graph:
    size = plan_size(config)
    graph = Graph()
    fakers = {}
    for locale in config.graph.locales:
        fake = Faker(locale)
        fake.seed_instance(rng.randrange(2**32))
        fakers[locale] = fake

    _add_customers(graph, size.customers, config, fakers, rng)
    added = _add_contracts(graph, size.contracts, config, rng)
    if config.graph.contracts is None:
        # Auto-sized: add contracts until their billing schedules hold every invoice.
        capacity = _billing_capacity(added)
        while capacity < size.invoices:
            count = max(1, len(graph.contracts) // 10)
            capacity += _billing_capacity(_add_contracts(graph, count, config, rng))
    _add_purchase_orders(graph, size.purchase_orders, rng)
    _add_invoices(graph, size.invoices, config, rng)
    _add_transactions(graph, size, rng)
    return graph


def _add_customers(
    graph: Graph,
    count: int,
    config: Config,
    fakers: dict[str, Faker],
    rng: random.Random,
) -> None:
    names = list(config.graph.locales)
    weights = [config.graph.locales[name] for name in names]
    taken: set[str] = set()
    crowded: set[str] = set()
    alias_owner: dict[str, list[str]] = defaultdict(list)
    built = []
    for index in range(1, count + 1):
        locale = rng.choices(names, weights)[0]
        data = locales.LOCALES[locale]
        # Two-word names first; once they keep colliding (a large graph), names
        # of three words, which a big customer base has too. A locale whose
        # two-word names ran out draws three-word ones from then on.
        first = NAME_DRAWS if locale in crowded else 0
        for attempt in range(first, 2 * NAME_DRAWS):
            if attempt == NAME_DRAWS:
                crowded.add(locale)
            core, split_core, legal_form = _company_name(
                locale, fakers[locale], rng, three_words=attempt >= NAME_DRAWS
            )
            legal_name = _legal_name(core, legal_form)
            if legal_name.upper() not in taken:
                break
        else:
            made = sum(1 for c in built if c.locale == locale)
            raise GraphError(
                f"graph.customers asks for {count} customers with distinct legal "
                f"names, but the company-name pool of locale {locale} "
                f"(corpus-builder's {locale} name words and legal forms with Faker's "
                "last_name provider) "
                f"gave no new name in {2 * NAME_DRAWS} draws after {made} {locale} "
                "names; lower graph.customers or add another locale under "
                "graph.locales",
                code="E302",
                provider="company_name",
                locale=locale,
                requested=count,
                made=made,
            )
        taken.add(legal_name.upper())
        markets = data["markets"]
        country, currency, _ = rng.choices(markets, [m[2] for m in markets])[0]
        customer_id = f"CUS-{index:05d}"
        aliases = customer_aliases(legal_name, core, legal_form, split_core)
        for alias in aliases:
            alias_owner[alias.text.upper()].append(customer_id)
        built.append(
            Customer(
                customer_id=customer_id,
                legal_name=legal_name,
                core_words=core,
                legal_form=legal_form,
                split_core=split_core,
                locale=locale,
                country=country,
                currency=currency,
                industry=rng.choice(data["industries"]),
                account=_account_number(country, rng),
                aliases=tuple(aliases),
            )
        )
    # An alias two customers share cannot point to one entity: it is recorded and not
    # rendered, so every rendered alias resolves to exactly one customer.
    ambiguous = {text: tuple(ids) for text, ids in alias_owner.items() if len(ids) > 1}
    graph.ambiguous_aliases = dict(sorted(ambiguous.items()))
    for customer in built:
        kept = tuple(
            a
            for a in customer.aliases
            if a.text.upper() not in ambiguous or a.form == "legal_name"
        )
        graph.customers[customer.customer_id] = replace(customer, aliases=kept)


# Draws of a two-word company name before three-word ones are drawn as well.
NAME_DRAWS = 50


def _company_name(
    locale: str, fake: Faker, rng: random.Random, *, three_words: bool = False
) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    data = locales.LOCALES[locale]
    legal_form = rng.choice(data["legal_forms"])
    if three_words:
        sector = rng.choice(data["sectors"])
        if locale == "id_ID" and rng.random() < 0.5:
            first, second = rng.sample(data["words"], 2)
            return (first, second, sector), (), legal_form
        words = data.get("words")
        second = rng.choice(words) if words else fake.last_name()
        return (fake.last_name(), second, sector), (), legal_form
    if locale == "id_ID":
        style = rng.random()
        if style < 0.5:
            words = rng.sample(data["words"], 2)
            core = (words[0], words[1])
        elif style < 0.8:
            core = (rng.choice(data["words"]), rng.choice(data["sectors"]))
        else:
            core = (fake.last_name(), rng.choice(data["sectors"]))
        return core, (), legal_form
    if rng.random() < 0.55:
        head, tail = rng.choice(locales.COINED_HEADS), rng.choice(locales.COINED_TAILS)
        sector = rng.choice(data["sectors"])
        return (head + tail, sector), (head, tail.capitalize(), sector), legal_form
    return (fake.last_name(), rng.choice(data["sectors"])), (), legal_form


def _legal_name(core: tuple[str, ...], legal_form: str) -> str:
    return with_legal_form(" ".join(core), legal_form)


def _account_number(country: str, rng: random.Random) -> str:
    if country == "DE":
        bank = rng.choice(locales.DE_BANK_CODES)
        return iban("DE", bank + f"{rng.randrange(10**10):010d}")
    if country == "NL":
        bank = rng.choice(locales.NL_BANK_CODES)
        return iban("NL", bank + f"{rng.randrange(10**10):010d}")
    if country == "ID":
        return f"{rng.randrange(10**10):010d}"
    return f"{rng.randrange(10**11, 10**12)}"


def _billing_capacity(contracts: list[Contract]) -> int:
    """How many invoices the contracts' schedules can hold at the least."""
    total = 0
    for contract in contracts:
        if contract.billing_schedule == "milestone":
            total += min(3, (contract.end_date - contract.start_date).days)
        else:
            total += len(_schedule_dates(contract))
    return total


def _add_contracts(
    graph: Graph, count: int, config: Config, rng: random.Random
) -> list[Contract]:
    """Add ``count`` contracts and return them."""
    customer_ids = list(graph.customers)
    window_start, window_end = config.graph.start_date, config.graph.end_date
    span_days = (window_end - window_start).days
    seq_per_year: dict[int, int] = defaultdict(int)
    for contract in graph.contracts.values():
        seq_per_year[contract.year] = max(seq_per_year[contract.year], contract.seq)
    first = len(graph.contracts)
    added = []
    for index in range(first, first + count):
        # Every customer gets a contract before any gets a second one.
        if index < len(customer_ids):
            customer_id = customer_ids[index]
        else:
            customer_id = rng.choice(customer_ids)
        customer = graph.customers[customer_id]
        start = window_start + dt.timedelta(days=rng.randrange(max(1, span_days - 90)))
        months = rng.choice((6, 12, 12, 18, 24))
        end = min(_add_months(start, months) - dt.timedelta(days=1), window_end)
        seq_per_year[start.year] += 1
        contract_id = f"CNT-{start.year}-{seq_per_year[start.year]:03d}"
        contract = Contract(
            contract_id=contract_id,
            customer_id=customer_id,
            year=start.year,
            seq=seq_per_year[start.year],
            currency=customer.currency,
            billing_schedule=rng.choices(
                ("monthly", "quarterly", "milestone"), (6, 3, 2)
            )[0],
            start_date=start,
            end_date=end,
            payment_terms_days=rng.choice((14, 30, 30, 45, 60)),
        )
        graph.contracts[contract_id] = contract
        added.append(contract)
    return added


# PO-10000 to PO-99999, then six digits (PO-100000 to PO-999999) once those are
# used up.
SHORT_PO_NUMBERS = 90_000
LONG_PO_NUMBERS = 900_000


def _add_purchase_orders(graph: Graph, count: int, rng: random.Random) -> None:
    contracts = list(graph.contracts.values())
    sap_style = {cid: rng.random() < 0.4 for cid in graph.customers}
    used: set[str] = set()
    short_left = SHORT_PO_NUMBERS
    long_left = LONG_PO_NUMBERS
    for made in range(count):
        contract = rng.choice(contracts)
        wide = False
        if not sap_style[contract.customer_id]:
            if short_left:
                short_left -= 1
            elif long_left:
                long_left -= 1
                wide = True
            else:
                raise GraphError(
                    f"graph.purchase_orders asks for {count} purchase orders, but "
                    f"the {SHORT_PO_NUMBERS + LONG_PO_NUMBERS} numbers PO-10000 to "
                    "PO-999999 of customers without SAP-style numbers ran out after "
                    f"{made} purchase orders; lower "
                    "graph.purchase_orders (auto makes 1.5 per contract) or "
                    "`narratives`",
                    code="E302",
                    provider="po_number",
                    requested=count,
                    made=made,
                )
        while True:
            if sap_style[contract.customer_id]:
                number = f"45{rng.randrange(10**8):08d}"
            elif wide:
                number = f"PO-{rng.randrange(100000, 1000000)}"
            else:
                number = f"PO-{rng.randrange(10000, 100000)}"
            if number not in used:
                break
        used.add(number)
        graph.purchase_orders[number] = PurchaseOrder(
            po_number=number,
            customer_id=contract.customer_id,
            contract_id=contract.contract_id,
        )


def billing_dates(contract: Contract, rng: random.Random) -> list[dt.date]:
    """The issue dates the contract's billing schedule allows, all inside it."""
    if contract.billing_schedule == "milestone":
        days = (contract.end_date - contract.start_date).days
        count = min(days, rng.randint(3, 6))
        offsets = sorted(rng.sample(range(days + 1), count))
        return [contract.start_date + dt.timedelta(days=o) for o in offsets]
    return list(_schedule_dates(contract))


def _schedule_dates(contract: Contract) -> tuple[dt.date, ...]:
    """The monthly or quarterly issue dates of ``contract``."""
    step = 1 if contract.billing_schedule == "monthly" else 3
    return _month_steps(contract.start_date, contract.end_date, step)


# Contracts start on one of a few hundred days and run whole months, so a large
# graph repeats the same schedules; they are worked out once and their dates shared.
@functools.lru_cache(maxsize=65536)
def _month_steps(start: dt.date, end: dt.date, step: int) -> tuple[dt.date, ...]:
    dates = []
    month = 0
    while True:
        day = _add_months(start, month)
        if day > end:
            return tuple(dates)
        dates.append(day)
        month += step


def _add_invoices(graph: Graph, count: int, config: Config, rng: random.Random) -> None:
    # Slot i is an issue date slot_days[i] of contract slot_contracts[i].
    slot_contracts: list[Contract] = []
    slot_days: list[dt.date] = []
    for contract in graph.contracts.values():
        if contract.billing_schedule == "milestone":
            days = billing_dates(contract, rng)
        else:
            days = _schedule_dates(contract)
        slot_contracts.extend([contract] * len(days))
        slot_days.extend(days)
    if len(slot_days) < count:
        raise GraphError(
            f"{len(graph.contracts)} contracts allow only {len(slot_days)} invoices "
            "on their "
            f"billing schedules, and {count} are needed; raise graph.contracts or set "
            "it to auto",
            code="E301",
        )
    chosen = sorted(rng.sample(range(len(slot_days)), count))
    pos_by_contract: dict[str, list[str]] = defaultdict(list)
    for po in graph.purchase_orders.values():
        pos_by_contract[po.contract_id].append(po.po_number)
    base_amount = {
        cid: _base_amount(c.currency, rng) for cid, c in graph.contracts.items()
    }
    series = {cid: rng.choice(locales.INVOICE_SERIES) for cid in graph.contracts}
    terms = {c.payment_terms_days for c in graph.contracts.values()}
    term_delta = {days: dt.timedelta(days=days) for days in terms}
    # Many invoices fall due on one day: they share its date object.
    dates: dict[dt.date, dt.date] = {}
    for seq, slot in enumerate(chosen, start=1):
        contract, issue = slot_contracts[slot], slot_days[slot]
        contract_id = contract.contract_id
        pos = pos_by_contract.get(contract_id)
        amount = base_amount[contract_id]
        if contract.billing_schedule != "monthly" or rng.random() < 0.3:
            amount = _vary(amount, contract.currency, rng)
        number = f"{series[contract_id]}-INV-{seq:06d}"
        due = issue + term_delta[contract.payment_terms_days]
        graph.invoices[number] = Invoice(
            invoice_number=number,
            series=series[contract_id],
            year=issue.year,
            seq=seq,
            contract_id=contract_id,
            customer_id=contract.customer_id,
            po_number=rng.choice(pos) if pos else None,
            issue_date=dates.setdefault(issue, issue),
            due_date=dates.setdefault(due, due),
            amount_cents=amount,
            currency=contract.currency,
        )


def _base_amount(currency: str, rng: random.Random) -> int:
    if currency == "IDR":
        return rng.randrange(2_000, 750_000) * 1000 * 100
    return rng.randrange(25_000, 6_000_000)


def _vary(amount: int, currency: str, rng: random.Random) -> int:
    varied = int(amount * rng.uniform(0.6, 1.4))
    if currency == "IDR":
        return max(100_000, varied // 100_000 * 100_000)
    return max(100, varied)


class _Remaining:
    """A list that items leave: ``self[k]`` is the k-th item still in it, in the
    list's order, and ``remove(k)`` takes it out, each in log time (a Fenwick
    tree of counts), where ``list.remove`` is linear."""

    def __init__(self, items: list) -> None:
        self._items = items
        n = len(items)
        self._tree = [0] * (n + 1)
        for i in range(1, n + 1):
            self._tree[i] += 1
            parent = i + (i & -i)
            if parent <= n:
                self._tree[parent] += self._tree[i]
        self._left = n
        self._top = 1 << max(0, n.bit_length() - 1) if n else 0

    def __len__(self) -> int:
        return self._left

    def _index(self, k: int) -> int:
        """Position in the list of the k-th item left (0-based)."""
        position, step = 0, self._top
        while step:
            following = position + step
            if following < len(self._tree) and self._tree[following] <= k:
                position = following
                k -= self._tree[following]
            step >>= 1
        return position

    def __getitem__(self, k: int):
        return self._items[self._index(k)]

    def remove(self, k: int) -> None:
        i = self._index(k) + 1
        while i < len(self._tree):
            self._tree[i] -= 1
            i += i & -i
        self._left -= 1


def _add_transactions(graph: Graph, size: GraphSize, rng: random.Random) -> None:
    pending: list[tuple] = []
    invoices = list(graph.invoices.values())
    rng.shuffle(invoices)
    used: set[str] = set()

    pools: dict[tuple[str, str], list[Invoice]] = defaultdict(list)
    for invoice in invoices:
        pools[(invoice.customer_id, invoice.currency)].append(invoice)
    pool_keys = _Remaining([key for key, pool in pools.items() if len(pool) >= 2])
    # Payments take a pool's invoices from its front: those after the taken ones
    # are free.
    taken: dict[tuple[str, str], int] = defaultdict(int)
    made = 0
    while made < size.multi:
        # The draw rng.choice makes, from the keys left.
        position = rng.randrange(len(pool_keys))
        key = pool_keys[position]
        pool, first = pools[key], taken[key]
        free = len(pool) - first
        if free < 2:
            pool_keys.remove(position)
            if not len(pool_keys):
                raise GraphError(
                    "too few customers with two open invoices for the multi-invoice "
                    "payments asked for; lower transactions.multi or raise "
                    "graph.invoices",
                    code="E301",
                )
            continue
        group = pool[first : first + rng.randint(2, min(3, free))]
        taken[key] = first + len(group)
        used.update(i.invoice_number for i in group)
        pending.append(("multi", group))
        made += 1

    free_invoices = iter([i for i in invoices if i.invoice_number not in used])
    made = 0
    while made < size.partial:
        invoice = next(free_invoices)
        parts = min(rng.choice((2, 2, 3)), size.partial - made)
        pending.append(("partial", [invoice], parts))
        made += parts
    for kind, count in (("overpaid", size.overpaid), ("full", size.full)):
        for _ in range(count):
            pending.append((kind, [next(free_invoices)]))

    # A row: value date, kind, amount, currency, customer, invoice numbers, cents
    # applied to each, part, parts.
    rows = []
    days = [dt.timedelta(days=d) for d in range(76)]
    for item in pending:
        kind, group = item[0], item[1]
        first = group[0]
        latest_issue = max(i.issue_date for i in group)
        total = sum(i.amount_cents for i in group)
        if kind == "partial":
            parts = item[2]
            shares = _partial_shares(first.amount_cents, parts, first.currency, rng)
            numbers = (first.invoice_number,)
            day = latest_issue
            for part, share in enumerate(shares, start=1):
                day = day + days[rng.randint(1, 30)]
                rows.append(
                    (
                        day,
                        kind,
                        share,
                        first.currency,
                        first.customer_id,
                        numbers,
                        (share,),
                        part,
                        parts,
                    )
                )
            continue
        day = latest_issue + days[rng.randint(1, 75)]
        amount = total
        if kind == "overpaid":
            extra = max(1, int(total * rng.uniform(0.01, 0.1)))
            if first.currency == "IDR":
                extra = max(100, extra // 100 * 100)
            amount = total + extra
        numbers = tuple([i.invoice_number for i in group])
        applied = tuple([i.amount_cents for i in group])
        rows.append(
            (
                day,
                kind,
                amount,
                first.currency,
                first.customer_id,
                numbers,
                applied,
                0,
                0,
            )
        )

    start = min(c.start_date for c in graph.contracts.values())
    end = max(r[0] for r in rows) if rows else start + dt.timedelta(days=365)
    for index in range(size.no_entity):
        kind = rng.choices(NO_ENTITY_KINDS, (4, 3, 2, 3))[0]
        day = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
        currency = rng.choices(("IDR", "USD"), (6, 4))[0]
        amount = _no_entity_amount(kind, currency, rng)
        rows.append((day, kind, amount, currency, None, (), (), 0, 0))

    rows.sort(key=operator.itemgetter(0))
    # Many payments share a value date: they share its date object.
    dates: dict[dt.date, dt.date] = {}
    for index, row in enumerate(rows, start=1):
        day, kind, amount, currency, customer_id, numbers, applied, part, parts = row
        txn_id = f"TXN-{index:07d}"
        graph.transactions.append(
            Transaction(
                txn_id=txn_id,
                kind=kind,
                value_date=dates.setdefault(day, day),
                amount_cents=amount,
                currency=currency,
                direction="DB" if kind in ("fee", "tax", "cash") else "CR",
                customer_id=customer_id,
                invoice_numbers=numbers,
                part=part,
                parts=parts,
            )
        )
        for number, cents in zip(numbers, applied):
            graph.settlements.append(Settlement(txn_id, number, cents))


def _partial_shares(
    amount: int, parts: int, currency: str, rng: random.Random
) -> list[int]:
    unit = 100_000 if currency == "IDR" else 100
    whole = 100 if currency == "IDR" else 1  # rupiah amounts carry no cents
    shares = []
    left = amount
    for _ in range(parts - 1):
        share = max(unit, int(left * rng.uniform(0.25, 0.55)) // unit * unit)
        share = min(share, left - 1) if left > 1 else left
        shares.append(share)
        left -= share
    # The last part settles the rest or leaves some of it open.
    last = left
    if rng.random() >= 0.7:
        last = max(whole, int(left * rng.uniform(0.5, 0.95)) // whole * whole)
    shares.append(min(last, left))
    return [s for s in shares if s > 0]


def _no_entity_amount(kind: str, currency: str, rng: random.Random) -> int:
    scale = 15_000 if currency == "IDR" else 1
    low, high = {
        "fee": (5, 50),
        "interest": (10, 900),
        "tax": (2, 180),
        "cash": (50, 2000),
    }[kind]
    cents = rng.randrange(low * 100, high * 100) * scale
    if currency == "IDR":
        cents = cents // 10_000 * 10_000
    return max(100, cents)


@functools.lru_cache(maxsize=65536)
def _add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_graph(graph: Graph) -> None:
    """Raise GraphError at the first record that breaks a business rule."""
    with cycle_collection_paused():
        _check_graph(graph)


def _check_graph(graph: Graph) -> None:
    for contract in graph.contracts.values():
        if contract.customer_id not in graph.customers:
            raise GraphError(
                "its customer does not exist", code="E310", record=contract.contract_id
            )
        if not contract.start_date <= contract.end_date:
            raise GraphError(
                "ends before it starts", code="E310", record=contract.contract_id
            )
    for po in graph.purchase_orders.values():
        contract = graph.contracts.get(po.contract_id)
        if contract is None or contract.customer_id != po.customer_id:
            raise GraphError(
                "contract missing or of another customer",
                code="E310",
                record=po.po_number,
            )
    for invoice in graph.invoices.values():
        contract = graph.contracts.get(invoice.contract_id)
        record = invoice.invoice_number
        if contract is None:
            raise GraphError("its contract does not exist", code="E310", record=record)
        if invoice.customer_id != contract.customer_id:
            raise GraphError(
                "its customer is not its contract's customer",
                code="E310",
                record=record,
            )
        if invoice.currency != contract.currency:
            raise GraphError(
                "its currency is not its contract's currency",
                code="E310",
                record=record,
            )
        if not contract.start_date <= invoice.issue_date <= contract.end_date:
            raise GraphError(
                "issued outside its contract's dates", code="E310", record=record
            )
        if invoice.po_number is not None:
            po = graph.purchase_orders.get(invoice.po_number)
            if po is None or po.contract_id != invoice.contract_id:
                raise GraphError(
                    "its purchase order is missing or of another contract",
                    code="E310",
                    record=record,
                )
    paid: dict[str, int] = defaultdict(int)
    txns = {txn.txn_id: txn for txn in graph.transactions}
    for settlement in graph.settlements:
        txn = txns.get(settlement.txn_id)
        invoice = graph.invoices.get(settlement.invoice_number)
        if txn is None or invoice is None:
            raise GraphError(
                "settlement links a missing record",
                code="E310",
                record=f"{settlement.txn_id}->{settlement.invoice_number}",
            )
        if txn.value_date <= invoice.issue_date:
            raise GraphError(
                f"pays {invoice.invoice_number} before it was issued",
                code="E310",
                record=txn.txn_id,
            )
        if txn.customer_id != invoice.customer_id or txn.currency != invoice.currency:
            raise GraphError(
                f"customer or currency differs from {invoice.invoice_number}",
                code="E310",
                record=txn.txn_id,
            )
        paid[settlement.invoice_number] += settlement.applied_cents
    for number, cents in paid.items():
        if cents > graph.invoices[number].amount_cents:
            raise GraphError(
                "settled for more than its amount", code="E310", record=number
            )
    for record in itertools.chain(graph.invoices.values(), graph.transactions):
        if record.currency == "IDR" and record.amount_cents % 100:
            raise GraphError(
                "a rupiah amount with cents",
                code="E310",
                record=getattr(record, "txn_id", None)
                or getattr(record, "invoice_number", None),
            )
    for txn in graph.transactions:
        settles = bool(txn.invoice_numbers)
        if txn.kind in NO_ENTITY_KINDS and (settles or txn.customer_id is not None):
            raise GraphError(
                "settles nothing but carries a business entity",
                code="E310",
                record=txn.txn_id,
            )
        if txn.kind in BUSINESS_KINDS and not settles:
            raise GraphError(
                "a payment that settles no invoice", code="E310", record=txn.txn_id
            )
        if txn.kind == "overpaid":
            total = sum(graph.invoices[n].amount_cents for n in txn.invoice_numbers)
            if txn.amount_cents <= total:
                raise GraphError(
                    "declared over-paid but pays no more than asked",
                    code="E310",
                    record=txn.txn_id,
                )
