"""The CLI contract CI users rely on: formats, language, exit codes, the published schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import REPO
from tests.conftest import run_cli as lendguard

SCHEMA = json.loads((REPO / "schema" / "report.schema.json").read_text(encoding="utf-8"))


def test_published_schema_is_the_generated_one() -> None:
    generated = json.loads(lendguard("schema").stdout)
    assert generated == SCHEMA, "regenerate schema/report.schema.json with `lendguard schema`"
    assert SCHEMA["$id"].endswith("report-1.2.json") and "Affected" in SCHEMA["$defs"]
    inspection = json.loads((REPO / "schema" / "inspection.schema.json").read_text(encoding="utf-8"))
    assert json.loads(lendguard("schema", "--kind", "inspection").stdout) == inspection, (
        "regenerate schema/inspection.schema.json with `lendguard schema --kind inspection`"
    )
    assert inspection["$id"].endswith("inspection-1.1.json") and "inspector" in inspection["properties"]


def test_json_report_validates_and_carries_the_required_fields(built_apks: dict[str, Path]) -> None:
    result = lendguard("apk", str(built_apks["loanapp"]), "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    jsonschema.validate(document, SCHEMA)
    assert document["target"]["identity"] == "com.example.kuaijie"
    finding = next(f for f in document["findings"] if f["rule"] == "APP-CONTACTS-READ")
    for field in ("rule", "outcome", "severity", "location", "quote", "basis", "remedy", "fingerprint"):
        assert finding[field], field
    assert finding["outcome"] == "fail" and finding["severity"] == "critical"
    assert "PIPL-13" in finding["basis"]
    assert "通讯录" in finding["remedy"]  # Chinese by default
    not_evaluated = {n["rule"]: n["reason"] for n in document["not_evaluated"]}
    assert not_evaluated["POL-PROCESSOR"] == "out_of_scope"  # checked by `lendguard policy`, not by `apk`
    assert set(not_evaluated.values()) == {"out_of_scope"}  # every rule has a check; other targets evaluate it
    assert "APP-CONTACTS-READ" not in not_evaluated


def _nulls(value: object, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for item in value for p in _nulls(item, f"{path}[]")]
    return []


def test_json_report_has_no_null_fields(built_apks: dict[str, Path]) -> None:
    document = json.loads(lendguard("apk", str(built_apks["loanapp"]), "--format", "json").stdout)
    assert document["schema_version"] == "1.2"
    assert _nulls(document) == []
    finding = next(f for f in document["findings"] if f["rule"] == "APP-CONTACTS-READ")
    assert set(finding["location"]) == {"file", "dex", "member"}


def test_english_reports(built_apks: dict[str, Path]) -> None:
    document = json.loads(lendguard("apk", str(built_apks["loanapp"]), "--format", "json", "--lang", "en").stdout)
    finding = next(f for f in document["findings"] if f["rule"] == "APP-CONTACTS-READ")
    assert finding["title"] == "Code queries the contacts provider"
    table = lendguard("apk", str(built_apks["loanapp"]), "--lang", "en").stdout
    assert "Remedies" in table and "APP-CONTACTS-READ" in table


def test_table_is_chinese_by_default(built_apks: dict[str, Path]) -> None:
    out = lendguard("apk", str(built_apks["loanapp"])).stdout
    assert "整改建议" in out and "代码读取通讯录内容提供器" in out


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 1), ("high", 1), ("none", 0)])
def test_fail_on_threshold_sets_the_exit_code(built_apks: dict[str, Path], fail_on: str, code: int) -> None:
    assert lendguard("apk", str(built_apks["loanapp"]), "--fail-on", fail_on).returncode == code


def test_clean_app_exits_0_even_at_the_lowest_threshold(built_apks: dict[str, Path]) -> None:
    assert lendguard("apk", str(built_apks["cleanloan"]), "--fail-on", "info").returncode == 0


def test_batch_writes_one_report_each_and_a_summary(built_apks: dict[str, Path], tmp_path: Path) -> None:
    result = lendguard("apk", str(built_apks["loanapp"]), str(built_apks["cleanloan"]), "--output-dir", str(tmp_path))
    assert result.returncode == 1
    assert "汇总" in result.stdout and "com.example.anxin" in result.stdout
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["cleanloan.apk.json", "loanapp.apk.json"]
    for path in tmp_path.iterdir():
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), SCHEMA)


def test_usage_error_is_one_line_exit_2() -> None:
    result = lendguard("apk", "x.apk", "--format", "xml")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("lendguard: error:")


def test_rules_lists_the_whole_catalogue() -> None:
    rules = json.loads(lendguard("rules", "--format", "json").stdout)
    assert len(rules) == 71
