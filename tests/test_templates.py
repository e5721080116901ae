from __future__ import annotations

import multiprocessing

import pytest

from corpus_builder.build import build_corpus
from corpus_builder.config import DEFAULT_LABELS, load_config
from corpus_builder.errors import TemplateError
from corpus_builder.probe import check_alignment
from corpus_builder.templates import (
    KINDS,
    Literal,
    Slot,
    load_templates,
    parse_placeholders,
    read_template_file,
)

from .conftest import make_template, write

HEAD = "channel: test\nlanguage: id\ncase: upper\ntemplates:\n"


def one(text: str, kind: str = "full") -> str:
    return HEAD + f'  - id: t-1\n    kind: {kind}\n    text: "{text}"\n'


def test_placeholders_split_into_literals_and_slots():
    text = "PMT {CUSTOMER:customer} {{X}} {DATE:date|yymmdd} {ref}"
    parts = parse_placeholders(text, path="f", line=3, column=11)
    date_at = len("PMT {CUSTOMER:customer} {{X}} ")
    ref_at = len("PMT {CUSTOMER:customer} {{X}} {DATE:date|yymmdd} ")
    assert parts == (
        Literal("PMT "),
        Slot("customer", "CUSTOMER", None, 3, 11 + len("PMT ")),
        Literal(" {X} "),
        Slot("date", "DATE", "yymmdd", 3, 11 + date_at),
        Literal(" "),
        Slot("ref", None, None, 3, 11 + ref_at),
    )


@pytest.mark.parametrize(
    "text, column, words, code",
    [
        ("PMT {CUSTOMER:client}", 16, "unknown field 'client'", "E208"),
        ("PMT {CUSTOMER:customer", 16, "not closed", "E207"),
        ("PMT {CUSTOMER:{customer}}", 26, "do not nest", "E207"),
        ("PMT {~A|{B}|C}", 20, "do not nest", "E207"),
        ("PMT } X", 16, "no '{' before it", "E207"),
        ("PMT {} X", 16, "empty placeholder", "E207"),
        ("PMT { customer } X", 16, "has spaces", "E207"),
        ("PMT {~ONLY} X", 16, "two or more alternatives", "E207"),
        ("PMT {DATE:date|iso|yymmdd}", 16, "only one option", "E207"),
        ("PMT {customer}", 16, "say its label", "E208"),
        ("PMT {REF:ref}", 16, "cannot carry a label", "E208"),
        ("PMT {customer:customer}", 16, "upper-case", "E208"),
        ("PMT {DATE:date|sometime}", 16, "unknown option 'sometime'", "E208"),
        (
            "PMT {CUSTOMER:invoice}",
            16,
            "field 'invoice' makes INVOICE spans, not CUSTOMER",
            "E208",
        ),
    ],
)
def test_broken_placeholders_fail_with_file_line_and_column(
    tmp_path, text, column, words, code
):
    path = write(tmp_path / "t.yaml", one(text))
    with pytest.raises(TemplateError) as info:
        read_template_file(path)
    error = info.value
    assert (error.path, error.line, error.column) == (str(path), 7, column)
    assert error.template_id == "t-1"
    assert words in str(error)
    assert (error.code, error.exit_code) == (code, 3)
    assert str(error).startswith(f"[{code}] {path}:7:{column} (template t-1): ")


