"""Bounded JSON for user input: nesting depth is measured before a parser sees the data.

A streaming parser (ijson) builds a prefix string per event whose length grows with depth, so a
200 KB capture nested 100,000 deep costs gigabytes; `json.loads` raises RecursionError. The file
check below is vectorised (numpy over 4 MB blocks), so it costs a fraction of the parse it guards.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_DEPTH = 64  # real HAR captures and request bodies nest well under 20 levels
BLOCK = 1 << 22
NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')  # every byte but quotes and brackets


class TooDeepError(ValueError):
    """Nested deeper than the limit; `str()` says how deep."""


def file_depth_exceeds(path: Path, limit: int = MAX_DEPTH) -> int | None:
    """The depth reached when `path`'s JSON nests deeper than `limit` (strings skipped), else None."""
    import numpy as np

    depth, inside, carry = 0, 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK):
            data = carry + chunk
            kept = data.rstrip(b"\\")  # a backslash pair may straddle blocks: finish it with the next
            carry = data[len(kept) :]
            # Without escaped backslashes and quotes, every '"' left opens or closes a string.
            cleaned = kept.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, NOT_STRUCTURE)
            codes = np.frombuffer(cleaned, dtype=np.uint8)
            quotes = np.cumsum(codes == 0x22, dtype=np.int64)
            outside = ((quotes + inside) & 1) == 0
            if len(quotes):
                inside = (inside + int(quotes[-1])) & 1
            opening = ((codes == 0x5B) | (codes == 0x7B)) & outside
            closing = ((codes == 0x5D) | (codes == 0x7D)) & outside
            steps = (opening.astype(np.int64) - closing)[opening | closing]
            if not len(steps):
                continue
            levels = np.cumsum(steps) + depth
            if int(levels.max()) > limit:
                return int(levels.max())
            depth = int(levels[-1])
    return None


def value_depth(value: Any, limit: int = MAX_DEPTH) -> int:
    """Nesting depth of a parsed value, counted without recursion; stops once past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads_bounded(text: str, limit: int = MAX_DEPTH) -> Any:
    """`json.loads`, raising TooDeepError (not RecursionError) for documents nested past `limit`;
    ValueError when it is not JSON."""
    try:
        value = json.loads(text)
    except RecursionError as error:
        raise TooDeepError(f"nested deeper than {limit} levels") from error
    if value_depth(value, limit) > limit:
        raise TooDeepError(f"nested deeper than {limit} levels")
    return value
