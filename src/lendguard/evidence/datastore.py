"""Facts about a data store (database, files, logs): column profiles and values found in text."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from lendguard.evidence.base import Evidence
from lendguard.evidence.fingerprint import InputFingerprint

StoreKind = Literal[
    "sqlite", "postgresql", "mysql", "csv", "jsonl", "parquet", "text", "directory", "orc", "hive", "jdbc"
]


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ValueFound(_Fact):
    """One value the PII engine found in a text file; `value` is masked unless raw values were asked for."""

    entity: str
    path: str
    line: int
    start: int
    end: int
    score: float
    value: str


class DigestMatch(_Fact):
    algorithm: str
    entity: str
    matched: int
    source: str


class ColumnProfile(_Fact):
    name: str
    sampled: int
    non_empty: int
    classification: Literal["plaintext", "masked", "hashed", "encrypted", "not_pi", "empty"]
    detail: str | None  # the entity (plaintext, masked) or hash algorithm (hashed)
    share: float
    entity_counts: dict[str, int]
    masked: int
    hashed: int
    encrypted: int
    tokens: int = 0  # values protected by `lendguard protect` (lg1:…)
    binary_text: int | None = None  # binary (BLOB) cells read as text; None when there were none
    max_mobiles_in_value: int = 0
    max_persons_in_value: int = 0
    examples: tuple[str, ...] = ()
    unsalted: DigestMatch | None = None
    # Per entity, how many plaintext values from this store were hashed and compared with the
    # column's digests (whatever the result): 0 means nothing could confirm or refute a plain hash.
    digest_tested: dict[str, int] = {}
    card_security_kind: str | None = None  # C3 data: cvn2, expiry, pin, password, track


class TableProfile(_Fact):
    name: str
    rows_scanned: int
    full_scan: bool
    columns: tuple[ColumnProfile, ...]
    owner_column: str | None = None
    rows_per_owner_avg: float | None = None
    rows_per_owner_max: int | None = None
    call_record_columns: tuple[str, ...] = ()


class TextFileProfile(_Fact):
    path: str
    lines: int
    is_log: bool
    values_found: int
    # Values found per entity (all of them; `values` keeps the first 1000 of each per file).
    entity_counts: dict[str, int] = {}


class DataStoreEvidence(Evidence):
    kind: Literal["datastore"] = "datastore"
    store: StoreKind
    source: str  # the path, or the database URL with its password masked
    tables: tuple[TableProfile, ...] = ()
    text_files: tuple[TextFileProfile, ...] = ()
    values: tuple[ValueFound, ...] = ()
    warnings: tuple[str, ...] = ()
    fingerprint: InputFingerprint | None = None  # what was read, for `verify`
