"""Findings -> per-area scores, an overall score and grade, and the certification decision.

Each rule counts once per area, by its severity, whatever the number of its findings. The scheme
(weights, bands, cap, coverage) is rule-base data and its version is stated in every report.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict

from lendguard.findings import Finding, Outcome
from lendguard.rulebase import Language, RuleBase, Severity


class AreaScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    area: str
    title: str
    score: float
    rules_evaluated: int
    rules_failed: list[str]
    rules_inconclusive: list[str]


class Grade(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    scheme_version: str
    score: float
    grade: str
    meaning: str
    certifiable: bool
    coverage: float
    areas: list[AreaScore]
    explanation: list[str]


def _outcomes(findings: Iterable[Finding]) -> dict[str, set[Outcome]]:
    by_rule: dict[str, set[Outcome]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, set()).add(finding.outcome)
    return by_rule


def grade(findings: list[Finding], rulebase: RuleBase, lang: Language = "zh") -> Grade:
    scheme = rulebase.grading
    by_rule = _outcomes(findings)
    worst = {f.rule: f.severity for f in findings if f.outcome is Outcome.fail}
    for finding in findings:
        if finding.outcome is Outcome.fail and finding.severity.rank > worst[finding.rule].rank:
            worst[finding.rule] = finding.severity
    areas: list[AreaScore] = []
    weighted = total_weight = 0.0
    for prefix, area in scheme.areas.items():
        rules = [r for r in rulebase.rules.values() if r.area == prefix]
        judged = [r for r in rules if by_rule.get(r.id, set()) - {Outcome.inconclusive}]
        if not judged:
            continue
        failed = [r.id for r in judged if Outcome.fail in by_rule[r.id]]
        possible = sum(scheme.severity_points[r.severity] for r in judged)
        lost = sum(scheme.severity_points[worst.get(rule_id, rulebase.rule(rule_id).severity)] for rule_id in failed)
        score = round(100 * (1 - lost / possible), 1) if possible else 100.0
        inconclusive = [r.id for r in rules if by_rule.get(r.id) == {Outcome.inconclusive}]
        areas.append(
            AreaScore(
                area=area,
                title=scheme.area_titles[area].get(lang),
                score=score,
                rules_evaluated=len(judged),
                rules_failed=failed,
                rules_inconclusive=inconclusive,
            )
        )
        weight = scheme.area_weights.get(area, 0)
        weighted += weight * score
        total_weight += weight
    overall = round(weighted / total_weight, 1) if total_weight else 0.0
    bands = sorted(scheme.bands, key=lambda b: -b.min_score)
    band = next(b for b in bands if overall >= b.min_score)
    explanation = [
        f"score {overall} = weighted mean of area scores ({', '.join(f'{a.title} {a.score}' for a in areas)})"
        if lang == "en"
        else f"总分 {overall} 为各领域得分的加权平均（{'、'.join(f'{a.title} {a.score}' for a in areas)}）"
    ]
    criticals = sorted(rule for rule, severity in worst.items() if severity is Severity.critical)
    capped = next(b for b in bands if b.grade == scheme.critical_cap)
    if criticals and band.min_score > capped.min_score:
        band = capped
        explanation.append(
            f"critical failures ({', '.join(criticals)}) cap the grade at {capped.grade}"
            if lang == "en"
            else f"存在严重问题（{'、'.join(criticals)}），等级最高为 {capped.grade}"
        )
    judged_rules = [rule for rule, outcomes in by_rule.items() if outcomes - {Outcome.inconclusive}]
    coverage = round(len(judged_rules) / len(rulebase.rules), 3)
    certifiable = band.grade in scheme.certifiable_grades and coverage >= scheme.min_coverage
    if coverage < scheme.min_coverage:
        explanation.append(
            f"only {coverage:.0%} of the {len(rulebase.rules)} rules could be evaluated (minimum {scheme.min_coverage:.0%}): not certifiable"
            if lang == "en"
            else f"仅评估了 {len(rulebase.rules)} 条规则中的 {coverage:.0%}（最低 {scheme.min_coverage:.0%}）：不予认证"
        )
    return Grade(
        scheme_version=scheme.version,
        score=overall,
        grade=band.grade,
        meaning=band.meaning.get(lang),
        certifiable=certifiable,
        coverage=coverage,
        areas=areas,
        explanation=explanation,
    )
