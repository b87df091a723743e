"""Benchmark: `scan --engine spark` against Presidio in a pandas UDF, on the same Parquet data, and
the scaling of our scan from local[1] to local[2].

The data are the generated platform's borrower records (names, resident IDs, mobiles, e-mails,
addresses, remarks: dense PII, as in a lending data lake), repeated to SIZE_MB of cell text and
written as 8 Parquet files. Presidio runs the way its Spark sample does (an AnalyzerEngine per
executor inside a pandas UDF over each text column), with pattern recognizers for the same entities
(bench/scan.py: our regexes and validators, NoOp NLP engine, as no model can be downloaded here).
Each measurement runs in its own Spark application (a fresh JVM; start-up and a warm-up job are not
timed), so MB/s is cell text per second of the job itself. Targets (issue #16): ≥ 7× Presidio,
≥ 1.7× from one core to two. The machine has two cores shared with other work: read the ratios.

    .venv/bin/python bench/spark.py [--size-mb 6]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd  # pandas_udf reads the UDF's type hints: Series in, Series out

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))


def make_data(folder: Path, size_mb: float) -> float:
    """Borrower records repeated to `size_mb` MB of UTF-8 cell text, as 8 Parquet files; returns the MB."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from tests.fixtures.lending_data import lending_tables

    rows = [
        {k: v for k, v in row.items() if k not in ("id", "mobile_md5")}
        for row in lending_tables(borrowers=2000)["borrowers"]
    ]
    block = pa.Table.from_pylist(rows)
    block_mb = sum(len(str(v).encode()) for row in rows for v in row.values()) / 1e6
    copies = max(1, round(size_mb / block_mb))
    table = pa.concat_tables([block] * copies)
    per_file = -(-table.num_rows // 8)
    for index in range(8):
        pq.write_table(table.slice(index * per_file, per_file), folder / f"part-{index:05d}.parquet")
    return block_mb * copies


def _session(cores: int) -> Any:
    from lendguard.spark.session import session

    return session(f"local[{cores}]", {"spark.sql.shuffle.partitions": str(cores), "spark.driver.memory": "1g"})


def measure_ours(data: Path, cores: int) -> float:
    from lendguard.probes.datastore import ScanOptions
    from lendguard.spark.scan import probe_spark

    spark = _session(cores)
    probe_spark(str(data), ScanOptions(sample_rows=100), spark)  # warm-up: Python workers started
    started = time.perf_counter()
    evidence = probe_spark(str(data), ScanOptions(full=True), spark)
    seconds = time.perf_counter() - started
    assert evidence.tables[0].rows_scanned > 0
    return seconds


_ENGINE: list[Any] = []


def _presidio_count(texts: pd.Series) -> pd.Series:
    """pandas UDF body: Presidio findings per value, with one AnalyzerEngine per Python worker."""
    if not _ENGINE:
        from bench.presidio_engine import presidio_engine

        _ENGINE.append(presidio_engine())
    engine = _ENGINE[0]
    return texts.map(lambda text: len(engine.analyze(str(text), language="zh")) if text is not None else 0)


def measure_presidio(data: Path, cores: int) -> float:
    from pyspark.sql import functions as F  # noqa: N812
    from pyspark.sql.functions import pandas_udf

    spark = _session(cores)
    frame = spark.read.parquet(str(data))
    count = pandas_udf(_presidio_count, "long")  # type: ignore[call-overload]
    job = frame.select(*(count(F.col(name)).alias(name) for name in frame.columns)).agg(
        *(F.sum(name) for name in frame.columns)
    )
    frame.limit(50).select(*(count(F.col(name)) for name in frame.columns)).collect()  # warm-up
    started = time.perf_counter()
    job.collect()
    return time.perf_counter() - started


def _run(kind: str, data: Path, cores: int) -> float:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--cores", str(cores), "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} on local[{cores}] failed:\n{done.stderr[-3000:]}")
    return float(json.loads(done.stdout.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=float, default=6.0)
    parser.add_argument("--measure", choices=["ours", "presidio"])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.measure:
        measure = measure_ours if args.measure == "ours" else measure_presidio
        print(json.dumps({"seconds": measure(args.data, args.cores)}))
        return
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "borrowers"
        data.mkdir()
        size = make_data(data, args.size_mb)
        print(f"Parquet dataset: {size:.1f} MB of cell text (borrower records, 8 files); {os.cpu_count()} CPUs")
        print(f"  {'engine':44} {'seconds':>8} {'MB/s':>8}", flush=True)
        seconds = {}
        for label, kind, cores in (
            ("LendGuard scan --engine spark, local[1]", "ours", 1),
            ("LendGuard scan --engine spark, local[2]", "ours", 2),
            ("Presidio in a pandas UDF, local[2]", "presidio", 2),
        ):
            seconds[(kind, cores)] = _run(kind, data, cores)
            print(f"  {label:44} {seconds[(kind, cores)]:8.2f} {size / seconds[(kind, cores)]:8.2f}", flush=True)
    ratio = seconds[("presidio", 2)] / seconds[("ours", 2)]
    scaling = seconds[("ours", 1)] / seconds[("ours", 2)]
    print(f"LendGuard / Presidio on local[2]: {ratio:.1f}x (target >= 7x: {'met' if ratio >= 7 else 'NOT met'})")
    print(f"LendGuard local[1] -> local[2]: {scaling:.2f}x (target >= 1.7x: {'met' if scaling >= 1.7 else 'NOT met'})")


if __name__ == "__main__":
    main()
