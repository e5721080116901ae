"""An HTML report on an export: what the manifest counts, as charts and tables.

``write_report`` reads ``manifest.json`` and the word-level dataset of an export and
writes, into its own folder, ``index.html`` (no scripts, no links outside the folder)
and one PNG per chart beside it. Every chart has a table under it with the exact
numbers it draws, taken from the manifest:

- labels: spans per label and split, and each label's share of its split's spans;
  with the manifest's ``balance`` key, the target share and minimum count too;
- splits: narratives and templates per split, and narratives per channel and split;
- surface forms: mentions per surface form, per label;
- similarity: mentions per similarity bucket (surface against the graph's spelling),
  per label, a measure of how hard an alias is to resolve;
- samples: the first narratives of every channel in the export (train, then
  validation, then test), with their entities drawn by spaCy's displaCy.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import SPLIT_NAMES
from .errors import ExportReadError
from .output import check_not_replacing, check_output, discard, make_staging, publish

BUCKETS = [f"{i / 10:.1f}-{(i + 1) / 10:.1f}" for i in range(10)]
REQUIRED_COUNTS = ("examples", "spans", "channels", "templates", "surface_forms")
COLORS = (
    "#7aecec",
    "#bfeeb7",
    "#feca74",
    "#ff9561",
    "#aa9cfc",
    "#c887fb",
    "#9cc9cc",
    "#ffeb80",
)


@dataclass(frozen=True)
class ReportResult:
    output: Path
    charts: list[str]
    samples: int


def read_manifest(corpus: Path) -> dict:
    """The export's manifest; ExportReadError when there is no usable one."""
    path = corpus / "manifest.json"
    if not corpus.is_dir():
        raise ExportReadError(
            "is not a folder; point --corpus at the output of corpus-builder build",
            path=str(corpus),
        )
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ExportReadError(
            "holds no manifest.json; point --corpus at the output of "
            "corpus-builder build",
            path=str(corpus),
        ) from None
    except (OSError, ValueError) as exc:
        raise ExportReadError(
            f"cannot read its manifest.json ({exc}); rebuild the export",
            path=str(corpus),
        ) from None
    if not isinstance(manifest, dict):
        manifest = {}
    counts = manifest.get("counts")
    missing = [
        k for k in REQUIRED_COUNTS if not isinstance(counts, dict) or k not in counts
    ]
    tool = manifest.get("tool")
    if not isinstance(tool, dict) or tool.get("name") != "corpus-builder" or missing:
        raise ExportReadError(
            "manifest.json is not a corpus-builder export's"
            + (f" (no counts.{', counts.'.join(missing)})" if missing else "")
            + "; rebuild the export with corpus-builder build",
            path=str(corpus),
        )
    return manifest


def split_names(manifest: dict) -> tuple[str, ...]:
    """The export's splits: train, validation, test and any held-out test sets."""
    return tuple(manifest.get("splits", {}).get("hf") or SPLIT_NAMES)


def label_rows(manifest: dict) -> list[dict]:
    """Per label: count and share of its split's spans, with the balance target."""
    splits = split_names(manifest)
    spans = manifest["counts"]["spans"]
    totals = {s: sum(spans[label][s] for label in spans) for s in splits}
    balance = (manifest.get("balance") or {}).get("labels", {})
    rows = []
    for label, per_split in spans.items():
        target = balance.get(label, {})
        achieved = target.get("achieved_share") or {}
        rows.append(
            {
                "label": label,
                "count": {s: per_split[s] for s in splits},
                "share": {
                    s: achieved[s]
                    if s in achieved
                    else (per_split[s] / totals[s] if totals[s] else 0.0)
                    for s in splits
                },
                "target_share": target.get("target_share"),
                "min_count": target.get("min_count"),
            }
        )
    return rows


def write_report(
    *, corpus: Path, out: Path, force: bool = False, samples_per_channel: int = 2
) -> ReportResult:
    """Write ``index.html`` and its charts for the export at ``corpus`` into ``out``.

    Raises ExportReadError for a folder that is not an export, OutputError for an
    output folder that may not be written; ``out`` is then left as it was.
    """
    manifest = read_manifest(corpus)
    check_not_replacing(out, allowed="report", inputs=(corpus,))
    check_output(out, force=force)
    samples = read_samples(corpus, samples_per_channel)
    staging = make_staging(out)
    try:
        charts = draw_charts(manifest, staging)
        page = render_page(corpus, manifest, samples)
        (staging / "index.html").write_text(page, encoding="utf-8")
        _write_listing(staging, corpus)
        publish(staging, out)
    except BaseException:
        discard(staging)
        raise
    return ReportResult(output=out, charts=charts, samples=len(samples))


