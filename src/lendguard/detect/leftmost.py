"""A spec's matches from hyperscan's start-of-match reports, equal to `re.finditer` over each line.

Hyperscan has no lookarounds and reports every end at which a pattern matches (with
HS_FLAG_SOM_LEFTMOST, the leftmost start for that end); `re` takes, from the leftmost position
where its pattern matches, one match and goes on after it. The two agree under three conditions:

1. the boundaries are single characters: `before` a negative lookbehind of one class, `after` a
   negative lookahead whose alternatives are one class, or a short run of ASCII classes
   (`(?![0-9]|\\.[0-9])`). Hyperscan consumes the character before (`[^B]`, on a buffer that
   starts and ends with a line break, so there always is one) and the one after (`[^A]`): the
   leftmost start it reports for an end is then the leftmost start `re` could take for it, and
   every end it reports passes the one-character part of the lookahead; the longer alternatives
   are checked in numpy.
2. the spec declares `longest_first`: from each start, `re`'s match is the longest one whose end
   passes `after` (true of patterns whose alternatives cannot both match at one start and whose
   quantifiers are greedy, as the digit specs are; not of `ab|abc`).
3. matches of one spec do not overlap on a line. Where two do (a start inside another match that
   reaches beyond it), which of them `re` takes depends on where its scan resumes: those lines
   are left to `re` (`select` returns them).

Under these the matches are: per start, the longest end; in order of start, with no overlap.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lendguard.detect.entities import EntitySpec

# One atom of a boundary: a bracket class without nesting, or one (escaped) character.
_ATOM = re.compile(r"\[(?!\^)((?:\\.|[^\]\\])+)\]|\\([^A-Za-z0-9])|([^\\\[\]()|?*+{}.^$])")
_LOOKBEHIND = re.compile(r"\(\?<!(.+)\)")
_LOOKAHEAD = re.compile(r"\(\?!(.+)\)")


@dataclass(frozen=True)
class Edges:
    """A spec's boundaries as hyperscan takes them: the class bodies of the characters consumed
    before and after the core, and the lookahead's longer alternatives as byte lookup tables."""

    before: str
    after: str
    residual: tuple[tuple[Any, ...], ...]
    # `before`'s class as a byte table where the spec's value is a whole run of its characters
    # (`EntitySpec.whole_run`): hyperscan then reports ends only, and `run_starts` finds the starts.
    run: Any = None


def _atoms(text: str) -> list[str] | None:
    """The class bodies of a run of atoms (`[0-9]`, `\\.`, `a`), or None if it is anything else."""
    atoms, position = [], 0
    while position < len(text):
        found = _ATOM.match(text, position)
        if found is None:
            return None
        body, escaped, plain = found.groups()
        atoms.append(body if body is not None else re.escape(escaped or plain))
        position = found.end()
    return atoms or None


def _table(body: str) -> Any:
    """Which bytes are in the ASCII class `body` (a 256-entry boolean table)."""
    import numpy as np

    pattern = re.compile(f"[{body}]")
    return np.array([code < 128 and pattern.fullmatch(chr(code)) is not None for code in range(256)], dtype=bool)


def _ascii_only(body: str) -> bool:
    return body.isascii()


def _takes_newline(body: str) -> bool:
    return re.fullmatch(f"[{body}]", "\n") is not None


def edges(spec: EntitySpec) -> Edges | None:
    """The spec's boundaries in hyperscan's terms, or None where they are not single characters
    (then the spec's candidates come from `re`)."""
    if not spec.longest_first or spec.finder is not None or spec.prefilter is not None:
        return None
    behind, ahead = _LOOKBEHIND.fullmatch(spec.before), _LOOKAHEAD.fullmatch(spec.after)
    if behind is None or ahead is None:
        return None
    before = _atoms(behind.group(1))
    if before is None or len(before) != 1 or _takes_newline(before[0]):
        return None
    single, residual = [], []
    for alternative in ahead.group(1).split("|"):
        atoms = _atoms(alternative)
        if atoms is None or any(_takes_newline(atom) for atom in atoms):
            return None
        if len(atoms) == 1:
            single.append(atoms[0])
        elif all(_ascii_only(atom) for atom in atoms):
            residual.append(tuple(_table(atom) for atom in atoms))
        else:
            return None
    if not single:
        return None
    run = _table(before[0]) if spec.whole_run and _ascii_only(before[0]) else None
    return Edges(before[0], "".join(single), tuple(residual), run)


