"""Rewrite tables and files: protect the personal-information columns a scan found, or restore them.

Databases are rewritten in place in batched transactions, keyed on the primary key. A value that
is already a token is never protected twice, so a run that was killed at any point simply runs
again and finishes with the same result. Before anything is written, every target column is
checked for room (a VARCHAR(18) cannot hold ciphertext: the migration is reported) and existing
tokens are checked against the key ring. After writing, every value is read back and restored,
and the per-column row count and SHA-256 checksum of the original values must match.
Files (CSV, JSONL, Parquet) are never changed: a protected or restored copy is written beside them.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lendguard.evidence import DataStoreEvidence
from lendguard.probes.datastore import ScanOptions, probe_datastore
from lendguard.probes.datastore import files as file_io
from lendguard.probes.datastore.sql import masked_url, with_installed_driver
from lendguard.probes.errors import ProbeError
from lendguard.protect.keys import KeyFileError, KeyRing
from lendguard.protect.operators import (
    MASK_PRESETS,
    OPERATORS,
    PREFIX,
    Operator,
    WrongKeyError,
    is_protected,
    parse,
    restore,
)

if TYPE_CHECKING:  # SQLAlchemy and pyarrow load when a database or file is protected, not with the CLI
    import pyarrow as pa
    from sqlalchemy import Engine, Table

POLICIES = {"default": "siv", "sm": "sm4", "token": "h256", "token-sm3": "hsm3"}


class ProtectError(ValueError):
    """Protection cannot go ahead; nothing was written. `details` lists what to fix."""

    def __init__(self, message: str, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


@dataclass
class ColumnReport:
    table: str
    column: str
    operator: str
    rows: int = 0
    changed: int = 0
    already: int = 0
    checksum: str = ""
    verified: bool = False


@dataclass(frozen=True)
class Target:
    table: str
    column: str
    entity: str | None


@dataclass
class _Digest:
    hasher: Any = field(default_factory=hashlib.sha256)

    def add(self, key: object, value: str | None) -> None:
        self.hasher.update(f"{key}\x1f{value}\x1e".encode())

    def hexdigest(self) -> str:
        return str(self.hasher.hexdigest())


# ------------------------------------------------------------------------------------------ planning
def plan_targets(evidence: DataStoreEvidence, columns: tuple[str, ...]) -> list[Target]:
    """The columns to protect: the named TABLE.COLUMNs, else every plaintext-PI or half-protected one."""
    if columns:
        wanted = [c.split(".", 1) if "." in c else [Path(evidence.source).name, c] for c in columns]
        known = {(t.name, c.name): c for t in evidence.tables for c in t.columns}
        found = []
        for table, column in wanted:
            match = next(((t, c) for (t, c) in known if (t == table or Path(t).name == table) and c == column), None)
            if match is None:
                raise ProtectError(f"{evidence.source}: no column {table}.{column}")
            found.append(Target(match[0], column, known[match].detail))
        return found
    # Columns already holding tokens are targets too: a run that was killed part-way left them
    # half protected, and the rest must still be done.
    chosen = [(t, c) for t in evidence.tables for c in t.columns if c.classification == "plaintext" or c.tokens]
    binary = [f"{t.name}.{c.name}" for t, c in chosen if c.binary_text]
    if binary:  # tokens are text: writing one into a BLOB (or its bytes' repr into a copy) loses the value
        raise ProtectError(
            f"{evidence.source}: {', '.join(binary)} hold personal data as binary (BLOB) cells, which protect "
            "cannot rewrite; convert them to text, or name the other columns with --column; nothing was written"
        )
    return [Target(t.name, c.name, c.detail) for t, c in chosen]


def _operator(policy: str) -> Operator:
    if policy not in POLICIES:
        raise ProtectError(f"unknown policy {policy} (choose from {', '.join([*POLICIES, *MASK_PRESETS])})")
    return OPERATORS[POLICIES[policy]]


def _check_tokens(values: Iterator[str], ring: KeyRing, where: str) -> None:
    """A token this ring cannot restore means the wrong key file: stop before writing."""
    for value in values:
        if is_protected(value):
            try:
                restore(value, ring)
            except (WrongKeyError, KeyFileError) as error:
                raise ProtectError(
                    f"{where}: existing tokens do not match this key file ({error}); nothing was written"
                ) from error
            return


# ------------------------------------------------------------------------------------------ databases
def _engine(url: str) -> Engine:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(with_installed_driver(make_url(url)))


def _primary_key(table: Table, dialect: str) -> str:
    keys = [c.name for c in table.primary_key.columns]
    if len(keys) == 1:
        return keys[0]
    if dialect == "sqlite":
        return "rowid"
    raise ProtectError(f"table {table.name} has no single-column primary key; protect needs one to update rows safely")


def _key_expression(table: Table, key: str) -> Any:
    from sqlalchemy import literal_column

    return table.c[key] if key != "rowid" else literal_column("rowid")  # SQLite's implicit key


def _migration(dialect: str, table: str, column: str, length: int) -> str:
    if dialect == "postgresql":
        return f"ALTER TABLE {table} ALTER COLUMN {column} TYPE VARCHAR({length});"
    return f"ALTER TABLE {table} MODIFY {column} VARCHAR({length});"


def _check_room(engine: Engine, tables: dict[str, Table], targets: list[Target], operator: Operator) -> None:
    from sqlalchemy import String, Text, cast, func, select

    problems = []
    with engine.connect() as connection:
        for target in targets:
            column = tables[target.table].c[target.column]
            text_form = column if isinstance(column.type, String | Text) else cast(column, String)
            longest = connection.execute(select(func.max(func.length(text_form)))).scalar() or 0
            needed = operator.max_length(int(longest))
            kind = column.type
            if engine.dialect.name == "sqlite":
                continue  # SQLite stores any text in any column
            if not isinstance(kind, String | Text):
                problems.append(
                    f"{target.table}.{target.column} is {kind}, which cannot hold tokens: "
                    f"{_migration(engine.dialect.name, target.table, target.column, needed)}"
                )
            elif (
                isinstance(kind, String)
                and not isinstance(kind, Text)
                and kind.length is not None
                and kind.length < needed
            ):
                problems.append(
                    f"{target.table}.{target.column} is VARCHAR({kind.length}) but tokens need {needed} characters: "
                    f"{_migration(engine.dialect.name, target.table, target.column, needed)}"
                )
    if problems:
        raise ProtectError(f"{len(problems)} column(s) cannot hold protected values; nothing was written", problems)


def _rewrite_table(
    engine: Engine,
    table: Table,
    key: str,
    columns: list[str],
    reports: dict[str, ColumnReport],
    transform: Any,
    batch: int,
) -> None:
    """Walk the table in primary-key order, `batch` rows per transaction, rewriting changed cells."""
    from sqlalchemy import bindparam, select, update

    key_expression = _key_expression(table, key)
    digests = {c: _Digest() for c in columns}
    statement = (
        update(table).where(key_expression == bindparam("_key")).values({c: bindparam(f"v_{c}") for c in columns})
    )
    last: Any = None
    while True:
        query = select(key_expression, *(table.c[c] for c in columns)).order_by(key_expression).limit(batch)
        if last is not None:
            query = query.where(key_expression > last)
        with engine.begin() as connection:
            rows = connection.execute(query).all()
            if not rows:
                break
            changes = []
            for row in rows:
                values = {}
                for index, name in enumerate(columns, start=1):
                    value = row[index]
                    original, new = transform(value)
                    digests[name].add(row[0], original)
                    reports[name].rows += 1
                    values[f"v_{name}"] = new
                    if new != value:
                        reports[name].changed += 1
                    elif value is not None and is_protected(str(value)):
                        reports[name].already += 1
                if any(values[f"v_{n}"] != row[i] for i, n in enumerate(columns, start=1)):
                    changes.append({"_key": row[0], **values})
            if changes:
                connection.execute(statement, changes)
            last = rows[-1][0]
    for name in columns:
        reports[name].checksum = digests[name].hexdigest()


def _verify_table(
    engine: Engine,
    table: Table,
    key: str,
    columns: list[str],
    reports: dict[str, ColumnReport],
    ring: KeyRing,
    reversible: bool,
) -> None:
    from sqlalchemy import select

    key_expression = _key_expression(table, key)
    digests = {c: _Digest() for c in columns}
    counts = dict.fromkeys(columns, 0)
    with engine.connect() as connection:
        for row in connection.execute(select(key_expression, *(table.c[c] for c in columns)).order_by(key_expression)):
            for index, name in enumerate(columns, start=1):
                value = row[index]
                counts[name] += 1
                if value is None:
                    digests[name].add(row[0], None)
                else:
                    text = str(value)
                    digests[name].add(row[0], restore(text, ring) if reversible and is_protected(text) else text)
    for name in columns:
        report = reports[name]
        report.verified = counts[name] == report.rows and (
            not reversible or digests[name].hexdigest() == report.checksum
        )


def _database(
    url: str,
    ring: KeyRing,
    targets: list[Target],
    operator: Operator | None,
    batch: int,
    restoring: bool,
    rekey: bool = False,
) -> list[ColumnReport]:
    from sqlalchemy import MetaData, String, Table, Text, select
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine(url)
    try:
        by_table: dict[str, list[str]] = {}
        for target in targets:
            by_table.setdefault(target.table, []).append(target.column)
        tables = {name: Table(name, MetaData(), autoload_with=engine) for name in by_table}
        keys = {name: _primary_key(table, engine.dialect.name) for name, table in tables.items()}
        with engine.connect() as connection:
            for target in targets:
                column = tables[target.table].c[target.column]
                if not isinstance(column.type, String | Text):
                    continue  # numbers hold no tokens (and _check_room reports them)
                sample = connection.execute(select(column).where(column.like("lg1:%")).limit(5)).scalars()
                _check_tokens((str(v) for v in sample), ring, f"{target.table}.{target.column}")
        if not restoring:
            assert operator is not None
            _check_room(engine, tables, targets, operator)
        reports: list[ColumnReport] = []
        for name, columns in by_table.items():
            label = "restore" if restoring else (operator.name if operator else "")
            column_reports = {c: ColumnReport(name, c, label) for c in columns}
            transform = _restorer(ring) if restoring else _protector(operator, ring, rekey)  # type: ignore[arg-type]
            _rewrite_table(engine, tables[name], keys[name], columns, column_reports, transform, batch)
            _verify_table(
                engine,
                tables[name],
                keys[name],
                columns,
                column_reports,
                ring,
                reversible=restoring or bool(operator and operator.reversible),
            )
            reports.extend(column_reports.values())
        return reports
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ProtectError(f"{masked_url(url)}: {message}") from error
    finally:
        engine.dispose()


def _protector(operator: Operator, ring: KeyRing, rekey: bool = False) -> Any:
    """Protect plaintext; leave tokens alone, or with `rekey` re-encrypt those made with another
    key or operator under the ring's active key."""

    def transform(value: Any) -> tuple[str | None, Any]:
        if value is None:
            return None, None
        text = str(value)
        if not is_protected(text):
            return text, operator.protect(text, ring)
        if not operator.reversible:
            return text, value
        original = restore(text, ring)
        name, key_id, _ = parse(text)
        if rekey and (key_id != ring.active or name != operator.name):
            return original, operator.protect(original, ring)
        return original, value

    return transform


