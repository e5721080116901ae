"""The unit every stage passes on: one narrative with its gold spans."""

from __future__ import annotations

from dataclasses import dataclass


def form_family(form: str) -> str:
    """A surface form without its noise marks: ``acronym+typo`` -> ``acronym``."""
    return form.split("+", 1)[0]


@dataclass(frozen=True)
class Span:
    """One entity mention. Offsets are code points of the NFC text, end exclusive."""

    start: int
    end: int
    label: str
    kb_id: str
    slot: str = ""
    form: str = ""
    surface: str = ""
    score: float | None = None  # similarity of the surface to the graph's spelling


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    spans: tuple[Span, ...]
    template_id: str = ""
    channel: str = ""
    language: str = ""
    kind: str = ""
    txn_id: str = ""
    customer_id: str = ""  # the paying customer; empty for fees, interest, tax, cash
    split: str = ""
    truncated: tuple[Span, ...] = ()  # spans a field-length cut removed
    warnings: tuple[str, ...] = ()  # a W-code (errors.WARNINGS) per occurrence

    def metadata(self) -> dict[str, str]:
        """Where the narrative came from, as every annotation export records it."""
        return {
            "example_id": self.id,
            "split": self.split,
            "template_id": self.template_id,
            "channel": self.channel,
            "language": self.language,
            "kind": self.kind,
            "txn_id": self.txn_id,
        }

    def triples(self) -> list[tuple[int, int, str]]:
        return [(s.start, s.end, s.label) for s in self.spans]
