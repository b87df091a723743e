"""Mask personal values for display: reports, terminals and logs never show them raw.

Per-entity rules keep only what a reader needs to tell values apart (`138****5678`,
`110***********123X`, `张*`). Free text is masked through the scanner, and any remaining run of 11+
digits is masked too, so an invalid-looking ID number is not shown raw either. Digit boundaries are
explicit, never `\\b`, so digits next to Chinese text are still found.
"""

from __future__ import annotations

import re
from functools import cache
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
_KEPT, _EMAIL, _IP, _PERSON = range(4)  # the bulk rules (`_rules`)
_TITLES = tuple("先生 女士".encode().split())  # mask_value's titles of PERSON, as UTF-8
_CONSTANTS = b"***@.*.*"  # the e-mail rule's middle, then the IP rule's end


def mask_array(entity: str, values: Any) -> Any:
    """`mask_value` of every value of a pyarrow large_string array of one entity (a test holds the
    two to the same strings)."""
    import numpy as np

    return mask_columns((entity,), np.zeros(len(values), dtype=np.int64), values)


def mask_columns(names: tuple[str, ...], kinds: Any, values: Any) -> Any:
    """`mask_value` of every value of a pyarrow large_string array whose entities are
    `names[kinds]` (a numpy array), all at once in numpy over the values' UTF-8: each display form
    is three pieces (any may be empty), a start of the value, stars or a constant, and an end of
    the value, cut where the value's entity's rule says."""
    if not len(values):
        return values
    codes, bounds = arrow.utf8(values)
    codes, bounds = codes[bounds[0] : bounds[-1]], bounds - bounds[0]  # a slice's bytes alone
    first, last, strip, rule = (column[kinds] for column in _rules(names))
    if strip.any():
        codes, bounds = _without_separators(codes, bounds, strip)
    pieces = _Pieces(codes, bounds, first, last)
    for special, cut in ((_EMAIL, pieces.email), (_IP, pieces.ip), (_PERSON, pieces.titled)):
        rows = rule == special
        if rows.any():
            cut(rows)
    return pieces.joined()


@cache
def _rules(names: tuple[str, ...]) -> tuple[Any, Any, Any, Any]:
    """Per entity of `names` (numpy arrays): characters kept at the start and at the end (`_keep`),
    whether its separators go first (a digit entity), and its bulk rule."""
    import numpy as np

    keep = [KEEP.get(name, (2, 2)) for name in names]
    special = {"EMAIL_ADDRESS": _EMAIL, "IP_ADDRESS": _IP, "PERSON": _PERSON}
    return (
        np.array([first for first, _ in keep], dtype=np.int64),
        np.array([last for _, last in keep], dtype=np.int64),
        np.array([name in DIGIT_ENTITIES for name in names]),
        np.array([special.get(name, _KEPT) for name in names], dtype=np.int64),
    )


def _without_separators(codes: Any, bounds: Any, strip: Any) -> tuple[Any, Any]:
    """The values' bytes without the separators of the values that drop them (ASCII bytes: the
    rest stays UTF-8), and their new bounds."""
    import numpy as np

    separator = (codes == ord(" ")) | (codes == ord("-"))
    if not strip.all():
        separator &= np.repeat(strip, np.diff(bounds))
    kept = ~separator
    before = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(kept, out=before[1:])
    return codes[kept], before[bounds]


