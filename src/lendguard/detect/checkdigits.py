"""Check digits over many candidates at once: numpy arithmetic on a matrix of candidate digits.

Each batch function takes the candidate strings the scanner's regexes produced and returns a
boolean (or score) array equal, element by element, to calling the scalar function of
`validators` on each candidate (tests/unit/test_checkdigits.py holds them to that). Candidates of
an unusual shape (non-ASCII, separators the vector path does not expect) go through the scalar
function, so the batch result never differs.

`batch_validator(spec.validator)` and `batch_scorer(spec.scorer)` find the batch form by the
identity of the scalar function; one without a batch form (a validator another module adds) is
called per candidate. Changing a scalar validator's rules means changing its batch form too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, overload

from lendguard.detect import validators

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    BoolArray = NDArray[np.bool_]
    FloatArray = NDArray[np.float64]
else:
    BoolArray = FloatArray = Any

BatchValidator = Callable[[Sequence[str]], "BoolArray"]
BatchScorer = Callable[[Sequence[str]], "FloatArray"]
# Weights of GB 11643 (2^(17-i) mod 11) and GB 32100 for the first 17 characters.
RESIDENT_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _np() -> Any:
    import numpy  # numpy loads with the first scan, not with the CLI

    return numpy


@cache
def _province_table() -> Any:
    np = _np()
    table = np.zeros(100, dtype=bool)
    table[[int(code) for code in validators.PROVINCES]] = True
    return table


class Cut(Sequence[str]):
    """Candidate values as character offsets into a text (numpy `starts` and `ends`): the batch
    functions read their characters from the text's codes in one gather (`codes`), and a value
    becomes a string only where a scalar function needs it."""

    def __init__(self, text: str, starts: Any, ends: Any) -> None:
        self.text, self.starts, self.ends = text, starts, ends

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return self.strings()[index]
        return self.text[int(self.starts[index]) : int(self.ends[index])]

    def __iter__(self) -> Iterator[str]:
        return iter(self.strings())

    def strings(self) -> list[str]:
        text = self.text
        return [text[s:e] for s, e in zip(self.starts.tolist(), self.ends.tolist(), strict=True)]

    def take(self, rows: Any) -> Cut:
        """The values of `rows` (numpy indices)."""
        return Cut(self.text, self.starts[rows], self.ends[rows])

    def codes(self) -> tuple[Any, Any]:
        """What `_codes` gives (uint8, every non-ASCII character as 0x80), gathered from the text's codes."""
        np = _np()
        lengths = self.ends - self.starts
        bounds = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=bounds[1:])
        return _ascii_codes(self.text)[np.repeat(self.starts - bounds[:-1], lengths) + np.arange(bounds[-1])], bounds


@lru_cache(maxsize=1)  # the specs of one buffer share it (a str keeps its hash: the lookup is cheap)
def _ascii_codes(text: str) -> Any:
    """The text's characters as uint8 codes, each non-ASCII one as 0x80: the batch functions leave
    a value with any non-ASCII character to the scalar function, whatever the character."""
    np = _np()
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return np.minimum(points, 0x80, out=np.empty(len(points), dtype=np.uint8), casting="unsafe")


def _codes(values: Sequence[str]) -> tuple[Any, Any]:
    """The characters of all values, one after another, as codes (uint8 where all are ASCII, else
    uint32: any integers), and where each value lies in them: value i is codes[bounds[i] : bounds[i + 1]]. One
    join and one encode, in C, instead of a step per value."""
    np = _np()
    if isinstance(values, Cut):
        return values.codes()
    joined = "".join(values)
    bounds = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)), out=bounds[1:])
    if joined.isascii():
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8), bounds
    return np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), bounds


def _each(flags: Any, bounds: Any) -> Any:
    """How many characters of each value `flags` (one per character) marks. Flags are nearly always
    few (a separator, a non-ASCII character): their values are then found by a binary search each,
    cheaper than a cumulative sum over every character."""
    np = _np()
    count = np.count_nonzero(flags)
    if not count:
        return np.zeros(len(bounds) - 1, dtype=np.int64)
    if count * SPARSE_FLAGS < len(flags):
        owners = np.searchsorted(bounds, np.flatnonzero(flags), side="right") - 1
        return np.bincount(owners, minlength=len(bounds) - 1)
    total = np.zeros(len(flags) + 1, dtype=np.int64)
    np.cumsum(flags, out=total[1:])
    return total[bounds[1:]] - total[bounds[:-1]]


