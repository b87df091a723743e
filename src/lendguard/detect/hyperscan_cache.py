"""Compiled hyperscan databases kept on disk, so that a process loads in a millisecond what takes a
third of a second to compile (the scanner's two databases were most of `lendguard scan`'s start-up).

A database is stored under its key — the SHA-256 of the hyperscan version, the machine's
architecture and every expression with its flags and id — as a SHA-256 of the serialised bytes
followed by those bytes, written to a temporary file and renamed into place (two processes never
see half a file). Anything that does not load (another CPU's database, a truncated or changed
file, one another user owns, a folder that cannot be written) is compiled again; the cache never
changes what a scan finds.

The folder is `$LENDGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/lendguard`, else `~/.cache/lendguard`;
`LENDGUARD_CACHE_DIR=off` compiles every time.
"""

from __future__ import annotations

import hashlib
import os
import platform
import tempfile
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

DIGEST = 32  # bytes of the SHA-256 before the serialised database


def cache_folder() -> Path | None:
    """Where compiled databases are kept, or None when caching is off."""
    chosen = os.environ.get("LENDGUARD_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lendguard"


def _key(expressions: Sequence[bytes], flags: Sequence[int]) -> str:
    digest = hashlib.sha256(f"hyperscan {version('hyperscan')} {platform.machine()}\n".encode())
    for number, (expression, flag) in enumerate(zip(expressions, flags, strict=True)):
        digest.update(f"{number} {flag} {len(expression)}\n".encode())
        digest.update(expression)
    return digest.hexdigest()


def _load(path: Path) -> Any:
    import hyperscan

    try:
        if path.stat().st_uid != os.getuid():  # a database is code to hyperscan: only one's own is loaded
            return None
        stored = path.read_bytes()
    except OSError:
        return None
    body = stored[DIGEST:]
    if len(stored) <= DIGEST or hashlib.sha256(body).digest() != stored[:DIGEST]:
        return None
    try:
        database = hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK)
        database.scratch = hyperscan.Scratch(database)
    except hyperscan.error:  # built for another platform, or by another hyperscan
        return None
    return database


def _store(path: Path, database: Any) -> None:
    import hyperscan

    body = hyperscan.dumpb(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(hashlib.sha256(body).digest() + body)
        Path(temporary).replace(path)
    except OSError:  # a read-only or full disk: the next process compiles again
        return


def compiled(expressions: Sequence[bytes], flags: Sequence[int]) -> Any:
    """A block-mode database of `expressions` (ids 0, 1, …), from the cache when it is there;
    raises hyperscan.error as `Database.compile` does."""
    import hyperscan

    folder = cache_folder()
    path = None if folder is None else folder / f"hyperscan-{_key(expressions, flags)}.db"
    if path is not None and (database := _load(path)) is not None:
        return database
    database = hyperscan.Database()
    database.compile(
        expressions=list(expressions), ids=list(range(len(expressions))), elements=len(expressions), flags=list(flags)
    )
    if path is not None:
        _store(path, database)
    return database
