"""The name step's batch paths find what the plain definitions find: the finder over many lines at once
what it finds on each line alone (the scanner joins a buffer's marked lines into one call), the one-pass
gate what the gate deciding one sentence at a time found, the record shapes what one regex pass per
shape and a check per mobile number found, numpy's gate candidates what `re`'s are."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable

import pytest
from tests.conftest import SHARED
from tests.fixtures.name_records import name_lines
from tests.fixtures.pii_corpus import corpus
from tools.corpora import corpus_file, sentences

from lendguard.detect import Scanner, lexicon, names
from lendguard.detect.scanner import hyperscan_available

POLICIES = SHARED / "datasets" / "CAPP-130" / "CAPP_130_Corpus" / "Original_policies"
POLICY_NAMES = ("建行", "钉钉", "交管12123", "美团外卖")
Finder = Callable[[str, int, int], Iterable[tuple[int, int]]]
Lines = Callable[[], list[str]]


def policy_lines() -> list[str]:
    return [
        line for name in POLICY_NAMES for line in (POLICIES / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    ]


def record_lines() -> list[str]:
    return [line.text for line in corpus(seed=61, lines=1000)] + [line.text for line in name_lines()]


def news_lines() -> list[str]:
    return [text for text, _ in list(sentences(corpus_file("test")))[:300]]


def per_line(finder: Finder, lines: list[str]) -> list[tuple[int, int]]:
    """What `finder` finds on each line alone, at the line's offsets in the lines joined by line breaks."""
    found, offset = [], 0
    for line in lines:
        found += [(offset + a, offset + b) for a, b in finder(line, 0, len(line))]
        offset += len(line) + 1
    return found


@pytest.mark.parametrize("lines", [policy_lines, record_lines, news_lines], ids=["policies", "records", "news"])
def test_the_finder_over_many_lines_finds_what_each_line_alone_finds(lines: Lines) -> None:
    text = "\n".join(lines())
    for finder in (names.record_or_prose_names, names.record_names):
        assert list(finder(text, 0, len(text))) == per_line(finder, lines()), finder.__name__


@pytest.mark.skipif(not hyperscan_available(), reason="hyperscan is not installed")
def test_the_scanner_joining_marked_lines_finds_what_each_line_alone_finds() -> None:
    lines = [*policy_lines()[:400], *record_lines()[:600], *news_lines()[:100]]
    scanner = Scanner(backend="hyperscan")
    batch = [(n, m) for n, m in scanner.scan_lines("\n".join(lines)) if m.entity == "PERSON"]
    alone = [(n, m) for n, line in enumerate(lines, 1) for m in scanner.scan(line) if m.entity == "PERSON"]
    assert batch == alone
    assert len(batch) > 100


# The gate as first written: the surname alternation's matches, one sentence at a time.
OLD_GATE = re.compile(rf"(?:(?P<head>{lexicon.SURNAMES})|[{lexicon.FOREIGN_NAME_CHARS}])(?={names.CJK})")


def old_sentences(text: str, start: int, end: int, taken: frozenset[int]) -> list[tuple[int, int]]:
    tags, found, position = names._dictionary(), [], start
    while True:
        sentence_start = sentence_end = position
        for match in OLD_GATE.finditer(text, position, end):
            at = match.start()
            if at in taken:
                continue
            if at >= sentence_end:
                for before in names.SENTENCE_MARK.finditer(text, sentence_end, at):
                    sentence_start = before.end()
                sentence_start = max(sentence_start, sentence_end)
                after = names.SENTENCE_MARK.search(text, at, end)
                sentence_end = end if after is None else after.start() + (after.group() != "\n")
            if match.lastgroup == "head" and names.opens_name(text, at, sentence_end):
                break
            if text[at] in names.FOREIGN_SET and (
                names.FOREIGN_RUN.match(text, at)
                or (text[at : at + 2] not in tags and text[at - 1 : at + 1] not in tags)
            ):
                break
        else:
            return found
        found.append((sentence_start, sentence_end))
        position = sentence_end


