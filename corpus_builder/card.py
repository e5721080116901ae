"""The dataset card: ``README.md`` at the root of an export.

The Hugging Face Hub reads a dataset's card from ``README.md`` at the root of a
dataset repository: a YAML header (language, license, task, sizes, and
``dataset_info`` with the features and splits of each config), then prose.
``load_from_disk`` reads no card, so the card sits at the export root, where an
upload of the whole export folder puts it at the repository root. Its ``configs``
point the Hub at the Arrow files of ``hf/`` (config ``words``) and, when written,
``transformer/`` (config ``pieces``), so ``load_dataset`` finds both.
"""

from __future__ import annotations

from pathlib import Path

import datasets
from huggingface_hub import DatasetCardData

from . import __version__
from .config import Config
from .stats import Stats

LICENSE = "mit"
PRETTY_NAME = "Synthetic bank-transaction narratives for NER (corpus-builder)"
CONFIGS = (("words", "hf"), ("pieces", "transformer"))
SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
)


def size_category(n: int) -> str:
    """The Hub's size bucket for ``n`` narratives."""
    for bound, name in SIZE_CATEGORIES:
        if n < bound:
            return name
    return "10M<n<100M"


def split_bytes(folder: Path, split: str) -> int:
    """Bytes of a saved split's Arrow files (uncompressed, as ``num_bytes``)."""
    return sum(p.stat().st_size for p in sorted((folder / split).glob("*.arrow")))


def card_data(export: Path, *, narratives: int) -> DatasetCardData:
    """The card's YAML header, read from the datasets saved under ``export``."""
    infos, configs = [], []
    for name, sub in CONFIGS:
        if not (export / sub / "dataset_dict.json").is_file():
            continue
        saved = datasets.load_from_disk(str(export / sub))
        splits = [
            {
                "name": split,
                "num_bytes": split_bytes(export / sub, split),
                "num_examples": saved[split].num_rows,
            }
            for split in saved
        ]
        infos.append(
            {
                "config_name": name,
                "features": saved["train"].features._to_yaml_list(),
                "splits": splits,
                "dataset_size": sum(s["num_bytes"] for s in splits),
            }
        )
        configs.append(
            {
                "config_name": name,
                "data_files": [
                    {"split": split, "path": f"{sub}/{split}/*.arrow"}
                    for split in saved
                ],
            }
        )
    return DatasetCardData(
        language=["id", "en"],
        license=LICENSE,
        pretty_name=PRETTY_NAME,
        task_categories=["token-classification"],
        task_ids=["named-entity-recognition"],
        size_categories=[size_category(narratives)],
        annotations_creators=["machine-generated"],
        language_creators=["machine-generated"],
        multilinguality=["multilingual"],
        source_datasets=["original"],
        dataset_info=infos,
        configs=configs,
    )


def write_card(
    export: Path,
    *,
    config: Config,
    stats: Stats,
    tag_names: list[str],
    transformer: dict | None = None,
) -> Path:
    """Write ``README.md`` into the export folder (datasets already saved there)."""
    counts = stats.to_manifest(config.export_labels)
    data = card_data(export, narratives=sum(counts["examples"].values()))
    path = export / "README.md"
    path.write_text(
        f"---\n{data.to_yaml()}\n---\n\n"
        + _prose(config, counts, tag_names, transformer),
        encoding="utf-8",
    )
    return path


def _grouping(config: Config) -> str:
    apart = {
        "both": "no template and no customer is in two of train, validation and "
        "test, so the test split measures narrative shapes and names the model has "
        "not seen",
        "template": "no template is in two of train, validation and test, so the "
        "test split measures narrative shapes the model has not seen",
        "customer": "no customer is in two of train, validation and test, so the "
        "test split measures names the model has not seen",
        "random": "narratives were dealt to splits at random; splits share "
        "templates and customers",
    }[config.split_by]
    text = f"Splits were planned before narratives were drawn: {apart}."
    heldout = config.heldout.chosen()
    if heldout:
        sets = ", ".join(f"`{split}` ({value})" for split, value in heldout.items())
        text += f" Extra test sets hold what no other split has: {sets}."
    return text


FOLDERS = {
    "doccano": "`doccano/`: Doccano sequence-labelling JSONL, one file per split",
    "relations": "`doccano/relations/`: Doccano relation-extraction JSONL",
    "spacy": "`spacy/`: spaCy DocBins (`spacy train` reads them)",
    "hf": "`hf/`: Hugging Face `DatasetDict` of words and IOB2 tags",
    "conll": "`conll/`: CoNLL-2003 token and tag columns",
    "labelstudio": "`labelstudio/`: Label Studio tasks and labelling config",
    "prodigy": "`prodigy/`: Prodigy JSONL",
    "graph": "`graph/`: the entity graph as CSV tables",
    "tasks": "`tasks/`: entity resolution, payment matching and action datasets",
}


