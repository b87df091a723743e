"""Read files as Arrow batches (CSV, JSONL, Parquet) or as decoded text (logs, plain text)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:  # pyarrow loads when a table file is read, not with the CLI
    import pyarrow as pa

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
BLOCK = 1 << 22


def _encoding(path: Path, head: bytes) -> str:
    if b"\0" in head:
        raise ProbeError(path, "binary file, not text")
    for encoding in TEXT_ENCODINGS:
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:  # a character cut at the end of the sample
                return encoding
            continue
        return encoding
    raise ProbeError(path, "not UTF-8 or GB18030 text")


def read_text(path: Path) -> str:
    data = path.read_bytes()
    encoding = _encoding(path, data[:65536])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise ProbeError(path, f"not valid {encoding} text at byte {error.start}") from error


def _csv_batches(path: Path, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    with path.open("rb") as handle:
        encoding = _encoding(path, handle.read(65536))
    with path.open(encoding=encoding, newline="") as handle:
        header = next(csv.reader(handle, delimiter="\t" if path.suffix == ".tsv" else ","), None)
    if not header:
        raise ProbeError(path, "empty CSV file (no header row)")
    reader = pa_csv.open_csv(
        path,
        read_options=pa_csv.ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding, block_size=BLOCK),
        parse_options=pa_csv.ParseOptions(delimiter="\t" if path.suffix == ".tsv" else ","),
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    yield from _limited(reader, sample_rows)


def _jsonable(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _jsonl_batches(path: Path, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa
    import pyarrow.json as pa_json

    table = pa_json.read_json(path, read_options=pa_json.ReadOptions(block_size=BLOCK))
    for batch in _limited(table.to_batches(max_chunksize=10_000), sample_rows):
        columns = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            nested = pa.types.is_nested(column.type)
            columns[name] = pa.array([_jsonable(v) for v in column.to_pylist()]) if nested else column
        yield pa.RecordBatch.from_pydict(columns)


def _parquet_batches(path: Path, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    yield from _limited(pq.ParquetFile(path).iter_batches(batch_size=10_000), sample_rows)


def _limited(batches: object, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    left = sample_rows
    for batch in batches:  # type: ignore[attr-defined]
        if left is not None:
            if left <= 0:
                return
            batch = batch.slice(0, left)
            left -= batch.num_rows
        yield batch


def table_batches(path: Path, kind: str, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    """Arrow batches of a tabular file; pyarrow's parse errors become one-line ProbeErrors."""
    import pyarrow as pa

    readers = {"csv": _csv_batches, "jsonl": _jsonl_batches, "parquet": _parquet_batches}
    try:
        yield from readers[kind](path, sample_rows)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeDecodeError) as error:
        raise ProbeError(path, f"unreadable {kind.upper()}: {str(error).splitlines()[0]}") from error