# The record shapes as first written: every mobile number, then its bounds and the name before it.
OLD_MOBILE = re.compile(r"1[3-9]\d(?:[ \-]?\d{4}){2}")
OLD_NAME_BEFORE = re.compile(rf"(?:{lexicon.SURNAMES}){names.CJK}{{1,2}}[ \t:：,，\-/（(]{{0,2}}$")


def old_record_names(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    spans = {m.span("v") for pattern in (names.AFTER_CUE, names.AFTER_KEY) for m in pattern.finditer(text, start, stop)}
    for mobile in OLD_MOBILE.finditer(text, start, stop):
        if text[mobile.start() - 1 : mobile.start()].isdigit() or text[mobile.end() : mobile.end() + 1].isdigit():
            continue
        lead = text[max(start, mobile.start() - 3) : mobile.start()].rstrip(" \t:：,，-/（(")
        if not lead or not "\u4e00" <= lead[-1] <= "\u9fff":
            continue
        before = OLD_NAME_BEFORE.search(text, max(start, mobile.start() - 8), mobile.start())
        if before is not None:
            name = re.match(rf"(?:{lexicon.SURNAMES}){names.CJK}{{1,2}}", before.group())
            assert name is not None
            spans.add((before.start(), before.start() + name.end()))
    return sorted(spans)


def ranges(text: str, seed: int, count: int = 60) -> list[tuple[int, int]]:
    """The whole text and ranges that start and end anywhere, short and long."""
    rng = random.Random(seed)
    starts = [rng.randrange(len(text)) for _ in range(count)]
    return [(0, len(text))] + [(a, min(len(text), a + rng.choice((3, 40, 900, 9000)))) for a in starts]


@pytest.mark.parametrize("lines", [policy_lines, record_lines, news_lines], ids=["policies", "records", "news"])
def test_the_one_pass_gate_and_record_shapes_find_what_they_first_found(lines: Lines) -> None:
    text = "\n".join(lines()) + "\n欧阳娜娜说𠀋王建国\ud800李四 13812345678²"  # a compound surname, odd code points
    for start, end in ranges(text, seed=len(text)):
        records = old_record_names(text, start, end)
        assert list(names.record_names(text, start, end)) == records, (start, end)
        spans = [(a, b) for a, b in records if names.plausible_name(text[a:b])]
        old = old_sentences(text, start, end, frozenset(p for a, b in spans for p in range(a, b)))
        assert list(names._sentences_with_name(text, start, end, spans)) == old, (start, end)
    assert len(old_sentences(text, 0, len(text), frozenset())) >= 5


def test_gate_candidates_from_numpy_are_res() -> None:
    text = "\n".join(policy_lines()[:300]) + "王𠀋李张\ud800赵钱孙"
    assert len(text) > 3 * names.LONG_RANGE
    for start, end in (
        (0, len(text)),
        (7, len(text) - 3),
        (1000, 1000 + names.LONG_RANGE),
        (len(text) - 5000, len(text)),
    ):
        expected = [m.start() for m in names.GATE_CHARACTER.finditer(text, start, end)]
        assert names._gate_candidates(text, start, end) == expected
    assert expected[-3:] == [len(text) - 6, len(text) - 3, len(text) - 2]  # 李, 赵, 钱: before a Chinese character


@pytest.mark.parametrize("lines", [policy_lines, record_lines, news_lines], ids=["policies", "records", "news"])
def test_the_gate_decided_in_bulk_decides_what_it_decides_a_candidate_at_a_time(lines: Lines) -> None:
    text = "\n".join(lines()) + "\n欧阳娜娜说𠀋王建国\ud800李四 13812345678²司马"
    for start, end in ranges(text, seed=len(text), count=12):
        if end - start < 6:
            continue
        records = [(a, b) for a, b in names.record_names(text, start, end) if names.plausible_name(text[a:b])]
        one_at_a_time = [
            (at, decision)
            for at in names._gate_candidates(text, start, end)
            if (
                decision := names._taken_gate(text, at, end)
                if any(a <= at < b for a, b in records)
                else names._gate_at(text, at, end)
            )
        ]
        assert names._gate_decisions_long(text, start, end, records) == one_at_a_time, (start, end)
