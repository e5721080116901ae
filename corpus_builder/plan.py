"""Decide, before anything is rendered, each transaction's split and template.

1. Templates are pooled per split: held-out channels and languages take all of
   theirs; under template grouping every other template gets one of train,
   validation and test, the smaller splits first taking templates that cover every
   transaction kind and label.
2. Transactions get splits: held-out sets first, then train, validation and test in
   their shares, stratified by customer language, purchase-order presence and kind,
   and under customer grouping a whole customer at a time.
3. Each transaction gets a template of its split that can tell it. With label
   targets the planner takes, among the templates that can, one that moves every
   label's count towards its target; diversity caps and minimum counts narrow the
   choice. Everything is counted, so an impossible target fails here, before a
   single narrative is rendered.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import accumulate

from .config import HELDOUT_SPLITS, SPLIT_NAMES, Config
from .errors import PlanError
from .fields import Context, context_of, context_provides
from .graph import Graph, Transaction, cycle_collection_paused
from .templates import KINDS, Template

TEMPLATE_KIND = {"overpaid": "full"}
# A candidate whose distance to the label targets is within this many mentions of
# the best one may still be drawn, so balancing keeps templates varied.
SLACK = 1.0
# Planning passes at most, each aiming past the targets the last one missed.
STEERING_ROUNDS = 5


@dataclass(frozen=True)
class SplitPlan:
    template_split: dict[str, str]
    gaps: dict[str, tuple[str, ...]]  # split -> kinds or labels it cannot produce

    def templates_of(self, split: str, templates: list[Template]) -> list[Template]:
        return [t for t in templates if self.template_split[t.id] == split]


@dataclass
class CorpusPlan:
    """Per transaction, in graph order, its split and template; counts they add to."""

    splits: list[str]
    templates: list[Template]
    pools: dict[str, list[Template]]
    expected: dict[str, Counter[str]] = field(default_factory=dict)
    capacity: dict[str, Counter[str]] = field(default_factory=dict)


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
    templates: list[Template],
    config: Config,
    rng: random.Random,
    *,
    min_templates: int = 1,
) -> SplitPlan:
    """Give each template one split; report what a split cannot produce.

    Each small split first takes templates until it has ``min_templates`` for every
    label (one for every kind), as long as training keeps as many.
    """
    labels = set(config.labels)
    pool = sorted(templates, key=lambda t: t.id)
    rng.shuffle(pool)
    keys_of = {t.id: _keys(t, labels) for t in pool}

    def need(key: str) -> int:
        return min_templates if key.startswith("label:") else 1

    assignment: dict[str, str] = {}
    small = [s for s in ("test", "validation") if config.splits[s] > 0]
    target_count = {s: max(1, round(len(pool) * config.splits[s])) for s in small}
    for split in small:
        covered: Counter[str] = Counter()
        chosen = 0
        while True:
            free = [t for t in pool if t.id not in assignment]
            best, gain = None, 0
            for template in free:
                new = {k for k in keys_of[template.id] if covered[k] < need(k)}
                if new and len(new) > gain and _spare(template, free, keys_of, need):
                    best, gain = template, len(new)
            if best is None:
                break
            assignment[best.id] = split
            covered.update(keys_of[best.id])
            chosen += 1
        for template in [t for t in pool if t.id not in assignment]:
            if chosen >= target_count[split]:
                break
            free = [t for t in pool if t.id not in assignment]
            if _spare(template, free, keys_of, need):
                assignment[template.id] = split
                chosen += 1
    for template in pool:
        assignment.setdefault(template.id, "train")

    all_keys = set().union(*keys_of.values())
    gaps = {}
    for split in SPLIT_NAMES:
        if config.splits[split] == 0:
            continue
        have = set().union(*(keys_of[t.id] for t in pool if assignment[t.id] == split))
        missing = tuple(sorted(all_keys - have))
        if missing:
            gaps[split] = missing
    return SplitPlan(template_split=assignment, gaps=gaps)


def _spare(template: Template, free: list[Template], keys_of, need) -> bool:
    """True if the templates left for training still cover what this one covers."""
    left: Counter[str] = Counter()
    for other in free:
        if other.id != template.id:
            left.update(keys_of[other.id])
    return all(left[key] >= need(key) for key in keys_of[template.id])


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


# ---------------------------------------------------------------------------
# Contexts and which template can tell which transaction


@dataclass(frozen=True, slots=True)
class Profile:
    """What the planner reads of a transaction; most transactions share one."""

    ctx: Context  # of the first transaction with this profile
    provides: frozenset[str]
    stratum: tuple[str, str, bool]
    language: str  # of the templates weighted up for it


@dataclass(frozen=True, slots=True)
class Profiles:
    """The profile of every transaction, in graph order, as positions in ``kinds``."""

    kinds: list[Profile]
    of: array  # array('H'): position in kinds per transaction


def profiles_of(graph: Graph) -> Profiles:
    """Every transaction's profile, without keeping a context per transaction."""
    kinds: list[Profile] = []
    known: dict[tuple, int] = {}
    of = array("H")
    for txn in graph.transactions:
        ctx = context_of(graph, txn)
        provides = frozenset(context_provides(ctx))
        stratum = _stratum(ctx)
        language = _Chooser.language(ctx)
        key = (txn.kind, txn.currency, provides, stratum, language)
        position = known.get(key)
        if position is None:
            position = known[key] = len(kinds)
            kinds.append(Profile(ctx, provides, stratum, language))
        of.append(position)
    return Profiles(kinds, of)