class _Pieces:
    """The three pieces of each value's display form, as [begin, end) in the values' bytes
    followed by `_CONSTANTS` and a run of stars: `_keep`'s with `first` and `last` characters kept
    (per value), then the special rules' for their rows."""

    def __init__(self, codes: Any, bounds: Any, first: Any, last: Any) -> None:
        import numpy as np

        self.codes, self.start, self.end = codes, bounds[:-1], bounds[1:]
        leads = np.flatnonzero((codes & 0xC0) != 0x80)  # where each character starts
        self.first_char = np.searchsorted(leads, self.start)
        self.chars = np.searchsorted(leads, self.end) - self.first_char
        self.leads = np.append(leads, len(codes))
        self.constants = len(codes)
        self.stars = self.constants + len(_CONSTANTS)
        self.cuts = self._kept(first, last)

    def at(self, characters: Any) -> Any:
        """Where each value's character `characters` (0 or more; one for all or one per value)
        starts (its end past the last)."""
        import numpy as np

        inside = characters < self.chars
        index = self.first_char + np.clip(characters, 0, self.chars)
        return np.where(inside, self.leads[index], self.end)

    def _kept(self, first: Any, last: Any) -> Any:
        """`_keep`: the first `first` and last `last` characters around stars, or all stars."""
        import numpy as np

        short = self.chars <= first + last
        begin, end = self.start, self.end
        return np.stack(
            (
                begin,
                np.where(short, begin, self.at(first)),
                np.full(len(begin), self.stars),
                self.stars + np.where(short, self.chars, self.chars - first - last),
                np.where(short, end, self.at(self.chars - last)),
                end,
            ),
            axis=1,
        )

    def _nth(self, byte: int, rows: Any, nth: Any = 0) -> tuple[Any, Any]:
        """Where the `nth` `byte` of each value of `rows` is (its end where there is none), and how
        many it holds."""
        import numpy as np

        found = np.flatnonzero(self.codes == byte)
        low = np.searchsorted(found, self.start[rows])
        count = np.searchsorted(found, self.end[rows]) - low
        where = np.append(found, len(self.codes))[low + np.minimum(nth, count)]
        return np.where(nth < count, where, self.end[rows]), count

    def email(self, rows: Any) -> None:
        """value.partition("@"): the local part's first character, ***@, the domain."""
        import numpy as np

        begin, end = self.start[rows], self.end[rows]
        at, _ = self._nth(ord("@"), rows)
        one = self.at(1)[rows]
        self.cuts[rows] = np.stack(
            (begin, np.where(at > begin, one, begin), *self._constant(0, 4, len(begin)), np.minimum(at + 1, end), end),
            axis=1,
        )

    def ip(self, rows: Any) -> None:
        """value.rsplit(".", 2)[0], then `.*.*`."""
        import numpy as np

        _, dots = self._nth(ord("."), rows)
        cut, _ = self._nth(ord("."), rows, np.maximum(dots - 2, 0))
        end = self.end[rows]
        self.cuts[rows] = np.stack((self.start[rows], cut, *self._constant(4, 8, len(end)), end, end), axis=1)

    def titled(self, rows: Any) -> None:
        """A name ending in a title: the first character of what comes before it, a star, the title."""
        import numpy as np

        end = self.end[rows]
        long = end - self.start[rows] >= 6
        rows = np.flatnonzero(rows)[long]
        if not len(rows):
            return
        begin, end = self.start[rows], self.end[rows]
        tail = self.codes[end[:, None] - 6 + np.arange(6)]
        titled = np.zeros(len(rows), dtype=bool)
        for title in _TITLES:
            titled |= (tail == np.frombuffer(title, dtype=np.uint8)).all(axis=1)
        rows, begin, end = rows[titled], begin[titled], end[titled]
        one = np.where(self.chars[rows] >= 3, self.at(1)[rows], begin)
        stars = np.full(len(rows), self.stars)
        self.cuts[rows] = np.stack((begin, one, stars, stars + 1, end - 6, end), axis=1)

    def _constant(self, low: int, high: int, count: int) -> tuple[Any, Any]:
        """`count` times the piece `_CONSTANTS[low:high]`."""
        import numpy as np

        return np.full(count, self.constants + low), np.full(count, self.constants + high)

    def joined(self) -> Any:
        """The display forms as a large_string array: each value's pieces, gathered in one pass."""
        import numpy as np
        import pyarrow as pa

        stars = int(self.chars.max()) + 1 if len(self.chars) else 1
        source = np.concatenate(
            (self.codes, np.frombuffer(_CONSTANTS, dtype=np.uint8), np.full(stars, ord("*"), dtype=np.uint8))
        )
        begins, ends = self.cuts[:, 0::2].ravel(), self.cuts[:, 1::2].ravel()
        sizes = ends - begins
        offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
        np.cumsum(sizes, out=offsets[1:])
        gathered = source[np.arange(offsets[-1]) + np.repeat(begins - offsets[:-1], sizes)]
        bounds = np.ascontiguousarray(offsets[::3])
        return pa.Array.from_buffers(
            pa.large_string(), len(self.start), [None, pa.py_buffer(bounds), pa.py_buffer(gathered)]
        )


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
