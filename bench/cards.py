"""Benchmark: bank-card recall and precision on the labelled card set, per issuing family.

The set (tests/fixtures/cards.py) holds every BIN family Chinese issuers use, ungrouped and grouped
4-4-4-4(-3) / 4-6-5 with spaces or dashes, plus decoys; the PII corpus and the log corpus of
bench/scan.py are scanned too, to count card false positives there. Target: recall ≥ 0.98.

    .venv/bin/python bench/cards.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.fixtures.cards import card_lines  # noqa: E402
from tests.fixtures.pii_corpus import Line, corpus  # noqa: E402

from lendguard.detect import Scanner  # noqa: E402
from lendguard.detect.validators import card_family, digits_only  # noqa: E402

TARGET = 0.98


def card_hits(scanner: Scanner, lines: list[Line]) -> tuple[Counter[str], Counter[str], int]:
    """(true positives per family, cards per family, false positives)."""
    found, actual, false = Counter[str](), Counter[str](), 0
    for line in lines:
        truth = {value for entity, value in line.truth if entity == "CN_BANK_CARD"}
        for value in truth:
            actual[card_family(digits_only(value)) or "?"] += 1
        for match in scanner.scan(line.text):
            if match.entity != "CN_BANK_CARD":
                continue
            if match.value in truth:
                found[card_family(digits_only(match.value)) or "?"] += 1
            else:
                false += 1
    return found, actual, false


def main() -> None:
    scanner = Scanner(backend="re")
    found, actual, false = card_hits(scanner, card_lines())
    print(f"labelled card set: {sum(actual.values())} cards, {false} false positives")
    print(f"  {'family':12} {'cards':>6} {'recall':>7}")
    for family in sorted(actual):
        print(f"  {family:12} {actual[family]:6} {found[family] / actual[family]:7.3f}")
    recall = sum(found.values()) / sum(actual.values())
    precision = sum(found.values()) / max(sum(found.values()) + false, 1)
    print(f"  {'all':12} {sum(actual.values()):6} {recall:7.3f}  precision {precision:.3f}  (target recall ≥ {TARGET})")
    for name, lines in (
        ("PII corpus (tests/fixtures/pii_corpus.py)", corpus(seed=5)),
        ("scan bench corpus", corpus(seed=17, lines=20_000)),
    ):
        hit, total, wrong = card_hits(scanner, lines)
        print(f"{name}: cards {sum(hit.values())}/{sum(total.values())} found, {wrong} false positives")


if __name__ == "__main__":
    main()