# Flags on fewer than one character in this many are counted by where they are (`_each`).
SPARSE_FLAGS = 8


def _is_digit(codes: Any) -> Any:
    return (codes >= 48) & (codes <= 57)


def _separated(codes: Any, bounds: Any) -> tuple[Any, Any, Any]:
    """validators.digits_only of the values made of ASCII digits, spaces and hyphens (`plain`, one
    flag per value), as codes and bounds; the other values' digits are there too, but only the
    scalar function can say what their separators are. `bounds` start at 0, as `_codes` gives them."""
    np = _np()
    digit = _is_digit(codes)
    plain = _each(~(digit | (codes == 32) | (codes == 45)), bounds) == 0
    ends = np.zeros(len(bounds), dtype=np.int64)  # digits before each value, from each value's digits
    np.cumsum(np.diff(bounds) - _each(~digit, bounds), out=ends[1:])
    return codes[digit], ends, plain


def _fixed(codes: Any, bounds: Any, rows: Any, width: int, fill: int = 0, right: bool = False) -> Any:
    """The codes of values `rows` as a matrix of `width` columns: each value from the left (cut at
    `width`), or right-aligned (`right`: none longer than `width`), `fill` elsewhere."""
    np = _np()
    if not len(codes):
        return np.full((len(rows), width), fill, dtype=np.int64)
    if right:
        return _right_aligned(codes, bounds, rows, width, fill)
    low, high = bounds[rows][:, None], bounds[rows + 1][:, None]
    index = high + np.arange(-width, 0) if right else low + np.arange(width)
    inside = (index >= low) & (index < high)
    return np.where(inside, codes[np.clip(index, 0, len(codes) - 1)], fill)


def _right_aligned(codes: Any, bounds: Any, rows: Any, width: int, fill: int) -> Any:
    """`_fixed` right-aligned: the values of each length (a few) copied into their columns at once."""
    np = _np()
    out = np.full((len(rows), width), fill, dtype=codes.dtype)
    lengths = bounds[rows + 1] - bounds[rows]
    for length in np.flatnonzero(np.bincount(lengths, minlength=width + 1)).tolist():  # the lengths present
        which = np.flatnonzero(lengths == length)
        out[which, width - length :] = _exact(codes, bounds, rows[which], length)
    return out


def _exact(codes: Any, bounds: Any, rows: Any, width: int) -> Any:
    """The codes of values `rows`, each exactly `width` long, as a matrix."""
    np = _np()
    return codes[bounds[rows][:, None] + np.arange(width)]


def _digits_value(matrix: Any) -> Any:
    """The integer the digit columns spell (columns must be ASCII digits)."""
    np = _np()
    value = np.zeros(matrix.shape[0], dtype=np.int64)
    for column in range(matrix.shape[1]):
        value = value * 10 + (matrix[:, column].astype(np.int64) - 48)
    return value


def _dates_ok(year: Any, month: Any, day: Any) -> Any:
    """validators._birth_date_ok, vectorised: a real date between 1900-01-01 and today."""
    np = _np()
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
    in_range = (month >= 1) & (month <= 12) & (year >= 1)
    days = month_days[np.clip(month, 0, 12)] + ((month == 2) & leap)
    real = in_range & (day >= 1) & (day <= days)
    today = date.today()
    stamp = year * 10_000 + month * 100 + day
    return real & (stamp >= 19000101) & (stamp <= today.year * 10_000 + today.month * 100 + today.day)


def _all_digits(matrix: Any) -> Any:
    return ((matrix >= 48) & (matrix <= 57)).all(axis=1)


def _fill_scalar(out: Any, values: Sequence[str], rows: Any, scalar: Callable[[str], Any]) -> None:
    """The scalar function's result for `rows` (numpy indices) of the values."""
    for index in rows.tolist():
        out[index] = scalar(values[index])


