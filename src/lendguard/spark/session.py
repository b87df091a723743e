"""The SparkSession LendGuard's jobs run in, scan targets read as DataFrames, and stage progress."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from lendguard.probes.datastore.sql import masked_url
from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

Progress = Callable[[str, int, int], None]  # (description, tasks done, tasks in all)

DEFAULTS = {
    "spark.app.name": "lendguard",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
}
SUFFIX_FORMATS = {".parquet": "parquet", ".orc": "orc", ".csv": "csv", ".tsv": "csv", ".json": "json", ".jsonl": "json"}
JDBC_DRIVERS = {
    "sqlite": "org.sqlite.JDBC",
    "postgresql": "org.postgresql.Driver",
    "mysql": "com.mysql.cj.jdbc.Driver",
    "mariadb": "org.mariadb.jdbc.Driver",
}
STORE_KINDS = {"sqlite": "sqlite", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


def session(master: str | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """The running session (under spark-submit) or a new one; ProbeError when pyspark is missing."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise ProbeError("--engine spark", "pyspark is not installed (pip install 'lendguard[spark]')") from error
    if (master or "local").startswith("local") and "PYSPARK_GATEWAY_PORT" not in os.environ:
        # local mode outside spark-submit: the executors run this interpreter, which has lendguard
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = {**DEFAULTS, **(conf or {})}
    log4j = files("lendguard.spark").joinpath("log4j2.properties")
    java = settings.get("spark.driver.extraJavaOptions", "")
    settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile=file:{log4j} {java}".strip()
    builder = SparkSession.builder
    if master:
        builder = builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@dataclass(frozen=True)
class Dataset:
    """One table of a target as Spark reads it."""

    name: str  # as reports name it: the path for files, the table for Hive and JDBC
    frame: DataFrame
    partition_columns: tuple[str, ...]
    inputs: tuple[str, ...]  # the files read, where Spark knows them


@dataclass(frozen=True)
class Source:
    target: str
    shown: str  # the target with any password masked
    store: str
    format: str  # parquet, orc, csv, json, hive, jdbc
    datasets: tuple[Dataset, ...]


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "desc", None) or error).strip().splitlines()
    return text[0] if text else type(error).__name__


def _local_format(root: Path) -> str | None:
    candidates = [root] if root.is_file() else sorted(root.rglob("*"))
    for path in candidates:
        if path.is_file() and not path.name.startswith(("_", ".")):
            for suffix in reversed(path.suffixes):
                if suffix.lower() in SUFFIX_FORMATS:
                    return SUFFIX_FORMATS[suffix.lower()]
    return None


def _remote_format(spark: SparkSession, target: str) -> str | None:
    """The format of the first data file under a Hadoop path (hdfs://, s3a://, …)."""
    jvm = spark.sparkContext._jvm
    assert jvm is not None
    path = jvm.org.apache.hadoop.fs.Path(target)
    listing = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).listFiles(path, True)
    while listing.hasNext():
        name = str(listing.next().getPath().getName())
        if not name.startswith(("_", ".")):
            return next((SUFFIX_FORMATS[s] for s in reversed(Path(name).suffixes) if s in SUFFIX_FORMATS), None)
    return None


def _partition_columns(root: str, inputs: list[str]) -> tuple[str, ...]:
    """Hive-style partition directories (name=value) between the root and the first file."""
    if not inputs:
        return ()
    relative = inputs[0].split(root.rstrip("/").split("://")[-1], 1)[-1]
    return tuple(part.split("=", 1)[0] for part in relative.strip("/").split("/")[:-1] if "=" in part)


def _files(spark: SparkSession, target: str) -> Source:
    local = "://" not in target or target.startswith("file:")
    path = Path(target.removeprefix("file://"))
    if local and not path.exists():
        raise ProbeError(target, "no such file or directory")
    kind = _local_format(path) if local else _remote_format(spark, target)
    if kind is None:
        raise ProbeError(target, "no Parquet, ORC, CSV or JSON data file here")
    reader = spark.read.format(kind)
    if kind == "csv":
        reader = reader.option("header", "true").option("sep", "\t" if target.endswith(".tsv") else ",")
    frame = reader.load(target)
    inputs = sorted(frame.inputFiles())
    name = str(path) if local else target
    dataset = Dataset(name, frame, _partition_columns(str(path.resolve()) if local else target, inputs), tuple(inputs))
    return Source(target, target, kind if path.is_file() or not local else "directory", kind, (dataset,))


def _hive(spark: SparkSession, target: str, tables: tuple[str, ...]) -> Source:
    """hive:db.table, or hive:db for every table of the database."""
    name = target.removeprefix("hive:")
    if "." not in name and not tables:
        if not spark.catalog.databaseExists(name):
            raise ProbeError(target, f"no Hive database {name}")
        tables = tuple(f"{name}.{t.name}" for t in spark.catalog.listTables(name) if not t.isTemporary)
    names = list(tables) or [name]
    datasets = []
    for name in names:
        if not spark.catalog.tableExists(name):
            raise ProbeError(target, f"no Hive table {name}")
        frame = spark.table(name)
        partitions = tuple(c.name for c in spark.catalog.listColumns(name) if c.isPartition)
        try:
            inputs = tuple(sorted(frame.inputFiles()))
        except Exception:  # noqa: BLE001 - a view or catalog without files: no file list
            inputs = ()
        datasets.append(Dataset(name, frame, partitions, inputs))
    return Source(target, target, "hive", "hive", tuple(datasets))


