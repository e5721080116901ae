"""A few rendered narratives, for a person to judge realism at a glance."""

from __future__ import annotations

from dataclasses import replace

from .build import derive_rng, generate, prepare
from .config import Config
from .example import Example
from .graph import build_graph, check_graph


def sample_examples(
    *,
    config: Config,
    count: int,
    channel: str | None = None,
    language: str | None = None,
) -> list[Example]:
    """``count`` narratives drawn at random from a corpus built from ``config``.

    Only narratives of ``channel`` and ``language`` are drawn when those are given;
    fewer than ``count`` come back when fewer exist.
    """
    templates, nlp = prepare(config)
    if channel:
        templates = [t for t in templates if t.channel == channel] or templates
    graph = build_graph(config, derive_rng(config.seed, "graph"))
    check_graph(graph)
    pool = [
        example
        for example, _ in generate(config, templates, nlp, graph)
        if (not channel or example.channel == channel)
        and (not language or example.language == language)
    ]
    rng = derive_rng(config.seed, "sample")
    chosen = rng.sample(pool, min(count, len(pool)))
    return [replace(example) for example in chosen]
