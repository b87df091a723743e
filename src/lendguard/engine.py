"""Run probes, then checks: one target in, one TargetReport out. A probe failure is reported as
`inconclusive` outcomes with the reason; it never crashes the run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lendguard.checks import CheckContext, RegisteredCheck, registered_checks
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
        return TargetReport(
            kind=name,
            file=shown,
            identity=shown,
            evidence=None,
            findings=_inconclusive(kind, shown, error, rulebase, lang),
            evaluated=[],
            error=str(error),
        )
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
