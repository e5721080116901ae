"""Decide, per transaction, its split and the template that tells it.

Templates are assigned to splits first, so no template is in two splits; the
smaller splits take templates that cover every template kind and label first. Then
each transaction gets a split (exact counts from the configured shares) and a template
of that split that can tell its kind of transaction.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from .config import SPLIT_NAMES, Config
from .errors import PlanError
from .fields import Context, context_provides
from .templates import KINDS, Template

TEMPLATE_KIND = {"overpaid": "full"}


@dataclass(frozen=True)
class SplitPlan:
    template_split: dict[str, str]
    gaps: dict[str, tuple[str, ...]]  # split -> kinds or labels it cannot produce

    def templates_of(self, split: str, templates: list[Template]) -> list[Template]:
        return [t for t in templates if self.template_split[t.id] == split]


def weighted_templates(templates: list[Template], config: Config) -> list[Template]:
    """The templates whose channel weight is above 0; unknown channel names fail."""
    known = sorted({t.channel for t in templates})
    for channel in config.channel_weights:
        if channel not in known:
            raise PlanError(
                f"channels.{channel}: no template has this channel; channels are "
                + ", ".join(known),
                code="E504",
                channel=channel,
            )
    return [t for t in templates if config.channel_weights.get(t.channel, 1.0) > 0]


def check_labels(templates: list[Template], config: Config) -> None:
    """Every configured label must come from some template."""
    produced = set().union(*(t.labels for t in templates))
    for label in config.labels:
        if label not in produced:
            raise PlanError(
                f"label {label} is in the config's `labels`, but no template has a "
                f"{{{label}:...}} slot; remove it from `labels` or add a template "
                "that produces it",
                code="E501",
                label=label,
            )
    for kind in KINDS:
        if not any(t.kind == kind for t in templates):
            raise PlanError(
                f"no template of kind {kind!r}; every transaction kind needs one "
                f"(add a template with `kind: {kind}`, or give its channels a weight "
                "above 0 under `channels`)",
                code="E502",
                kind=kind,
            )


def _keys(template: Template, labels: set[str]) -> set[str]:
    keys = {f"label:{label}" for label in template.labels if label in labels}
    # Only a template that can tell every transaction of its kind covers the kind.
    if not template.currencies and not {"po", "multi3"} & template.needs:
        keys.add(f"kind:{template.kind}")
    return keys


def assign_splits(
    templates: list[Template], config: Config, rng: random.Random
) -> SplitPlan:
    """Give each template one split; report what a split cannot produce."""
    labels = set(config.labels)
    pool = sorted(templates, key=lambda t: t.id)
    rng.shuffle(pool)
    all_keys = set().union(*(_keys(t, labels) for t in pool))
    assignment: dict[str, str] = {}
    small = [s for s in ("test", "validation") if config.splits[s] > 0]
    target_count = {s: max(1, round(len(pool) * config.splits[s])) for s in small}
    for split in small:
        covered: set[str] = set()
        chosen = 0
        while True:
            free = [t for t in pool if t.id not in assignment]
            best, gain = None, 0
            for template in free:
                new = _keys(template, labels) - covered
                if new and len(new) > gain and _spare(template, free, labels):
                    best, gain = template, len(new)
            if best is None:
                break
            assignment[best.id] = split
            covered |= _keys(best, labels)
            chosen += 1
        for template in [t for t in pool if t.id not in assignment]:
            if chosen >= target_count[split]:
                break
            free = [t for t in pool if t.id not in assignment]
            if _spare(template, free, labels):
                assignment[template.id] = split
                chosen += 1
    for template in pool:
        assignment.setdefault(template.id, "train")

    gaps = {}
    for split in SPLIT_NAMES:
        if config.splits[split] == 0:
            continue
        have = set().union(
            *(_keys(t, labels) for t in pool if assignment[t.id] == split)
        )
        missing = tuple(sorted(all_keys - have))
        if missing:
            gaps[split] = missing
    return SplitPlan(template_split=assignment, gaps=gaps)


def _spare(template: Template, free: list[Template], labels: set[str]) -> bool:
    """True if the templates left for training still cover what this one covers."""
    others = set().union(*(_keys(t, labels) for t in free if t.id != template.id))
    return _keys(template, labels) <= others


def split_sequence(n: int, shares: dict[str, float], rng: random.Random) -> list[str]:
    """Exactly apportioned split names for ``n`` items, in a seeded random order."""
    raw = {s: n * shares[s] for s in SPLIT_NAMES}
    counts = {s: int(raw[s]) for s in SPLIT_NAMES}
    rest = n - sum(counts.values())
    for s in sorted(SPLIT_NAMES, key=lambda s: raw[s] - counts[s], reverse=True)[:rest]:
        counts[s] += 1
    sequence = [s for s in SPLIT_NAMES for _ in range(counts[s])]
    rng.shuffle(sequence)
    return sequence


class TemplateChooser:
    """Picks a template of one split for one transaction context."""

    def __init__(
        self,
        templates: list[Template],
        plan: SplitPlan,
        channel_weights: dict[str, float] | None = None,
    ) -> None:
        self._channel_weights = channel_weights or {}
        self._by_split_kind: dict[tuple[str, str], list[Template]] = defaultdict(list)
        for template in templates:
            split = plan.template_split[template.id]
            self._by_split_kind[(split, template.kind)].append(template)

    def choose(self, split: str, ctx: Context, rng: random.Random) -> Template:
        kind = TEMPLATE_KIND.get(ctx.txn.kind, ctx.txn.kind)
        provides = context_provides(ctx)
        currency = ctx.txn.currency
        candidates = [
            t
            for t in self._by_split_kind[(split, kind)]
            if t.needs <= provides and (not t.currencies or currency in t.currencies)
        ]
        if not candidates:
            raise PlanError(
                f"no template in the {split} split can tell a {kind} transaction in "
                f"{currency} ({ctx.txn.txn_id}); add a {kind} template without a "
                "`currencies` limit or {PURCHASE_ORDER:po} slot, or give this split a "
                "larger share",
                code="E505",
                split=split,
                kind=kind,
                record=ctx.txn.txn_id,
            )
        language = (
            ctx.customer.language
            if ctx.customer
            else ("id" if currency == "IDR" else "en")
        )
        weights = [
            t.weight
            * (3.0 if t.language == language else 1.0)
            * self._channel_weights.get(t.channel, 1.0)
            for t in candidates
        ]
        if sum(weights) <= 0:
            raise PlanError(
                f"every template that can tell a {kind} transaction in the {split} "
                "split has channel weight 0; raise a weight under `channels`",
                code="E505",
                split=split,
                kind=kind,
            )
        return rng.choices(candidates, weights)[0]
