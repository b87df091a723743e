"""The rule base's YAML files, parsed once and kept on disk as JSON: reading the JSON (and not
importing PyYAML) takes a few milliseconds where parsing the YAML took ~50 ms of every process.

An entry is stored under the SHA-256 of the YAML text it was parsed from, so a changed file is
never served stale: its new text has a new key and is parsed again. The entry is the SHA-256 of
the JSON body followed by that body, written to a temporary file and renamed into place. An entry
that does not load (truncated, edited, another user's, an unwritable folder) is parsed again; a
document JSON cannot hold exactly (a date, a non-string key) is never stored.

The folder is the one compiled hyperscan databases use: `$LENDGUARD_CACHE_DIR`, else
`$XDG_CACHE_HOME/lendguard`, else `~/.cache/lendguard`; `LENDGUARD_CACHE_DIR=off` parses every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

FORMAT = "rulebase-yaml-json 1"  # part of every key: a new layout never reads an old entry
DIGEST = 64  # hex characters of the body's SHA-256, then a line break, then the body


def folder() -> Path | None:
    """Where parsed files are kept (hyperscan_cache.cache_folder's rule), or None when caching is off."""
    chosen = os.environ.get("LENDGUARD_CACHE_DIR")
    if chosen == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lendguard"


def entry(where: Path, name: str, text: str) -> Path:
    key = hashlib.sha256(f"{FORMAT}\n{name}\n".encode() + text.encode("utf-8")).hexdigest()
    return where / f"rulebase-{key}.json"


def _load(path: Path) -> Any | None:
    try:
        if path.stat().st_uid != os.getuid():
            return None
        stored = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    body = stored[DIGEST + 1 :]
    if stored[DIGEST : DIGEST + 1] != "\n" or hashlib.sha256(body.encode()).hexdigest() != stored[:DIGEST]:
        return None
    try:
        return json.loads(body)
    except json.JSONDecodeError:
        return None


def _exact_json(document: Any) -> str | None:
    """The document as JSON, or None where JSON would give back something else."""
    try:
        body = json.dumps(document, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    # repr tells 1 from 1.0 and True, and "1" from 1: equal reprs are the same values of the same types
    return body if repr(json.loads(body)) == repr(document) else None


def _store(path: Path, document: Any) -> None:
    body = _exact_json(document)
    if body is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(f"{hashlib.sha256(body.encode()).hexdigest()}\n{body}")
        Path(temporary).replace(path)
    except OSError:  # a read-only or full disk: the next process parses again
        return


def parsed(name: str, text: str, parse: Callable[[str], Any]) -> Any:
    """`parse(text)`, from the cache where an earlier process stored it."""
    where = folder()
    if where is None:
        return parse(text)
    path = entry(where, name, text)
    document = _load(path)
    if document is None:
        document = parse(text)
        _store(path, document)
    return document
