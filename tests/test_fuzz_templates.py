"""Fuzzing the template loader: any file gives valid templates or a coded E2xx error.

Three generators, each bounded by ``max_examples`` and derandomized so CI runs the
same inputs every time: arbitrary text, arbitrary bytes, and files shaped like real
template files whose values and placeholder text are arbitrary. Whatever loads is
also probed against the tokenizer, which may refuse it only with E211 or E212.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from corpus_builder.errors import CATALOGUE, TemplateError
from corpus_builder.probe import check_alignment
from corpus_builder.templates import KINDS, Template, read_template_file

# The Doccano importer and validate have fuzz targets of their own in
# test_import_fuzz.py.
FUZZ = settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)

# Pieces of placeholder syntax, so arbitrary text often comes close to valid.
SYNTAX = st.sampled_from(
    [
        "{",
        "}",
        "{{",
        "}}",
        "|",
        ":",
        "~",
        "{CUSTOMER:customer}",
        "{INVOICE:invoice|canonical}",
        "{INVOICE:invoice2}",
        "{DATE:date|yymmdd}",
        "{~A|B|}",
        "{ref}",
        "{AMOUNT:amount",
        "CUSTOMER:",
        "{~",
        " ",
        "ß",
        "\u0301",
        "💳",
        "\u200b",
        '"',
        "'",
        "\\",
        "#",
        "&a ",
        "*a",
        "!!str ",
    ]
)
PLACEHOLDER_TEXT = st.lists(st.one_of(SYNTAX, st.text(max_size=4)), max_size=12).map(
    "".join
)
SCALAR = st.one_of(
    st.sampled_from(["full", "multi", "fee", "id", "en", "upper", "keep", "65", "1"]),
    st.text(max_size=8),
)


def _quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar, escaped the way a user would."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped + '"'


@st.composite
def template_file(draw) -> str:
    """A file shaped like a template file, with arbitrary values in its keys."""
    lines = [
        f"channel: {draw(st.one_of(st.just('ebanking'), SCALAR))}",
        f"language: {draw(st.one_of(st.sampled_from(['id', 'en']), SCALAR))}",
    ]
    for key in ("case", "wrap", "max_length"):
        if draw(st.booleans()):
            lines.append(f"{key}: {draw(SCALAR)}")
    lines.append("templates:")
    for index in range(draw(st.integers(0, 3))):
        kind = draw(st.one_of(st.sampled_from(KINDS), SCALAR))
        lines.append(f"  - id: t-{index}")
        lines.append(f"    kind: {kind}")
        if draw(st.booleans()):
            lines.append(f"    weight: {draw(SCALAR)}")
        text = draw(PLACEHOLDER_TEXT)
        raw = draw(st.booleans())
        lines.append(f"    text: {text if raw else _quoted(text)}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", "\r\n", ""]))


def load_or_coded_error(path, data: bytes, nlp) -> list[Template] | TemplateError:
    path.write_bytes(data)
    try:
        templates = read_template_file(path)
    except TemplateError as error:
        _check_error(error, path)
        return error
    assert templates and all(isinstance(t, Template) for t in templates)
    try:
        check_alignment(templates, nlp)
    except TemplateError as error:
        _check_error(error, path)
        assert error.code in ("E211", "E212"), str(error)
        return error
    return templates


def _check_error(error: TemplateError, path) -> None:
    assert error.code in CATALOGUE and error.code.startswith("E2"), str(error)
    assert error.exit_code == 3
    assert error.path == str(path)
    assert isinstance(error.line, int) and isinstance(error.column, int)
    where = f"{path}:{error.line}" if error.line else str(path)
    assert str(error).startswith(f"[{error.code}] {where}")


@FUZZ
@given(st.text(max_size=300))
def test_arbitrary_text_is_a_template_file_or_a_coded_error(tmp_path, nlp_id, text):
    load_or_coded_error(tmp_path / "t.yaml", text.encode("utf-8"), nlp_id)


@FUZZ
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_a_template_file_or_a_coded_error(tmp_path, nlp_id, data):
    load_or_coded_error(tmp_path / "t.yaml", data, nlp_id)


@settings(FUZZ, max_examples=1000)
@given(template_file())
def test_shaped_files_with_arbitrary_values_load_or_fail_coded(tmp_path, nlp_id, text):
    load_or_coded_error(tmp_path / "t.yaml", text.encode("utf-8"), nlp_id)


@pytest.mark.parametrize(
    "text, code, words",
    [
        ("[" * 5000, "E203", "nests too deeply"),
        ("- " * 3000 + "x", "E203", "nests too deeply"),
        ("channel: x\n\x00", "E203", "2:1: not valid YAML (special characters"),
        (
            "channel: x\nlanguage: id\nwrap: ²\ntemplates: [{id: a, kind: full, "
            "text: X}]\n",
            "E205",
            "wrap is a whole number",
        ),
        (
            "channel: x\nlanguage: id\ntemplates: [{id: a, kind: full, text: X, "
            "weight: 1e999}]\n",
            "E205",
            "weight must be a number above 0",
        ),
    ],
)
def test_inputs_the_fuzzer_found_are_coded_errors(tmp_path, nlp_id, text, code, words):
    error = load_or_coded_error(tmp_path / "t.yaml", text.encode("utf-8"), nlp_id)
    assert isinstance(error, TemplateError)
    assert error.code == code and words in str(error)
