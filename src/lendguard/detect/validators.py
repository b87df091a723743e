"""Check-digit and plausibility validators. python-stdnum supplies the check-digit arithmetic;
`ric.is_valid` is deliberately not used: it rejects real IDs whose county code is historic."""

from __future__ import annotations

import re
from datetime import date

# Province-level codes of GB/T 2260 (first two digits of ID numbers and USCC division codes).
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "91",
    }
)
# Card families issued in China: (family, prefix width, first prefix, last prefix, card lengths).
# UnionPay 62/81, Visa 4, Mastercard 51-55 and 2221-2720, JCB 3528-3589, AmEx 34/37, and the
# legacy domestic BINs from before UnionPay's 62 (60…, 95…: 9558 ICBC, 9559 ABC) still found on old debit cards.
CARD_FAMILIES: tuple[tuple[str, int, int, int, frozenset[int]], ...] = (
    ("UnionPay", 2, 62, 62, frozenset({16, 17, 18, 19})),
    ("UnionPay", 2, 81, 81, frozenset({16, 17, 18, 19})),
    ("Visa", 1, 4, 4, frozenset({16, 19})),
    ("Mastercard", 2, 51, 55, frozenset({16})),
    ("Mastercard", 4, 2221, 2720, frozenset({16})),
    ("JCB", 4, 3528, 3589, frozenset({16, 17, 18, 19})),
    ("AmEx", 2, 34, 34, frozenset({15})),
    ("AmEx", 2, 37, 37, frozenset({15})),
    ("domestic", 2, 60, 60, frozenset({16, 17, 18, 19})),
    ("domestic", 2, 95, 95, frozenset({16, 17, 18, 19})),
)
# How cards are printed: 4-4-4-4, 4-4-4-4-3 (19-digit debit cards), 4-6-5 (AmEx).
CARD_GROUPS = frozenset({(4, 4, 4, 4), (4, 4, 4, 4, 1), (4, 4, 4, 4, 2), (4, 4, 4, 4, 3), (4, 6, 5)})
SEPARATORS = re.compile(r"[\s\-]")


def digits_only(value: str) -> str:
    return SEPARATORS.sub("", value)


def _birth_date_ok(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def resident_id(value: str) -> bool:
    """GB 11643: 18 digits (last may be X) with check digit, or the 15-digit legacy form."""
    number = digits_only(value).upper()
    if number[:2] not in PROVINCES:
        return False
    if len(number) == 18:
        if not _birth_date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14])):
            return False
        from stdnum.cn import ric  # imported when first needed: stdnum's import (ssl among it) is not a scan's

        return bool(ric.calc_check_digit(number) == number[17])  # stdnum expects the check digit included
    if len(number) == 15 and number.isdigit():
        return _birth_date_ok(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
    return False


def _id_shaped(number: str) -> bool:
    """18 digits laid out like a resident ID (province, birth date): a mistyped ID, not a card."""
    return (
        len(number) == 18
        and number[:2] in PROVINCES
        and _birth_date_ok(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    )


def bank_card(value: str) -> bool:
    number = digits_only(value)
    if _id_shaped(number):
        return False
    from stdnum import luhn

    return card_family(number) is not None and luhn.is_valid(number)


def card_family(number: str) -> str | None:
    """The issuing family whose prefix range and card length fit these digits, or None."""
    for family, width, first, last, lengths in CARD_FAMILIES:
        if len(number) in lengths and first <= int(number[:width]) <= last:
            return family
    return None


def uscc_code(value: str) -> bool:
    from stdnum.cn import uscc

    code = value.upper()
    return code[2:4] in PROVINCES and bool(uscc.is_valid(code))


def imei(value: str) -> bool:
    from stdnum import imei as stdnum_imei

    return bool(stdnum_imei.is_valid(digits_only(value)))


def mobile(value: str) -> bool:
    number = digits_only(value).removeprefix("+86").removeprefix("0086")
    number = number.removeprefix("86") if len(number) == 13 else number
    return len(number) == 11 and number[0] == "1" and number[1] in "3456789"


def ipv4(value: str) -> bool:
    parts = value.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) <= 255 and (p == "0" or not p.startswith("0")) for p in parts)


STRONG_CARD_SCORE, WEAK_CARD_SCORE = 0.6, 0.45


def bank_card_score(value: str) -> float:
    """A number printed in a card's grouping (4-4-4-4, 4-6-5) or a UnionPay 62… at the usual lengths
    is specific; an ungrouped number of another family needs a context word (order numbers pass
    Luhn one time in ten)."""
    number = digits_only(value)
    if number.startswith("62") and len(number) in (16, 19):
        return STRONG_CARD_SCORE
    groups = tuple(len(part) for part in SEPARATORS.split(value))
    return STRONG_CARD_SCORE if len(groups) > 1 and groups in CARD_GROUPS else WEAK_CARD_SCORE
