"""``import doccano``: reviewed Doccano files back to DocBins and a HF dataset."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from datasets import load_from_disk
from spacy.tokens import DocBin

from corpus_builder.config import load_config
from corpus_builder.errors import InputFileError, InvalidSpansError
from corpus_builder.importer import import_doccano
from corpus_builder.tokens import iob_names, iob_to_offsets

from .conftest import cli_command

K01 = "PART PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
K13 = "TRF KE ALPHABRIDGE SOLUTIONS, MFG-INV-000157 12.500.000"
K09 = "PMT ALPHABRIDGE SOLUTIONS BETAWORKS"


def at(text: str, piece: str, label: str, nth: int = 0) -> list:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return [start, start + len(piece), label]


def doccano_line(text: str, label: list, original: list, **meta) -> dict:
    """A line as Doccano exports it: its own id and Comments, our metadata kept."""
    links = [[s, e, f"KB-{s}", "canonical", None] for s, e, _ in original]
    return (
        {"id": 7, "text": text, "Comments": [], "label": label}
        | meta
        | {"kb_links": links}
    )


def reviewed_lines() -> list[dict]:
    return [
        # moved: the annotator shortened CUSTOMER to the first word
        doccano_line(
            K01,
            [at(K01, "ALPHABRIDGE", "CUSTOMER"), at(K01, "MFG-INV-000157", "INVOICE")],
            [
                at(K01, "ALPHABRIDGE SOLUTIONS", "CUSTOMER"),
                at(K01, "MFG-INV-000157", "INVOICE"),
            ],
            example_id="ex-1",
            split="train",
        ),
        # deleted the INVOICE, added the AMOUNT
        doccano_line(
            K13,
            [
                at(K13, "ALPHABRIDGE SOLUTIONS", "CUSTOMER"),
                at(K13, "12.500.000", "AMOUNT"),
            ],
            [
                at(K13, "ALPHABRIDGE SOLUTIONS", "CUSTOMER"),
                at(K13, "MFG-INV-000157", "INVOICE"),
            ],
            example_id="ex-2",
            split="dev",
        ),
        # added a second, adjacent CUSTOMER, in Doccano's dict shape
        doccano_line(
            K09,
            [
                {"start_offset": 4, "end_offset": 25, "label": "CUSTOMER"},
                {"start_offset": 26, "end_offset": 35, "label": "CUSTOMER"},
            ],
            [[4, 25, "CUSTOMER"]],
            example_id="ex-3",
            split="test",
        ),
    ]


def write_lines(path: Path, lines: list, *, sep: str = "\n") -> Path:
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + sep for line in lines),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def test_reviewed_spans_come_back_exactly(tmp_path, config, nlp_id):
    source = write_lines(tmp_path / "admin.jsonl", reviewed_lines())
    result = import_doccano(files=[source], output=tmp_path / "out", config=config)
    assert result.counts == {"train": 1, "validation": 1, "test": 1}
    assert result.spans == 6 and result.dropped == []

    want = {
        "ex-1": (K01, [(9, 20, "CUSTOMER"), (31, 45, "INVOICE")]),
        "ex-2": (K13, [(7, 28, "CUSTOMER"), (45, 55, "AMOUNT")]),
        "ex-3": (K09, [(4, 25, "CUSTOMER"), (26, 35, "CUSTOMER")]),
    }
    kb = {}
    for split, name in (("train", "train"), ("validation", "dev"), ("test", "test")):
        docs = list(
            DocBin()
            .from_disk(tmp_path / "out" / "spacy" / f"{name}.spacy")
            .get_docs(nlp_id.vocab)
        )
        assert len(docs) == 1
        doc = docs[0]
        key = doc.user_data["example_id"]
        assert (doc.text, [(e.start_char, e.end_char, e.label_) for e in doc.ents]) == (
            want[key]
        )
        kb[key] = [e.kb_id_ for e in doc.ents]
    # kb_id stays where the offsets are unchanged, and only there.
    assert kb == {"ex-1": ["", "KB-31"], "ex-2": ["KB-7", ""], "ex-3": ["KB-4", ""]}

    hf = load_from_disk(str(tmp_path / "out" / "hf"))
    names = hf["train"].features["ner_tags"].feature.names
    assert names == iob_names(config.export_labels)
    for split in ("train", "validation", "test"):
        row = hf[split][0]
        tags = [names[i] for i in row["ner_tags"]]
        assert (
            iob_to_offsets(nlp_id, row["tokens"], row["spaces"], tags)
            == want[row["id"]]
        )
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["dropped_spans"] == [] and manifest["iob_tags"] == names
    assert set(manifest["files"]) >= {"spacy/train.spacy", "hf/dataset_dict.json"}


def test_same_input_gives_the_same_bytes(tmp_path, config):
    source = write_lines(tmp_path / "admin.jsonl", reviewed_lines())
    for out in ("a", "b"):
        import_doccano(files=[source], output=tmp_path / out, config=config)
    for path in sorted((tmp_path / "a").rglob("*")):
        if path.is_file():
            twin = tmp_path / "b" / path.relative_to(tmp_path / "a")
            assert twin.read_bytes() == path.read_bytes(), path


def test_bom_crlf_and_blank_lines_are_read(tmp_path, config):
    lines = reviewed_lines()
    source = tmp_path / "crlf.jsonl"
    body = "".join(json.dumps(line) + "\r\n" for line in lines) + "\r\n"
    source.write_bytes(b"\xef\xbb\xbf" + body.encode())
    result = import_doccano(files=[source], output=tmp_path / "out", config=config)
    assert result.spans == 6


def error_of(tmp_path: Path, data: bytes, config, **options):
    source = tmp_path / "in.jsonl"
    source.write_bytes(data)
    with pytest.raises((InputFileError, InvalidSpansError)) as info:
        import_doccano(
            files=[source], output=tmp_path / "out", config=config, **options
        )
    assert not (tmp_path / "out").exists()
    return info.value


def test_unreadable_files_give_coded_errors_naming_the_line(tmp_path, config):
    good = json.dumps(reviewed_lines()[0]).encode() + b"\n"

    empty = error_of(tmp_path, b"\n\n", config)
    assert empty.code == "E1200" and "holds no records" in str(empty)

    cut = error_of(tmp_path, good + good[:40], config)
    assert cut.code == "E1200" and cut.line == 2 and "truncated" in str(cut)

    latin = error_of(
        tmp_path, good + '{"text": "CAFÉ", "label": []}\n'.encode("latin-1"), config
    )
    assert latin.line == 2 and "not UTF-8 (byte 0xC9 at byte 14" in str(latin)

    utf16 = error_of(tmp_path, "\ufeff".encode("utf-16-le") + good, config)
    assert "UTF-16" in str(utf16)

    array = error_of(tmp_path, good + b"[1, 2]\n", config)
    assert array.line == 2 and "expected a JSON object, got list" in str(array)

    no_text = error_of(tmp_path, b'{"label": []}\n', config)
    assert no_text.key == "text" and no_text.line == 1


def test_k12_a_labels_key_is_refused_not_read_as_no_spans(tmp_path, config):
    line = {"text": K01, "labels": [[9, 30, "CUSTOMER"]]}
    error = error_of(tmp_path, json.dumps(line).encode(), config)
    assert error.code == "E1200" and error.key == "label"
    assert "found 'labels'" in str(error)


def test_k08_overlap_is_refused_naming_both_spans(tmp_path):
    config = load_config(None, overrides={"labels": ["CUSTOMER", "BANK"]})
    text = "TRF KE PT BANK MANDIRI (PERSERO) TBK"
    line = {"text": text, "label": [[7, 36, "CUSTOMER"], [10, 22, "BANK"]]}
    error = error_of(tmp_path, json.dumps(line).encode() + b"\n", config)
    assert error.code == "E1300" and error.exit_code == 13
    assert error.problems == [
        f"{tmp_path / 'in.jsonl'}:1: span 0 [7, 36) CUSTOMER: rule 4 (no overlap): "
        "[10, 22) BANK 'BANK MANDIRI' overlaps [7, 36) CUSTOMER "
        "'PT BANK MANDIRI (PERSERO) TBK'",
        f"{tmp_path / 'in.jsonl'}:1: span 1 [10, 22) BANK: rule 4 (no overlap): "
        "[10, 22) BANK 'BANK MANDIRI' overlaps [7, 36) CUSTOMER "
        "'PT BANK MANDIRI (PERSERO) TBK'",
    ]


def test_every_broken_span_is_listed_and_dropping_is_explicit(tmp_path, config):
    lines = reviewed_lines()
    lines[0]["label"].append([0, 3, "DATE"])  # 'PAR': not on token boundaries
    lines[1]["label"].append([55, 60, "AMOUNT"])  # past the end
    lines[2]["label"].append([26, 35, "BANK"])  # unknown label
    lines[2]["label"].append(["4", 25, "CUSTOMER"])  # a string offset
    source = write_lines(tmp_path / "in.jsonl", lines)
    with pytest.raises(InvalidSpansError) as info:
        import_doccano(files=[source], output=tmp_path / "out", config=config)
    found = [p.split(": rule ")[1].split(":")[0] for p in info.value.problems]
    assert found == [
        "5 (token boundaries)",
        "3 (no empty span, inside the text)",
        "4 (no overlap)",  # the reviewed CUSTOMER, overlapped by the BANK span
        "label",
        "shape",
    ]
    assert [p.split(": record ")[0] for p in info.value.problems] == [
        f"{source}:1",
        f"{source}:2",
        f"{source}:3",
        f"{source}:3",
        f"{source}:3",
    ]
    assert "span 2 [0, 3) DATE" in info.value.problems[0]
    assert 'span ["4", 25, "CUSTOMER"] needs whole-number' in info.value.problems[4]
    assert not (tmp_path / "out").exists()

    result = import_doccano(
        files=[source], output=tmp_path / "out", config=config, drop_bad_spans=True
    )
    assert result.dropped == info.value.problems
    # Both spans of the overlapping pair go, so line 3 keeps only [4, 25).
    assert result.spans == 5
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["dropped_spans"] == result.dropped


def test_k06_utf16_offsets_are_converted_to_code_points(tmp_path, config, nlp_id):
    text = "💳 PMT ALPHABRIDGE SOLUTIONS MFG-INV-000157"
    line = {"text": text, "label": [[7, 28, "CUSTOMER"], [29, 43, "INVOICE"]]}
    source = write_lines(tmp_path / "in.jsonl", [line])
    import_doccano(files=[source], output=tmp_path / "out", config=config, unit="utf16")
    (doc,) = (
        DocBin().from_disk(tmp_path / "out/spacy/train.spacy").get_docs(nlp_id.vocab)
    )
    assert [(e.start_char, e.end_char) for e in doc.ents] == [(6, 27), (28, 42)]

    inside = {"text": text, "label": [[1, 5, "CUSTOMER"]]}
    folder = tmp_path / "inside"
    folder.mkdir()
    error = error_of(folder, json.dumps(inside).encode(), config, unit="utf16")
    assert "UTF-16 offset 1 falls inside the character '💳'" in error.problems[0]


def test_cli_lists_each_problem_and_exits_with_the_code(tmp_path):
    text = "PMT ACME LTD"
    line = {"text": text, "label": [[4, 7, "CUSTOMER"]], "example_id": "ex-9"}
    source = write_lines(tmp_path / "in.jsonl", [line])
    run = subprocess.run(
        cli_command("import", "doccano", str(source), "--out", str(tmp_path / "o")),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 13
    assert "Traceback" not in run.stderr
    assert f"{source}:1: record ex-9: span 0 [4, 7) CUSTOMER: rule 5" in run.stderr
    assert "[E1300]" in run.stderr and "--drop-bad-spans" in run.stderr


def test_force_replaces_an_earlier_import_which_validates_clean(tmp_path, config):
    from corpus_builder.errors import OutputError
    from corpus_builder.export_check import validate_export

    source = write_lines(tmp_path / "admin.jsonl", reviewed_lines())
    out = tmp_path / "out"
    import_doccano(files=[source], output=out, config=config)
    with pytest.raises(OutputError):
        import_doccano(files=[source], output=out, config=config)
    result = import_doccano(files=[source], output=out, config=config, force=True)
    assert result.spans == 6
    report = validate_export(out)
    assert report.problems == []
    assert sorted(kind for _, kind, _ in report.checked) == ["hf"] + ["spacy"] * 3


def test_import_never_replaces_a_build_export_or_its_own_input(tmp_path, config):
    from corpus_builder.build import build_corpus
    from corpus_builder.errors import OutputError

    from .conftest import files_of

    export = tmp_path / "export"
    build_corpus(config=load_config(None, overrides={"narratives": 60}), output=export)
    before = files_of(export)
    inside = export / "doccano" / "dev.jsonl"
    with pytest.raises(OutputError, match="an input of this run") as caught:
        import_doccano(files=[inside], output=export, config=config, force=True)
    assert caught.value.code == "E609"
    outside = write_lines(tmp_path / "admin.jsonl", reviewed_lines())
    with pytest.raises(OutputError, match="holds a corpus build") as caught:
        import_doccano(files=[outside], output=export, config=config, force=True)
    assert caught.value.code == "E609"
    assert files_of(export) == before
