"""Arrow-batch entry points that Spark's mapInArrow runs on the executors.

They call the very functions the local engine uses (`scan_batch` and `combine` for the scan, the protect
operators for protect/unprotect) and import nothing from pyspark, so they run, and are tested,
the same with or without a cluster. Every input batch carries two ordering columns added by the
driver: the file a row came from and the start of its split (`_metadata`), or the Spark partition
for sources without files. A partition may hold several splits; each becomes its own partial, and
the driver merges the partials in (file, split) order, which is the order the local engine reads.
"""

from __future__ import annotations

import hashlib
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, cast

import pyarrow as pa

from lendguard.detect import Scanner
from lendguard.probes.datastore.profile import TableSample, combine, scan_batch
from lendguard.protect.keys import KeyRing, load_keyring
from lendguard.protect.operators import is_protected, restore
from lendguard.protect.rewrite import Target, copy_transforms

FILE, SPLIT = "_lg_file", "_lg_split"
PARTIAL_SCHEMA = pa.schema([("file", pa.string()), ("split", pa.int64()), ("sample", pa.binary())])
PARTIAL_DDL = "file string, split long, sample binary"
MODULUS = 1 << 256


@cache
def _scanner() -> Scanner:
    return Scanner()


@cache
def _ring(key_file: str | None) -> KeyRing:
    """The key ring read on the executor from a file it can see (a mounted secret), never shipped."""
    return load_keyring(Path(key_file) if key_file else None)


def _segments(batch: pa.RecordBatch) -> Iterator[tuple[tuple[str, int], pa.RecordBatch]]:
    """Runs of consecutive rows from one split, without the ordering columns."""
    files = batch.column(FILE).to_pylist()
    splits = batch.column(SPLIT).to_pylist()
    data = batch.drop_columns([FILE, SPLIT])
    start = 0
    for index in range(1, len(files) + 1):
        if index == len(files) or (files[index], splits[index]) != (files[start], splits[start]):
            yield (files[start] or "", int(splits[start] or 0)), data.slice(start, index - start)
            start = index


# ------------------------------------------------------------------------------------------ scan
def first_rows(counts: Iterable[tuple[str, int, int]], limit: int) -> dict[tuple[str, int], int]:
    """How many rows of each split, in (file, split) order, make up the first `limit` rows of the
    dataset: the rows the local engine's sample reads, so that a sampled scan is the same on Spark."""
    quotas: dict[tuple[str, int], int] = {}
    left = limit
    for file, split, rows in sorted(counts):
        if left <= 0:
            break
        quotas[(file, split)] = min(rows, left)
        left -= quotas[(file, split)]
    return quotas


def scan_partition(
    batches: Iterable[pa.RecordBatch], table: str, quotas: dict[tuple[str, int], int] | None = None
) -> Iterator[pa.RecordBatch]:
    """mapInArrow: the local engine's `scan_batch` on every batch, merged per split; one partial per split.
    With `quotas` only the first rows of each split named there are scanned (a sampled scan)."""
    partials: dict[tuple[str, int], TableSample] = {}
    taken: Counter[tuple[str, int]] = Counter()
    for batch in batches:
        for key, rows in _segments(batch):
            if quotas is not None:
                rows = rows.slice(0, max(0, quotas.get(key, 0) - taken[key]))
                taken[key] += rows.num_rows
                if rows.num_rows == 0:
                    continue
            partial = scan_batch(rows, table, _scanner())
            if key in partials:
                partials[key].merge(partial)
            else:
                partials[key] = partial
    if partials:
        # pickle: the partials travel only between this job's own executors and its driver, as
        # Spark's own task results do
        yield pa.RecordBatch.from_pydict(
            {
                "file": [key[0] for key in partials],
                "split": [key[1] for key in partials],
                "sample": [pickle.dumps(p, protocol=pickle.HIGHEST_PROTOCOL) for p in partials.values()],
            },
            schema=PARTIAL_SCHEMA,
        )


def combine_partials(table: str, partials: Iterable[tuple[str, int, bytes]]) -> TableSample:
    """The driver's step: the local engine's `combine` over the partials in (file, split) order,
    the order in which the local engine reads the same rows."""
    ordered = sorted(partials, key=lambda p: (p[0], p[1]))
    return combine((pickle.loads(data) for _, _, data in ordered), table)


# ------------------------------------------------------------------------------------------ protect
def _text(value: object) -> str | None:
    return None if value is None else str(value)