def template_kind(txn) -> str:
    """The template kind that tells ``txn`` (an over-payment is told as a full one)."""
    return TEMPLATE_KIND.get(txn.kind, txn.kind)


def can_tell(template: Template, ctx: Context, provides: set[str]) -> bool:
    kind = template_kind(ctx.txn)
    return (
        template.kind == kind
        and template.needs <= provides
        and (not template.currencies or ctx.txn.currency in template.currencies)
    )


def _no_template(split: str, ctx: Context) -> PlanError:
    kind = template_kind(ctx.txn)
    return PlanError(
        f"no template in the {split} split can tell a {kind} transaction in "
        f"{ctx.txn.currency} ({ctx.txn.txn_id}); add a {kind} template without a "
        "`currencies` limit or {PURCHASE_ORDER:po} slot, or give this split a "
        "larger share",
        code="E505",
        split=split,
        kind=kind,
        record=ctx.txn.txn_id,
    )


# ---------------------------------------------------------------------------
# 1. Template pools


def template_pools(
    templates: list[Template], config: Config, rng: random.Random
) -> dict[str, list[Template]]:
    """The templates each split may use."""
    pools: dict[str, list[Template]] = {}
    rest = list(templates)
    heldout = config.heldout
    # A held-out channel takes its templates first; a held-out language then takes
    # the rest of its own.
    for key, split in (
        ("channel", "test_unseen_channel"),
        ("language", "test_unseen_language"),
    ):
        value = getattr(heldout, key)
        if value is None:
            continue
        taken = [t for t in rest if getattr(t, key) == value]
        if not taken:
            known = ", ".join(sorted({getattr(t, key) for t in templates}))
            raise PlanError(
                f"heldout.{key}: no template (outside another held-out set) has "
                f"{key} {value!r}; template {key}s are {known}",
                code="E510",
                key=f"heldout.{key}",
            )
        pools[split] = taken
        rest = [t for t in rest if getattr(t, key) != value]
    if heldout.channel or heldout.language:
        try:
            check_labels(rest, config)
        except PlanError as exc:
            raise PlanError(
                f"with the held-out templates taken out, the rest fall short: {exc}",
                code="E510",
            ) from None
    _check_min_templates(rest, config, "the corpus")
    if config.groups_templates:
        plan = assign_splits(
            rest, config, rng, min_templates=config.diversity.min_templates
        )
        for split, missing in plan.gaps.items():
            kinds = [m for m in missing if m.startswith("kind:")]
            if kinds:
                raise PlanError(
                    f"the {split} split has no template for {', '.join(kinds)}; add "
                    "templates of those kinds (without a `currencies` limit, a po "
                    "slot or a third invoice)",
                    code="E503",
                    split=split,
                    kinds=kinds,
                )
        for split in SPLIT_NAMES:
            pools[split] = plan.templates_of(split, rest)
    else:
        for split in SPLIT_NAMES:
            pools[split] = list(rest)
    for split in SPLIT_NAMES:
        if config.splits[split] > 0:
            _check_min_templates(pools[split], config, f"the {split} split")
    if heldout.alias_form is not None:
        # Unseen alias forms are told by the test split's templates, which training
        # never saw either.
        pools["test_unseen_alias"] = [
            t for t in pools["test"] or pools["train"] if "CUSTOMER" in t.labels
        ]
    return {split: pools[split] for split in config.split_names}


