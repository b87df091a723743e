"""Values found in a buffer as columns (numpy arrays), the form a file scan hands to its output in
bulk instead of one Python object per value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lendguard.detect import arrow

# (1-based line number, entity, start, end, score, value): one value, offsets within its line.
Found = tuple[int, str, int, int, float, str]


@dataclass(frozen=True)
class _Rows:
    """Values as numpy columns, in order: line numbers (1-based), entity (an index into `names`),
    start and end within the line, shown score."""

    names: tuple[str, ...]
    lines: Any
    kinds: Any
    starts: Any
    ends: Any
    scores: Any

    def __len__(self) -> int:
        return len(self.lines)


@dataclass(frozen=True)
class Spans(_Rows):
    """What the scanner found in one buffer, in order of position; `at` and `to` are the value's
    character offsets in `text`, whose UTF-8 is `data`."""

    at: Any
    to: Any
    text: str
    data: bytes

    def strings(self, rows: Any = slice(None)) -> list[str]:
        """The values of `rows` (all by default) as Python strings."""
        text = self.text
        return [text[s:e] for s, e in zip(self.at[rows].tolist(), self.to[rows].tolist(), strict=True)]

    def records(self) -> list[Found]:
        names, text = self.names, self.text
        return [
            (n, names[k], a, b, score, text[s:e])
            for n, k, a, b, score, s, e in zip(
                self.lines.tolist(),
                self.kinds.tolist(),
                self.starts.tolist(),
                self.ends.tolist(),
                self.scores.tolist(),
                self.at.tolist(),
                self.to.tolist(),
                strict=True,
            )
        ]

    def values(self) -> Any:
        """The values as a pyarrow large_string array, cut out of `data` without a Python string
        each: the buffer is read as alternating gaps and values (the values are in order and do not
        overlap), of which the values are taken."""
        import numpy as np
        import pyarrow as pa

        count, data = len(self.at), self.data
        bounds = np.empty(2 * count + 2, dtype=np.int64)
        bounds[0], bounds[-1] = 0, len(self.text)
        bounds[1:-1:2], bounds[2:-1:2] = self.at, self.to
        if (np.diff(bounds) < 0).any():
            return arrow.strings(self.strings())
        if len(data) != len(self.text):
            bounds = _byte_offsets(data, bounds)
            if bounds is None:  # `data` is not this text's UTF-8
                return arrow.strings(self.strings())
        pieces = pa.Array.from_buffers(
            pa.large_string(), 2 * count + 1, [None, pa.py_buffer(bounds), pa.py_buffer(data)]
        )
        return pieces.take(arrow.integers(np.arange(1, 2 * count, 2)))


WINDOW = 1 << 18  # bytes of a buffer looked at at once when character offsets are made byte offsets


def _byte_offsets(data: bytes, chars: Any) -> Any:
    """The byte offsets in `data` (UTF-8) of the character offsets `chars` (sorted): each one plus
    the continuation bytes before it, counted a window of the buffer at a time so that the arrays
    stay small; None when `data` does not hold as many characters as the last offset needs."""
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    out = np.empty_like(chars)
    before = done = 0  # continuation bytes before the window; offsets made
    for low in range(0, len(codes), WINDOW):
        continuation = np.flatnonzero((codes[low : low + WINDOW] & 0xC0) == 0x80) + low
        # a continuation byte's position less the continuation bytes before it: 1 + its character's offset
        owner = continuation - np.arange(before, before + len(continuation))
        last = int(np.searchsorted(chars, min(low + WINDOW, len(codes)) - before - len(continuation), side="left"))
        out[done:last] = chars[done:last] + before + np.searchsorted(owner, chars[done:last], side="right")
        before, done = before + len(continuation), last
    out[done:] = chars[done:] + before  # at the end of the text
    return out if out[-1] == len(data) else None


@dataclass(frozen=True)
class Columns(_Rows):
    """Values found in a text file (a chunk's worth), line numbers counted in the file, with the
    values as a pyarrow string array (their display forms unless raw values were asked for)."""

    values: Any