def _resident_18(matrix: Any) -> Any:
    np = _np()
    digits = matrix[:, :17].astype(np.int64) - 48
    provinces = _province_table()[digits[:, 0] * 10 + digits[:, 1]]
    year = _digits_value(matrix[:, 6:10])
    month, day = _digits_value(matrix[:, 10:12]), _digits_value(matrix[:, 12:14])
    total = digits @ np.array(RESIDENT_WEIGHTS, dtype=np.int64)
    check = (1 - total) % 11
    expected = np.where(check == 10, ord("X"), check + 48)
    last = matrix[:, 17]
    last_upper = np.where(last == ord("x"), ord("X"), last)
    return provinces & _dates_ok(year, month, day) & (last_upper == expected)


def _resident_15(matrix: Any) -> Any:
    digits = matrix.astype("int64") - 48
    provinces = _province_table()[digits[:, 0] * 10 + digits[:, 1]]
    year = 1900 + _digits_value(matrix[:, 6:8])
    return provinces & _dates_ok(year, _digits_value(matrix[:, 8:10]), _digits_value(matrix[:, 10:12]))


def resident_ids(values: Sequence[str]) -> BoolArray:
    """validators.resident_id over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    codes, bounds = _codes(values)
    lengths = np.diff(bounds)
    # ASCII of 18 or 15 characters without separators: the vector path; any other shape, the scalar
    clean = _each((codes >= 128) | (codes == 32) | (codes == 45), bounds) == 0
    scalar = ~(clean & ((lengths == 18) | (lengths == 15)))
    for length in (18, 15):
        rows = np.flatnonzero(clean & (lengths == length))
        if not rows.size:
            continue
        matrix = _exact(codes, bounds, rows, length)
        shaped = _all_digits(matrix[:, :17])
        if length == 18:
            shaped &= _all_digits(matrix[:, 17:]) | (matrix[:, 17] == ord("X")) | (matrix[:, 17] == ord("x"))
        out[rows[shaped]] = (_resident_18 if length == 18 else _resident_15)(matrix[shaped])
        scalar[rows[~shaped]] = True
    _fill_scalar(out, values, np.flatnonzero(scalar), validators.resident_id)
    return out  # type: ignore[no-any-return]


# The digit sum of twice each digit, as Luhn adds every second digit from the right.
LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)


def _luhn_digits(matrix: Any) -> Any:
    """Luhn over rows of digits (numbers right-aligned, left-padded with zeros)."""
    np = _np()
    width = matrix.shape[1]
    doubled = np.array(LUHN_DOUBLED, dtype=np.int32)[matrix[:, width - 2 :: -2]]
    kept = matrix[:, width - 1 :: -2].astype(np.int32)
    # row sums as products with a column of ones: faster than sum(axis=1) over short rows
    total = kept @ np.ones(kept.shape[1], dtype=np.int32) + doubled @ np.ones(doubled.shape[1], dtype=np.int32)
    return total % 10 == 0


@cache
def _card_table() -> Any:
    """validators.card_family(n) is not None, by a number's first four digits and its length (< 20)."""
    np = _np()
    prefix, lengths = np.arange(10_000)[:, None], np.arange(20)
    table = np.zeros((10_000, 20), dtype=bool)
    for _, width, first, last, sizes in validators.CARD_FAMILIES:
        head = prefix // 10 ** (4 - width)
        table |= (head >= first) & (head <= last) & np.isin(lengths, sorted(sizes))
    return table


def _id_shaped(digits: Any) -> Any:
    """validators._id_shaped of rows of 18 digits: a province, then a birth date."""
    np = _np()
    digits = digits.astype(np.int64)
    year = digits[:, 6:10] @ np.array([1000, 100, 10, 1])
    month, day = digits[:, 10] * 10 + digits[:, 11], digits[:, 12] * 10 + digits[:, 13]
    return _province_table()[digits[:, 0] * 10 + digits[:, 1]] & _dates_ok(year, month, day)