@pytest.mark.parametrize(
    "body, line, words",
    [
        ("channel: x\nlanguage: id\ntemplates: [\n", 4, "not valid YAML"),
        ("channel: x\nlanguage: fr\ntemplates: []\n", 2, "language must be one of"),
        ("channel: x\nlanguage: id\ntemplates: []\n", 3, "non-empty list"),
        (
            "channel: x\nlanguage: id\nextra: 1\ntemplates: []\n",
            3,
            "unknown key 'extra'",
        ),
        (HEAD + '  - id: a\n    kind: gift\n    text: "X"\n', 6, "kind must be one of"),
        (HEAD + '  - id: a\n    kind: full\n    text: "  "\n', 7, "text is empty"),
        (
            HEAD + '  - id: a\n    kind: full\n    weight: -2\n    text: "X"\n',
            7,
            "weight must be a number above 0",
        ),
        (
            HEAD + '  - id: a\n    kind: fee\n    text: "FEE {CUSTOMER:customer}"\n',
            7,
            "settles nothing",
        ),
        (
            HEAD + '  - id: a\n    kind: full\n    text: "X {INVOICE:invoice2}"\n',
            7,
            "needs more than one invoice",
        ),
        (
            HEAD + '  - id: a\n    kind: multi\n    text: "X {INVOICE:invoice}"\n',
            7,
            "at least two invoices",
        ),
        (
            HEAD + '  - id: a\n    kind: full\n    currencies: [XYZ]\n    text: "X"\n',
            7,
            "no transaction is in XYZ",
        ),
        (HEAD + '  - id: a\n    kind: full\n    text: "X\tY"\n', 7, "has a tab"),
    ],
)
def test_broken_files_fail_with_their_line(tmp_path, body, line, words):
    path = write(tmp_path / "t.yaml", body)
    with pytest.raises(TemplateError) as info:
        read_template_file(path)
    assert info.value.line == line
    assert words in str(info.value)


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\r\n", "\ufeff"])
def test_empty_file_fails(tmp_path, text):
    path = write(tmp_path / "t.yaml", text)
    with pytest.raises(TemplateError, match="the file is empty") as info:
        read_template_file(path)
    assert (info.value.code, info.value.line, info.value.column) == ("E204", 1, 1)


@pytest.mark.parametrize(
    "data, words",
    [
        (one("ÜBERWEISUNG {CUSTOMER:customer}").encode("latin-1"), "line 7: byte"),
        (one("PMT {CUSTOMER:customer}").encode("utf-16"), "UTF-16 text"),
    ],
)
def test_a_template_file_in_another_encoding_is_e202(tmp_path, data, words):
    path = tmp_path / "t.yaml"
    path.write_bytes(data)
    with pytest.raises(TemplateError) as info:
        read_template_file(path)
    assert (info.value.code, info.value.exit_code) == ("E202", 3)
    assert words in str(info.value) and "save the file as UTF-8" in str(info.value)


def test_a_byte_order_mark_and_crlf_line_ends_load_like_plain_utf8(tmp_path):
    text = one("ÜBERWEISUNG {CUSTOMER:customer} {INVOICE:invoice}")
    plain = read_template_file(write(tmp_path / "a.yaml", text))
    path = tmp_path / "b.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    crlf = read_template_file(path)
    assert [(t.text, t.line, t.column, t.parts) for t in crlf] == [
        (t.text, t.line, t.column, t.parts) for t in plain
    ]
    assert crlf[0].text == "ÜBERWEISUNG {CUSTOMER:customer} {INVOICE:invoice}"


def test_a_file_cut_off_mid_template_names_its_line(tmp_path):
    text = one("PMT {CUSTOMER:customer}")
    path = write(tmp_path / "t.yaml", text[: text.index("text:") + 12])
    with pytest.raises(TemplateError) as info:
        read_template_file(path)
    assert (info.value.code, info.value.line) == ("E203", 7)
    assert "not valid YAML (found unexpected end of stream)" in str(info.value)


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    write(tmp_path / "a.yaml", one("PMT {CUSTOMER:customer}"))
    second = write(tmp_path / "b.yaml", one("TRF {CUSTOMER:customer}"))
    with pytest.raises(TemplateError) as info:
        load_templates(tmp_path)
    assert info.value.path == str(second)
    assert "used twice" in str(info.value) and "a.yaml:7" in str(info.value)


