"""Data-store renderings: JSON Lines of every value and column profile, and a column table."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from rich.console import Console
from rich.table import Table

from lendguard.evidence import DataStoreEvidence, ValueFound
from lendguard.reports.i18n import word
from lendguard.rulebase import Language

_dumps: Any = None  # orjson.dumps, imported with the first record (not with the CLI)


def value_record(value: ValueFound | dict[str, Any]) -> str:
    """One detected text value as a JSON object (entity, path, line, start, end, score, value)."""
    global _dumps
    if _dumps is None:
        import orjson  # compact JSON encoded in C: the JSON Lines output of a large log is millions of these

        _dumps = orjson.dumps
    return _dumps(value if isinstance(value, dict) else value.model_dump(mode="json")).decode()  # type: ignore[no-any-return]


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
