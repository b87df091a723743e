"""What one process makes for the next, kept on disk: compiled hyperscan databases, the rule
base's YAML parsed, the index of jieba's dictionary. Each file is named by a key that covers
everything it was made from (so a changed input is never answered from an old file) and holds the
SHA-256 of its body followed by the body, written to a temporary file and renamed into place (two
processes never see half a file). Only a file this user owns is read. Whatever does not read back
(truncated, changed, another user's) is made again, and a folder that cannot be written only
means making it every time: the cache never changes a result.

The folder is `$LENDGUARD_CACHE_DIR`, else `$XDG_CACHE_HOME/lendguard`, else `~/.cache/lendguard`;
`LENDGUARD_CACHE_DIR=off` keeps nothing.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

DIGEST = 32  # bytes of the SHA-256 before the body


def folder() -> Path | None:
    """Where cached files are kept, or None when caching is off."""
    chosen = os.environ.get("LENDGUARD_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lendguard"


def path(name: str) -> Path | None:
    """Where the file `name` is kept, or None when caching is off."""
    where = folder()
    return None if where is None else where / name


def read(name: str) -> bytes | None:
    """The body stored under `name`, or None where there is none this user can trust."""
    where = path(name)
    if where is None:
        return None
    try:
        if where.stat().st_uid != os.getuid():  # a compiled database is code to hyperscan: only one's own
            return None
        stored = where.read_bytes()
    except OSError:
        return None
    body = stored[DIGEST:]
    if len(stored) <= DIGEST or hashlib.sha256(body).digest() != stored[:DIGEST]:
        return None
    return body


def write(name: str, body: bytes) -> None:
    """Keep `body` under `name` (silently not where the folder cannot be written)."""
    where = path(name)
    if where is None:
        return
    try:
        where.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=where.parent, prefix=where.name, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(hashlib.sha256(body).digest() + body)
        Path(temporary).replace(where)
    except OSError:  # a read-only or full disk: the next process makes it again
        return
