"""Matches taken from hyperscan's start-of-match reports are exactly `re.finditer`'s, line by line."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.fixtures.pii_corpus import corpus
from tests.fixtures.scan_reference import fuzz_lines

from lendguard.detect import ENTITIES, Scanner
from lendguard.detect.leftmost import edges
from lendguard.detect.scanner import hyperscan_available

pytestmark = pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")

# Shapes where hyperscan's reports and `re`'s choice could part: starts inside another match (a
# card's groups), a valid start after an invalid one for the same end (a0086 …), a longer match
# after a shorter valid one (4-4-4-4 then a last group), runs too long for any pattern, the
# lookahead's two-character alternative (1.2.3.4.5), values at the start and end of lines.
EDGES = [
    "6225 8868 4550 0220 1234 5678 9012 3456",
    "6225 8868 4550 0220 123，6225-8868-4550-0220-12345",
    "a0086 13812345678 +86 13912345678 0086-137-1234-5678 86 13612345678",
    "13812345678,13912345678;+8613712345678x",
    "1.2.3.4.5 1.2.3.4. 10.0.0.1.a 256.1.1.1 1.2.3.4",
    "12345678901234567890123 110105199001011237 11010519900101123X9 110105900101123",
    "E12345678 EA1234567 PE1234567 DE12345678 G1234567",
    "(010)12345678 010-1234567 0755-12345678 (0755) 1234567 010-123456789",
    "91110105MA01ABCD1X 911101056601234567 9111010566012345678",
    "868084102933681 8680841029336812 ８６８０８４１０２９３３６８１",
]


def _lines() -> list[str]:
    return [*EDGES, *fuzz_lines(seed=61, count=2000), *(line.text for line in corpus(seed=67, lines=1000))]


@pytest.mark.parametrize("spec", [s for s in ENTITIES if s.longest_first], ids=lambda s: s.name)
def test_every_candidate_equals_re(spec) -> None:  # type: ignore[no-untyped-def]
    assert edges(spec) is not None, "a longest-first spec's boundaries are single characters"
    # Every candidate shown: no validator, no context, no threshold.
    bare = replace(spec, validator=None, scorer=None, peak_score=None, context=(), score=1.0)
    text = "\n".join(_lines())
    fast = Scanner([bare], threshold=0.0, backend="hyperscan").scan_records(text)
    plain = Scanner([bare], threshold=0.0, backend="re").scan_records(text)
    assert len(fast) > 50
    assert fast == plain


def test_overlapping_matches_of_one_spec_are_left_to_re() -> None:
    card = next(s for s in ENTITIES if s.name == "CN_BANK_CARD")
    bare = replace(card, validator=None, scorer=None, peak_score=None, context=(), score=1.0)
    found = Scanner([bare], threshold=0.0, backend="hyperscan").scan_records(EDGES[0])
    # re takes the first four groups, then goes on after them: the second card, not the overlapping ones
    assert [value for *_, value in found] == ["6225 8868 4550 0220", "1234 5678 9012 3456"]


def test_boundaries_that_are_not_single_characters_keep_re() -> None:
    email = next(s for s in ENTITIES if s.name == "EMAIL_ADDRESS")
    assert edges(email) is None  # not declared longest-first
    assert edges(replace(email, longest_first=True, before=r"\b")) is None
    ip = next(s for s in ENTITIES if s.name == "IP_ADDRESS")
    bounds = edges(ip)
    assert bounds is not None and bounds.after == "0-9" and len(bounds.residual) == 1  # (?![0-9]|\.[0-9])


def test_context_words_next_to_characters_hyperscan_does_not_fold() -> None:
    # The Kelvin sign lower-cases to k and İ into i and a combining dot: there the windows are
    # lowered as `re`'s path lowers them, and the scores agree.
    text = "BAN\u212a 4111111111111111\nimei 868084102933681 İMEI 868084102933681\nbank 4111111111111111"
    fast = Scanner(backend="hyperscan").scan_records(text)
    assert fast == Scanner(backend="re").scan_records(text)
    assert [row[4] for row in fast if row[1] == "CN_BANK_CARD"] == [0.8, 0.8]  # context found both times


def test_starts_found_from_ends_are_hyperscans_start_of_match_reports(monkeypatch: pytest.MonkeyPatch) -> None:
    from lendguard.detect import hyperscan_cache, leftmost

    scanner = Scanner(backend="hyperscan")
    runs = [i for i, bounds in enumerate(scanner._edges) if bounds is not None and bounds.run is not None]
    assert {scanner.specs[i].name for i in runs} >= {"CN_RESIDENT_ID", "IMEI", "IP_ADDRESS"}
    padded = ("\n" + "\n".join(_lines()) + "\n").encode()
    som = hyperscan_cache.FLAG_UTF8 | hyperscan_cache.FLAG_SOM_LEFTMOST
    for index in runs:
        spec, bounds = scanner.specs[index], scanner._edges[index]
        assert bounds is not None
        expression = leftmost.expressions(spec, bounds)[0].encode()
        _, want, ends = hyperscan_cache.compiled([expression], [som]).flat(padded)
        assert len(ends) > 20
        ids = [index] * len(ends)
        zeros = [0] * len(ends)
        found = leftmost.run_starts(padded, ids, zeros, ends, scanner._run_tables)
        monkeypatch.setattr(leftmost, "_native_run_starts", lambda: None)  # the numpy walk
        walked = leftmost.run_starts(padded, ids, zeros, ends, scanner._run_tables)
        monkeypatch.undo()
        assert found.tolist() == want.tolist() == walked.tolist(), spec.name
