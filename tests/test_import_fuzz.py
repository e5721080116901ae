"""Fuzz the Doccano importer: any bytes and any JSON lines give a coded error or a
clean import, never a traceback. Bounded (derandomized, a few hundred examples) so
it runs in CI in seconds."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin

from corpus_builder.config import load_config
from corpus_builder.doccano_input import read_doccano_records
from corpus_builder.errors import CorpusBuilderError
from corpus_builder.importer import blank, import_doccano, record_to_example

CONFIG = load_config(None)
LABELS = CONFIG.export_labels
FUZZ = settings(
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

texts = st.text(
    alphabet=st.sampled_from("AB Ç-/\n\t\u00a0.😀1é\u0301"), min_size=0, max_size=24
)
offsets = st.one_of(
    st.integers(-3, 30),
    st.sampled_from(["1", None, 2.5, True, [1], 10**20]),
)
labels = st.one_of(st.sampled_from(LABELS), st.sampled_from(["", "BANK", 7, None]))
spans = st.one_of(
    st.tuples(offsets, offsets, labels).map(list),
    st.fixed_dictionaries(
        {"start_offset": offsets, "end_offset": offsets, "label": labels}
    ),
    st.lists(st.integers(0, 5), max_size=4),
    st.none(),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
records = st.one_of(
    st.fixed_dictionaries(
        {"text": texts, "label": st.lists(spans, max_size=4)},
        optional={
            "split": st.sampled_from(["train", "dev", "test", "other", 3]),
            "example_id": st.one_of(st.text(max_size=4), st.integers()),
            "kb_links": json_values,
        },
    ),
    st.fixed_dictionaries(
        {
            "text": texts,
            "entities": st.lists(spans, max_size=3),
            "relations": json_values,
        }
    ),
    json_values,
)


@st.composite
def reviewed_records(draw) -> dict:
    """A record close to a real review: words, spans mostly on word boundaries."""
    words = draw(
        st.lists(
            st.sampled_from(["PMT", "ACME", "LTD", "INV-7", "12.500", "😀", "É", "\n"]),
            min_size=1,
            max_size=6,
        )
    )
    text = " ".join(words)
    bounds = [0]
    for word in words:
        bounds.append(bounds[-1] + len(word) + 1)
    label = []
    picked = draw(st.lists(st.integers(0, len(words) - 1), unique=True, max_size=3))
    for i in sorted(picked):
        start, end = bounds[i], bounds[i + 1] - 1
        if draw(st.integers(0, 4)) == 0:  # a person's slip
            start += draw(st.integers(-1, 1))
        label.append([start, end, draw(st.sampled_from(LABELS + ("BANK",)))])
    return {"text": text, "label": label, "split": draw(st.sampled_from(SPLITS))}


SPLITS = ("train", "dev", "test")


def lines_to_bytes(lines: list, newline: str) -> bytes:
    return "".join(json.dumps(x) + newline for x in lines).encode()


def read_and_check(data: bytes, unit: str) -> None:
    """The importer's reading and checking steps on ``data``."""
    nlp = blank(CONFIG.spacy_lang)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(data)
        try:
            for record in read_doccano_records(path, unit=unit):
                record_to_example(record, nlp, LABELS)
        except CorpusBuilderError:
            pass


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(["code_points", "utf16"]))
def test_arbitrary_bytes_never_raise_a_traceback(data, unit):
    read_and_check(data, unit)


@FUZZ
@given(
    st.lists(records, max_size=4),
    st.sampled_from(["\n", "\r\n"]),
    st.binary(max_size=3),
    st.sampled_from(["code_points", "utf16"]),
)
def test_arbitrary_json_lines_never_raise_a_traceback(lines, newline, tail, unit):
    read_and_check(lines_to_bytes(lines, newline) + tail, unit)


@settings(FUZZ, max_examples=25)
@given(
    st.lists(reviewed_records(), min_size=1, max_size=3),
    st.booleans(),
)
def test_a_full_import_is_clean_or_a_coded_error(lines, drop):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.jsonl"
        path.write_bytes(lines_to_bytes(lines, "\n"))
        try:
            result = import_doccano(
                files=[path],
                output=Path(folder) / "out",
                config=CONFIG,
                drop_bad_spans=drop,
            )
        except CorpusBuilderError:
            assert not (Path(folder) / "out").exists()
            return
        written = 0
        for name in ("train", "dev", "test"):
            docs = DocBin().from_disk(Path(folder) / "out/spacy" / f"{name}.spacy")
            for doc in docs.get_docs(blank(CONFIG.spacy_lang).vocab):
                written += len(doc.ents)
        given_spans = sum(len(x.get("label", x.get("entities", []))) for x in lines)
        assert written == result.spans == given_spans - len(result.dropped)


ls_results = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["labels", "relation", "choices"]),
        "value": st.one_of(
            st.fixed_dictionaries(
                {"start": offsets, "end": offsets},
                optional={
                    "labels": st.one_of(st.lists(labels, max_size=2), json_values),
                    "text": st.one_of(texts, json_values),
                },
            ),
            json_values,
        ),
    },
    optional={"id": json_values, "from_id": json_values, "to_id": json_values},
)
prodigy_tokens = st.fixed_dictionaries(
    {"start": offsets, "end": offsets}, optional={"text": texts}
)
prodigy_spans = st.fixed_dictionaries(
    {"start": offsets, "end": offsets, "label": labels},
    optional={"token_start": offsets, "token_end": offsets},
)
prodigy_tasks = st.fixed_dictionaries(
    {
        "text": texts,
        "tokens": st.one_of(st.lists(prodigy_tokens, max_size=4), json_values),
        "spans": st.one_of(st.lists(prodigy_spans, max_size=3), json_values),
    },
    optional={"meta": json_values},
)
ls_tasks = st.fixed_dictionaries(
    {
        "data": st.one_of(st.fixed_dictionaries({"text": texts}), json_values),
        "predictions": st.one_of(
            st.lists(
                st.fixed_dictionaries({"result": st.lists(ls_results, max_size=3)}),
                max_size=2,
            ),
            json_values,
        ),
    }
)
conll_lines = st.lists(
    st.sampled_from(
        ["-DOCSTART- -X- -X- O", "A _ _ O", "B B-DATE", "C I-DATE", "", "x"]
    )
)
FILES = {
    "p.jsonl": st.lists(st.one_of(prodigy_tasks, json_values), max_size=3).map(
        lambda items: "".join(json.dumps(x) + "\n" for x in items)
    ),
    "ls.json": st.one_of(st.lists(ls_tasks, max_size=3), json_values).map(json.dumps),
    "x.conll": conll_lines.map("\n".join),
}


@pytest.mark.parametrize("name", sorted(FILES))
@FUZZ
@given(data=st.data())
def test_validate_never_raises_a_traceback_on_any_file(name, data):
    from corpus_builder.export_check import validate_export

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(data.draw(FILES[name]), encoding="utf-8")
        try:
            validate_export(path, labels=LABELS)
        except CorpusBuilderError:
            pass
