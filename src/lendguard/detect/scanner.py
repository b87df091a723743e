"""The scanner: find entities in text with validation, context scoring and overlap resolution.

A buffer (a chunk of a file, or the joined cells of a column) is scanned as a whole, with results
equal to scanning each line on its own:

1. candidates: each spec's regex runs once over the buffer with `re`; when the `hyperscan` package
   is installed, one hyperscan pass finds them instead. A spec whose boundaries are single
   characters and whose matches are the longest from each start (`longest_first`: the digit
   specs) gets its matches from hyperscan's start-of-match reports, with `re`'s leftmost-first
   semantics reproduced in numpy (detect/leftmost.py; the rare line where two matches of one spec
   overlap goes to `re`). For the others (names, addresses, e-mail) the pass marks the lines that
   can hold a match and the spec's regex runs only over those lines, each on its own. The same
   pass finds the context words. Without hyperscan a candidate that spans a line break is dropped
   and its lines are scanned alone.
2. validation: the candidates of one spec go through its validator as a batch
   (`checkdigits.batch_validator`: numpy over the candidate digits for ID, card, IMEI and USCC check
   digits and dates), then the per-entity confirmers (`CONFIRMERS`, empty by default: a step that
   needs more than the value, such as a name model, plugs in there with
   `confirmer(text, spans) -> keep flags`).
3. scoring: base score (batch scorer), column hint or context words in a window on the same line,
   threshold. What passes is kept as arrays (line, start, end, score, entity) and merged once per
   buffer in order of position; where entities claim the same characters on a line, priority then
   length decide, on that line alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeAlias

from lendguard.detect import breaks, hyperscan_cache, leftmost
from lendguard.detect.checkdigits import Cut, batch_scorer, batch_validator
from lendguard.detect.columns import Found, Spans
from lendguard.detect.entities import ENTITIES, EntitySpec

Backend = Literal["auto", "re", "hyperscan"]
CONTEXT_WINDOW = 24
# Hyperscan matches per byte of a buffer above which the bounded patterns take over (dense records
# give about one per 8 bytes, sparse logs one per 600).
DENSE_MATCHES_PER_BYTE = 1 / 50
# Confirmers: entity name -> function(text, spans) returning one keep flag per (start, end) span.
Confirmer = Callable[[str, Sequence[tuple[int, int]]], Sequence[bool]]
CONFIRMERS: dict[str, Confirmer] = {}


FULLWIDTH_TABLE = str.maketrans("０１２３４５６７８９Ｘｘ", "0123456789Xx")
FULLWIDTH_BYTES = bytes.maketrans(b"\x90\x91\x92\x93\x94\x95\x96\x97\x98\x99\xb8", b"0123456789X")


FULLWIDTH_BYTE = re.compile(rb"\xef(?:\xbc[\x90-\x99\xb8]|\xbd\x98)")  # ０-９, Ｘ, ｘ in UTF-8
FULLWIDTH_RUNS = 256  # above this many runs of full-width characters in a buffer, decoding it again is cheaper
FULLWIDTH_RUN_BYTES = 8192  # ... or above one run per this many bytes (a log's picked lines: some 60 in 90 kB)


def _normalise(text: str, data: bytes) -> tuple[str, bytes, Any]:
    """Full-width digits as ASCII, same length in characters (`data` is the UTF-8 of `text`), as a
    string and as its UTF-8, and the byte offsets in `data` of the characters rewritten (three bytes
    each, one after; None: `data` is returned as it is). The full-width characters are found with
    numpy in the bytes and only their runs are translated, in the string and in the bytes; the rest
    is copied once, in C (or, where there are many runs, the bytes are rewritten and decoded)."""
    if len(data) == len(text) or not _has_fullwidth(data):
        return text, data, None
    import numpy as np

    codes = np.frombuffer(data, dtype=np.uint8)
    wide = _fullwidth_offsets(codes)
    if not wide.size:
        return text, data, None
    breaks = np.flatnonzero(np.diff(wide) != 3) + 1
    if len(breaks) > FULLWIDTH_RUNS or len(breaks) * FULLWIDTH_RUN_BYTES > len(data):
        # many runs: the bytes rewritten in numpy, the string decoded from them
        third = codes[wide + 2]
        out = codes.copy()
        out[wide] = np.where(codes[wide + 1] == 0xBD, ord("x"), np.where(third == 0xB8, ord("X"), third - 0x90 + 48))
        keep = np.ones(len(codes), dtype=bool)
        keep[wide + 1] = keep[wide + 2] = False
        normalised = out[keep].tobytes()
        return normalised.decode("utf-8"), normalised, wide
    continuation = np.flatnonzero((codes & 0xC0) == 0x80)
    chars = wide - np.searchsorted(continuation, wide)
    run_starts = np.concatenate(([0], breaks)).tolist()
    run_ends = np.concatenate((breaks, [len(chars)])).tolist()
    positions, offsets = chars.tolist(), wide.tolist()
    pieces: list[str] = []
    parts: list[bytes | memoryview] = []
    position = offset = 0
    view = memoryview(data)  # slices of it are not copies: the bytes are copied once, by the join
    for first, last in zip(run_starts, run_ends, strict=True):
        start, end = positions[first], positions[last - 1] + 1
        low, high = offsets[first], offsets[last - 1] + 3
        pieces += [text[position:start], text[start:end].translate(FULLWIDTH_TABLE)]
        # ｘ (EF BD 98) is the one whose last byte means another letter: it is translated as a string
        run = data[low:high]
        parts += [
            view[offset:low],
            run[2::3].translate(FULLWIDTH_BYTES)
            if b"\xbd" not in run
            else run.decode("utf-8").translate(FULLWIDTH_TABLE).encode("ascii"),
        ]
        position, offset = end, high
    pieces.append(text[position:])
    parts.append(view[offset:])
    return "".join(pieces), b"".join(parts), wide


def _fullwidth_offsets(codes: Any) -> Any:
    """Byte offsets of the full-width digits and Ｘ, ｘ in UTF-8 `codes` (numpy uint8): ０-９ EF BC
    90-99, Ｘ EF BC B8, ｘ EF BD 98."""
    import numpy as np

    lead = np.flatnonzero(codes[:-2] == 0xEF)
    second, third = codes[lead + 1], codes[lead + 2]
    return lead[
        ((second == 0xBC) & (((third >= 0x90) & (third <= 0x99)) | (third == 0xB8)))
        | ((second == 0xBD) & (third == 0x98))
    ]


DEFAULT_THRESHOLD = 0.5
# A match inside its line: (entity, start, end, score, value).
_InLine = tuple[str, int, int, float, str]


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
    return hyperscan_cache.engine() is not None


def _hint_matches(spec: EntitySpec, column: str | None) -> bool:
    if not column:
        return False
    name = column.lower()
    return any(hint in name for hint in spec.column_hints)


def _spans_on_lines(
    regex: re.Pattern[str], group: int, text: str, bounds: list[int], lines: list[int]
) -> list[tuple[int, int]]:
    """The spans of `group` of every match of `regex` within each of `lines` on its own, as `finditer`
    over each line finds them: one `search` per match and one more per line, which costs less than
    a `finditer` per line (most marked lines hold one match). A line where the regex matches empty
    text is left to `finditer`, which steps past an empty match."""
    search, finditer = regex.search, regex.finditer
    spans: list[tuple[int, int]] = []
    for line in lines:
        low, high = bounds[line], bounds[line + 1] - 1
        first = len(spans)
        found = search(text, low, high)
        while found is not None:
            end = found.end()
            if end == found.start():
                del spans[first:]
                spans += [match.span(group) for match in finditer(text, low, high)]
                break
            spans.append(found.span(group))
            found = search(text, end, high)
    return spans


class _Lines:
    """Line starts of a buffer (character offsets), found with numpy over its UTF-8 bytes rather
    than with a Python loop: a character's offset is its byte offset less the continuation bytes
    before it."""

    def __init__(self, text: str, data: bytes, byte_newlines: Any = None) -> None:
        import numpy as np

        self.length = len(text)
        # Byte offsets of the line breaks; the UTF-8 continuation bytes counted (None: all ASCII).
        self.continuation = None if len(data) == len(text) else _Continuation(data)
        if "\n" not in text:
            self.newlines = self.byte_newlines = np.zeros(0, dtype=np.int64)
        else:
            newlines = self.byte_newlines = _byte_newlines(data) if byte_newlines is None else byte_newlines
            if self.continuation is not None:
                newlines = newlines - self.continuation.before(newlines)
            self.newlines = newlines
        self.starts = np.concatenate(([0], self.newlines + 1))
        self.count = len(self.starts)
        # Line i is bounds[i] up to bounds[i + 1] - 1 (the last line ends at the text's end).
        self.bounds: list[int] = [*self.starts.tolist(), self.length + 1]
        self.ends = np.concatenate((self.newlines, [self.length]))

    def line_of(self, offsets: Any) -> Any:
        import numpy as np

        return np.searchsorted(self.starts, offsets, side="right") - 1


class _Continuation:
    """The UTF-8 continuation bytes of a buffer, counted eight bytes at a time: a flag bit per byte in
    one 64-bit word per eight bytes, and the count before each word; the count before any offset is
    that plus the flags below it in its word. Costs a third of a table of the count before every byte
    (a cumulative sum over the bytes) and answers as fast."""

    HIGH_BITS = 0x8080808080808080

    def __init__(self, data: bytes) -> None:
        import numpy as np

        words = len(data) // 8 + 2  # room for every offset up to len(data) + 1, read as zeros past the end
        codes = np.zeros(words * 8, dtype=np.uint8)
        codes[: len(data)] = np.frombuffer(data, dtype=np.uint8)
        packed = codes.view(np.dtype("<u8"))
        high = np.uint64(self.HIGH_BITS)
        # a byte 10xxxxxx: its top bit set and the one below clear (moved up into the top bit's place)
        self.flags = packed & high & ~(packed << np.uint64(1))
        self.counts = np.zeros(words + 1, dtype=np.int64)
        np.cumsum(np.bitwise_count(self.flags), out=self.counts[1:])

    def before(self, offsets: Any) -> Any:
        """How many continuation bytes come before each byte offset (numpy, non-negative)."""
        import numpy as np

        word, byte = offsets >> 3, (offsets & 7).astype(np.uint64)
        below = (np.uint64(1) << (byte * np.uint64(8))) - np.uint64(1)  # the flags of the bytes before it
        return self.counts[word] + np.bitwise_count(self.flags[word] & below)


class _Context:
    """Where a spec's context words occur in a buffer."""

    def __init__(self, text: str) -> None:
        self.text = text

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        return True  # cannot rule a word out: the spec is not skipped

    def near_all(self, index: int, words: tuple[str, ...], starts: Any, ends: Any, numbers: Any, lines: _Lines) -> Any:
        """For every span, whether a context word lies on its line within CONTEXT_WINDOW characters
        either side (in the window lower-cased)."""
        import numpy as np

        bounds, lowered = lines.bounds, self._lowered()
        near = []
        for start, end, line in zip(starts.tolist(), ends.tolist(), numbers.tolist(), strict=True):
            low, high = max(bounds[line], start - CONTEXT_WINDOW), min(bounds[line + 1] - 1, end + CONTEXT_WINDOW)
            window = lowered[low:high] if lowered is not None else self.text[low:high].lower()
            near.append(any(word in window for word in words))
        return np.array(near, dtype=bool)

    def _lowered(self) -> str | None:
        return None


