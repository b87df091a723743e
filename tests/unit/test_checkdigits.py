"""The batch check-digit validators equal the scalar ones on every candidate shape."""

from __future__ import annotations

import random

import pytest
from tests.fixtures.scan_reference import fuzz_lines

from lendguard.detect import ENTITIES, Scanner, validators
from lendguard.detect.checkdigits import BATCH_SCORERS, BATCH_VALIDATORS, Cut

EDGES = [
    "",
    "11010519900229123X",  # 1990 was not a leap year
    "11010520000229123x",
    "110105190001011234",
    "110105189912311234",
    "11010520991231123X",
    "1101051990010112",
    "110105900101123",
    "110105900230123",
    "6222 0212 3456 7890",
    "6222-0212-3456-7890-123",
    "4111111111111111",
    "110105199001011237",
    "91110105MA01ABCD1X",
    "911101056601234567",
    "86000000000000０",
    "+86 138 1234 5678",
    "0086-138-1234-5678",
    "138\t1234\t5678",
    "８６１２３４５６７８９０１２３４",
    "123456789012345",
    "0.0.0.0",
    "255.255.255.255",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.04",
    "199.249.250.9",
    "١٢.٣.٤.٥",
]


def _candidates() -> list[str]:
    """What every spec's regex yields on the fuzz lines, plus edges and random digit strings."""
    found = set(EDGES)
    for spec in ENTITIES:
        compiled = Scanner([spec])._compiled[0].regex
        for line in fuzz_lines(seed=47, count=3000):
            found.update(m.group() for m in compiled.finditer(line))
    rng = random.Random(5)
    for _ in range(3000):
        length = rng.choice([14, 15, 16, 17, 18, 19, 20])
        number = "".join(rng.choice("0123456789") for _ in range(length))
        found.add(number)
        found.add(number[:-1] + rng.choice("Xx"))
    return sorted(found)


CANDIDATES = _candidates()


@pytest.mark.parametrize("scalar", list(BATCH_VALIDATORS), ids=lambda f: f.__name__)
def test_batch_validator_equals_scalar(scalar) -> None:  # type: ignore[no-untyped-def]
    values, expected = [], []
    for value in CANDIDATES:
        try:
            expected.append(bool(scalar(value)))
        except ValueError:  # int() of a letter inside an ID-shaped string: never one of its regex's candidates
            continue
        values.append(value)
    batch = BATCH_VALIDATORS[scalar](values)
    differing = [(v, bool(b), e) for v, b, e in zip(values, batch, expected, strict=True) if b != e]
    assert not differing, differing[:10]
    assert sum(bool(b) for b in batch) > 10  # the candidates include valid ones


@pytest.mark.parametrize("scalar", list(BATCH_SCORERS), ids=lambda f: f.__name__)
def test_batch_scorer_equals_scalar(scalar) -> None:  # type: ignore[no-untyped-def]
    batch = BATCH_SCORERS[scalar](CANDIDATES)
    assert [float(b) for b in batch] == [scalar(v) for v in CANDIDATES]


def test_every_checksum_validator_of_the_specs_has_a_batch_form() -> None:
    assert {s.validator for s in ENTITIES if s.validator and s.checksum_only} <= set(BATCH_VALIDATORS)
    assert validators.resident_id in BATCH_VALIDATORS


# Shapes the bulk path (all values' characters as one array of codes) must leave to the scalar or
# handle as it does: non-ASCII (the codes are then 32-bit), whitespace other than spaces, lower case.
BULK_EDGES = [
    "",
    "6222021234567890123",  # 19-digit UnionPay
    "6222 0212 3456 7890 123",
    "6222-0212-3456-7890-12",
    "6222\t0212\t3456\t7890",
    "6222\u30000212\u300034567890",  # an ideographic space: whitespace to digits_only
    "６２２２０２１２３４５６７８９０",  # full-width digits
    "62220212345678９0",
    "11010519900101123X",
    "11010519900101123x",
    "110105 19900101123X",
    "91110105ma01abcd1x",  # lower case: only the scalar upper-cases it
    "91110105MA01ABCD1X",
    "+8613812345678",
    "+86+8613812345678",
    "008686138123456780",
    "8613812345678",
    "+86 138\u00a01234 5678",  # a no-break space
    "1a812345678",
    "+86",
    "1",
    "张三13812345678",
    "8600000000000０",
    "86000000000000\u0663",  # an Arabic-Indic digit: isdigit(), not ASCII
    "4111 1111 1111 1111",
    "4111 1111 1111 1111 1",
    "3782 822463 10005",
    "4111-111111-11111",
    "4111  1111 1111 111",
    "-4111 1111 1111 111",
    "--",
    "1.2.3",
    "1.2.3.4.5",
    "1..2.3",
    "255.255.255.2555",
    "000.1.1.1",
    "0.00.0.0",
    "10.0.0.10",
    "100.200.250.255",
    "1.2.3.4 ",
    "a.b.c.d",
    "1.2.3.\u0664",
]


def _shuffled(seed: int, count: int) -> list[str]:
    """Random strings of digits, separators and dots: card groupings and dotted quads, right and wrong."""
    rng = random.Random(seed)
    return ["".join(rng.choice("0123456789 -.") for _ in range(rng.randint(0, 24))) for _ in range(count)]


