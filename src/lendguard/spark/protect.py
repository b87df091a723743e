"""`protect --engine spark` and `unprotect --engine spark`: a protected (or restored) copy of a dataset.

The copy is written with the local file copy's transforms (lendguard.protect.rewrite.copy_transforms)
by mapInArrow, in the input's format and partitioning, protected columns as strings, into
OUTPUT.partial; it is read back and checked against the input (per dataset partition: row count
and an order-independent checksum of every column and of whole rows, tokens restored), and only
then renamed to OUTPUT with its manifest. The input is only ever read: a failed or killed job
leaves it as it was, and a rerun starts over from a clean OUTPUT.partial.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lendguard.probes.datastore import ScanOptions
from lendguard.probes.errors import ProbeError
from lendguard.protect.keys import load_keyring
from lendguard.protect.rewrite import ColumnReport, ProtectError, copy_transforms, plan_targets
from lendguard.spark.batches import (
    STATS_DDL,
    WHOLE_ROW,
    add_stats,
    policy_transform,
    stats_partition,
    transform_partition,
)
from lendguard.spark.scan import first_line, probe_spark, spark_errors
from lendguard.spark.session import Dataset, Progress, Source, read_target, stages

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

MANIFEST = "_lendguard_manifest.json"  # Spark's readers skip names that start with _
COPY_FORMATS = {"parquet": "parquet", "orc": "orc", "csv": "csv", "json": "json"}  # hive, jdbc: Parquet


@dataclass(frozen=True)
class CopyResult:
    output: str
    reports: list[ColumnReport]
    manifest: dict[str, Any]


class _Store:
    """The output's file system: local paths directly, others (hdfs://, s3a://) through Hadoop."""

    def __init__(self, spark: SparkSession, location: str) -> None:
        self.spark, self.location = spark, location
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        self.jvm = jvm
        self.fs = jvm.org.apache.hadoop.fs.Path(location).getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())

    def path(self, location: str) -> Any:
        return self.jvm.org.apache.hadoop.fs.Path(location)

    def exists(self, location: str) -> bool:
        return bool(self.fs.exists(self.path(location)))

    def remove(self, location: str) -> None:
        if self.exists(location):
            self.fs.delete(self.path(location), True)

    def rename(self, source: str, target: str) -> None:
        if not self.fs.rename(self.path(source), self.path(target)):
            raise ProtectError(f"{target}: could not move the finished copy into place (it is in {source})")

    def write_text(self, location: str, text: str) -> None:
        stream = self.fs.create(self.path(location), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def read_text(self, location: str) -> str | None:
        if not self.exists(location):
            return None
        stream = self.fs.open(self.path(location))
        try:
            data = self.jvm.org.apache.commons.io.IOUtils.toByteArray(stream)
        finally:
            stream.close()
        return bytes(data).decode("utf-8")


def _one(source: Source) -> Dataset:
    if len(source.datasets) != 1:
        names = ", ".join(d.name for d in source.datasets)
        raise ProtectError(
            f"{source.shown}: protect --engine spark copies one table at a time (--table one of {names})"
        )
    return source.datasets[0]


def _stats(
    spark: SparkSession,
    frame: DataFrame,
    partitions: tuple[str, ...],
    restored: tuple[str, ...],
    key_file: str | None,
    description: str,
    progress: Progress | None,
) -> dict[str, dict[str, Any]]:
    job = partial(stats_partition, partition_columns=partitions, restored=restored, key_file=key_file)
    with stages(spark, description, progress):
        rows = frame.mapInArrow(job, STATS_DDL).collect()
    return add_stats((r.partition, r.column, r.rows, r.tokens, r.checksum) for r in rows)


def _string_schema(frame: DataFrame, columns: tuple[str, ...]) -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType(
        [StructField(f.name, StringType(), True) if f.name in columns else f for f in frame.schema.fields]
    )


def _write(frame: DataFrame, kind: str, partitions: tuple[str, ...], location: str) -> None:
    writer = frame.write.mode("overwrite").format(kind)
    if kind == "csv":
        writer = writer.option("header", "true")
    if partitions:
        writer = writer.partitionBy(*partitions)
    writer.save(location)


def _compare(
    before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]], columns: tuple[str, ...]
) -> list[str]:
    """What differs between the originals and the copy's restored values, per partition."""
    problems = []
    for partition in sorted(set(before) | set(after)):
        old, new = before.get(partition), after.get(partition)
        where = partition or "the dataset"
        if old is None or new is None or old["rows"] != new["rows"]:
            problems.append(f"{where}: {old and old['rows']} rows read, {new and new['rows']} in the copy")
            continue
        for column in (*columns, WHOLE_ROW):
            if old["columns"][column]["checksum"] != new["columns"][column]["checksum"]:
                problems.append(f"{where}: {column or 'whole rows'} differ after restoring")
    return problems


