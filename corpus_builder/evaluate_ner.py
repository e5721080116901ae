"""Score NER predictions against gold Doccano JSONL: overall, per label, per slice.

Gold: one Doccano JSONL file of an export (``doccano/test.jsonl``): ``text``,
``label`` (``[start, end, "LABEL"]``) and, used for slices when present,
``example_id``, ``channel``, ``language`` and ``kb_links``
(``[start, end, "KB-ID", "form", score]``). Offsets are code points. Or an
export's Hugging Face folder (``hf``) and one of its splits, paired by ``id``;
it has no kb_ids or forms, so no recovery, family or noise scores.

Predictions, either format:

- JSONL (``.jsonl``, ``.json``): one object per line with ``label`` as
  ``[start, end, "LABEL"]`` or ``[start, end, "LABEL", "KB-ID"]`` (or Doccano's
  ``{"start_offset", "end_offset", "label"}``), in code points; a ``kb_links`` key
  as in the gold export gives kb_ids to spans without one. Lines are paired
  with gold lines by ``example_id`` when every prediction line has one, otherwise
  by position; a ``text`` key, if given, must equal the gold text.
- CoNLL (any other suffix): one token per line, its IOB2 tag in the last
  whitespace-separated column, a blank line after each narrative, ``-DOCSTART-``
  lines ignored; narratives in gold order. Each token must be the next
  non-whitespace text of the gold narrative, so offsets are recovered exactly.
  Decoding is strict: an entity starts at ``B-X`` and takes the ``I-X`` right after
  it; an ``I-X`` that does not continue an entity of ``X`` (after ``O``, after
  another label, first in a narrative) is read as ``O`` and counted in
  ``invalid_tags``. Other tags (``E-X``, ``S-X``, bare ``X``) are errors.

Scores (precision = matched predictions / predictions, recall = matched gold / gold):

- ``strict``: a prediction matches a gold span with the same start, end and label
  (a repeated prediction matches once).
- ``partial``: a prediction matches a gold span of the same label it overlaps by at
  least one character; each gold span and each prediction matches at most once
  (gold spans in text order each take the first free overlapping prediction).
- ``recovered``: the share of gold spans with a kb_id for which a prediction of the
  same label overlaps it and carries the same kb_id; null when no prediction carries
  a kb_id (CoNLL never does).

Slices by ``channel`` and ``language`` score the narratives of each value; slices by
surface-form ``family`` (``CUSTOMER:acronym``, noise marks stripped) and ``noise``
(``clean``, ``typo``, ``ocr``, ``cut``, ...) report recall only, since a prediction
has no surface form.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import EvaluationError
from .evaluate import read_jsonl
from .example import form_family
from .resolution import form_noise


@dataclass(frozen=True)
class Entity:
    start: int
    end: int
    label: str
    kb_id: str | None = None
    form: str | None = None


@dataclass
class Document:
    text: str
    gold: list[Entity]
    example_id: str | None = None
    channel: str = ""
    language: str = ""
    pred: list[Entity] = field(default_factory=list)


def read_gold(path: Path) -> list[Document]:
    """The gold narratives of a Doccano JSONL file, in file order."""
    _check_offset_unit(path)
    documents = []
    hint = "pass a Doccano file of an export, such as exports/doccano/test.jsonl"
    for number, record in read_jsonl(path, ("text", "label"), hint=hint):
        text = record["text"]
        links = {
            (link[0], link[1]): link for link in record.get("kb_links") or () if link
        }
        gold = []
        for raw in _spans(record["label"], path, number, len(text)):
            link = links.get((raw.start, raw.end))
            gold.append(
                Entity(
                    raw.start,
                    raw.end,
                    raw.label,
                    kb_id=link[2] if link else None,
                    form=link[3] if link and len(link) > 3 else None,
                )
            )
        documents.append(
            Document(
                text=text,
                gold=gold,
                example_id=record.get("example_id"),
                channel=str(record.get("channel", "")),
                language=str(record.get("language", "")),
            )
        )
    return documents


def _check_offset_unit(path: Path) -> None:
    """Refuse gold from an export whose Doccano files count UTF-16 units.

    TODO(#5): read such files as gold.
    """
    try:
        manifest = json.loads((path.parent.parent / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(manifest, dict) and "utf-16" in str(
        manifest.get("doccano_offset_unit", "")
    ):
        raise EvaluationError(
            "this export's Doccano offsets count UTF-16 units, and evaluate ner reads "
            "code points; rebuild with doccano_offsets: code_points for evaluation",
            path=str(path),
        )


def _spans(raw: Any, path: Path, line: int, length: int) -> list[Entity]:
    if not isinstance(raw, list):
        raise EvaluationError(
            "`label` must be a list of [start, end, label] spans",
            path=str(path),
            line=line,
        )
    spans = []
    for item in raw:
        if isinstance(item, dict):
            item = [item.get("start_offset"), item.get("end_offset"), item.get("label")]
        ok = (
            isinstance(item, list)
            and len(item) in (3, 4)
            and all(isinstance(v, int) and not isinstance(v, bool) for v in item[:2])
            and isinstance(item[2], str)
        )
        if not ok or not 0 <= item[0] < item[1] <= length:
            raise EvaluationError(
                f"span {item!r} is not [start, end, label] (or with a kb_id) with "
                f"0 <= start < end <= {length}, the text's length in code points",
                path=str(path),
                line=line,
            )
        kb_id = item[3] if len(item) == 4 else None
        spans.append(Entity(item[0], item[1], item[2], kb_id=kb_id))
    return spans


def attach_jsonl_predictions(documents: list[Document], path: Path) -> None:
    """Set each document's ``pred`` from a JSONL prediction file."""
    records = list(read_jsonl(path, ("label",), hint="check --pred"))
    by_id = all("example_id" in record for _, record in records)
    if by_id:
        index = {d.example_id: d for d in documents}
        pairs = []
        for number, record in records:
            document = index.get(record["example_id"])
            if document is None:
                raise EvaluationError(
                    f"example_id {record['example_id']!r} is not in the gold file",
                    path=str(path),
                    line=number,
                )
            pairs.append((number, record, document))
    else:
        if len(records) != len(documents):
            raise EvaluationError(
                f"{len(records)} prediction lines without example_id for "
                f"{len(documents)} gold narratives; give every line its example_id "
                "or one line per gold narrative in gold order",
                path=str(path),
            )
        pairs = [(n, r, d) for (n, r), d in zip(records, documents)]
    for number, record, document in pairs:
        if "text" in record and record["text"] != document.text:
            raise EvaluationError(
                "its text differs from the gold narrative it is paired with",
                path=str(path),
                line=number,
            )
        spans = _spans(record["label"], path, number, len(document.text))
        links = {(k[0], k[1]): k[2] for k in record.get("kb_links") or () if k}
        document.pred = [
            s if s.kb_id else replace(s, kb_id=links.get((s.start, s.end)))
            for s in spans
        ]


def attach_conll_predictions(documents: list[Document], path: Path) -> int:
    """Set each document's ``pred`` from a CoNLL file; return ``invalid_tags``."""
    if not path.is_file():
        raise EvaluationError("no such file; check --pred", path=str(path))
    blocks: list[list[tuple[int, str, str]]] = [[]]
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            columns = line.split()
            if not columns:
                if blocks[-1]:
                    blocks.append([])
                continue
            if columns[0] == "-DOCSTART-":
                continue
            if len(columns) < 2:
                raise EvaluationError(
                    "a token line needs the token and its tag",
                    path=str(path),
                    line=number,
                )
            blocks[-1].append((number, columns[0], columns[-1]))
    blocks = [b for b in blocks if b]
    if len(blocks) != len(documents):
        raise EvaluationError(
            f"{len(blocks)} narratives (blocks between blank lines) for "
            f"{len(documents)} gold narratives; write one block per gold narrative, "
            "in gold order",
            path=str(path),
        )
    invalid = 0
    for block, document in zip(blocks, documents):
        offsets = []
        at = 0
        text = document.text
        for number, token, _ in block:
            while at < len(text) and text[at].isspace():
                at += 1
            if text[at : at + len(token)] != token:
                raise EvaluationError(
                    f"token {token!r} is not the next text of the gold narrative "
                    f"(found {text[at : at + len(token)]!r} at {at})",
                    path=str(path),
                    line=number,
                )
            offsets.append((at, at + len(token)))
            at += len(token)
        tags = [tag for _, _, tag in block]
        for number, _, tag in block:
            if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
                raise EvaluationError(
                    f"tag {tag!r} is not O, B-LABEL or I-LABEL (IOB2)",
                    path=str(path),
                    line=number,
                )
        spans, bad = iob2_to_spans(tags)
        invalid += bad
        document.pred = [
            Entity(offsets[first][0], offsets[last][1], label)
            for first, last, label in spans
        ]
    return invalid


def iob2_to_spans(tags: list[str]) -> tuple[list[tuple[int, int, str]], int]:
    """Strict IOB2 decoding: ``(first, last, label)`` token spans and invalid I- count.

    An ``I-X`` continues only a ``B-X`` or ``I-X`` entity; any other ``I-X`` is
    read as ``O`` (and ends the entity before it).
    """
    spans: list[tuple[int, int, str]] = []
    current: list | None = None
    invalid = 0
    for index, tag in enumerate(tags):
        if tag.startswith("I-") and current is not None and current[2] == tag[2:]:
            current[1] = index
            continue
        if current is not None:
            spans.append(tuple(current))
            current = None
        if tag.startswith("B-"):
            current = [index, index, tag[2:]]
        elif tag.startswith("I-"):
            invalid += 1
    if current is not None:
        spans.append(tuple(current))
    return spans, invalid


def _partial_pairs(gold: list[Entity], pred: list[Entity]) -> list[tuple[int, int]]:
    """One-to-one ``(gold index, pred index)`` pairs of same-label overlaps."""
    taken: set[int] = set()
    pairs = []
    order = sorted(range(len(pred)), key=lambda i: (pred[i].start, pred[i].end))
    for g_index in sorted(range(len(gold)), key=lambda i: (gold[i].start, gold[i].end)):
        g = gold[g_index]
        for p_index in order:
            p = pred[p_index]
            if p_index in taken or p.label != g.label:
                continue
            if p.start < g.end and g.start < p.end:
                taken.add(p_index)
                pairs.append((g_index, p_index))
                break
    return pairs


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": f,
        "tp": tp,
        "pred": n_pred,
        "gold": n_gold,
    }


