"""Findings -> per-area scores, an overall score and grade, and the certification decision.

Each rule counts once per area, by its severity, whatever the number of its findings. The scheme
(weights, bands, cap, coverage) is rule-base data and its version is stated in every report.

Less evidence never scores better: a rule that no input could judge (only inconclusive or
not-applicable outcomes, or none) costs its full points, an area with nothing judged or with a
target that could not be read is *not covered* and scores 0 at its full weight, and without every
mandatory area covered the platform is not certifiable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pydantic import BaseModel, ConfigDict

from lendguard.findings import Finding, Outcome
from lendguard.rulebase import Language, Rule, RuleBase, Severity


class AreaScore(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    area: str
    title: str
    score: float
    rules_evaluated: int
    rules_failed: list[str]
    rules_inconclusive: list[str]
    covered: bool = True
    mandatory: bool = False
    not_covered: list[str] = []  # why the area is not covered (targets that could not be read)


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
    not_covered: list[str] = []  # one line per area not covered, for the top of every report


def rule_outcomes(findings: Iterable[Finding]) -> dict[str, set[Outcome]]:
    """Each rule's outcomes over every target; a waived failure counts as a pass."""
    by_rule: dict[str, set[Outcome]] = {}
    for finding in findings:
        outcome = Outcome.passed if finding.waived and finding.outcome is Outcome.fail else finding.outcome
        by_rule.setdefault(finding.rule, set()).add(outcome)
    return by_rule


def _judged(outcomes: set[Outcome]) -> bool:
    return bool(outcomes & {Outcome.fail, Outcome.passed})


def _max_points(rule: Rule, points: Mapping[Severity, float]) -> float:
    """What a rule can cost at most: its escalated severity's points where it has one."""
    severities = [rule.severity] + ([rule.escalated_severity] if rule.escalated_severity else [])
    return max(points[s] for s in severities)


def _worst_failures(findings: Iterable[Finding]) -> dict[str, Severity]:
    """Each failed rule's worst severity over its findings that are not waived."""
    worst: dict[str, Severity] = {}
    for finding in findings:
        if finding.outcome is Outcome.fail and not finding.waived:
            known = worst.get(finding.rule)
            if known is None or finding.severity.rank > known.rank:
                worst[finding.rule] = finding.severity
    return worst


def points_lost(findings: list[Finding], rulebase: RuleBase) -> dict[str, float]:
    """What each failed rule costs the overall score of a whole inspection, by grade()'s arithmetic:
    its worst severity's points out of all its area can lose, times the area's share of the weights."""
    scheme = rulebase.grading
    total_weight = sum(scheme.area_weights.get(area, 0) for area in scheme.areas.values())
    worst = _worst_failures(findings)
    lost: dict[str, float] = {}
    for prefix, area in scheme.areas.items():
        rules = [r for r in rulebase.rules.values() if r.area == prefix]
        possible = sum(_max_points(r, scheme.severity_points) for r in rules)
        if not possible or not total_weight:
            continue
        share = scheme.area_weights.get(area, 0) / total_weight
        for rule in rules:
            if rule.id in worst:
                lost[rule.id] = round(100 * share * scheme.severity_points[worst[rule.id]] / possible, 1)
    return lost


