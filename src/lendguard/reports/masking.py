"""Masking at the one place output is made: every string of a report model goes through the PII
masker before any format (JSON, HTML, PDF, SARIF, Markdown, CSV, terminal) renders it.

Checks and probes mask the values they quote, but identifiers that happen to be personal values
(a loan key that is a phone number, a request reference `R-11010519491231002X`, a file named after a
borrower) travel in locations, titles and warnings. Masking the finished document, field by field,
catches them whatever produced them. Left as they are: digests by shape (fingerprints, SHA-256,
which the masker would mistake for long numbers) and what `verify` re-reads from the signed report
(the evidence fingerprints and the manifest path).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel

from lendguard.detect import mask_text

DIGEST = re.compile(r"[0-9a-f]{24}|[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}")
KEPT_FIELDS = frozenset({"evidence", "manifest", "signature"})

Value = TypeVar("Value")


def masked(value: Value, show_values: bool = False, authored: AbstractSet[str] = frozenset()) -> Value:
    """`value` (a pydantic model, or lists, tuples and mappings of them) with every string masked,
    but those equal to one of `authored` (the rule catalogue's own texts: titles, remedies, the
    law's words); unchanged with `--show-values`."""
    return value if show_values else _Masker(authored).walk(value)


class _Masker:
    def __init__(self, authored: AbstractSet[str]) -> None:
        self.seen: dict[str, str] = {}  # titles, remedies and bases repeat across findings
        self.authored = authored

    def text(self, text: str) -> str:
        if isinstance(text, Enum) or not text or text in self.authored or DIGEST.fullmatch(text):
            return text
        done = self.seen.get(text)
        if done is None:
            result = mask_text(text)
            done = self.seen[text] = text if result == text else result
        return done

    def walk(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, BaseModel):
            update = {}
            for name in type(value).model_fields:
                if name in KEPT_FIELDS:
                    continue
                before = getattr(value, name)
                after = self.walk(before)
                if after is not before:
                    update[name] = after
            return value.model_copy(update=update) if update else value
        if isinstance(value, list | tuple):
            items = [self.walk(item) for item in value]
            changed = any(a is not b for a, b in zip(items, value, strict=True))
            return (items if isinstance(value, list) else tuple(items)) if changed else value
        if isinstance(value, dict):
            pairs = [(self.walk(key), self.walk(item)) for key, item in value.items()]
            changed = any(
                k is not key or v is not item for (k, v), (key, item) in zip(pairs, value.items(), strict=True)
            )
            return dict(pairs) if changed else value
        return value
