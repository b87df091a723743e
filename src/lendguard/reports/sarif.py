"""SARIF 2.1.0 rendering of an inspection, for code-scanning dashboards and CI annotations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lendguard import __version__
from lendguard.findings import Finding, Outcome
from lendguard.reports.document import ReportDocument, TargetInfo, ToolInfo
from lendguard.reports.inspection import InspectionDocument
from lendguard.reports.places import artifact_uri
from lendguard.reports.rule_page import rule_page_url
from lendguard.rulebase import Language, RuleBase, Severity

LEVELS = {
    Severity.critical: "error",
    Severity.high: "error",
    Severity.medium: "warning",
    Severity.low: "note",
    Severity.info: "note",
}
# GitHub code scanning ranks alerts by this CVSS-like number (critical >= 9.0, high >= 7.0, ...).
SECURITY_SEVERITY = {
    Severity.critical: "9.5",
    Severity.high: "8.0",
    Severity.medium: "5.5",
    Severity.low: "3.0",
    Severity.info: "0.0",
}
KINDS = {
    Outcome.fail: "fail",
    Outcome.passed: "pass",
    Outcome.not_applicable: "notApplicable",
    Outcome.inconclusive: "open",
}


def _location(finding: Finding, target: TargetInfo) -> dict[str, Any]:
    place = finding.location
    # A policy read from inside an APK: its identity is "app.apk:assets/privacy_policy.html".
    entry = target.identity.split(":", 1)[1] if target.kind == "policy" and ":" in target.identity else None
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(place, entry)}}
    if place.start is not None and place.end is not None:
        physical["region"] = {"charOffset": place.start, "charLength": max(place.end - place.start, 0)}
        if finding.quote:
            physical["region"]["snippet"] = {"text": finding.quote}
    elif place.line is not None:
        physical["region"] = {"startLine": place.line}
    elif place.row is not None:
        physical["region"] = {"startLine": place.row + 1}  # the header is line 1
    name = (
        place.member
        or place.permission
        or place.component
        or place.attribute
        or place.url
        or place.sdk
        or place.table
        or place.host
    )
    location: dict[str, Any] = {"physicalLocation": physical}
    if name:
        logical = (
            f"{place.table}.{place.column}"
            if place.table and place.column
            else f"{place.host}{place.path or ''}"
            if place.host
            else name
        )
        location["logicalLocations"] = [{"fullyQualifiedName": logical}]
    return location


def _rules(rulebase: RuleBase, lang: Language) -> list[dict[str, Any]]:
    return [
        {
            "id": rule.id,
            "name": rule.id.title().replace("-", ""),
            "shortDescription": {"text": rule.title.get(lang)},
            "fullDescription": {"text": rule.trigger.get(lang)},
            "help": {"text": rule.remedy.get(lang)},
            "helpUri": rule_page_url(rule.id),
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {
                "severity": rule.severity.value,
                "security-severity": SECURITY_SEVERITY[rule.severity],
                "basis": [str(c) for c in rule.basis],
                "tags": [rule.area],
            },
        }
        for rule in rulebase.rules.values()
    ]


def sarif_log(
    targets: Sequence[ReportDocument],
    rulebase: RuleBase,
    tool: ToolInfo,
    automation_id: str,
    properties: dict[str, Any],
) -> dict[str, Any]:
    """One SARIF run holding every finding of the targets (passed and not-applicable ones as kind pass/notApplicable)."""
    lang = targets[0].lang if targets else "zh"
    rules = _rules(rulebase, lang)
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    results = []
    for target in targets:
        for finding in target.findings:
            result: dict[str, Any] = {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "kind": KINDS[finding.outcome],
                "level": LEVELS[finding.severity] if finding.outcome is Outcome.fail else "none",
                "message": {"text": finding.why or finding.title},
                "locations": [_location(finding, target.target)],
                "partialFingerprints": {"lendguard/v1": finding.fingerprint},
                "properties": {
                    "severity": finding.severity.value,
                    "confidence": finding.confidence,
                    "quote": finding.quote,
                    "target": target.target.identity,
                    "basis": finding.basis,
                },
            }
            if finding.waiver is not None:
                justification = (
                    f"{finding.waiver.reason} ({finding.waiver.approved_by}, until {finding.waiver.expires})"
                )
                result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": justification}]
            results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "LendGuard",
                        "version": tool.version,
                        "semanticVersion": tool.version,
                        "informationUri": "https://lendguard.dev",
                        "rules": rules,
                        "properties": {"rulebase": tool.rulebase_version},
                    }
                },
                "automationDetails": {"id": automation_id},
                "results": results,
                "properties": properties,
            }
        ],
    }


def render_targets_sarif(documents: Sequence[ReportDocument], rulebase: RuleBase) -> dict[str, Any]:
    """SARIF of one audit command's targets (`lendguard apk|policy|… --format sarif`)."""
    tool = ToolInfo(version=__version__, rulebase_version=rulebase.version)
    return sarif_log(documents, rulebase, tool, "lendguard/", {"targets": [d.target.identity for d in documents]})


def render_sarif(document: InspectionDocument, rulebase: RuleBase) -> dict[str, Any]:
    """SARIF of a whole inspection (`lendguard audit`), with its grade in the run's properties. Files
    are named as the manifest names them, relative to its folder; data stores by masked URL."""
    return sarif_log(
        document.targets,
        rulebase,
        document.tool,
        f"lendguard/{document.platform}/",
        {
            "platform": document.platform,
            "manifest": document.manifest,  # relative artifact URIs are relative to its folder
            "grade": document.grade.grade,
            "score": document.grade.score,
            "certifiable": document.grade.certifiable,
        },
    )