class _LoweredContext(_Context):
    """Context words looked up in a lower-cased copy of the whole buffer."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._lowered_text: str | None = None

    def _lowered(self) -> str:
        if self._lowered_text is None:
            self._lowered_text = self.text.lower()
        return self._lowered_text

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        lowered = self._lowered()
        return any(word in lowered for word in words)


class _OccurrenceContext(_Context):
    """Context words where hyperscan's pass found them (character offsets of each word's
    occurrences): a span is near one when an occurrence lies wholly within its window, the test
    `word in window.lower()` makes; checked for all spans of a spec at once with numpy."""

    def __init__(self, text: str, occurrences: dict[str, Any]) -> None:
        super().__init__(text)
        self._occurrences = occurrences
        self._by_length: dict[tuple[str, ...], list[tuple[int, Any]]] = {}

    def anywhere(self, index: int, words: tuple[str, ...]) -> bool:
        return any(word in self._occurrences for word in words)

    def near_all(self, index: int, words: tuple[str, ...], starts: Any, ends: Any, numbers: Any, lines: _Lines) -> Any:
        import numpy as np

        groups = self._by_length.get(words)
        if groups is None:  # the occurrences of the spec's words, one sorted array per word length
            found: dict[int, list[Any]] = {}
            for word in words:
                if word in self._occurrences:
                    found.setdefault(len(word), []).append(self._occurrences[word])
            groups = self._by_length[words] = [(size, np.sort(np.concatenate(parts))) for size, parts in found.items()]
        near = np.zeros(len(starts), dtype=bool)
        if not groups:
            return near
        low = np.maximum(lines.starts[numbers], starts - CONTEXT_WINDOW)
        high = np.minimum(lines.ends[numbers], ends + CONTEXT_WINDOW)
        for size, positions in groups:
            near |= np.searchsorted(positions, high - size, side="right") > np.searchsorted(positions, low, side="left")
        return near


class _Kept:
    """Matches over the threshold, as arrays per batch: line, start and end in the buffer, shown
    score, spec index, and the order they were found in."""

    def __init__(self) -> None:
        self.lines: list[Any] = []
        self.starts: list[Any] = []
        self.ends: list[Any] = []
        self.scores: list[Any] = []
        self.kinds: list[Any] = []
        self.sequence: list[Any] = []
        self._count = 0

    def add(self, kind: int, lines: Any, starts: Any, ends: Any, scores: Any) -> None:
        import numpy as np

        count = len(starts)
        self.lines.append(lines)
        self.starts.append(starts)
        self.ends.append(ends)
        self.scores.append(np.asarray(scores, dtype=float))
        self.kinds.append(np.full(count, kind, dtype=np.int64))
        self.sequence.append(np.arange(self._count, self._count + count))
        self._count += count


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
            raise RuntimeError(
                "the hyperscan backend needs libhyperscan (the _hsbulk extension) or the `hyperscan` package"
            )
        self.backend: Literal["re", "hyperscan"] = "hyperscan" if use_hyperscan else "re"
        # Hyperscan pattern ids: the specs, then each distinct context word that matters.
        self._words = _needed_words([compiled.context for compiled in self._compiled])
        self._patterns = len(self.specs) + len(self._words) + 2  # hyperscan's: specs, words, two more (see below)
        self._edges = [leftmost.edges(spec) for spec in self.specs] if use_hyperscan else []
        self._database: Any = self._compile_hyperscan(bounded=False) if use_hyperscan else None
        # Once a buffer proves dense (values on most lines), the line-marking patterns (those of the
        # specs not taken from start-of-match reports: names, e-mail, addresses) run to the end of
        # their line and so report each line once, which saves more callbacks than the slower pass
        # costs; on sparse logs the plain ones are faster. The start-of-match patterns consume their
        # boundaries in both.
        self._bounded_database: Any = None
        self._sparse = False  # the last buffer was scanned as its touched lines (see _prepare)

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
        for line, entity, start, end, score, value in self.scan_records(text, column, prefilter, data):
            yield line, Match(entity, start, end, score, value)

    def scan_records(
        self, text: str, column: str | None = None, prefilter: bool = True, data: bytes | None = None
    ) -> list[Found]:
        """What `scan_lines` yields, as flat tuples (line, entity, start, end, score, value) built
        without a Match object per value."""
        return self.scan_columns(text, column, prefilter, data).records()

    def scan_columns(
        self,
        text: str | None,
        column: str | None = None,
        prefilter: bool = True,
        data: bytes | None = None,
        byte_newlines: Any = None,
    ) -> Spans:
        """What `scan_records` returns, as columns (numpy arrays) with the value's place in `text`:
        the form a file scan writes out in bulk. `text` may be None where `data` (valid UTF-8) is
        given: it is decoded only where needed (a log's scan decodes the lines it picks).
        `byte_newlines`, when given, are the offsets of the line breaks in `data` (numpy)."""
        return self._columns(text, column, prefilter, data, top_level=True, byte_newlines=byte_newlines)

    def _columns(
        self,
        text: str | None,
        column: str | None,
        prefilter: bool,
        data: bytes | None,
        top_level: bool,
        byte_newlines: Any = None,
    ) -> Spans:
        """`scan_columns`; `top_level`: a buffer handed to the scanner, not one of lines it picked —
        only such a buffer decides the bounded database and whether the next is first taken as a log."""
        if data is None:
            assert text is not None
            data = text.encode("utf-8")
        if not data:
            return _no_spans(tuple(spec.name for spec in self.specs), "", data)
        prepared = self._prepare(text, prefilter, data, top_level, byte_newlines)
        if prepared.subset is not None:
            return self._subset_spans(prepared.subset, column)
        return self._spans(prepared, column)

    def _spans(self, prepared: _Prepared, column: str | None) -> Spans:
        """The values of a prepared buffer, in order of position, as cut from its text as written."""
        import numpy as np

        names = tuple(spec.name for spec in self.specs)
        text, data = prepared.source, prepared.source_data
        kept, lines = self._kept(prepared, column)
        if not kept.lines:
            return _no_spans(names, text, data)
        line, start, end = (np.concatenate(column) for column in (kept.lines, kept.starts, kept.ends))
        score, kind = np.concatenate(kept.scores), np.concatenate(kept.kinds)
        order = np.lexsort((start, line))
        line, start, end, score, kind = line[order], start[order], end[order], score[order], kind[order]
        # Where entities claim the same characters on a line, that line is resolved on its own;
        # everywhere else (nearly everywhere) the candidates, in order of position, are the result.
        clash = (line[1:] == line[:-1]) & (end[:-1] > start[1:])
        if clash.any():
            chosen = self._resolved(line, start, end, score, kind, np.concatenate(kept.sequence)[order], text, lines)
            line, start, end, score, kind = line[chosen], start[chosen], end[chosen], score[chosen], kind[chosen]
        offset = lines.starts[line]
        return Spans(names, line + 1, kind, start - offset, end - offset, score, start, end, text, data)

    def _resolved(
        self, line: Any, start: Any, end: Any, score: Any, kind: Any, sequence: Any, text: str, lines: _Lines
    ) -> Any:
        """The rows (of candidates in order of position) that remain once each line where entities
        claim the same characters is resolved on its own; in order of position."""
        import numpy as np

        clash = (line[1:] == line[:-1]) & (end[:-1] > start[1:])
        on_clashing = np.isin(line, np.unique(line[1:][clash]))
        groups: dict[int, list[tuple[int, _InLine, int]]] = {}
        rows = np.flatnonzero(on_clashing)
        offset = lines.starts[line[rows]]
        for row, n, k, a, b, s, e, sc, seq in zip(
            rows.tolist(),
            line[rows].tolist(),
            kind[rows].tolist(),
            (start[rows] - offset).tolist(),
            (end[rows] - offset).tolist(),
            start[rows].tolist(),
            end[rows].tolist(),
            score[rows].tolist(),
            sequence[rows].tolist(),
            strict=True,
        ):
            groups.setdefault(n, []).append((seq, (self.specs[k].name, a, b, sc, text[s:e]), row))
        chosen = ~on_clashing
        for group in groups.values():
            # in the order the candidates were found, as the resolution expects; it returns some of them
            found = sorted(group)
            row_of = {id(match): row for _, match, row in found}
            kept = [row_of[id(match)] for match in _resolve_overlaps([m for _, m, _ in found], self._priority)]
            chosen[kept] = True
        # The rows are in order of position, and those a line keeps do not overlap (their starts differ):
        # in the order of the rows, each line's come as the resolution orders them, by start.
        return np.flatnonzero(chosen)

    def _prepare(
        self, text: str | None, prefilter: bool, original: bytes, top_level: bool, newlines: Any = None
    ) -> _Prepared:
        """The buffer normalised, hyperscan's reports over it (hyperscan's \\d is ASCII: it scans the
        text with full-width digits made ASCII) and its line breaks; or, where the reports touch few
        of its lines (a log), those lines alone as a smaller buffer to scan instead. After such a
        buffer the next is first scanned as written and undecoded, its lines with full-width digits
        counted as touched, so that only the lines picked are decoded and normalised (a line's
        reports depend on that line alone; a buffer that proves dense is then decoded, and scanned
        again where it has full-width digits). That first pass scans the buffer itself, not a copy
        between two line breaks: its first line (and its last, where no line break ends it) counts
        as touched and is scanned again on its own, with the picked lines; a buffer found not sparse
        is scanned again, between line breaks."""
        import numpy as np

        if top_level and prefilter and self._database is not None and self._sparse:
            newlines = _byte_newlines(original) if newlines is None else newlines
            flat = self._unpadded_reports(original)
            again = _distinct(
                np.concatenate((_wide_lines(flat, self._patterns, newlines), _edge_lines(original, newlines)))
            )
            touched = self._sparse_lines(flat, newlines, again)
            if touched is not None:
                self._note_density(len(flat[0]), len(original))
                return _Prepared("", b"", subset=_Subset(touched, again, flat, original, newlines))
            padded = b"\n" + original + b"\n"
            flat = self._flat_reports(padded, top_level)
            wide = _wide_lines(flat, self._patterns, newlines)
            if not len(wide):  # nothing to normalise: the pass saw what a pass over the normalised buffer sees
                self._sparse = False
                source = original.decode("utf-8") if text is None else text
                reports = hyperscan_cache.split(flat, self._patterns)
                return _Prepared(source, original, reports, padded, newlines, source, original)
        source = original.decode("utf-8") if text is None else text
        normalised, data, rewritten = _normalise(source, original)
        prepared = _Prepared(normalised, data, source=source, source_data=original)
        if not (prefilter and self._database is not None):
            return prepared
        prepared.padded = b"\n" + data + b"\n"
        flat = self._flat_reports(prepared.padded, top_level)
        prepared.reports = hyperscan_cache.split(flat, self._patterns)
        if newlines is None:
            prepared.byte_newlines = _byte_newlines(data)
        elif rewritten is None:
            prepared.byte_newlines = newlines
        else:  # each full-width character before a line break is two bytes fewer
            prepared.byte_newlines = newlines - 2 * np.searchsorted(rewritten, newlines)
        touched = self._sparse_lines(flat, prepared.byte_newlines)
        if top_level:
            self._sparse = touched is not None
        if touched is not None:
            # reports over the normalised buffer are not where its lines are as written: the picked are scanned again
            moved = flat if data is original else None
            if data is original:
                newlines = prepared.byte_newlines
            elif newlines is None:
                newlines = _byte_newlines(original)
            prepared.subset = _Subset(touched, np.zeros(0, dtype=np.int64), moved, original, newlines)
        return prepared

    def _sparse_lines(self, flat: hyperscan_cache.Flat, byte_newlines: Any, extra: Any = None) -> Any:
        """The touched lines (and the `extra` ones) where they are few enough to scan on their own;
        None where they are not."""
        import numpy as np

        count = len(byte_newlines) + 1
        if count < SUBSET_MIN_LINES:
            return None
        of_specs = flat[0] < len(self.specs)
        if np.count_nonzero(of_specs) >= count:  # more reports than lines: not worth counting them
            return None
        touched = self._touched_lines(flat, of_specs, byte_newlines)
        if extra is not None and len(extra):
            touched = _distinct(np.concatenate((touched, extra)))
        if len(touched) * SUBSET_SHARE > count or len(touched) >= count:  # fewer lines, or the picked recurse
            return None
        return touched

    def _touched_lines(self, flat: hyperscan_cache.Flat, of_specs: Any, byte_newlines: Any) -> Any:
        """The lines (0-based, sorted, distinct) where some spec's pattern was reported (`of_specs`:
        a flag per report): the only lines where a value can be found. A start-of-match report's
        line is its value's first byte's; any other's, its last byte's (as `_kept` marks them)."""
        import numpy as np

        ids, starts, ends = (part[of_specs] for part in flat)
        if not len(ids):
            return np.zeros(0, dtype=np.int64)
        offsets = np.where(self._from_start()[ids], starts, ends - 2)
        lines = _distinct(np.searchsorted(byte_newlines, offsets, side="left"))
        return lines[lines <= len(byte_newlines)]

    def _from_start(self) -> Any:
        """Per hyperscan pattern id: whether its reports are start-of-match ones (a spec's value)."""
        import numpy as np

        flags = np.zeros(self._patterns, dtype=bool)
        flags[: len(self._edges)] = [bounds is not None for bounds in self._edges]
        return flags

    def _subset_spans(self, subset: _Subset, column: str | None) -> Spans:
        """The values of the buffer's touched lines, scanned as a buffer of their own (cut from its
        bytes); line numbers are the buffer's again. Scanning each line on its own gives what the
        whole buffer gives, so the buffer's hyperscan reports on those lines are the new buffer's,
        moved (those of lines with full-width digits come from a pass over them, normalised)."""
        touched, text, data = _picked(subset.touched, subset.data, subset.newlines)
        normalised, normalised_data, _ = _normalise(text, data)
        padded = b"\n" + normalised_data + b"\n"
        newlines = _byte_newlines(normalised_data)
        if subset.reports is None:
            reports = self._reports(padded, top_level=False)
        else:
            reports = self._moved(subset, normalised_data, newlines)
        prepared = _Prepared(normalised, normalised_data, reports, padded, newlines, text, data)
        found = self._spans(prepared, column)
        return replace(found, lines=touched[found.lines - 1] + 1)

    def _moved(self, subset: _Subset, data: bytes, newlines: Any) -> _Reports:
        """The reports of a buffer made of `subset.touched` lines (`data`: normalised, with its line
        breaks `newlines`), from those over the whole buffer: each report on a touched line, moved
        by where the line now starts; the `wide` lines (full-width digits, edges) scanned again, normalised. A
        pattern's reports come in order of their ends, as hyperscan gives them (one per end)."""
        import numpy as np

        assert subset.reports is not None
        touched, wide = subset.touched, subset.wide
        starts = np.concatenate(([0], newlines + 1))  # where each picked line starts in `data`
        shift = np.zeros(len(subset.newlines) + 1, dtype=np.int64)
        plain = ~_among(touched, wide)
        moved_lines = np.zeros(len(shift), dtype=bool)
        moved_lines[touched[plain]] = True
        was = np.concatenate(([0], subset.newlines + 1))
        shift[touched[plain]] = starts[plain] - was[touched[plain]]
        moved = self._shifted(subset.reports, subset.newlines, shift, moved_lines)
        if not len(wide):
            return hyperscan_cache.split(moved, self._patterns)
        rows = np.flatnonzero(~plain)
        ends = np.concatenate((newlines, [len(data)]))
        again = b"\n".join([data[a:b] for a, b in zip(starts[rows].tolist(), ends[rows].tolist(), strict=True)])
        again_newlines = _byte_newlines(again)
        again_shift = starts[rows] - np.concatenate(([0], again_newlines + 1))
        rescanned = self._shifted(
            self._flat_reports(b"\n" + again + b"\n", top_level=False),
            again_newlines,
            again_shift,
            np.ones(len(rows), dtype=bool),
        )
        # per pattern, the moved reports in their order; where the lines scanned again add some to a
        # pattern, all of its reports in order of their ends (stable: the moved first where ends tie)
        ids, begin, end = (np.concatenate((one, two)) for one, two in zip(moved, rescanned, strict=True))
        again_patterns = np.zeros(self._patterns, dtype=bool)
        again_patterns[rescanned[0]] = True
        order = np.lexsort((np.where(again_patterns[ids], end, 0), ids))
        return hyperscan_cache.split((ids, begin, end), self._patterns, order)

    def _shifted(self, flat: hyperscan_cache.Flat, newlines: Any, shift: Any, kept: Any) -> hyperscan_cache.Flat:
        """The reports on the lines `kept` (a flag per line), each moved by its line's `shift`, in
        their order. A start-of-match report's line is that of its value's first byte, any other's
        that of its last byte (as `_touched_lines` tells them)."""
        import numpy as np

        ids, begin, end = flat
        line = np.searchsorted(newlines, np.where(self._from_start()[ids], begin, end - 2), side="left")
        rows = np.flatnonzero(kept[line])
        moved = shift[line[rows]]
        return ids[rows], begin[rows] + moved, end[rows] + moved

    def _kept(self, prepared: _Prepared, column: str | None) -> tuple[_Kept, _Lines]:
        normalised, data = prepared.normalised, prepared.data
        lines = _Lines(normalised, data, prepared.byte_newlines)
        found: _Pass | None = None
        if prepared.reports is not None:
            found = self._hyperscan_pass(prepared.padded, lines, prepared.reports)
            context: _Context = _Context(normalised) if found.folding else _OccurrenceContext(normalised, found.words)
        else:
            context = _LoweredContext(normalised)
        kept = _Kept()
        for index, compiled in enumerate(self._compiled):
            spec = compiled.spec
            hinted = _hint_matches(spec, column)
            if hinted and compiled.cell is not None:
                self._cells(index, compiled, normalised, lines, kept)
            reachable = (spec.peak_score or spec.score) + (spec.context_boost if hinted else 0.0)
            if reachable < self.threshold and not (compiled.context and context.anywhere(index, compiled.context)):
                continue  # cannot reach the threshold anywhere in this buffer: skip the regex
            if found is not None and index in found.spans:
                starts, ends = self._from_hyperscan(compiled, normalised, lines, *found.spans[index])
            else:
                marked = None if found is None else found.marked.get(index, [])
                if marked is not None and not marked:
                    continue
                if marked is None and spec.anchor and not any(c in normalised for c in spec.anchor):
                    continue
                starts, ends = _arrays(self._candidates(compiled, normalised, lines, marked))
            if len(starts):
                self._judge(index, compiled, starts, ends, normalised, context, lines, hinted, kept)
        return kept, lines

    def _from_hyperscan(
        self, compiled: _Compiled, normalised: str, lines: _Lines, starts: Any, ends: Any
    ) -> tuple[Any, Any]:
        """`re`'s matches of a spec from hyperscan's (start, end) reports; the lines where two of
        them overlap are scanned with `re`."""
        import numpy as np

        if not len(starts):
            return starts, ends
        starts, ends, clashing = leftmost.select(starts, ends, lines.line_of(starts))
        if clashing.size:
            extra_starts, extra_ends = _arrays(self._candidates(compiled, normalised, lines, clashing.tolist()))
            starts, ends = np.concatenate((starts, extra_starts)), np.concatenate((ends, extra_ends))
            order = np.argsort(starts, kind="stable")
            starts, ends = starts[order], ends[order]
        return starts, ends

    def _cells(self, index: int, compiled: _Compiled, normalised: str, lines: _Lines, kept: _Kept) -> None:
        """A hinted column's cells that are wholly the entity (names)."""
        assert compiled.cell is not None
        spec = compiled.spec
        score = round(min(spec.score + spec.context_boost, 1.0), 2)
        found = [m.span("v") for m in compiled.cell.finditer(normalised)]
        if found:
            import numpy as np

            spans = np.array(found, dtype=np.int64)
            kept.add(index, lines.line_of(spans[:, 0]), spans[:, 0], spans[:, 1], np.full(len(found), score))

    def _candidates(
        self, compiled: _Compiled, normalised: str, lines: _Lines, marked: list[int] | None
    ) -> list[tuple[int, int]]:
        """(start, end) of the value of every regex match that lies within one line (of the lines
        hyperscan marked, when it did: each on its own, which measured cheaper than any grouping for
        a regex; a finder takes them all, joined, in one call)."""
        bounds = lines.bounds
        finder = compiled.spec.finder
        if finder is not None:  # a finder never reaches across a line break
            if marked is None:
                return list(finder(normalised, 0, len(normalised)))
            # The marked lines, joined, in one call: what a finder finds on a line depends on that line
            # alone (the scanner's contract: the result of scanning each line on its own), and one call
            # over a buffer's marked lines costs less than one per run of them (16,000 runs in 4 MiB of
            # dense records) or one over the unmarked lines between.
            import numpy as np

            numbers = np.array(marked, dtype=np.int64)
            new_run = np.flatnonzero(np.diff(numbers) != 1) + 1
            first = lines.starts[numbers[np.concatenate(([0], new_run))]]  # runs of consecutive marked lines
            after = lines.ends[numbers[np.concatenate((new_run - 1, [len(numbers) - 1]))]]  # ... less the last break
            at = np.concatenate(([0], np.cumsum(after - first + 1)[:-1]))  # where each run starts once joined
            joined = "\n".join([normalised[a:b] for a, b in zip(first.tolist(), after.tolist(), strict=True)])
            named = list(finder(joined, 0, len(joined)))
            if not named:
                return []
            starts, ends = np.array(named, dtype=np.int64).T
            shift = (first - at)[np.searchsorted(at, starts, side="right") - 1]
            return list(zip((starts + shift).tolist(), (ends + shift).tolist(), strict=True))
        regex = compiled.regex
        group = regex.groupindex.get("v", 0)
        finditer = regex.finditer
        if marked is not None:
            return _spans_on_lines(regex, group, normalised, bounds, marked)
        import numpy as np

        found = [(m.start(), m.end(), *m.span(group)) for m in finditer(normalised)]
        if not found:
            return []
        if lines.count == 1:
            return [(s, e) for _, _, s, e in found]
        edges = np.array([(start, end) for start, end, _, _ in found], dtype=np.int64)
        first_line = lines.line_of(edges[:, 0])
        last_line = lines.line_of(np.maximum(edges[:, 1] - 1, edges[:, 0]))
        crossing = np.flatnonzero(last_line > first_line)
        if not crossing.size:
            return [(s, e) for _, _, s, e in found]
        # A match across a line break (a name after a cue word on the line before) is dropped and the
        # lines it touches are scanned on their own, as a line-by-line scan would.
        touched: set[int] = set()
        for row in crossing.tolist():
            touched.update(range(int(first_line[row]), int(last_line[row]) + 1))
        keep = ~np.isin(first_line, np.array(sorted(touched), dtype=np.int64))
        spans = [(s, e) for (_, _, s, e), ok in zip(found, keep.tolist(), strict=True) if ok]
        for line in sorted(touched):
            spans.extend(m.span(group) for m in finditer(normalised, bounds[line], bounds[line + 1] - 1))
        spans.sort()
        return spans

    def _judge(
        self,
        index: int,
        compiled: _Compiled,
        starts: Any,
        ends: Any,
        normalised: str,
        context: _Context,
        lines: _Lines,
        hinted: bool,
        kept: _Kept,
    ) -> None:
        """Validate, confirm and score one spec's candidates (arrays of starts and ends, in order) as
        a batch; keep those over the threshold."""
        import numpy as np

        spec = compiled.spec
        values = Cut(normalised, starts, ends)  # read in bulk by the batch functions, no string per value
        keep = np.ones(len(starts), dtype=bool) if compiled.validate is None else compiled.validate(values)
        confirmer = CONFIRMERS.get(spec.name)
        if confirmer is not None:
            keep &= np.array(confirmer(normalised, list(zip(starts.tolist(), ends.tolist(), strict=True))), dtype=bool)
        rows = np.flatnonzero(keep)
        if not rows.size:
            return
        if rows.size < len(starts):
            starts, ends = starts[rows], ends[rows]
            values = values.take(rows)
        numbers = lines.line_of(starts)
        if compiled.score is not None:
            scores = compiled.score(values).astype(float)
        else:
            scores = np.full(len(starts), spec.score, dtype=float)
        if hinted:
            scores = scores + spec.context_boost
        elif compiled.context:
            near = context.near_all(index, compiled.context, starts, ends, numbers, lines)
            scores = np.where(near, scores + spec.context_boost, scores)
        passed = np.flatnonzero(scores >= self.threshold)
        if not passed.size:
            return
        scores = scores[passed]
        if (scores == scores[0]).all():  # most often one score for all
            shown = np.full(len(scores), round(min(float(scores[0]), 1.0), 2))
        else:
            distinct, position = np.unique(scores, return_inverse=True)  # a few distinct scores per entity
            shown = np.array([round(min(score, 1.0), 2) for score in distinct.tolist()])[position]
        kept.add(index, numbers[passed], starts[passed], ends[passed], shown)

    def _reports(self, padded: bytes, top_level: bool) -> _Reports:
        """One hyperscan pass over the buffer between two line breaks (`padded`: so that every value
        has a character before and after it): per pattern, the start and end offsets it was reported
        at. A top-level buffer found dense switches to the bounded patterns (a buffer of lines picked
        because they hold values is dense by its making)."""
        return hyperscan_cache.split(self._flat_reports(padded, top_level), self._patterns)

    def _flat_reports(self, padded: bytes, top_level: bool) -> hyperscan_cache.Flat:
        """`_reports` as one set of arrays (pattern ids, starts, ends)."""
        database = self._bounded_database or self._database
        flat = self._by_pattern(database.flat(padded), padded)
        if top_level:
            self._note_density(len(flat[0]), len(padded) - 2)
        return flat

    def _unpadded_reports(self, data: bytes) -> hyperscan_cache.Flat:
        """Hyperscan's reports over `data` itself (no copy made) at the offsets they have in `data`
        between two line breaks: that buffer's on every line but the first and, where no line break
        ends `data`, the last (a line's reports depend on that line and the breaks around it)."""
        database = self._bounded_database or self._database
        ids, starts, ends = self._by_pattern(database.flat(data), data)
        return ids, starts + 1, ends + 1

    def _by_pattern(self, flat: hyperscan_cache.Flat, data: bytes) -> hyperscan_cache.Flat:
        """Reports over `data` with their pattern's id where a spec runs as several expressions, and
        the starts of the specs hyperscan reports ends of only (see `_compile_hyperscan`)."""
        ids, starts, ends = flat
        if self._pattern_of is not None:
            ids = self._pattern_of[ids]
        if self._run_tables is None or not len(ids):
            return ids, starts, ends
        return ids, leftmost.run_starts(data, ids, starts, ends, self._run_tables), ends

    def _note_density(self, reports: int, size: int) -> None:
        """A top-level buffer of `size` bytes with that many reports found dense switches to the
        bounded patterns."""
        if self._bounded_database is None and reports > DENSE_MATCHES_PER_BYTE * size:
            self._bounded_database = self._compile_hyperscan(bounded=True)

    def _hyperscan_pass(self, padded: bytes, lines: _Lines, reports: _Reports) -> _Pass:
        """What hyperscan's reports over the buffer (`padded`: between two line breaks) mean: the
        matches of the specs taken from hyperscan, the lines where the others can match, and where
        each context word occurs (character offsets). `lines` are those of the buffer."""
        import numpy as np

        specs = len(self.specs)
        starts, ends = reports
        codes = np.frombuffer(padded, dtype=np.uint8)
        newlines, continuation = lines.byte_newlines, lines.continuation

        def characters(offsets: Any) -> Any:  # byte offsets in `padded` -> character offsets there
            positions = np.asarray(offsets, dtype=np.int64)
            if continuation is None:
                return positions
            return positions - continuation.before(np.maximum(positions - 1, 0))  # `padded` has one byte more before

        found = _Pass()
        found.folding = bool(len(ends[specs + len(self._words)]))
        pieces: list[Any] = []  # byte offsets of spans and words, made characters in one call
        for index in range(specs):
            bounds = self._edges[index]
            if bounds is not None:
                reported = _int64(ends[index])
                begin = _int64(starts[index])
                if bounds.residual and len(reported):
                    chosen = leftmost.residual_ok(bounds, codes, reported)
                    begin, reported = begin[chosen], reported[chosen]
                pieces += [begin, reported]
            elif len(ends[index]):  # the line of each match's last byte
                numbers = np.searchsorted(newlines, _int64(ends[index]) - 2, side="left")
                if len(numbers) > 1 and (numbers[1:] >= numbers[:-1]).all():  # reported in order: no sort needed
                    numbers = numbers[np.concatenate(([True], numbers[1:] != numbers[:-1]))]
                else:
                    numbers = np.unique(numbers)
                found.marked[index] = numbers[numbers < lines.count].tolist()
        words = [(word, _int64(ends[specs + n])) for n, word in enumerate(self._words) if len(ends[specs + n])]
        pieces += [offsets for _, offsets in words]
        sizes = np.cumsum([len(piece) for piece in pieces])[:-1]
        converted = iter(np.split(characters(np.concatenate(pieces)), sizes) if pieces else [])
        for index, bounds in enumerate(self._edges):
            if bounds is not None:  # the characters consumed before and after each value, less the leading line break
                begin, reported = next(converted), next(converted)
                found.spans[index] = (begin, reported - 2)
        for word, _ in words:
            found.words[word] = next(converted) - 1 - len(word)
        return found

    def _compile_hyperscan(self, bounded: bool) -> hyperscan_cache.Database:
        """The database of the specs' patterns, the context words and two more (below); a spec whose
        start-of-match core runs as several expressions (`hyperscan_parts`) has them all report
        its pattern's id (`_pattern_of`: expression -> pattern id, None where they are the same); one
        whose value is a whole run of characters reports ends only (`_flags`, `_run_tables`)."""
        import numpy as np

        utf8 = hyperscan_cache.FLAG_UTF8
        while True:
            expressions, flags, owners = [], [], []
            for index, (spec, bounds) in enumerate(zip(self.specs, self._edges, strict=True)):
                parts = leftmost.expressions(spec, bounds) if bounds is not None else [_prefilter(spec, bounded)]
                expressions += [part.encode("utf-8") for part in parts]
                flags += [_flags(bounds)] * len(parts)
                owners += [index] * len(parts)
            # Pattern id len(specs) + i: context word i, each on its own so that its start is known; then
            # a character that lower-cases into ASCII letters while hyperscan's caseless match does
            # not fold it (the Kelvin sign, İ), where windows are lowered instead; the last: the
            # full-width digits and Ｘ, ｘ that `_normalise` rewrites (a log's lines holding them).
            for word in self._words:
                expressions.append(re.escape(word).encode("utf-8"))
                flags.append(utf8 | hyperscan_cache.FLAG_CASELESS)
            expressions.append(b"\\x{212A}|\\x{0130}")
            flags.append(utf8)
            expressions.append(b"[\\x{FF10}-\\x{FF19}\\x{FF38}\\x{FF58}]")
            flags.append(utf8)
            owners += range(len(self.specs), self._patterns)
            split = len(owners) > self._patterns
            self._pattern_of = np.array(owners, dtype=np.int64) if split else None
            self._run_tables = leftmost.run_tables(self._edges, self._patterns)
            try:
                return hyperscan_cache.compiled(expressions, flags)
            except hyperscan_cache.CompileError:
                failing = [
                    index
                    for index, (spec, bounds) in enumerate(zip(self.specs, self._edges, strict=True))
                    if bounds is not None
                    and not all(
                        hyperscan_cache.compiles(part.encode("utf-8"), _flags(bounds))
                        for part in leftmost.expressions(spec, bounds)
                    )
                ]
                if not failing:
                    raise
                for index in failing:  # its start-of-match form is beyond hyperscan: its lines are marked instead
                    self._edges[index] = None


# Per hyperscan pattern: the starts and ends of its reports (as the engine gave them, or int64
# numpy arrays once moved).
_Reports: TypeAlias = hyperscan_cache.Reports
# A buffer of at least SUBSET_MIN_LINES lines where values can lie on at most one line in
# SUBSET_SHARE is scanned as the buffer of those lines (decoding, normalising and finding the
# lines of the whole buffer cost more than the values do on a log).
SUBSET_MIN_LINES = 64
SUBSET_SHARE = 8


@dataclass
class _Prepared:
    """A buffer ready for `_kept`: normalised (string and UTF-8), hyperscan's reports over it
    (None: `re` alone) and what it scanned, its line breaks' byte offsets, and the buffer as
    written (`source`, `source_data`: what values are cut from); or the lines to scan instead."""

    normalised: str
    data: bytes
    reports: _Reports | None = None
    padded: bytes = b""  # the buffer between two line breaks, as hyperscan scanned it
    byte_newlines: Any = None
    source: str = ""
    source_data: bytes = b""
    subset: _Subset | None = None


@dataclass(frozen=True)
class _Subset:
    """The lines of a buffer (`data`, as written, with its line breaks `newlines`) to scan as a
    buffer of their own: their numbers (sorted), those whose reports are not moved but found
    again (`wide`: with full-width digits, or at an edge of the unpadded first pass), and hyperscan's
    reports over the buffer as written, as one set of arrays (None where they cannot be moved:
    scanned again)."""

    touched: Any
    wide: Any
    reports: hyperscan_cache.Flat | None
    data: bytes
    newlines: Any


class _Pass:
    """What one hyperscan pass found: spec index -> (starts, ends) of its candidates (character
    offsets, as reported: not yet resolved to `re`'s), spec index -> lines that can hold a match,
    context word -> character offsets where it starts."""

    def __init__(self) -> None:
        self.spans: dict[int, tuple[Any, Any]] = {}
        self.marked: dict[int, list[int]] = {}
        self.words: dict[str, Any] = {}
        self.folding = False


def _needed_words(contexts: list[tuple[str, ...]]) -> list[str]:
    """The context words to look for: a word that contains another word of every spec it serves
    (统一社会信用代码 and 信用代码, email and mail) is near wherever that one is, and is left out."""
    users: dict[str, list[tuple[str, ...]]] = {}
    for words in contexts:
        for word in words:
            users.setdefault(word, []).append(words)
    return sorted(
        word
        for word, specs in users.items()
        if not all(any(other != word and other in word for other in words) for words in specs)
    )


def _byte_newlines(data: bytes) -> Any:
    return breaks.line_breaks(data)


def _has_fullwidth(data: bytes) -> bool:
    return FULLWIDTH_BYTE.search(data) is not None  # what `_normalise` rewrites, looked for in C


def _picked(touched: Any, data: bytes, byte_newlines: Any) -> tuple[Any, str, bytes]:
    """Lines `touched` of a buffer (their numbers, sorted) as a buffer of their own: numbers, text, UTF-8."""
    import numpy as np

    starts = np.concatenate(([0], byte_newlines + 1))[touched].tolist()  # only the picked lines' bounds as ints
    ends = np.concatenate((byte_newlines, [len(data)]))[touched].tolist()
    chosen = b"\n".join([data[start:end] for start, end in zip(starts, ends, strict=True)])
    return touched, chosen.decode("utf-8"), chosen


def _distinct(values: Any) -> Any:
    """The distinct values of a 1-D integer array, sorted: what np.unique gives, by a sort and a
    comparison (numpy 2's np.unique takes ten times as long on the few thousand lines of a chunk)."""
    import numpy as np

    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _among(values: Any, chosen: Any) -> Any:
    """Per value (integers), whether it is in `chosen` (sorted, distinct): np.isin by a binary search."""
    import numpy as np

    if not len(chosen):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(chosen, values), len(chosen) - 1)
    return chosen[at] == values


