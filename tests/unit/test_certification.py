"""Certification that holds up: every input fingerprinted and re-checked by `verify`, honest
coverage (less or broken evidence never scores better), and manifests validated key by key."""

from __future__ import annotations

import itertools
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from tests.conftest import run_cli
from tests.fixtures import demo_platform

from lendguard.engine import Inspection, TargetReport, grade_reports, run_inspection
from lendguard.manifest import ManifestError, load_manifest
from lendguard.probes.fingerprint import folder_files
from lendguard.reports.inspection import verify
from lendguard.rulebase import RuleBase


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, built_apks: dict[str, Path]) -> Path:
    return demo_platform.inspection_folder(tmp_path_factory.mktemp("demo"), built_apks["loanapp"])


@pytest.fixture(scope="module")
def signed(demo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("signed")
    key = work / "signing.pem"
    assert run_cli("keys", "generate", "--signing", str(key)).returncode == 0
    result = run_cli(
        "audit",
        str(demo / "inspection.yaml"),
        "--output",
        str(work / "out"),
        "--sign-key",
        str(key),
        "--fail-on",
        "none",
    )
    assert result.returncode == 0, result.stderr
    return work / "out" / "report.json", key


def test_every_input_is_fingerprinted(signed: tuple[Path, Path]) -> None:
    report, key = signed
    document = json.loads(report.read_text(encoding="utf-8"))
    by_path = {e["path"]: e for e in document["evidence"]}
    assert set(by_path) == {
        "inspection.yaml",
        "loanapp.apk",
        "generated/kuaijie.har",
        "sqlite:///generated/platform.db",
        "generated/logs",
        "generated/collection/collection_log.csv",
        "generated/collection/loans.csv",
        "governance.yaml",
    }
    database = by_path["sqlite:///generated/platform.db"]
    assert database["kind"] == "database" and "address_book" in {t["table"] for t in database["tables"]}
    assert all(t["rows"] > 0 and len(t["digest"]) == 64 and t["columns"] for t in database["tables"])
    assert by_path["generated/logs"]["kind"] == "folder" and "app.log" in by_path["generated/logs"]["files"]
    result = run_cli("verify", str(report), "--public-key", f"{key}.pub")
    assert result.returncode == 0, result.stderr


def _verify(report: Path) -> str:
    problems = verify(report)
    assert problems
    return "\n".join(problems)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("DROP TABLE address_book", "platform.db: table address_book missing"),
        ("UPDATE borrowers SET mobile = '13800000000' WHERE id = 1", "platform.db: table borrowers content changed"),
        ("DELETE FROM loans WHERE rowid IN (SELECT rowid FROM loans LIMIT 2)", "platform.db: table loans rows changed"),
        ("ALTER TABLE loans ADD COLUMN note TEXT", "platform.db: table loans schema changed"),
        ("CREATE TABLE extra (x TEXT)", "platform.db: table extra added"),
    ],
)
def test_verify_names_a_changed_table(signed: tuple[Path, Path], demo: Path, change: str, named: str) -> None:
    database = demo / "generated" / "platform.db"
    backup = database.with_suffix(".bak")
    shutil.copy(database, backup)
    try:
        with sqlite3.connect(database) as connection:
            connection.execute(change)
        assert named in _verify(signed[0])
    finally:
        shutil.move(backup, database)


@pytest.mark.parametrize(
    ("relative", "named"),
    [
        ("generated/logs/app.log", "generated/logs/app.log: changed"),
        ("generated/collection/loans.csv", "generated/collection/loans.csv: changed"),
        ("governance.yaml", "governance.yaml: changed"),
        ("inspection.yaml", "inspection.yaml: changed"),
    ],
)
def test_verify_names_an_appended_or_edited_file(
    signed: tuple[Path, Path], demo: Path, relative: str, named: str
) -> None:
    path = demo / relative
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n# appended\n")
        assert named in _verify(signed[0])
    finally:
        path.write_bytes(original)


