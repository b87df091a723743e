"""The scanner: find entities in text with validation, context scoring and overlap resolution.

Two backends give the same results: Python `re` scans every line; when the `hyperscan` package is
installed, one hyperscan pass over the whole buffer first marks the lines that can hold a match,
and only those lines go through `re` (the big win on logs, where most lines hold no PII).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from lendguard.detect.entities import ENTITIES, EntitySpec

Backend = Literal["auto", "re", "hyperscan"]
FULLWIDTH = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
CONTEXT_WINDOW = 24
DEFAULT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Match:
    entity: str
    start: int
    end: int
    score: float
    value: str


@dataclass(frozen=True)
class _Compiled:
    spec: EntitySpec
    regex: re.Pattern[str]
    context: tuple[str, ...]
    cell: re.Pattern[str] | None


def hyperscan_available() -> bool:
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


def _hint_matches(spec: EntitySpec, column: str | None) -> bool:
    if not column:
        return False
    name = column.lower()
    return any(hint in name for hint in spec.column_hints)


class Scanner:
    """Detects the entities of `ENTITIES` (or a subset) at or above `threshold`."""

    def __init__(
        self, entities: Iterable[EntitySpec] = ENTITIES, threshold: float = DEFAULT_THRESHOLD, backend: Backend = "auto"
    ) -> None:
        self.specs = tuple(entities)
        self.threshold = threshold
        self._compiled = [
            _Compiled(
                s,
                re.compile(s.regex),
                tuple(w.lower() for w in s.context),
                re.compile(s.cell_pattern) if s.cell_pattern else None,
            )
            for s in self.specs
        ]
        use_hyperscan = backend == "hyperscan" or (backend == "auto" and hyperscan_available())
        if backend == "hyperscan" and not hyperscan_available():
            raise RuntimeError("the hyperscan backend needs the `hyperscan` package")
        self.backend: Literal["re", "hyperscan"] = "hyperscan" if use_hyperscan else "re"
        self._database: Any = self._compile_hyperscan() if use_hyperscan else None

    # ------------------------------------------------------------------ single strings
    def scan(self, text: str, column: str | None = None) -> list[Match]:
        """Every entity in `text`; `column` is the column name when `text` is a table cell."""
        if not text:
            return []
        normalised = text.translate(FULLWIDTH)
        lowered = normalised.lower()
        candidates: list[Match] = []
        for compiled in self._compiled:
            spec = compiled.spec
            hinted = _hint_matches(spec, column)
            if hinted and compiled.cell is not None and compiled.cell.fullmatch(normalised.strip()):
                stripped = text.strip()
                start = text.index(stripped)
                score = min(spec.score + spec.context_boost, 1.0)
                candidates.append(Match(spec.name, start, start + len(stripped), round(score, 2), stripped))
                continue
            if spec.anchor and not any(c in normalised for c in spec.anchor):
                continue
            reachable = (spec.peak_score or spec.score) + (spec.context_boost if hinted else 0.0)
            has_context = any(word in lowered for word in compiled.context)
            if reachable < self.threshold and not has_context:
                continue  # cannot reach the threshold: skip the regex altogether
            for found in compiled.regex.finditer(normalised):
                group = "v" if "v" in compiled.regex.groupindex else 0
                start, end = found.span(group)
                if spec.validator is not None and not spec.validator(normalised[start:end]):
                    continue
                score = spec.scorer(normalised[start:end]) if spec.scorer else spec.score
                if hinted or (has_context and self._near(lowered, compiled.context, start, end)):
                    score += spec.context_boost
                if score >= self.threshold:
                    candidates.append(Match(spec.name, start, end, round(min(score, 1.0), 2), text[start:end]))
        return _resolve_overlaps(candidates, {s.name: s.priority for s in self.specs})

    @staticmethod
    def _near(lowered: str, words: tuple[str, ...], start: int, end: int) -> bool:
        window = lowered[max(0, start - CONTEXT_WINDOW) : end + CONTEXT_WINDOW]
        return any(word in window for word in words)

    def checksum_noise(self, column: str) -> frozenset[str]:
        """Checksum-only entities whose column name does not vouch for them."""
        return frozenset(s.name for s in self.specs if s.checksum_only and not _hint_matches(s, column))

    # ------------------------------------------------------------------ text files
    def scan_lines(self, text: str) -> Iterator[tuple[int, Match]]:
        """(1-based line number, match) for every match; offsets are within the line."""
        lines = text.split("\n")
        numbers: Iterable[int] = range(len(lines)) if self._database is None else self._candidate_lines(text)
        for index in numbers:
            for match in self.scan(lines[index]):
                yield index + 1, match

    def _compile_hyperscan(self) -> Any:
        import hyperscan

        database = hyperscan.Database()
        expressions = [(spec.prefilter or spec.pattern).encode("utf-8") for spec in self.specs]
        flags = [hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY] * len(expressions)
        database.compile(
            expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
        )
        return database

    def _candidate_lines(self, text: str) -> list[int]:
        """Lines where some pattern's core matches; a superset of the lines `re` would report."""
        data = text.translate(FULLWIDTH).encode("utf-8")  # ASCII \d then sees full-width digits too
        newlines = [m.start() for m in re.finditer(b"\n", data)]
        hits: set[int] = set()

        def on_match(_id: int, _start: int, end: int, _flags: int, _context: object) -> None:
            hits.add(bisect.bisect_left(newlines, end - 1))

        self._database.scan(data, match_event_handler=on_match)
        return sorted(hits)


def _resolve_overlaps(candidates: list[Match], priority: dict[str, int]) -> list[Match]:
    """Where entities claim the same characters keep the highest priority, then the longest."""
    if len(candidates) < 2:
        return candidates
    kept: list[Match] = []
    for match in sorted(candidates, key=lambda m: (-priority[m.entity], -(m.end - m.start), m.start)):
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
