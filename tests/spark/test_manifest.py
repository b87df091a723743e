"""An inspection manifest's `datastore` target may say `engine: spark`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lendguard.engine import ManifestError, run_inspection
from lendguard.probes.datastore import ScanOptions
from lendguard.rulebase import RuleBase
from lendguard.spark.scan import probe_spark


def _manifest(folder: Path, datastore: str) -> Path:
    path = folder / "inspection.yaml"
    path.write_text(f"platform: 示例平台\ntargets:\n  datastore:\n{datastore}", encoding="utf-8")
    return path


def test_a_datastore_target_runs_on_the_engine_it_names(spark: Any, lake: Path, rulebase: RuleBase) -> None:
    manifest = _manifest(lake, "    - {path: parquet/address_book, engine: spark, master: 'local[2]'}\n")
    used: list[dict[str, Any]] = []

    def spark_engine(item: Any) -> Any:
        used.append(dict(item))
        return lambda target, options: probe_spark(target, options or ScanOptions(), spark)

    inspection = run_inspection(manifest, rulebase, "en", engines={"spark": spark_engine})
    assert used == [{"path": "parquet/address_book", "engine": "spark", "master": "local[2]"}]
    (report,) = inspection.reports
    assert report.error is None and report.evidence is not None
    assert report.evidence.provenance.tool == "lendguard-scan-spark"
    failed = {f.rule for f in report.findings if f.outcome.value == "fail"}
    assert "DATA-CONTACTS-STORED" in failed


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("    - {path: lake, engine: flink}\n", "datastore engine 'flink' is not available"),
        ("    - {engine: spark}\n", "a datastore target needs `path`"),
        ("    - {path: lake, engines: spark}\n", "a datastore target needs `path`"),
    ],
)
def test_a_bad_datastore_entry_is_a_manifest_error(
    tmp_path: Path, rulebase: RuleBase, entry: str, problem: str
) -> None:
    with pytest.raises(ManifestError, match=problem):
        run_inspection(_manifest(tmp_path, entry), rulebase, "en", engines={"spark": lambda item: None})  # type: ignore[arg-type,return-value]
