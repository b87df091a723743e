"""Turn a scan target (database URL, file or directory) into DataStoreEvidence."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from lendguard.detect import Scanner, arrow
from lendguard.detect.columns import Columns, Spans
from lendguard.detect.entities import RECORD_ENTITIES
from lendguard.detect.mask import mask_columns
from lendguard.evidence import DataStoreEvidence, InputFingerprint, Provenance, TextFileProfile, ValueFound
from lendguard.probes.datastore import files, sql
from lendguard.probes.datastore.profile import TableSample, combine, plaintext_pool, profile, sample_table
from lendguard.probes.errors import ProbeError
from lendguard.probes.fingerprint import RowDigest, folder_files

if TYPE_CHECKING:  # the process pool (multiprocessing) is imported by a scan with --jobs only
    from concurrent.futures import Executor, Future

LOG_LINE = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|^\w{3} [ \d]\d \d{2}:\d{2}:\d{2}|^(?:INFO|WARN|ERROR|DEBUG)\b"
)
VALUES_KEPT = 1000
PART_BYTES = 1 << 24  # smallest byte range of a text file given to one worker
TEXT_SUFFIXES = {".log", ".txt", ".out", ".text", ".md", ""}


@dataclass(frozen=True)
class ScanOptions:
    sample_rows: int = 1000
    full: bool = False
    tables: tuple[str, ...] = ()
    show_values: bool = False
    # Called with the path shown and the values found in a text file as they are found, as columns
    # (detect.columns.Columns: the fields of ValueFound, a chunk at a time; streamed output); the
    # evidence keeps the first VALUES_KEPT per file and entity, and counts all.
    on_values: Callable[[str, Columns], None] | None = field(default=None, compare=False)
    # Worker processes: text files (many files, large ones split at line breaks) and table files (a
    # full Parquet scan split by row groups), results folded in order.
    jobs: int = 1
    prose_names: bool = True  # names in running text too; False: record shapes only (detect.entities.RECORD_ENTITIES)

    @property
    def row_limit(self) -> int | None:
        return None if self.full else self.sample_rows


def _is_url(target: str) -> bool:
    return "://" in target


def _provenance(source: str, digest: str, size: int) -> Provenance:
    return Provenance(
        path=source,
        sha256=digest,
        size=size,
        tool="lendguard-scan",
        tool_version=version("lendguard"),
        collected_at=datetime.now(UTC),
    )


def _is_log(path: Path, text: str) -> bool:
    if path.suffix == ".log" or "log" in path.name.lower():
        return True
    head = [line for line in text.splitlines()[:20] if line.strip()]
    return bool(head) and sum(1 for line in head if LOG_LINE.match(line)) / len(head) >= 0.5


@dataclass
class _Part:
    """What one byte range of a text file holds: the fields of its first VALUES_KEPT values per
    entity, all its values as columns per chunk when they are streamed, counts per entity, line
    breaks, last character and head."""

    records: list[dict[str, Any]] = field(default_factory=list)
    streamed: list[Columns] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    newlines: int = 0
    last: str = ""
    head: str = ""
    error: str | None = None


def _shown(spans: Spans, show_values: bool, base: int, shift: int) -> Columns:
    """A chunk's values as the file's columns: line numbers counted from the file's (range's)
    start, offsets on a line cut at the chunk's start counted from the line's start, values masked."""
    import numpy as np

    moved = np.where(spans.lines == 1, shift, 0) if shift else 0
    values = spans.values()
    return Columns(
        spans.names,
        spans.lines + base,
        spans.kinds,
        spans.starts + moved,
        spans.ends + moved,
        spans.scores,
        values if show_values else mask_columns(spans.names, spans.kinds, values),
    )


def _first(kinds: Any, names: tuple[str, ...], counts: Counter[str]) -> Any:
    """The rows of each entity that come before its first VALUES_KEPT values (`counts`: those of
    the chunks before), in order."""
    import numpy as np

    rows = [
        np.flatnonzero(kinds == kind)[: VALUES_KEPT - counts[names[kind]]]
        for kind in np.flatnonzero(np.bincount(kinds)).tolist()  # the kinds present (np.unique is slower)
        if counts[names[kind]] < VALUES_KEPT
    ]
    return np.sort(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.int64)


def _scan_range(
    path: Path,
    shown: str,
    scanner: Scanner,
    show_values: bool,
    span: tuple[int, int | None] = (0, None),
    on_values: Callable[[str, Columns], None] | None = None,
    keep_all: bool = False,
    on_bytes: Callable[[bytes], None] | None = None,
) -> _Part:
    """Scan bytes [start, end) of a text file (from a line start) chunk by chunk; memory stays flat.
    The values of each chunk go to `on_values` as columns (and to the part with `keep_all`), with
    no Python object per value; the first VALUES_KEPT per entity are kept as fields. `on_bytes`
    sees every byte read, in order (the file's digests)."""
    part = _Part()
    for chunk in files.text_chunks(path, start=span[0], end=span[1], on_bytes=on_bytes):
        if not part.head:
            part.head = chunk.head(65536)
        if chunk.data is not None:  # UTF-8: decoded only where the scanner needs it
            spans = scanner.scan_columns(chunk.decoded, data=chunk.data, byte_newlines=chunk.byte_newlines)
        else:
            spans = scanner.scan_columns(chunk.text)
        if len(spans):
            _add_chunk(part, spans, shown, show_values, chunk.column, on_values, keep_all)
        del spans  # not held (with the chunk's text) while the next chunk is scanned
        part.newlines += chunk.newlines
        part.last = chunk.last or part.last
    return part


def _add_chunk(
    part: _Part,
    spans: Spans,
    shown: str,
    show_values: bool,
    shift: int,
    on_values: Callable[[str, Columns], None] | None,
    keep_all: bool,
) -> None:
    """A chunk's values: streamed as columns, the first VALUES_KEPT per entity kept as fields, all
    counted. `shift`: where the chunk's first line starts within its line (a cut over-long line)."""
    base, counts = part.newlines, part.counts
    rows = _first(spans.kinds, spans.names, counts)
    columns = None
    if on_values is not None or keep_all:
        columns = _shown(spans, show_values, base, shift)
        if on_values is not None:
            on_values(shown, columns)
        if keep_all:
            part.streamed.append(columns)
    if len(rows):  # their fields from the columns shown (values masked in bulk), else from those rows alone
        kept = (
            _rows(columns, rows) if columns is not None else _shown(_span_rows(spans, rows), show_values, base, shift)
        )
        part.records += _fields(kept, shown)
    counts.update(_counted(spans.kinds, spans.names))


def _counted(kinds: Any, names: tuple[str, ...]) -> dict[str, int]:
    """How many values of each entity, in the order each first occurs (the order of the evidence's
    counts): one search for the first row per entity present, not a Python list of the rows."""
    import numpy as np

    found = np.bincount(kinds)
    present = np.flatnonzero(found).tolist()
    firsts = [int(np.argmax(kinds == kind)) for kind in present]
    return {names[kind]: int(found[kind]) for _, kind in sorted(zip(firsts, present, strict=True))}


def _rows(columns: Columns, rows: Any) -> Columns:
    """The values `rows` of a chunk's columns."""
    return Columns(
        columns.names,
        columns.lines[rows],
        columns.kinds[rows],
        columns.starts[rows],
        columns.ends[rows],
        columns.scores[rows],
        columns.values.take(arrow.integers(rows)),
    )


def _span_rows(spans: Spans, rows: Any) -> Spans:
    """The values `rows` (sorted) of what the scanner found in a chunk."""
    return replace(
        spans,
        lines=spans.lines[rows],
        kinds=spans.kinds[rows],
        starts=spans.starts[rows],
        ends=spans.ends[rows],
        scores=spans.scores[rows],
        at=spans.at[rows],
        to=spans.to[rows],
    )


def _fields(columns: Columns, shown: str) -> list[dict[str, Any]]:
    """The fields of ValueFound of each value of `columns` (in `shown`)."""
    return [
        {
            "entity": columns.names[kind],
            "path": shown,
            "line": line,
            "start": start,
            "end": end,
            "score": score,
            "value": value,
        }
        for kind, line, start, end, score, value in zip(
            columns.kinds.tolist(),
            columns.lines.tolist(),
            columns.starts.tolist(),
            columns.ends.tolist(),
            columns.scores.tolist(),
            columns.values.to_pylist(),
            strict=True,
        )
    ]


def _text_profile(
    path: Path, shown: str, parts: Iterable[_Part], on_values: Callable[[str, Columns], None] | None
) -> tuple[TextFileProfile, list[ValueFound]]:
    """Fold a file's parts in order (line numbers continue across them); `on_values` gets the
    values of the parts that were streamed, in order. The evidence keeps the first VALUES_KEPT
    values per entity."""
    counts: Counter[str] = Counter()
    kept: list[dict[str, Any]] = []
    taken: Counter[str] = Counter()
    base, last, head = 0, "", None
    for part in parts:
        if part.error is not None:
            raise ProbeError(path, part.error)
        head = part.head if head is None else head
        if on_values is not None:
            for columns in part.streamed:
                on_values(shown, replace(columns, lines=columns.lines + base))
        for fields in part.records:
            taken[fields["entity"]] += 1
            if taken[fields["entity"]] <= VALUES_KEPT:
                fields["line"] += base
                kept.append(fields)
        counts.update(part.counts)
        base += part.newlines
        last = part.last or last
    profile = TextFileProfile(
        path=shown,
        lines=base + (0 if last == "\n" else 1),
        is_log=_is_log(path, head or ""),
        values_found=sum(counts.values()),
        entity_counts=dict(counts),
    )
    return profile, _value_list().validate_python(kept)


@cache
def _value_list() -> TypeAdapter[list[ValueFound]]:
    """Validates a file's kept values in one call into pydantic-core: a quarter less time than one
    model_validate each (which takes half the time of model_construct)."""
    return TypeAdapter(list[ValueFound])


def _scan_text(
    path: Path, shown: str, scanner: Scanner, options: ScanOptions, on_bytes: Callable[[bytes], None] | None = None
) -> tuple[TextFileProfile, list[ValueFound]]:
    """One process: values stream out as they are found; `on_bytes` sees every byte read."""
    part = _scan_range(path, shown, scanner, options.show_values, on_values=options.on_values, on_bytes=on_bytes)
    return _text_profile(path, shown, [part], None)


@cache
def _worker_scanner(prose_names: bool = True) -> Scanner:
    return Scanner() if prose_names else Scanner(entities=RECORD_ENTITIES)


def _scan_part(task: tuple[str, str, int, int | None, bool, bool, bool]) -> _Part:
    """One byte range in a worker process (module-level so it pickles)."""
    path, shown, start, end, show_values, keep_all, prose_names = task
    try:
        scanner = _worker_scanner(prose_names)
        return _scan_range(Path(path), shown, scanner, show_values, (start, end), keep_all=keep_all)
    except ProbeError as error:
        return _Part(error=error.problem)


def line_ranges(path: Path, jobs: int) -> list[tuple[int, int | None]]:
    """About four byte ranges per worker (PART_BYTES at least), each starting at a line start."""
    size = path.stat().st_size
    step = max(PART_BYTES, size // (jobs * 4) + 1)
    cuts = [0]
    with path.open("rb") as handle:
        for nominal in range(step, size, step):
            if nominal <= cuts[-1]:
                continue
            handle.seek(nominal)
            newline = handle.read(1 << 20).find(b"\n")
            if newline >= 0 and nominal + newline + 1 < size:
                cuts.append(nominal + newline + 1)
    return list(zip(cuts, [*cuts[1:], None], strict=True))


def _parallel_parts(paths: list[Path], options: ScanOptions, pool: Executor) -> dict[Path, list[Future[_Part]]]:
    """Submit every range of every text file; each file's parts come back in order."""
    stream = options.on_values is not None
    return {
        path: [
            pool.submit(
                _scan_part, (str(path), str(path), start, end, options.show_values, stream, options.prose_names)
            )
            for start, end in line_ranges(path, options.jobs)
        ]
        for path in paths
    }


def _sample_part(task: tuple[str, str, str, int | None, tuple[int, ...] | None, bool]) -> TableSample | str:
    """One table file, or some row groups of a Parquet file, in a worker process: its partial
    statistics, or the problem that stopped the read."""
    path, shown, kind, row_limit, row_groups, prose_names = task
    scanner = _worker_scanner(prose_names)
    try:
        return sample_table(shown, files.table_batches(Path(path), kind, row_limit, row_groups), scanner)
    except ProbeError as error:
        return error.problem


def _table_tasks(path: Path, options: ScanOptions) -> list[tuple[int, ...] | None]:
    """The row groups each worker reads: a full scan of a Parquet file is split into about two
    runs of row groups per worker; any other table is read by one worker from its start."""
    groups = files.parquet_row_groups(path) if path.suffix.lower() == ".parquet" and options.full else 0
    if groups < 2:
        return [None]
    runs = min(groups, options.jobs * 2)
    cuts = [groups * i // runs for i in range(runs + 1)]
    return [tuple(range(cuts[i], cuts[i + 1])) for i in range(runs)]


def _parallel_tables(paths: list[Path], options: ScanOptions, pool: Executor) -> dict[Path, list[Future[Any]]]:
    """Submit every table file (a full Parquet scan by row groups); the parts come back in order."""
    return {
        path: [
            pool.submit(
                _sample_part,
                (
                    str(path),
                    str(path),
                    files.TABLE_SUFFIXES[path.suffix.lower()],
                    options.row_limit,
                    groups,
                    options.prose_names,
                ),
            )
            for groups in _table_tasks(path, options)
        ]
        for path in paths
    }


class _Hashing:
    """Digests fed a file's bytes as the scan reads them (the file is read once), then `rest`: the
    bytes the scan did not read (all of them where it stopped early or read none)."""

    def __init__(self, *digests: Any) -> None:
        self.digests = digests
        self.fed = 0
        self.whole = False  # `rest` has read to the end

    def __call__(self, block: bytes) -> None:
        for digest in self.digests:
            digest.update(block)
        self.fed += len(block)

    def rest(self, path: Path) -> None:
        if self.whole:
            return
        with path.open("rb") as handle:
            handle.seek(self.fed)
            while block := handle.read(1 << 20):
                self(block)
        self.whole = True


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    yield from folder_files(root)


def _probe_files(target: str, scanner: Scanner, options: ScanOptions) -> DataStoreEvidence:
    root = Path(target)
    if not root.exists():
        raise ProbeError(root, "no such file or directory")
    paths = list(_files(root))
    texts = [
        p
        for p in paths
        if p.suffix.lower() not in files.TABLE_SUFFIXES and (p.suffix.lower() in TEXT_SUFFIXES or root.is_file())
    ]
    tables = [p for p in paths if p.suffix.lower() in files.TABLE_SUFFIXES]
    with ExitStack() as stack:
        parts: dict[Path, list[Future[_Part]]] = {}
        table_parts: dict[Path, list[Future[Any]]] = {}
        if options.jobs > 1 and (texts or tables):  # across worker processes, folded in order
            from concurrent.futures import ProcessPoolExecutor

            pool = stack.enter_context(ProcessPoolExecutor(max_workers=options.jobs))
            parts = _parallel_parts(texts, options, pool)
            table_parts = _parallel_tables(tables, options, pool)
        evidence = _probe_paths(root, paths, parts, table_parts, scanner, options)
    return evidence


def _combined(path: Path, shown: str, futures: list[Future[Any]]) -> TableSample:
    partials = [future.result() for future in futures]
    problem = next((part for part in partials if isinstance(part, str)), None)
    if problem is not None:
        raise ProbeError(path, problem)
    return combine(partials, table=shown)


def _probe_paths(
    root: Path,
    paths: list[Path],
    parts: dict[Path, list[Future[_Part]]],
    table_parts: dict[Path, list[Future[Any]]],
    scanner: Scanner,
    options: ScanOptions,
) -> DataStoreEvidence:
    samples: list[TableSample] = []
    text_profiles, values, warnings = [], [], []
    digest, size = hashlib.sha256(), 0
    hashes: dict[str, str] = {}
    folder = root.is_dir()
    for path in paths:
        shown = str(path)
        size += path.stat().st_size
        own = hashlib.sha256()
        if not folder:  # one file: its digest is the target's
            digest = own
        hashing = _Hashing(digest, own) if folder else _Hashing(own)
        kind = files.TABLE_SUFFIXES.get(path.suffix.lower())
        if kind is not None or path in parts:  # read by pyarrow or a worker: hashed first (while workers scan)
            hashing.rest(path)
        try:
            if kind is not None and path in table_parts:
                samples.append(_combined(path, shown, table_parts[path]))
            elif kind is not None:
                samples.append(sample_table(shown, files.table_batches(path, kind, options.row_limit), scanner))
            elif path.suffix.lower() in TEXT_SUFFIXES or root.is_file():
                if path in parts:
                    done = (future.result() for future in parts[path])
                    text_profile, found = _text_profile(path, shown, done, options.on_values)
                else:  # hashed as the scan reads it
                    text_profile, found = _scan_text(path, shown, scanner, options, hashing)
                text_profiles.append(text_profile)
                values.extend(found)
            else:
                warnings.append(f"{shown}: skipped (not a table or text file type)")
        except ProbeError as error:
            if root.is_file():
                raise
            warnings.append(str(error))
        hashing.rest(path)  # what the scan did not read (all of a skipped file, the rest of an unreadable one)
        hashes[str(path.relative_to(root)) if folder else path.name] = own.hexdigest()
    if root.is_dir() and not samples and not text_profiles:
        raise ProbeError(root, "no CSV, JSONL, Parquet, text or log file in this directory")
    pool = plaintext_pool(samples)
    store = "directory" if root.is_dir() else files.TABLE_SUFFIXES.get(root.suffix.lower(), "text")
    read = (
        InputFingerprint(path=str(root), kind="folder", files=hashes)
        if root.is_dir()
        else InputFingerprint(path=str(root), kind="file", sha256=next(iter(hashes.values())))
    )
    return DataStoreEvidence(
        provenance=_provenance(str(root), digest.hexdigest(), size),
        store=store,
        source=str(root),
        tables=tuple(profile(s, options.full, pool, options.show_values) for s in samples),
        text_files=tuple(text_profiles),
        values=tuple(values),
        warnings=tuple(warnings),
        fingerprint=read,
    )


def _probe_database(target: str, scanner: Scanner, options: ScanOptions) -> DataStoreEvidence:
    shown = sql.masked_url(target)
    with sql.read_only(target) as (connection, kind):
        names = sql.table_names(connection, list(options.tables) or None, shown)
        samples, digests = [], []
        for name in names:
            digest = RowDigest(sql.column_types(connection, name))
            batches = digest.tap(sql.table_batches(connection, name, options.row_limit))
            samples.append(sample_table(name, batches, scanner))
            digests.append(digest.result(name, options.row_limit))
    pool = plaintext_pool(samples)
    fingerprint = hashlib.sha256(f"{shown}|{','.join(names)}".encode()).hexdigest()
    return DataStoreEvidence(
        provenance=_provenance(shown, fingerprint, sum(s.rows for s in samples)),
        store=kind,
        source=shown,
        tables=tuple(profile(s, options.full, pool, options.show_values) for s in samples),
        fingerprint=InputFingerprint(
            path=shown,
            kind="database",
            tables=tuple(digests),
            sample_rows=options.row_limit,
            only_tables=tuple(options.tables),
        ),
    )


def probe_datastore(
    target: str, options: ScanOptions | None = None, scanner: Scanner | None = None
) -> DataStoreEvidence:
    """Scan one target; raises ProbeError (one line: what and why) when it cannot be read."""
    options = options or ScanOptions()
    scanner = scanner or _worker_scanner(options.prose_names)
    if _is_url(target):
        return _probe_database(target, scanner, options)
    return _probe_files(target, scanner, options)
