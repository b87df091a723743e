"""Run probes, then checks: one target in, one TargetReport out. A probe failure is reported as
`inconclusive` outcomes with the reason; it never crashes the run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from lendguard.checks import CheckContext, RegisteredCheck, registered_checks
from lendguard.detect import mask_text
from lendguard.evidence import (
    ApkEvidence,
    CollectionEvidence,
    DataStoreEvidence,
    Evidence,
    OrgEvidence,
    PlatformEvidence,
    PolicyEvidence,
    TrafficEvidence,
)
from lendguard.findings import Finding, Location, Outcome, fingerprint
from lendguard.probes import ProbeError
from lendguard.probes.apk import probe_apk
from lendguard.probes.collection import probe_collection, probe_org
from lendguard.probes.datastore import ScanOptions, probe_datastore
from lendguard.probes.datastore.sql import masked_url
from lendguard.probes.policy import probe_policy
from lendguard.probes.traffic import probe_traffic
from lendguard.probes.yamlsafe import load_yaml
from lendguard.rulebase import Language, RuleBase


@dataclass(frozen=True)
class TargetReport:
    kind: str
    file: str
    identity: str
    evidence: Evidence | None
    findings: list[Finding]
    evaluated: list[str]
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _checks_for(kind: type[Evidence]) -> list[RegisteredCheck]:
    return sorted((c for c in registered_checks().values() if c.evidence_type is kind), key=lambda c: c.rule_id)


def _code_hidden(evidence: Evidence) -> bool:
    return isinstance(evidence, ApkEvidence) and (bool(evidence.packers) or not evidence.dex_files)


def evaluate(evidence: Evidence, identity: str, rulebase: RuleBase, lang: Language) -> tuple[list[Finding], list[str]]:
    """Every registered check of the evidence's kind; a clean check yields one `pass` outcome."""
    findings: list[Finding] = []
    evaluated = []
    for registered in _checks_for(type(evidence)):
        ctx = CheckContext(
            rule=rulebase.rule(registered.rule_id),
            rulebase=rulebase,
            target=identity,
            file=evidence.provenance.path,
            lang=lang,
        )
        produced = list(registered.function(evidence, ctx))
        evaluated.append(registered.rule_id)
        if produced:
            findings.extend(produced)
            continue
        if registered.needs_code and _code_hidden(evidence):
            why = ctx.say(
                "应用代码被加固或缺失，无法确认未调用相关接口",
                "the app's code is packed or missing, so absence cannot be confirmed",
            )
            findings.append(ctx.finding(Outcome.inconclusive, ctx.at(), quote="", why=why, confidence="low"))
        else:
            why = ctx.say("未发现违反本规则的证据", "no evidence of a violation was found")
            findings.append(ctx.finding(Outcome.passed, ctx.at(), quote="", why=why))
    return findings, evaluated


def _inconclusive(
    kind: type[Evidence], path: str, error: ProbeError, rulebase: RuleBase, lang: Language
) -> list[Finding]:
    findings = []
    for registered in _checks_for(kind):
        rule = rulebase.rule(registered.rule_id)
        location = Location(file=path)
        findings.append(
            Finding(
                rule=rule.id,
                title=rule.title.get(lang),
                outcome=Outcome.inconclusive,
                severity=rule.severity,
                confidence="low",
                target=path,
                location=location,
                quote="",
                why=error.problem,
                basis=[str(c) for c in rule.basis],
                remedy=rule.remedy.get(lang),
                fingerprint=fingerprint(rule.id, path, location, ""),
            )
        )
    return findings


def _unreadable(
    kind: type[Evidence], name: str, shown: str, error: ProbeError, rulebase: RuleBase, lang: Language
) -> TargetReport:
    return TargetReport(
        kind=name,
        file=shown,
        identity=shown,
        evidence=None,
        findings=_inconclusive(kind, shown, error, rulebase, lang),
        evaluated=[],
        error=str(error),
    )


def _audit(
    kind: type[Evidence],
    name: str,
    probe: Callable[[], Evidence],
    identity_of: Callable[[Evidence], str],
    shown: str,
    rulebase: RuleBase,
    lang: Language,
) -> TargetReport:
    """Run one probe and the checks of its evidence kind; `shown` is the target as reports name it."""
    try:
        evidence = probe()
    except ProbeError as error:
        return _unreadable(kind, name, shown, error, rulebase, lang)
    except Exception as error:  # noqa: BLE001 - one bad target must never end an audit or batch
        problem = mask_text(str(error).strip().splitlines()[0][:160]) if str(error).strip() else ""
        unexpected = ProbeError(shown, f"could not be read ({type(error).__name__}{': ' + problem if problem else ''})")
        return _unreadable(kind, name, shown, unexpected, rulebase, lang)
    identity = identity_of(evidence)
    findings, evaluated = evaluate(evidence, identity, rulebase, lang)
    warnings = list(getattr(evidence, "warnings", ()))
    return TargetReport(
        kind=name,
        file=shown,
        identity=identity,
        evidence=evidence,
        findings=findings,
        evaluated=evaluated,
        warnings=warnings,
    )


def audit_apk(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, ApkEvidence)
        return evidence.package

    return _audit(ApkEvidence, "apk", lambda: probe_apk(path, rulebase), identity, str(path), rulebase, lang)


def audit_datastore(
    target: str, rulebase: RuleBase, lang: Language = "zh", options: ScanOptions | None = None
) -> TargetReport:
    """Scan a database URL, file or directory; a URL's password never reaches the report."""

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, DataStoreEvidence)
        return evidence.source

    shown = masked_url(target) if "://" in target else target
    return _audit(
        DataStoreEvidence, "datastore", lambda: probe_datastore(target, options), identity, shown, rulebase, lang
    )