def _check_min_templates(pool: list[Template], config: Config, where: str) -> None:
    need = config.diversity.min_templates
    for label in config.labels:
        have = sum(1 for t in pool if label in t.labels)
        if have < need:
            raise PlanError(
                f"diversity.min_templates: {label} needs {need} templates in {where}, "
                f"which has {have}; add templates with a {{{label}:...}} slot or "
                "lower diversity.min_templates",
                code="E509",
                label=label,
            )


# ---------------------------------------------------------------------------
# 2. Splits of transactions


def _stratum(ctx: Context) -> tuple[str, str, bool]:
    language = ctx.customer.language if ctx.customer else ""
    has_po = bool(ctx.invoices) and ctx.invoices[0].po_number is not None
    return (language, ctx.txn.kind, has_po)


def assign_transactions(
    graph: Graph,
    profiles: Profiles,
    pools: dict[str, list[Template]],
    config: Config,
    rng: random.Random,
) -> list[str]:
    """The split of every transaction."""
    transactions = graph.transactions
    kinds, profile_of = profiles.kinds, profiles.of
    n = len(transactions)
    splits: list[str | None] = [None] * n

    def units(indices: list[int]) -> list[list[int]]:
        """Transactions that must share a split: a customer's, or each alone."""
        if not config.groups_customers:
            return [[i] for i in indices]
        by_customer: dict[str, list[int]] = defaultdict(list)
        alone = []
        for i in indices:
            customer = transactions[i].customer_id
            if customer:
                by_customer[customer].append(i)
            else:
                alone.append([i])
        return [by_customer[c] for c in sorted(by_customer)] + alone

    for split, value in config.heldout.chosen().items():
        pool = pools[split]
        free = [i for i in range(n) if splits[i] is None]
        # Whether a profile's transactions can be told, and a customer is named in
        # the held-out form, is the same for all of them.
        tellable = [any(can_tell(t, p.ctx, p.provides) for t in pool) for p in kinds]
        named: dict[str | None, bool] = {}

        def fits(i: int) -> bool:
            if split == "test_unseen_alias":
                customer_id = transactions[i].customer_id
                if customer_id not in named:
                    customer = context_of(graph, transactions[i]).customer
                    named[customer_id] = customer is not None and any(
                        a.form == value for a in customer.aliases
                    )
                if not named[customer_id]:
                    return False
            return tellable[profile_of[i]]

        eligible = [u for u in units(free) if all(fits(i) for i in u)]
        rng.shuffle(eligible)
        want = round(n * config.heldout.share)
        taken = 0
        for unit in eligible:
            if taken >= want:
                break
            for i in unit:
                splits[i] = split
            taken += len(unit)
        if taken == 0:
            key = next(k for k, s in HELDOUT_SPLITS.items() if s == split)
            whole = " of a whole customer" if config.groups_customers else ""
            raise PlanError(
                f"heldout.{key}: no transaction{whole} can be told by the "
                f"{value!r} templates; hold out another {key}",
                code="E510",
                key=f"heldout.{key}",
            )

    free = [i for i in range(n) if splits[i] is None]
    shares = {s: config.splits[s] for s in SPLIT_NAMES}
    strata: dict[tuple, list[list[int]]] = defaultdict(list)
    for unit in units(free):
        strata[kinds[profile_of[unit[0]]].stratum].append(unit)
    totals: Counter[str] = Counter()
    for key in sorted(strata, key=repr):
        group = strata[key]
        rng.shuffle(group)
        placed: Counter[str] = Counter()
        size = 0
        for unit in group:
            size += len(unit)

            def room(s: str) -> float:
                # What the split lacks in this stratum and overall, in narratives.
                return (shares[s] * size - placed[s]) + 0.5 * (
                    shares[s] * (sum(totals.values()) + len(unit)) - totals[s]
                )

            best = max((s for s in SPLIT_NAMES if shares[s] > 0), key=room)
            placed[best] += len(unit)
            totals[best] += len(unit)
            for i in unit:
                splits[i] = best
    return [s for s in splits if s is not None]