def _restorer(ring: KeyRing) -> Any:
    def transform(value: Any) -> tuple[str | None, Any]:
        if value is None:
            return None, None
        text = str(value)
        if not is_protected(text):
            return text, value
        original = restore(text, ring)
        return original, original

    return transform


# ------------------------------------------------------------------------------------------ files
def _read_table(path: Path) -> pa.Table:
    import pyarrow as pa

    kind = file_io.TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ProtectError(
            f"{path}: protect rewrites CSV, JSONL and Parquet files and databases, not {path.suffix or 'this file'}"
        )
    return pa.Table.from_batches(list(file_io.table_batches(path, kind, None)))


def _source_encoding(path: Path) -> str:
    """The text encoding of a CSV as read (a BOM kept), so that its copy is written the same way."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    encoding = file_io.text_encoding(path, head)
    return "utf-8" if encoding == "utf-8-sig" and not head.startswith(codecs.BOM_UTF8) else encoding


def _write_table(table: pa.Table, path: Path, encoding: str = "utf-8") -> None:
    import pyarrow as pa
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq

    temporary = path.with_name(f".{path.name}.{os.getpid()}.partial")
    kind = file_io.TABLE_SUFFIXES[path.suffix.lower()]
    try:
        if kind == "csv":
            buffer = pa.BufferOutputStream()
            options = pa_csv.WriteOptions(delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
            pa_csv.write_csv(table, buffer, options)
            temporary.write_bytes(buffer.getvalue().to_pybytes().decode("utf-8").encode(encoding))
        elif kind == "parquet":
            pq.write_table(table, temporary)
        else:
            with temporary.open("w", encoding="utf-8") as handle:
                for row in table.to_pylist():
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        with temporary.open("rb") as handle:
            os.fsync(handle.fileno())
        temporary.replace(path)  # the copy appears whole or not at all
    finally:
        temporary.unlink(missing_ok=True)


def _refuse_overwrite(path: Path, output: Path) -> None:
    """A copy written onto its input (by name, through a symlink or as a hard link) would destroy it."""
    same = output.resolve() == path.resolve() or (output.exists() and output.samefile(path))
    if same:
        raise ProtectError(f"{output}: is the input file {path}; write the copy elsewhere, nothing was written")


def _file(
    path: Path, output: Path, ring: KeyRing, targets: list[Target], transform_for: Any, label: str, reversible: bool
) -> list[ColumnReport]:
    import pyarrow as pa

    _refuse_overwrite(path, output)
    table = _read_table(path)
    reports = []
    for target in targets:
        name = target.column
        values = [None if v is None else str(v) for v in table.column(name).to_pylist()]
        _check_tokens((v for v in values if v), ring, f"{path}:{name}")
        transform = transform_for(target)
        report = ColumnReport(Path(target.table).name, name, label)
        digest, new_values = _Digest(), []
        for row, value in enumerate(values):
            original, new = transform(value)
            digest.add(row, original)
            report.rows += 1
            report.changed += int(new != value)
            report.already += int(new == value and value is not None and is_protected(value))
            new_values.append(new)
        report.checksum = digest.hexdigest()
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(new_values, type=pa.string()))
        reports.append(report)
    _write_table(
        table, output, _source_encoding(path) if file_io.TABLE_SUFFIXES[path.suffix.lower()] == "csv" else "utf-8"
    )
    written = _read_table(output)
    for report, target in zip(reports, targets, strict=True):
        digest = _Digest()
        for row, value in enumerate(written.column(target.column).to_pylist()):
            text = None if value is None else str(value)
            digest.add(row, restore(text, ring) if reversible and text and is_protected(text) else text)
        report.verified = written.num_rows == report.rows and (not reversible or digest.hexdigest() == report.checksum)
    return reports


# ------------------------------------------------------------------------------------------ entry points
def _scan(target: str, tables: tuple[str, ...]) -> DataStoreEvidence:
    try:
        return probe_datastore(target, ScanOptions(tables=tables))
    except ProbeError as error:
        raise ProtectError(str(error)) from error


def protect_target(
    target: str,
    ring: KeyRing,
    policy: str = "default",
    tables: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
    batch: int = 1000,
    output: Path | None = None,
    rekey: bool = False,
) -> list[ColumnReport]:
    """Protect every plaintext-PI column of `target` (or the named `table.column`s); with `rekey`,
    also re-encrypt tokens made with an older key under the active one."""
    evidence = _scan(target, tables)
    targets = plan_targets(evidence, columns)
    if not targets:
        return []
    if "://" in target:
        if policy in MASK_PRESETS or not _operator(policy).reversible:
            raise ProtectError(
                f"policy {policy} is one-way; in a database it would destroy the originals. "
                "Use it on a file copy, or use the default or sm policy"
            )
        return _database(target, ring, targets, _operator(policy), batch, restoring=False, rekey=rekey)
    path = Path(target)
    if not path.is_file():
        raise ProtectError(f"{target}: protect rewrites one table file or a database, not a directory")
    output = output or path.with_name(f"{path.stem}.protected{path.suffix}")
    transform_for, label, reversible = copy_transforms(policy, ring, rekey)
    return _file(path, output, ring, targets, transform_for, label, reversible)


def copy_transforms(policy: str, ring: KeyRing, rekey: bool = False) -> tuple[Any, str, bool]:
    """How a copy's columns are rewritten under `policy` (or "restore"): (a function from a Target to
    its value transform, the operator's label, reversible?). File copies and Spark use the same."""
    if policy == "restore":
        return lambda _t: _restorer(ring), "restore", True
    if policy in MASK_PRESETS:
        preset = MASK_PRESETS[policy]

        def masker(target_column: Target) -> Any:
            return lambda v: (v, None if v is None else v if is_protected(v) else preset.apply(target_column.entity, v))

        return masker, policy, False
    operator = _operator(policy)
    return lambda _t: _protector(operator, ring, rekey), operator.name, operator.reversible


