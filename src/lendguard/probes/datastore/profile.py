"""Profile tables batch by batch: per-column classification, owner keys, card-security columns.

The per-batch step is public so that other engines (Spark's mapInArrow) can run it where the
data is and merge the results:

    scan_batch(batch: pyarrow.RecordBatch, table: str = "", scanner: Scanner | None = None) -> TableSample
        partial statistics of one batch: per column the counts, bounded example and plaintext
        sets, digests; rows; the first raw values; owner-key counts. A plain dataclass: pickle it
        to ship it between processes.
    combine(partials: Iterable[TableSample], table: str | None = None) -> TableSample
        merge partials of one table (in order: examples come from the earliest partials).
    profile(combine(...), full_scan, plaintext_pool([...]), show_values) -> TableProfile
        the evidence of the whole table.

`sample_table` is the same loop for one process; its `on_batch` hook sees every batch as it is
read (a content digest accumulator, for example).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lendguard.detect import Scanner, mask_value
from lendguard.detect.classify import ColumnSample, card_security_kind, confirm_unsalted, merge_samples, observe
from lendguard.evidence import ColumnProfile, DigestMatch, TableProfile

if TYPE_CHECKING:
    import pyarrow as pa

OWNER_COLUMN = re.compile(
    r"^(?:user|uid|borrower|customer|cust|member|owner|account|applicant|loan|debtor)(?:_?id)?$|_(?:user|borrower|customer)_id$"
)
CALL_RECORD_COLUMN = re.compile(r"duration|call_?type|call_?time|call_?date|通话|呼叫")
EXAMPLES = 3
RAW_KEPT = 200  # raw values per column kept for the card-security shape test
OWNERS_KEPT = 200_000  # distinct owner keys counted per column (rows per owner: over these owners)


@dataclass
class TableSample:
    name: str
    rows: int = 0
    columns: dict[str, ColumnSample] = field(default_factory=dict)
    raw_values: dict[str, list[str]] = field(default_factory=dict)
    owners: dict[str, Counter[str]] = field(default_factory=dict)

    def add_batch(self, batch: pa.RecordBatch, scanner: Scanner) -> None:
        """Fold one Arrow batch into the table's counts."""
        self.rows += batch.num_rows
        for column_name, column in zip(batch.schema.names, batch.columns, strict=True):
            values = column.to_pylist()
            sample = self.columns.get(column_name) or self.columns.setdefault(
                column_name, ColumnSample(column_name, noise_entities=scanner.checksum_noise(column_name))
            )
            observe(sample, values, scanner)
            kept = self.raw_values.setdefault(column_name, [])
            if len(kept) < RAW_KEPT:
                kept.extend(
                    str(v).strip() for v in values[: RAW_KEPT - len(kept)] if v is not None and not isinstance(v, bytes)
                )
            if OWNER_COLUMN.search(column_name.lower()):
                owners = Counter(str(v) for v in values if v is not None)
                _add_owners(self.owners.setdefault(column_name, Counter()), owners)

    def merge(self, other: TableSample) -> None:
        """Add another partial of the same table (read after this one)."""
        self.rows += other.rows
        for name, sample in other.columns.items():
            mine = self.columns.get(name)
            self.columns[name] = sample if mine is None else merge_samples(mine, sample)
        for name, values in other.raw_values.items():
            kept = self.raw_values.setdefault(name, [])
            kept.extend(values[: max(RAW_KEPT - len(kept), 0)])
        for name, counts in other.owners.items():
            _add_owners(self.owners.setdefault(name, Counter()), counts)


def _add_owners(counts: Counter[str], more: Counter[str]) -> None:
    """Rows per owner key, for the first OWNERS_KEPT distinct owners (memory stays flat on huge tables):
    `more`'s owners, in the order they were first seen, join while there is room."""
    if len(counts) + len(more) <= OWNERS_KEPT:  # no owner can be turned away
        counts.update(more)
        return
    for owner, rows in more.items():
        if owner in counts or len(counts) < OWNERS_KEPT:
            counts[owner] += rows


