"""Where the lines of jieba's dict.txt that begin with a character lie, kept on disk: a process
hashes the file (a few milliseconds) instead of checking its layout and indexing its third of a
million lines (~40 ms, most of a one-line scan's name step).

An index is stored under the SHA-256 of the dictionary's bytes, so a changed dictionary is indexed
again, never answered from another's index; only a file laid out as `word frequency tag` lines
(two spaces on every line) is indexed at all. The stored file is the SHA-256 of its body followed by
the body: the number of runs, then their first characters (uint32), starts and ends (int64),
kept by `lendguard.diskcache` (`LENDGUARD_CACHE_DIR`, `off` for none); one that does not read back
is made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from lendguard import diskcache

FORMAT = b"dict-runs 2\n"  # part of every key: a new layout never reads an old file
Runs = dict[int, list[tuple[int, int]]]


class RunIndex:
    """A first character's UTF-8 as a big-endian integer -> the (start, end) byte offsets of the
    runs of lines that begin with it, in the file's order; looked up in arrays sorted by character."""

    def __init__(self, firsts: Any, starts: Any, ends: Any) -> None:
        import numpy as np

        order = np.argsort(firsts, kind="stable")  # the runs of one character stay in the file's order
        self.firsts, self.starts, self.ends = firsts[order], starts[order], ends[order]

    @classmethod
    def of(cls, runs: Runs) -> RunIndex:
        import numpy as np

        flat = [(first, low, high) for first, spans in runs.items() for low, high in spans]
        firsts, starts, ends = zip(*flat, strict=True) if flat else ((), (), ())
        return cls(np.array(firsts, np.uint32), np.array(starts, np.int64), np.array(ends, np.int64))

    def get(self, first: int, default: Any = ()) -> Any:
        import numpy as np

        low = int(np.searchsorted(self.firsts, first, side="left"))
        high = int(np.searchsorted(self.firsts, first, side="right"))
        if low == high:
            return default
        return list(zip(self.starts[low:high].tolist(), self.ends[low:high].tolist(), strict=True))

    def body(self) -> bytes:
        columns = (self.firsts.astype("<u4"), self.starts.astype("<i8"), self.ends.astype("<i8"))
        return len(self.firsts).to_bytes(8, "little") + b"".join(bytes(column.tobytes()) for column in columns)

    @classmethod
    def read(cls, body: bytes) -> RunIndex | None:
        import numpy as np

        count = int.from_bytes(body[:8], "little")
        if len(body) != 8 + 20 * count:
            return None
        firsts = np.frombuffer(body, "<u4", count, 8)
        starts = np.frombuffer(body, "<i8", count, 8 + 4 * count)
        ends = np.frombuffer(body, "<i8", count, 8 + 12 * count)
        return cls(firsts, starts, ends)


def laid_out(data: bytes) -> bool:
    """Whether every line of `data` is `word frequency tag`: two spaces on each line (so that a run's
    lines split at spaces and line breaks give its fields three by three), a line break at the end."""
    import numpy as np

    if not data.endswith(b"\n"):
        return False
    codes = np.frombuffer(data, dtype=np.uint8)
    breaks, spaces = np.flatnonzero(codes == 10), np.flatnonzero(codes == 32)
    if len(spaces) != 2 * len(breaks):
        return False
    # line i holds spaces 2i and 2i + 1: after the break before it, before its own
    return bool((spaces[1::2] < breaks).all() and (spaces[2::2] > breaks[:-1]).all())


def _name(data: bytes) -> str:
    return f"dict-runs-{hashlib.sha256(FORMAT + data).hexdigest()}.bin"


def run_index(data: bytes, build: Callable[[bytes], Runs]) -> RunIndex | None:
    """The index of `data` (`build(data)`'s runs), from the cache where an earlier process stored
    it; None where `data` is not laid out as dict.txt is."""
    name = _name(data)
    body = diskcache.read(name)
    if body is not None and (index := RunIndex.read(body)) is not None:
        return index
    if not laid_out(data):
        return None
    index = RunIndex.of(build(data))
    diskcache.write(name, index.body())
    return index
