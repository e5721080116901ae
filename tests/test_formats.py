"""CoNLL, Prodigy, Label Studio and Doccano relation exports: read back with plain
json and text readers, exact shapes, and relations that are true in the graph."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

from corpus_builder.example import Example, Span
from corpus_builder.exporters.conll import ConllWriter, conll_to_offsets, read_conll
from corpus_builder.exporters.doccano_relations import (
    DoccanoRelationWriter,
    read_doccano_relations,
)
from corpus_builder.exporters.labelstudio import (
    read_labelstudio,
)
from corpus_builder.exporters.prodigy import read_prodigy
from corpus_builder.graph import (
    Contract,
    Graph,
    Invoice,
    PurchaseOrder,
    Settlement,
    Transaction,
)
from corpus_builder.relations import RELATION_TYPES, RelationFinder
from corpus_builder.tokens import example_to_doc

from .test_build import SPACY_NAMES, doccano_records, table


def test_every_new_format_reads_back_the_same_texts_and_spans(built):
    out = built.output
    for split, name in SPACY_NAMES.items():
        doccano = doccano_records(out)[split]
        want = [(r["text"], [tuple(s) for s in r["label"]]) for r in doccano]
        assert len(want) == built.manifest["counts"]["examples"][split] > 0

        relations = read_doccano_relations(
            out / "doccano" / "relations" / f"{name}.jsonl"
        )
        assert [(text, spans) for text, spans, _ in relations] == want
        assert read_prodigy(out / "prodigy" / f"{name}.jsonl") == want
        assert read_labelstudio(out / "labelstudio" / f"{name}.json") == want

        documents = read_conll(out / "conll" / f"{name}.conll")
        assert len(documents) == len(want)
        for (text, spans), (tokens, tags) in zip(want, documents):
            assert conll_to_offsets(text, tokens, tags) == spans


def test_manifest_lists_the_new_files_and_units(built):
    files = built.manifest["files"]
    for name in ("train", "dev", "test"):
        assert f"conll/{name}.conll" in files
        assert f"prodigy/{name}.jsonl" in files
        assert f"labelstudio/{name}.json" in files
        assert f"doccano/relations/{name}.jsonl" in files
    assert "labelstudio/config.xml" in files
    assert built.manifest["offset_units"]["labelstudio"].startswith("utf-16")
    assert built.manifest["relation_types"] == list(RELATION_TYPES)


def test_every_relation_in_the_export_is_true_in_the_graph_tables(built):
    out = built.output
    invoices = {r["invoice_number"]: r for r in table(out, "invoices")}
    pos = {r["po_number"]: r for r in table(out, "purchase_orders")}
    contracts = {r["contract_id"]: r for r in table(out, "contracts")}
    txns = {r["txn_id"]: r for r in table(out, "transactions")}
    settled = {(r["txn_id"], r["invoice_number"]) for r in table(out, "settlements")}
    holds = {
        "pays": lambda a, b: (a, b) in settled,
        "paid_by": lambda a, b: txns[a]["customer_id"] == b,
        "billed_to": lambda a, b: invoices[a]["customer_id"] == b,
        "under_contract": lambda a, b: (invoices.get(a) or pos[a])["contract_id"] == b,
        "authorised_by": lambda a, b: invoices[a]["po_number"] == b,
        "contract_with": lambda a, b: contracts[a]["customer_id"] == b,
    }
    seen: dict[str, int] = {}
    invoice_contract_pairs = under_contract = 0
    for name in SPACY_NAMES.values():
        path = out / "doccano" / "relations" / f"{name}.jsonl"
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            kb = [link[2] for link in record["kb_links"]]
            labels = [e["label"] for e in record["entities"]]
            for rel in record["relations"]:
                head, tail = kb[rel["from_id"]], kb[rel["to_id"]]
                check = holds.get(rel["type"], lambda a, b: a == b)
                assert check(head, tail), (record["example_id"], rel)
                seen[rel["type"]] = seen.get(rel["type"], 0) + 1
            # An invoice and a contract in one narrative: related iff the graph says.
            for i, a in enumerate(labels):
                for j, b in enumerate(labels):
                    if (a, b) == ("INVOICE", "CONTRACT") and kb[i] in invoices:
                        true = invoices[kb[i]]["contract_id"] == kb[j]
                        has = {"from_id": i, "to_id": j} in [
                            {"from_id": r["from_id"], "to_id": r["to_id"]}
                            for r in record["relations"]
                            if r["type"] == "under_contract"
                        ]
                        assert has == true
                        invoice_contract_pairs += 1
                        under_contract += has
    for name in ("pays", "paid_by", "billed_to", "under_contract", "currency_of"):
        assert seen.get(name, 0) > 0, name
    assert invoice_contract_pairs > 0 and under_contract > 0


def small_graph() -> Graph:
    day = dt.date(2024, 2, 1)

    def invoice(number: str, contract: str, po: str | None) -> Invoice:
        return Invoice(
            number, "MFG", 2024, 1, contract, "CUS-1", po, day, day, 100, "EUR"
        )

    contract = [
        Contract(c, "CUS-1", 2024, 1, "EUR", "monthly", day, day, 30)
        for c in ("CNT-1", "CNT-2")
    ]
    return Graph(
        contracts={c.contract_id: c for c in contract},
        purchase_orders={"PO-9": PurchaseOrder("PO-9", "CUS-1", "CNT-1")},
        invoices={
            "INV-A": invoice("INV-A", "CNT-1", "PO-9"),
            "INV-B": invoice("INV-B", "CNT-2", None),
            "INV-C": invoice("INV-C", "CNT-1", None),
        },
        transactions=[
            Transaction(
                "TXN-1", "multi", day, 200, "EUR", "CR", "CUS-1", ("INV-A", "INV-B")
            )
        ],
        settlements=[
            Settlement("TXN-1", "INV-A", 100),
            Settlement("TXN-1", "INV-B", 100),
        ],
    )


TEXT = "PMT 200.00 INV-A INV-B INV-C CNT-1 PO-9 ACME"


def span(text: str, label: str, kb: str, slot: str) -> Span:
    start = TEXT.index(text)
    return Span(start, start + len(text), label, kb, slot=slot)


SMALL = Example(
    "ex-1",
    TEXT,
    (
        span("200.00", "AMOUNT", "TXN-1", "{AMOUNT:amount}"),
        span("INV-A", "INVOICE", "INV-A", "{INVOICE:invoice}"),
        span("INV-B", "INVOICE", "INV-B", "{INVOICE:invoice2|canonical}"),
        span("INV-C", "INVOICE", "INV-C", "{INVOICE:invoice3}"),
        span("CNT-1", "CONTRACT", "CNT-1", "{CONTRACT:contract}"),
        span("PO-9", "PURCHASE_ORDER", "PO-9", "{PURCHASE_ORDER:po}"),
        span("ACME", "CUSTOMER", "CUS-1", "{CUSTOMER:customer}"),
    ),
    template_id="t",
    split="train",
)


def test_relations_follow_the_graph_exactly():
    assert RelationFinder(small_graph()).relations(SMALL) == [
        (0, 1, "pays"),
        (0, 2, "pays"),  # INV-C sits in the text but the payment does not settle it
        (0, 6, "paid_by"),
        (1, 4, "under_contract"),
        (1, 5, "authorised_by"),
        (1, 6, "billed_to"),
        (2, 6, "billed_to"),  # INV-B is under CNT-2, not the CNT-1 in the text
        (3, 4, "under_contract"),
        (3, 6, "billed_to"),
        (4, 6, "contract_with"),
        (5, 4, "under_contract"),
    ]


def test_doccano_relation_line_has_doccano_keys(tmp_path, nlp_id):
    writer = DoccanoRelationWriter(tmp_path, RelationFinder(small_graph()))
    writer.write(SMALL, example_to_doc(nlp_id, SMALL))
    writer.close()
    line = json.loads((tmp_path / "train.jsonl").read_text("utf-8"))
    assert list(line)[:3] == ["text", "entities", "relations"]
    assert "label" not in line
    assert line["entities"][1] == {
        "id": 1,
        "label": "INVOICE",
        "start_offset": 11,
        "end_offset": 16,
    }
    assert line["relations"][3] == {
        "id": 3,
        "from_id": 1,
        "to_id": 4,
        "type": "under_contract",
    }
    assert [r["id"] for r in line["relations"]] == list(range(11))


def test_label_studio_results_match_the_labelling_config(built):
    folder = built.output / "labelstudio"
    view = ET.parse(folder / "config.xml").getroot()
    labels = view.find("Labels")
    text = view.find("Text")
    assert labels.get("toName") == text.get("name") == "text"
    assert text.get("value") == "$text"
    assert [e.get("value") for e in labels] == built.manifest["labels"]
    relation_names = [e.get("value") for e in view.find("Relations")]
    assert relation_names == list(RELATION_TYPES)
    ids: list[str] = []
    kinds = set()
    for name in SPACY_NAMES.values():
        for task in json.loads((folder / f"{name}.json").read_text("utf-8")):
            for result in task["predictions"][0]["result"]:
                kinds.add(result["type"])
                if result["type"] == "labels":
                    assert result["from_name"] == labels.get("name")
                    assert result["to_name"] == text.get("name")
                    assert result["value"]["labels"][0] in built.manifest["labels"]
                    ids.append(result["id"])
                else:
                    assert result["labels"][0] in relation_names
                    assert {result["from_id"], result["to_id"]} <= set(ids)
    assert len(ids) == len(set(ids)) > 0
    assert kinds == {"labels", "relation"}


def test_conll_leaves_out_a_line_break_inside_an_entity(tmp_path, nlp_id):
    text = "PMT ALPHA\nBRIDGE REF 7"
    wrapped = Example("w", text, (Span(4, 16, "CUSTOMER", "CUS-1"),), split="test")
    writer = ConllWriter(tmp_path)
    writer.write(wrapped, example_to_doc(nlp_id, wrapped))
    writer.close()
    ((tokens, tags),) = read_conll(tmp_path / "test.conll")
    assert tokens == ["PMT", "ALPHA", "BRIDGE", "REF", "7"]
    assert tags == ["O", "B-CUSTOMER", "I-CUSTOMER", "O", "O"]
    assert conll_to_offsets(text, tokens, tags) == [(4, 16, "CUSTOMER")]