def grade(
    findings: list[Finding],
    rulebase: RuleBase,
    lang: Language = "zh",
    scope: Iterable[str] | None = None,
    unreadable: Mapping[str, list[str]] | None = None,
) -> Grade:
    """`scope`: the areas graded (default: every area of the scheme, as for a whole inspection);
    `unreadable`: area -> the targets of it that could not be read (the area is then not covered)."""
    scheme, unreadable = rulebase.grading, unreadable or {}
    en = lang == "en"
    in_scope = set(scope) if scope is not None else set(scheme.areas.values())
    by_rule = rule_outcomes(findings)
    worst = _worst_failures(findings)
    areas: list[AreaScore] = []
    weighted = total_weight = 0.0
    for prefix, area in scheme.areas.items():
        if area not in in_scope:
            continue
        rules = [r for r in rulebase.rules.values() if r.area == prefix]
        judged = [r for r in rules if _judged(by_rule.get(r.id, set()))]
        failed = [r.id for r in judged if Outcome.fail in by_rule[r.id]]
        possible = sum(_max_points(r, scheme.severity_points) for r in rules)
        lost = sum(scheme.severity_points[worst[rule_id]] for rule_id in failed)
        lost += sum(_max_points(r, scheme.severity_points) for r in rules if r not in judged)
        title = scheme.area_titles[area].get(lang)
        reasons = list(unreadable.get(area, []))
        if not judged and not reasons:
            reasons = ["no input judged any of its rules" if en else "没有任何输入可用于判断该领域的规则"]
        covered = not reasons
        score = round(max(0.0, 100 * (1 - lost / possible)), 1) if possible and covered else 0.0
        areas.append(
            AreaScore(
                area=area,
                title=title,
                score=score,
                rules_evaluated=len(judged),
                rules_failed=failed,
                rules_inconclusive=[r.id for r in rules if by_rule.get(r.id) == {Outcome.inconclusive}],
                covered=covered,
                mandatory=area in scheme.mandatory_areas,
                not_covered=reasons,
            )
        )
        weight = scheme.area_weights.get(area, 0)
        weighted += weight * score
        total_weight += weight
    overall = round(weighted / total_weight, 1) if total_weight else 0.0
    bands = sorted(scheme.bands, key=lambda b: -b.min_score)
    band = next(b for b in bands if overall >= b.min_score)
    shown = ", " if en else "、"
    explanation = [
        f"score {overall} = weighted mean of area scores ({shown.join(f'{a.title} {a.score}' for a in areas)})"
        if en
        else f"总分 {overall} 为各领域得分的加权平均（{shown.join(f'{a.title} {a.score}' for a in areas)}）"
    ]
    criticals = sorted(rule for rule, severity in worst.items() if severity is Severity.critical)
    capped = next(b for b in bands if b.grade == scheme.critical_cap)
    if criticals and band.min_score > capped.min_score:
        band = capped
        explanation.append(
            f"critical failures ({', '.join(criticals)}) cap the grade at {capped.grade}"
            if en
            else f"存在严重问题（{'、'.join(criticals)}），等级最高为 {capped.grade}"
        )
    not_covered = [
        f"{a.title}: {'; '.join(a.not_covered)}" if en else f"{a.title}：{'；'.join(a.not_covered)}"
        for a in areas
        if not a.covered
    ]
    if not_covered:
        explanation.append(
            f"areas not covered score 0: {', '.join(a.title for a in areas if not a.covered)}"
            if en
            else f"未覆盖的领域计 0 分：{'、'.join(a.title for a in areas if not a.covered)}"
        )
    judged_rules = [rule for rule, outcomes in by_rule.items() if _judged(outcomes)]
    coverage = round(len(judged_rules) / len(rulebase.rules), 3)
    certifiable = band.grade in scheme.certifiable_grades and coverage >= scheme.min_coverage
    if coverage < scheme.min_coverage:
        explanation.append(
            f"only {coverage:.0%} of the {len(rulebase.rules)} rules could be evaluated (minimum {scheme.min_coverage:.0%}): not certifiable"
            if en
            else f"仅评估了 {len(rulebase.rules)} 条规则中的 {coverage:.0%}（最低 {scheme.min_coverage:.0%}）：不予认证"
        )
    missing = [a.title for a in areas if a.mandatory and not a.covered]
    missing += [scheme.area_titles[a].get(lang) for a in scheme.mandatory_areas if a not in in_scope]
    if missing:
        certifiable = False
        explanation.append(
            f"mandatory areas not covered ({', '.join(missing)}): not certifiable"
            if en
            else f"必查领域未覆盖（{'、'.join(missing)}）：不予认证"
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
        not_covered=not_covered,
    )


def areas_of(findings: Iterable[Finding], rulebase: RuleBase) -> set[str]:
    """The areas the rules of these findings belong to."""
    return {rulebase.grading.areas[rulebase.rule(f.rule).area] for f in findings}