def test_slot_glued_to_a_word_is_refused_at_load(tmp_path, nlp_id):
    path = write(
        tmp_path / "t.yaml", one("TRF NOREK{ACCOUNT:account} {CUSTOMER:customer}")
    )
    templates = load_templates(tmp_path)
    with pytest.raises(TemplateError) as info:
        check_alignment(templates, nlp_id)
    error = info.value
    assert (error.path, error.line, error.column) == (str(path), 7, 21)
    assert "{ACCOUNT:account} cannot sit on token boundaries" in str(error)
    assert "NOREK0123456789" in str(error)


def test_a_build_refuses_a_glued_slot_from_its_background_probe(tmp_path):
    path = write(
        tmp_path / "t" / "t.yaml",
        one("TRF NOREK{ACCOUNT:account} {CUSTOMER:customer}"),
    )
    config = load_config(
        None, overrides={"narratives": 50, "templates": str(path.parent)}
    )
    with pytest.raises(TemplateError) as info:
        build_corpus(config=config, output=tmp_path / "out")
    # The probe's error, not what followed from the template (labels it lacks).
    assert (info.value.path, info.value.line, info.value.column) == (str(path), 7, 21)
    assert "of the 'id' tokenizer" in str(info.value)
    assert not (tmp_path / "out").exists()
    assert multiprocessing.active_children() == []


def test_two_slots_without_a_separator_are_refused(tmp_path, nlp_id):
    write(tmp_path / "t.yaml", one("PMT {CURRENCY:currency}{AMOUNT:amount}"))
    with pytest.raises(TemplateError, match="cannot sit on token boundaries"):
        check_alignment(load_templates(tmp_path), nlp_id)


def test_prefix_with_colon_is_accepted(tmp_path, nlp_id):
    write(
        tmp_path / "t.yaml", one("PEMBAYARAN REF:{INVOICE:invoice} {CUSTOMER:customer}")
    )
    assert check_alignment(load_templates(tmp_path), nlp_id) > 0


def test_shipped_templates_meet_the_pack_requirements(nlp_id):
    templates = load_templates()
    assert len(templates) >= 40
    assert len({t.channel for t in templates}) >= 6
    assert {t.language for t in templates} == {"id", "en"}
    labels = set().union(*(t.labels for t in templates))
    assert labels >= set(DEFAULT_LABELS)
    assert {t.kind for t in templates} == set(KINDS)
    assert check_alignment(templates, nlp_id) > len(templates)


def test_shipped_templates_also_fit_the_english_tokenizer():
    import spacy

    assert check_alignment(load_templates(), spacy.blank("en")) > 0


def test_choices_parse_with_their_alternatives():
    from corpus_builder.templates import Choice

    parts = parse_placeholders(
        "{~PMT|PAYMENT|} {CUSTOMER:customer}", path="f", line=1, column=1
    )
    assert parts[0] == Choice(("PMT", "PAYMENT", ""), 1, 1)
    assert parts[2] == Slot(
        "customer", "CUSTOMER", None, 1, 1 + len("{~PMT|PAYMENT|} ")
    )


@pytest.mark.parametrize(
    "pick, want",
    [
        (0, "PMT REF X"),
        (1, "PMT X"),
    ],
)
def test_an_omitted_alternative_takes_one_space_with_it(pick, want):
    from corpus_builder.templates import resolve_choices

    parts = parse_placeholders("PMT {~REF|} X", path="f", line=1, column=1)
    resolved = resolve_choices(parts, lambda choice: choice.options[pick])
    assert resolved == (Literal(want),)


def test_omitted_alternatives_at_either_end_leave_no_edge_space():
    from corpus_builder.templates import resolve_choices

    parts = parse_placeholders(
        "{~PMT|} {CUSTOMER:customer} {~OK|}", path="f", line=1, column=1
    )
    resolved = resolve_choices(parts, lambda choice: "")
    assert resolved == (Slot("customer", "CUSTOMER", None, 1, len("{~PMT|} ") + 1),)


