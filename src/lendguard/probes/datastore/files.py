"""Read files as Arrow batches (CSV, JSONL, Parquet) or as decoded text (logs, plain text)."""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from lendguard.detect import mask_text
from lendguard.detect.breaks import line_breaks
from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:  # pyarrow loads when a table file is read, not with the CLI
    import pyarrow as pa

TABLE_SUFFIXES = {".csv": "csv", ".tsv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")
BLOCK = 1 << 22
TEXT_CHUNK = 1 << 22  # bytes read per chunk of a text file; chunks end at a line break
PARQUET_BUFFER = 1 << 20  # bytes of a Parquet column chunk read at a time
MAX_LINE = 1 << 26  # a line longer than this is cut (a value across the cut is not found)
LOOK = 1 << 14  # bytes at the end of a chunk's span searched for its last line break before it is read


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


class TextChunk:
    """Whole lines of a text file: its UTF-8 bytes `data` when the file is UTF-8 (else None), its
    `text`, and `column`, the characters of its first line that the previous chunk held (0 unless a
    line was cut). A UTF-8 chunk is validated when read and decoded when its text is first asked
    for: a log's scan picks the few lines that can hold a value and decodes those alone."""

    def __init__(self, data: bytes | None, column: int = 0, text: str | None = None) -> None:
        assert data is not None or text is not None
        self.data = data
        self.column = column
        self._text = text

    @property
    def text(self) -> str:
        if self._text is None:
            assert self.data is not None
            self._text = self.data.decode("utf-8")
        return self._text

    @property
    def decoded(self) -> str | None:
        """The text where it was decoded already (else None: the scanner decodes what it needs)."""
        return self._text

    def head(self, characters: int) -> str:
        """Its first `characters` characters (they lie in the first 4 bytes per character; the
        chunk is valid UTF-8, so only a character cut at that end is dropped)."""
        if self._text is not None or self.data is None:
            return self.text[:characters]
        return self.data[: 4 * characters].decode("utf-8", "ignore")[:characters]

    @property
    def newlines(self) -> int:
        return len(self.byte_newlines) if self.data is not None else self.text.count("\n")

    @cached_property
    def byte_newlines(self) -> Any:
        """The byte offsets of the line breaks in `data` (numpy), found once for the scanner and the count."""
        assert self.data is not None
        return line_breaks(self.data)

    @property
    def last(self) -> str:
        """Its last character."""
        return "\n" if self.data is not None and self.data.endswith(b"\n") else self.text[-1:]


def _valid_utf8(data: bytes) -> bool:
    """Whether `data` is UTF-8, checked by Arrow without building a string (a tenth of the time
    decoding takes on a log)."""
    if data.isascii():
        return True
    import pyarrow as pa

    offsets = pa.py_buffer(bytes(4) + len(data).to_bytes(4, "little"))
    try:
        pa.Array.from_buffers(pa.string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def text_chunks(
    path: Path,
    chunk_size: int | None = None,
    on_bytes: Callable[[bytes], None] | None = None,
    start: int = 0,
    end: int | None = None,
) -> Iterator[TextChunk]:
    """The file (or its bytes [start, end), start at a line start) decoded chunk by chunk, each
    chunk ending at a line break (UTF-8 and GB18030 never use the byte 0x0A inside a character), so
    no value is split between chunks. `on_bytes` sees every byte of the range once, in order (a
    digest)."""
    with path.open("rb") as handle:
        head = handle.read(65536)
        encoding = _encoding(path, head)
        handle.seek(start)
        position, column = start, 0  # where the next piece starts in the file
        while piece := _whole_lines(handle, chunk_size or TEXT_CHUNK, None if end is None else end - position):
            if on_bytes is not None:
                on_bytes(piece)
            offset, position = position, position + len(piece)
            if offset == 0 and encoding == "utf-8-sig" and piece.startswith(b"\xef\xbb\xbf"):
                piece, offset = piece[3:], 3
            if piece:
                chunk = _decoded(path, piece, encoding, offset, column)
                yield chunk
                if piece.endswith(b"\n"):
                    column = 0
                else:  # a cut line continues in the next chunk: its offsets count from the line's start
                    text = chunk.text
                    column = len(text) - (text.rfind("\n") + 1) + (column if "\n" not in text else 0)


def _whole_lines(handle: BinaryIO, size: int, left: int | None) -> bytes:
    """The next `size` bytes (at most `left`) up to their last line break, the handle left after
    them. Where that break is in their last LOOK bytes (nearly always) they are read as one block
    of that length; else a block is read and cut there, the rest read again with the next. A line
    longer than a block is read whole, up to MAX_LINE (where it is cut); at the end, what is left."""
    if left is None or left > size:
        cut = _last_break(handle, size)
        if cut:
            return handle.read(cut)
    data = b""
    while True:
        block = handle.read(size if left is None else min(size, left - len(data)))
        if not block:
            return data
        cut = block.rfind(b"\n") + 1
        if cut:
            if cut < len(block):
                handle.seek(cut - len(block), 1)
                block = block[:cut]
            return data + block if data else block
        data += block
        if len(data) >= MAX_LINE or (left is not None and len(data) >= left):
            return data


def _last_break(handle: BinaryIO, size: int) -> int:
    """How many of the next `size` bytes there are up to their last line break, found in their last
    LOOK bytes (read with os.pread: the handle does not move); 0 where it is not there or the file
    ends before."""
    look = min(size // 4, LOOK)
    if not look or not hasattr(os, "pread"):  # no pread (Windows): the block is read and cut instead
        return 0
    tail = os.pread(handle.fileno(), look, handle.tell() + size - look)
    found = tail.rfind(b"\n")
    return size - look + found + 1 if len(tail) == look and found >= 0 else 0


def _decoded(path: Path, piece: bytes, encoding: str, offset: int, column: int) -> TextChunk:
    """A chunk of the file read at byte `offset`; its text is decoded now unless it is UTF-8."""
    if encoding == "utf-8-sig" and _valid_utf8(piece):
        return TextChunk(piece, column)
    try:
        text = piece.decode(encoding)
    except UnicodeDecodeError as error:
        raise ProbeError(path, f"not valid {encoding} text at byte {offset + error.start}") from error
    return TextChunk(piece if encoding == "utf-8-sig" else None, column, text)


def _csv_batches(path: Path, sample_rows: int | None, block: int = BLOCK) -> Iterator[pa.RecordBatch]:
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
        read_options=pa_csv.ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding, block_size=block),
        parse_options=pa_csv.ParseOptions(delimiter="\t" if path.suffix == ".tsv" else ","),
        convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())),
    )
    yield from _limited(reader, sample_rows)


