"""Data-store renderings: JSON Lines of every value and column profile, and a column table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lendguard.detect import arrow
from lendguard.detect.columns import Columns
from lendguard.evidence import DataStoreEvidence, ValueFound
from lendguard.reports.i18n import word
from lendguard.rulebase import Language

if TYPE_CHECKING:
    from rich.console import Console

_dumps: Any = None  # orjson.dumps, imported with the first record (not with the CLI)


def value_record(value: ValueFound | dict[str, Any]) -> str:
    """One detected text value as a JSON object (entity, path, line, start, end, score, value)."""
    _orjson()
    return _json(value if isinstance(value, dict) else value.model_dump(mode="json"))


# The bytes of the characters orjson escapes in a string ('"', '\\', U+0000-U+001F; no byte of a
# multi-byte UTF-8 character is below 0x80): a test checks them against orjson for every code point.
ESCAPED = frozenset({0x22, 0x5C, *range(0x20)})


def value_lines(path: str, found: Columns) -> Any:
    """`value_record` of every value of `found` (in `path`), one per line, built in bulk with
    pyarrow's string kernels: a buffer of UTF-8 bytes equal to the per-value output. orjson encodes
    the constant parts, the distinct scores and any value with a character it escapes."""
    import pyarrow.compute as pc

    _orjson()
    text = arrow.string
    heads = arrow.strings([f'{{"entity":{_json(name)},"path":{_json(path)},"line":' for name in found.names])
    # a few distinct scores, by hash (np.unique sorts): they are shown scores, in [0, 1], never -0.0
    distinct = arrow.floats(found.scores).dictionary_encode()
    scores = arrow.strings([f',"score":{_json(score)},"value":"' for score in distinct.dictionary.to_pylist()])
    lines = pc.binary_join_element_wise(
        heads.take(arrow.integers(found.kinds)),
        pc.cast(arrow.integers(found.lines), text("").type),
        *_numbers(',"start":', found.starts),
        *_numbers(',"end":', found.ends),
        scores.take(distinct.indices),
        _escaped(found.values),
        text('"}\n'),
        text(""),
    )
    codes, bounds = arrow.utf8(lines)
    return memoryview(codes[bounds[0] : bounds[-1]])


def _numbers(key: str, numbers: Any) -> list[Any]:
    """The pieces that give `key` then each number (non-negative): one, from a table of the
    numbers up to the largest, where that is no longer than the column (offsets within a line);
    else the key and the numbers cast to text."""
    import pyarrow.compute as pc

    top = int(numbers.max()) if len(numbers) else 0
    if top < len(numbers):
        return [arrow.strings([f"{key}{number}" for number in range(top + 1)]).take(arrow.integers(numbers))]
    return [arrow.string(key), pc.cast(arrow.integers(numbers), arrow.string("").type)]


def _escaped(values: Any) -> Any:
    """The values as they stand between the quotes of a JSON string: orjson's form of any value
    with a character it escapes, the value itself otherwise (nearly always)."""
    import numpy as np
    import pyarrow.compute as pc

    codes, bounds = arrow.utf8(values)
    used = codes[bounds[0] : bounds[-1]]
    special = escapes(used)
    if not special.any():
        return values
    rows = np.unique(np.searchsorted(bounds, np.flatnonzero(special) + bounds[0], side="right") - 1)
    which = np.zeros(len(values), dtype=bool)
    which[rows] = True
    encoded = [_json(values[row].as_py())[1:-1] for row in rows.tolist()]
    return pc.replace_with_mask(values, arrow.flags(which), arrow.strings(encoded))


def escapes(codes: Any) -> Any:
    """Which bytes (numpy uint8) are in ESCAPED: three comparisons, several times faster than a
    lookup in a table of the 256 bytes."""
    return (codes < 0x20) | (codes == 0x22) | (codes == 0x5C)


def _orjson() -> None:
    global _dumps
    if _dumps is None:
        import orjson  # compact JSON encoded in C: the JSON Lines output of a large log is millions of these

        _dumps = orjson.dumps


def _json(value: object) -> str:
    return _dumps(value).decode()  # type: ignore[no-any-return]


def jsonl_records(evidence: DataStoreEvidence, values: bool = True) -> Iterator[str]:
    """One JSON object per detected text value (unless `values` is False: they were streamed) and
    one per profiled column (table, column, classification …)."""
    for value in evidence.values if values else ():
        yield value_record(value)
    for table in evidence.tables:
        for column in table.columns:
            record = {"table": table.name, **column.model_dump(mode="json", exclude_none=True)}
            record["column"] = record.pop("name")
            yield json.dumps(record, ensure_ascii=False)


def render_columns(console: Console, evidence: DataStoreEvidence, lang: Language) -> None:
    from rich.table import Table  # only a table needs rich: a JSON Lines scan does not load it

    rows = [(t, c) for t in evidence.tables for c in t.columns if c.classification not in ("not_pi", "empty")]
    if not rows:
        return
    table = Table(title=word("columns_of", lang, target=evidence.source), title_justify="left")
    for key in ("table_name", "column_name", "classification", "entity", "share", "examples"):
        table.add_column(word(key, lang), overflow="fold")
    for profile, column in rows:
        detail = column.detail or ""
        if column.unsalted is not None:
            detail += f" ← {column.unsalted.entity}"
        table.add_row(
            profile.name,
            column.name,
            word(f"class_{column.classification}", lang),
            detail,
            f"{column.share:.0%}",
            ", ".join(column.examples),
        )
    console.print(table)
