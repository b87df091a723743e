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
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

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


def _province_table() -> Any:
    np = _np()
    table = np.zeros(100, dtype=bool)
    table[[int(code) for code in validators.PROVINCES]] = True
    return table


def _matrix(values: Sequence[str], width: int) -> Any:
    """Rows of ASCII codes of `values`, all of length `width`."""
    np = _np()
    return np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(len(values), width)


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


def _digit_run_split(values: Sequence[str], lengths: range) -> tuple[list[int], list[int]]:
    """Indices of the ASCII digit strings whose length is in `lengths` (the vector path) and of the rest."""
    low, high = lengths.start, lengths.stop - 1
    flags = [low <= len(v) <= high and v.isascii() and v.isdigit() for v in values]
    return [i for i, ok in enumerate(flags) if ok], [i for i, ok in enumerate(flags) if not ok]


def _fill_scalar(out: Any, values: Sequence[str], indices: list[int], scalar: Callable[[str], Any]) -> None:
    for index in indices:
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
    by_length: dict[int, list[int]] = {18: [], 15: []}
    scalar: list[int] = []
    for index, value in enumerate(values):
        length = len(value)
        if length in by_length and value.isascii() and " " not in value and "-" not in value:
            by_length[length].append(index)
        else:
            scalar.append(index)
    for length, indices in by_length.items():
        if not indices:
            continue
        matrix = _matrix([values[i] for i in indices], length)
        body = matrix[:, :17] if length == 18 else matrix
        shaped = _all_digits(body)
        if length == 18:
            shaped &= _all_digits(matrix[:, 17:]) | (matrix[:, 17] == ord("X")) | (matrix[:, 17] == ord("x"))
        ok = np.zeros(len(indices), dtype=bool)
        rows = np.flatnonzero(shaped)
        if rows.size:
            ok[rows] = (_resident_18 if length == 18 else _resident_15)(matrix[rows])
        out[indices] = ok
        _fill_scalar(out, values, [indices[i] for i in np.flatnonzero(~shaped)], validators.resident_id)
    _fill_scalar(out, values, scalar, validators.resident_id)
    return out  # type: ignore[no-any-return]


def _compact(values: Sequence[str]) -> list[str]:
    """validators.digits_only of each value (an alphanumeric value has no separator to remove)."""
    strip = validators.SEPARATORS.sub
    return [v if v.isalnum() else strip("", v) for v in values]


def _luhn_ok(numbers: list[str], width: int = 19) -> Any:
    """Luhn over ASCII digit strings of length <= width (left-padded with zeros)."""
    np = _np()
    return _luhn_digits(_matrix([n.rjust(width, "0") for n in numbers], width).astype(np.int64) - 48)