def test_a_choice_needs_two_alternatives(tmp_path):
    path = write(tmp_path / "t.yaml", one("PMT {~REF} {CUSTOMER:customer}"))
    with pytest.raises(TemplateError, match="two or more alternatives") as info:
        read_template_file(path)
    assert info.value.column == 12 + len("PMT ")


def test_every_alternative_is_probed_against_the_tokenizer(tmp_path, nlp_id):
    path = write(
        tmp_path / "t.yaml",
        one("TRF {~REK |NOREK}{ACCOUNT:account} {CUSTOMER:customer}"),
    )
    with pytest.raises(TemplateError) as info:
        check_alignment(load_templates(tmp_path), nlp_id)
    assert info.value.path == str(path)
    assert "NOREK0123456789" in str(info.value)


def test_a_slot_whose_every_form_repeats_the_word_before_it_is_refused(
    tmp_path, nlp_id
):
    write(
        tmp_path / "t.yaml",
        one("PELUNASAN {~FAKTUR|INV} {INVOICE:invoice|series_dropped}"),
    )
    with pytest.raises(TemplateError, match="every form of") as info:
        check_alignment(load_templates(tmp_path), nlp_id)
    assert info.value.column == 12 + len("PELUNASAN {~FAKTUR|INV} ")


def test_forms_that_repeat_the_word_before_them_are_never_drawn():
    import random

    from corpus_builder.probe import probe_contexts
    from corpus_builder.render import leading_word, render

    text = "PELUNASAN INV {INVOICE:invoice} OK"
    template = make_template(text)
    ctx = probe_contexts("full", "id")[0]
    seen = set()
    for seed in range(200):
        example = render(
            template,
            ctx,
            random.Random(seed),
            record="r",
            labels={"INVOICE": "INVOICE"},
        )
        span = example.spans[0]
        assert leading_word(example.text[span.start : span.end]) != "INV"
        seen.add(span.form)
    assert seen == {
        "canonical",
        "prefix_spelled",
        "all_separators_dropped",
        "prefix_localized",
    }


@pytest.mark.parametrize(
    "text, want",
    [
        ("?22{~WERT|} X", "?22 X"),
        ("A {~WERT|}{CUSTOMER:customer}", "A "),
        ("{CUSTOMER:customer}{~ OK|} X", " X"),
    ],
)
def test_an_omitted_alternative_never_glues_its_neighbours(text, want):
    from corpus_builder.templates import resolve_choices

    parts = parse_placeholders(text, path="f", line=1, column=1)
    resolved = resolve_choices(parts, lambda choice: "")
    literals = [p for p in resolved if isinstance(p, Literal)]
    assert literals[0].text == want


def test_prefix_check_knows_every_invoice_series(tmp_path, nlp_id):
    write(tmp_path / "t.yaml", one("BAYAR TRD {INVOICE:invoice|canonical}"))
    with pytest.raises(TemplateError, match="every form of"):
        check_alignment(load_templates(tmp_path), nlp_id)


def test_yml_files_and_single_files_load(tmp_path):
    write(tmp_path / "a.yml", one("PMT {CUSTOMER:customer}"))
    assert [t.id for t in load_templates(tmp_path)] == ["t-1"]
    assert [t.id for t in load_templates(tmp_path / "a.yml")] == ["t-1"]


def test_every_entity_slot_gets_the_prefix_check(tmp_path, nlp_id):
    write(tmp_path / "t.yaml", one("TRF PT {CUSTOMER:customer|acronym}"))
    with pytest.raises(TemplateError, match="every form of"):
        check_alignment(load_templates(tmp_path), nlp_id)


def test_an_unreadable_template_file_is_e213(tmp_path):
    folder = tmp_path / "x.yaml"
    folder.mkdir()
    with pytest.raises(TemplateError) as info:
        read_template_file(folder)
    error = info.value
    assert (error.code, error.exit_code, error.line) == ("E213", 3, 0)
    assert str(error) == (
        f"[E213] {folder}: cannot read the template file (Is a directory); check "
        "the path and its permissions"
    )