# ---------------------------------------------------------------------------
# 3. Templates per transaction


def _vector(template: Template, labels: tuple[str, ...]) -> Counter[str]:
    return Counter(slot.label for slot in template.slots if slot.label in labels)


class _Chooser:
    def __init__(
        self,
        config: Config,
        pools: dict[str, list[Template]],
        targets: dict[str, dict[str, float] | None],
    ) -> None:
        self.config = config
        self.targets = targets  # per split
        self.vectors = {
            t.id: _vector(t, config.labels) for pool in pools.values() for t in pool
        }
        self._vector_items = {tid: tuple(v.items()) for tid, v in self.vectors.items()}
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)
        self.used: dict[str, Counter[str]] = defaultdict(Counter)
        # Weighted candidates per candidate list (shared, never changed) and language.
        self._weighted: dict[tuple[int, str], list[tuple[Template, float]]] = {}
        # The same as templates and cumulative weights, for a draw nothing narrows.
        self._drawn: dict[tuple[int, str], tuple[tuple[Template, ...], list[float]]]
        self._drawn = {}

    @staticmethod
    def language(ctx: Context) -> str:
        if ctx.customer:
            return ctx.customer.language
        return "id" if ctx.txn.currency == "IDR" else "en"

    def weight(self, template: Template, language: str) -> float:
        return (
            template.weight
            * (3.0 if template.language == language else 1.0)
            * self.config.channel_weights.get(template.channel, 1.0)
        )

    def choose(
        self,
        split: str,
        candidates: list[Template],
        txn: Transaction,
        language: str,
        rng: random.Random,
        urgent: list[str],
        cap: int | None,
    ) -> Template:
        kind = template_kind(txn)
        key = (id(candidates), language)
        weighted = self._weighted.get(key)
        if weighted is None:
            weighted = [(t, self.weight(t, language)) for t in candidates]
            weighted = [(t, w) for t, w in weighted if w > 0]
            self._weighted[key] = weighted
        if not weighted:
            raise PlanError(
                f"every template that can tell a {kind} transaction in the {split} "
                "split has channel weight 0; raise a weight under `channels`",
                code="E505",
                split=split,
                kind=kind,
            )
        narrowed = False
        if cap is not None:
            narrowed = True
            weighted = [(t, w) for t, w in weighted if self.used[split][t.id] < cap]
            if not weighted:
                share = self.config.diversity.max_template_share
                raise PlanError(
                    f"diversity.max_template_share: {share} lets each template tell "
                    f"at most {cap} narratives of the {split} split, and every "
                    f"template that can tell {txn.txn_id} ({kind}, "
                    f"{txn.currency}) has; raise the share or add templates of "
                    f"kind {kind}",
                    code="E509",
                    split=split,
                    kind=kind,
                )
        for label in urgent:
            providing = [(t, w) for t, w in weighted if self.vectors[t.id][label]]
            if providing:
                narrowed = True
                weighted = providing
        targets = self.targets[split]
        if targets is not None:
            narrowed = True
            counts = self.counts[split]
            total = sum(counts.values())
            scored = []
            for t, w in weighted:
                v = self.vectors[t.id]
                after = total + sum(v.values())
                distance = sum(
                    abs(counts[label] + v[label] - share * after)
                    for label, share in targets.items()
                )
                scored.append((distance, t, w))
            best = min(d for d, _, _ in scored)
            weighted = [(t, w) for d, t, w in scored if d <= best + SLACK]
        if narrowed:
            templates, weights = zip(*weighted)
            chosen = rng.choices(templates, weights)[0]
        else:
            # What rng.choices(templates, weights) draws, its sums made once.
            drawn = self._drawn.get(key)
            if drawn is None:
                templates, weights = zip(*weighted)
                drawn = self._drawn[key] = (templates, list(accumulate(weights)))
            chosen = rng.choices(drawn[0], cum_weights=drawn[1])[0]
        counts = self.counts[split]
        for label, count in self._vector_items[chosen.id]:
            counts[label] += count
        self.used[split][chosen.id] += 1
        return chosen


