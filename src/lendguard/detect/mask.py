"""Mask personal values for display: reports, terminals and logs never show them raw.

Per-entity rules keep only what a reader needs to tell values apart (`138****5678`,
`110***********123X`, `张*`). Free text is masked through the scanner, and any remaining run of 11+
digits is masked too, so an invalid-looking ID number is not shown raw either. Digit boundaries are
explicit, never `\\b`, so digits next to Chinese text are still found.
"""

from __future__ import annotations

import re
from functools import cache

SEPARATOR = re.compile(r"[ \-]")
DIGIT_RUN = re.compile(r"(?<![0-9])[0-9][0-9 \-]{9,}[0-9Xx](?![0-9])")
EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# (characters kept at the start, at the end) per entity; the rest becomes '*'.
KEEP = {
    "CN_RESIDENT_ID": (3, 4),
    "CN_MOBILE": (3, 4),
    "CN_BANK_CARD": (6, 4),
    "CN_USCC": (2, 4),
    "IMEI": (2, 4),
    "CN_LANDLINE": (4, 2),
    "CN_PASSPORT": (1, 2),
    "IP_ADDRESS": (0, 0),
    "PERSON": (1, 0),
    "CN_ADDRESS": (6, 0),
}


def _keep(value: str, first: int, last: int) -> str:
    if len(value) <= first + last:
        return "*" * len(value)
    return value[:first] + "*" * (len(value) - first - last) + (value[len(value) - last :] if last else "")


# Digit entities shown without their separators; each keeps characters at both ends.
DIGIT_ENTITIES = frozenset({"CN_RESIDENT_ID", "CN_MOBILE", "CN_BANK_CARD", "IMEI"})


def mask_value(entity: str, value: str) -> str:
    """The display form of one detected value."""
    if entity in DIGIT_ENTITIES:  # most values of a scan: the short way
        if "-" in value or " " in value:
            value = SEPARATOR.sub("", value)
        first, last = KEEP[entity]
        size = len(value)
        if size <= first + last:
            return "*" * size
        return value[:first] + "*" * (size - first - last) + value[size - last :]
    if entity == "EMAIL_ADDRESS":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if entity == "IP_ADDRESS":
        head = value.rsplit(".", 2)[0]
        return f"{head}.*.*"
    if entity == "PERSON" and (value.endswith("先生") or value.endswith("女士")):
        return value[:-2][:1] + "*" + value[-2:]
    first, last = KEEP.get(entity, (2, 2))
    return _keep(value, first, last)


def _mask_digits(match: re.Match[str]) -> str:
    digits = SEPARATOR.sub("", match.group())
    return match.group() if len(digits) < 11 else _keep(digits, 3, 4)


@cache
def _scanner():  # type: ignore[no-untyped-def]
    from lendguard.detect.scanner import Scanner  # the scanner imports entities; built on first use

    return Scanner(backend="re")


def mask_text(text: str) -> str:
    """The text with every detected value, long number and e-mail address masked."""
    pieces, position = [], 0
    for match in _scanner().scan(text):
        pieces += [text[position : match.start], mask_value(match.entity, match.value)]
        position = match.end
    masked = "".join(pieces) + text[position:]
    return EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", DIGIT_RUN.sub(_mask_digits, masked))
