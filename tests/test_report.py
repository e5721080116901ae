"""The report: its tables carry the manifest's numbers, its images are real PNGs."""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser

import pytest
from PIL import Image
from typer.testing import CliRunner

from corpus_builder.build import build_corpus
from corpus_builder.cli import app
from corpus_builder.config import SPLIT_NAMES, load_config
from corpus_builder.errors import ExportReadError, OutputError
from corpus_builder.report import BUCKETS, write_report

from .conftest import files_of, write

runner = CliRunner()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "corpus"
    config = load_config(None, overrides={"narratives": 200, "seed": 9})
    build_corpus(config=config, output=out)
    return out


class Page(HTMLParser):
    """Tables by id (rows of cell texts), image sources, and displaCy marks."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.marks = 0
        self._table = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self._table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "mark":
            self.marks += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._table[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(folder) -> Page:
    page = Page()
    page.feed((folder / "index.html").read_text("utf-8"))
    page.close()
    return page


def test_report_tables_carry_the_manifest_numbers(corpus, tmp_path):
    result = write_report(corpus=corpus, out=tmp_path / "report")
    counts = json.loads((corpus / "manifest.json").read_text())["counts"]
    page = parse(tmp_path / "report")

    labels = page.tables["labels"]
    assert labels[0][:3] == ["label", "train spans", "train share"]
    assert [row[0] for row in labels[1:]] == list(counts["spans"])
    for row in labels[1:]:
        per_split = counts["spans"][row[0]]
        for i, split in enumerate(SPLIT_NAMES):
            total = sum(counts["spans"][label][split] for label in counts["spans"])
            assert row[1 + 2 * i] == str(per_split[split])
            assert row[2 + 2 * i] == f"{per_split[split] / total:.4f}"
        assert row[-2:] == ["-", "-"]  # no balance in this manifest

    assert page.tables["templates"][1:] == [
        [s, str(counts["examples"][s]), str(counts["templates"][s])]
        for s in SPLIT_NAMES
    ]
    channels = page.tables["channels"][1:]
    for row in channels:
        assert row[1:] == [
            str(counts["channels"][s].get(row[0], 0)) for s in SPLIT_NAMES
        ]
    assert sum(int(row[1]) for row in channels) == counts["examples"]["train"]

    forms = [
        [label, form, str(n)]
        for label, per in counts["surface_forms"].items()
        for form, n in per.items()
    ]
    assert page.tables["surface_forms"][1:] == forms
    similarity = counts["similarity_to_graph_spelling"]
    assert page.tables["similarity"][0] == ["label", *BUCKETS]
    assert page.tables["similarity"][1:] == [
        [label, *(str(hist.get(b, 0)) for b in BUCKETS)]
        for label, hist in similarity.items()
    ]

    assert page.images == [
        "labels.png",
        "splits.png",
        "surface_forms.png",
        "similarity.png",
    ]
    for name in page.images:
        with Image.open(tmp_path / "report" / name) as image:
            assert image.format == "PNG"
            image.verify()
    n_channels = len({c for s in SPLIT_NAMES for c in counts["channels"][s]})
    assert result.samples == 2 * n_channels  # every channel has 2 narratives here
    assert page.marks > result.samples


def test_report_shows_balance_targets_when_the_manifest_has_them(corpus, tmp_path):
    copy = tmp_path / "corpus"
    shutil.copytree(corpus, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    achieved = {"train": 0.25, "validation": 0.125, "test": 0.5}
    manifest["balance"] = {
        "mode": "weights",
        "labels": {
            "CUSTOMER": {
                "target_share": 0.3,
                "min_count": 40,
                "achieved_share": achieved,
                "achieved_count": {"train": 1, "validation": 2, "test": 3},
            }
        },
    }
    (copy / "manifest.json").write_text(json.dumps(manifest))
    write_report(corpus=copy, out=tmp_path / "report")
    page = parse(tmp_path / "report")
    customer = page.tables["labels"][1]
    assert customer[0] == "CUSTOMER"
    assert customer[2::2] == ["0.2500", "0.1250", "0.5000", "40"]
    assert customer[-2] == "0.3000"
    assert page.tables["labels"][2][-2:] == ["-", "-"]  # INVOICE has no target
    assert "Balancing: weights" in (tmp_path / "report" / "index.html").read_text()


def test_report_is_the_same_bytes_twice_and_force_replaces_it(corpus, tmp_path):
    write_report(corpus=corpus, out=tmp_path / "a")
    write_report(corpus=corpus, out=tmp_path / "b")
    assert files_of(tmp_path / "a") == files_of(tmp_path / "b")
    with pytest.raises(OutputError, match="not empty"):
        write_report(corpus=corpus, out=tmp_path / "a")
    write_report(corpus=corpus, out=tmp_path / "a", force=True)
    write(tmp_path / "a" / "mine.txt", "keep")
    with pytest.raises(OutputError, match="mine.txt"):
        write_report(corpus=corpus, out=tmp_path / "a", force=True)


def test_a_report_never_replaces_a_corpus_export(corpus, tmp_path):
    before = files_of(corpus)
    with pytest.raises(OutputError, match="an input of this run") as caught:
        write_report(corpus=corpus, out=corpus, force=True)
    assert caught.value.code == "E609"
    other = tmp_path / "other"
    shutil.copytree(corpus, other)
    with pytest.raises(OutputError, match="holds a corpus build, which this command"):
        write_report(corpus=corpus, out=other, force=True)
    assert files_of(corpus) == before == files_of(other)


def test_a_missing_or_foreign_corpus_is_a_coded_error(tmp_path):
    with pytest.raises(ExportReadError, match="not a folder"):
        write_report(corpus=tmp_path / "nowhere", out=tmp_path / "r")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ExportReadError, match="no manifest.json"):
        write_report(corpus=tmp_path / "empty", out=tmp_path / "r")
    write(tmp_path / "other" / "manifest.json", '{"tool": {"name": "x"}}')
    with pytest.raises(ExportReadError, match="not a corpus-builder export"):
        write_report(corpus=tmp_path / "other", out=tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_report_command_prints_where_and_exits_with_codes(corpus, tmp_path):
    out = tmp_path / "r"
    result = runner.invoke(app, ["report", "--corpus", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 charts" in result.output and (out / "index.html").is_file()
    result = runner.invoke(app, ["report", "--corpus", str(tmp_path / "x")])
    assert result.exit_code == 11 and "[E1100]" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["report", "--corpus", str(corpus), "--out", str(out)])
    assert result.exit_code == 7 and "[E602]" in result.output


def test_held_out_test_sets_appear_in_every_table(tmp_path):
    config = load_config(
        write(
            tmp_path / "c.yaml",
            "narratives: 600\nseed: 9\nheldout:\n  channel: sepa\n",
        )
    )
    corpus = tmp_path / "corpus"
    build_corpus(config=config, output=corpus)
    write_report(corpus=corpus, out=tmp_path / "report")
    counts = json.loads((corpus / "manifest.json").read_text())["counts"]
    page = parse(tmp_path / "report")
    splits = [*SPLIT_NAMES, "test_unseen_channel"]
    assert page.tables["templates"][1:] == [
        [s, str(counts["examples"][s]), str(counts["templates"][s])] for s in splits
    ]
    assert page.tables["labels"][0][7:9] == [
        "test_unseen_channel spans",
        "test_unseen_channel share",
    ]
    sepa = [row for row in page.tables["channels"][1:] if row[0] == "sepa"]
    assert sepa == [
        ["sepa", "0", "0", "0", str(counts["examples"]["test_unseen_channel"])]
    ]