def _luhn_digits(matrix: Any) -> Any:
    """Luhn over rows of digits (numbers right-aligned, left-padded with zeros)."""
    width = matrix.shape[1]
    doubled = matrix[:, width - 2 :: -2] * 2
    total = matrix[:, width - 1 :: -2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
    return total % 10 == 0


def _in_card_family(prefix: Any, lengths: Any) -> BoolArray:
    """validators.card_family(n) is not None, from each number's first four digits and its length."""
    np = _np()
    ok = np.zeros(len(prefix), dtype=bool)
    for _, width, first, last, sizes in validators.CARD_FAMILIES:
        head = prefix // 10 ** (4 - width)
        ok |= (head >= first) & (head <= last) & np.isin(lengths, sorted(sizes))
    return ok  # type: ignore[no-any-return]


def bank_cards(values: Sequence[str]) -> BoolArray:
    """validators.bank_card over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    numbers = _compact(values)
    # ASCII digits of a length no card family issues (13, 14: order numbers, timestamps) are no card.
    vector, scalar = _digit_run_split(numbers, range(15, 20))
    scalar = [i for i in scalar if not (numbers[i].isascii() and numbers[i].isdigit())]
    if vector:
        chosen = [numbers[i] for i in vector]
        # One matrix of the numbers right-aligned in 19 columns serves Luhn, the prefix and the ID shape.
        lengths = np.fromiter(map(len, chosen), dtype=np.int64, count=len(chosen))
        digits = _matrix([n.rjust(19, "0") for n in chosen], 19).astype(np.int64) - 48
        rows = np.arange(len(chosen))[:, None]
        prefix = digits[rows, (19 - lengths)[:, None] + np.arange(4)] @ np.array([1000, 100, 10, 1])
        ok = _luhn_digits(digits) & _in_card_family(prefix, lengths)
        # an 18-digit number laid out like a resident ID is a mistyped ID, not a card (its digits: columns 1-18)
        year = digits[:, 7:11] @ np.array([1000, 100, 10, 1])
        month, day = digits[:, 11] * 10 + digits[:, 12], digits[:, 13] * 10 + digits[:, 14]
        id_shaped = (lengths == 18) & _province_table()[digits[:, 1] * 10 + digits[:, 2]] & _dates_ok(year, month, day)
        out[vector] = ok & ~id_shaped
    _fill_scalar(out, values, scalar, validators.bank_card)
    return out  # type: ignore[no-any-return]


def bank_card_scores(values: Sequence[str]) -> FloatArray:
    """validators.bank_card_score over every value."""
    np = _np()
    # The score depends on how the number is grouped (4-4-4-4, 4-6-5), not only on its digits; an
    # ungrouped number is strong only as UnionPay 62… at 16 or 19 digits.
    strong, weak, score = validators.STRONG_CARD_SCORE, validators.WEAK_CARD_SCORE, validators.bank_card_score
    return np.array(  # type: ignore[no-any-return]
        [(strong if v[:2] == "62" and len(v) in (16, 19) else weak) if v.isdigit() else score(v) for v in values],
        dtype=float,
    )


def imeis(values: Sequence[str]) -> BoolArray:
    """validators.imei over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    numbers = _compact(values)
    vector, scalar = _digit_run_split(numbers, range(15, 16))
    if vector:
        out[vector] = _luhn_ok([numbers[i] for i in vector], 15)
    _fill_scalar(out, values, scalar, validators.imei)
    return out  # type: ignore[no-any-return]


# 18 ASCII characters: 8 digits, then 10 of the code's alphabet (what the vector path expects).
USCC_SHAPE = re.compile("[0-9]{8}[" + re.escape(USCC_ALPHABET) + "]{10}")
# validators.ipv4 for ASCII values: four dotted numbers up to 255, none with a leading zero.
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def uscc_codes(values: Sequence[str]) -> BoolArray:
    """validators.uscc_code over every value."""
    np = _np()
    out = np.zeros(len(values), dtype=bool)
    shape = USCC_SHAPE.fullmatch
    flags = [v.isascii() and shape(v) is not None for v in values]
    vector = [i for i, ok in enumerate(flags) if ok]
    scalar = [i for i, ok in enumerate(flags) if not ok]
    if vector:
        matrix = _matrix([values[i] for i in vector], 18)
        lookup = np.full(256, -1, dtype=np.int64)
        lookup[np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)] = np.arange(len(USCC_ALPHABET))
        codes = lookup[matrix]
        total = codes[:, :17] @ np.array(USCC_WEIGHTS, dtype=np.int64)
        check = (31 - total) % 31
        provinces = _province_table()[codes[:, 2] * 10 + codes[:, 3]]
        out[vector] = provinces & (codes[:, 17] == check)
    _fill_scalar(out, values, scalar, validators.uscc_code)
    return out  # type: ignore[no-any-return]


def ipv4s(values: Sequence[str]) -> BoolArray:
    """validators.ipv4 over every value (non-ASCII digits go through it)."""
    np = _np()
    valid, scalar = IPV4.fullmatch, validators.ipv4
    return np.array(  # type: ignore[no-any-return]
        [valid(v) is not None if v.isascii() else scalar(v) for v in values], dtype=bool
    )


def mobiles(values: Sequence[str]) -> BoolArray:
    """validators.mobile over every value (string arithmetic, no call per value)."""
    np = _np()
    ok = []
    for number in _compact(values):
        if len(number) == 11:  # the common case: no prefix to remove
            ok.append(number[0] == "1" and number[1] in "3456789")
            continue
        number = number.removeprefix("+86").removeprefix("0086")
        number = number.removeprefix("86") if len(number) == 13 else number
        ok.append(len(number) == 11 and number[0] == "1" and number[1] in "3456789")
    return np.array(ok, dtype=bool)  # type: ignore[no-any-return]


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
