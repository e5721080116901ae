"""Entity resolution: which graph entity a mention in a narrative stands for.

Every customer, invoice, contract and purchase-order mention becomes one record:
the mention, its narrative, the right entity id and candidates that are the right
entity plus hard negatives, the entities most easily taken for it:

- customer: customers that share an alias with it (an acronym, say), then the
  customers whose legal names are most alike (rapidfuzz ``ratio``);
- invoice: the same customer's invoices nearest in sequence, then the invoices whose
  sequence numbers are next to it (``...000157`` against ``...000156``);
- contract: the same customer's other contracts, then the contracts of the same year
  with the nearest numbers;
- purchase order: the same customer's other purchase orders, then the purchase
  orders with the nearest numbers.

Candidates are sorted by id, so their order tells nothing.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from functools import lru_cache
from typing import Callable

from rapidfuzz import fuzz, process

from .actions import INVOICE_FIELDS, field_of
from .example import Example, form_family
from .graph import Graph
from .matching import number_runs

NEGATIVES = 4
ENTITY_TYPES = ("customer", "invoice", "contract", "purchase_order")
_FIELD_TYPES = {
    "customer": "customer",
    "contract": "contract",
    "po": "purchase_order",
    **{field: "invoice" for field in INVOICE_FIELDS},
}


def form_noise(form: str) -> str:
    """The noise marks of a form (``typo``, ``ocr``, ``cut``, ...), or ``clean``."""
    marks = form.split("+")[1:]
    return "+".join(marks) if marks else "clean"


class HardNegatives:
    """The hard negatives of each entity of a graph, computed once per entity."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._cache: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}
        self._choices: dict[tuple[str, str], tuple[list, list]] = {}
        self._customer_ids = list(graph.customers)
        self._customer_names = [c.legal_name.upper() for c in graph.customers.values()]
        self._shared: dict[str, list[str]] = defaultdict(list)
        for ids in graph.ambiguous_aliases.values():
            for cid in ids:
                self._shared[cid] += [other for other in ids if other != cid]
        self._invoices_of: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for number, invoice in graph.invoices.items():
            self._invoices_of[invoice.customer_id].append((invoice.seq, number))
        for rows in self._invoices_of.values():
            rows.sort()
        self._invoice_by_seq = sorted(
            (invoice.seq, number) for number, invoice in graph.invoices.items()
        )
        self._contracts_of: dict[str, list[str]] = defaultdict(list)
        for cid, contract in graph.contracts.items():
            self._contracts_of[contract.customer_id].append(cid)
        self._contracts_by_year: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for cid, contract in graph.contracts.items():
            self._contracts_by_year[contract.year].append((contract.seq, cid))
        for rows in self._contracts_by_year.values():
            rows.sort()
        self._pos_of: dict[str, list[str]] = defaultdict(list)
        for number, po in graph.purchase_orders.items():
            self._pos_of[po.customer_id].append(number)
        self._po_sorted = sorted(graph.purchase_orders)

    def choices(
        self, entity_type: str, entity_id: str
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """The entity and its hard negatives sorted by id, each ``{"id", "name"}``,
        and the hard negatives, each ``{"id", "why"}``, as records list them.

        Kept per entity and shared between records: read them, never change them.
        """
        key = (entity_type, entity_id)
        if key not in self._choices:
            hard = self.of(entity_type, entity_id)
            ids = sorted([entity_id, *(other for other, _ in hard)])
            self._choices[key] = (
                [{"id": cid, "name": self.name(entity_type, cid)} for cid in ids],
                [{"id": cid, "why": why} for cid, why in hard],
            )
        return self._choices[key]

    def name(self, entity_type: str, entity_id: str) -> str:
        """How the entity is written in the graph's own tables."""
        if entity_type == "customer":
            return self.graph.customers[entity_id].legal_name
        return entity_id

    def of(self, entity_type: str, entity_id: str) -> tuple[tuple[str, str], ...]:
        """``(id, why)`` of up to ``NEGATIVES`` hard negatives, most alike first."""
        key = (entity_type, entity_id)
        if key not in self._cache:
            make: Callable[[str], list[tuple[str, str]]] = getattr(
                self, f"_{entity_type}"
            )
            seen: dict[str, str] = {}
            for other, why in make(entity_id):
                if other != entity_id and other not in seen:
                    seen[other] = why
            self._cache[key] = tuple(seen.items())[:NEGATIVES]
        return self._cache[key]

    def _customer(self, cid: str) -> list[tuple[str, str]]:
        out = [(other, "shared_alias") for other in sorted(self._shared.get(cid, ()))]
        name = self.graph.customers[cid].legal_name.upper()
        best = process.extract(
            name, self._customer_names, scorer=fuzz.ratio, limit=NEGATIVES + 1
        )
        # Ties are broken by customer id, whatever order rapidfuzz returns them in.
        best = sorted(best, key=lambda hit: (-hit[1], self._customer_ids[hit[2]]))
        out += [(self._customer_ids[index], "similar_name") for _, _, index in best]
        return out

    def _invoice(self, number: str) -> list[tuple[str, str]]:
        invoice = self.graph.invoices[number]
        own = _nearest(self._invoices_of[invoice.customer_id], invoice.seq)
        out = [(n, "same_customer") for n in own[1:3]]
        return out + [
            (n, "near_number") for n in _nearest(self._invoice_by_seq, invoice.seq)
        ]

    def _contract(self, cid: str) -> list[tuple[str, str]]:
        contract = self.graph.contracts[cid]
        out = [
            (other, "same_customer")
            for other in sorted(self._contracts_of[contract.customer_id])[:2]
        ]
        same_year = self._contracts_by_year[contract.year]
        return out + [(o, "near_number") for o in _nearest(same_year, contract.seq)]

    def _purchase_order(self, number: str) -> list[tuple[str, str]]:
        po = self.graph.purchase_orders[number]
        out = [
            (other, "same_customer") for other in sorted(self._pos_of[po.customer_id])
        ][:3]
        index = bisect.bisect_left(self._po_sorted, number)
        # Wide enough that, after the entity itself and its customer's other orders
        # are left out, four negatives remain.
        near = self._po_sorted[max(0, index - NEGATIVES) : index + NEGATIVES + 1]
        return out + [(other, "near_number") for other in near]


def _nearest(ordered: list[tuple], key: int) -> list[str]:
    """Ids of ``(number, ..., id)`` rows next to ``key``, nearest first."""
    index = bisect.bisect_left(ordered, (key,))
    window = ordered[max(0, index - NEGATIVES) : index + NEGATIVES + 1]
    window = sorted(window, key=lambda row: (abs(row[0] - key), row[-1]))
    return [row[-1] for row in window]


def resolution_records(example: Example, negatives: HardNegatives) -> list[dict]:
    """Lines of ``tasks/resolution.jsonl`` for the mentions of one example.

    The ``candidates`` and ``hard_negatives`` lists are shared between the records
    of one entity.
    """
    records = []
    for index, span in enumerate(example.spans):
        entity_type = _entity_type(span.slot)
        if entity_type is None:
            continue
        candidates, hard = negatives.choices(entity_type, span.kb_id)
        records.append(
            {
                "id": f"{example.id}-{index}",
                "example_id": example.id,
                "split": example.split,
                "entity_type": entity_type,
                "mention": example.text[span.start : span.end],
                "start": span.start,
                "end": span.end,
                "context": example.text,
                "form": span.form,
                "family": form_family(span.form),
                "noise": form_noise(span.form),
                "gold": span.kb_id,
                "candidates": candidates,
                "hard_negatives": hard,
            }
        )
    return records


@lru_cache(maxsize=4096)
def _entity_type(slot: str) -> str | None:
    """The entity type a slot's mention resolves to, None for other slots."""
    return _FIELD_TYPES.get(field_of(slot))


# The baseline resolver -------------------------------------------------------------


_LEGAL_SPELLINGS = {
    "INCORPORATED": "INC",
    "CORPORATION": "CORP",
    "LIMITED": "LTD",
    "COMPANY": "CO",
}


def _letters_digits(text: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", text.upper())


def _words(text: str) -> list[str]:
    """Upper-cased words, dots dropped, long legal-form spellings shortened."""
    words = re.findall(r"[A-Z0-9]+", text.upper().replace(".", ""))
    return [_LEGAL_SPELLINGS.get(w, w) for w in words]


def _initials(name: str, skip: set[str]) -> str:
    """First letters of the name's words not in ``skip``, ``AlphaBridge`` as two."""
    parts = re.findall(r"[A-Z][a-z]+|[A-Z]+(?![a-z])|[a-z]+|\d+", name.replace(".", ""))
    return "".join(p[0].upper() for p in parts if _words(p)[0] not in skip)


def _digit_score(mention: str, name: str) -> float:
    """How well the mention's number runs match the name's, 0 to 100."""
    runs = [r.lstrip("0") for r in number_runs(mention.upper())]
    wanted = [r.lstrip("0") for r in number_runs(name.upper())]
    if not runs or not wanted:
        return 0.0
    return sum(max(fuzz.ratio(w, r) for r in runs) for w in wanted) / len(wanted)


def resolve_mention(entity_type: str, mention: str, candidates: list[dict]) -> str:
    """The baseline's pick: the candidate whose name is most like the mention.

    Customers: rapidfuzz ``WRatio`` of the words (upper case, dots dropped,
    ``INCORPORATED``/``LIMITED``/``CORPORATION``/``COMPANY`` shortened); a mention
    whose words, less those it shares with the name (``PT``, ``TBK``), spell the
    initials of the name's other words scores 100. Identifiers: rapidfuzz ``ratio``
    of letters and digits, plus twice the match of each number run of the name to
    the mention's best one (``OISB`` inside a run read as ``0158``, leading zeros
    dropped). Ties go to the first candidate in id order.
    """
    best_id, best_score = "", -1.0
    words = _words(mention)
    for candidate in candidates:
        name = candidate["name"]
        if entity_type == "customer":
            name_words = _words(name)
            score = fuzz.WRatio(" ".join(words), " ".join(name_words))
            shared = set(words) & set(name_words)
            rest = "".join(w for w in words if w not in shared)
            if rest and rest == _initials(name, shared):
                score = 100.0
        else:
            score = fuzz.ratio(_letters_digits(mention), _letters_digits(name))
            score += 2 * _digit_score(mention, name)
        if score > best_score:
            best_id, best_score = candidate["id"], score
    return best_id