def score(documents: list[Document], invalid_tags: int = 0) -> dict[str, Any]:
    """Every score of the module docstring for documents with ``pred`` set."""
    counts: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    recall: dict[tuple[str, str], Counter] = defaultdict(Counter)
    with_kb = any(p.kb_id for d in documents for p in d.pred)
    for document in documents:
        gold, pred = document.gold, document.pred
        # Each gold span matches one prediction at most, strict or partial.
        unmatched = {(g.start, g.end, g.label) for g in gold}
        strict_hits = []
        for p in pred:
            key = (p.start, p.end, p.label)
            strict_hits.append(key in unmatched)
            unmatched.discard(key)
        pairs = _partial_pairs(gold, pred)
        partial_gold = {g for g, _ in pairs}
        recovered = {
            g for g, p in pairs if pred[p].kb_id and pred[p].kb_id == gold[g].kb_id
        }
        groups = [
            ("all", "all"),
            ("channel", document.channel),
            ("language", document.language),
        ]
        for group in groups:
            for label in ("all", *{e.label for e in gold + pred}):
                c = counts[(*group, label)]
                c["pred"] += sum(1 for p in pred if label in ("all", p.label))
                c["gold"] += sum(1 for g in gold if label in ("all", g.label))
                c["strict"] += sum(
                    hit
                    for p, hit in zip(pred, strict_hits)
                    if label in ("all", p.label)
                )
                c["partial"] += sum(
                    1 for g, _ in pairs if label in ("all", gold[g].label)
                )
        predicted = {(p.start, p.end, p.label) for p in pred}
        strict_gold = {
            i for i, g in enumerate(gold) if (g.start, g.end, g.label) in predicted
        }
        for index, g in enumerate(gold):
            keys = [("label", g.label)]
            if g.form:
                keys += [
                    ("family", f"{g.label}:{form_family(g.form)}"),
                    ("noise", form_noise(g.form)),
                ]
            for key in keys:
                c = recall[key]
                c["gold"] += 1
                c["strict"] += index in strict_gold
                c["partial"] += index in partial_gold
                c["kb"] += bool(g.kb_id)
                c["recovered"] += index in recovered

    def table(group: str, value: str) -> dict[str, Any]:
        labels = sorted(
            k[2] for k in counts if k[:2] == (group, value) and k[2] != "all"
        )
        out = {}
        for label in ("all", *labels):
            c = counts[(group, value, label)]
            out[label] = {
                "strict": _prf(c["strict"], c["pred"], c["gold"]),
                "partial": _prf(c["partial"], c["pred"], c["gold"]),
            }
        return out

    def recall_table(kind: str) -> dict[str, Any]:
        out = {}
        for (k, value), c in sorted(recall.items()):
            if k != kind:
                continue
            out[value] = {
                "gold": c["gold"],
                "strict_recall": c["strict"] / c["gold"],
                "partial_recall": c["partial"] / c["gold"],
                "recovered": c["recovered"] / c["kb"] if with_kb and c["kb"] else None,
            }
        return out

    return {
        "documents": len(documents),
        "invalid_tags": invalid_tags,
        "scores": table("all", "all"),
        "recovery": recall_table("label"),
        **{
            group: {v: table(group, v) for v in sorted(_values(counts, group))}
            for group in ("channel", "language")
        },
        "family": recall_table("family"),
        "noise": recall_table("noise"),
    }