def _jdbc_tables(spark: SparkSession, url: str) -> list[str]:
    """The tables of the connection's own database and schema, as the driver lists them
    (DatabaseMetaData.getTables): a shared server's other databases and schemas are not the target."""
    jvm, gateway = spark.sparkContext._jvm, spark.sparkContext._gateway
    assert jvm is not None and gateway is not None
    kinds = gateway.new_array(jvm.java.lang.String, 1)
    kinds[0] = "TABLE"
    connection = jvm.java.sql.DriverManager.getConnection(url)
    try:
        result = connection.getMetaData().getTables(connection.getCatalog(), connection.getSchema(), "%", kinds)
        names = []
        while result.next():
            names.append(str(result.getString("TABLE_NAME")))
        return sorted(names)
    finally:
        connection.close()


def _mysql_scheme(target: str) -> str:
    """jdbc:mariadb:… as jdbc:mysql:…, still read by MariaDB's driver: only under that scheme does Spark
    speak MySQL's SQL (backquoted names; in ANSI double quotes MySQL reads "id" as the string 'id')."""
    rest = target.removeprefix("jdbc:mariadb:")
    return f"jdbc:mysql:{rest}{'&' if '?' in rest else '?'}permitMysqlScheme"


def _jdbc(spark: SparkSession, target: str, tables: tuple[str, ...]) -> Source:
    protocol = target.split(":", 2)[1] if target.count(":") >= 2 else ""
    shown = masked_url(target)
    if protocol == "mariadb":
        target = _mysql_scheme(target)
    driver = JDBC_DRIVERS.get(protocol)
    if driver is not None:
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        try:
            jvm.org.apache.spark.sql.execution.datasources.jdbc.DriverRegistry.register(driver)
        except Exception as error:
            raise ProbeError(
                shown, f"JDBC driver {driver} not found: add its jar with --conf spark.jars=PATH"
            ) from error
    names = list(tables) or _jdbc_tables(spark, target)
    datasets = []
    for name in names:
        reader = spark.read.format("jdbc").option("url", target).option("dbtable", name)
        if driver is not None:
            reader = reader.option("driver", driver)
        datasets.append(Dataset(name, reader.load(), (), ()))
    return Source(target, shown, STORE_KINDS.get(protocol, "jdbc"), "jdbc", tuple(datasets))


def read_target(spark: SparkSession, target: str, tables: tuple[str, ...] = ()) -> Source:
    """hive:db.table, jdbc:… URLs, or a Parquet/ORC/CSV/JSON file or directory (local or Hadoop)."""
    from py4j.protocol import Py4JError, Py4JJavaError
    from pyspark.errors import PySparkException

    shown = masked_url(target) if target.startswith("jdbc:") else target
    try:
        if target.startswith("hive:"):
            return _hive(spark, target, tables)
        if target.startswith("jdbc:"):
            return _jdbc(spark, target, tables)
        return _files(spark, target)
    except (PySparkException, Py4JJavaError, Py4JError) as error:
        raise ProbeError(shown, f"Spark cannot read it: {_first_line(error)}") from error


def ordered(frame: DataFrame, files: bool) -> DataFrame:
    """The frame with the (file, split) ordering columns the batch entry points expect."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F  # noqa: N812 - Spark's own convention

    from lendguard.spark.batches import FILE, SPLIT

    if files:
        quiet = logging.getLogger("DataFrameQueryContextLogger")  # logs the AnalysisException we expect
        level, quiet.level = quiet.level, logging.CRITICAL
        try:
            return frame.select(
                "*", F.col("_metadata.file_path").alias(FILE), F.col("_metadata.file_block_start").alias(SPLIT)
            )
        except AnalysisException:  # a Hive table that Spark does not read as files
            pass
        finally:
            quiet.level = level
    return frame.select("*", F.lit("").alias(FILE), F.spark_partition_id().cast("long").alias(SPLIT))


@contextmanager
def stages(spark: SparkSession, description: str, progress: Progress | None) -> Iterator[None]:
    """Report the tasks of every stage of the jobs run inside this block, from Spark's status tracker."""
    if progress is None:
        yield
        return
    context = spark.sparkContext
    group = f"lendguard-{threading.get_ident()}-{id(description)}"
    context.setJobGroup(group, description)
    tracker, stop = context.statusTracker(), threading.Event()

    last = (0, 0)

    def report() -> None:
        nonlocal last
        done = total = 0
        for job_id in tracker.getJobIdsForGroup(group):
            job = tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else ():
                stage = tracker.getStageInfo(stage_id)
                if stage is not None:
                    done, total = done + stage.numCompletedTasks, total + stage.numTasks
        if total and (done, total) != last:
            last = (done, total)
            progress(description, done, total)

    def poll() -> None:
        while not stop.wait(0.25):
            report()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        report()  # the finished state, which a poll may have missed
        context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