def expressions(spec: EntitySpec, bounds: Edges) -> list[str]:
    """The hyperscan patterns: one character outside `before`, the core, one outside `after`; one
    per part where the spec's core is run as several (`hyperscan_parts`). Their reports together
    are the one pattern's: each end where the core matches, with the leftmost start of a part
    there; where two parts match at one end, the later start overlaps the earlier and `select`
    leaves that line to `re`."""
    parts = spec.hyperscan_parts or (spec.pattern,)
    assert "|".join(parts) == spec.pattern, f"{spec.name}: its hyperscan parts are not its pattern"
    return [f"[^{bounds.before}](?:{part})[^{bounds.after}]" for part in parts]


def run_tables(bounds: Sequence[Edges | None], patterns: int) -> bytes | None:
    """Per pattern id (the specs' first, as `bounds`) a flag byte, 1 where the spec's value is a whole
    run of `before`'s characters, and that class's 256-byte table; None where no spec's is."""
    import numpy as np

    if all(edge is None or edge.run is None for edge in bounds):
        return None
    rows = np.zeros((patterns, 257), dtype=np.uint8)
    for index, edge in enumerate(bounds):
        if edge is not None and edge.run is not None:
            rows[index, 0], rows[index, 1:] = 1, edge.run
    return rows.tobytes()


def run_starts(data: bytes, ids: Any, starts: Any, ends: Any, tables: bytes) -> Any:
    """The reports' starts, those of the patterns `tables` flags found from their ends (int64 byte
    offsets in `data`, just after the character consumed after the value): a value that is a whole
    run of its class's characters starts where the run that ends it does, the one place a match
    ending there can start; the start of match is the first byte of the character before. A byte
    10xxxxxx continues a character and is in no ASCII table. In C where the extension is built (a
    walk of some twenty bytes per value), else in numpy."""
    import numpy as np

    ids, starts, ends = (np.ascontiguousarray(part, dtype=np.int64) for part in (ids, starts, ends))
    native = _native_run_starts()
    if native is not None:
        return np.frombuffer(native(data, ids, starts, ends, tables), dtype=np.int64)
    codes = np.frombuffer(data, dtype=np.uint8)
    rows = np.frombuffer(tables, dtype=np.uint8).reshape(-1, 257).astype(bool)
    found = starts.copy()

    def first_byte(offsets: Any) -> Any:  # back over a character's continuation bytes
        for _ in range(3):
            offsets = offsets - ((codes[offsets] & 0xC0) == 0x80)
        return offsets

    for pattern in np.flatnonzero(rows[:, 0]).tolist():
        chosen = np.flatnonzero(ids == pattern)
        begin = first_byte(ends[chosen] - 1)  # the character after the value
        moving = np.arange(len(begin))
        while moving.size:  # one character back at a time while it is in the class
            moving = moving[rows[pattern, 1:][codes[begin[moving] - 1]]]
            begin[moving] -= 1
        found[chosen] = first_byte(begin - 1)
    return found


@cache
def _native_run_starts() -> Any:
    try:
        from lendguard.detect import _hsbulk
    except ImportError:  # the C extension is optional
        return None
    return getattr(_hsbulk, "run_starts", None)  # None: an extension built before it had it


def residual_ok(bounds: Edges, codes: Any, ends: Any) -> Any:
    """Which reported ends (byte offsets just after the consumed character) pass the lookahead's
    longer alternatives. The consumed character is the first of them: where it is not ASCII, its
    last byte is a continuation byte, which no ASCII table holds."""
    import numpy as np

    keep = np.ones(len(ends), dtype=bool)
    last = len(codes) - 1
    for tables in bounds.residual:
        hit = np.ones(len(ends), dtype=bool)
        for offset, table in enumerate(tables):
            at = ends - 1 + offset
            hit &= (at <= last) & table[codes[np.minimum(at, last)]]
        keep &= ~hit
    return keep


def select(starts: Any, ends: Any, lines: Any) -> tuple[Any, Any, Any]:
    """`re`'s matches among the reported (start, end) pairs, in order: per start the longest end.
    Returns the starts and ends kept, and the lines (sorted, unique) where two pairs overlap: those
    are dropped from the result, for `re` to scan."""
    import numpy as np

    order = np.lexsort((-ends, starts))
    starts, ends, lines = starts[order], ends[order], lines[order]
    first = np.ones(len(starts), dtype=bool)
    first[1:] = starts[1:] != starts[:-1]
    starts, ends, lines = starts[first], ends[first], lines[first]
    overlap = ends[:-1] > starts[1:]
    if not overlap.any():
        return starts, ends, np.zeros(0, dtype=np.int64)
    clashing = np.unique(lines[1:][overlap])
    keep = ~np.isin(lines, clashing)
    return starts[keep], ends[keep], clashing