def _values(counts: dict, group: str) -> set[str]:
    return {key[1] for key in counts if key[0] == group}


def read_hf_gold(folder: Path, split: str) -> list[Document]:
    """The gold narratives of one split of an export's Hugging Face dataset.

    The text is rebuilt from ``tokens`` and ``spaces``, the spans from ``ner_tags``.
    The dataset has no kb_ids or surface forms: no recovery, family or noise scores.
    """
    import datasets

    try:
        dataset = datasets.load_from_disk(str(folder))
    except (FileNotFoundError, ValueError) as exc:
        raise EvaluationError(
            f"not a saved Hugging Face dataset ({exc}); pass an export's hf folder "
            "or a Doccano file",
            path=str(folder),
        ) from None
    if not isinstance(dataset, datasets.DatasetDict) or split not in dataset:
        raise EvaluationError(
            f"has no split {split!r}; choose --split train, validation or test",
            path=str(folder),
        )
    part = dataset[split]
    missing = {"tokens", "spaces", "ner_tags"} - set(part.column_names)
    if missing:
        raise EvaluationError(
            f"split {split!r} lacks column(s) {', '.join(sorted(missing))}",
            path=str(folder),
        )
    names = part.features["ner_tags"].feature.names
    documents = []
    for row in part:
        starts, text = [], ""
        for token, space in zip(row["tokens"], row["spaces"]):
            starts.append(len(text))
            text += token + (" " if space else "")
        tags = [names[t] for t in row["ner_tags"]]
        spans, _ = iob2_to_spans(tags)
        gold = [
            Entity(starts[first], starts[last] + len(row["tokens"][last]), label)
            for first, last, label in spans
        ]
        documents.append(
            Document(
                text=text,
                gold=gold,
                example_id=row.get("id"),
                channel=str(row.get("channel") or ""),
                language=str(row.get("language") or ""),
            )
        )
    return documents


def evaluate_ner(*, gold: Path, pred: Path, split: str = "test") -> dict[str, Any]:
    """Scores of ``pred`` against ``gold`` (formats in the module docstring)."""
    documents = read_hf_gold(gold, split) if gold.is_dir() else read_gold(gold)
    if pred.suffix in (".jsonl", ".json"):
        attach_jsonl_predictions(documents, pred)
        invalid = 0
    else:
        invalid = attach_conll_predictions(documents, pred)
    return score(documents, invalid)
