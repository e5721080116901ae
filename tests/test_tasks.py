"""The task datasets under tasks/ agree with the graph tables, and their rules hold."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from corpus_builder.actions import action_for
from corpus_builder.build import build_corpus
from corpus_builder.config import load_config
from corpus_builder.evaluate import evaluate_matching, evaluate_resolution
from corpus_builder.graph import (
    Contract,
    Customer,
    Graph,
    Invoice,
    PurchaseOrder,
    Settlement,
    Transaction,
)
from corpus_builder.matching import (
    STATUSES,
    Applied,
    BaselineMatcher,
    OpenInvoice,
    payment_ledger,
)
from corpus_builder.resolution import HardNegatives, resolve_mention

ENTITY_LABELS = {
    "CUSTOMER": "customer",
    "INVOICE": "invoice",
    "CONTRACT": "contract",
    "PURCHASE_ORDER": "purchase_order",
}


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tasks") / "corpus"
    config = load_config(None, overrides={"narratives": 300, "seed": 11})
    build_corpus(config=config, output=out)
    return out


def lines(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def table(export: Path, name: str) -> list[dict]:
    with open(export / "graph" / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def doccano(export: Path) -> dict[str, dict]:
    records = {}
    for name in ("train", "dev", "test"):
        for record in lines(export / "doccano" / f"{name}.jsonl"):
            records[record["example_id"]] = record
    return records


def cents(text: str) -> int:
    whole, frac = text.split(".")
    return int(whole) * 100 + int(frac)


def test_matching_rows_equal_the_settlements_and_balances(export):
    rows = lines(export / "tasks" / "matching.jsonl")
    txns = {t["txn_id"]: t for t in table(export, "transactions")}
    invoices = {i["invoice_number"]: i for i in table(export, "invoices")}
    settled = defaultdict(list)
    for s in table(export, "settlements"):
        settled[s["txn_id"]].append((s["invoice_number"], s["amount_applied"]))

    assert [r["txn_id"] for r in rows] == list(txns)  # one row each, corpus order
    paid = Counter()
    for row in sorted(rows, key=lambda r: (r["value_date"], r["txn_id"])):
        txn = txns[row["txn_id"]]
        assert (row["example_id"], row["split"], row["text"]) == (
            txn["example_id"],
            txn["split"],
            txn["narrative"],
        )
        assert (row["amount"], row["currency"], row["value_date"]) == (
            txn["amount"],
            txn["currency"],
            txn["value_date"],
        )
        assert (row["customer_id"] or "") == txn["customer_id"]
        got = [(s["invoice_number"], s["amount_applied"]) for s in row["settles"]]
        assert got == settled[row["txn_id"]]
        for s in row["settles"]:
            paid[s["invoice_number"]] += cents(s["amount_applied"])
            left = (
                cents(invoices[s["invoice_number"]]["amount"])
                - paid[s["invoice_number"]]
            )
            assert cents(s["balance_after"]) == left >= 0


def test_statuses_follow_the_graph_kinds_and_amounts(export):
    rows = lines(export / "tasks" / "matching.jsonl")
    kinds = {t["txn_id"]: t["kind"] for t in table(export, "transactions")}
    payments = Counter(s["invoice_number"] for r in rows for s in r["settles"])
    for row in rows:
        kind, status = kinds[row["txn_id"]], row["status"]
        applied = sum(cents(s["amount_applied"]) for s in row["settles"])
        if kind in ("fee", "interest", "tax", "cash"):
            assert status == "no_invoice" and row["settles"] == []
        elif kind == "overpaid":
            assert status == "over_paid" and cents(row["amount"]) > applied
        elif kind == "multi":
            assert status == "multi_invoice" and len(row["settles"]) in (2, 3)
        elif kind == "full":
            assert status == "full"
            assert cents(row["settles"][0]["balance_after"]) == 0
        else:
            assert kind == "partial"
            (only,) = row["settles"]
            if payments[only["invoice_number"]] == 1:
                # An invoice whose instalment plan came down to one payment.
                assert status in ("full", "under_paid")
            else:
                assert status in ("partial", "under_paid")
            if status == "under_paid":
                assert cents(only["balance_after"]) > 0
    counts = Counter(r["status"] for r in rows)
    assert set(counts) <= set(STATUSES)
    assert counts["no_invoice"] == round(300 * 0.10)
    assert counts["over_paid"] == round(300 * 0.02)
    assert counts["multi_invoice"] == round(300 * 0.15)


def test_actions_follow_the_documented_rules(export):
    records = doccano(export)
    rows = lines(export / "tasks" / "actions.jsonl")
    statuses = {
        r["txn_id"]: r["status"] for r in lines(export / "tasks" / "matching.jsonl")
    }
    kinds = {t["txn_id"]: t["kind"] for t in table(export, "transactions")}
    invoices = {i["invoice_number"]: i for i in table(export, "invoices")}
    settled = defaultdict(set)
    for s in table(export, "settlements"):
        settled[s["txn_id"]].add(s["invoice_number"])
    expected_by_status = {
        "full": "mark_paid",
        "partial": "record_partial_payment",
        "under_paid": "chase_open_balance",
        "multi_invoice": "split_across_invoices",
        "over_paid": "raise_credit_note",
    }
    booking = {
        "fee": "book_bank_fee",
        "interest": "book_interest_income",
        "tax": "book_withholding_tax",
        "cash": "book_cash_movement",
    }
    seen = Counter()
    assert len(rows) == len(kinds)
    for row in rows:
        txn = row["txn_id"]
        record = records[row["example_id"]]
        assert (row["split"], row["kind"], row["status"]) == (
            record["split"],
            kinds[txn],
            statuses[txn],
        )
        pos = {invoices[n]["po_number"] for n in settled[txn]} - {""}
        names = any(
            (label == "INVOICE" and link[2] in settled[txn])
            or (label == "PURCHASE_ORDER" and link[2] in pos)
            for (_, _, label), link in zip(record["label"], record["kb_links"])
            if "+ambiguous" not in link[3]
        )
        if kinds[txn] in booking:
            want = booking[kinds[txn]]
        elif not names:
            want = "send_for_review"
        else:
            want = expected_by_status[row["status"]]
        assert row["action"] == want
        seen[want] += 1
    # The rules produce every action but a few rare ones on this small build.
    assert {"mark_paid", "send_for_review", "split_across_invoices"} <= set(seen)


def test_resolution_rows_are_the_entity_mentions_with_graph_candidates(export):
    records = doccano(export)
    rows = lines(export / "tasks" / "resolution.jsonl")
    customers = {c["customer_id"]: c["legal_name"] for c in table(export, "customers")}
    ids = {
        "customer": set(customers),
        "invoice": {i["invoice_number"] for i in table(export, "invoices")},
        "contract": {c["contract_id"] for c in table(export, "contracts")},
        "purchase_order": {p["po_number"] for p in table(export, "purchase_orders")},
    }
    want = []
    for record in records.values():
        for index, ((start, end, label), link) in enumerate(
            zip(record["label"], record["kb_links"])
        ):
            if label in ENTITY_LABELS:
                want.append((f"{record['example_id']}-{index}", link[2], label))
    assert sorted((r["id"], r["gold"]) for r in rows) == sorted(
        (i, g) for i, g, _ in want
    )
    for row in rows:
        record = records[row["example_id"]]
        assert row["split"] == record["split"]
        assert row["context"] == record["text"]
        assert row["mention"] == record["text"][row["start"] : row["end"]]
        assert [row["start"], row["end"], row["gold"], row["form"]] == [
            link[:4]
            for link in record["kb_links"]
            if link[:2] == [row["start"], row["end"]]
        ][0]
        candidate_ids = [c["id"] for c in row["candidates"]]
        assert candidate_ids == sorted(candidate_ids)
        negatives = [n["id"] for n in row["hard_negatives"]]
        assert sorted([row["gold"], *negatives]) == candidate_ids
        assert row["gold"] not in negatives and len(negatives) == 4
        assert set(candidate_ids) <= ids[row["entity_type"]]
        for c in row["candidates"]:
            name = customers[c["id"]] if row["entity_type"] == "customer" else c["id"]
            assert c["name"] == name


def make_graph() -> Graph:
    """Three customers, two sharing the alias ABS; invoices 1 to 7."""
    graph = Graph()
    for cid, name in (
        ("CUS-00001", "AlphaBridge Solutions Inc"),
        ("CUS-00002", "Apex Bay Systems LLC"),
        ("CUS-00003", "PT Sinar Bahari"),
    ):
        graph.customers[cid] = Customer(
            cid, name, (), "", (), "en_US", "US", "USD", "it", "1"
        )
    graph.ambiguous_aliases = {"ABS": ("CUS-00001", "CUS-00002")}
    day = dt.date(2024, 1, 1)
    for cid, customer, seq in (
        ("CNT-2024-001", "CUS-00001", 1),
        ("CNT-2024-002", "CUS-00002", 2),
        ("CNT-2024-003", "CUS-00003", 3),
    ):
        graph.contracts[cid] = Contract(
            cid, customer, 2024, seq, "USD", "monthly", day, dt.date(2024, 12, 31), 30
        )
    graph.purchase_orders["PO-10001"] = PurchaseOrder(
        "PO-10001", "CUS-00001", "CNT-2024-001"
    )
    owners = {1: 1, 2: 1, 3: 2, 4: 1, 5: 3, 6: 3, 7: 1}
    for seq, owner in owners.items():
        number = f"SVC-INV-{seq:06d}"
        graph.invoices[number] = Invoice(
            number,
            "SVC",
            2024,
            seq,
            f"CNT-2024-00{owner}",
            f"CUS-0000{owner}",
            "PO-10001" if seq == 1 else None,
            day,
            day + dt.timedelta(days=30),
            10_000,
            "USD",
        )
    return graph


def test_hard_negatives_are_the_most_confusable_entities():
    negatives = HardNegatives(make_graph())
    assert negatives.of("customer", "CUS-00001") == (
        ("CUS-00002", "shared_alias"),
        ("CUS-00003", "similar_name"),
    )
    assert negatives.of("invoice", "SVC-INV-000004") == (
        ("SVC-INV-000002", "same_customer"),
        ("SVC-INV-000001", "same_customer"),
        ("SVC-INV-000003", "near_number"),
        ("SVC-INV-000005", "near_number"),
    )
    assert negatives.of("contract", "CNT-2024-002") == (
        ("CNT-2024-001", "near_number"),
        ("CNT-2024-003", "near_number"),
    )
    assert negatives.name("customer", "CUS-00003") == "PT Sinar Bahari"


def test_ledger_statuses_and_balances_on_a_hand_made_graph():
    graph = make_graph()
    day = dt.date(2024, 3, 1)

    def pay(txn_id, kind, amount, applied, offset):
        graph.transactions.append(
            Transaction(
                txn_id,
                kind,
                day + dt.timedelta(days=offset),
                amount,
                "USD",
                "CR",
                "CUS-00001" if applied else None,
                tuple(n for n, _ in applied),
            )
        )
        graph.settlements.extend(Settlement(txn_id, n, c) for n, c in applied)

    pay("T1", "partial", 6_000, [("SVC-INV-000001", 6_000)], 0)
    pay("T2", "fee", 500, [], 1)
    pay("T3", "partial", 4_000, [("SVC-INV-000001", 4_000)], 2)
    pay("T4", "partial", 5_000, [("SVC-INV-000002", 5_000)], 3)
    pay("T5", "overpaid", 12_000, [("SVC-INV-000004", 10_000)], 4)
    pay(
        "T6",
        "multi",
        20_000,
        [("SVC-INV-000007", 10_000), ("SVC-INV-000005", 10_000)],
        5,
    )
    pay("T7", "full", 10_000, [("SVC-INV-000006", 10_000)], 6)
    ledger = payment_ledger(graph)
    assert {t: p.status for t, p in ledger.items()} == {
        "T1": "partial",
        "T2": "no_invoice",
        "T3": "partial",
        "T4": "under_paid",
        "T5": "over_paid",
        "T6": "multi_invoice",
        "T7": "full",
    }
    assert ledger["T1"].applied == (Applied("SVC-INV-000001", 6_000, 4_000),)
    assert ledger["T3"].applied == (Applied("SVC-INV-000001", 4_000, 0),)
    assert ledger["T4"].applied == (Applied("SVC-INV-000002", 5_000, 5_000),)


def test_action_rules_in_order():
    assert action_for("fee", "no_invoice", False) == "book_bank_fee"
    assert action_for("tax", "no_invoice", False) == "book_withholding_tax"
    assert action_for("overpaid", "over_paid", False) == "send_for_review"
    assert action_for("overpaid", "over_paid", True) == "raise_credit_note"
    assert action_for("partial", "under_paid", True) == "chase_open_balance"
    assert action_for("partial", "partial", True) == "record_partial_payment"
    assert action_for("multi", "multi_invoice", True) == "split_across_invoices"
    assert action_for("full", "full", True) == "mark_paid"


def open_invoices() -> list[OpenInvoice]:
    day = dt.date(2024, 1, 1)
    return [
        OpenInvoice(
            "SVC-INV-000157",
            "CUS-1",
            "CNT-2024-001",
            "PO-55810",
            day,
            "USD",
            10_000,
            10_000,
        ),
        OpenInvoice(
            "SVC-INV-000158", "CUS-1", "CNT-2024-001", "", day, "USD", 25_000, 25_000
        ),
        OpenInvoice(
            "SVC-INV-000159", "CUS-2", "CNT-2024-002", "", day, "USD", 7_000, 7_000
        ),
        OpenInvoice(
            "SVC-INV-000160", "CUS-2", "CNT-2024-002", "", day, "IDR", 7_000, 7_000
        ),
    ]


def test_baseline_matcher_reads_numbers_amounts_and_names():
    names = {"CUS-1": "AlphaBridge Solutions Inc", "CUS-2": "Sinar Bahari"}
    matcher = BaselineMatcher(open_invoices(), names)
    day = dt.date(2024, 2, 1)
    # OCR slip in the number; one invoice, exact amount.
    assert matcher.match("PMT INV-OOO157 ALPHABRIDGE", 10_000, "USD", "CR", day) == (
        [("SVC-INV-000157", 10_000)],
        "full",
    )
    # Now paid: the same reference finds nothing open and no name fallback fits.
    assert matcher.match("PMT INV-000157", 10_000, "USD", "CR", day) == (
        [],
        "no_invoice",
    )
    # Two invoices in a list, adding up to the amount.
    assert matcher.match("INV 158 + 159", 32_000, "USD", "CR", day) == (
        [("SVC-INV-000158", 25_000), ("SVC-INV-000159", 7_000)],
        "multi_invoice",
    )
    matcher = BaselineMatcher(open_invoices(), names)
    # Less than the open amount: a part payment of the invoice named.
    assert matcher.match("CICILAN 158", 5_000, "USD", "CR", day) == (
        [("SVC-INV-000158", 5_000)],
        "partial",
    )
    # No number: the customer's name and the exact amount.
    assert matcher.match("TRF SINAR BAHARI", 7_000, "USD", "CR", day) == (
        [("SVC-INV-000159", 7_000)],
        "full",
    )
    # Purchase-order number; debit lines settle nothing.
    assert matcher.match("PO 55810", 12_000, "USD", "CR", day) == (
        [("SVC-INV-000157", 10_000)],
        "over_paid",
    )
    assert matcher.match("INV 158", 20_000, "USD", "DB", day) == ([], "no_invoice")
    # Digits of amounts and dates are not references.
    assert matcher.match("INTEREST 158.00 TO 01/02/159", 15_800, "USD", "CR", day) == (
        [],
        "no_invoice",
    )
    # One invoice named; another open one of its customer makes up the amount.
    matcher = BaselineMatcher(open_invoices(), names)
    assert matcher.match("PAYMENT INV 157", 35_000, "USD", "CR", day) == (
        [("SVC-INV-000157", 10_000), ("SVC-INV-000158", 25_000)],
        "multi_invoice",
    )


def test_baseline_resolver_picks_by_name_initials_and_digits():
    customers = [
        {"id": "CUS-1", "name": "AlphaBridge Solutions Inc"},
        {"id": "CUS-2", "name": "Apex Bay Systems"},
    ]
    assert resolve_mention("customer", "ALPHABRIDGE SOLU", customers) == "CUS-1"
    assert resolve_mention("customer", "ABS", customers) == "CUS-2"
    invoices = [{"id": "SVC-INV-000156", "name": "SVC-INV-000156"}]
    invoices.append({"id": "SVC-INV-000157", "name": "SVC-INV-000157"})
    assert resolve_mention("invoice", "INV 157", invoices) == "SVC-INV-000157"
    assert resolve_mention("invoice", "SVC INV OOO156", invoices) == "SVC-INV-000156"


def test_evaluations_score_every_record_of_the_split(export):
    resolution = lines(export / "tasks" / "resolution.jsonl")
    result = evaluate_resolution(export=export, split="test")
    test_rows = [r for r in resolution if r["split"] == "test"]
    assert result["all"]["all"]["n"] == len(test_rows)
    assert sum(v["n"] for v in result["entity_type"].values()) == len(test_rows)
    assert 0.5 < result["all"]["all"]["accuracy"] <= 1

    matching = lines(export / "tasks" / "matching.jsonl")
    result = evaluate_matching(export=export, split="all")
    assert result["all"]["transactions"] == len(matching) == 300
    assert result["status"]["no_invoice"]["transactions"] == 30
    assert result["status"]["no_invoice"]["recall"] is None
    assert 0.5 < result["all"]["precision"] <= 1 and 0.5 < result["all"]["recall"] <= 1


def test_a_broken_task_file_is_reported_with_its_line(export, tmp_path):
    import shutil

    from corpus_builder.errors import EvaluationError

    copy = tmp_path / "copy"
    shutil.copytree(export / "graph", copy / "graph")
    (copy / "tasks").mkdir()
    good = (export / "tasks" / "matching.jsonl").read_text("utf-8").splitlines()
    broken = json.loads(good[1])
    broken["amount"] = "12,50"
    lines_out = [good[0], json.dumps(broken), *good[2:]]
    (copy / "tasks" / "matching.jsonl").write_text("\n".join(lines_out) + "\n")
    with pytest.raises(EvaluationError, match=r"matching.jsonl:2: `amount` must be"):
        evaluate_matching(export=copy, split="all")
    (copy / "tasks" / "resolution.jsonl").write_text('{"entity_type": "invoice"}\n')
    with pytest.raises(EvaluationError, match=r"resolution.jsonl:1: missing key"):
        evaluate_resolution(export=copy, split="all")
    with pytest.raises(EvaluationError, match="unknown split 'dev'"):
        evaluate_resolution(export=copy, split="dev")


def test_cli_evaluate_commands_print_tables(export, tmp_path):
    import subprocess

    from .conftest import cli_command

    out = tmp_path / "match.json"
    run = subprocess.run(
        cli_command("evaluate", "match", "--export", str(export), "--split", "all")
        + ["--json", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    saved = json.loads(out.read_text("utf-8"))
    assert saved == evaluate_matching(export=export, split="all")
    assert "| no_invoice | 30 | - | - | - | " in run.stdout
    run = subprocess.run(
        cli_command("evaluate", "resolve", "--export", str(export)),
        capture_output=True,
        text=True,
    )
    result = evaluate_resolution(export=export, split="test")
    total = result["all"]["all"]
    assert f"| all | {total['n']} | {total['accuracy']:.3f} |" in run.stdout