def bank_cards(values: Sequence[str]) -> BoolArray:
    """validators.bank_card over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    numbers, ends, plain = _separated(*_codes(values))
    sizes = np.diff(ends)
    # ASCII digits of a length no card family issues (13, 14: order numbers, timestamps) are no card.
    vector = np.flatnonzero(plain & (sizes >= 15) & (sizes <= 19))
    if vector.size:
        # One matrix of the numbers right-aligned in 19 columns serves Luhn, the prefix and the ID shape.
        lengths = sizes[vector]
        digits = _fixed(numbers, ends, vector, 19, fill=48, right=True) - 48
        first = numbers[ends[vector][:, None] + np.arange(4)] - 48  # every one has 15 digits or more
        ok = _luhn_digits(digits) & _card_table()[first @ np.array([1000, 100, 10, 1]), lengths]
        # an 18-digit number laid out like a resident ID is a mistyped ID, not a card (its digits: columns 1-18)
        ids = np.flatnonzero(ok & (lengths == 18))
        ok[ids] = ~_id_shaped(digits[ids, 1:])
        out[vector] = ok
    _fill_scalar(out, values, np.flatnonzero(~plain), validators.bank_card)
    return out  # type: ignore[no-any-return]


# Where each printed grouping of validators.CARD_GROUPS puts its separators, and the printed length.
CARD_LAYOUTS = tuple(
    (tuple(sum(groups[: i + 1]) + i for i in range(len(groups) - 1)), sum(groups) + len(groups) - 1)
    for groups in sorted(validators.CARD_GROUPS)
    if len(groups) > 1
)


def bank_card_scores(values: Sequence[str]) -> FloatArray:
    """validators.bank_card_score over every value."""
    np = _np()
    # The score depends on how the number is grouped (4-4-4-4, 4-6-5), not only on its digits; an
    # ungrouped number is strong only as UnionPay 62… at 16 or 19 digits.
    codes, bounds = _codes(values)
    numbers, ends, plain = _separated(codes, bounds)
    sizes, lengths = np.diff(ends), np.diff(bounds)
    out = np.full(len(values), validators.WEAK_CARD_SCORE)
    usual = np.flatnonzero(plain & ((sizes == 16) | (sizes == 19)))
    starts = ends[usual]
    out[usual[(numbers[starts] == ord("6")) & (numbers[starts + 1] == ord("2"))]] = validators.STRONG_CARD_SCORE
    # a value with separators: strong where they stand where a printed grouping puts them
    widest = max(length for _, length in CARD_LAYOUTS)
    grouped = np.flatnonzero(plain & (lengths > sizes) & (lengths <= widest))
    matrix = _fixed(codes, bounds, grouped, widest)
    separators = (matrix == 32) | (matrix == 45)
    for positions, length in CARD_LAYOUTS:
        layout = np.zeros(widest, dtype=bool)
        layout[list(positions)] = True
        out[grouped[(lengths[grouped] == length) & (separators == layout).all(axis=1)]] = validators.STRONG_CARD_SCORE
    _fill_scalar(out, values, np.flatnonzero(~plain), validators.bank_card_score)
    return out  # type: ignore[no-any-return]


def imeis(values: Sequence[str]) -> BoolArray:
    """validators.imei over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    numbers, ends, plain = _separated(*_codes(values))
    vector = plain & (np.diff(ends) == 15)
    rows = np.flatnonzero(vector)
    if rows.size:
        out[rows] = _luhn_digits(_exact(numbers, ends, rows, 15) - 48)
    _fill_scalar(out, values, np.flatnonzero(~vector), validators.imei)
    return out  # type: ignore[no-any-return]


# validators.ipv4 for ASCII values: four dotted numbers up to 255, none with a leading zero.
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


