"""Fingerprints of the inputs an inspection judged, so that `verify` can tell what changed since."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TableDigest(_Fact):
    """One database table as the scan read it: schema, rows read and an order-independent digest."""

    table: str
    columns: tuple[str, ...] = Field(description="`name type` of every column, in table order")
    rows: int = Field(description="rows read (all of them, or the sample)")
    digest: str = Field(description="SHA-256 over the schema and the multiset of rows read (row order ignored)")
    sample: str | None = Field(default=None, description="how a sample was drawn; null when every row was read")


class InputFingerprint(_Fact):
    """One input: a file by SHA-256, a folder by the SHA-256 of each of its files, a database by table."""

    path: str = Field(description="as the manifest names it (relative to its folder); a URL without password")
    kind: Literal["file", "folder", "database"]
    sha256: str | None = None
    files: dict[str, str] = Field(default_factory=dict, description="folder: file (relative) -> SHA-256")
    tables: tuple[TableDigest, ...] = ()
    sample_rows: int | None = Field(default=None, description="database: rows read per table; null = every row")
    only_tables: tuple[str, ...] = Field(default=(), description="database: the tables the scan was limited to")
