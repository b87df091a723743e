"""Inspections: grading, the signed report, verification, and comparing two inspections."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from tests.conftest import REPO, SMALI_APPS, run_cli
from tests.fixtures import demo_platform

from lendguard.engine import run_inspection
from lendguard.findings import Finding, Location, Outcome
from lendguard.grading import grade
from lendguard.rulebase import RuleBase, Severity


def _finding(rulebase: RuleBase, rule: str, outcome: Outcome, quote: str = "") -> Finding:
    spec = rulebase.rule(rule)
    return Finding(
        rule=rule,
        title=spec.title.zh,
        outcome=outcome,
        severity=spec.severity,
        confidence="high",
        target="t",
        location=Location(file="f"),
        quote=quote,
        why="",
        basis=[],
        remedy="",
        fingerprint=f"{rule}{quote}",
    )


def test_rules_count_once_and_criticals_cap_the_grade(rulebase: RuleBase) -> None:
    everything_passes = [_finding(rulebase, r, Outcome.passed) for r in rulebase.rules]
    assert grade(everything_passes, rulebase).grade == "A" and grade(everything_passes, rulebase).certifiable
    one_low = [f for f in everything_passes if f.rule != "APP-BACKUP-DEBUG"] + [
        _finding(rulebase, "APP-BACKUP-DEBUG", Outcome.fail, str(n)) for n in range(500)
    ]
    assert grade(one_low, rulebase).score == grade(one_low[:-499], rulebase).score  # 500 findings = 1 rule
    critical = [f for f in everything_passes if f.rule != "NET-CONTACTS-UPLOAD"] + [
        _finding(rulebase, "NET-CONTACTS-UPLOAD", Outcome.fail)
    ]
    result = grade(critical, rulebase, "en")
    assert result.score >= 85 and result.grade == "C" and not result.certifiable
    assert any("cap the grade" in line for line in result.explanation)


def test_too_little_coverage_is_not_certifiable(rulebase: RuleBase) -> None:
    app_only = [_finding(rulebase, r, Outcome.passed) for r in rulebase.rules if r.startswith("APP-")]
    result = grade(app_only, rulebase, "en")  # graded as a whole inspection: six areas not covered
    assert result.grade == "D" and not result.certifiable and result.coverage < 0.6
    assert len(result.not_covered) == 6 and result.score == 20.0
    scoped = grade(app_only, rulebase, "en", scope={"app"})  # graded as an app audit
    assert scoped.grade == "A" and not scoped.certifiable
    assert any("mandatory areas not covered" in line for line in scoped.explanation)


def test_areas_are_named_in_the_reports_language(rulebase: RuleBase) -> None:
    findings = [_finding(rulebase, r, Outcome.passed) for r in rulebase.rules if r.startswith(("APP-", "POL-"))]
    scope = {"app", "policy"}
    assert [a.title for a in grade(findings, rulebase, scope=scope).areas] == ["应用", "隐私政策"]
    assert "隐私政策 100.0" in grade(findings, rulebase, scope=scope).explanation[0]
    assert [a.title for a in grade(findings, rulebase, "en", scope=scope).areas] == ["app", "privacy policy"]


@pytest.fixture(scope="module")
def inspection_dir(tmp_path_factory: pytest.TempPathFactory, built_apks: dict[str, Path]) -> Path:
    assert set(SMALI_APPS) >= {"loanapp"}
    return demo_platform.inspection_folder(tmp_path_factory.mktemp("inspection"), built_apks["loanapp"])


def test_audit_writes_a_signed_report_that_verifies(inspection_dir: Path, tmp_path: Path) -> None:
    key = tmp_path / "signing.pem"
    assert run_cli("keys", "generate", "--signing", str(key)).returncode == 0
    out = tmp_path / "out"
    result = run_cli(
        "audit",
        str(inspection_dir / "inspection.yaml"),
        "--output",
        str(out),
        "--sign-key",
        str(key),
        "--fail-on",
        "none",
    )
    assert result.returncode == 0, result.stderr
    document = json.loads((out / "report.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, json.loads((REPO / "schema" / "inspection.schema.json").read_text(encoding="utf-8")))
    assert document["grade"]["grade"] == "D" and not document["grade"]["certifiable"]
    assert {e["path"] for e in document["evidence"]} >= {"loanapp.apk", "generated/kuaijie.har", "governance.yaml"}
    assert "等级" in (out / "report.md").read_text(encoding="utf-8")
    assert run_cli("verify", str(out / "report.json"), "--public-key", f"{key}.pub").returncode == 0
    tampered = out / "tampered.json"
    document["grade"]["grade"] = "A"
    tampered.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    bad = run_cli("verify", str(tampered))
    assert bad.returncode == 1 and "altered after signing" in bad.stderr
    governance = inspection_dir / "governance.yaml"
    original = governance.read_text(encoding="utf-8")
    governance.write_text(original.replace("mlps_level: 2", "mlps_level: 3"), encoding="utf-8")
    try:
        changed = run_cli("verify", str(out / "report.json"))
        assert changed.returncode == 1 and "governance.yaml: changed" in changed.stderr
    finally:
        governance.write_text(original, encoding="utf-8")
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    assert run_cli("verify", str(tmp_path / "junk.json")).returncode == 2


def test_diff_of_two_inspections(inspection_dir: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert (
        run_cli(
            "audit", str(inspection_dir / "inspection.yaml"), "--output", str(first), "--fail-on", "none"
        ).returncode
        == 0
    )
    governance = inspection_dir / "governance.yaml"
    original = governance.read_text(encoding="utf-8")
    governance.write_text(original.replace("mlps_level: 2", "mlps_level: 3"), encoding="utf-8")
    try:
        assert (
            run_cli(
                "audit", str(inspection_dir / "inspection.yaml"), "--output", str(second), "--fail-on", "none"
            ).returncode
            == 0
        )
    finally:
        governance.write_text(original, encoding="utf-8")
    result = run_cli("diff", str(first / "report.json"), str(second / "report.json"), "--format", "json")
    comparison = json.loads(result.stdout)
    assert [f["rule"] for f in comparison["fixed"]] == ["ORG-MLPS"]
    assert comparison["new"] == [] and len(comparison["persisting"]) > 20


def test_unusable_manifest_is_one_line(tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text("targets: []\n", encoding="utf-8")
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "o"))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "platform" in result.stderr


def test_a_broken_target_is_inconclusive_not_fatal(inspection_dir: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "inspection.yaml"
    manifest.write_text(
        f"platform: x\ntargets:\n  apk: [{tmp_path / 'missing.apk'}]\n  org: [{inspection_dir / 'governance.yaml'}]\n",
        encoding="utf-8",
    )
    result = run_cli("audit", str(manifest), "--output", str(tmp_path / "o"), "--fail-on", "none")
    # The report is written with the app's area not covered; the unreadable input makes the exit code 2.
    assert result.returncode == 2 and "missing.apk: no such file" in result.stderr
    document = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    outcomes = {f["outcome"] for t in document["targets"] for f in t["findings"] if f["rule"].startswith("APP-")}
    assert outcomes == {"inconclusive"}
    app = next(a for a in document["grade"]["areas"] if a["area"] == "app")
    assert not app["covered"] and "missing.apk: no such file" in app["not_covered"][0]
    assert subprocess.run(["true"]).returncode == 0
    assert Severity.critical.rank > Severity.high.rank


def _small_inspection(folder: Path) -> Path:
    """A data-store and collection inspection with relative paths, inspector and scope."""
    demo_platform.main(folder / "generated")
    manifest = folder / "inspection.yaml"
    manifest.write_text(
        "platform: 快借钱包\n"
        "inspector: 某市网信办检查组 张三\n"
        "scope: 生产数据库与催收记录（2026年11月）\n"
        "targets:\n"
        '  datastore: ["sqlite:///generated/platform.db", generated/logs]\n'
        "  collection:\n"
        "    - {log: generated/collection/collection_log.csv, loans: generated/collection/loans.csv}\n",
        encoding="utf-8",
    )
    return manifest


def test_reports_name_targets_as_the_manifest_does_wherever_the_checkout_lies(
    tmp_path: Path, rulebase: RuleBase
) -> None:
    from lendguard.engine import run_inspection
    from lendguard.reports.findings_csv import findings_csv
    from lendguard.reports.html import render_html
    from lendguard.reports.inspection import build_inspection
    from lendguard.reports.markdown import render_markdown
    from lendguard.reports.sarif import render_sarif

    first, second = tmp_path / "here", tmp_path / "elsewhere" / "deeper"
    documents = []
    for folder in (first, second):
        folder.mkdir(parents=True)
        document = build_inspection(run_inspection(_small_inspection(folder), rulebase), rulebase, "zh")
        documents.append(document)
        rendered = {
            "json": document.model_dump_json(),
            "html": render_html(document, rulebase),
            "md": render_markdown(document, rulebase),
            "sarif": json.dumps(render_sarif(document, rulebase)["runs"][0]["results"], ensure_ascii=False),
            "csv": findings_csv(document.targets),
        }
        for kind, text in rendered.items():  # (the manifest itself is named as the command line gave it)
            assert str(folder / "generated") not in text, f"{kind} shows a target by its absolute path"
        store = next(t for t in document.targets if t.target.kind == "datastore")
        assert store.target.file == store.target.identity == "sqlite:///generated/platform.db"
        logs = next(t for t in document.targets if t.target.file == "generated/logs")
        assert {f.location.path for f in logs.failures()} == {"generated/logs/app.log"}
        uris = {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in render_sarif(document, rulebase)["runs"][0]["results"]
        }
        assert "sqlite:///generated/platform.db#borrowers.id_no" in uris
        assert "generated/collection/collection_log.csv" in uris and "generated/logs/app.log" in uris
        assert document.inspector == "某市网信办检查组 张三" and document.scope and "催收记录" in document.scope
    prints = [sorted(f.fingerprint for t in d.targets for f in t.findings) for d in documents]
    assert prints[0] == prints[1]  # baselines and waivers keep matching after the checkout moves


def test_a_report_signed_before_inspector_and_counts_existed_still_verifies(tmp_path: Path, rulebase: RuleBase) -> None:
    """A schema-1.0 report (no inspector, scope or counts) was signed over a canonical form without
    those keys; reading it back must give the same canonical form."""
    import base64

    import rfc8785
    from cryptography.hazmat.primitives import serialization

    from lendguard.engine import run_inspection
    from lendguard.reports.inspection import build_inspection, verify

    manifest = _small_inspection(tmp_path)
    key = tmp_path / "signing.pem"
    assert run_cli("keys", "generate", "--signing", str(key)).returncode == 0
    document = build_inspection(run_inspection(manifest, rulebase), rulebase, "zh")
    old = document.model_dump(mode="json", exclude={"signature", "inspector", "scope"})
    old["schema_version"] = "1.0"
    for target in old["targets"]:
        target["schema_version"] = "1.1"
        for finding in target["findings"]:
            finding.pop("affected", None)
    private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    value = private.sign(bytes(rfc8785.dumps(old)))  # type: ignore[union-attr,call-arg]
    old["signature"] = {
        "algorithm": "Ed25519",
        "canonicalization": "RFC 8785",
        "public_key": base64.b64encode(public).decode(),
        "value": base64.b64encode(value).decode(),
    }
    report = tmp_path / "report.json"
    report.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    assert verify(report, base=tmp_path) == []


def test_fingerprints_are_the_same_in_either_language(inspection_dir: Path, rulebase: RuleBase) -> None:
    """A waiver or baseline made on an English report holds on the Chinese one: fingerprints come from
    the English wording even where a check words its quote in the report's language."""
    runs = {lang: run_inspection(inspection_dir / "inspection.yaml", rulebase, lang) for lang in ("zh", "en")}
    findings = {lang: [f for r in run.reports for f in r.findings] for lang, run in runs.items()}
    assert [(f.rule, f.fingerprint) for f in findings["zh"]] == [(f.rule, f.fingerprint) for f in findings["en"]]
    worded = [
        (zh.rule, zh.quote) for zh, en in zip(findings["zh"], findings["en"], strict=True) if zh.quote != en.quote
    ]
    assert {rule.split("-")[0] for rule, _ in worded} >= {"ORG", "POL"}  # the quotes do differ there