def scan_batch(batch: pa.RecordBatch, table: str = "", scanner: Scanner | None = None) -> TableSample:
    """Partial statistics of one Arrow batch of `table` (see the module docstring)."""
    sample = TableSample(table)
    sample.add_batch(batch, scanner or _default_scanner())
    return sample


def combine(partials: Iterable[TableSample], table: str | None = None) -> TableSample:
    """Merge the partials of one table, in order."""
    merged: TableSample | None = None
    for partial in partials:
        if merged is None:
            merged = TableSample(table if table is not None else partial.name)
        merged.merge(partial)
    return merged or TableSample(table or "")


_SCANNER: list[Scanner] = []


def _default_scanner() -> Scanner:
    if not _SCANNER:
        _SCANNER.append(Scanner())
    return _SCANNER[0]


def sample_table(
    name: str,
    batches: Iterable[pa.RecordBatch],
    scanner: Scanner,
    on_batch: Callable[[pa.RecordBatch], None] | None = None,
) -> TableSample:
    """Read every batch once, folding it into the table's counts; `on_batch` sees each batch too."""
    table = TableSample(name)
    for batch in batches:
        if on_batch is not None:
            on_batch(batch)
        table.add_batch(batch, scanner)
    return table


def _examples(sample: ColumnSample, show_values: bool) -> tuple[str, ...]:
    shown: list[str] = []
    for entity, values in sample.first_values.items():
        shown += [v if show_values else mask_value(entity, v) for v in values[:EXAMPLES]]
    return tuple(shown[:EXAMPLES])


@dataclass
class PlaintextPool:
    """Plaintext values per entity across the whole store, with the columns they came from."""

    values: dict[str, set[str]] = field(default_factory=dict)
    sources: dict[str, set[str]] = field(default_factory=dict)


def profile(table: TableSample, full_scan: bool, pool: PlaintextPool, show_values: bool = False) -> TableProfile:
    """The table's evidence; digest columns are checked against every plaintext value in the store."""
    columns = []
    for name, sample in table.columns.items():
        label, detail, share = sample.classification
        unsalted, tested = None, {}
        if label == "hashed" and detail is not None:
            tested = {entity: len(values) for entity, values in pool.values.items()}
            confirmed = confirm_unsalted(sample.digests, pool.values, detail)
            if confirmed is not None:
                sources = ", ".join(sorted(pool.sources.get(confirmed.entity, ())))
                unsalted = DigestMatch(
                    algorithm=confirmed.algorithm, entity=confirmed.entity, matched=confirmed.matched, source=sources
                )
        columns.append(
            ColumnProfile(
                name=name,
                sampled=sample.sampled,
                non_empty=sample.non_empty,
                classification=label,
                detail=detail,
                share=share,
                entity_counts=dict(sample.entities),
                masked=sum(sample.masked.values()),
                hashed=sum(sample.hashed.values()),
                encrypted=sample.encrypted,
                tokens=sample.tokens,
                binary_text=sample.binary_text or None,
                max_mobiles_in_value=sample.max_mobiles_in_value,
                max_persons_in_value=sample.max_persons_in_value,
                examples=_examples(sample, show_values),
                unsalted=unsalted,
                digest_tested=tested,
                card_security_kind=card_security_kind(name, table.raw_values.get(name, [])),
            )
        )
    owner, average, most = None, None, None
    if table.owners:
        owner, counts = max(table.owners.items(), key=lambda item: sum(item[1].values()) / max(len(item[1]), 1))
        if counts:
            average, most = round(sum(counts.values()) / len(counts), 2), max(counts.values())
    return TableProfile(
        name=table.name,
        rows_scanned=table.rows,
        full_scan=full_scan,
        columns=tuple(columns),
        owner_column=owner,
        rows_per_owner_avg=average,
        rows_per_owner_max=most,
        call_record_columns=tuple(n for n in table.columns if CALL_RECORD_COLUMN.search(n.lower())),
    )


def plaintext_pool(tables: Iterable[TableSample]) -> PlaintextPool:
    pool = PlaintextPool()
    for table in tables:
        for sample in table.columns.values():
            for entity, values in sample.plaintext_values.items():
                pool.values.setdefault(entity, set()).update(values)
                pool.sources.setdefault(entity, set()).add(f"{table.name}.{sample.name}")
    return pool
