"""evaluate ner on hand-made gold and prediction files; scores worked out by hand."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from corpus_builder.errors import EvaluationError
from corpus_builder.evaluate_ner import evaluate_ner, iob2_to_spans

from .conftest import cli_command, write

DOC1 = "PMT ABS INV 157 USD 10.00"
DOC2 = "TRF SINAR BAHARI INV-158"


def jsonl(path: Path, records: list[dict]) -> Path:
    return write(path, "".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def gold(tmp_path) -> Path:
    return jsonl(
        tmp_path / "gold.jsonl",
        [
            {
                "text": DOC1,
                "label": [
                    [4, 7, "CUSTOMER"],
                    [8, 15, "INVOICE"],
                    [16, 19, "CURRENCY"],
                    [20, 25, "AMOUNT"],
                ],
                "example_id": "ex-1",
                "channel": "ach",
                "language": "en",
                "kb_links": [
                    [4, 7, "CUS-1", "acronym", 0.2],
                    [8, 15, "INV-157", "padding_dropped", 0.5],
                    [16, 19, "TXN-1", "iso_code", None],
                    [20, 25, "TXN-1", "plain", None],
                ],
            },
            {
                "text": DOC2,
                "label": [[4, 16, "CUSTOMER"], [17, 24, "INVOICE"]],
                "example_id": "ex-2",
                "channel": "ebanking",
                "language": "id",
                "kb_links": [
                    [4, 16, "CUS-2", "legal_form_dropped+typo", 0.8],
                    [17, 24, "INV-158", "canonical", 1.0],
                ],
            },
        ],
    )


def test_spans_of_the_documents_are_where_the_tests_say():
    assert DOC1[4:7] == "ABS" and DOC1[8:15] == "INV 157" and DOC1[12:15] == "157"
    assert DOC1[16:19] == "USD" and DOC1[20:25] == "10.00"
    assert DOC2[4:16] == "SINAR BAHARI" and DOC2[4:9] == "SINAR"
    assert DOC2[10:16] == "BAHARI" and DOC2[17:24] == "INV-158"


def test_jsonl_predictions_strict_partial_and_recovery(gold, tmp_path):
    pred = jsonl(
        tmp_path / "pred.jsonl",
        [
            # In reverse order: lines are paired with gold by example_id.
            {
                "example_id": "ex-2",
                "label": [
                    [4, 9, "CUSTOMER", "CUS-3"],  # overlaps, wrong entity
                    [10, 16, "CUSTOMER"],  # overlaps a gold span already taken
                    [17, 24, "INVOICE", "INV-158"],  # exact, right entity
                ],
            },
            {
                "example_id": "ex-1",
                "text": DOC1,
                "label": [
                    [4, 7, "CUSTOMER", "CUS-1"],  # exact
                    [12, 15, "INVOICE", "INV-157"],  # overlaps, right entity
                    [16, 19, "CURRENCY"],  # exact, no kb_id
                    [20, 25, "DATE"],  # right place, wrong label
                ],
            },
        ],
    )
    result = evaluate_ner(gold=gold, pred=pred)
    scores = result["scores"]

    # strict: CUSTOMER and CURRENCY of ex-1, INVOICE of ex-2 -> 3 of 7 predicted,
    # 3 of 6 gold.
    assert scores["all"]["strict"] == {
        "precision": pytest.approx(3 / 7),
        "recall": 0.5,
        "f1": pytest.approx(6 / 13),
        "tp": 3,
        "pred": 7,
        "gold": 6,
    }
    # partial: also INVOICE 12-15 of ex-1 and CUSTOMER 4-9 of ex-2 -> 5 of 7, 5 of 6.
    assert scores["all"]["partial"]["tp"] == 5
    assert scores["all"]["partial"]["precision"] == pytest.approx(5 / 7)
    assert scores["all"]["partial"]["recall"] == pytest.approx(5 / 6)
    assert scores["all"]["partial"]["f1"] == pytest.approx(10 / 13)

    customer = scores["CUSTOMER"]
    assert (customer["strict"]["precision"], customer["strict"]["recall"]) == (
        pytest.approx(1 / 3),
        0.5,
    )
    assert (customer["partial"]["precision"], customer["partial"]["recall"]) == (
        pytest.approx(2 / 3),
        1.0,
    )
    assert scores["INVOICE"]["strict"]["f1"] == 0.5
    assert scores["INVOICE"]["partial"]["f1"] == 1.0
    assert scores["AMOUNT"]["strict"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "tp": 0,
        "pred": 0,
        "gold": 1,
    }
    assert scores["DATE"]["partial"]["pred"] == 1
    assert scores["DATE"]["partial"]["tp"] == 0

    recovery = result["recovery"]
    assert recovery["CUSTOMER"] == {
        "gold": 2,
        "strict_recall": 0.5,
        "partial_recall": 1.0,
        "recovered": 0.5,
    }
    assert recovery["INVOICE"]["recovered"] == 1.0
    assert recovery["CURRENCY"]["recovered"] == 0.0
    assert recovery["AMOUNT"]["partial_recall"] == 0.0

    assert result["family"]["CUSTOMER:acronym"]["recovered"] == 1.0
    assert result["family"]["CUSTOMER:legal_form_dropped"] == {
        "gold": 1,
        "strict_recall": 0.0,
        "partial_recall": 1.0,
        "recovered": 0.0,
    }
    assert result["noise"]["typo"]["gold"] == 1
    assert result["noise"]["clean"]["gold"] == 5
    assert result["noise"]["clean"]["strict_recall"] == 0.6

    ach = result["channel"]["ach"]["all"]
    assert (ach["strict"]["tp"], ach["strict"]["pred"], ach["strict"]["gold"]) == (
        2,
        4,
        4,
    )
    assert ach["partial"]["tp"] == 3
    ebanking = result["channel"]["ebanking"]["all"]
    assert (ebanking["strict"]["tp"], ebanking["partial"]["tp"]) == (1, 2)
    assert result["language"]["id"]["all"]["partial"]["pred"] == 3
    assert result["invalid_tags"] == 0


def test_conll_predictions_decode_strict_iob2(gold, tmp_path):
    pred = write(
        tmp_path / "pred.conll",
        "-DOCSTART- -X- O O\n\n"
        "PMT O\nABS B-CUSTOMER\nINV B-INVOICE\n157 I-INVOICE\n"
        "USD B-CURRENCY\n10.00 I-CURRENCY\n\n"
        "TRF O\nSINAR I-CUSTOMER\nBAHARI I-CUSTOMER\nINV-158 B-INVOICE\n",
    )
    result = evaluate_ner(gold=gold, pred=pred)
    # SINAR and BAHARI start with I- after O: both read as O.
    assert result["invalid_tags"] == 2
    # Predicted: CUSTOMER 4-7, INVOICE 8-15, CURRENCY 16-25 (ex-1); INVOICE 17-24.
    strict, partial = (
        result["scores"]["all"]["strict"],
        result["scores"]["all"]["partial"],
    )
    assert (strict["tp"], strict["pred"], strict["gold"]) == (3, 4, 6)
    assert strict["f1"] == pytest.approx(0.6)
    assert (partial["tp"], partial["precision"]) == (4, 1.0)
    assert partial["f1"] == pytest.approx(0.8)
    assert result["scores"]["CURRENCY"]["partial"]["recall"] == 1.0
    assert result["scores"]["CURRENCY"]["strict"]["recall"] == 0.0
    assert result["recovery"]["INVOICE"]["recovered"] is None


def test_iob2_decoding_rule():
    assert iob2_to_spans(["I-X", "I-X"]) == ([], 2)
    assert iob2_to_spans(["B-X", "I-Y", "I-Y"]) == ([(0, 0, "X")], 2)
    assert iob2_to_spans(["B-X", "B-X", "I-X", "O", "B-Y"]) == (
        [(0, 0, "X"), (1, 2, "X"), (4, 4, "Y")],
        0,
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("p.jsonl", '{"example_id": "ex-1", "label": []}\n{oops\n', "p.jsonl:2: "),
        (
            "p.jsonl",
            '{"example_id": "ex-9", "label": []}\n',
            "example_id 'ex-9' is not in the gold file",
        ),
        ("p.jsonl", '{"label": [[0, 99, "X"]]}\n{"label": []}\n', "p.jsonl:1: span"),
        ("p.jsonl", '{"label": []}\n', "1 prediction lines without example_id"),
        (
            "p.jsonl",
            '{"text": "other", "label": []}\n{"label": []}\n',
            "its text differs",
        ),
        ("p.conll", "PMT O\nABX B-CUSTOMER\n\nTRF O\n", "p.conll:2: token 'ABX'"),
        ("p.conll", "PMT S-CUSTOMER\n\nTRF O\n", "p.conll:1: tag 'S-CUSTOMER'"),
        ("p.conll", "PMT O\n", "1 narratives (blocks between blank lines) for 2"),
    ],
)
def test_bad_prediction_files_are_reported_with_file_and_line(
    gold, tmp_path, name, content, message
):
    pred = write(tmp_path / name, content)
    with pytest.raises(EvaluationError) as info:
        evaluate_ner(gold=gold, pred=pred)
    assert message in str(info.value)
    assert str(info.value).startswith("[E1000]")


def test_cli_prints_scores_and_writes_json(gold, tmp_path):
    out = tmp_path / "scores.json"
    run = subprocess.run(
        cli_command("evaluate", "ner", "--gold", str(gold), "--pred", str(gold))
        + ["--json", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "| all | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in run.stdout
    saved = json.loads(out.read_text("utf-8"))
    assert saved["scores"]["all"]["strict"]["tp"] == 6
    # The gold file's own kb_links give the kb_ids: every entity is recovered.
    assert saved["recovery"]["CUSTOMER"]["recovered"] == 1.0


def test_cli_bad_gold_exits_10_without_traceback(tmp_path):
    pred = write(tmp_path / "pred.jsonl", "")
    run = subprocess.run(
        cli_command(
            "evaluate",
            "ner",
            "--gold",
            str(tmp_path / "nope.jsonl"),
            "--pred",
            str(pred),
        ),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 10
    assert "[E1000]" in run.stderr and "nope.jsonl" in run.stderr
    assert "Traceback" not in run.stderr
    run = subprocess.run(
        cli_command("evaluate", "match", "--export", str(tmp_path)),
        capture_output=True,
        text=True,
    )
    assert run.returncode == 10 and "invoices.csv: no such file" in run.stderr


def test_gold_with_utf16_offsets_is_refused(gold, tmp_path):
    folder = tmp_path / "export" / "doccano"
    folder.mkdir(parents=True)
    moved = folder / "test.jsonl"
    moved.write_bytes(gold.read_bytes())
    manifest = {"doccano_offset_unit": "utf-16 code units"}
    write(tmp_path / "export" / "manifest.json", json.dumps(manifest))
    with pytest.raises(EvaluationError, match="count UTF-16 units"):
        evaluate_ner(gold=moved, pred=moved)


def test_a_repeated_prediction_matches_once(gold, tmp_path):
    pred = jsonl(
        tmp_path / "pred.jsonl",
        [
            {"label": [[4, 7, "CUSTOMER"], [4, 7, "CUSTOMER"]]},
            {"label": []},
        ],
    )
    scores = evaluate_ner(gold=gold, pred=pred)["scores"]["CUSTOMER"]
    assert (scores["strict"]["tp"], scores["strict"]["pred"]) == (1, 2)
    assert (scores["partial"]["tp"], scores["partial"]["precision"]) == (1, 0.5)


def test_gold_from_a_hugging_face_folder(tmp_path):
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Sequence, Value

    names = ["O", "B-CUSTOMER", "I-CUSTOMER", "B-INVOICE", "I-INVOICE"]
    features = Features(
        {
            "id": Value("string"),
            "tokens": Sequence(Value("string")),
            "spaces": Sequence(Value("bool")),
            "ner_tags": Sequence(ClassLabel(names=names)),
            "channel": Value("string"),
            "language": Value("string"),
        }
    )
    rows = {
        "id": ["ex-1"],
        "tokens": [["PMT", "ABS", "INV", "157", "\n", "OK"]],
        "spaces": [[True, True, True, False, False, False]],
        "ner_tags": [[0, 1, 3, 4, 0, 0]],
        "channel": ["ach"],
        "language": ["en"],
    }
    folder = tmp_path / "hf"
    DatasetDict({"test": Dataset.from_dict(rows, features=features)}).save_to_disk(
        str(folder)
    )
    # The text is "PMT ABS INV 157\nOK": CUSTOMER 4-7 and INVOICE 8-15.
    pred = jsonl(
        tmp_path / "pred.jsonl",
        [{"example_id": "ex-1", "label": [[4, 7, "CUSTOMER"], [8, 11, "INVOICE"]]}],
    )
    result = evaluate_ner(gold=folder, pred=pred)
    assert result["scores"]["all"]["strict"]["tp"] == 1
    assert result["scores"]["all"]["partial"]["tp"] == 2
    assert result["scores"]["INVOICE"]["strict"]["gold"] == 1
    assert result["channel"]["ach"]["all"]["partial"]["recall"] == 1.0
    assert result["family"] == {} and result["recovery"]["INVOICE"]["recovered"] is None
    with pytest.raises(EvaluationError, match="has no split 'validation'"):
        evaluate_ner(gold=folder, pred=pred, split="validation")
    with pytest.raises(EvaluationError, match="not a saved Hugging Face dataset"):
        evaluate_ner(gold=tmp_path, pred=pred)
