"""Collection logs and governance records: joins, time zones, working days, bad input."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import run_cli

from lendguard.checks.org import add_working_days
from lendguard.engine import TargetReport, audit_collection
from lendguard.probes import ProbeError
from lendguard.probes.collection import probe_collection, probe_org
from lendguard.rulebase import RuleBase


def test_generated_log_has_thousands_of_rows_and_bounded_evidence(
    collection_logs: dict[str, tuple[Path, Path]], rulebase: RuleBase
) -> None:
    log, loans = collection_logs["bad_log"]
    evidence = probe_collection(str(log), str(loans), rulebase)
    assert evidence.rows > 3000 and evidence.loans == 300
    assert len(evidence.attempts) < evidence.rows // 10  # only what a COL rule can be about
    assert all("****" in a.number for a in evidence.attempts)


def test_relay_only_message_is_not_disclosure(reports: dict[str, TargetReport]) -> None:
    clean = reports["clean_log"]
    assert not [f for f in clean.findings if f.rule == "COL-DISCLOSURE" and f.outcome.value == "fail"]
    bad = [f for f in reports["bad_log"].findings if f.rule == "COL-DISCLOSURE" and f.outcome.value == "fail"]
    assert len(bad) == 1 and "转告他联系我们" not in bad[0].quote


def test_rows_and_loan_are_located(reports: dict[str, TargetReport]) -> None:
    finding = next(f for f in reports["bad_log"].findings if f.rule == "COL-REFUSAL-IGNORED")
    assert finding.location.loan == "L00000" and finding.location.rows and len(finding.location.rows) == 2


def test_working_days_skip_holidays_and_count_adjusted_saturdays() -> None:
    assert add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)  # National Day week is a holiday
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)


def test_column_roles_come_from_the_values_names_only_hint(tmp_path: Path, rulebase: RuleBase) -> None:
    log = tmp_path / "log.csv"
    log.write_text("when,ref,dialled,words\n2026-11-20 23:10:00,L1,13800000000,你好\n", encoding="utf-8")
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,borrower_phone\nL1,13800000000\n", encoding="utf-8")
    evidence = probe_collection(str(log), str(loans), rulebase)  # a time, a loan of the loans file, a phone
    assert evidence.attempts and evidence.attempts[0].quiet_hours
    assert any("time column when chosen by its values alone" in w for w in evidence.warnings)
    report = audit_collection(str(log), str(loans), rulebase, overrides={"content": "words"})
    assert {f.rule for f in report.findings if f.outcome.value == "fail"} == {"COL-HOURS"}
    result = run_cli(
        "collection",
        str(log),
        "--loans",
        str(loans),
        "--map",
        "time=when",
        "--map",
        "number=dialled",
        "--fail-on",
        "high",
    )
    assert result.returncode == 1


def test_a_role_that_cannot_be_resolved_is_exit_2_with_the_candidates(tmp_path: Path, rulebase: RuleBase) -> None:
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,borrower_phone\nL1,13800000000\n", encoding="utf-8")
    two = tmp_path / "two.csv"  # two phone columns, neither named as the callee
    two.write_text("time,loan_id,a,b\n2026-11-20 10:00:00,L1,13800000000,13900000000\n", encoding="utf-8")
    with pytest.raises(ProbeError, match=r"several columns could be number: a \(100% fit\), b \(100% fit\)"):
        probe_collection(str(two), str(loans), rulebase)
    none = tmp_path / "none.csv"
    none.write_text("time,loan_id,phone\n2026-11-20 10:00:00,L1,unknown\n", encoding="utf-8")
    result = run_cli("collection", str(none), "--loans", str(loans))
    assert result.returncode == 2 and "no column for number" in result.stderr and "phone (0% fit)" in result.stderr
    assert result.stderr.count("\n") == 1
    fixed = probe_collection(str(two), str(loans), rulebase, overrides={"number": "b"})
    assert fixed.attempts[0].role == "third_party"


def test_to_phone_and_emergency_contact_phone_are_recognised(tmp_path: Path, rulebase: RuleBase) -> None:
    """The issue's files: `to_phone` stopped the probe; `emergency_contact_phone` went unrecognised and
    every call to the registered emergency contact became a COL-THIRD-PARTY accusation."""
    loans = tmp_path / "loans.csv"
    loans.write_text(
        "loan_id,borrower_mobile,emergency_contact_name,emergency_contact_phone,company_phone\n"
        "L1,13800000000,王芳,13900000001,021-88886666\nL2,13800000002,李强,13900000003,021-88886667\n",
        encoding="utf-8",
    )
    log = tmp_path / "log.csv"
    log.write_text(
        "call_time,loan_no,from_phone,to_phone,result,content\n"
        "2026-11-20 10:00:00,L1,4008001234,13800000000,未接通,\n"
        "2026-11-20 10:05:00,L1,4008001234,13900000001,接通,请转告借款人回电\n",
        encoding="utf-8",
    )
    evidence = probe_collection(str(log), str(loans), rulebase)
    assert [a.role for a in evidence.attempts] == ["emergency_contact"]
    assert any("company_phone hold phone numbers" in w for w in evidence.warnings)
    report = audit_collection(str(log), str(loans), rulebase)
    assert not [f for f in report.findings if f.rule == "COL-THIRD-PARTY" and f.outcome.value == "fail"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("platform: x\n", "as_of: Field required"),
        ("- just\n- a list\n", "not a governance record"),
        ("platform: [unclosed\n", "not valid YAML"),
        ("platform: x\nas_of: 2026-11-29\nmlps_level: three\n", "mlps_level"),
    ],
)
def test_bad_governance_records(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "org.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ProbeError, match=problem):
        probe_org(path)
    result = run_cli("org", str(path))
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1


def test_bad_logs_exit_2(tmp_path: Path) -> None:
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,borrower_phone\nL1,13800000000\n", encoding="utf-8")
    empty = tmp_path / "empty.csv"
    empty.write_text("时间,借款编号,被叫号码\n", encoding="utf-8")
    for log, problem in (
        (empty, "no rows"),
        (tmp_path / "missing.csv", "no such file"),
        (tmp_path / "x.txt", "no such file"),
    ):
        result = run_cli("collection", str(log), "--loans", str(loans))
        assert result.returncode == 2 and problem in result.stderr and result.stderr.count("\n") == 1


TIME_DEPENDENT = {"COL-HOURS", "COL-FREQUENCY", "COL-CONTACT-NOT-LOST", "COL-REFUSAL-IGNORED"}


@pytest.mark.parametrize("unreadable", ["明天下午", "2026-13-45 99:99:00", "", "99999999999999999999"])
def test_rows_whose_time_cannot_be_read_are_counted_and_time_rules_are_inconclusive(
    tmp_path: Path, rulebase: RuleBase, unreadable: str
) -> None:
    """Before: every COL rule passed, exit 0. A rule judged on times cannot pass while a time is unread."""
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,borrower_phone\nL1,13800000000\n", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(
        f"time,loan_id,phone,result\n2026-11-20 10:00:00,L1,13800000000,未接通\n{unreadable},L1,13800000000,接通\n",
        encoding="utf-8",
    )
    evidence = probe_collection(str(log), str(loans), rulebase)
    assert evidence.untimed_rows == 1 and evidence.untimed_examples == (2,)
    assert f"{log}: 1 of 2 rows have no readable time (rows 2)" in " ".join(evidence.warnings)
    outcomes = {f.rule: f.outcome.value for f in audit_collection(str(log), str(loans), rulebase).findings}
    assert {rule for rule, outcome in outcomes.items() if outcome == "inconclusive"} == TIME_DEPENDENT
    assert outcomes["COL-THIRD-PARTY"] == "pass"  # rules that do not need the time are still judged
    result = run_cli("collection", str(log), "--loans", str(loans), "--fail-on-inconclusive")
    assert result.returncode == 1 and "1 of 2 rows have no readable time" in result.stdout, result.stderr
    assert "Traceback" not in result.stderr


def test_a_time_rule_that_fails_on_readable_rows_still_fails(tmp_path: Path, rulebase: RuleBase) -> None:
    loans = tmp_path / "loans.csv"
    loans.write_text("loan_id,borrower_phone\nL1,13800000000\n", encoding="utf-8")
    log = tmp_path / "log.csv"
    log.write_text(
        "time,loan_id,phone\n2026-11-20 23:30:00,L1,13800000000\n明天下午,L1,13800000000\n", encoding="utf-8"
    )
    outcomes = {f.rule: f.outcome.value for f in audit_collection(str(log), str(loans), rulebase).findings}
    assert outcomes["COL-HOURS"] == "fail" and outcomes["COL-FREQUENCY"] == "inconclusive"


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("{not json", "not valid JSON"),
        ('[{"phone": "13900000001"', "not valid JSON"),
        ("[1", "not valid JSON"),
        ('"just a string"', None),  # no JSON opener: read as separated numbers (none here)
        ('[{"name": "王芳"}]', "JSON without a phone number"),
    ],
)
def test_a_broken_contacts_cell_is_a_warning_naming_file_row_and_problem_never_the_value(
    tmp_path: Path, rulebase: RuleBase, cell: str, problem: str | None
) -> None:
    loans = tmp_path / "loans.csv"
    with loans.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(
            [
                ["loan_id", "borrower_phone", "emergency_contacts"],
                ["L1", "13800000000", '[{"name": "王芳", "phone": "13900000001"}]'],
                ["L2", "13800000002", cell],
            ]
        )
    log = tmp_path / "log.csv"
    log.write_text("time,loan_id,phone\n2026-11-20 10:00:00,L2,13900000001\n", encoding="utf-8")
    evidence = probe_collection(str(log), str(loans), rulebase)
    warning = [w for w in evidence.warnings if "emergency_contacts" in w]
    if problem is None:
        assert not warning
        return
    assert warning == [
        f"{loans}: row 2, column emergency_contacts: {problem}; its contacts are unknown, so calls to them count as third-party"
    ]
    result = run_cli("collection", str(log), "--loans", str(loans), "--fail-on", "none")
    assert result.returncode == 0 and f"{loans}: row 2, column emergency_contacts: {problem}" in result.stdout
    assert cell not in result.stdout and "13900000001" not in result.stderr + result.stdout


def test_contacts_as_a_json_mapping_are_read(tmp_path: Path, rulebase: RuleBase) -> None:
    loans = tmp_path / "loans.csv"
    loans.write_text(
        'loan_id,borrower_phone,contacts\nL1,13800000000,"{""mother"": ""13900000001""}"\n', encoding="utf-8"
    )
    log = tmp_path / "log.csv"
    log.write_text("time,loan_id,phone\n2026-11-20 10:00:00,L1,13900000001\n", encoding="utf-8")
    evidence = probe_collection(str(log), str(loans), rulebase)
    assert [a.role for a in evidence.attempts] == ["emergency_contact"] and not evidence.warnings