def _reports(
    dataset: Dataset,
    columns: tuple[str, ...],
    label: str,
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    verified: bool,
) -> list[ColumnReport]:
    reports = []
    for column in columns:
        rows = sum(p["rows"] for p in before.values())
        already = sum(p["columns"][column]["tokens"] for p in before.values())
        tokens = sum(p["columns"][column]["tokens"] for p in after.values())
        checksum = "".join(p["columns"][column]["checksum"] for p in before.values())
        reports.append(
            ColumnReport(
                table=dataset.name,
                column=column,
                operator=label,
                rows=rows,
                changed=abs(tokens - already),
                already=already if label != "restore" else 0,
                checksum=_digest(checksum),
                verified=verified,
            )
        )
    return reports


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def _publish(spark: SparkSession, output: str, run: Any, manifest_of: Any) -> tuple[list[ColumnReport], dict[str, Any]]:
    """Run the copy job into OUTPUT.partial, then move it into place with its manifest."""
    store = _Store(spark, output)
    if store.exists(output):
        raise ProtectError(f"{output}: exists; choose a new --output (a finished copy is never overwritten)")
    staging = f"{output.rstrip('/')}.partial"
    store.remove(staging)  # left by a failed or killed run
    try:
        reports, manifest, problems = run(staging)
    except spark_errors() as error:
        store.remove(staging)
        raise ProtectError(
            f"the Spark job failed; the input is unchanged and nothing was published: {first_line(error)}"
        ) from error
    if problems:
        store.remove(staging)
        raise ProtectError(f"{output}: the copy does not restore to the input; nothing was published", problems)
    store.write_text(
        f"{staging}/{MANIFEST}", json.dumps(manifest_of(reports, manifest), ensure_ascii=False, indent=2) + "\n"
    )
    store.rename(staging, output)
    return reports, manifest


def _scan_targets(spark: SparkSession, target: str, tables: tuple[str, ...], columns: tuple[str, ...]) -> Any:
    try:
        evidence = probe_spark(target, ScanOptions(tables=tables), spark)
    except ProbeError as error:
        raise ProtectError(str(error)) from error
    return plan_targets(evidence, columns)


