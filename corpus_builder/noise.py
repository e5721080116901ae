"""Typing slips and OCR confusions, applied to one surface form at a time.

Each function changes one character position of a value, keeps its first character
and never adds or removes whitespace at its edges, so the result is still one span.
"""

from __future__ import annotations

import random

OCR_CONFUSIONS = {
    "O": "0",
    "0": "O",
    "I": "1",
    "1": "I",
    "S": "5",
    "5": "S",
    "B": "8",
    "8": "B",
    "Z": "2",
    "2": "Z",
    "G": "6",
    "6": "G",
    "l": "1",
    "o": "0",
}
KEYBOARD_NEIGHBOURS = {
    "A": "SQ",
    "B": "VN",
    "C": "XV",
    "D": "SF",
    "E": "WR",
    "F": "DG",
    "G": "FH",
    "H": "GJ",
    "I": "UO",
    "J": "HK",
    "K": "JL",
    "L": "K",
    "M": "N",
    "N": "BM",
    "O": "IP",
    "P": "O",
    "Q": "W",
    "R": "ET",
    "S": "AD",
    "T": "RY",
    "U": "YI",
    "V": "CB",
    "W": "QE",
    "X": "ZC",
    "Y": "TU",
    "Z": "X",
}


def typo(text: str, rng: random.Random) -> str:
    """One typing slip: two letters swapped, one dropped, doubled or a neighbour key."""
    inner = [i for i in range(1, len(text)) if text[i].isalnum()]
    if len(inner) < 3:
        return text
    i = rng.choice(inner)
    kind = rng.randrange(4)
    if kind == 0 and i + 1 < len(text) and text[i + 1].isalnum():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        return text[:i] + text[i] + text[i:]
    near = KEYBOARD_NEIGHBOURS.get(text[i].upper())
    if not near:
        return text[:i] + text[i + 1 :]
    replacement = rng.choice(near)
    if text[i].islower():
        replacement = replacement.lower()
    return text[:i] + replacement + text[i + 1 :]


def ocr(text: str, rng: random.Random) -> str:
    """One OCR confusion (O/0, I/1, S/5, B/8 ...), where the value has such a glyph."""
    places = [i for i in range(1, len(text)) if text[i] in OCR_CONFUSIONS]
    if not places:
        return text
    i = rng.choice(places)
    return text[:i] + OCR_CONFUSIONS[text[i]] + text[i + 1 :]


CONFUSER_SHAPES = (
    "REF {n12}",
    "TRN {n10}",
    "SEQ {n8}",
    "BATCH {y}-{n4}",
    "FT{y2}{n3}{L4}",
    "NO.URUT {n6}",
    "KODE {L2}{n6}",
    "AUTH {n6}",
    "ID TRX {n12}",
)


def confuser(rng: random.Random) -> str:
    """A bank reference that looks like an identifier but names no entity."""
    shape = rng.choice(CONFUSER_SHAPES)
    values = {
        f"n{k}": "".join(rng.choice("0123456789") for _ in range(k))
        for k in (3, 4, 6, 8, 10, 12)
    }
    values.update(
        y=str(rng.randrange(2019, 2026)),
        y2=f"{rng.randrange(19, 26)}",
        L2="".join(rng.choice("ABCDEFGHKLMNPRSTUVWXZ") for _ in range(2)),
        L4="".join(rng.choice("ABCDEFGHKLMNPRSTUVWXZ") for _ in range(4)),
    )
    return shape.format(**values)
