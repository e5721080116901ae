from __future__ import annotations

import pytest

from corpus_builder.config import DEFAULT_LABELS, load_config
from corpus_builder.errors import ConfigError

from .conftest import write


def test_defaults_load_with_the_documented_values():
    config = load_config(None)
    assert config.seed == 2024
    assert config.narratives == 12000
    assert config.labels == DEFAULT_LABELS
    assert config.splits == {"train": 0.8, "validation": 0.1, "test": 0.1}
    assert config.spacy_lang == "id"
    assert config.graph.customers is None
    assert str(config.output) == "exports"


def test_a_partial_file_overrides_only_its_keys(tmp_path):
    path = write(tmp_path / "c.yaml", "narratives: 50\ngraph:\n  customers: 9\n")
    config = load_config(path)
    assert config.narratives == 50
    assert config.graph.customers == 9
    assert config.graph.contracts is None
    assert config.graph.locales == {"id_ID": 0.6, "en_US": 0.4}


@pytest.mark.parametrize(
    "text, key, words",
    [
        ("narative: 5\n", "narative", "unknown key"),
        ("graph:\n  customer: 5\n", "graph.customer", "unknown key"),
        ("narratives: 0\n", "narratives", "whole number >= 1"),
        ("narratives: -3\n", "narratives", "whole number >= 1"),
        ("seed: abc\n", "seed", "whole number >= 0"),
        ("seed: 1.5\n", "seed", "whole number >= 0"),
        ("graph:\n  invoices: many\n", "graph.invoices", "or 'auto'"),
        (
            "graph:\n  locales: {fr_FR: 1}\n",
            "graph.locales.fr_FR",
            "unsupported locale",
        ),
        ("splits: {train: 0.8, validation: 0.1, test: 0.2}\n", "splits", "add up to 1"),
        ("splits: {train: 0.9, test: 0.1}\n", "splits", "exactly the keys"),
        ("transactions:\n  partial: 2\n", "transactions.partial", "from 0 to 1"),
        ("labels: []\n", "labels", "non-empty list"),
        ("labels: [CUSTOMER, CUSTOMER]\n", "labels", "listed twice"),
        ("rename: {BANK: X}\n", "rename.BANK", "not in `labels`"),
        ("spacy_lang: klingon\n", "spacy_lang", "not a language spaCy knows"),
        ("graph:\n  start_date: yesterday\n", "graph.start_date", "YYYY-MM-DD"),
        ("graph: 5\n", "graph", "expected a mapping"),
        ("- a\n- b\n", "<root>", "mapping of keys"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert error.key == key
    assert error.path == str(path)
    assert words in str(error)
    assert str(error).startswith(f"[E100] {path}: {key}: ")


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path / "broken.yaml", "seed: 1\ngraph:\n  customers: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "line 4, column 1" in str(info.value)
    assert "not valid YAML" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.yaml")


def test_byte_order_mark_and_crlf_are_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfnarratives: 40\r\nseed: 3\r\n")
    config = load_config(path)
    assert (config.narratives, config.seed) == (40, 3)


def test_rename_changes_export_labels(tmp_path):
    path = write(tmp_path / "r.yaml", "rename: {CUSTOMER: COUNTERPARTY}\n")
    config = load_config(path)
    assert config.export_labels[0] == "COUNTERPARTY"
    assert config.export_label("INVOICE") == "INVOICE"


def test_messiness_knobs_have_documented_defaults_and_are_checked(tmp_path):
    config = load_config(None)
    assert (
        config.typo_rate,
        config.ocr_rate,
        config.extra_spaces_rate,
        config.confuser_rate,
    ) == (0.03, 0.01, 0.05, 0.15)
    assert config.alias_weights["legal_name"] == 3.0
    assert config.channel_weights == {}
    path = write(tmp_path / "k.yaml", "aliases: {acronym: 5}\nchannels: {mt940: 0.5}\n")
    config = load_config(path)
    assert config.alias_weights == {"acronym": 5.0}
    assert config.channel_weights == {"mt940": 0.5}
    for text, key in (
        ("aliases: {nickname: 1}\n", "aliases.nickname"),
        ("noise: {typo: 1.5}\n", "noise.typo"),
        ("channels: {sepa: -1}\n", "channels.sepa"),
        ("noise: {typo: 0.6, ocr: 0.6}\n", "noise"),
    ):
        with pytest.raises(ConfigError) as info:
            load_config(write(tmp_path / "bad.yaml", text))
        assert info.value.key == key


@pytest.mark.parametrize(
    "text, key, words",
    [
        (
            "graph:\n  start_date: 2023-02-30\n",
            "graph.start_date",
            "line 2: expected a date",
        ),
        ("seed: 2024-02-30\n", "seed", "line 1: expected a whole number"),
        ("seed: 1\nnarratives: 5\nseed: 2\n", "seed", "line 3: the key appears twice"),
        (
            "narratives: 10\nlabels:\n  - CUSTOMER\n  - bad label\n",
            "labels[1]",
            "line 4:",
        ),
        ("spacy_lang: ja\n", "spacy_lang", "needs a package that is not installed"),
    ],
)
def test_values_yaml_cannot_construct_still_get_their_key_and_line(
    tmp_path, text, key, words
):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path / "bad.yaml", text))
    assert info.value.key == key
    assert words in str(info.value)


def test_a_templates_folder_is_found_beside_the_config(tmp_path):
    write(tmp_path / "conf" / "c.yaml", "templates: mine\n")
    config = load_config(tmp_path / "conf" / "c.yaml")
    assert config.templates == tmp_path / "conf" / "mine"
