from __future__ import annotations

from dataclasses import replace

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
    "text, key, words, code",
    [
        ("narative: 5\n", "narative", "unknown key", "E106"),
        ("graph:\n  customer: 5\n", "graph.customer", "unknown key", "E106"),
        ("narratives: 0\n", "narratives", "whole number >= 1", "E107"),
        ("narratives: -3\n", "narratives", "whole number >= 1", "E107"),
        ("seed: abc\n", "seed", "whole number >= 0", "E107"),
        ("seed: 1.5\n", "seed", "whole number >= 0", "E107"),
        ("graph:\n  invoices: many\n", "graph.invoices", "or 'auto'", "E107"),
        (
            "graph:\n  locales: {fr_FR: 1}\n",
            "graph.locales.fr_FR",
            "unsupported locale",
            "E109",
        ),
        (
            "splits: {train: 0.8, validation: 0.1, test: 0.2}\n",
            "splits",
            "add up to 1",
            "E108",
        ),
        ("splits: {train: 0.9, test: 0.1}\n", "splits", "exactly the keys", "E107"),
        (
            "transactions:\n  partial: 2\n",
            "transactions.partial",
            "from 0 to 1",
            "E107",
        ),
        ("labels: []\n", "labels", "non-empty list", "E107"),
        ("labels: [CUSTOMER, CUSTOMER]\n", "labels", "listed twice", "E108"),
        ("rename: {BANK: X}\n", "rename.BANK", "not in `labels`", "E108"),
        ("spacy_lang: klingon\n", "spacy_lang", "not a language spaCy knows", "E110"),
        ("graph:\n  start_date: yesterday\n", "graph.start_date", "YYYY-MM-DD", "E107"),
        ("graph: 5\n", "graph", "expected a mapping", "E107"),
        ("- a\n- b\n", "<root>", "mapping of keys", "E105"),
        (
            "graph:\n  locales: {xx_YY: 1}\n",
            "graph.locales.xx_YY",
            "Faker has no locale",
            "E109",
        ),
        ("graph:\n  customers: 0\n", "graph.customers", "whole number >= 2", "E107"),
        ("graph:\n  customers: 5.5\n", "graph.customers", "whole number >= 2", "E107"),
        ("graph:\n  contracts: -1\n", "graph.contracts", ">= 1 or 'auto'", "E107"),
        ("seed: -1\n", "seed", "whole number >= 0", "E107"),
        ("seed: '12'\n", "seed", "got '12'", "E107"),
        ("seed: true\n", "seed", "got True", "E107"),
        ("seed: 1\nseed: 2\n", "seed", "appears twice", "E104"),
        ("noise: {typo: 0.7, ocr: 0.6}\n", "noise", "more than 1", "E108"),
        ("aliases: {nickname: 1}\n", "aliases.nickname", "unknown name", "E106"),
        ("doccano_offsets: bytes\n", "doccano_offsets", "code_points or utf16", "E107"),
        ("exports: []\n", "exports", "expected a list of exports", "E107"),
        ("exports: [spacy, pdf]\n", "exports", "unknown export 'pdf'", "E107"),
        ("exports: [hf, hf]\n", "exports", "'hf' is listed twice", "E107"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path, text, key, words, code):
    path = write(tmp_path / "bad.yaml", text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    error = info.value
    assert (error.code, error.exit_code) == (code, 2)
    assert error.key == key
    assert error.path == str(path)
    assert words in str(error)
    assert str(error).startswith(f"[{code}] {path}: {key}: ")


def test_malformed_yaml_names_line_and_column(tmp_path):
    path = write(tmp_path / "broken.yaml", "seed: 1\ngraph:\n  customers: [1, 2\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "line 4, column 1" in str(info.value)
    assert "not valid YAML" in str(info.value)


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist") as info:
        load_config(tmp_path / "nope.yaml")
    assert (info.value.code, info.value.key) == ("E101", "<file>")


@pytest.mark.parametrize(
    "data, words",
    [
        ("narratives: 40 # Größe\n".encode("latin-1"), "(line 1: byte 19 is 0xf6)"),
        ("narratives: 40\n".encode("utf-16"), "UTF-16 text"),
        (b"narratives: 40\n\xff\xfe", "(line 2: byte 15 is 0xff)"),
    ],
)
def test_a_file_in_another_encoding_is_refused_with_the_byte(tmp_path, data, words):
    path = tmp_path / "c.yaml"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert (info.value.code, info.value.key) == ("E102", "<file>")
    assert words in str(info.value) and "save the file as UTF-8" in str(info.value)


def test_a_cut_off_file_is_a_yaml_error_with_its_place(tmp_path):
    path = write(tmp_path / "c.yaml", 'seed: 5\noutput: "exp')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.code == "E103"
    assert "line 2, column 13: not valid YAML (found unexpected end" in str(info.value)


def test_an_empty_file_or_only_comments_means_all_defaults(tmp_path):
    for text in ("", "\n\n", "# nothing changed yet\r\n"):
        path = write(tmp_path / "c.yaml", text)
        config = load_config(path)
        assert config.source == str(path)
        assert replace(config, source="<defaults>") == load_config(None)


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
