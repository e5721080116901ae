from __future__ import annotations

import random
from collections import Counter

import pytest

from corpus_builder.config import load_config
from corpus_builder.errors import PlanError
from corpus_builder.plan import assign_splits, check_labels, split_sequence
from corpus_builder.templates import load_templates

from .conftest import write


def test_split_sequence_is_exact_and_seeded():
    shares = {"train": 0.8, "validation": 0.1, "test": 0.1}
    seq = split_sequence(1001, shares, random.Random(1))
    assert Counter(seq) == {"train": 801, "validation": 100, "test": 100}
    assert seq == split_sequence(1001, shares, random.Random(1))
    assert seq != split_sequence(1001, shares, random.Random(2))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_each_template_has_one_split_and_every_split_every_kind(seed):
    templates = load_templates()
    config = load_config(None)
    plan = assign_splits(templates, config, random.Random(seed))
    assert set(plan.template_split) == {t.id for t in templates}
    assert not any(
        key.startswith("kind:") for gaps in plan.gaps.values() for key in gaps
    )
    assert "train" not in plan.gaps
    for split in ("validation", "test"):
        assert len(plan.templates_of(split, templates)) >= 5


def test_a_label_no_template_produces_fails_before_generating(tmp_path):
    config = load_config(write(tmp_path / "c.yaml", "labels: [CUSTOMER, IBAN_CODE]\n"))
    with pytest.raises(PlanError, match="label IBAN_CODE is in the config") as info:
        check_labels(load_templates(), config)
    assert (info.value.code, info.value.exit_code) == ("E501", 6)
    assert info.value.label == "IBAN_CODE"
