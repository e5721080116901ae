"""Business rules of the entity graph, each checked on a built graph and broken once."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import replace

import pytest

from corpus_builder import graph as graph_module
from corpus_builder.build import derive_rng
from corpus_builder.config import load_config
from corpus_builder.errors import GraphError
from corpus_builder.graph import (
    BUSINESS_KINDS,
    NO_ENTITY_KINDS,
    Settlement,
    billing_dates,
    build_graph,
    check_graph,
    plan_size,
)
from corpus_builder.variants import iban_is_valid


@pytest.fixture(scope="module")
def graph():
    config = load_config(None, overrides={"narratives": 2000, "seed": 3})
    return build_graph(config, derive_rng(3, "graph"))


def test_the_built_graph_keeps_every_rule(graph):
    check_graph(graph)
    assert len(graph.transactions) == 2000


def test_no_orphan_ids(graph):
    for contract in graph.contracts.values():
        assert contract.customer_id in graph.customers
    for po in graph.purchase_orders.values():
        assert graph.contracts[po.contract_id].customer_id == po.customer_id
    for invoice in graph.invoices.values():
        assert invoice.contract_id in graph.contracts
        assert invoice.po_number is None or invoice.po_number in graph.purchase_orders
    for txn in graph.transactions:
        assert txn.customer_id is None or txn.customer_id in graph.customers
        assert all(n in graph.invoices for n in txn.invoice_numbers)


def test_invoices_follow_their_contract(graph):
    for invoice in graph.invoices.values():
        contract = graph.contracts[invoice.contract_id]
        assert invoice.customer_id == contract.customer_id
        assert invoice.currency == contract.currency
        assert contract.start_date <= invoice.issue_date <= contract.end_date
        assert invoice.due_date - invoice.issue_date == dt.timedelta(
            days=contract.payment_terms_days
        )


def test_invoice_dates_lie_on_the_billing_schedule(graph):
    for invoice in graph.invoices.values():
        contract = graph.contracts[invoice.contract_id]
        if contract.billing_schedule == "monthly":
            assert (
                invoice.issue_date.day == contract.start_date.day
                or invoice.issue_date.day >= 28
            )
        if contract.billing_schedule in ("monthly", "quarterly"):
            assert invoice.issue_date in billing_dates(contract, None)


def test_payments_come_after_their_invoices_and_never_overpay_one(graph):
    paid = defaultdict(int)
    txns = {t.txn_id: t for t in graph.transactions}
    for s in graph.settlements:
        assert txns[s.txn_id].value_date > graph.invoices[s.invoice_number].issue_date
        paid[s.invoice_number] += s.applied_cents
    for number, cents in paid.items():
        assert cents <= graph.invoices[number].amount_cents


def test_transaction_kinds_have_their_shapes(graph):
    kinds = Counter(t.kind for t in graph.transactions)
    size = plan_size(load_config(None, overrides={"narratives": 2000, "seed": 3}))
    assert sum(kinds[k] for k in NO_ENTITY_KINDS) == size.no_entity == 200
    assert kinds["multi"] == size.multi and kinds["overpaid"] == size.overpaid
    for txn in graph.transactions:
        if txn.kind in NO_ENTITY_KINDS:
            assert txn.customer_id is None and txn.invoice_numbers == ()
        if txn.kind == "multi":
            assert 2 <= len(txn.invoice_numbers) <= 3
            customers = {graph.invoices[n].customer_id for n in txn.invoice_numbers}
            assert customers == {txn.customer_id}
            assert txn.amount_cents == sum(
                graph.invoices[n].amount_cents for n in txn.invoice_numbers
            )
        if txn.kind == "overpaid":
            assert (
                txn.amount_cents > graph.invoices[txn.invoice_numbers[0]].amount_cents
            )
        if txn.kind == "partial":
            assert 1 <= txn.part <= txn.parts <= 3
    assert kinds["partial"] > 0


def test_aliases_resolve_to_one_customer_and_ibans_are_valid(graph):
    owner = {}
    for customer in graph.customers.values():
        for alias in customer.aliases:
            if alias.form != "legal_name":
                assert (
                    owner.setdefault(alias.text.upper(), customer.customer_id)
                    == customer.customer_id
                )
        if customer.country in ("DE", "NL"):
            assert iban_is_valid(customer.account)
    for alias, ids in graph.ambiguous_aliases.items():
        assert len(ids) >= 2 and alias not in owner


def _first(graph, kind):
    return next(t for t in graph.transactions if t.kind == kind)


@pytest.mark.parametrize(
    "breakage, words",
    [
        ("invoice_customer", "is not its contract's customer"),
        ("invoice_currency", "is not its contract's currency"),
        ("invoice_outside", "outside its contract's dates"),
        ("orphan_contract", "its contract does not exist"),
        ("early_payment", "before it was issued"),
        ("overpaid_invoice", "settled for more than its amount"),
        ("fee_with_customer", "settles nothing but carries a business entity"),
        ("payment_without_invoice", "settles no invoice"),
    ],
)
def test_check_graph_names_the_record_that_breaks_a_rule(graph, breakage, words):
    g = replace(
        graph,
        invoices=dict(graph.invoices),
        transactions=list(graph.transactions),
        settlements=list(graph.settlements),
    )
    number, invoice = next(iter(g.invoices.items()))
    record = number
    if breakage == "invoice_customer":
        other = next(c for c in g.customers if c != invoice.customer_id)
        g.invoices[number] = replace(invoice, customer_id=other)
    elif breakage == "invoice_currency":
        g.invoices[number] = replace(invoice, currency="XXX")
    elif breakage == "invoice_outside":
        g.invoices[number] = replace(invoice, issue_date=dt.date(1999, 1, 1))
    elif breakage == "orphan_contract":
        g.invoices[number] = replace(invoice, contract_id="CNT-0000-000")
    elif breakage == "early_payment":
        txn = _first(g, "full")
        index = g.transactions.index(txn)
        g.transactions[index] = replace(txn, value_date=dt.date(1999, 1, 1))
        record = txn.txn_id
    elif breakage == "overpaid_invoice":
        txn = _first(g, "full")
        target = txn.invoice_numbers[0]
        g.settlements.append(Settlement(txn.txn_id, target, 1))
        record = target
    elif breakage == "fee_with_customer":
        txn = _first(g, "fee")
        index = g.transactions.index(txn)
        g.transactions[index] = replace(txn, customer_id="CUS-00001")
        record = txn.txn_id
    elif breakage == "payment_without_invoice":
        txn = _first(g, "full")
        index = g.transactions.index(txn)
        g.transactions[index] = replace(txn, invoice_numbers=())
        record = txn.txn_id
    with pytest.raises(GraphError) as info:
        check_graph(g)
    assert words in str(info.value)
    assert info.value.record == record


def test_too_few_invoices_is_a_clear_error():
    config = load_config(None, overrides={"narratives": 1000, "graph.invoices": 50})
    with pytest.raises(GraphError, match="raise graph.invoices to") as info:
        plan_size(config)
    assert (info.value.code, info.value.exit_code) == ("E301", 4)


def test_a_large_customer_base_gets_three_word_names_all_distinct():
    config = load_config(
        None,
        overrides={
            "narratives": 10,
            "graph.customers": 20000,
            "graph.contracts": 20000,
            "graph.locales": {"id_ID": 1},
            "transactions.multi": 0,
        },
    )
    graph = build_graph(config, derive_rng(1, "graph"))
    names = [c.legal_name.upper() for c in graph.customers.values()]
    assert len(names) == len(set(names)) == 20000
    three = [c for c in graph.customers.values() if len(c.core_words) == 3]
    # Two-word names hold some 12,000 id_ID customers; the rest need a third word.
    assert 5000 < len(three) < 15000
    assert all(c.aliases[0].text == c.legal_name for c in three)


def test_more_unique_company_names_than_the_pool_holds_is_e302(monkeypatch):
    monkeypatch.setattr(
        graph_module,
        "_company_name",
        lambda locale, fake, rng, three_words=False: (("Sinar", "Bahari"), (), "PT"),
    )
    config = load_config(
        None, overrides={"narratives": 10, "graph.locales": {"id_ID": 1}}
    )
    with pytest.raises(GraphError) as info:
        build_graph(config, derive_rng(1, "graph"))
    error = info.value
    assert (error.code, error.exit_code) == ("E302", 4)
    assert (error.provider, error.locale, error.made) == ("company_name", "id_ID", 1)
    message = str(error)
    assert "company-name pool of locale id_ID" in message
    assert "gave no new name in 100 draws after 1 id_ID names" in message
    assert "lower graph.customers or add another locale" in message


def test_purchase_orders_past_five_digits_get_six_and_stay_distinct():
    config = load_config(
        None,
        overrides={
            "narratives": 10,
            "graph.customers": 50,
            "graph.contracts": 50,
            "graph.purchase_orders": 250_000,
            "transactions.multi": 0,
        },
    )
    graph = build_graph(config, derive_rng(1, "graph"))
    numbers = [n for n in graph.purchase_orders if n.startswith("PO-")]
    assert len(graph.purchase_orders) == 250_000
    assert sum(len(n) == 8 for n in numbers) == graph_module.SHORT_PO_NUMBERS
    assert sum(len(n) == 9 for n in numbers) == len(numbers) - 90_000 > 0


def test_more_purchase_orders_than_their_numbers_hold_is_e302(monkeypatch):
    monkeypatch.setattr(graph_module, "SHORT_PO_NUMBERS", 30)
    monkeypatch.setattr(graph_module, "LONG_PO_NUMBERS", 20)
    config = load_config(
        None,
        overrides={
            "narratives": 10,
            "graph.customers": 5,
            "graph.contracts": 5,
            "graph.purchase_orders": 500,
        },
    )
    with pytest.raises(GraphError) as info:
        build_graph(config, derive_rng(1, "graph"))
    error = info.value
    assert (error.code, error.provider, error.requested) == ("E302", "po_number", 500)
    assert 50 <= error.made < 500
    assert "the 50 numbers PO-10000 to PO-999999" in str(error)


def test_same_seed_same_graph_other_seed_other_graph():
    config = load_config(None, overrides={"narratives": 300})
    a = build_graph(config, derive_rng(1, "graph"))
    b = build_graph(config, derive_rng(1, "graph"))
    c = build_graph(config, derive_rng(2, "graph"))
    assert a == b
    assert a.customers != c.customers
    assert set(BUSINESS_KINDS) >= {t.kind for t in a.transactions if t.customer_id}
