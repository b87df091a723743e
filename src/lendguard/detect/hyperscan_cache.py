"""Compiled hyperscan databases kept on disk (`lendguard.diskcache`), so that a process loads in a
millisecond what takes a third of a second to compile (the scanner's two databases were most of
`lendguard scan`'s start-up). A database's key is the SHA-256 of the engine and its libhs version,
the machine's architecture and every expression with its flags and id; one that does not load
(another CPU's, truncated, changed, another user's) is compiled again, so the cache never changes
what a scan finds. `LENDGUARD_CACHE_DIR=off` compiles every time.

Two engines run the same libhs: `_hsbulk`, this package's C extension built against Debian's
libhyperscan (every match collected in C, handed over as three arrays), and the `hyperscan`
package, which calls a Python function per match. `_hsbulk` is used where it was built;
`LENDGUARD_HYPERSCAN=python` asks for the `hyperscan` package. A database's key names its engine
and that engine's libhs version: one engine never loads the other's file.
"""

from __future__ import annotations

import hashlib
import os
import platform
from array import array
from collections.abc import Sequence
from functools import cache
from importlib.metadata import version
from typing import Any, Literal, Protocol

from lendguard import diskcache

# libhs's flag values (hs_compile.h), the same for both engines
FLAG_CASELESS, FLAG_UTF8, FLAG_ALLOWEMPTY, FLAG_SOM_LEFTMOST = 1, 32, 16, 256
Engine = Literal["hsbulk", "python"]
# Per pattern: the starts and ends of its reports, in the order hyperscan gave them (one per end).
Reports = tuple[list[Any], list[Any]]
# All reports of a pass as three numpy arrays: pattern ids, starts, ends; each pattern's in the
# order hyperscan gave them (the patterns' may be interleaved).
Flat = tuple[Any, Any, Any]


class CompileError(Exception):
    """An expression libhs cannot compile."""


class Database(Protocol):
    def flat(self, data: bytes) -> Flat:
        """The pattern ids, start and end offsets of the matches in `data`, as one set of arrays."""
        ...

    def serialised(self) -> bytes: ...


@cache
def engine() -> Engine | None:
    """The engine that runs hyperscan here, or None when neither is installed."""
    if os.environ.get("LENDGUARD_HYPERSCAN") != "python":
        try:
            from lendguard.detect import _hsbulk  # noqa: F401
        except ImportError:
            pass
        else:
            return "hsbulk"
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return None
    return "python"


class _BulkDatabase:
    def __init__(self, database: Any) -> None:
        self._database = database

    def flat(self, data: bytes) -> Flat:
        import numpy as np

        ids, begins, ends = (
            np.frombuffer(part, dtype=kind)
            for part, kind in zip(self._database.scan(data), (np.uint32, np.int64, np.int64), strict=True)
        )
        return ids, begins, ends

    def serialised(self) -> bytes:
        return bytes(self._database.serialize())


class _CallbackDatabase:
    def __init__(self, database: Any) -> None:
        self._database = database

    def flat(self, data: bytes) -> Flat:
        import numpy as np

        ids, starts, ends = array("q"), array("q"), array("q")

        def on_match(pattern: int, start: int, end: int, _flags: int, _context: object) -> None:
            ids.append(pattern)
            starts.append(start)
            ends.append(end)

        self._database.scan(data, match_event_handler=on_match)
        if not ids:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty
        return (
            np.frombuffer(ids, dtype=np.int64),
            np.frombuffer(starts, dtype=np.int64),
            np.frombuffer(ends, dtype=np.int64),
        )

    def serialised(self) -> bytes:
        import hyperscan

        return bytes(hyperscan.dumpb(self._database))


def split(flat: Flat, patterns: int, order: Any = None) -> Reports:
    """`flat` per pattern id 0 … patterns - 1, each pattern's reports in their order there (or, with
    `order`, in that order of the rows: grouped by pattern)."""
    import numpy as np

    ids, begins, ends = flat
    if not len(ids):
        empty = np.zeros(0, dtype=np.int64)
        return [empty] * patterns, [empty] * patterns
    if order is None:  # grouped by pattern, each group in report order (a stable sort of 16-bit keys is a radix sort)
        order = np.argsort(ids.astype(np.uint16), kind="stable")
    cuts = np.cumsum(np.bincount(ids, minlength=patterns))[:-1]
    return np.split(begins[order], cuts), np.split(ends[order], cuts)


def _engine_version(chosen: Engine) -> str:
    if chosen == "hsbulk":
        from lendguard.detect import _hsbulk

        return f"hsbulk libhs {_hsbulk.version()}"
    return f"hyperscan {version('hyperscan')}"


def _key(chosen: Engine, expressions: Sequence[bytes], flags: Sequence[int]) -> str:
    digest = hashlib.sha256(f"{_engine_version(chosen)} {platform.machine()}\n".encode())
    for number, (expression, flag) in enumerate(zip(expressions, flags, strict=True)):
        digest.update(f"{number} {flag} {len(expression)}\n".encode())
        digest.update(expression)
    return digest.hexdigest()


def _deserialised(chosen: Engine, body: bytes) -> Database | None:
    if chosen == "hsbulk":
        from lendguard.detect import _hsbulk

        try:
            return _BulkDatabase(_hsbulk.deserialize(body))
        except _hsbulk.Error:  # built for another platform, or by another libhs
            return None
    import hyperscan

    try:
        database = hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)
    except hyperscan.error:
        return None
    return _CallbackDatabase(database)


def _compile(chosen: Engine, expressions: Sequence[bytes], flags: Sequence[int]) -> Database:
    if chosen == "hsbulk":
        from lendguard.detect import _hsbulk

        try:
            return _BulkDatabase(_hsbulk.compile(list(expressions), list(flags)))
        except _hsbulk.Error as problem:
            raise CompileError(*problem.args) from problem
    import hyperscan

    database = hyperscan.Database()
    try:
        database.compile(
            expressions=list(expressions),
            ids=list(range(len(expressions))),
            elements=len(expressions),
            flags=list(flags),
        )
    except hyperscan.error as problem:
        raise CompileError(*problem.args) from problem
    return _CallbackDatabase(database)


def compiles(expression: bytes, flags: int) -> bool:
    """Whether libhs compiles `expression` on its own (never cached)."""
    chosen = engine()
    assert chosen is not None, "hyperscan is not installed"
    try:
        _compile(chosen, [expression], [flags])
    except CompileError:
        return False
    return True


def compiled(expressions: Sequence[bytes], flags: Sequence[int]) -> Database:
    """A block-mode database of `expressions` (ids 0, 1, …), from the cache when it is there;
    raises CompileError where libhs cannot compile them."""
    chosen = engine()
    assert chosen is not None, "hyperscan is not installed"
    name = f"hyperscan-{_key(chosen, expressions, flags)}.db"
    body = diskcache.read(name)
    if body is not None and (database := _deserialised(chosen, body)) is not None:
        return database
    database = _compile(chosen, expressions, flags)
    diskcache.write(name, database.serialised())
    return database
