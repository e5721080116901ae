"""Which writers a build runs: one per export the config's ``exports`` names.

The build and every process that renders shards make the same list, in the same
order, so a shard's parts line up with the build's writers wherever it ran.
"""

from __future__ import annotations

from pathlib import Path

from .config import EXPORTS, Config
from .exporters.conll import ConllWriter
from .exporters.doccano import DoccanoWriter
from .exporters.doccano_relations import DoccanoRelationWriter
from .exporters.graph_tables import TransactionWriter
from .exporters.hf import HfWriter
from .exporters.labelstudio import LabelStudioWriter
from .exporters.prodigy import ProdigyWriter
from .exporters.spacy_docbin import SpacyWriter
from .exporters.tasks import TaskWriter
from .exporters.transformer import LoadedTokenizer, TransformerWriter
from .graph import Graph
from .relations import RelationFinder
from .stats import Stats


def make_writers(
    config: Config,
    graph: Graph,
    tag_names: list[str],
    tokenizer: LoadedTokenizer | None = None,
    *,
    folder: Path | None = None,
    sizes: dict[str, int] | None = None,
) -> list:
    """The writers of ``config.exports`` in the order of ``EXPORTS``, then the
    counts (a ``Stats``), then the subword dataset if ``tokenizer`` is given.

    With ``folder`` each writes its files under it (``sizes``, narratives per
    split, decides which spaCy splits are folders of shards); without, each
    gathers one shard's part in memory.
    """

    def under(*names: str) -> Path | None:
        return folder.joinpath(*names) if folder is not None else None

    splits = config.split_names
    utf16 = config.doccano_utf16
    chosen = set(config.exports)
    finder = RelationFinder(graph) if chosen & {"relations", "labelstudio"} else None
    makers = {
        "doccano": lambda: DoccanoWriter(under("doccano"), utf16=utf16, splits=splits),
        "relations": lambda: DoccanoRelationWriter(
            under("doccano", "relations"), finder, utf16=utf16, splits=splits
        ),
        "spacy": lambda: SpacyWriter(under("spacy"), splits=splits, sizes=sizes),
        "hf": lambda: HfWriter(under("hf"), tag_names, splits=splits),
        "conll": lambda: ConllWriter(under("conll"), splits=splits),
        "labelstudio": lambda: LabelStudioWriter(
            under("labelstudio"), config.export_labels, finder, splits=splits
        ),
        "prodigy": lambda: ProdigyWriter(under("prodigy"), splits=splits),
        "graph": lambda: TransactionWriter(under("graph"), graph),
        "tasks": lambda: TaskWriter(under("tasks"), graph),
    }
    assert tuple(makers) == EXPORTS
    writers: list = [makers[name]() for name in EXPORTS if name in chosen]
    writers.append(Stats(splits))
    if tokenizer is not None:
        writers.append(
            TransformerWriter(
                under("transformer"),
                tokenizer,
                tag_names,
                config.transformer,
                source=config.source,
                splits=splits,
            )
        )
    return writers