@cycle_collection_paused()
def plan_corpus(
    config: Config,
    templates: list[Template],
    graph: Graph,
    *,
    pool_rng: random.Random,
    split_rng: random.Random,
    choice_seed: int,
) -> CorpusPlan:
    """Split and template of every transaction; fails on a target it cannot meet."""
    pools = template_pools(templates, config, pool_rng)
    profiles = profiles_of(graph)
    splits = assign_transactions(graph, profiles, pools, config, split_rng)
    vectors = {t.id: _vector(t, config.labels) for pool in pools.values() for t in pool}
    sizes = Counter(splits)
    cap_share = config.diversity.max_template_share
    caps = {
        s: max(1, int(cap_share * sizes[s])) if cap_share is not None else None
        for s in sizes
    }

    # Transactions of one split, kind, currency and provided needs share candidates:
    # a group, with the most mentions of each label one of them can give.
    groups: list[tuple[str, list[Template], dict[str, int]]] = []
    known: dict[tuple, int] = {}
    group_by_profile: dict[tuple[str, int], int] = {}
    group_of = array("H")
    kinds, profile_of = profiles.kinds, profiles.of
    for i, split in enumerate(splits):
        position = profile_of[i]
        group = group_by_profile.get((split, position))
        if group is None:
            profile = kinds[position]
            txn = profile.ctx.txn
            key = (split, txn.kind, txn.currency, profile.provides)
            group = known.get(key)
            if group is None:
                found = [
                    t
                    for t in pools[split]
                    if can_tell(t, profile.ctx, profile.provides)
                ]
                if not found:
                    raise _no_template(split, context_of(graph, graph.transactions[i]))
                most = {
                    label: max(vectors[t.id][label] for t in found)
                    for label in config.labels
                }
                group = known[key] = len(groups)
                groups.append((split, found, most))
            group_by_profile[(split, position)] = group
        group_of.append(group)
    members = Counter(group_of)
    capacity: dict[str, Counter[str]] = defaultdict(Counter)
    for group, (split, _, most) in enumerate(groups):
        for label, count in most.items():
            capacity[split][label] += count * members[group]
    _check_reachable(config, sizes, capacity)

    goal = config.balance.targets(config.labels)
    steer = {split: goal for split in sizes}
    for _ in range(STEERING_ROUNDS):
        chooser = _Chooser(config, pools, steer)
        chosen = _choose_all(
            config,
            graph,
            profiles,
            splits,
            groups,
            group_of,
            capacity,
            chooser,
            caps,
            choice_seed,
        )
        if goal is None:
            break
        missed = False
        # Shares are promised for train; the small splits, with a tenth of the
        # templates, aim at the plain targets.
        for split in ("train",):
            counts = chooser.counts[split]
            total = sum(counts.values()) or 1
            achieved = {label: counts[label] / total for label in goal}
            tolerance = config.balance.tolerance / 2
            if not any(
                share_problem(achieved[label], goal[label], tolerance) for label in goal
            ):
                continue
            missed = True
            # A greedy choice misses labels that some transactions cannot avoid
            # (two invoices in every multi payment): aim past the goal by what was
            # missed, and plan again.
            aim = {
                label: steer[split][label] * goal[label] / achieved[label]
                if achieved[label] > 0
                else steer[split][label]
                for label in goal
            }
            norm = sum(aim.values())
            steer[split] = {label: share / norm for label, share in aim.items()}
        if not missed:
            break
    plan = CorpusPlan(
        splits=splits,
        templates=chosen,
        pools=pools,
        expected={s: Counter(chooser.counts[s]) for s in sizes},
        capacity={s: Counter(capacity[s]) for s in sizes},
    )
    check_targets(config, plan.expected, plan.capacity, pools, when="planned")
    return plan