def unprotect_target(
    target: str,
    ring: KeyRing,
    tables: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
    batch: int = 1000,
    output: Path | None = None,
    manifest: Path | None = None,
) -> list[ColumnReport]:
    """Restore every token in `target`: each column holding a token anywhere (a run killed part-way
    leaves the first rows restored, so no sample decides), every column the protect `manifest`
    names, or only the named `columns`."""
    evidence = _scan(target, tables)
    if columns:
        targets = plan_targets(evidence, columns)
    else:
        named = _manifest_columns(manifest) if manifest is not None else set()
        targets = _token_columns(target, evidence, named)
    if not targets:
        return []
    if "://" in target:
        return _database(target, ring, targets, None, batch, restoring=True)
    path = Path(target)
    output = output or path.with_name(f"{path.stem}.restored{path.suffix}")
    return _file(path, output, ring, targets, *copy_transforms("restore", ring))


def _token_columns(target: str, evidence: DataStoreEvidence, named: set[tuple[str, str]]) -> list[Target]:
    """Columns that hold at least one token in any row, or that the manifest names."""

    def wanted(table: str, column: str) -> bool:
        return (Path(table).name, column) in named or (table, column) in named

    if "://" not in target:
        path = Path(target)
        if not path.is_file():
            raise ProtectError(f"{target}: unprotect restores one table file or a database, not a directory")
        table = _read_table(path)
        name = evidence.tables[0].name if evidence.tables else path.name
        return [
            Target(name, column, None)
            for column in table.column_names
            if wanted(name, column)
            or any(isinstance(v, str) and is_protected(v) for v in table.column(column).to_pylist())
        ]
    from sqlalchemy import MetaData, String, Table, Text, cast, select
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine(target)
    found = []
    try:
        with engine.connect() as connection:
            for profiled in evidence.tables:
                table = Table(profiled.name, MetaData(), autoload_with=engine)
                for column in table.columns:
                    textual = isinstance(column.type, String | Text)
                    if not textual and engine.dialect.name != "sqlite":
                        continue  # only SQLite keeps text (a token) in a column of another type
                    holds = select(column).where(cast(column, String).like(f"{PREFIX}%")).limit(1)
                    if wanted(profiled.name, column.name) or connection.execute(holds).first() is not None:
                        found.append(Target(profiled.name, column.name, None))
    except SQLAlchemyError as error:
        message = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise ProtectError(f"{masked_url(target)}: {message}") from error
    finally:
        engine.dispose()
    return found


