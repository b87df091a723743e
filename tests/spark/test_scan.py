"""`scan --engine spark` gives the evidence and findings `--engine local` gives on the same rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

from lendguard.cli import cli
from lendguard.engine import evaluate
from lendguard.evidence import DataStoreEvidence
from lendguard.probes.datastore import ScanOptions, probe_datastore
from lendguard.rulebase import RuleBase
from lendguard.spark.scan import probe_spark

FULL = ScanOptions(full=True)


def _tables(evidence: DataStoreEvidence, names: dict[str, str]) -> list[str]:
    """Table profiles as JSON, with each engine's name for a table replaced by a common one."""
    text = []
    for table in evidence.tables:
        dumped = json.dumps(table.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        for name, common in names.items():
            dumped = dumped.replace(f'"{name}"', f'"{common}"').replace(f'"{name}.', f'"{common}.')
        text.append(dumped)
    return text


def _findings(evidence: DataStoreEvidence, rulebase: RuleBase, names: dict[str, str] | None = None) -> list[str]:
    """What each finding says and where (rule, outcome, table, column, entity, quote, why)."""
    findings, _ = evaluate(evidence, "store", rulebase, "en")
    said = []
    for f in findings:
        text = "|".join(
            str(part)
            for part in (
                f.rule,
                f.outcome.value,
                f.location.table,
                f.location.column,
                f.location.entity,
                f.quote,
                f.why,
            )
        )
        for name, common in (names or {}).items():
            text = text.replace(name, common)
        said.append(text)
    return sorted(said)


def test_jdbc_scan_equals_local_database_scan(spark: Any, lake: Path, rulebase: RuleBase) -> None:
    local = probe_datastore(f"sqlite:///{lake / 'platform.db'}", FULL)
    on_spark = probe_spark(f"jdbc:sqlite:{lake / 'platform.db'}", FULL, spark)
    assert on_spark.store == "sqlite"
    assert [t.name for t in on_spark.tables] == sorted(t.name for t in local.tables)
    by_name = {t.name: t for t in local.tables}
    assert [t.model_dump() for t in on_spark.tables] == [by_name[t.name].model_dump() for t in on_spark.tables]
    failed = {f.split("|")[0] for f in _findings(on_spark, rulebase) if f.split("|")[1] == "fail"}
    assert failed >= {"DATA-PLAINTEXT-ID", "DATA-CONTACTS-STORED", "DATA-C3-STORED"}
    assert _findings(on_spark, rulebase) == _findings(local, rulebase)


def test_parquet_dataset_split_over_tasks_equals_the_local_file_scan(
    spark: Any, lake: Path, rulebase: RuleBase
) -> None:
    dataset, single = lake / "parquet" / "borrowers", lake / "single" / "borrowers.parquet"
    assert spark.read.parquet(str(dataset)).rdd.getNumPartitions() > 2  # several splits were combined
    local = probe_datastore(str(single), FULL)
    on_spark = probe_spark(str(dataset), FULL, spark)
    assert on_spark.store == "directory"
    names = {str(single): "T", str(dataset): "T"}
    assert _tables(on_spark, names) == _tables(local, names)
    classified = {c.name: (c.classification, c.detail) for c in on_spark.tables[0].columns}
    assert classified["id_no"] == ("plaintext", "CN_RESIDENT_ID")
    assert classified["mobile_md5"] == ("hashed", "md5")
    assert on_spark.tables[0].columns[4].unsalted is not None  # md5(mobile) confirmed across partials
    assert _findings(on_spark, rulebase, names) == _findings(local, rulebase, names)


@pytest.mark.parametrize(("table", "kind", "rows"), [("borrowers", "parquet", 30), ("address_book", "csv", 100)])
def test_sampled_dataset_scan_reads_the_first_rows_in_file_order_as_the_local_scan_does(
    spark: Any, lake: Path, rulebase: RuleBase, table: str, kind: str, rows: int
) -> None:
    """A sample that spans both files of the dataset and several splits: the same rows as the first
    `rows` of the single file, every time (Spark's own limit takes whichever rows arrive first)."""
    dataset = lake / kind / (table if kind == "parquet" else "")
    single = lake / "single" / f"{table}.{kind}"
    sampled = ScanOptions(sample_rows=rows)
    local = probe_datastore(str(single), sampled)
    names = {str(single): "T", str(dataset).rstrip("/"): "T"}
    for _ in range(2):
        on_spark = probe_spark(str(dataset), sampled, spark)
        assert on_spark.tables[0].rows_scanned == rows
        assert _tables(on_spark, names) == _tables(local, names)
        assert _findings(on_spark, rulebase, names) == _findings(local, rulebase, names)


def test_csv_dataset_equals_the_local_file_scan(spark: Any, lake: Path) -> None:
    single = lake / "single" / "address_book.csv"
    local = probe_datastore(str(single), FULL)
    on_spark = probe_spark(str(lake / "csv"), FULL, spark)
    names = {str(single): "T", str(lake / "csv"): "T"}
    assert _tables(on_spark, names) == _tables(local, names)


def test_hive_database_scan_equals_local(
    spark: Any, lake: Path, tables: dict[str, list[dict[str, Any]]], rulebase: RuleBase
) -> None:
    spark.sql("CREATE DATABASE IF NOT EXISTS lending")
    for name in ("borrowers", "bank_cards"):
        frame = spark.createDataFrame(pa.Table.from_pylist(tables[name]))  # in row order, as the database holds them
        frame.coalesce(1).write.mode("overwrite").format("parquet").saveAsTable(f"lending.{name}")
    on_spark = probe_spark("hive:lending", FULL, spark)
    assert on_spark.store == "hive"
    assert [t.name for t in on_spark.tables] == ["lending.bank_cards", "lending.borrowers"]
    local = probe_datastore(
        f"sqlite:///{lake / 'platform.db'}", ScanOptions(full=True, tables=("bank_cards", "borrowers"))
    )
    names = {"lending.bank_cards": "bank_cards", "lending.borrowers": "borrowers"}
    assert _tables(on_spark, names) == _tables(local, {})
    one = probe_spark("hive:lending.bank_cards", FULL, spark)
    assert [c.card_security_kind for c in one.tables[0].columns if c.card_security_kind] == ["cvn2", "expiry"]


def test_stage_progress_is_reported(spark: Any, lake: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    probe_spark(str(lake / "parquet" / "loans"), FULL, spark, lambda *step: seen.append(step))
    assert seen and seen[-1][1] == seen[-1][2] > 1
    assert seen[-1][0].endswith("loans")


def test_cli_scan_engine_spark(spark: Any, lake: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        cli,
        [
            "scan",
            str(lake / "parquet" / "devices"),
            "--engine",
            "spark",
            "--full",
            "--format",
            "json",
            "--fail-on",
            "low",
        ],
    )
    assert result.exit_code == 1, result.output  # plaintext IMEIs and IPs: DATA-PLAINTEXT-OTHER, low
    document = json.loads(result.output)
    assert document["target"]["name"] == "directory"
    failed = {f["rule"] for f in document["findings"] if f["outcome"] == "fail"}
    assert "DATA-PLAINTEXT-OTHER" in failed


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("missing-folder", "no such file or directory"),
        ("hive:nowhere.loans", "no Hive table nowhere.loans"),
        ("jdbc:mysql://db.example:3306/x?password=hunter2", "JDBC driver com.mysql.cj.jdbc.Driver not found"),
    ],
)
def test_unreadable_targets_are_one_line_input_errors(spark: Any, tmp_path: Path, target: str, problem: str) -> None:
    target = str(tmp_path / target) if target == "missing-folder" else target
    result = CliRunner().invoke(cli, ["scan", target, "--engine", "spark"])
    assert result.exit_code == 2
    assert problem in result.output
    assert "hunter2" not in result.output and "Traceback" not in result.output


def test_pyspark_loads_only_on_the_spark_path() -> None:
    code = "import sys, lendguard.cli; assert 'pyspark' not in sys.modules and 'py4j' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).returncode == 0