def _choose_all(
    config: Config,
    graph: Graph,
    profiles: Profiles,
    splits: list[str],
    groups: list[tuple[str, list[Template], dict[str, int]]],
    group_of: array,
    capacity: dict[str, Counter[str]],
    chooser: "_Chooser",
    caps: dict[str, int | None],
    choice_seed: int,
) -> list[Template]:
    # Mentions each label can still get in each split from the transactions not yet
    # planned: a minimum count that needs all of them forces the choice.
    minimums = config.balance.min_count
    left = {s: Counter(capacity[s]) for s in capacity}
    chosen = []
    transactions = graph.transactions
    kinds, profile_of = profiles.kinds, profiles.of
    for i, split in enumerate(splits):
        _, candidates, best = groups[group_of[i]]
        urgent = []
        if minimums:
            if split in SPLIT_NAMES:
                for label, minimum in minimums.items():
                    need = minimum - chooser.counts[split][label]
                    if need > 0 and need >= left[split][label]:
                        urgent.append(label)
            left[split].subtract(best)
        rng = random.Random(choice_seed + i + 1)
        language = kinds[profile_of[i]].language
        chosen.append(
            chooser.choose(
                split, candidates, transactions[i], language, rng, urgent, caps[split]
            )
        )
    return chosen


def _check_reachable(
    config: Config, sizes: Counter[str], capacity: dict[str, Counter[str]]
) -> None:
    for label, minimum in config.balance.min_count.items():
        for split in SPLIT_NAMES:
            if sizes[split] and capacity[split][label] < minimum:
                raise PlanError(
                    f"balance.min_count.{label}: {minimum} mentions asked in the "
                    f"{split} split, but its {sizes[split]} narratives can carry at "
                    f"most {capacity[split][label]} (the rest have no entity for it "
                    "or no template with its slot); lower the minimum, raise "
                    "`narratives`, or add templates with the slot",
                    code="E508",
                    label=label,
                    split=split,
                )


def share_problem(achieved: float, target: float, tolerance: float) -> bool:
    """True if ``achieved`` is further from ``target`` than ``tolerance`` of it."""
    return abs(achieved - target) > tolerance * target + 1e-12


def share_misses(config: Config, train: Counter[str]) -> list[tuple[str, float, float]]:
    """``(label, achieved, target)`` for every label whose share of ``train`` (counts
    by template label) is off its target by more than the tolerance."""
    targets = config.balance.targets(config.labels)
    total = sum(train.values())
    misses = []
    for label, target in (targets or {}).items():
        achieved = train[label] / total if total else 0.0
        if share_problem(achieved, target, config.balance.tolerance):
            misses.append((label, achieved, target))
    return misses


def minimum_misses(
    config: Config, counts: dict[str, Counter[str]]
) -> list[tuple[str, str, int, int]]:
    """``(label, split, count, minimum)`` for every split of ``counts`` (by template
    label) with fewer mentions of a label than ``balance.min_count`` asks."""
    return [
        (label, split, counts[split][label], minimum)
        for label, minimum in config.balance.min_count.items()
        for split in SPLIT_NAMES
        if split in counts and counts[split][label] < minimum
    ]


def check_targets(
    config: Config,
    counts: dict[str, Counter[str]],
    capacity: dict[str, Counter[str]],
    pools: dict[str, list[Template]],
    *,
    when: str,
) -> None:
    """Fail, naming the label, when train's shares or a split's minimum are missed."""
    problems = []
    for label, achieved, target in share_misses(config, counts.get("train", Counter())):
        producing = sum(1 for t in pools["train"] if label in t.labels)
        if achieved < target:
            fix = (
                f"at most {capacity['train'][label]} mentions fit the train "
                f"narratives and {producing} train templates have the slot: add "
                f"templates with a {{{label}:...}} slot for more kinds of "
                "transaction or lower its target"
            )
        else:
            fix = (
                f"too few train templates leave it out: add templates without a "
                f"{{{label}:...}} slot or raise its target"
            )
        problems.append(
            f"{label} {when} at {achieved:.2%} against a target of {target:.2%} ({fix})"
        )
    if problems:
        raise PlanError(
            "balance: train mentions miss their targets by more than "
            f"balance.tolerance ({config.balance.tolerance:.0%} of the target): "
            + "; ".join(problems),
            code="E507",
        )
    for label, split, count, minimum in minimum_misses(config, counts)[:1]:
        raise PlanError(
            f"balance.min_count.{label}: {when} {count} mentions in the {split} "
            f"split against a minimum of {minimum}; the other targets pull against "
            "it: lower it or relax them",
            code="E508",
            label=label,
            split=split,
        )