def _write_listing(folder: Path, corpus: Path) -> None:
    """A manifest of the report's own files, so ``--force`` may replace it later."""
    files = {
        p.name: {
            "bytes": p.stat().st_size,
            "sha256": hashlib.sha256(p.read_bytes()).hexdigest(),
        }
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }
    listing = {
        "tool": {"name": "corpus-builder", "version": __version__},
        "kind": "report",
        "corpus": str(corpus),
        "files": files,
    }
    (folder / "manifest.json").write_text(
        json.dumps(listing, indent=2) + "\n", encoding="utf-8"
    )


def read_samples(corpus: Path, per_channel: int) -> list[dict]:
    """The first ``per_channel`` narratives of each channel, with character spans."""
    import datasets
    import spacy

    from .tokens import iob_to_offsets

    folder = corpus / "hf"
    if not (folder / "dataset_dict.json").is_file():
        raise ExportReadError(
            "holds no hf/ dataset to draw sample narratives from; rebuild the "
            "export with hf among its exports (config `exports`, option --exports)",
            path=str(corpus),
        )
    datasets.disable_progress_bars()
    saved = datasets.load_from_disk(str(folder))
    # Only the vocab is used to rebuild offsets from tokens and spaces; the
    # multi-language pipeline has the fewest tokenizer exceptions to load.
    nlp = spacy.blank("xx")
    taken: dict[str, int] = {}
    samples = []
    for split in saved:
        names = saved[split].features["ner_tags"].feature.names
        picked = []
        for index, channel in enumerate(saved[split]["channel"]):
            if taken.get(channel, 0) < per_channel:
                taken[channel] = taken.get(channel, 0) + 1
                picked.append(index)
        for row in saved[split].select(picked):
            tags = [names[t] for t in row["ner_tags"]]
            text, spans = iob_to_offsets(nlp, row["tokens"], row["spaces"], tags)
            samples.append(
                {
                    "id": row["id"],
                    "split": split,
                    "channel": row["channel"],
                    "text": text,
                    "spans": spans,
                }
            )
    return sorted(samples, key=lambda s: (s["channel"], s["id"]))