def policy_transform(
    policy: str, entities: dict[str, str | None], rekey: bool, column: str, ring: KeyRing
) -> Callable[[Any], tuple[str | None, Any]]:
    """The local file copy's transform of one column under `policy` ("restore" to unprotect)."""
    transform_for, _, _ = copy_transforms(policy, ring, rekey)
    return cast(Callable[[Any], tuple[str | None, Any]], transform_for(Target("", column, entities.get(column))))


def transform_partition(
    batches: Iterable[pa.RecordBatch],
    columns: tuple[str, ...],
    make_transform: Callable[[str, KeyRing], Callable[[Any], tuple[str | None, Any]]],
    key_file: str | None,
) -> Iterator[pa.RecordBatch]:
    """mapInArrow: rewrite the named columns, as strings, with the local protect/restore transforms."""
    ring = _ring(key_file)
    transforms = {name: make_transform(name, ring) for name in columns}
    for batch in batches:
        arrays = []
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            if name in transforms:
                transform = transforms[name]
                column = pa.array([transform(_text(v))[1] for v in column.to_pylist()], type=pa.string())
            arrays.append(column)
        yield pa.RecordBatch.from_arrays(arrays, names=batch.schema.names)


STATS_DDL = "partition string, column string, rows long, tokens long, checksum string"
STATS_SCHEMA = pa.schema(
    [
        ("partition", pa.string()),
        ("column", pa.string()),
        ("rows", pa.int64()),
        ("tokens", pa.int64()),
        ("checksum", pa.string()),
    ]
)
WHOLE_ROW = ""  # the column name under which whole rows are counted and summed


def _value_hash(column: str, value: str | None) -> int:
    return int.from_bytes(hashlib.sha256(f"{column}\x1f{value}\x1e".encode()).digest(), "big")


def stats_partition(
    batches: Iterable[pa.RecordBatch],
    partition_columns: tuple[str, ...],
    restored: tuple[str, ...],
    key_file: str | None,
) -> Iterator[pa.RecordBatch]:
    """mapInArrow: per dataset partition (name=value/…), the rows, and per column the tokens and an
    order-independent checksum of the values (the sum of their SHA-256 mod 2^256, a multiset digest),
    also over whole rows; tokens in the `restored` columns are restored first. The driver adds them up."""
    ring = _ring(key_file) if restored else None
    sums: dict[tuple[str, str], int] = {}
    rows: Counter[tuple[str, str]] = Counter()
    tokens: Counter[tuple[str, str]] = Counter()
    for batch in batches:
        names = batch.schema.names
        raw = {name: [_text(v) for v in batch.column(name).to_pylist()] for name in names}
        values = dict(raw)
        for name in restored:
            assert ring is not None
            values[name] = [restore(v, ring) if v is not None and is_protected(v) else v for v in raw[name]]
        data = [n for n in names if n not in partition_columns]
        for row in range(batch.num_rows):
            partition = "/".join(f"{n}={values[n][row]}" for n in partition_columns)
            whole = hashlib.sha256()
            for name in data:
                digest = _value_hash(name, values[name][row])
                sums[(partition, name)] = (sums.get((partition, name), 0) + digest) % MODULUS
                whole.update(digest.to_bytes(32, "big"))
                token = raw[name][row]
                tokens[(partition, name)] += token is not None and is_protected(token)
            key = (partition, WHOLE_ROW)
            sums[key] = (sums.get(key, 0) + int.from_bytes(whole.digest(), "big")) % MODULUS
            rows[key] += 1
    keys = sorted(sums)
    yield pa.RecordBatch.from_pydict(
        {
            "partition": [k[0] for k in keys],
            "column": [k[1] for k in keys],
            "rows": [rows[k] for k in keys],
            "tokens": [tokens[k] for k in keys],
            "checksum": [f"{sums[k]:064x}" for k in keys],
        },
        schema=STATS_SCHEMA,
    )


def add_stats(partials: Iterable[tuple[str, str, int, int, str]]) -> dict[str, dict[str, Any]]:
    """Per partition: rows and per column {"checksum", "tokens"} (WHOLE_ROW: every column of a row),
    from stats_partition's partials."""
    result: dict[str, dict[str, Any]] = {}
    for partition, column, rows, tokens, checksum in partials:
        entry = result.setdefault(partition, {"rows": 0, "columns": {}})
        entry["rows"] += rows
        kept = entry["columns"].setdefault(column, {"checksum": "0" * 64, "tokens": 0})
        kept["checksum"] = f"{(int(kept['checksum'], 16) + int(checksum, 16)) % MODULUS:064x}"
        kept["tokens"] += tokens
    return dict(sorted(result.items()))
