"""A few rendered narratives, for a person to judge realism at a glance."""

from __future__ import annotations

from dataclasses import replace

from .build import derive_rng, generate, prepare
from .config import Config
from .errors import ConfigError
from .example import Example
from .graph import build_graph, check_graph
from .templates import LANGUAGES, load_templates


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
    if language is not None and language not in LANGUAGES:
        raise ConfigError(
            f"expected one of {', '.join(LANGUAGES)}, got {language!r}",
            path="command line",
            key="--language",
            code="E111",
        )
    if channel:
        # The channel is drawn far more often; the splits keep every kind.
        known = {t.channel for t in load_templates(config.templates)}
        if channel not in known:
            raise ConfigError(
                f"no template has this channel; channels are "
                f"{', '.join(sorted(known))}",
                path="command line",
                key="--channel",
                code="E111",
            )
        weights = {**config.channel_weights}
        weights[channel] = max(weights.get(channel, 1.0), 1.0) * 50
        config = replace(config, channel_weights=weights)
    templates, nlp = prepare(config)
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
    return chosen