def _quads(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [
        ".".join(str(rng.choice([0, 1, 9, 10, 99, 100, 199, 249, 250, 255, 256, 300])) for _ in range(4))
        for _ in range(count)
    ]


def _printed_cards(seed: int, count: int) -> list[str]:
    """Numbers printed in card groupings and in near misses, with spaces, hyphens or both."""
    rng = random.Random(seed)
    layouts = [
        (4, 4, 4, 4),
        (4, 4, 4, 4, 1),
        (4, 4, 4, 4, 3),
        (4, 6, 5),
        (4, 4, 4),
        (4, 4, 4, 5),
        (6, 4, 6),
        (4, 4, 4, 4, 4),
    ]
    printed = []
    for _ in range(count):
        groups = ["".join(rng.choice("0123456789") for _ in range(size)) for size in rng.choice(layouts)]
        printed.append("".join(group + rng.choice(" -") for group in groups)[:-1])
    return printed


BULK_EDGES += _shuffled(11, 2000) + _quads(12, 300) + _printed_cards(13, 300)


def _scalar_results(scalar, values: list[str]) -> tuple[list[str], list[bool]]:  # type: ignore[no-untyped-def]
    kept, expected = [], []
    for value in values:
        try:
            expected.append(bool(scalar(value)))
        except ValueError:
            continue
        kept.append(value)
    return kept, expected


@pytest.mark.parametrize("scalar", list(BATCH_VALIDATORS), ids=lambda f: f.__name__)
def test_batch_validator_edges_in_ascii_and_non_ascii_batches(scalar) -> None:  # type: ignore[no-untyped-def]
    batch = BATCH_VALIDATORS[scalar]
    assert len(batch([])) == 0
    every, expected = _scalar_results(scalar, BULK_EDGES + EDGES)
    ascii_only = [(v, e) for v, e in zip(every, expected, strict=True) if v.isascii()]
    for values, wanted in ((every, expected), ([v for v, _ in ascii_only], [e for _, e in ascii_only])):
        assert [bool(b) for b in batch(values)] == wanted
        for value, one in zip(values, wanted, strict=True):  # alone in its batch too
            assert bool(batch([value])[0]) == one, value


@pytest.mark.parametrize("scalar", list(BATCH_SCORERS), ids=lambda f: f.__name__)
def test_batch_scorer_edges(scalar) -> None:  # type: ignore[no-untyped-def]
    values = BULK_EDGES + EDGES
    assert len(BATCH_SCORERS[scalar]([])) == 0
    assert [float(b) for b in BATCH_SCORERS[scalar](values)] == [scalar(v) for v in values]
    ascii_only = [v for v in values if v.isascii()]
    assert [float(b) for b in BATCH_SCORERS[scalar](ascii_only)] == [scalar(v) for v in ascii_only]


def _cut(values: list[str]) -> Cut:
    """The values as the scanner hands them over: offsets into one text (here with CJK between them)."""
    import numpy as np

    text = "张".join(["", *values, ""])
    ends = np.cumsum([len(v) + 1 for v in values], dtype=np.int64)
    return Cut(text, ends - np.array([len(v) for v in values], dtype=np.int64), ends)


@pytest.mark.parametrize("scalar", list(BATCH_VALIDATORS), ids=lambda f: f.__name__)
def test_batch_validator_of_offsets_into_a_text_equals_scalar(scalar) -> None:  # type: ignore[no-untyped-def]
    values, expected = _scalar_results(scalar, BULK_EDGES + CANDIDATES)
    cut = _cut(values)
    assert list(cut) == values and cut[1] == values[1]
    assert [bool(b) for b in BATCH_VALIDATORS[scalar](cut)] == expected
    rows = list(range(0, len(values), 3))
    picked = cut.take(rows)
    assert [bool(b) for b in BATCH_VALIDATORS[scalar](picked)] == [expected[i] for i in rows]
    assert len(BATCH_VALIDATORS[scalar](_cut([]))) == 0


@pytest.mark.parametrize("scalar", list(BATCH_SCORERS), ids=lambda f: f.__name__)
def test_batch_scorer_of_offsets_into_a_text_equals_scalar(scalar) -> None:  # type: ignore[no-untyped-def]
    values = BULK_EDGES + CANDIDATES
    assert [float(b) for b in BATCH_SCORERS[scalar](_cut(values))] == [scalar(v) for v in values]


@pytest.mark.parametrize("share", [0.0, 0.02, 0.5, 1.0])  # no flag, few (found where they are), many, all
def test_flags_counted_per_value_as_a_count_of_each_value_would(share: float) -> None:
    import numpy as np

    from lendguard.detect.checkdigits import _each, _right_aligned

    rng = random.Random(int(share * 100))
    lengths = [rng.choice([0, 1, 5, 18, 19]) for _ in range(300)]
    bounds = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    flags = np.array([rng.random() < share for _ in range(int(bounds[-1]))], dtype=bool)
    expected = [int(flags[a:b].sum()) for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]
    assert _each(flags, bounds).tolist() == expected
    codes = np.frombuffer(bytes(rng.randrange(48, 58) for _ in range(len(flags))), dtype=np.uint8)
    rows = np.array(sorted(rng.sample(range(300), 100)), dtype=np.int64)
    matrix = _right_aligned(codes, bounds, rows, 19, 48)
    for row, line in zip(rows.tolist(), matrix.tolist(), strict=True):
        value = codes[bounds[row] : bounds[row + 1]].tolist()
        assert line == [48] * (19 - len(value)) + value
