"""Turn a scan target (database URL, file or directory) into DataStoreEvidence."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from lendguard.detect import Scanner, mask_value
from lendguard.evidence import DataStoreEvidence, InputFingerprint, Provenance, TextFileProfile, ValueFound
from lendguard.probes.datastore import files, sql
from lendguard.probes.datastore.profile import TableSample, plaintext_pool, profile, sample_table
from lendguard.probes.errors import ProbeError
from lendguard.probes.fingerprint import RowDigest, folder_files

LOG_LINE = re.compile(
    r"^\[?\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|^\w{3} [ \d]\d \d{2}:\d{2}:\d{2}|^(?:INFO|WARN|ERROR|DEBUG)\b"
)
VALUES_KEPT = 1000
TEXT_SUFFIXES = {".log", ".txt", ".out", ".text", ".md", ""}


@dataclass(frozen=True)
class ScanOptions:
    sample_rows: int = 1000
    full: bool = False
    tables: tuple[str, ...] = ()
    show_values: bool = False
    # Called with every value found in a text file as it is found (streamed output); the evidence
    # itself keeps the first VALUES_KEPT per file and entity, and counts all of them.
    on_value: Callable[[ValueFound], None] | None = field(default=None, compare=False)

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


def _scan_text(
    path: Path, shown: str, scanner: Scanner, options: ScanOptions
) -> tuple[TextFileProfile, list[ValueFound]]:
    """Scan the file chunk by chunk (memory stays flat in its size). Every value is counted and
    passed to `options.on_value`; the evidence keeps the first VALUES_KEPT of each entity."""
    counts: Counter[str] = Counter()
    kept: list[ValueFound] = []
    base, newlines, head, last = 0, 0, "", ""
    for chunk in files.text_chunks(path):
        if not head:
            head = chunk.text[:65536]
        for line, m in scanner.scan_lines(chunk.text, data=chunk.data):
            counts[m.entity] += 1
            if counts[m.entity] > VALUES_KEPT and options.on_value is None:
                continue
            shift = chunk.column if line == 1 else 0
            value = ValueFound.model_construct(  # the scanner's output needs no validation
                entity=m.entity,
                path=shown,
                line=base + line,
                start=m.start + shift,
                end=m.end + shift,
                score=m.score,
                value=m.value if options.show_values else mask_value(m.entity, m.value),
            )
            if options.on_value is not None:
                options.on_value(value)
            if counts[m.entity] <= VALUES_KEPT:
                kept.append(value)
        found_newlines = chunk.text.count("\n")
        newlines += found_newlines
        base += found_newlines
        last = chunk.text[-1:]
    profile = TextFileProfile(
        path=shown,
        lines=newlines + (0 if last == "\n" else 1),
        is_log=_is_log(path, head),
        values_found=sum(counts.values()),
        entity_counts=dict(counts),
    )
    return profile, kept


def _hash_file(path: Path, *digests: Any) -> None:
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            for digest in digests:
                digest.update(block)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    yield from folder_files(root)


def _probe_files(target: str, scanner: Scanner, options: ScanOptions) -> DataStoreEvidence:
    root = Path(target)
    if not root.exists():
        raise ProbeError(root, "no such file or directory")
    samples: list[TableSample] = []
    text_profiles, values, warnings = [], [], []
    digest, size = hashlib.sha256(), 0
    hashes: dict[str, str] = {}
    for path in _files(root):
        shown = str(path)
        size += path.stat().st_size
        own = hashlib.sha256()
        _hash_file(path, digest, own)
        hashes[str(path.relative_to(root)) if root.is_dir() else path.name] = own.hexdigest()
        kind = files.TABLE_SUFFIXES.get(path.suffix.lower())
        try:
            if kind is not None:
                samples.append(sample_table(shown, files.table_batches(path, kind, options.row_limit), scanner))
            elif path.suffix.lower() in TEXT_SUFFIXES or root.is_file():
                text_profile, found = _scan_text(path, shown, scanner, options)
                text_profiles.append(text_profile)
                values.extend(found)
            else:
                warnings.append(f"{shown}: skipped (not a table or text file type)")
        except ProbeError as error:
            if root.is_file():
                raise
            warnings.append(str(error))
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
    scanner = scanner or Scanner()
    if _is_url(target):
        return _probe_database(target, scanner, options)
    return _probe_files(target, scanner, options)
