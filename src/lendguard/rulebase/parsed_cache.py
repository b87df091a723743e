"""The rule base's YAML files, parsed once and kept on disk as JSON (`lendguard.diskcache`): reading
the JSON (and not importing PyYAML) takes a few milliseconds where parsing the YAML took ~50 ms of
every process. An entry's key is the SHA-256 of the YAML text it was parsed from, so a changed file
is never served stale; a document JSON cannot hold exactly (a date, a non-string key) is never
stored. `LENDGUARD_CACHE_DIR=off` parses every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from lendguard import diskcache

FORMAT = "rulebase-yaml-json 2"  # part of every key: a new layout never reads an old entry


def entry(name: str, text: str) -> str:
    key = hashlib.sha256(f"{FORMAT}\n{name}\n".encode() + text.encode("utf-8")).hexdigest()
    return f"rulebase-{key}.json"


def _load(name: str) -> Any | None:
    body = diskcache.read(name)
    if body is None:
        return None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _exact_json(document: Any) -> str | None:
    """The document as JSON, or None where JSON would give back something else."""
    try:
        body = json.dumps(document, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    # repr tells 1 from 1.0 and True, and "1" from 1: equal reprs are the same values of the same types
    return body if repr(json.loads(body)) == repr(document) else None


def parsed(name: str, text: str, parse: Callable[[str], Any]) -> Any:
    """`parse(text)`, from the cache where an earlier process stored it."""
    if diskcache.folder() is None:
        return parse(text)
    stored = entry(name, text)
    document = _load(stored)
    if document is None:
        document = parse(text)
        if (body := _exact_json(document)) is not None:
            diskcache.write(stored, body.encode("utf-8"))
    return document
