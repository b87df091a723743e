"""The canonical report document of one target; its JSON Schema is published in schema/."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from lendguard import __version__
from lendguard.checks import registered_checks
from lendguard.engine import TargetReport
from lendguard.evidence import ApkEvidence, DataStoreEvidence
from lendguard.findings import Finding, Outcome
from lendguard.reports.masking import masked
from lendguard.rulebase import Language, RuleBase, Severity
from lendguard.waivers import WaiverStatus

# 1.1: a location leaves out the places that do not apply instead of writing them as null.
# 1.2: a finding may say how many people it concerns (`affected`), where the evidence counts them.
SCHEMA_VERSION = "1.2"
SCHEMA_ID = f"https://lendguard.dev/schema/report-{SCHEMA_VERSION}.json"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ToolInfo(_Model):
    name: Literal["lendguard"] = "lendguard"
    version: str
    rulebase_version: str


class TargetInfo(_Model):
    kind: str
    file: str
    identity: str
    name: str | None = None
    version: str | None = None
    sha256: str | None = None
    size: int | None = None


class NotEvaluated(_Model):
    rule: str
    title: str
    reason: Literal["no_check", "out_of_scope"]


class Summary(_Model):
    rules_evaluated: int
    rules_failed: int
    rules_passed: int
    rules_inconclusive: int
    rules_not_applicable: int
    rules_not_evaluated: int
    findings_waived: int = 0
    failed_findings_by_severity: dict[Severity, int]
    highest_severity: Severity | None = None


class ReportDocument(_Model):
    schema_version: Literal["1.0", "1.1", "1.2"] = "1.2"
    tool: ToolInfo
    lang: Language
    generated_at: datetime
    target: TargetInfo
    error: str | None = None
    warnings: list[str] = []
    summary: Summary
    findings: list[Finding]
    not_evaluated: list[NotEvaluated]
    waivers: list[WaiverStatus] = []  # how each waiver of --waivers fared in this run

    def failures(self) -> list[Finding]:
        """Failed findings that count: waived ones excepted."""
        return [f for f in self.findings if f.outcome is Outcome.fail and not f.waived]

    def only(self, severities: frozenset[Severity] | None, outcomes: frozenset[Outcome] | None) -> ReportDocument:
        """The document with only the findings of these severities and outcomes (None: any);
        the summary still counts every rule evaluated."""
        kept = [
            f
            for f in self.findings
            if (severities is None or f.severity in severities) and (outcomes is None or f.outcome in outcomes)
        ]
        return self if len(kept) == len(self.findings) else self.model_copy(update={"findings": kept})


def _target(report: TargetReport) -> TargetInfo:
    info = TargetInfo(kind=report.kind, file=report.file, identity=report.identity)
    evidence = report.evidence
    if evidence is None:
        return info
    update: dict[str, object] = {"sha256": evidence.provenance.sha256, "size": evidence.provenance.size}
    if isinstance(evidence, ApkEvidence):
        update |= {"name": evidence.app_name, "version": evidence.version_name}
    elif isinstance(evidence, DataStoreEvidence):
        update["name"] = evidence.store
    return info.model_copy(update=update)


def _summary(findings: list[Finding], not_evaluated: int) -> Summary:
    by_rule: dict[str, set[Outcome]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, set()).add(
            Outcome.passed if finding.waived and finding.outcome is Outcome.fail else finding.outcome
        )
    failed = {rule for rule, outcomes in by_rule.items() if Outcome.fail in outcomes}
    inconclusive = {rule for rule, outcomes in by_rule.items() if Outcome.inconclusive in outcomes} - failed
    not_applicable = {rule for rule, outcomes in by_rule.items() if outcomes == {Outcome.not_applicable}}
    counts = Counter(f.severity for f in findings if f.outcome is Outcome.fail and not f.waived)
    highest = max(counts, key=lambda s: s.rank) if counts else None
    return Summary(
        rules_evaluated=len(by_rule),
        rules_failed=len(failed),
        rules_passed=len(by_rule) - len(failed) - len(inconclusive) - len(not_applicable),
        rules_inconclusive=len(inconclusive),
        rules_not_applicable=len(not_applicable),
        rules_not_evaluated=not_evaluated,
        findings_waived=sum(1 for f in findings if f.waived),
        failed_findings_by_severity={s: counts.get(s, 0) for s in Severity},
        highest_severity=highest,
    )


def build_document(
    report: TargetReport,
    rulebase: RuleBase,
    lang: Language,
    waivers: list[WaiverStatus] | None = None,
    show_values: bool = False,
) -> ReportDocument:
    """The target's document, every string through the PII masker (unless `show_values`)."""
    covered = {f.rule for f in report.findings}
    implemented = set(report.evaluated) | covered
    with_check = set(registered_checks())
    not_evaluated = [
        NotEvaluated(
            rule=rule.id, title=rule.title.get(lang), reason="out_of_scope" if rule.id in with_check else "no_check"
        )
        for rule in rulebase.rules.values()
        if rule.id not in implemented
    ]
    order = {Outcome.fail: 0, Outcome.inconclusive: 1, Outcome.passed: 2, Outcome.not_applicable: 3}
    findings = sorted(report.findings, key=lambda f: (order[f.outcome], -f.severity.rank, f.rule, f.location.key()))
    document = ReportDocument(
        tool=ToolInfo(version=__version__, rulebase_version=rulebase.version),
        lang=lang,
        generated_at=datetime.now(UTC),
        target=_target(report),
        error=report.error,
        warnings=report.warnings,
        summary=_summary(findings, len(not_evaluated)),
        findings=findings,
        not_evaluated=not_evaluated,
        waivers=waivers or [],
    )
    return masked(document, show_values, rulebase.authored_texts)


def report_schema() -> dict[str, Any]:
    schema = ReportDocument.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "title": "LendGuard report",
    }