def test_verify_names_a_file_added_to_a_folder(signed: tuple[Path, Path], demo: Path) -> None:
    extra = demo / "generated" / "logs" / "new.log"
    extra.write_text("2026-11-01 10:00:00 INFO hello\n", encoding="utf-8")
    try:
        result = run_cli("verify", str(signed[0]))
        assert result.returncode == 1 and "generated/logs/new.log: added" in result.stderr
    finally:
        extra.unlink()


# --- honest coverage ---------------------------------------------------------------------------

JUNK = b"\x00\x01junk\xff" * 64


def _junk_manifest(folder: Path) -> Path:
    """One junk target of every kind the demo names."""
    for name in ("app.apk", "traffic.har", "platform.db", "log.csv", "loans.csv", "governance.yaml"):
        (folder / name).write_bytes(JUNK)
    (folder / "logs").mkdir()
    (folder / "logs" / "x.bin").write_bytes(JUNK)
    manifest = folder / "inspection.yaml"
    manifest.write_text(
        "platform: junk\ntargets:\n  apk: [app.apk]\n  traffic: [traffic.har]\n"
        '  datastore: ["sqlite:///platform.db", logs]\n'
        "  collection:\n    - {log: log.csv, loans: loans.csv}\n  org: [governance.yaml]\n",
        encoding="utf-8",
    )
    return manifest


def _groups(inspection: Inspection) -> list[list[TargetReport]]:
    """The reports of each manifest target, in manifest order (an APK gives an app and a policy report)."""
    groups: dict[str, list[TargetReport]] = {}
    for report in inspection.reports:
        groups.setdefault(report.file, []).append(report)
    return list(groups.values())


@pytest.fixture(scope="module")
def audited(demo: Path, rulebase: RuleBase, tmp_path_factory: pytest.TempPathFactory) -> tuple[Inspection, Inspection]:
    full = run_inspection(demo / "inspection.yaml", rulebase)
    junk = run_inspection(_junk_manifest(tmp_path_factory.mktemp("junk")), rulebase)
    return full, junk


def test_the_engine_returns_the_grade_it_computed(audited: tuple[Inspection, Inspection], rulebase: RuleBase) -> None:
    full, junk = audited
    assert full.grade == grade_reports(full.reports, rulebase, "zh")
    assert all(area.covered for area in full.grade.areas) and not full.grade.not_covered
    assert junk.nothing_read and junk.grade.score == 0.0 and not junk.grade.certifiable
    assert {a.area for a in junk.grade.areas if not a.covered} == set(rulebase.grading.areas.values())


def test_less_or_broken_evidence_never_scores_better(
    audited: tuple[Inspection, Inspection], rulebase: RuleBase
) -> None:
    """Every subset of the demo's targets, and each target replaced by junk of its kind."""
    full, junk = audited
    real, broken = _groups(full), _groups(junk)
    assert len(real) == len(broken) == 6

    def graded(chosen: dict[int, list[TargetReport]]) -> tuple[float, bool, int]:
        result = grade_reports([r for i in sorted(chosen) for r in chosen[i]], rulebase, "en")
        rank = "DCBA".index(result.grade)
        return result.score, result.certifiable, rank

    checked = 0
    for size in range(len(real) + 1):
        for subset in itertools.combinations(range(len(real)), size):
            chosen = {i: real[i] for i in subset}
            score, certifiable, rank = graded(chosen)
            for extra in set(range(len(real))) - set(subset):
                more = graded({**chosen, extra: real[extra]})
                assert score <= more[0] and certifiable <= more[1] and rank <= more[2], (subset, extra)
            for i in subset:
                spoiled = graded({**chosen, i: broken[i]})
                assert spoiled[0] <= score and spoiled[1] <= certifiable and spoiled[2] <= rank, (subset, i)
                checked += 1
    assert checked == 6 * 2**5