def draw_charts(manifest: dict, folder: Path) -> list[str]:
    """Draw the PNG charts into ``folder``; return their file names."""
    splits = split_names(manifest)
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    counts = manifest["counts"]
    names = []

    def save(fig: Figure, name: str) -> None:
        fig.tight_layout()
        fig.savefig(folder / name, format="png", dpi=80, metadata={"Software": None})
        names.append(name)

    rows = label_rows(manifest)
    fig = Figure(figsize=(10, 4.5))
    ax = fig.add_subplot()
    width = 0.8 / len(splits)
    for i, split in enumerate(splits):
        offset = (i - (len(splits) - 1) / 2) * width
        xs = [j + offset for j in range(len(rows))]
        ax.bar(xs, [r["share"][split] for r in rows], width, label=f"{split} achieved")
    targets = [(j, r["target_share"]) for j, r in enumerate(rows)]
    targets = [(j, t) for j, t in targets if t is not None]
    if targets:
        ax.scatter(*zip(*targets), marker="_", s=900, color="black", label="target")
    ax.set_xticks(range(len(rows)), [r["label"] for r in rows], rotation=30)
    ax.set_ylabel("share of the split's spans")
    ax.legend()
    save(fig, "labels.png")

    channels = sorted({c for s in splits for c in counts["channels"][s]})
    fig = Figure(figsize=(10, 4.5))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 3]})
    left.bar(splits, [counts["templates"][s] for s in splits])
    left.set_title("templates per split")
    if len(splits) > 3:  # held-out test sets have long names
        left.tick_params(axis="x", labelrotation=30)
        for tick in left.get_xticklabels():
            tick.set_horizontalalignment("right")
    bottom = [0] * len(channels)
    for split in splits:
        values = [counts["channels"][split].get(c, 0) for c in channels]
        right.bar(channels, values, bottom=bottom, label=split)
        bottom = [b + v for b, v in zip(bottom, values)]
    right.set_title("narratives per channel")
    right.set_xticks(range(len(channels)), channels, rotation=40, ha="right")
    right.legend()
    save(fig, "splits.png")

    forms = {k: v for k, v in counts["surface_forms"].items() if v}
    if forms:
        fig = Figure(figsize=(10, 2.2 * ((len(forms) + 1) // 2)))
        axes = fig.subplots((len(forms) + 1) // 2, 2, squeeze=False).flat
        for ax, (label, per_form) in zip(axes, forms.items()):
            ax.barh(list(per_form), list(per_form.values()))
            ax.set_title(label, fontsize=9)
            ax.tick_params(labelsize=6)
        save(fig, "surface_forms.png")

    similarity = counts.get("similarity_to_graph_spelling") or {}
    if similarity:
        fig = Figure(figsize=(10, 4))
        ax = fig.add_subplot()
        width = 0.8 / len(similarity)
        for i, (label, hist) in enumerate(similarity.items()):
            offset = (i - (len(similarity) - 1) / 2) * width
            xs = [j + offset for j in range(len(BUCKETS))]
            ax.bar(xs, [hist.get(b, 0) for b in BUCKETS], width, label=label)
        ax.set_xticks(range(len(BUCKETS)), BUCKETS, rotation=30)
        ax.set_xlabel("similarity of the surface to the graph's spelling")
        ax.set_ylabel("mentions")
        ax.legend()
        save(fig, "similarity.png")
    return names


def _table(table_id: str, head: list[str], body: list[list]) -> str:
    cells = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in body
    )
    return (
        f'<table id="{table_id}"><thead><tr>{cells}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def render_page(corpus: Path, manifest: dict, samples: list[dict]) -> str:
    """The report's HTML; numbers come from the manifest, samples from the export."""
    splits = split_names(manifest)
    from spacy import displacy

    counts = manifest["counts"]
    rows = label_rows(manifest)
    parts = [
        f"<h1>corpus report: {html.escape(str(corpus))}</h1>",
        "<p>"
        + html.escape(
            f"seed {manifest.get('seed')}, "
            + ", ".join(f"{counts['examples'][s]} {s}" for s in splits)
            + " narratives"
        )
        + "</p>",
    ]

    balance = manifest.get("balance")
    mode = (balance or {}).get("mode", "none recorded")
    parts.append("<h2>Labels per split</h2>")
    parts.append(
        f"<p>Balancing: {html.escape(str(mode))}. Share = the label's spans over "
        "all spans of the split.</p>"
    )
    parts.append('<img src="labels.png" alt="label shares per split">')
    head = ["label"]
    for s in splits:
        head += [f"{s} spans", f"{s} share"]
    head += ["target share", "min count"]
    body = []
    for r in rows:
        line = [r["label"]]
        for s in splits:
            line += [r["count"][s], r["share"][s]]
        body.append(line + [r["target_share"], r["min_count"]])
    parts.append(_table("labels", head, body))

    parts.append("<h2>Templates and channels per split</h2>")
    parts.append('<img src="splits.png" alt="templates and channels per split">')
    parts.append(
        _table(
            "templates",
            ["split", "narratives", "templates"],
            [[s, counts["examples"][s], counts["templates"][s]] for s in splits],
        )
    )
    channels = sorted({c for s in splits for c in counts["channels"][s]})
    parts.append(
        _table(
            "channels",
            ["channel", *splits],
            [[c, *(counts["channels"][s].get(c, 0) for s in splits)] for c in channels],
        )
    )

    parts.append("<h2>Surface forms</h2>")
    forms = counts["surface_forms"]
    if any(forms.values()):
        parts.append('<img src="surface_forms.png" alt="mentions per surface form">')
    parts.append(
        _table(
            "surface_forms",
            ["label", "form", "mentions"],
            [[label, f, n] for label, per in forms.items() for f, n in per.items()],
        )
    )

    similarity = counts.get("similarity_to_graph_spelling") or {}
    parts.append("<h2>Alias difficulty: similarity to the graph's spelling</h2>")
    if similarity:
        parts.append('<img src="similarity.png" alt="similarity histogram">')
    parts.append(
        _table(
            "similarity",
            ["label", *BUCKETS],
            [
                [label, *(h.get(b, 0) for b in BUCKETS)]
                for label, h in similarity.items()
            ],
        )
    )

    pieces = manifest.get("transformer")
    if pieces:
        parts.append("<h2>Transformer dataset</h2>")
        parts.append(
            _table(
                "transformer",
                ["split", "rows", "truncated narratives", "split into windows"],
                [
                    [
                        s,
                        pieces["rows"][s],
                        pieces["truncated_narratives"][s],
                        pieces["narratives_split_into_windows"][s],
                    ]
                    for s in splits
                ],
            )
        )

    colors = {label: COLORS[i % len(COLORS)] for i, label in enumerate(counts["spans"])}
    parts.append("<h2>Sample narratives per channel</h2>")
    for sample in samples:
        parts.append(
            f"<h3>{html.escape(sample['channel'])} · {html.escape(sample['id'])} · "
            f"{html.escape(sample['split'])}</h3>"
        )
        parts.append(
            displacy.render(
                {
                    "text": sample["text"],
                    "ents": [
                        {"start": s, "end": e, "label": label}
                        for s, e, label in sample["spans"]
                    ],
                },
                style="ent",
                manual=True,
                page=False,
                jupyter=False,
                options={"colors": colors},
            )
        )
    style = (
        "body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}img{max-width:100%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>corpus report</title><style>{style}</style></head><body>\n"
        + "\n".join(parts)
        + "\n</body></html>\n"
    )
