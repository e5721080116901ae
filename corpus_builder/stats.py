"""Counts over the examples as they stream past, for the manifest and the CLI table."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Any

from spacy.tokens import Doc

from .config import SPLIT_NAMES
from .errors import WARNINGS
from .example import Example, form_family


def _sets() -> defaultdict:
    return defaultdict(set)


class Stats:
    def __init__(self, splits: tuple[str, ...] = SPLIT_NAMES) -> None:
        self.splits = splits
        self.customers: dict[str, set[str]] = defaultdict(set)
        self.template_uses: dict[str, Counter[str]] = defaultdict(Counter)
        self.label_templates: dict[str, dict[str, set[str]]] = defaultdict(_sets)
        self.examples: Counter[str] = Counter()
        self.labels: dict[str, Counter[str]] = defaultdict(Counter)
        self.channels: dict[str, Counter[str]] = defaultdict(Counter)
        self.languages: dict[str, Counter[str]] = defaultdict(Counter)
        self.kinds: dict[str, Counter[str]] = defaultdict(Counter)
        self.templates: dict[str, set[str]] = defaultdict(set)
        self.forms: dict[str, Counter[str]] = defaultdict(Counter)
        self.surfaces: dict[str, set[str]] = defaultdict(set)
        self.no_entity = 0
        self.outside_bmp = 0
        self.truncated: Counter[str] = Counter()
        self.noisy: Counter[str] = Counter()
        self.similarity: dict[str, Counter[str]] = defaultdict(Counter)
        self.warnings: Counter[str] = Counter()
        self._texts: dict[str, set[bytes]] = defaultdict(set)

    def write(self, example: Example, doc: Doc) -> None:
        split = example.split
        self.examples[split] += 1
        self.channels[split][example.channel] += 1
        self.languages[split][example.language] += 1
        self.kinds[split][example.kind] += 1
        self.templates[split].add(example.template_id)
        self.template_uses[split][example.template_id] += 1
        if example.customer_id:
            self.customers[split].add(example.customer_id)
        if not example.spans:
            self.no_entity += 1
        if not example.text.isascii() and max(example.text) > "\uffff":
            self.outside_bmp += 1
        for span in example.spans:
            self.labels[split][span.label] += 1
            self.label_templates[split][span.label].add(example.template_id)
            self.forms[span.label][span.form] += 1
            self.surfaces[span.label].add(example.text[span.start : span.end])
            if "+typo" in span.form or "+ocr" in span.form:
                self.noisy[span.label] += 1
            if span.score is not None:
                low = min(int(span.score * 10), 9) / 10
                self.similarity[span.label][f"{low:.1f}-{low + 0.1:.1f}"] += 1
        for span in example.truncated:
            self.truncated[span.label] += 1
        self.warnings.update(example.warnings)
        digest = hashlib.blake2b(example.text.encode(), digest_size=8).digest()
        self._texts[split].add(digest)

    def take(self) -> "Stats":
        """The counts so far (to merge into the build's), and a fresh start."""
        done = Stats(self.splits)
        done.__dict__, self.__dict__ = self.__dict__, done.__dict__
        return done

    def add(self, other: "Stats") -> None:
        """Add the counts of ``other`` (a later shard) to these."""
        for name in ("examples", "truncated", "noisy", "warnings"):
            getattr(self, name).update(getattr(other, name))
        for name in ("template_uses", "labels", "channels", "languages", "kinds"):
            mine = getattr(self, name)
            for key, counter in getattr(other, name).items():
                mine[key].update(counter)
        for name in ("forms", "similarity"):
            mine = getattr(self, name)
            for key, counter in getattr(other, name).items():
                mine[key].update(counter)
        for name in ("customers", "templates", "surfaces", "_texts"):
            mine = getattr(self, name)
            for key, values in getattr(other, name).items():
                mine[key] |= values
        for split, labels in other.label_templates.items():
            for label, templates in labels.items():
                self.label_templates[split][label] |= templates
        self.no_entity += other.no_entity
        self.outside_bmp += other.outside_bmp

    def close(self) -> None:
        pass

    def label_table(self, labels: tuple[str, ...]) -> dict[str, dict[str, int]]:
        return {
            label: {s: self.labels[s][label] for s in self.splits} for label in labels
        }

    def shared(self) -> dict[str, Any]:
        """What the splits share, per pair of splits: template ids, the number of
        customers and of exact texts."""
        out: dict[str, Any] = {}
        for i, a in enumerate(self.splits):
            for b in self.splits[i + 1 :]:
                out[f"{a}/{b}"] = {
                    "templates": sorted(self.templates[a] & self.templates[b]),
                    "customers": len(self.customers[a] & self.customers[b]),
                    "exact_texts": len(self._texts[a] & self._texts[b]),
                }
        return out

    def max_form_share(self, label: str) -> tuple[str, float]:
        """The surface form (noise marks aside) with the largest share of ``label``."""
        forms: Counter[str] = Counter()
        for form, n in self.forms[label].items():
            forms[form_family(form)] += n
        total = sum(forms.values())
        if not total:
            return "", 0.0
        form, n = max(sorted(forms.items()), key=lambda item: item[1])
        return form, n / total

    def to_manifest(self, labels: tuple[str, ...]) -> dict[str, Any]:
        def per_split(table: dict[str, Counter[str]]) -> dict[str, dict[str, int]]:
            return {s: dict(sorted(table[s].items())) for s in self.splits}

        return {
            "examples": {s: self.examples[s] for s in self.splits},
            "examples_without_entities": self.no_entity,
            "examples_with_characters_outside_bmp": self.outside_bmp,
            "spans": self.label_table(labels),
            "channels": per_split(self.channels),
            "languages": per_split(self.languages),
            "transaction_kinds": per_split(self.kinds),
            "templates": {s: len(self.templates[s]) for s in self.splits},
            "customers": {s: len(self.customers[s]) for s in self.splits},
            "templates_per_label": {
                label: {s: len(self.label_templates[s][label]) for s in self.splits}
                for label in labels
            },
            "distinct_surfaces": {label: len(self.surfaces[label]) for label in labels},
            "surface_forms": {
                label: dict(sorted(self.forms[label].items())) for label in labels
            },
            "noisy_mentions": {label: self.noisy[label] for label in labels},
            "similarity_to_graph_spelling": {
                label: dict(sorted(self.similarity[label].items()))
                for label in labels
                if self.similarity[label]
            },
            "spans_dropped_by_truncation": {
                label: self.truncated[label] for label in labels
            },
            "warnings": {code: self.warnings[code] for code in WARNINGS},
        }
