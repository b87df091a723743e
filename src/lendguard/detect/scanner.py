"""The scanner: find entities in text with validation, context scoring and overlap resolution.

A buffer (a chunk of a file, or the joined cells of a column) is scanned as a whole, with results
equal to scanning each line on its own:

1. candidates: each spec's regex runs once over the buffer with `re`; when the `hyperscan` package
   is installed, one hyperscan pass first marks the lines that can hold a match of each spec, and a
   spec whose lines are few runs only over those lines (the big win on logs, where most lines hold
   no PII). A candidate that spans a line break is dropped and its lines are scanned alone.
2. validation: the candidates of one spec go through its validator as a batch
   (`checkdigits.batch_validator`: numpy over the candidate digits for ID, card, IMEI and USCC check
   digits and dates), then the per-entity confirmers (`CONFIRMERS`, empty by default: a step that
   needs more than the value, such as a name model, plugs in there with
   `confirmer(text, spans) -> keep flags`).
3. scoring: base score (batch scorer), column hint or context words in a window on the same line,
   threshold; where entities claim the same characters, priority then length decide.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from lendguard.detect.checkdigits import batch_scorer, batch_validator
from lendguard.detect.entities import ENTITIES, EntitySpec

Backend = Literal["auto", "re", "hyperscan"]
CONTEXT_WINDOW = 24
FULLWIDTH_CHARS = re.compile("[０-９Ｘｘ]")
FULLWIDTH_PAIRS = tuple(zip("０１２３４５６７８９Ｘｘ", "0123456789Xx", strict=True))
# Share of a buffer's lines hyperscan must mark for a spec to run over the whole buffer rather than
# line by line: per-line calls proved cheaper at any share (Python re tries every offset of a buffer).
WHOLE_BUFFER_SHARE = 1.0
# Confirmers: entity name -> function(text, spans) returning one keep flag per (start, end) span.
Confirmer = Callable[[str, Sequence[tuple[int, int]]], Sequence[bool]]
CONFIRMERS: dict[str, Confirmer] = {}


FULLWIDTH_TABLE = str.maketrans(dict(FULLWIDTH_PAIRS))
FULLWIDTH_UTF8 = tuple(wide.encode("utf-8") for wide, _ in FULLWIDTH_PAIRS)


def _normalise(text: str, data: bytes) -> str:
    """Full-width digits as ASCII, same length (`data` is the UTF-8 of `text`). The full-width
    characters are found with numpy in the bytes and only their runs are translated; the rest of
    the buffer is copied once, in C."""
    if not any(wide in data for wide in FULLWIDTH_UTF8):
        return text
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    lead = np.flatnonzero(codes[:-2] == 0xEF)  # ０-９ EF BC 90-99, Ｘ EF BC B8, ｘ EF BD 98
    second, third = codes[lead + 1], codes[lead + 2]
    wide = lead[
        ((second == 0xBC) & (((third >= 0x90) & (third <= 0x99)) | (third == 0xB8)))
        | ((second == 0xBD) & (third == 0x98))
    ]
    continuation = np.flatnonzero((codes & 0xC0) == 0x80)
    chars = wide - np.searchsorted(continuation, wide)
    breaks = np.flatnonzero(np.diff(chars) != 1) + 1
    run_starts = np.concatenate(([0], breaks)).tolist()
    run_ends = np.concatenate((breaks, [len(chars)])).tolist()
    positions = chars.tolist()
    pieces, position = [], 0
    for first, last in zip(run_starts, run_ends, strict=True):
        start, end = positions[first], positions[last - 1] + 1
        pieces += [text[position:start], text[start:end].translate(FULLWIDTH_TABLE)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


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
    validate: Callable[[Sequence[str]], Any] | None
    score: Callable[[Sequence[str]], Any] | None


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


class _Lines:
    """Line starts of a buffer (character offsets), found with numpy over its UTF-8 bytes rather
    than with a Python loop: a character's offset is its byte offset less the continuation bytes
    before it."""

    def __init__(self, text: str, data: bytes) -> None:
        import numpy as np

        self.length = len(text)
        if "\n" not in text:
            self.newlines = np.zeros(0, dtype=np.int64)
        else:
            codes = np.frombuffer(data, dtype=np.uint8)
            newlines = np.flatnonzero(codes == 10)
            if not text.isascii():
                continuation = np.flatnonzero((codes & 0xC0) == 0x80)
                newlines = newlines - np.searchsorted(continuation, newlines)
            self.newlines = newlines
        self.starts = np.concatenate(([0], self.newlines + 1))
        self.count = len(self.starts)

    def line_of(self, offsets: Any) -> Any:
        import numpy as np

        return np.searchsorted(self.starts, offsets, side="right") - 1

    def end_of(self, line: int) -> int:
        return int(self.starts[line + 1]) - 1 if line + 1 < self.count else self.length

    def region(self, line: int) -> tuple[int, int]:
        return int(self.starts[line]), self.end_of(line)


class _Context:
    """Where a spec's context words occur in a buffer."""

    def __init__(self, text: str) -> None:
        self.text = text

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        raise NotImplementedError

    def near(self, index: int, words: tuple[str, ...], line: int, start: int, end: int) -> bool:
        raise NotImplementedError