def _files(config: Config) -> str:
    """One line per folder this export holds."""
    lines = [f"- {FOLDERS[name]}" for name in config.exports]
    if config.transformer.tokenizer:
        lines.append("- `transformer/`: the subword dataset described below")
    lines.append("- `manifest.json`: config, versions, counts and every file's sha256")
    return "\n".join(lines)


def _kept_ids(config: Config) -> str:
    """Which exports keep each span's graph id, as a sentence (or nothing)."""
    names = [
        shown
        for name, shown in (("doccano", "Doccano"), ("spacy", "spaCy"))
        if name in config.exports
    ]
    if not names:
        return ""
    return (
        " Each span keeps the graph id it points to in the "
        f"{' and '.join(names)} export{'s' if len(names) > 1 else ''}."
    )


def _balance(config: Config) -> str:
    if config.balance.mode == "none":
        return "Label frequencies follow the templates and the transaction mix."
    return (
        f"Label frequencies were balanced ({config.balance.mode}) on train, within "
        f"{config.balance.tolerance:.0%} of each target share; validation and test "
        "aim at the same targets with fewer templates."
    )


def _prose(
    config: Config, counts: dict, tag_names: list[str], transformer: dict | None
) -> str:
    names = config.split_names
    examples = counts["examples"]
    spans = counts["spans"]
    split_rows = "\n".join(
        f"| {split} | {examples[split]} | {counts['templates'][split]} | "
        f"{sum(spans[label][split] for label in spans)} |"
        for split in names
    )
    label_rows = "\n".join(
        f"| {label} | " + " | ".join(str(spans[label][s]) for s in names) + " |"
        for label in spans
    )
    pieces = ""
    if transformer:
        mode = (
            "every piece (later pieces `I-`)"
            if transformer["label_all_pieces"]
            else "the first piece of each word (later pieces -100)"
        )
        truncated = sum(transformer["truncated_narratives"].values())
        pieces = (
            "\n### `pieces` (transformer/)\n\n"
            f"The same narratives encoded by the tokenizer `{transformer['tokenizer']}`"
            f" ({transformer['tokenizer_file']}, copied to "
            "`transformer/tokenizer/tokenizer.json`), at most "
            f"{transformer['max_length']} pieces a row (`overflow: "
            f"{transformer['overflow']}`). `input_ids`, `attention_mask`, `labels` "
            f"(plain integers; the tag is on {mode}; special tokens -100) and "
            "`word_ids` (the word of `tokens` in `words` each piece comes from, -1 "
            f"for special tokens). Narratives truncated: {truncated}.\n"
        )
    words = ""
    if "hf" in config.exports:
        words = f"""### `words` (hf/)

`id`, `tokens` (spaCy `{config.spacy_lang}` tokenizer), `spaces`, `ner_tags`
(`ClassLabel`), `text`, `template_id`, `channel`, `language`. `tokens` and `spaces`
rebuild `text` exactly. Load with `datasets.load_from_disk("hf")`;
`hf/label2id.json` and `hf/id2label.json` hold the tag order.
"""
    return f"""# {PRETTY_NAME}

Synthetic bank-statement narratives (Indonesian and English e-banking, branch,
giro, virtual-account, SWIFT MT940, SEPA, ACH, wire, cheque and remittance lines)
with gold entity spans, for named-entity recognition. Nothing in it comes from a
real bank, customer or person.

## How it was made

corpus-builder {__version__} generated an entity graph (customers, contracts,
purchase orders, invoices and the bank transactions that settle them) from seed
{config.seed}, then rendered one narrative per transaction from hand-written
templates, recording each entity's character offsets while the text was assembled
(never by searching the finished text). Customer names appear as aliases,
acronyms and truncations; identifiers in many surface forms; a share carries
typing slips and OCR confusions; MT940 lines are hard-wrapped and SEPA fields cut.
Every span was checked (it slices to its value, sits on token boundaries, does not
overlap another) before it was written.{_kept_ids(config)}

## Labels

IOB2 tags, in this order in every split: {", ".join(f"`{t}`" for t in tag_names)}.

| label | {" | ".join(names)} |
|{"---|" * (len(names) + 1)}
{label_rows}

## Files

{_files(config)}

## Splits

{_grouping(config)}

| split | narratives | templates | entity spans |
|---|---|---|---|
{split_rows}

{words}{pieces}
## Limitations

- Synthetic: the narratives imitate public format descriptions; real statements
  hold shapes, bank codes and noise the templates lack. Use it to pre-label and to
  pre-train, and evaluate on real, reviewed data before trusting a model.
- Names and values come from Faker's Indonesian and US English pools; other
  countries' names and languages are rare or absent.
- {_balance(config)} See `manifest.json` for counts per split, channel and
  surface form.
- The licence above is the generator's; change it if you publish under another.
"""
