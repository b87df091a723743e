"""The per-batch table scan that other engines (Spark) run: partials merge into the same profile."""

from __future__ import annotations

import pickle

import pyarrow as pa
from tests.fixtures import lending_data

from lendguard.detect import Scanner
from lendguard.probes.datastore import combine, scan_batch
from lendguard.probes.datastore.profile import plaintext_pool, profile, sample_table


def test_partials_of_any_split_combine_into_the_one_pass_profile() -> None:
    tables = lending_data.lending_tables(seed=43, borrowers=90)
    scanner = Scanner()
    for name in ("borrowers", "bank_cards", "address_book"):
        table = pa.Table.from_pylist(tables[name])
        whole = sample_table(name, table.to_batches(max_chunksize=10_000), scanner)
        batches = table.to_batches(max_chunksize=17)
        assert len(batches) > 3
        partials = [pickle.loads(pickle.dumps(scan_batch(b, name, scanner))) for b in batches]  # as shipped
        merged = combine(partials)
        pool, merged_pool = plaintext_pool([whole]), plaintext_pool([merged])
        assert merged.rows == whole.rows == table.num_rows
        assert profile(merged, True, merged_pool) == profile(whole, True, pool)
        assert any(c.classification == "plaintext" for c in profile(merged, True, merged_pool).columns)


def test_on_batch_sees_every_batch_once() -> None:
    table = pa.Table.from_pylist(lending_data.lending_tables(seed=44, borrowers=30)["borrowers"])
    seen: list[int] = []
    sample_table("borrowers", table.to_batches(max_chunksize=7), Scanner(), on_batch=lambda b: seen.append(b.num_rows))
    assert sum(seen) == table.num_rows and len(seen) == len(table.to_batches(max_chunksize=7))
