"""Fingerprint inputs while they are read, and re-read them later to name what changed.

Files are fingerprinted by SHA-256, a folder by the SHA-256 of each of its files, a database by a
digest per table that the scan feeds with the very batches it profiles (`RowDigest.tap`), so no
second pass over the data is needed: schema, rows read and an order-independent digest of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lendguard.evidence import InputFingerprint, TableDigest
from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:
    import pyarrow as pa

_MODULUS = 1 << 256


def _encode(value: Any) -> bytes:
    if value is None:
        return b"n"
    if isinstance(value, bytes):
        return b"b%d:" % len(value) + value
    text = str(value).encode("utf-8", "surrogatepass")
    return b"%s%d:" % (type(value).__name__.encode()[:1], len(text)) + text


class RowDigest:
    """Order-independent digest of a table's rows (a sum of per-row SHA-256 modulo 2^256, so
    duplicate rows count), fed with Arrow batches from whatever loop reads the table."""

    def __init__(self, columns: Sequence[str] = ()) -> None:
        self.columns = tuple(columns)
        self.rows = 0
        self._sum = 0

    def update(self, batch: pa.RecordBatch) -> None:
        if not self.columns:
            self.columns = tuple(f"{f.name} {f.type}" for f in batch.schema)
        total = self._sum
        for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            total += int.from_bytes(hashlib.sha256(b"\x1f".join(map(_encode, row))).digest())
        self._sum = total % _MODULUS
        self.rows += batch.num_rows

    def tap(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        """Pass the batches through unchanged, digesting each on the way."""
        for batch in batches:
            self.update(batch)
            yield batch

    def result(self, table: str, row_limit: int | None) -> TableDigest:
        digest = hashlib.sha256("\x1f".join(self.columns).encode("utf-8"))
        digest.update(b"|%d|" % self.rows + self._sum.to_bytes(32))
        sample = None
        if row_limit is not None and self.rows >= row_limit:
            sample = f"the first {row_limit} rows in the database's own order (no ORDER BY); rows past them are not fingerprinted"
        return TableDigest(table=table, columns=self.columns, rows=self.rows, digest=digest.hexdigest(), sample=sample)


def file_sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_fingerprint(path: Path, shown: str) -> InputFingerprint | None:
    digest = file_sha256(path)
    return None if digest is None else InputFingerprint(path=shown, kind="file", sha256=digest)


def folder_files(root: Path) -> Iterator[Path]:
    """The files of a folder a scan reads: every regular file below it, hidden ones and symbolic
    links that lead out of the folder excepted."""
    inside = root.resolve()
    for path in sorted(root.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if not path.resolve().is_relative_to(inside):
            continue
        yield path


def local_target(value: str, base: Path) -> str:
    """A path of a manifest, a relative SQLite URL's too, taken relative to the manifest's folder."""
    if value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
        return "sqlite:///" + str((base / value.removeprefix("sqlite:///")).resolve())
    return value if "://" in value or value.startswith(("hive:", "jdbc:")) else str(base / value)


def _label(fingerprint: InputFingerprint) -> str:
    path = fingerprint.path
    return Path(path.split("///", 1)[1]).name if path.startswith("sqlite:///") else path


def _recheck_database(fingerprint: InputFingerprint, base: Path) -> list[str]:
    from lendguard.probes.datastore import sql

    label = _label(fingerprint)
    then = {t.table: t for t in fingerprint.tables}
    try:
        with sql.read_only(local_target(fingerprint.path, base)) as (connection, _kind):
            names = sql.table_names(connection, None, label)
            now: dict[str, TableDigest] = {}
            for name in names if not fingerprint.only_tables else [n for n in names if n in then]:
                digest = RowDigest(sql.column_types(connection, name))
                for batch in sql.table_batches(connection, name, fingerprint.sample_rows):
                    digest.update(batch)
                now[name] = digest.result(name, fingerprint.sample_rows)
    except ProbeError as error:
        return [f"{label}: cannot be read again ({error.problem})"]
    problems = [f"{label}: table {name} missing" for name in then if name not in now]
    problems += [f"{label}: table {name} added" for name in now if name not in then]
    for name, old in then.items():
        new = now.get(name)
        if new is None or new.digest == old.digest:
            continue
        if new.columns != old.columns:
            problems.append(f"{label}: table {name} schema changed")
        elif new.rows != old.rows:
            problems.append(f"{label}: table {name} rows changed ({old.rows} → {new.rows})")
        else:
            problems.append(f"{label}: table {name} content changed")
    return problems


def recheck(fingerprint: InputFingerprint, base: Path) -> list[str]:
    """What changed in one input since it was fingerprinted (empty: unchanged)."""
    if fingerprint.kind == "database":
        return _recheck_database(fingerprint, base)
    path = Path(fingerprint.path) if Path(fingerprint.path).is_absolute() else base / fingerprint.path
    if fingerprint.kind == "file":
        digest = file_sha256(path)
        if digest is None:
            return [f"{fingerprint.path}: missing (looked in {base})"]
        return [] if digest == fingerprint.sha256 else [f"{fingerprint.path}: changed since the inspection"]
    if not path.is_dir():
        return [f"{fingerprint.path}: folder missing (looked in {base})"]
    now = {str(p.relative_to(path)): file_sha256(p) for p in folder_files(path)}
    problems = [f"{fingerprint.path}/{name}: missing" for name in fingerprint.files if name not in now]
    problems += [f"{fingerprint.path}/{name}: added" for name in now if name not in fingerprint.files]
    problems += [
        f"{fingerprint.path}/{name}: changed since the inspection"
        for name, digest in fingerprint.files.items()
        if name in now and now[name] != digest
    ]
    return problems
