"""End-to-end: build a small corpus and read every export back with its own reader."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import jsonlines
import pytest
from datasets import ClassLabel, load_from_disk
from spacy.tokens import DocBin

from corpus_builder.build import build_corpus
from corpus_builder.config import DEFAULT_LABELS, load_config
from corpus_builder.errors import WARNINGS, OutputError
from corpus_builder.example import Example, Span
from corpus_builder.tokens import check_iob2, iob_to_offsets
from corpus_builder.validate import check_example

from .conftest import files_of

SPACY_NAMES = {"train": "train", "validation": "dev", "test": "test"}
BUSINESS_LABELS = {"CUSTOMER", "INVOICE", "CONTRACT", "PURCHASE_ORDER", "ACCOUNT"}


def doccano_records(out: Path) -> dict[str, list[dict]]:
    records = {}
    for split, name in SPACY_NAMES.items():
        with jsonlines.open(out / "doccano" / f"{name}.jsonl") as reader:
            records[split] = list(reader)
    return records


def table(out: Path, name: str) -> list[dict]:
    with open(out / "graph" / f"{name}.csv", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_export_reads_back_the_same_texts_and_spans(built, nlp_id):
    out = built.output
    doccano = doccano_records(out)
    hf = load_from_disk(str(out / "hf"))
    for split, name in SPACY_NAMES.items():
        want = {
            r["example_id"]: (r["text"], [tuple(s) for s in r["label"]])
            for r in doccano[split]
        }
        assert len(want) == built.manifest["counts"]["examples"][split] > 0

        docs = (
            DocBin().from_disk(out / "spacy" / f"{name}.spacy").get_docs(nlp_id.vocab)
        )
        from_spacy = {
            d.user_data["example_id"]: (
                d.text,
                [(e.start_char, e.end_char, e.label_) for e in d.ents],
            )
            for d in docs
        }
        assert from_spacy == want

        names = hf[split].features["ner_tags"].feature.names
        from_hf = {}
        for row in hf[split]:
            tags = [names[i] for i in row["ner_tags"]]
            check_iob2(tags)
            text, spans = iob_to_offsets(nlp_id, row["tokens"], row["spaces"], tags)
            assert text == row["text"]
            from_hf[row["id"]] = (text, spans)
        assert from_hf == want


def test_read_back_examples_keep_every_invariant_and_kb_id(built, nlp_id):
    for split, records in doccano_records(built.output).items():
        for record in records:
            kb = {(s, e): k for s, e, k, _, _ in record["kb_links"]}
            spans = tuple(
                Span(s, e, label, kb[(s, e)]) for s, e, label in record["label"]
            )
            example = Example(record["example_id"], record["text"], spans)
            check_example(example, nlp_id.make_doc(record["text"]))
            assert record["split"] == split


def test_kb_ids_resolve_and_agree_with_the_graph(built):
    out = built.output
    ids = set()
    for name, key in (
        ("customers", "customer_id"),
        ("contracts", "contract_id"),
        ("purchase_orders", "po_number"),
        ("invoices", "invoice_number"),
    ):
        ids |= {row[key] for row in table(out, name)}
    txns = {row["txn_id"]: row for row in table(out, "transactions")}
    ids |= set(txns)
    invoices = {row["invoice_number"]: row for row in table(out, "invoices")}
    settled = defaultdict(set)
    for row in table(out, "settlements"):
        settled[row["txn_id"]].add(row["invoice_number"])

    checked = defaultdict(int)
    for records in doccano_records(out).values():
        for record in records:
            txn_id = record["txn_id"]
            assert txns[txn_id]["example_id"] == record["example_id"]
            assert txns[txn_id]["narrative"] == record["text"]
            labels = {
                label: kb
                for (_, _, kb, _, _), (_, _, label) in zip(
                    record["kb_links"], record["label"]
                )
            }
            for (start, end, kb, form, _), (_, _, label) in zip(
                record["kb_links"], record["label"]
            ):
                assert kb in ids, (record["example_id"], kb)
                checked[label] += 1
                if label == "INVOICE":
                    assert kb in settled[txn_id]
                if label == "CUSTOMER":
                    assert kb == txns[txn_id]["customer_id"]
                    for number in settled[txn_id]:
                        assert invoices[number]["customer_id"] == kb
                if label in ("AMOUNT", "CURRENCY"):
                    assert kb == txn_id
            if txns[txn_id]["kind"] in ("fee", "interest", "tax", "cash"):
                assert not BUSINESS_LABELS & set(labels)
                assert not settled[txn_id]
    assert set(checked) == set(DEFAULT_LABELS)


def test_label_names_are_one_fixed_order_in_every_split(built):
    hf = load_from_disk(str(built.output / "hf"))
    want = built.manifest["iob_tags"]
    assert want[:3] == ["O", "B-CUSTOMER", "I-CUSTOMER"] and len(want) == 17
    for split in ("train", "validation", "test"):
        feature = hf[split].features["ner_tags"].feature
        assert isinstance(feature, ClassLabel) and feature.names == want
    id2label = json.loads((built.output / "hf" / "id2label.json").read_text())
    assert [id2label[str(i)] for i in range(len(want))] == want


def test_no_template_is_in_two_splits(built):
    seen = {}
    for split, records in doccano_records(built.output).items():
        for record in records:
            assert seen.setdefault(record["template_id"], split) == split
    shared = built.manifest["shared_between_splits"]
    assert all(pair["templates"] == [] for pair in shared.values())


def test_splits_have_the_configured_sizes_and_negatives_their_share(built):
    counts = built.manifest["counts"]
    # Whole customers move between splits, so sizes are near the shares, not exact.
    assert sum(counts["examples"].values()) == 1500
    for split, share in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        assert abs(counts["examples"][split] - 1500 * share) <= 15
    kinds = defaultdict(int)
    for per_split in counts["transaction_kinds"].values():
        for kind, n in per_split.items():
            kinds[kind] += n
    no_entity = sum(kinds[k] for k in ("fee", "interest", "tax", "cash"))
    assert no_entity == 150  # transactions.no_entity = 0.10 of 1500
    assert sum(kinds.values()) == 1500


def test_manifest_records_versions_tokenizer_and_offsets(built):
    manifest = json.loads((built.output / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["tokenizer"] == {
        "library": "spacy",
        "pipeline": "spacy.blank('id')",
        "lang": "id",
    }
    assert manifest["offset_unit"] == "unicode code points of NFC text, end exclusive"
    assert set(manifest["versions"]) == {"python", "faker", "spacy", "datasets"}
    assert manifest["config"]["narratives"] == 1500
    for rel, info in manifest["files"].items():
        assert (built.output / rel).stat().st_size == info["bytes"]
    surfaces = manifest["counts"]["distinct_surfaces"]
    assert surfaces["INVOICE"] > 100 and surfaces["CUSTOMER"] > 50
    forms = manifest["counts"]["surface_forms"]
    assert len(forms["INVOICE"]) >= 6 and len(forms["CUSTOMER"]) >= 4


def test_manifest_counts_each_coded_warning_as_the_exports_show_it(built):
    manifest = json.loads((built.output / "manifest.json").read_text())
    warnings = manifest["counts"]["warnings"]
    assert list(warnings) == list(WARNINGS)
    records = [r for split in doccano_records(built.output).values() for r in split]
    cut = sum(1 for r in records for link in r["kb_links"] if "+cut" in link[3])
    dropped = manifest["counts"]["spans_dropped_by_truncation"]
    # Non-zero counts of both are checked in test_errors.py.
    assert warnings["W101"] == cut
    assert warnings["W102"] == sum(dropped.values())
    assert warnings["W103"] == 0  # the graph's values need no normalising


def test_same_config_and_seed_give_the_same_bytes(tmp_path):
    config = load_config(None, overrides={"narratives": 400, "seed": 11})
    build_corpus(config=config, output=tmp_path / "a")
    build_corpus(config=config, output=tmp_path / "b")
    a, b = files_of(tmp_path / "a"), files_of(tmp_path / "b")
    # 3 doccano, 3 relations, 3 spacy, 12 hf, 3 conll, 4 labelstudio (config.xml),
    # 3 prodigy, 8 graph, 3 tasks, README.md (the card), manifest
    assert len(a) == 44 and a == b
    other = load_config(None, overrides={"narratives": 400, "seed": 12})
    build_corpus(config=other, output=tmp_path / "c")
    assert files_of(tmp_path / "c")["doccano/train.jsonl"] != a["doccano/train.jsonl"]


def test_exports_writes_only_the_chosen_folders_with_the_same_bytes(tmp_path):
    full = load_config(None, overrides={"narratives": 400, "seed": 11})
    some = load_config(
        None, overrides={"narratives": 400, "seed": 11, "exports": ["hf", "spacy"]}
    )
    build_corpus(config=full, output=tmp_path / "full")
    build_corpus(config=some, output=tmp_path / "some")
    a, b = files_of(tmp_path / "full"), files_of(tmp_path / "some")
    assert sorted(p.name for p in (tmp_path / "some").iterdir()) == [
        "README.md",
        "hf",
        "manifest.json",
        "spacy",
    ]
    # 3 spacy, 12 hf, the card and the manifest; the folders are the full build's.
    assert len(b) == 17
    for name, data in b.items():
        if name.startswith(("spacy/", "hf/")):
            assert data == a[name], name
    manifest = json.loads(b["manifest.json"])
    assert manifest["config"]["exports"] == ["spacy", "hf"]
    assert sorted(manifest["splits"]) == ["grouping", "heldout", "hf", "spacy"]
    assert manifest["counts"] == json.loads(a["manifest.json"])["counts"]
    card = b["README.md"].decode()
    files = card.split("## Files\n\n")[1].split("\n\n")[0].splitlines()
    assert [line.split("`")[1] for line in files] == ["spacy/", "hf/", "manifest.json"]
    assert "Each span keeps the graph id it points to in the spaCy export." in card


def test_non_empty_output_is_refused_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    config = load_config(None, overrides={"narratives": 60})
    with pytest.raises(OutputError, match="not empty; pass --force"):
        build_corpus(config=config, output=out)
    # --force replaces only an earlier export, never a folder of other files.
    with pytest.raises(OutputError, match="no corpus-builder export"):
        build_corpus(config=config, output=out, force=True)
    assert files_of(out) == {"mine.txt": b"keep me"}
    export = tmp_path / "export"
    build_corpus(config=config, output=export)
    (export / "notes.txt").write_text("mine, added after the build")
    with pytest.raises(OutputError, match=r"files it did not write \(notes.txt\)"):
        build_corpus(config=config, output=export, force=True)
    (export / "notes.txt").unlink()
    before = files_of(export)["manifest.json"]
    other = load_config(None, overrides={"narratives": 70})
    build_corpus(config=other, output=export, force=True)
    assert files_of(export)["manifest.json"] != before
    assert oct(export.stat().st_mode & 0o777) != "0o700"


def test_marker_files_do_not_count_and_are_kept(tmp_path):
    out = tmp_path / "exports"
    out.mkdir()
    (out / ".gitkeep").write_text("")
    build_corpus(config=load_config(None, overrides={"narratives": 60}), output=out)
    assert (out / ".gitkeep").exists() and (out / "manifest.json").exists()


def test_a_failed_build_leaves_the_old_export_and_no_staging(tmp_path, monkeypatch):
    out = tmp_path / "out"
    config = load_config(None, overrides={"narratives": 80})
    build_corpus(config=config, output=out)
    before = files_of(out)

    from corpus_builder.exporters import doccano

    calls = {"n": 0}
    original = doccano.DoccanoWriter.write

    def failing(self, example, doc):
        calls["n"] += 1
        if calls["n"] == 40:
            raise OSError(28, "No space left on device")
        original(self, example, doc)

    monkeypatch.setattr(doccano.DoccanoWriter, "write", failing)
    with pytest.raises(OutputError) as info:
        build_corpus(
            config=load_config(None, overrides={"narratives": 90, "seed": 5}),
            output=out,
            force=True,
        )
    assert (info.value.code, info.value.exit_code) == ("E607", 7)
    assert info.value.errno == 28
    assert "No space left on device [ENOSPC]" in str(info.value)
    assert files_of(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