def _int64(values: Any) -> Any:
    import numpy as np

    return np.asarray(values, dtype=np.int64) if len(values) else np.zeros(0, dtype=np.int64)


def _edge_lines(data: bytes, byte_newlines: Any) -> Any:
    """The lines of `data` that a pass over it alone does not see between line breaks: the first,
    and the last where no line break ends `data`."""
    import numpy as np

    return np.array([0] if data.endswith(b"\n") else [0, len(byte_newlines)], dtype=np.int64)


def _wide_lines(flat: hyperscan_cache.Flat, patterns: int, byte_newlines: Any) -> Any:
    """The lines (0-based, sorted, distinct) that hold full-width digits or Ｘ, ｘ, from the reports
    of hyperscan's pass over the buffer between two line breaks (its last pattern of `patterns`)."""
    import numpy as np

    ids, _, ends = flat
    wide = ends[ids == patterns - 1] - 4  # a three-byte character's first byte, less the leading line break
    return _distinct(np.searchsorted(byte_newlines, wide, side="left"))


def _no_spans(names: tuple[str, ...], text: str, data: bytes) -> Spans:
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    return Spans(names, empty, empty, empty, empty, np.zeros(0, dtype=float), empty, empty, text, data)


def _arrays(spans: list[tuple[int, int]]) -> tuple[Any, Any]:
    import numpy as np

    if not spans:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    edges = np.array(spans, dtype=np.int64)
    return edges[:, 0], edges[:, 1]