@cache
def _uscc_table() -> Any:
    """The value of each byte in the code's alphabet (-1: not in it)."""
    np = _np()
    lookup = np.full(256, -1, dtype=np.int64)
    lookup[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(len(USCC_ALPHABET))
    return lookup


def uscc_codes(values: Sequence[str]) -> BoolArray:
    """validators.uscc_code over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    codes, bounds = _codes(values)
    vector = np.diff(bounds) == 18
    rows = np.flatnonzero(vector)
    if rows.size:
        # 8 digits, then 10 of the code's alphabet (upper case): the vector path; any other shape, the scalar
        table = _uscc_table()
        numbers = table[np.minimum(_exact(codes, bounds, rows, 18), 255)]  # 255: not in the alphabet
        shaped = ((numbers[:, :8] >= 0) & (numbers[:, :8] < 10)).all(axis=1) & (numbers[:, 8:] >= 0).all(axis=1)
        vector[rows[~shaped]] = False
        numbers = numbers[shaped]
        total = numbers[:, :17] @ np.array(USCC_WEIGHTS, dtype=np.int64)
        check = (31 - total) % 31
        provinces = _province_table()[numbers[:, 2] * 10 + numbers[:, 3]]
        out[rows[shaped]] = provinces & (numbers[:, 17] == check)
    _fill_scalar(out, values, np.flatnonzero(~vector), validators.uscc_code)
    return out  # type: ignore[no-any-return]


def ipv4s(values: Sequence[str]) -> BoolArray:
    """validators.ipv4 over every value (non-ASCII digits go through it), decided once per distinct
    value: a log's dotted numbers (versions, addresses) repeat."""
    np = _np()
    return np.fromiter(map(_ipv4, values), dtype=bool, count=len(values))  # type: ignore[no-any-return]


@lru_cache(maxsize=65536)
def _ipv4(value: str) -> bool:
    return IPV4.fullmatch(value) is not None if value.isascii() else validators.ipv4(value)


def _at(matrix: Any, columns: Any, text: str) -> Any:
    """Whether each row holds `text` (ASCII) from its column in `columns`."""
    np = _np()
    rows = np.arange(len(matrix))
    found = np.ones(len(matrix), dtype=bool)
    for shift, character in enumerate(text.encode("ascii")):
        found &= matrix[rows, columns + shift] == character
    return found


def mobiles(values: Sequence[str]) -> BoolArray:
    """validators.mobile over every value: ASCII values in numpy (the prefixes removed as the
    scalar does, by where each number starts), the others through the scalar."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    codes, bounds = _codes(values)
    # digits_only removes spaces, hyphens and any other whitespace: ASCII without the others is the vector path
    odd = (codes >= 128) | ((codes >= 9) & (codes <= 13)) | ((codes >= 28) & (codes <= 31))
    vector = _each(odd, bounds) == 0
    rows = np.flatnonzero(vector)
    if rows.size:
        kept = (codes != 32) & (codes != 45)
        before = np.zeros(len(codes) + 1, dtype=np.int64)
        np.cumsum(kept, out=before[1:])
        ends = before[bounds]
        numbers = _fixed(codes[kept], ends, rows, 11)  # the first 11 characters: the prefixes and two digits
        length = np.diff(ends)[rows]
        start = np.where(_at(numbers, 0, "+86"), 3, 0)
        start += np.where(_at(numbers, start, "0086"), 4, 0)
        start += np.where((length - start == 13) & _at(numbers, start, "86"), 2, 0)
        second = numbers[np.arange(len(rows)), start + 1]
        out[rows] = (length - start == 11) & _at(numbers, start, "1") & (second >= ord("3")) & (second <= ord("9"))
    _fill_scalar(out, values, np.flatnonzero(~vector), validators.mobile)
    return out  # type: ignore[no-any-return]


BATCH_VALIDATORS: dict[Callable[[str], bool], BatchValidator] = {
    validators.resident_id: resident_ids,
    validators.bank_card: bank_cards,
    validators.imei: imeis,
    validators.uscc_code: uscc_codes,
    validators.mobile: mobiles,
    validators.ipv4: ipv4s,
}
BATCH_SCORERS: dict[Callable[[str], float], BatchScorer] = {validators.bank_card_score: bank_card_scores}


def batch_validator(validator: Callable[[str], bool]) -> BatchValidator:
    """The batch form of a scalar validator (per-candidate calls when it has none)."""
    known = BATCH_VALIDATORS.get(validator)
    if known is not None:
        return known
    return lambda values: _np().array([bool(validator(v)) for v in values], dtype=bool)


def batch_scorer(scorer: Callable[[str], float]) -> BatchScorer:
    known = BATCH_SCORERS.get(scorer)
    if known is not None:
        return known
    return lambda values: _np().array([scorer(v) for v in values], dtype=float)
