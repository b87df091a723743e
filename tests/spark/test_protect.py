"""`protect --engine spark` / `unprotect --engine spark`: a verified protected copy of a partitioned
dataset, restored byte for byte; a failed job leaves the input untouched and can be rerun."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lendguard.cli import cli
from lendguard.probes.datastore import ScanOptions
from lendguard.protect import generate_keyring, load_keyring
from lendguard.protect.operators import OPERATORS
from lendguard.protect.rewrite import ProtectError
from lendguard.spark.protect import MANIFEST, protect_dataset
from lendguard.spark.scan import probe_spark


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def _dataset(root: Path, rows: list[dict[str, Any]]) -> Path:
    """Borrowers as a Hive-style partitioned Parquet dataset (month=…/), several files per partition."""
    for month in ("2026-01", "2026-02"):
        part = [row for row in rows if f"2026-0{1 + row['id'] % 2}" == month]
        folder = root / f"month={month}"
        folder.mkdir(parents=True)
        for index in range(0, len(part), 12):
            pq.write_table(
                pa.Table.from_pylist(part[index : index + 12]), folder / f"part-{index:05d}.parquet", row_group_size=6
            )
    return root


def _rows(spark: Any, path: Path) -> tuple[Any, list[Any]]:
    frame = spark.read.parquet(str(path))
    return frame.schema, sorted(frame.collect(), key=lambda row: row.id)


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys.json"
    generate_keyring(path)
    return path


def test_protect_and_unprotect_round_trip(
    spark: Any, tmp_path: Path, tables: dict[str, list[dict[str, Any]]], key_file: Path
) -> None:
    source = _dataset(tmp_path / "borrowers", tables["borrowers"])
    before = _digests(source)
    protected, restored = tmp_path / "protected", tmp_path / "restored"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["protect", str(source), "--engine", "spark", "--key-file", str(key_file), "--output", str(protected)]
    )
    assert result.exit_code == 0, result.output
    assert _digests(source) == before  # the input is only read
    manifest = json.loads((protected / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["engine"] == "spark" and manifest["partition_columns"] == ["month"]
    assert set(manifest["columns"]) >= {"real_name", "id_no", "mobile", "email", "home_address"}
    assert sorted(manifest["partitions"]) == ["month=2026-01", "month=2026-02"]
    assert sum(p["rows"] for p in manifest["partitions"].values()) == 40
    assert sorted(p.name for p in protected.iterdir() if p.is_dir()) == ["month=2026-01", "month=2026-02"]

    copy = probe_spark(str(protected), ScanOptions(full=True), spark).tables[0]
    by_name = {c.name: c for c in copy.columns}
    for column in manifest["columns"]:
        assert by_name[column].classification == "encrypted" and by_name[column].tokens == 40
    schema, rows = _rows(spark, protected)
    assert {f.name: f.dataType.simpleString() for f in schema.fields}["id_no"] == "string"
    assert all(row.mobile.startswith("lg1:siv:") for row in rows)

    result = runner.invoke(
        cli, ["unprotect", str(protected), "--engine", "spark", "--key-file", str(key_file), "--output", str(restored)]
    )
    assert result.exit_code == 0, result.output
    assert _rows(spark, restored) == _rows(spark, source)  # same schema, same values, byte for byte

    again = runner.invoke(
        cli, ["protect", str(source), "--engine", "spark", "--key-file", str(key_file), "--output", str(protected)]
    )
    assert again.exit_code == 2 and "exists" in again.output


def test_a_failed_job_leaves_the_input_untouched_and_can_be_rerun(
    spark: Any, tmp_path: Path, tables: dict[str, list[dict[str, Any]]], key_file: Path
) -> None:
    other = tmp_path / "other-keys.json"
    generate_keyring(other)
    rows = [dict(row) for row in tables["borrowers"]]
    # the last value was protected earlier with another key file: this key file cannot read it
    rows[-1]["mobile"] = OPERATORS["siv"].protect(rows[-1]["mobile"], load_keyring(other))
    source = _dataset(tmp_path / "borrowers", rows)
    before = _digests(source)
    output = tmp_path / "protected"
    with pytest.raises(ProtectError, match="the Spark job failed; the input is unchanged"):
        protect_dataset(spark, str(source), str(output), key_file)
    assert _digests(source) == before
    assert not output.exists() and not Path(f"{output}.partial").exists()

    stale = Path(f"{output}.partial") / "month=2026-01"
    stale.mkdir(parents=True)  # as a killed run leaves it
    (stale / "part-junk.parquet").write_bytes(b"not parquet")
    result = protect_dataset(spark, str(source), str(output), other)
    assert all(report.verified for report in result.reports)
    assert not (output / "month=2026-01" / "part-junk.parquet").exists()
    assert _digests(source) == before
