"""`scan --engine spark`: the data-store evidence of a data lake, computed on Spark.

Each executor profiles its splits with the local engine's `scan_batch` (lendguard.spark.batches);
the driver merges the partials in file order with its `combine` and builds the profiles with its
`profile`, so the evidence, and so the findings, are those `--engine local` gives for the same rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from importlib.metadata import version
from typing import TYPE_CHECKING

from lendguard.evidence import DataStoreEvidence, Provenance
from lendguard.probes.datastore import ScanOptions
from lendguard.probes.datastore.profile import TableSample, plaintext_pool, profile
from lendguard.probes.errors import ProbeError
from lendguard.spark.batches import FILE, PARTIAL_DDL, SPLIT, combine_partials, first_rows, scan_partition
from lendguard.spark.session import Dataset, Progress, Source, ordered, read_target, session, stages

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def spark_errors() -> tuple[type[BaseException], ...]:
    """What a failing Spark job raises on the driver."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException

    return PySparkException, Py4JError


def first_line(error: BaseException) -> str:
    lines = [line for line in str(getattr(error, "desc", None) or error).splitlines() if line.strip()]
    # A Python error on an executor: its last line names it; a JVM error: its first line.
    useful = [line for line in lines if "Error:" in line or "Exception:" in line]
    return (useful[-1] if useful else lines[0] if lines else type(error).__name__).strip()[:300]


def _sample(
    spark: SparkSession, source: Source, dataset: Dataset, options: ScanOptions, progress: Progress | None
) -> TableSample:
    files = source.format != "jdbc"
    frame = ordered(dataset.frame, files)
    scan = partial(scan_partition, table=dataset.name)
    with stages(spark, f"Spark {dataset.name}", progress):
        if not options.full and files:
            # Spark's limit takes whichever rows arrive first; the local engine's sample is the first
            # rows in file order: count the rows of each split, then scan the first ones only.
            counts = frame.groupBy(FILE, SPLIT).count().collect()
            quotas = first_rows(((row[0] or "", int(row[1] or 0), int(row[2])) for row in counts), options.sample_rows)
            scan = partial(scan_partition, table=dataset.name, quotas=quotas)
        elif not options.full:
            frame = frame.limit(options.sample_rows)  # one JDBC partition, read in the database's order
        rows = frame.mapInArrow(scan, PARTIAL_DDL).collect()
    return combine_partials(dataset.name, [(row.file, row.split, bytes(row.sample)) for row in rows])


def probe_spark(
    target: str,
    options: ScanOptions | None = None,
    spark: SparkSession | None = None,
    progress: Progress | None = None,
) -> DataStoreEvidence:
    """Scan a Parquet/ORC/CSV/JSON dataset, `hive:db.table` or `jdbc:` URL; ProbeError when unreadable."""
    options = options or ScanOptions()
    spark = spark or session()
    source = read_target(spark, target, options.tables)
    try:
        samples = [_sample(spark, source, dataset, options, progress) for dataset in source.datasets]
    except spark_errors() as error:
        raise ProbeError(source.shown, f"the Spark job failed: {first_line(error)}") from error
    pool = plaintext_pool(samples)
    digest = hashlib.sha256(source.shown.encode())
    for dataset, sample in zip(source.datasets, samples, strict=True):
        digest.update(f"\n{dataset.name}|{sample.rows}|{'|'.join(dataset.inputs)}".encode())
    return DataStoreEvidence(
        provenance=Provenance(
            path=source.shown,
            sha256=digest.hexdigest(),
            size=sum(s.rows for s in samples),
            tool="lendguard-scan-spark",
            tool_version=version("lendguard"),
            collected_at=datetime.now(UTC),
        ),
        store=source.store,
        source=source.shown,
        tables=tuple(profile(s, options.full, pool, options.show_values) for s in samples),
    )


def spark_probe(
    master: str | None = None, conf: dict[str, str] | None = None, progress: Progress | None = None
) -> Callable[[str, ScanOptions | None], DataStoreEvidence]:
    """A data-store probe for engine.audit_datastore that runs on Spark (the session starts on first use)."""

    def probe(target: str, options: ScanOptions | None) -> DataStoreEvidence:
        return probe_spark(target, options, session(master, conf), progress)

    return probe