def _flags(bounds: leftmost.Edges | None) -> int:
    """A spec's hyperscan flags: start of match where its matches come from the reports and their
    starts do not follow from their ends (`leftmost.run_starts`)."""
    utf8 = hyperscan_cache.FLAG_UTF8
    if bounds is None:
        return utf8 | hyperscan_cache.FLAG_ALLOWEMPTY
    return utf8 if bounds.run is not None else utf8 | hyperscan_cache.FLAG_SOM_LEFTMOST


def _prefilter(spec: EntitySpec, bounded: bool) -> str:
    """What hyperscan looks for: the spec's prefilter, or its core; `bounded`, that and the rest of
    its line. Hyperscan reports a pattern once per end offset, so a line is reported once however
    many matches it holds (no prefilter reaches across a line break), where the pattern alone
    reports every offset a match can end at: one Python callback each."""
    found = spec.prefilter if spec.prefilter is not None else spec.pattern
    return f"(?:{found})[^\\n]*\\n" if bounded else found


def _resolve_overlaps(candidates: list[_InLine], priority: dict[str, int]) -> list[_InLine]:
    """Where entities claim the same characters keep the highest priority, then the longest."""
    if len(candidates) < 2:
        return candidates
    ordered = sorted(candidates, key=lambda m: m[1])
    if all(ordered[i][2] <= ordered[i + 1][1] for i in range(len(ordered) - 1)):
        return ordered  # nothing overlaps (the common case): every candidate stays
    kept: list[_InLine] = []
    for match in sorted(candidates, key=lambda m: (-priority[m[0]], -(m[2] - m[1]), m[1])):
        if all(match[2] <= other[1] or match[1] >= other[2] for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m[1])


__all__ = ["CONFIRMERS", "DEFAULT_THRESHOLD", "Backend", "Confirmer", "Found", "Match", "Scanner"]
