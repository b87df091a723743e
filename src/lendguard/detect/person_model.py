"""Person names in running text: a character-level CRF (CRFsuite) shipped as package data.

Each character gets a label — B/M/E/S for the beginning, middle, end of a name or a one-character
name, N for a character of a place or an organisation, O for anything else — from features of the
characters around it (the character, its neighbours, the pairs they form, whether it can be a
surname). The model is trained by `tools/train_person_model.py` (`make model`) on the MSRA NER
training set and loaded from `lendguard/detect/data/person_crf.bin`; nothing is fetched at run time.

`tag_names` returns candidate spans with the model's confidence (the smallest per-character
marginal probability of the span's labels); `names.prose_names` decides which to keep.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from lendguard.detect import lexicon

MODEL_FILE = "person_crf.bin"
LABELS = ("B", "M", "E", "S", "N", "O")
SURNAME_CHARS = frozenset(lexicon.SINGLE_SURNAMES)
COMPOUND_HEADS = frozenset(name[0] for name in lexicon.COMPOUND_SURNAMES)
COMPOUNDS = frozenset(lexicon.COMPOUND_SURNAMES)
PAD = "\x02"


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    confidence: float


def _shape(char: str) -> str:
    """A character, with digits and Latin letters folded to one symbol each (a name never depends on them)."""
    if char.isdigit():
        return "0"
    if char.isascii() and char.isalpha():
        return "a"
    return char


def features(text: str) -> list[list[str]]:
    """The CRF's features for each character of `text`."""
    chars = [PAD, PAD, *map(_shape, text), PAD, PAD]
    rows: list[list[str]] = []
    for p2, p1, c, n1, n2 in zip(chars, chars[1:], chars[2:], chars[3:], chars[4:], strict=False):
        row = ["c" + c, "p" + p1, "n" + n1, "P" + p2, "N" + n2, "b" + p1 + c, "a" + c + n1, "x" + p1 + n1]
        if c in SURNAME_CHARS:
            row.append("s")
        if p1 in SURNAME_CHARS:
            row.append("ps")
        if p2 in SURNAME_CHARS:
            row.append("pps")
        if c in COMPOUND_HEADS and c + n1 in COMPOUNDS:
            row.append("cs")
        if p1 + c in COMPOUNDS:
            row.append("cs2")
        rows.append(row)
    return rows


def spans(labels: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) of each name in a label sequence (a B…E run or an S)."""
    found: list[tuple[int, int]] = []
    start: int | None = None
    for index, label in enumerate(labels):
        if label == "S":
            found.append((index, index + 1))
            start = None
        elif label == "B":
            start = index
        elif label == "E" and start is not None:
            found.append((start, index + 1))
            start = None
        elif label != "M":
            start = None
    return found


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    with resources.as_file(resources.files("lendguard.detect") / "data" / MODEL_FILE) as path:
        tagger.open(str(path))
    return tagger


def tag_names(text: str) -> list[Candidate]:
    """Every name the model finds in `text` (one sentence or line), with its confidence."""
    if not text:
        return []
    tagger = _tagger()
    labels = tagger.tag(features(text))
    found: list[Candidate] = []
    for start, end in spans(labels):
        confidence = min(tagger.marginal(labels[i], i) for i in range(start, end))
        found.append(Candidate(start, end, confidence))
    return found
