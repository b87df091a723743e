"""The per-batch table scan that other engines (Spark) run: partials merge into the same profile."""

from __future__ import annotations

import pickle
import random
from collections import Counter

import pyarrow as pa
import pytest
from tests.fixtures import lending_data

from lendguard.detect import Scanner
from lendguard.probes.datastore import combine, scan_batch
from lendguard.probes.datastore import profile as datastore_profile
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


def test_owner_counts_stay_within_their_bound_and_count_every_row_of_the_owners_held(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(datastore_profile, "OWNERS_KEPT", 100)
    rng = random.Random(7)
    keys = [f"u{rng.randrange(1000)}" for _ in range(3000)]  # ~950 distinct owners, 1 to 9 rows each
    first = list(dict.fromkeys(keys))[:100]  # the first 100 distinct owners, in order of appearance
    rows = Counter(keys)
    expected = {key: rows[key] for key in first}
    scanner = Scanner()
    table = sample_table("loans", pa.table({"user_id": keys}).to_batches(max_chunksize=250), scanner)
    assert table.owners["user_id"] == expected
    evidence = profile(table, True, plaintext_pool([table]))
    assert evidence.owner_column == "user_id"
    counts = list(expected.values())
    assert (evidence.rows_per_owner_avg, evidence.rows_per_owner_max) == (round(sum(counts) / 100, 2), max(counts))
    # partials shipped between processes and merged in order: the same owners, the same counts
    partials = [
        pickle.loads(pickle.dumps(scan_batch(b, "loans", scanner)))
        for b in pa.table({"user_id": keys}).to_batches(max_chunksize=50)
    ]
    assert combine(partials).owners["user_id"] == expected