class _LoweredContext(_Context):
    """Context words looked up in a lower-cased copy of the whole buffer."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._lowered: str | None = None

    @property
    def lowered(self) -> str:
        if self._lowered is None:
            self._lowered = self.text.lower()
        return self._lowered

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        return any(word in self.lowered for word in words)

    def near(self, index: int, words: tuple[str, ...], line: int, start: int, end: int) -> bool:
        window = self.lowered[start:end]
        return any(word in window for word in words)


class _HyperscanContext(_Context):
    """Context words marked by hyperscan's pass: only windows on lines holding one are lowered."""

    def __init__(self, text: str, lines_of: dict[int, list[int]], specs: int) -> None:
        super().__init__(text)
        self._lines_of, self._specs = lines_of, specs
        self._sets: dict[int, set[int]] = {}

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        return bool(self._lines_of.get(self._specs + index))

    def near(self, index: int, words: tuple[str, ...], line: int, start: int, end: int) -> bool:
        lines = self._sets.get(index)
        if lines is None:
            lines = self._sets[index] = set(self._lines_of.get(self._specs + index, ()))
        if line not in lines:
            return False
        window = self.text[start:end].lower()
        return any(word in window for word in words)


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
                batch_validator(s.validator) if s.validator is not None else None,
                batch_scorer(s.scorer) if s.scorer is not None else None,
            )
            for s in self.specs
        ]
        self._priority = {spec.name: spec.priority for spec in self.specs}
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
    def scan_lines(
        self, text: str, column: str | None = None, prefilter: bool = True, data: bytes | None = None
    ) -> Iterator[tuple[int, Match]]:
        """(1-based line number, match) for every match; offsets are within the line. With
        `column`, every line is a cell of that column: its name's hints count as context, and a
        cell that is wholly a name is one. `data`, when given, is `text` encoded as UTF-8 (saves
        encoding it again for hyperscan).

        The result equals scanning each line on its own.
        """
        if not text:
            return
        data = data if data is not None else text.encode("utf-8")
        normalised = _normalise(text, data)
        lines = _Lines(normalised, data)
        use_hyperscan = prefilter and self._database is not None
        if use_hyperscan:  # hyperscan's \d is ASCII: it scans the text with full-width digits made ASCII
            lines_of = self._lines_per_pattern(data if normalised is text else normalised.encode(), lines.count)
            context: _Context = _HyperscanContext(normalised, lines_of, len(self._compiled))
        else:
            lines_of, context = None, _LoweredContext(normalised)
        per_line: dict[int, list[Match]] = {}
        for index, compiled in enumerate(self._compiled):
            spec = compiled.spec
            hinted = _hint_matches(spec, column)
            if hinted and compiled.cell is not None:
                self._cells(compiled, text, normalised, lines, per_line)
            reachable = (spec.peak_score or spec.score) + (spec.context_boost if hinted else 0.0)
            if reachable < self.threshold and not (compiled.context and context.anywhere(index, compiled.context)):
                continue  # cannot reach the threshold anywhere in this buffer: skip the regex
            marked = None if lines_of is None else lines_of.get(index, [])
            if marked is not None and not marked:
                continue
            if marked is None and spec.anchor and not any(c in normalised for c in spec.anchor):
                continue
            spans = self._candidates(compiled, normalised, lines, marked)
            if spans:
                self._judge(index, compiled, spans, text, normalised, context, lines, hinted, per_line)
        for line in sorted(per_line):
            for match in _resolve_overlaps(per_line[line], self._priority):
                yield line + 1, match

    def _cells(
        self, compiled: _Compiled, text: str, normalised: str, lines: _Lines, per_line: dict[int, list[Match]]
    ) -> None:
        """A hinted column's cells that are wholly the entity (names)."""
        assert compiled.cell is not None
        spec = compiled.spec
        score = round(min(spec.score + spec.context_boost, 1.0), 2)
        found = [m.span("v") for m in compiled.cell.finditer(normalised)]
        if not found:
            return
        numbers = lines.line_of([start for start, _ in found])
        for (start, end), line in zip(found, numbers.tolist(), strict=True):
            offset = int(lines.starts[line])
            per_line.setdefault(line, []).append(Match(spec.name, start - offset, end - offset, score, text[start:end]))

    def _candidates(
        self, compiled: _Compiled, normalised: str, lines: _Lines, marked: list[int] | None
    ) -> list[tuple[int, int]]:
        """(start, end) of the value of every regex match that lies within one line (of the lines
        hyperscan marked, when it did)."""
        if compiled.spec.finder is not None:  # a finder never crosses a line break
            regions = [lines.region(line) for line in marked] if marked is not None else [(0, len(normalised))]
            return [span for start, end in regions for span in compiled.spec.finder(normalised, start, end)]
        regex = compiled.regex
        group = "v" if "v" in regex.groupindex else 0
        if marked is not None and len(marked) <= WHOLE_BUFFER_SHARE * lines.count:
            spans: list[tuple[int, int]] = []
            for line in marked:
                start, end = lines.region(line)
                spans.extend(m.span(group) for m in regex.finditer(normalised, start, end))
            return spans
        import numpy as np

        found = [(m.start(), m.end(), *m.span(group)) for m in regex.finditer(normalised)]
        if not found:
            return []
        if lines.count == 1:
            return [(s, e) for _, _, s, e in found]
        bounds = np.array([(start, end) for start, end, _, _ in found], dtype=np.int64)
        first_line = lines.line_of(bounds[:, 0])
        last_line = lines.line_of(np.maximum(bounds[:, 1] - 1, bounds[:, 0]))
        allowed = None
        if marked is not None:
            allowed = np.zeros(lines.count, dtype=bool)
            allowed[marked] = True
        # A match across a line break (a name after a cue word on the line before) is dropped and the
        # lines it touches are scanned on their own, as a line-by-line scan would.
        touched: set[int] = set()
        for row in np.flatnonzero(last_line > first_line).tolist():
            touched.update(range(int(first_line[row]), int(last_line[row]) + 1))
        keep = np.ones(len(found), dtype=bool) if allowed is None else allowed[first_line]
        if touched:
            keep &= ~np.isin(first_line, np.array(sorted(touched), dtype=np.int64))
        spans = [(s, e) for (_, _, s, e), ok in zip(found, keep.tolist(), strict=True) if ok]
        if touched:
            for line in sorted(touched):
                if allowed is None or allowed[line]:
                    start, end = lines.region(line)
                    spans.extend(m.span(group) for m in regex.finditer(normalised, start, end))
            spans.sort()
        return spans

    def _judge(
        self,
        index: int,
        compiled: _Compiled,
        spans: list[tuple[int, int]],
        text: str,
        normalised: str,
        context: _Context,
        lines: _Lines,
        hinted: bool,
        per_line: dict[int, list[Match]],
    ) -> None:
        """Validate, confirm and score one spec's candidates as a batch; keep those over the threshold."""
        import numpy as np

        spec = compiled.spec
        values = [normalised[start:end] for start, end in spans]
        keep = np.ones(len(spans), dtype=bool) if compiled.validate is None else compiled.validate(values)
        confirmer = CONFIRMERS.get(spec.name)
        if confirmer is not None:
            keep &= np.array(confirmer(normalised, spans), dtype=bool)
        rows = np.flatnonzero(keep)
        if not rows.size:
            return
        kept = [spans[i] for i in rows.tolist()]
        if compiled.score is not None:
            scores = compiled.score([values[i] for i in rows.tolist()]).astype(float)
        else:
            scores = np.full(len(kept), spec.score, dtype=float)
        starts = np.array([start for start, _ in kept], dtype=np.int64)
        numbers = lines.line_of(starts).tolist()
        if hinted:
            scores = scores + spec.context_boost
        elif compiled.context:
            near = [
                context.near(
                    index,
                    compiled.context,
                    line,
                    max(int(lines.starts[line]), start - CONTEXT_WINDOW),
                    min(lines.end_of(line), end + CONTEXT_WINDOW),
                )
                for (start, end), line in zip(kept, numbers, strict=True)
            ]
            scores = np.where(near, scores + spec.context_boost, scores)
        rounded: dict[float, float] = {}
        for (start, end), line, score in zip(kept, numbers, scores.tolist(), strict=True):
            if score < self.threshold:
                continue
            shown = rounded.get(score)
            if shown is None:
                shown = rounded[score] = round(min(score, 1.0), 2)
            offset = int(lines.starts[line])
            per_line.setdefault(line, []).append(Match(spec.name, start - offset, end - offset, shown, text[start:end]))

    def _lines_per_pattern(self, data: bytes, line_count: int) -> dict[int, list[int]]:
        """Per pattern, the lines where its core matches: a superset of where `re` will match."""
        import numpy as np

        ends: dict[int, list[int]] = {}

        def on_match(pattern: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found = ends.get(pattern)
            if found is None:
                ends[pattern] = [end]
            elif found[-1] != end:
                found.append(end)

        self._database.scan(data, match_event_handler=on_match)
        if not ends:
            return {}
        newlines = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
        marked = {}
        for pattern, positions in ends.items():
            numbers = np.unique(np.searchsorted(newlines, np.array(positions, dtype=np.int64) - 1, side="left"))
            marked[pattern] = numbers[numbers < line_count].tolist()
        return marked

    def _compile_hyperscan(self) -> Any:
        import hyperscan

        database = hyperscan.Database()
        expressions = [(spec.prefilter or spec.pattern).encode("utf-8") for spec in self.specs]
        flags = [hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_ALLOWEMPTY] * len(expressions)
        ids = list(range(len(expressions)))
        # Pattern len(specs) + i: a context word of spec i (so context needs no lowered copy of the buffer).
        for index, compiled in enumerate(self._compiled):
            if compiled.context:
                expressions.append("|".join(re.escape(word) for word in compiled.context).encode("utf-8"))
                flags.append(hyperscan.HS_FLAG_UTF8 | hyperscan.HS_FLAG_CASELESS)
                ids.append(len(self.specs) + index)
        database.compile(expressions=expressions, ids=ids, elements=len(expressions), flags=flags)
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


__all__ = ["CONFIRMERS", "DEFAULT_THRESHOLD", "Backend", "Confirmer", "Match", "Scanner"]
