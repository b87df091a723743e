"""Waivers: accepted findings stay in the report as waived, count toward neither the grade nor the
exit code, expire, and are reported when they match nothing; bad waiver files are one line."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import REPO, run_cli

from lendguard.engine import audit_org, run_inspection
from lendguard.manifest import ManifestError
from lendguard.reports.inspection import build_inspection
from lendguard.rulebase import RuleBase
from lendguard.waivers import apply_waivers, load_waivers

WAIVERS = """waivers:
  - rule: ORG-MLPS
    target: governance.yaml
    reason: 等保三级测评已预约，2027 年 1 月完成
    approved_by: 王敏（个人信息保护负责人）
    expires: 2099-12-31
  - rule: ORG-NO-PIA
    reason: 旧的豁免
    approved_by: 李雷
    expires: 2020-01-01
  - rule: NET-THIRD-PARTY
    reason: 已不存在的问题
    approved_by: 李雷
    expires: 2099-12-31
"""


@pytest.fixture
def platform(tmp_path: Path) -> Path:
    shutil.copy(REPO / "examples" / "governance.yaml", tmp_path)
    (tmp_path / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    (tmp_path / "inspection.yaml").write_text(
        "platform: x\nwaivers: waivers.yaml\ntargets:\n  org: [governance.yaml]\n", encoding="utf-8"
    )
    return tmp_path


def test_waivers_apply_expire_and_report_what_matched_nothing(platform: Path, rulebase: RuleBase) -> None:
    report = audit_org(platform / "governance.yaml", rulebase)
    findings, statuses = apply_waivers(report.findings, load_waivers(platform / "waivers.yaml"), date(2026, 12, 1))
    waived = [f for f in findings if f.waived]
    assert {f.rule for f in waived} == {"ORG-MLPS"} and waived[0].waiver is not None
    assert waived[0].waiver.approved_by.startswith("王敏")
    assert [s.status for s in statuses] == ["applied", "expired", "unmatched"]
    assert statuses[1].findings  # the expired waiver did match: it is reported, not applied


def test_an_inspection_with_waivers_grades_without_them(platform: Path, rulebase: RuleBase) -> None:
    inspection = run_inspection(platform / "inspection.yaml", rulebase, "en", today=date(2026, 12, 1))
    plain = platform / "plain.yaml"
    plain.write_text("platform: x\ntargets:\n  org: [governance.yaml]\n", encoding="utf-8")
    unwaived = run_inspection(plain, rulebase, "en")
    governance = next(a for a in inspection.grade.areas if a.area == "governance")
    assert "ORG-MLPS" not in governance.rules_failed
    assert governance.score > next(a for a in unwaived.grade.areas if a.area == "governance").score
    assert any("expired on 2020-01-01" in w for w in inspection.warnings)
    assert any("matches no finding" in w for w in inspection.warnings)
    assert "waivers.yaml" in {i.path for i in inspection.inputs}  # the waiver file is evidence too
    document = build_inspection(inspection, rulebase, "en")
    assert [w.status for w in document.waivers] == ["applied", "expired", "unmatched"]
    kept = [f for t in document.targets for f in t.findings if f.waived]
    assert [f.rule for f in kept] == ["ORG-MLPS"]  # still in the report, marked waived


def test_waived_findings_do_not_count_toward_the_exit_code(platform: Path, tmp_path: Path) -> None:
    (platform / "all.yaml").write_text(
        "waivers:\n"
        + "".join(
            f"  - {{rule: {rule}, reason: accepted, approved_by: DPO, expires: 2099-01-01}}\n"
            for rule in ("ORG-BREACH-LATE", "ORG-INCIDENT-4H")
        ),
        encoding="utf-8",
    )
    governance = str(platform / "governance.yaml")
    assert run_cli("org", governance, "--fail-on", "high").returncode == 1
    result = run_cli(
        "org", governance, "--fail-on", "high", "--waivers", str(platform / "all.yaml"), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {f["rule"] for f in document["findings"] if f["waived"]} == {"ORG-BREACH-LATE", "ORG-INCIDENT-4H"}
    assert {w["status"] for w in document["waivers"]} == {"applied"}


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("waivers:\n  - {rule: ORG-MLPS, reason: r, approved_by: a}\n", "waivers.0.expires: required key missing"),
        ("waivers:\n  - {rule: ORG-MLPS, reason: r, approved_by: a, expires: 2026-02-30}\n", "waivers.0.expires: "),
        ("waivers:\n  - {reason: r, approved_by: a, expires: 2027-01-01}\n", "waivers.0: a waiver names either"),
        ("waivers:\n  - {rule: X, reason: r, approved_by: a, expires: 2027-01-01, why: y}\n", "waivers.0.why: unknown"),
        ("waivers: {}\n", "waivers: "),
    ],
)
def test_a_bad_waiver_file_is_one_line(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_waivers(path)
    assert str(raised.value).startswith(f"{path}: ") and named in str(raised.value), str(raised.value)