def _jsonable(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value


def _jsonl_blocks(path: Path, size: int = BLOCK) -> Iterator[bytes]:
    """The file in blocks of whole lines (about `size` bytes each)."""
    with path.open("rb") as handle:
        carry = b""
        while block := handle.read(size):
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if cut:
                carry = data[cut:]
                yield data[:cut]
            else:
                carry = data
        if carry.strip():
            yield carry


def _jsonl_tables(path: Path, size: int = BLOCK) -> Iterator[pa.Table]:
    """One Arrow table per block, read with the schema of the first block widened as needed."""
    import pyarrow as pa
    import pyarrow.json as pa_json

    line = 1
    for block in _jsonl_blocks(path, size):
        body = block.lstrip()
        if body and body[:1] != b"{":  # pyarrow crashes the process on a block that starts with `null`
            where = line + block[: len(block) - len(body)].count(b"\n")
            raise ProbeError(path, f"unreadable JSONL: line {where:,} is not a JSON object")
        line += block.count(b"\n")
        yield pa_json.read_json(pa.BufferReader(block), read_options=pa_json.ReadOptions(block_size=len(block) + 1))


def _jsonl_batches(path: Path, sample_rows: int | None, block: int = BLOCK) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    batches = (batch for table in _jsonl_tables(path, block) for batch in table.to_batches(max_chunksize=10_000))
    for batch in _limited(batches, sample_rows):
        columns = {}
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            nested = pa.types.is_nested(column.type)
            columns[name] = pa.array([_jsonable(v) for v in column.to_pylist()]) if nested else column
        yield pa.RecordBatch.from_pydict(columns)


def _parquet_batches(
    path: Path, sample_rows: int | None, row_groups: Sequence[int] | None = None
) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    # A pre-buffering reader keeps the bytes of every row group it has read until it is closed
    # (apache/arrow#39808): memory would grow with the file. Without it, a column chunk is read
    # PARQUET_BUFFER bytes at a time instead of whole; one thread decodes (decoding is a few per
    # cent of a scan, and threads each hold their own buffers).
    reader = pq.ParquetFile(path, pre_buffer=False, buffer_size=PARQUET_BUFFER)
    batches = reader.iter_batches(batch_size=10_000, row_groups=row_groups, use_threads=False)
    yield from _limited(batches, sample_rows)


def parquet_row_groups(path: Path) -> int:
    """How many row groups a Parquet file holds (0 when it cannot be read: the scan says why)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_row_groups)
    except (pa.ArrowInvalid, OSError):
        return 0


def _limited(batches: object, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    left = sample_rows
    for batch in batches:  # type: ignore[attr-defined]
        if left is not None:
            if left <= 0:
                return
            batch = batch.slice(0, left)
            left -= batch.num_rows
        yield batch


def _without_row(message: str) -> str:
    """pyarrow quotes the offending row (personal values) after its message: keep the message only."""
    first = message.splitlines()[0] if message.strip() else "parse error"
    kept = re.sub(r"(Expected \d+ columns?, got \d+)\s*:.*$", r"\1", first)
    return mask_text(kept)


def text_encoding(path: Path, head: bytes) -> str:
    """The encoding a text file is read with (utf-8-sig or gb18030), from its first bytes."""
    return _encoding(path, head)


def table_batches(
    path: Path, kind: str, sample_rows: int | None, row_groups: Sequence[int] | None = None, block: int = BLOCK
) -> Iterator[pa.RecordBatch]:
    """Arrow batches of a tabular file (of some of its row groups, for Parquet); pyarrow's parse
    errors become one-line ProbeErrors. CSV and JSONL are read in blocks of `block` bytes (pyarrow's
    CSV reader reads up to 32 blocks ahead: a reader that works row by row wants small ones)."""
    import pyarrow as pa

    try:
        if kind == "parquet":
            yield from _parquet_batches(path, sample_rows, row_groups)
        else:
            yield from {"csv": _csv_batches, "jsonl": _jsonl_batches}[kind](path, sample_rows, block)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, UnicodeDecodeError) as error:
        raise ProbeError(path, f"unreadable {kind.upper()}: {_without_row(str(error))}") from error