def protect_dataset(
    spark: SparkSession,
    target: str,
    output: str,
    key_file: Path | None,
    policy: str = "default",
    tables: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
    rekey: bool = False,
    progress: Progress | None = None,
) -> CopyResult:
    """A protected copy of one dataset at `output`; the executors read the key file themselves."""
    ring = load_keyring(key_file)  # fails here, before any job, when the key file is unusable
    _, label, reversible = copy_transforms(policy, ring, rekey)
    try:
        source = read_target(spark, target, tables)
    except ProbeError as error:
        raise ProtectError(str(error)) from error
    dataset = _one(source)
    targets = _scan_targets(spark, target, tables, columns)
    in_partitions = [t.column for t in targets if t.column in dataset.partition_columns]
    if in_partitions:
        raise ProtectError(
            f"{source.shown}: partition column(s) {', '.join(in_partitions)} hold personal information; "
            "their values are directory names, which protect does not rewrite"
        )
    names = tuple(t.column for t in targets)
    if not names:
        return CopyResult(output, [], {})
    entities = {t.column: t.entity for t in targets}
    kind = COPY_FORMATS.get(source.format, "parquet")
    key = str(key_file) if key_file else None

    def run(staging: str) -> tuple[list[ColumnReport], dict[str, Any], list[str]]:
        make = partial(policy_transform, policy, entities, rekey)
        job = partial(transform_partition, columns=names, make_transform=make, key_file=key)
        with stages(spark, f"Spark protect {dataset.name}", progress):
            _write(
                dataset.frame.mapInArrow(job, _string_schema(dataset.frame, names)),
                kind,
                dataset.partition_columns,
                staging,
            )
        copy = spark.read.format(kind).options(**({"header": "true"} if kind == "csv" else {})).load(staging)
        parts = dataset.partition_columns
        restored = names if reversible else ()  # the originals: plaintext, and what earlier tokens hold
        before = _stats(spark, dataset.frame, parts, restored, key, f"Spark checksums {dataset.name}", progress)
        after = _stats(spark, copy, parts, restored, key, f"Spark verify {output}", progress)
        problems = (
            _compare(before, after, names)
            if reversible
            else [
                f"{p or 'the dataset'}: {before[p]['rows']} rows read, {after.get(p, {}).get('rows')} in the copy"
                for p in before
                if after.get(p, {}).get("rows") != before[p]["rows"]
            ]
        )
        manifest = {
            "partitions": {
                p: {"rows": v["rows"], "checksums": {c: v["columns"][c]["checksum"] for c in (*names, WHOLE_ROW)}}
                for p, v in before.items()
            }
        }
        return _reports(dataset, names, label, before, after, not problems), manifest, problems

    def manifest_of(reports: list[ColumnReport], partitions: dict[str, Any]) -> dict[str, Any]:
        return {
            "engine": "spark",
            "source": source.shown,
            "format": kind,
            "policy": policy,
            "operator": label,
            "reversible": reversible,
            "key_ids": sorted(ring.keys),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "columns": list(names),
            "partition_columns": list(dataset.partition_columns),
            "schema": json.loads(dataset.frame.schema.json()),
            **partitions,
        }

    reports, manifest = _publish(spark, output, run, manifest_of)
    return CopyResult(output, reports, manifest_of(reports, manifest))


def unprotect_dataset(
    spark: SparkSession,
    target: str,
    output: str,
    key_file: Path | None,
    progress: Progress | None = None,
) -> CopyResult:
    """Restore a copy written by protect_dataset to `output`, with the original types; its checksums
    must equal the manifest's (the originals'), partition by partition."""
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention
    from pyspark.sql.types import StructType

    load_keyring(key_file)
    text = _Store(spark, target).read_text(f"{target.rstrip('/')}/{MANIFEST}")
    if text is None:
        raise ProtectError(
            f"{target}: no {MANIFEST}; unprotect --engine spark restores copies made by protect --engine spark"
        )
    recorded = json.loads(text)
    names = tuple(recorded["columns"])
    parts = tuple(recorded["partition_columns"])
    kind = recorded["format"]
    schema = StructType.fromJson(recorded["schema"])
    key = str(key_file) if key_file else None
    frame = spark.read.format(kind).options(**({"header": "true"} if kind == "csv" else {})).load(target)
    dataset = Dataset(target, frame, parts, ())

    def run(staging: str) -> tuple[list[ColumnReport], dict[str, Any], list[str]]:
        make = partial(policy_transform, "restore", {}, False)
        job = partial(transform_partition, columns=names, make_transform=make, key_file=key)
        restored = frame.mapInArrow(job, _string_schema(frame, names)).select(
            *(
                F.col(f.name).cast(schema[f.name].dataType) if f.name in names else F.col(f.name)
                for f in frame.schema.fields
            )
        )
        with stages(spark, f"Spark unprotect {target}", progress):
            _write(restored, kind, parts, staging)
        copy = spark.read.format(kind).options(**({"header": "true"} if kind == "csv" else {})).load(staging)
        after = _stats(spark, copy, parts, (), key, f"Spark verify {output}", progress)
        before = {
            p: {"rows": v["rows"], "columns": {c: {"checksum": s, "tokens": 0} for c, s in v["checksums"].items()}}
            for p, v in recorded["partitions"].items()
        }
        for value in before.values():
            for column in names:
                value["columns"][column]["tokens"] = value["rows"]  # every value was a token or empty
        problems = _compare(before, after, names)
        return _reports(dataset, names, "restore", before, after, not problems), {}, problems

    def manifest_of(reports: list[ColumnReport], _: dict[str, Any]) -> dict[str, Any]:
        return {
            **recorded,
            "engine": "spark",
            "restored_from": target,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }

    reports, _ = _publish(spark, output, run, manifest_of)
    return CopyResult(output, reports, manifest_of(reports, {}))