def audit_policy(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    """A privacy policy (text, HTML, PDF or the one inside an APK). An APK also gets the X-*
    consistency checks: what the app collects and embeds against what its policy declares."""

    def probe() -> Evidence:
        policy = probe_policy(path, rulebase)
        return policy

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, PolicyEvidence)
        return (evidence.entry and f"{path.name}:{evidence.entry}") or path.name

    report = _audit(PolicyEvidence, "policy", probe, identity, str(path), rulebase, lang)
    if isinstance(report.evidence, PolicyEvidence) and report.evidence.source_kind == "apk":
        platform = PlatformEvidence(
            provenance=report.evidence.provenance, policy=report.evidence, apk=probe_apk(path, rulebase)
        )
        findings, evaluated = evaluate(platform, report.identity, rulebase, lang)
        report.findings.extend(findings)
        report.evaluated.extend(evaluated)
    return report


def audit_traffic(
    path: Path,
    rulebase: RuleBase,
    lang: Language = "zh",
    first_party: tuple[str, ...] = (),
    consent_at: datetime | None = None,
    show_values: bool = False,
) -> TargetReport:
    """A HAR capture of the app's traffic, judged against the platform's own domains."""

    def identity(evidence: Evidence) -> str:
        return path.name

    return _audit(
        TrafficEvidence,
        "traffic",
        lambda: probe_traffic(path, first_party, consent_at, show_values),
        identity,
        str(path),
        rulebase,
        lang,
    )


def audit_collection(
    log: str,
    loans: str,
    rulebase: RuleBase,
    lang: Language = "zh",
    log_table: str | None = None,
    loans_table: str | None = None,
    overrides: dict[str, str] | None = None,
) -> TargetReport:
    """A debt-collection contact log, joined with the loans' borrower and emergency-contact numbers."""
    shown = masked_url(log) if "://" in log else log
    return _audit(
        CollectionEvidence,
        "collection",
        lambda: probe_collection(log, loans, rulebase, log_table, loans_table, overrides),
        lambda _evidence: shown,
        shown,
        rulebase,
        lang,
    )


def audit_org(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    """A platform's governance records (YAML)."""

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, OrgEvidence)
        return evidence.platform

    return _audit(OrgEvidence, "org", lambda: probe_org(path), identity, str(path), rulebase, lang)


@dataclass(frozen=True)
class Inspection:
    """One platform's inspection: every target the manifest names, audited."""

    platform: str
    manifest: Path
    reports: list[TargetReport]
    evidence_files: dict[str, str]  # path (as named in the manifest) -> SHA-256


class ManifestError(ValueError):
    """The inspection manifest is unusable (one line, names the file)."""


def _manifest(path: Path) -> dict[str, Any]:
    try:
        document = load_yaml(path)
    except ProbeError as error:
        raise ManifestError(f"{path}: not a readable YAML inspection manifest: {error.problem}") from error
    if not isinstance(document, dict) or not isinstance(document.get("targets"), dict) or not document.get("platform"):
        raise ManifestError(f"{path}: an inspection manifest needs `platform` and a `targets` mapping")
    return document


def file_sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_inspection(
    manifest: Path, rulebase: RuleBase, lang: Language = "zh", progress: Callable[[str], None] | None = None
) -> Inspection:
    """Audit every target of `manifest`; a failing probe gives inconclusive outcomes, never an abort."""
    document = _manifest(manifest)
    base, targets = manifest.parent, document["targets"]
    first_party = tuple(document.get("first_party", []))
    consent = document.get("consent_at")
    consent_at = datetime.fromisoformat(str(consent)) if consent else None

    def local(value: str) -> str:
        """Paths in a manifest, a relative SQLite URL's too, are relative to the manifest's folder."""
        if value.startswith("sqlite:///") and not value.startswith("sqlite:////"):
            return "sqlite:///" + str((base / value.removeprefix("sqlite:///")).resolve())
        return value if "://" in value else str(base / value)

    jobs: list[tuple[str, Callable[[], TargetReport]]] = []
    for item in targets.get("apk", []):
        jobs.append((item, partial(audit_apk, Path(local(item)), rulebase, lang)))
        jobs.append((item, partial(audit_policy, Path(local(item)), rulebase, lang)))
    for item in targets.get("policy", []):
        jobs.append((item, partial(audit_policy, Path(local(item)), rulebase, lang)))
    for item in targets.get("traffic", []):
        jobs.append((item, partial(audit_traffic, Path(local(item)), rulebase, lang, first_party, consent_at)))
    for item in targets.get("datastore", []):
        jobs.append((item, partial(audit_datastore, local(item), rulebase, lang)))
    for item in targets.get("collection", []):
        jobs.append(
            (
                item["log"],
                partial(
                    audit_collection,
                    local(item["log"]),
                    local(item["loans"]),
                    rulebase,
                    lang,
                    item.get("log_table"),
                    item.get("loans_table"),
                    item.get("map"),
                ),
            )
        )
    for item in targets.get("org", []):
        jobs.append((item, partial(audit_org, Path(local(item)), rulebase, lang)))
    reports = []
    for name, job in jobs:
        if progress is not None:
            progress(name)
        reports.append(job())
    files: dict[str, str] = {}
    for report in reports:
        if report.evidence is not None and "://" not in report.file:
            digest = file_sha256(Path(report.file))
            if digest is not None:
                files[
                    str(Path(report.file).relative_to(base) if Path(report.file).is_relative_to(base) else report.file)
                ] = digest
    return Inspection(platform=str(document["platform"]), manifest=manifest, reports=reports, evidence_files=files)