def test_an_inspection_where_nothing_could_be_read_exits_2(tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text("platform: x\ntargets:\n  apk: [missing.apk]\n  org: [missing.yaml]\n", encoding="utf-8")
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "o"), "--fail-on", "none", "--lang", "en")
    assert result.returncode == 2 and "missing.apk: no such file" in result.stderr
    assert "Not covered" in result.stdout
    document = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert document["grade"]["score"] == 0.0 and not document["grade"]["certifiable"]


def test_targets_outside_the_manifests_folder_are_refused(tmp_path: Path) -> None:
    inside = tmp_path / "inspection"
    inside.mkdir()
    (inside / "link.yaml").symlink_to("/etc/passwd")
    manifest = inside / "inspection.yaml"
    manifest.write_text(
        "platform: x\ntargets:\n  traffic: [../../../../etc/passwd]\n"
        "  datastore: [../../../../etc/passwd]\n  org: [link.yaml]\n",
        encoding="utf-8",
    )
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "o"), "--lang", "en")
    assert result.returncode == 2
    assert result.stderr.count("outside the inspection manifest's folder") == 2
    assert "symbolic link" in result.stderr
    document = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert document["grade"]["grade"] != "A" and document["grade"]["score"] == 0.0
    allowed = run_cli("audit", str(manifest), "--output", str(tmp_path / "o2"), "--allow-outside", "--lang", "en")
    assert allowed.returncode == 2 and "symbolic link" in allowed.stderr  # never through a link
    graded = json.loads((tmp_path / "o2" / "report.json").read_text(encoding="utf-8"))["grade"]
    assert graded["grade"] == "D" and not graded["certifiable"]  # /etc/passwd is no HAR, no governance record


# --- manifest validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("platform: x\ntargets: {}\n", "targets: no target named"),
        ("platform: x\ntargets:\n  apk: loanapp.apk\n", "targets.apk: "),
        ("platform: x\ntargets:\n  apk: {}\n", "targets.apk: "),
        ("platform: x\ntargets:\n  apk: [{a: b}]\n", "targets.apk.0: "),
        ("platform: x\ntargets:\n  apks: [a.apk]\n", "targets.apks: unknown key"),
        ("platform: x\nplatfrom: y\ntargets:\n  apk: [a.apk]\n", "platfrom: unknown key"),
        ("platform: x\nconsent_at: 2026-02-30\ntargets:\n  apk: [a.apk]\n", "consent_at: "),
        ("platform: x\nconsent_at: 2026-13-01T10:00:00\ntargets:\n  apk: [a.apk]\n", "consent_at: "),
        ("platform: 3\ntargets:\n  apk: [a.apk]\n", "platform: "),
        ("platform: x\ntargets:\n  collection: [{log: a.csv}]\n", "targets.collection.0.loans: required key missing"),
        ("platform: x\ntargets: []\n", "targets: "),
        ("targets:\n  apk: [a.apk]\n", "platform: required key missing"),
        ("platform: x\ntargets: {apk: [a.apk]}\n" + "l: [" * 100 + "]" * 100 + "\n", "nested deeper than"),
        ("platform: [unclosed\n", "not valid YAML: line"),
    ],
)
def test_a_bad_manifest_is_one_line_naming_the_key(tmp_path: Path, text: str, named: str) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        load_manifest(manifest)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{manifest}: ") and named in message, message


def test_the_cli_prints_a_bad_manifest_as_one_line(tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text("platform: x\nconsent_at: 2026-02-30\ntargets:\n  apk: loanapp.apk\n", encoding="utf-8")
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert f"{manifest}: consent_at: " in result.stderr


def test_a_folder_target_never_reads_through_a_link_that_leaves_it(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "app.log").write_text("2026-11-01 10:00:00 INFO started\n", encoding="utf-8")
    (logs / "passwd.log").symlink_to("/etc/passwd")
    assert [p.name for p in folder_files(logs)] == ["app.log"]
