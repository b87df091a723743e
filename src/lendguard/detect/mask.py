"""Mask personal values for display: reports, terminals and logs never show them raw.

Per-entity rules keep only what a reader needs to tell values apart (`138****5678`,
`110***********123X`, `张*`). Free text is masked through the scanner, and any remaining run of 11+
digits is masked too, so an invalid-looking ID number is not shown raw either. Digit boundaries are
explicit, never `\\b`, so digits next to Chinese text are still found.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise
from typing import Any

from lendguard.detect import arrow

SEPARATORS = (" ", "-")
SEPARATOR = re.compile(f"[{''.join(map(re.escape, SEPARATORS))}]")
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


# Entities with a display rule of their own; the others follow `_keep` (after their separators, digit ones).
SPECIAL = frozenset({"EMAIL_ADDRESS", "IP_ADDRESS", "PERSON"})


def mask_array(entity: str, values: Any) -> Any:
    """`mask_value` of every value of a pyarrow large_string array of one entity (a test holds the
    two to the same strings): `_keep`'s rule in numpy where the values are all ASCII, else
    pyarrow's string kernels."""
    if len(values) and entity not in SPECIAL:
        codes, bounds = arrow.utf8(values)
        codes, bounds = codes[bounds[0] : bounds[-1]], bounds - bounds[0]  # a slice's bytes alone
        if (codes < 0x80).all():
            return _kept_ascii(codes, bounds, *KEEP.get(entity, (2, 2)), strip=entity in DIGIT_ENTITIES)
    return _masked_by_kernels(entity, values)


def _masked_by_kernels(entity: str, values: Any) -> Any:
    """`mask_array` with pyarrow's string kernels: each branch is one of mask_value's."""
    import pyarrow.compute as pc

    if not len(values):
        return values
    text = arrow.string

    def kept(values: Any, first: int, last: int) -> Any:  # _keep
        size = pc.utf8_length(values)
        shortest, longest = pc.min_max(size).values()
        if shortest.as_py() == longest.as_py() and shortest.as_py() > first + last:  # one length (IDs): one kernel
            stars = shortest.as_py() - first - last
            return pc.utf8_replace_slice(values, first, first + stars, "*" * stars)
        pieces = [
            pc.utf8_slice_codeunits(values, 0, first),
            pc.binary_repeat(
                text("*"), pc.max_element_wise(pc.subtract(size, arrow.integer(first + last)), arrow.integer(0))
            ),
        ]
        if last:
            pieces.append(pc.utf8_slice_codeunits(values, -last))
        joined = pc.binary_join_element_wise(*pieces, text(""))
        short = pc.less_equal(size, arrow.integer(first + last))
        return pc.if_else(short, pc.binary_repeat(text("*"), size), joined) if pc.any(short).as_py() else joined

    if entity in DIGIT_ENTITIES:
        codes, bounds = arrow.utf8(values)
        for separator in SEPARATORS:
            if (codes[bounds[0] : bounds[-1]] == ord(separator)).any():
                values = pc.replace_substring(values, separator, "")
        return kept(values, *KEEP[entity])
    if entity == "EMAIL_ADDRESS":  # value.partition("@"): the local part's first character, then the domain
        parts = pc.split_pattern(values, "@", max_splits=1)
        local = pc.utf8_slice_codeunits(pc.list_element(parts, arrow.integer(0)), 0, 1)
        if pc.all(pc.equal(pc.list_value_length(parts), arrow.integer(2))).as_py():
            return pc.binary_join_element_wise(local, text("***@"), pc.list_element(parts, arrow.integer(1)), text(""))
        domain = pc.replace_substring_regex(values, "^[^@]*@?", "", max_replacements=1)
        return pc.binary_join_element_wise(local, text("***@"), domain, text(""))
    if entity == "IP_ADDRESS":  # value.rsplit(".", 2)[0]
        head = pc.list_element(pc.split_pattern(values, ".", max_splits=2, reverse=True), arrow.integer(0))
        return pc.binary_join_element_wise(head, text(".*.*"), text(""))
    plain = kept(values, *KEEP.get(entity, (2, 2)))
    if entity != "PERSON":
        return plain
    titled = pc.or_(pc.ends_with(values, "先生"), pc.ends_with(values, "女士"))
    if not pc.any(titled).as_py():
        return plain
    name = pc.utf8_slice_codeunits(pc.utf8_slice_codeunits(values, 0, -2), 0, 1)
    return pc.if_else(
        titled, pc.binary_join_element_wise(name, text("*"), pc.utf8_slice_codeunits(values, -2), text("")), plain
    )


def _kept_ascii(codes: Any, bounds: Any, first: int, last: int, strip: bool) -> Any:
    """`_keep` of ASCII values (their bytes `codes`, each from bounds[i] to bounds[i + 1], from 0;
    `strip`: the separators removed first, as for a digit entity) as a large_string array, in
    numpy: every character starred, then the first `first` and the last `last` of each value
    longer than both copied back (steps over the values rather than over their bytes)."""
    import numpy as np
    import pyarrow as pa

    if strip:
        kept = (codes != ord(" ")) & (codes != ord("-"))
        if not kept.all():
            before = np.zeros(len(codes) + 1, dtype=np.int64)
            np.cumsum(kept, out=before[1:])
            codes, bounds = codes[kept], before[bounds]
    masked = np.full(len(codes), ord("*"), dtype=np.uint8)
    shown = np.diff(bounds) > first + last
    starts, ends = bounds[:-1][shown], bounds[1:][shown]
    for offset in range(first):
        masked[starts + offset] = codes[starts + offset]
    for offset in range(1, last + 1):
        masked[ends - offset] = codes[ends - offset]
    return pa.Array.from_buffers(pa.large_string(), len(bounds) - 1, [None, pa.py_buffer(bounds), pa.py_buffer(masked)])


def mask_columns(names: tuple[str, ...], kinds: Any, values: Any) -> Any:
    """`mask_value` of every value of a pyarrow large_string array whose entities are
    `names[kinds]` (a numpy array): each entity's values masked together by `mask_array`, then
    put back in order."""
    import numpy as np
    import pyarrow as pa

    if not len(values):
        return values
    order = np.argsort(kinds.astype(np.int8) if len(names) < 128 else kinds, kind="stable")  # int8: a radix sort
    grouped = values.take(arrow.integers(order))
    cuts = [0, *(np.flatnonzero(np.diff(kinds[order])) + 1).tolist(), len(order)]
    masked = pa.concat_arrays(
        [mask_array(names[kinds[order[low]]], grouped.slice(low, high - low)) for low, high in pairwise(cuts)]
    )
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return masked.take(arrow.integers(back))


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
