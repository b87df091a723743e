"""Benchmark: protection operators (values/s, one core) and in-place table rewrites (rows/s),
against Presidio AnonymizerEngine's encrypt (AES-CBC) and hash operators on the same values.

    .venv/bin/python bench/protect.py [--values 100000] [--rows 50000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from tests.fixtures import lending_data  # noqa: E402
from tests.fixtures.fake import chinese_faker  # noqa: E402

from lendguard.protect import OPERATORS, generate_keyring, load_keyring, protect_target  # noqa: E402
from lendguard.protect.operators import MASK_PRESETS, restore  # noqa: E402


def _values(count: int) -> list[str]:
    fake = chinese_faker(3)
    pool = [fake.ssn() for _ in range(5000)]
    return [pool[i % len(pool)] for i in range(count)]


def _rate(function, values: list[str]) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    for value in values:
        function(value)
    return len(values) / (time.perf_counter() - start)


def operators(values: list[str], folder: Path) -> None:
    generate_keyring(folder / "k.json")
    ring = load_keyring(folder / "k.json")
    print(f"{'operator':34} {'values/s':>12}")
    for name, operator in OPERATORS.items():
        print(
            f"{'LendGuard ' + name + ' protect':34} {_rate(lambda v, op=operator: op.protect(v, ring), values):12,.0f}"
        )
        if operator.reversible:
            tokens = [operator.protect(v, ring) for v in values[:20000]]
            print(f"{'LendGuard ' + name + ' restore':34} {_rate(lambda t: restore(t, ring), tokens):12,.0f}")
    mask = MASK_PRESETS["mask-strict"]
    print(f"{'LendGuard mask-strict':34} {_rate(lambda v: mask.apply('CN_RESIDENT_ID', v), values):12,.0f}")
    try:
        from presidio_anonymizer import AnonymizerEngine
        from presidio_anonymizer.entities import OperatorConfig, RecognizerResult
    except ImportError:
        print("presidio-anonymizer is not installed: no baseline")
        return
    engine = AnonymizerEngine()
    configs = {
        "encrypt": OperatorConfig("encrypt", {"key": os.urandom(16).hex()[:16]}),
        "hash": OperatorConfig("hash", {"hash_type": "sha256"}),
    }
    subset = values[: max(len(values) // 5, 1000)]
    for name, config in configs.items():

        def anonymize(value: str, config: OperatorConfig = config) -> None:
            engine.anonymize(
                text=value, analyzer_results=[RecognizerResult("ID", 0, len(value), 1.0)], operators={"ID": config}
            )

        print(f"{'Presidio ' + name:34} {_rate(anonymize, subset):12,.0f}")


def tables(rows: int, folder: Path) -> None:
    ring = load_keyring(folder / "k.json")
    borrowers = max(rows // 9, 1)
    data = lending_data.lending_tables(seed=61, borrowers=borrowers, contacts_per_borrower=8)
    targets = {"SQLite": f"sqlite:///{folder / 'bench.db'}"}
    try:
        from sqlalchemy import create_engine, text

        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS lendguard_bench WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE lendguard_bench"))
        targets["PostgreSQL"] = "postgresql+psycopg://postgres@127.0.0.1:5432/lendguard_bench"
    except Exception as error:  # noqa: BLE001 - the bench still reports SQLite without a server
        print(f"PostgreSQL unavailable ({type(error).__name__}); SQLite only")
    for name, url in targets.items():
        lending_data.write_database(url, {"address_book": data["address_book"]})
        start = time.perf_counter()
        reports = protect_target(url, ring, tables=("address_book",), batch=2000)
        seconds = time.perf_counter() - start
        count = reports[0].rows
        assert all(r.verified for r in reports)
        print(
            f"in place, {name:10} {count:,} rows × {len(reports)} columns: {seconds:.2f} s = {count / seconds:,.0f} rows/s "
            f"(scan, write, read back and verify included)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        operators(_values(args.values), Path(folder))
        tables(args.rows, Path(folder))


if __name__ == "__main__":
    main()