def _manifest_document(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(document, dict) or not all(
            isinstance(c, dict) and {"table", "column", "rows", "checksum"} <= set(c) for c in document["columns"]
        ):
            raise ValueError("columns")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ProtectError(f"{path}: not a manifest written by `lendguard protect --manifest`") from error
    return document


def _manifest_columns(path: Path) -> set[tuple[str, str]]:
    return {(str(c["table"]), str(c["column"])) for c in _manifest_document(path)["columns"]}


def write_manifest(path: Path, target: str, ring: KeyRing, reports: list[ColumnReport]) -> None:
    """What was protected and the checksum of the original values, for `unprotect --manifest`."""
    document = {
        "target": masked_url(target) if "://" in target else target,
        "key_ids": sorted(ring.keys),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "columns": [asdict(r) for r in reports],
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def check_manifest(path: Path, reports: list[ColumnReport]) -> list[str]:
    """Columns whose restored checksum or row count differs from the manifest written at protect time."""
    recorded = {(c["table"], c["column"]): c for c in _manifest_document(path)["columns"]}
    problems = []
    for report in reports:
        before = recorded.get((report.table, report.column))
        if before is None:
            continue
        if before["rows"] != report.rows or before["checksum"] != report.checksum:
            problems.append(
                f"{report.table}.{report.column}: {report.rows} rows, checksum {report.checksum[:12]} "
                f"≠ manifest {before['rows']} rows, {before['checksum'][:12]}"
            )
    return problems
