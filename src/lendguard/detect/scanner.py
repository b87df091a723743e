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
CONTEXT_WINDOW = 24
NEWLINE = re.compile(r"\n")
FULLWIDTH_CHARS = re.compile("[０-９Ｘｘ]")
FULLWIDTH_PAIRS = tuple(zip("０１２３４５６７８９Ｘｘ", "0123456789Xx", strict=True))


def _normalise(text: str) -> str:
    """Full-width digits as ASCII, same length. str.replace runs in C; translate() with a table
    walks every character in Python and dominated the scan of large logs."""
    if not FULLWIDTH_CHARS.search(text):
        return text
    for wide, narrow in FULLWIDTH_PAIRS:
        text = text.replace(wide, narrow)
    return text


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
                re.compile(rf"^[ \t]*(?P<v>{s.cell_pattern})[ \t]*$", re.MULTILINE) if s.cell_pattern else None,
            )
            for s in self.specs
        ]
        use_hyperscan = backend == "hyperscan" or (backend == "auto" and hyperscan_available())
        if backend == "hyperscan" and not hyperscan_available():
            raise RuntimeError("the hyperscan backend needs the `hyperscan` package")
        self.backend: Literal["re", "hyperscan"] = "hyperscan" if use_hyperscan else "re"
        self._database: Any = self._compile_hyperscan() if use_hyperscan else None

    def scan(self, text: str, column: str | None = None) -> list[Match]:
        """Every entity in `text` (one string); `column` is the column name when it is a table cell."""
        return [match for _, match in self.scan_lines(text.replace("\n", " "), column)] if text else []

    def scan_column(self, values: list[str], column: str) -> list[list[Match]]:
        """The matches of each value of one column, found in a single pass over the joined values."""
        found: list[list[Match]] = [[] for _ in values]
        joined = "\n".join(value.replace("\n", " ") for value in values)
        # Cells are dense with candidates, where hyperscan's per-match callbacks cost more than
        # they save: one `re` pass per pattern over the joined column is faster.
        for line, match in self.scan_lines(joined, column, prefilter=False):
            found[line - 1].append(match)
        return found

    def checksum_noise(self, column: str) -> frozenset[str]:
        """Checksum-only entities whose column name does not vouch for them."""
        return frozenset(s.name for s in self.specs if s.checksum_only and not _hint_matches(s, column))

    # ------------------------------------------------------------------ text files
    def scan_lines(self, text: str, column: str | None = None, prefilter: bool = True) -> Iterator[tuple[int, Match]]:
        """(1-based line number, match) for every match; offsets are within the line. With
        `column`, every line is a cell of that column: its name's hints count as context, and a
        cell that is wholly a name is one.

        Each pattern runs once over the whole buffer (the `re` backend) or only over the lines
        hyperscan marked for that pattern; either way the result equals scanning line by line.
        """
        normalised = _normalise(text)
        lowered = normalised.lower()
        starts = [0, *(m.end() for m in NEWLINE.finditer(normalised))]
        use_hyperscan = prefilter and self._database is not None
        lines_of = self._lines_per_pattern(normalised, len(starts)) if use_hyperscan else None
        per_line: dict[int, list[Match]] = {}
        for index, compiled in enumerate(self._compiled):
            spec = compiled.spec
            hinted = _hint_matches(spec, column)
            if hinted and compiled.cell is not None:
                for found in compiled.cell.finditer(normalised):
                    start, end = found.span("v")
                    line = bisect.bisect_right(starts, start) - 1
                    score = round(min(spec.score + spec.context_boost, 1.0), 2)
                    per_line.setdefault(line, []).append(
                        Match(spec.name, start - starts[line], end - starts[line], score, text[start:end])
                    )
            reachable = (spec.peak_score or spec.score) + (spec.context_boost if hinted else 0.0)
            if reachable < self.threshold and not any(word in lowered for word in compiled.context):
                continue  # cannot reach the threshold anywhere in this buffer: skip the regex
            if lines_of is None:
                if spec.anchor and not any(c in normalised for c in spec.anchor):
                    continue
                regions: Iterable[tuple[int, int]] = [(0, len(normalised))]
            else:
                regions = (
                    (starts[n], starts[n + 1] - 1 if n + 1 < len(starts) else len(normalised))
                    for n in lines_of.get(index, ())
                )
            group = "v" if "v" in compiled.regex.groupindex else 0
            for region_start, region_end in regions:
                spans = (
                    spec.finder(normalised, region_start, region_end)
                    if spec.finder is not None
                    else (found.span(group) for found in compiled.regex.finditer(normalised, region_start, region_end))
                )
                for start, end in spans:
                    if spec.validator is not None and not spec.validator(normalised[start:end]):
                        continue
                    line = bisect.bisect_right(starts, start) - 1
                    score = spec.scorer(normalised[start:end]) if spec.scorer else spec.score
                    if hinted:
                        score += spec.context_boost
                    elif compiled.context:
                        line_end = starts[line + 1] - 1 if line + 1 < len(starts) else len(lowered)
                        window = lowered[
                            max(starts[line], start - CONTEXT_WINDOW) : min(line_end, end + CONTEXT_WINDOW)
                        ]
                        if any(word in window for word in compiled.context):
                            score += spec.context_boost
                    if score >= self.threshold:
                        offset = starts[line]
                        per_line.setdefault(line, []).append(
                            Match(spec.name, start - offset, end - offset, round(min(score, 1.0), 2), text[start:end])
                        )
        priority = {spec.name: spec.priority for spec in self.specs}
        for line in sorted(per_line):
            for match in _resolve_overlaps(per_line[line], priority):
                yield line + 1, match

    def _lines_per_pattern(self, normalised: str, line_count: int) -> dict[int, list[int]]:
        """Per pattern, the lines where its core matches: a superset of where `re` will match."""
        data = normalised.encode("utf-8")  # ASCII \d then sees full-width digits too
        newlines = [m.start() for m in re.finditer(b"\n", data)]
        hits: dict[int, set[int]] = {}

        def on_match(pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
            hits.setdefault(pattern, set()).add(bisect.bisect_left(newlines, end - 1))

        self._database.scan(data, match_event_handler=on_match)
        return {pattern: sorted(n for n in lines if n < line_count) for pattern, lines in hits.items()}

    def _compile_hyperscan(self) -> Any:
        import hyperscan

        database = hyperscan.Database()
        expressions = [(spec.prefilter or spec.pattern).encode("utf-8") for spec in self.specs]
        flags = [hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY] * len(expressions)
        database.compile(
            expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags
        )
        return database


def _resolve_overlaps(candidates: list[Match], priority: dict[str, int]) -> list[Match]:
    """Where entities claim the same characters keep the highest priority, then the longest."""
    if len(candidates) < 2:
        return candidates
    kept: list[Match] = []
    for match in sorted(candidates, key=lambda m: (-priority[m.entity], -(m.end - m.start), m.start)):
        if all(match.end <= other.start or match.start >= other.end for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)
