"""The messiness families show up in a corpus, and never break a span or its kb_id."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corpus_builder.build import derive_rng
from corpus_builder.example import Example
from corpus_builder.fields import build_surface_index
from corpus_builder.graph import build_graph
from corpus_builder.layout import truncate, wrap
from corpus_builder.noise import ocr, typo
from corpus_builder.render import Piece, apply_case, assemble
from corpus_builder.validate import check_example
from corpus_builder.variants import customer_aliases, invoice_forms

IDENTIFIERS = {"CUSTOMER", "INVOICE", "CONTRACT", "PURCHASE_ORDER"}


def records(built):
    """Every Doccano record of a build result."""
    for name in ("train", "dev", "test"):
        path = built.output / "doccano" / f"{name}.jsonl"
        yield from map(json.loads, path.read_text("utf-8").splitlines())


def test_each_family_is_visible_in_the_corpus(built):
    counts = built.manifest["counts"]
    customer = set(counts["surface_forms"]["CUSTOMER"])
    assert {
        "legal_name",
        "legal_form_dropped",
        "legal_form_moved",
        "abbreviated",
        "truncated",
        "acronym",
        "words_merged",
    } <= customer
    assert any(form.endswith("+typo") for form in customer)
    invoice = set(counts["surface_forms"]["INVOICE"])
    assert {
        "canonical",
        "series_dropped",
        "separator_space",
        "padding_dropped",
        "prefix_spelled",
        "prefix_localized",
        "year_inserted",
    } <= invoice
    assert sum(counts["noisy_mentions"].values()) > 0
    assert len(set().union(*counts["channels"].values())) >= 12
    assert all(set(langs) == {"id", "en"} for langs in counts["languages"].values())
    wrapped = [
        r for r in records(built) if r["channel"] == "mt940" and "\n" in r["text"]
    ]
    assert wrapped
    for record in wrapped:
        assert all(len(line) <= 65 for line in record["text"].split("\n"))


def test_every_form_resolves_to_one_entity_or_is_flagged(built, small_config):
    graph = build_graph(small_config, derive_rng(small_config.seed, "graph"))
    index = build_surface_index(graph)
    checked = 0
    rendered = set()
    for record in records(built):
        for (start, end, kb, form, score), (_, _, label) in zip(
            record["kb_links"], record["label"]
        ):
            if label not in IDENTIFIERS:
                continue
            surface = record["text"][start:end].replace("\n", "").upper()
            rendered.add(surface)
            owners = index.get(surface, frozenset())
            if "+ambiguous" in form:
                assert owners - {kb}
            elif "+" in form:  # noise or a cut: never another entity's form
                assert owners <= {kb}, (record["example_id"], surface, owners)
            else:
                assert owners == {kb}, (record["example_id"], surface, owners)
            checked += 1
    assert checked > 1000
    # Recorded, and never rendered; a legal name stays even when another customer's
    # derived alias (say a truncation) spells it, and that alias is what is dropped.
    assert graph.ambiguous_aliases
    legal_names = {c.legal_name.upper() for c in graph.customers.values()}
    assert not (rendered & set(graph.ambiguous_aliases)) - legal_names


WORD = st.lists(
    st.sampled_from(list("ABCXYZabcxyzßİﬁéÅøŁ💳") + ["e\u0301", "\u00a0"]),
    min_size=1,
    max_size=9,
).map("".join)
# A name is never whitespace alone (an empty alias is refused, see test_render).
WORD = WORD.filter(lambda word: word.strip())


@settings(max_examples=400, deadline=None)
@given(
    st.lists(WORD, min_size=1, max_size=3),
    WORD,
    st.sampled_from(["PT", "CV", "PT Tbk", "LLC", "Inc.", "GmbH"]),
    st.sampled_from(["upper", "keep"]),
    st.integers(0, 2**32),
    st.integers(min_value=20, max_value=60),
)
def test_every_transformation_keeps_spans_exact(
    words, sector, legal_form, case, seed, width
):
    rng = random.Random(seed)
    core = (*words, sector)
    legal = " ".join(core) + f" {legal_form}"
    aliases = customer_aliases(legal, core, legal_form, ())
    invoices = invoice_forms("MFG", 2024, rng.randrange(1, 10**6), "DE")
    for alias in aliases:
        for value in (alias.text, typo(alias.text, rng), ocr(alias.text, rng)):
            invoice = rng.choice(invoices).text
            pieces = [
                Piece("PMT "),
                Piece(value, "CUSTOMER", "CUS-1", is_value=True),
                Piece(" REF:"),
                Piece(invoice, "INVOICE", "INV-1", is_value=True),
            ]
            text, spans = assemble(pieces, case=case, record="p")
            assert text[spans[1].start : spans[1].end] == apply_case(invoice, case)
            for changed, kept in (
                wrap(text, spans, width),
                truncate(text, spans, width)[:2],
            ):
                check_example(Example("p", changed, kept))
                assert [s.kb_id for s in kept] == ["CUS-1", "INV-1"][: len(kept)]


def test_extreme_noise_still_builds_and_one_noisy_spelling_names_one_entity(tmp_path):
    from collections import defaultdict

    from corpus_builder.build import build_corpus
    from corpus_builder.config import load_config

    owners = defaultdict(set)
    for seed, rates in (
        (2, {"noise.ocr": 1.0, "noise.typo": 0.0}),
        (3, {"noise.ocr": 0.0, "noise.typo": 1.0}),
    ):
        config = load_config(
            None, overrides={"narratives": 1500, "seed": seed, **rates}
        )
        result = build_corpus(config=config, output=tmp_path / f"s{seed}")
        assert sum(result.manifest["counts"]["noisy_mentions"].values()) > 500
        for record in records(result):
            for (start, end, kb, form, _), (_, _, label) in zip(
                record["kb_links"], record["label"]
            ):
                if "+typo" in form or "+ocr" in form:
                    surface = record["text"][start:end].replace("\n", "").upper()
                    owners[(seed, surface)].add(kb)
    assert owners and all(len(ids) == 1 for ids in owners.values())


def test_channel_weights_leave_channels_out_or_name_unknown_ones(tmp_path):

    from corpus_builder.build import build_corpus
    from corpus_builder.config import load_config
    from corpus_builder.errors import PlanError

    from .conftest import write

    config = load_config(
        write(tmp_path / "c.yaml", "channels: {ebanking: 0}\n"),
        overrides={"narratives": 800},
    )
    result = build_corpus(config=config, output=tmp_path / "out")
    channels = set().union(*result.manifest["counts"]["channels"].values())
    assert "ebanking" not in channels and "branch" in channels
    config = load_config(write(tmp_path / "d.yaml", "channels: {MT940: 2}\n"))
    with pytest.raises(PlanError, match="channels.MT940: no template has this channel"):
        build_corpus(config=config, output=tmp_path / "out2")


def test_sample_draws_the_asked_channel(small_config):
    from corpus_builder.sample import sample_examples

    examples = sample_examples(config=small_config, count=5, channel="mt940")
    assert len(examples) == 5 and {e.channel for e in examples} == {"mt940"}


def test_the_surface_index_answers_like_a_dict_of_its_forms():
    from array import array

    from spacy.strings import hash_string

    from corpus_builder.fields import SurfaceIndex

    forms = [("PT SINAR BAHARI", "CUS-1"), ("SB", "CUS-1"), ("SB", "CUS-2")]
    forms += [("SB", "CUS-1"), ("MFG-INV-000157", "MFG-INV-000157")]
    ids = ["CUS-1", "CUS-2", "MFG-INV-000157"]
    index = SurfaceIndex(
        array("Q", [hash_string(text) for text, _ in forms]),
        array("I", [ids.index(owner) for _, owner in forms]),
        ids,
    )
    assert len(index) == 3
    assert index.get("SB") == frozenset({"CUS-1", "CUS-2"})
    assert index["PT SINAR BAHARI"] == frozenset({"CUS-1"})
    assert index.get("MFG-INV-000157") == frozenset({"MFG-INV-000157"})
    assert "MFG-INV-000158" not in index
    assert index.get("MFG-INV-000158", frozenset({"x"})) == frozenset({"x"})
    with pytest.raises(KeyError):
        index["PT SINAR"]
