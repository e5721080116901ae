"""Label targets and diversity limits against what a build achieved.

The planner (plan.py) meets the targets on the counts it plans; rendering can still
drop a span (a field-length cut), so the finished corpus is checked again here,
before anything is published, and the comparison goes into the manifest.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .config import SPLIT_NAMES, Config
from .errors import PlanError
from .fields import FIELDS
from .plan import minimum_misses, share_misses
from .stats import Stats


def balance_report(config: Config, stats: Stats) -> dict[str, Any]:
    """Target against achieved, per label (export names) and split."""
    targets = config.balance.targets(config.labels)
    labels = {}
    for label in config.labels:
        name = config.export_label(label)
        counts = {s: stats.labels[s][name] for s in stats.splits}
        shares = {}
        for split in stats.splits:
            total = sum(stats.labels[split].values())
            shares[split] = round(counts[split] / total, 4) if total else 0.0
        labels[name] = {
            "target_share": round(targets[label], 4) if targets else None,
            "min_count": config.balance.min_count.get(label),
            "achieved_share": shares,
            "achieved_count": counts,
        }
    return {
        "mode": config.balance.mode,
        "tolerance": config.balance.tolerance,
        "checked_split": "train",
        "labels": labels,
        "missing_labels": missing_labels(config, stats),
    }


def missing_labels(config: Config, stats: Stats) -> dict[str, list[str]]:
    """Per split with a share above 0, the labels it has no mention of (a corpus
    too small for its templates and splits)."""
    out = {}
    for split in stats.splits:
        if split in SPLIT_NAMES and config.splits[split] == 0:
            continue
        absent = [
            name for name in config.export_labels if not stats.labels[split][name]
        ]
        if absent:
            out[split] = absent
    return out


def count_warnings(config: Config, stats: Stats) -> None:
    """Add the corpus-wide coded warnings to ``stats.warnings``: W107 per label a
    split lacks, W108 per narrative whose code-point Doccano offsets a browser
    counting UTF-16 units would read shifted."""
    stats.warnings["W107"] += sum(
        len(v) for v in missing_labels(config, stats).values()
    )
    if not config.doccano_utf16:
        stats.warnings["W108"] += stats.outside_bmp


def diversity_report(config: Config, stats: Stats) -> dict[str, Any]:
    d = config.diversity
    largest_template = {}
    for split in stats.splits:
        n = stats.examples[split]
        used = stats.template_uses[split]
        largest_template[split] = (
            round(max(used.values()) / n, 4) if n and used else 0.0
        )
    per_label = {}
    for label in config.export_labels:
        form, share = stats.max_form_share(label)
        per_label[label] = {
            "distinct_surfaces": len(stats.surfaces[label]),
            "largest_form": form,
            "largest_form_share": round(share, 4),
            "templates": {
                s: len(stats.label_templates[s][label]) for s in stats.splits
            },
        }
    return {
        "max_template_share": d.max_template_share,
        "max_form_share": d.max_form_share,
        "min_surfaces": d.min_surfaces,
        "min_templates": d.min_templates,
        "largest_template_share": largest_template,
        "labels": per_label,
    }


def check_achieved(config: Config, stats: Stats) -> None:
    """Fail, naming the label, if the finished corpus misses a target or a limit."""
    # The stats count export names; the targets are kept by template label.
    counts = {
        split: Counter(
            {
                label: stats.labels[split][config.export_label(label)]
                for label in config.labels
            }
        )
        for split in SPLIT_NAMES
        if config.splits[split] > 0
    }
    for label, achieved, target in share_misses(config, counts["train"])[:1]:
        name = config.export_label(label)
        raise PlanError(
            f"balance: {name} reached {achieved:.2%} of train mentions against a "
            f"target of {target:.2%} once rendered (field-length cuts drop spans); "
            "raise balance.tolerance or use templates without a max_length",
            code="E507",
            label=name,
        )
    for label, split, count, minimum in minimum_misses(config, counts)[:1]:
        raise PlanError(
            f"balance.min_count.{label}: {count} mentions in the {split} split once "
            f"rendered, against {minimum}; lower the minimum",
            code="E508",
            label=label,
            split=split,
        )
    d = config.diversity
    for name in config.export_labels:
        if d.max_form_share is not None:
            form, share = stats.max_form_share(name)
            if share > d.max_form_share + 1e-9:
                raise PlanError(
                    f"diversity.max_form_share: {name} is written as {form} in "
                    f"{share:.1%} of its mentions, above {d.max_form_share:.1%}; "
                    "templates that fix this form (a `|option` on the slot) leave no "
                    "choice: raise the share or loosen those slots",
                    code="E509",
                    label=name,
                )
        if len(stats.surfaces[name]) < d.min_surfaces:
            raise PlanError(
                f"diversity.min_surfaces: {name} has {len(stats.surfaces[name])} "
                f"distinct surface strings, fewer than {d.min_surfaces}; raise "
                "`narratives`, graph sizes, or lower the minimum",
                code="E509",
                label=name,
            )


def form_share_problem(config: Config) -> None:
    """Before generating: a cap below one over the number of forms cannot be met."""
    cap = config.diversity.max_form_share
    if cap is None:
        return
    for label, forms in label_forms(config).items():
        if forms and len(forms) * cap < 1:
            raise PlanError(
                f"diversity.max_form_share: {label} has {len(forms)} surface forms "
                f"({', '.join(forms)}), so one of them takes at least "
                f"{1 / len(forms):.0%} of its mentions, above {cap:.0%}; raise the "
                "share",
                code="E509",
                label=label,
            )


def label_forms(config: Config) -> dict[str, tuple[str, ...]]:
    """The surface forms each configured label can take, over all of its fields."""
    out: dict[str, set[str]] = {}
    for spec in FIELDS.values():
        if spec.label in config.labels:
            out.setdefault(spec.label, set()).update(spec.options)
    return {label: tuple(sorted(forms)) for label, forms in out.items()}
