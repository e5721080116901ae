"""Label targets, diversity limits, split grouping and held-out test sets."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from pathlib import Path

import jsonlines
import pytest

from corpus_builder.build import build_corpus
from corpus_builder.config import DEFAULT_LABELS, load_config
from corpus_builder.errors import ConfigError, PlanError
from corpus_builder.exporters import SPACY_SPLIT_FILES

from .conftest import write

# Split -> file stem of the Doccano and spaCy exports.
MAIN = SPACY_SPLIT_FILES


def records(out: Path, name: str) -> list[dict]:
    with jsonlines.open(out / "doccano" / f"{name}.jsonl") as reader:
        return list(reader)


def customers_of(out: Path) -> dict[str, str]:
    with open(out / "graph" / "transactions.csv", encoding="utf-8") as handle:
        return {row["txn_id"]: row["customer_id"] for row in csv.DictReader(handle)}


def build(tmp_path: Path, text: str, name: str = "corpus"):
    config = load_config(write(tmp_path / f"{name}.yaml", text))
    return build_corpus(config=config, output=tmp_path / name)


@pytest.fixture(scope="module")
def uniform(tmp_path_factory):
    """The default corpus size with uniform label targets and default grouping."""
    tmp = tmp_path_factory.mktemp("uniform")
    return build(tmp, "balance:\n  mode: uniform\n")


@pytest.mark.slow
def test_uniform_targets_hold_in_train_and_every_split_has_every_label(uniform):
    out = uniform.output
    mentions = {
        split: Counter(
            span[2] for record in records(out, name) for span in record["label"]
        )
        for split, name in MAIN.items()
    }
    train_total = sum(mentions["train"].values())
    for label in DEFAULT_LABELS:
        share = mentions["train"][label] / train_total
        assert abs(share - 1 / 8) <= 0.05 / 8, (label, share)
        for split in MAIN:
            assert mentions[split][label] >= 50, (split, label)
    # The manifest reports exactly what the files hold.
    balance = uniform.manifest["balance"]
    assert balance["mode"] == "uniform"
    for label in DEFAULT_LABELS:
        entry = balance["labels"][label]
        assert entry["target_share"] == 0.125
        assert entry["achieved_count"] == {s: mentions[s][label] for s in MAIN}
        assert entry["achieved_share"]["train"] == round(
            mentions["train"][label] / train_total, 4
        )


@pytest.mark.slow
def test_grouping_by_both_shares_no_template_customer_or_text(uniform):
    out = uniform.output
    owner = customers_of(out)
    seen: dict[str, dict[str, str]] = defaultdict(dict)
    for split, name in MAIN.items():
        for record in records(out, name):
            keys = {
                "template": record["template_id"],
                "customer": owner[record["txn_id"]],
                "text": record["text"],
            }
            for kind, key in keys.items():
                if kind == "customer" and not key:
                    continue  # fees, interest, tax and cash have no customer
                assert seen[kind].setdefault(key, split) == split, (kind, key)
    assert len(seen["customer"]) > 100
    shared = uniform.manifest["shared_between_splits"]
    assert shared == {
        pair: {"templates": [], "customers": 0, "exact_texts": 0}
        for pair in ("train/validation", "train/test", "validation/test")
    }


def test_grouping_by_customer_alone_keeps_customers_apart_but_shares_templates(
    tmp_path,
):
    result = build(tmp_path, "narratives: 1500\nsplit_by: customer\n")
    shared = result.manifest["shared_between_splits"]
    assert all(pair["customers"] == 0 for pair in shared.values())
    assert shared["train/test"]["templates"] != []


def test_grouping_by_template_alone_gives_exact_sizes_and_shares_customers(
    tmp_path,
):
    result = build(tmp_path, "narratives: 1500\nsplit_by: template\n")
    counts = result.manifest["counts"]["examples"]
    assert counts == {"train": 1200, "validation": 150, "test": 150}
    shared = result.manifest["shared_between_splits"]
    assert all(pair["templates"] == [] for pair in shared.values())
    assert shared["train/test"]["customers"] > 0
    assert result.manifest["splits"]["grouping"] == "template"


def test_random_splits_share_templates_and_customers(tmp_path):
    result = build(tmp_path, "narratives: 1500\nsplit_by: random\n")
    shared = result.manifest["shared_between_splits"]["train/test"]
    assert shared["templates"] != [] and shared["customers"] > 0


def test_weights_mode_follows_the_weights(tmp_path):
    weights = {label: 1 for label in DEFAULT_LABELS}
    weights["DATE"] = 2
    text = "narratives: 3000\nbalance:\n  mode: weights\n  weights: " + json.dumps(
        weights
    )
    result = build(tmp_path, text + "\n")
    shares = {
        label: entry["achieved_share"]["train"]
        for label, entry in result.manifest["balance"]["labels"].items()
    }
    assert abs(shares["DATE"] - 2 / 9) <= 0.05 * 2 / 9
    assert abs(shares["CUSTOMER"] - 1 / 9) <= 0.05 / 9


def test_held_out_channel_and_alias_form_are_seen_nowhere_else(tmp_path):
    result = build(
        tmp_path,
        "narratives: 3000\nheldout:\n  channel: sepa\n  alias_form: acronym\n",
    )
    out = result.output
    names = {**MAIN, "test_unseen_channel": "test_unseen_channel"}
    names["test_unseen_alias"] = "test_unseen_alias"
    by_split = {split: records(out, name) for split, name in names.items()}
    for split, rows in by_split.items():
        assert rows, split
        channels = {row["channel"] for row in rows}
        forms = {
            link[3].split("+")[0]
            for row in rows
            for link, span in zip(row["kb_links"], row["label"])
            if span[2] == "CUSTOMER"
        }
        if split == "test_unseen_channel":
            assert channels == {"sepa"}
        else:
            assert "sepa" not in channels
        if split == "test_unseen_alias":
            assert forms == {"acronym"}
        else:
            assert "acronym" not in forms
    assert result.manifest["splits"]["heldout"] == {
        "test_unseen_channel": "sepa",
        "test_unseen_alias": "acronym",
    }
    # Every format carries the held-out sets.
    assert (out / "spacy" / "test_unseen_channel.spacy").is_file()
    from datasets import load_from_disk

    hf = load_from_disk(str(out / "hf"))
    assert hf["test_unseen_alias"].num_rows == len(by_split["test_unseen_alias"])


def test_template_share_cap_is_kept(tmp_path):
    result = build(
        tmp_path, "narratives: 2000\ndiversity:\n  max_template_share: 0.15\n"
    )
    out = result.output
    for split, name in MAIN.items():
        rows = records(out, name)
        uses = Counter(row["template_id"] for row in rows)
        assert max(uses.values()) <= int(0.15 * len(rows)), split
    report = result.manifest["diversity"]["largest_template_share"]
    assert all(share <= 0.15 for share in report.values())


def test_form_share_cap_is_kept_where_slots_leave_a_choice(tmp_path):
    result = build(
        tmp_path,
        "narratives: 2000\ndiversity:\n  max_form_share: 0.3\n"
        "labels: [CUSTOMER, INVOICE, CONTRACT, PURCHASE_ORDER]\n",
    )
    for label, entry in result.manifest["diversity"]["labels"].items():
        assert entry["largest_form_share"] <= 0.3, label


# --- targets that cannot be met fail before anything is rendered ----------------


@pytest.fixture
def no_render(monkeypatch):
    """Make any rendering fail the test: these errors must come first."""

    def refuse(*args, **kwargs):
        raise AssertionError("rendered before the plan was checked")

    monkeypatch.setattr("corpus_builder.shards.render", refuse)


def test_a_minimum_above_what_the_graph_allows_names_the_label(tmp_path, no_render):
    config = load_config(
        write(
            tmp_path / "c.yaml",
            "narratives: 1000\nbalance:\n  min_count: {PURCHASE_ORDER: 5000}\n",
        )
    )
    with pytest.raises(PlanError) as caught:
        build_corpus(config=config, output=tmp_path / "out")
    message = str(caught.value)
    assert "balance.min_count.PURCHASE_ORDER: 5000 mentions asked" in message
    assert "can carry at most" in message
    assert not (tmp_path / "out").exists()


def test_a_minimum_within_reach_is_met(tmp_path):
    result = build(
        tmp_path, "narratives: 1500\nbalance:\n  min_count: {CONTRACT: 80}\n"
    )
    counts = result.manifest["balance"]["labels"]["CONTRACT"]["achieved_count"]
    assert all(counts[s] >= 80 for s in MAIN), counts


def test_uniform_with_templates_that_cannot_balance_names_the_label(
    tmp_path, no_render
):
    folder = tmp_path / "templates"
    folder.mkdir()
    kinds = ("full", "partial", "multi", "fee", "interest", "tax", "cash")
    lines = []
    for i, kind in enumerate(kinds):
        # Every template has at least as many dates as customers, most twice as many.
        body = "PAY {CUSTOMER:customer} {DATE:date} DUE {DATE:due_date}"
        if kind == "multi":
            body = (
                "PAY {CUSTOMER:customer} {INVOICE:invoice} {INVOICE:invoice2} "
                "{DATE:date} DUE {DATE:due_date}"
            )
        if kind in ("fee", "interest", "tax", "cash"):
            body = f"{kind.upper()} {{DATE:date}}"
        for n in range(4):
            lines.append(
                f'  - id: t-{kind}-{n}\n    kind: {kind}\n    text: "{body}"\n'
            )
    write(folder / "t.yaml", "channel: x\nlanguage: id\ntemplates:\n" + "".join(lines))
    config = load_config(
        write(
            tmp_path / "c.yaml",
            "narratives: 600\ntemplates: templates\nlabels: [CUSTOMER, DATE]\n"
            "balance:\n  mode: uniform\ndiversity:\n  min_templates: 1\n",
        )
    )
    with pytest.raises(PlanError) as caught:
        build_corpus(config=config, output=tmp_path / "out")
    message = str(caught.value)
    assert "balance: train mentions miss their targets" in message
    assert "CUSTOMER planned at 3" in message  # about a third, against a half
    assert "DATE planned at 6" in message


def test_a_form_cap_below_one_over_the_forms_fails_naming_the_label(
    tmp_path, no_render
):
    config = load_config(
        write(tmp_path / "c.yaml", "diversity:\n  max_form_share: 0.4\n")
    )
    with pytest.raises(PlanError, match="max_form_share: CURRENCY has 2 surface forms"):
        build_corpus(config=config, output=tmp_path / "out")


def test_too_few_templates_for_a_label_fails_naming_it(tmp_path, no_render):
    config = load_config(
        write(tmp_path / "c.yaml", "diversity:\n  min_templates: 30\n")
    )
    with pytest.raises(PlanError, match=r"min_templates: \w+ needs 30 templates"):
        build_corpus(config=config, output=tmp_path / "out")


def test_a_template_cap_too_low_for_the_templates_fails(tmp_path, no_render):
    config = load_config(
        write(
            tmp_path / "c.yaml",
            "narratives: 1000\ndiversity:\n  max_template_share: 0.001\n",
        )
    )
    with pytest.raises(PlanError, match="max_template_share: 0.001 lets each template"):
        build_corpus(config=config, output=tmp_path / "out")


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("balance:\n  mode: even\n", "balance.mode", "expected one of none, uniform"),
        (
            "balance:\n  mode: weights\n  weights: {IBAN: 1}\n",
            "balance.weights.IBAN",
            "unknown name",
        ),
        ("balance:\n  mode: weights\n", "balance.weights", "no label has a weight"),
        (
            "balance:\n  min_count: {CONTRACT: -1}\n",
            "balance.min_count.CONTRACT",
            "whole number >= 0",
        ),
        ("split_by: month\n", "split_by", "expected one of both, template"),
        ("heldout:\n  alias_form: nickname\n", "heldout.alias_form", "one of"),
        (
            "heldout:\n  alias_form: legal_name\n",
            "heldout.alias_form",
            "every customer",
        ),
        ("heldout:\n  share: 0.7\n", "heldout.share", "below 0.5"),
        ("diversity:\n  max_template_share: 0\n", "diversity.max_template_share", ""),
        ("diversity:\n  min_templates: 0\n", "diversity.min_templates", ">= 1"),
    ],
)
def test_bad_balance_and_split_settings_name_the_key(tmp_path, text, key, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path / "c.yaml", text))
    assert caught.value.key == key
    assert message in str(caught.value)


def test_a_held_out_channel_no_template_has_is_refused(tmp_path, no_render):
    config = load_config(write(tmp_path / "c.yaml", "heldout:\n  channel: telex\n"))
    with pytest.raises(
        PlanError,
        match=(
            r"heldout.channel: no template \(outside another held-out set\) has "
            r"channel 'telex'; template channels are ach"
        ),
    ):
        build_corpus(config=config, output=tmp_path / "out")


def test_planned_builds_are_byte_identical(tmp_path):
    text = "narratives: 800\nbalance:\n  mode: uniform\nheldout:\n  language: en\n"
    a = build(tmp_path, text, "a")
    b = build(tmp_path, text, "b")
    assert a.manifest["files"] == b.manifest["files"]


def test_a_corpus_too_small_for_its_splits_warns_per_missing_label(tmp_path):
    result = build(tmp_path, "narratives: 50\n")
    spans = result.manifest["counts"]["spans"]
    missing = result.manifest["balance"]["missing_labels"]
    want = {
        split: [label for label in DEFAULT_LABELS if spans[label][split] == 0]
        for split in MAIN
    }
    assert missing == {split: labels for split, labels in want.items() if labels}
    assert missing  # 50 narratives cannot give every split every label
    warnings = result.manifest["counts"]["warnings"]
    assert warnings["W107"] == sum(len(labels) for labels in missing.values())


def test_narratives_outside_the_bmp_warn_under_code_point_doccano_offsets():
    from corpus_builder.balance import count_warnings
    from corpus_builder.example import Example, Span
    from corpus_builder.stats import Stats

    text = "\U0001f4b3 PMT ALPHABRIDGE SOLUTIONS"
    example = Example("ex-1", text, (Span(6, 27, "CUSTOMER", "CUS-1"),), split="train")
    for utf16, want in ((False, 1), (True, 0)):
        config = load_config(
            None, overrides={"doccano_offsets": "utf16" if utf16 else "code_points"}
        )
        stats = Stats()
        stats.write(example, None)
        count_warnings(config, stats)
        assert stats.warnings["W108"] == want


def test_weights_that_name_some_labels_leave_the_others_at_one(tmp_path):
    config = load_config(
        write(tmp_path / "c.yaml", "balance:\n  mode: weights\n  weights: {DATE: 2}\n")
    )
    targets = config.balance.targets(config.labels)
    assert targets["DATE"] == 2 / 9
    assert all(targets[label] == 1 / 9 for label in DEFAULT_LABELS if label != "DATE")
