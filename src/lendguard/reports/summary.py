"""What a supervisor reads first: the failed rules worst first, each once, with what it costs the
grade, how often it occurred and its remedy; and the rules that passed, were inconclusive or were not
evaluated. Every renderer (terminal, HTML, PDF, Markdown) shows the same lists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from lendguard.findings import Finding, Outcome
from lendguard.grading import points_lost
from lendguard.reports.document import ReportDocument
from lendguard.rulebase import RuleBase, Severity


@dataclass
class RuleResult:
    """One rule across every target of the report: its outcome and every finding of it."""

    rule: str
    title: str
    area: str
    outcome: Outcome
    severity: Severity
    remedy: str
    basis: list[str]
    findings: list[tuple[str, Finding]] = field(default_factory=list)  # (target identity, finding)
    points: float = 0.0  # overall score points the rule costs

    @property
    def failures(self) -> list[tuple[str, Finding]]:
        return [(t, f) for t, f in self.findings if f.outcome is Outcome.fail]

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys(t for t, _ in self.failures or self.findings))


def outcome_of(outcomes: set[Outcome]) -> Outcome:
    """A rule's outcome over several findings: any failure fails it, then inconclusive, then pass."""
    for outcome in (Outcome.fail, Outcome.inconclusive, Outcome.passed):
        if outcome in outcomes:
            return outcome
    return Outcome.not_applicable


def rule_results(targets: list[ReportDocument], rulebase: RuleBase) -> list[RuleResult]:
    """Every evaluated rule, failed first (worst severity, then most points lost), then inconclusive,
    passed and not applicable."""
    grouped: dict[str, list[tuple[str, Finding]]] = defaultdict(list)
    for target in targets:
        for finding in target.findings:
            grouped[finding.rule].append((target.target.identity, finding))
    results: dict[str, RuleResult] = {}
    for rule_id, pairs in grouped.items():
        rule = rulebase.rule(rule_id)
        outcome = outcome_of({f.outcome for _, f in pairs})
        failing = [f for _, f in pairs if f.outcome is Outcome.fail]
        severity = max((f.severity for f in failing), key=lambda s: s.rank) if failing else rule.severity
        first = (failing or [pairs[0][1]])[0]
        results[rule_id] = RuleResult(
            rule=rule_id,
            title=first.title,
            area=rule.area,
            outcome=outcome,
            severity=severity,
            remedy=first.remedy,
            basis=first.basis,
            findings=pairs,
        )
    _points(results, rulebase)
    order = {Outcome.fail: 0, Outcome.inconclusive: 1, Outcome.passed: 2, Outcome.not_applicable: 3}
    return sorted(results.values(), key=lambda r: (order[r.outcome], -r.severity.rank, -r.points, r.rule))


def _points(results: dict[str, RuleResult], rulebase: RuleBase) -> None:
    """What each failed rule costs the overall score, as the grading computes it."""
    findings = [finding for result in results.values() for _, finding in result.findings]
    for rule_id, points in points_lost(findings, rulebase).items():
        results[rule_id].points = points


def fix_first(results: list[RuleResult]) -> list[RuleResult]:
    return [r for r in results if r.outcome is Outcome.fail]
