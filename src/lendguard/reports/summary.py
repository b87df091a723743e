"""What a supervisor reads first: the failed rules worst first, each once, with what it costs the
grade, how often it occurred and its remedy; and the rules that passed, were inconclusive or were not
evaluated. Every renderer (terminal, HTML, PDF, Markdown) shows the same lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lendguard.findings import AffectedKind, Finding, Outcome
from lendguard.grading import points_lost
from lendguard.reports.document import ReportDocument
from lendguard.rulebase import Language, RuleBase, Severity


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
    def affected(self) -> list[Count]:
        """People (or records about them) the rule's failures concern, per kind, where counted."""
        return count_affected(f for _, f in self.failures)

    @property
    def targets(self) -> list[str]:
        return list(dict.fromkeys(t for t, _ in self.failures or self.findings))


@dataclass(frozen=True)
class Count:
    kind: AffectedKind
    count: int
    at_least: bool  # counted in a sample: at least this many

    def text(self, rulebase: RuleBase, lang: Language) -> str:
        space = "" if lang == "zh" else " "
        return f"{'≥' if self.at_least else ''}{self.count:,}{space}{rulebase.label('affected_' + self.kind, lang)}"


def count_affected(findings: Iterable[Finding]) -> list[Count]:
    """Per kind, the sum over places of the largest count at each place: two columns of one table
    hold the same people's records, so they count once; two tables or two uploads add up."""
    largest: dict[tuple[AffectedKind, str, str], tuple[int, bool]] = {}
    for finding in findings:
        if finding.affected is None:
            continue
        place = finding.location
        key = (finding.affected.kind, finding.target, place.table or place.path or place.loan or place.key())
        count, at_least = largest.get(key, (0, False))
        largest[key] = (max(count, finding.affected.count), at_least or finding.affected.at_least)
    totals: dict[AffectedKind, tuple[int, bool]] = {}
    for (kind, _, _), (count, at_least) in largest.items():
        total, sampled = totals.get(kind, (0, False))
        totals[kind] = (total + count, sampled or at_least)
    return [Count(kind, count, at_least) for kind, (count, at_least) in totals.items()]


@dataclass(frozen=True)
class KindCount:
    """One kind of people affected: the largest count a failed rule gives (rules are not added up:
    an uploaded address book and the stored one hold the same people), and every rule's count."""

    largest: Count
    rules: list[tuple[RuleResult, Count]]  # largest first

    @property
    def others(self) -> list[tuple[RuleResult, Count]]:
        return self.rules[1:]


def people_affected(results: Sequence[RuleResult]) -> list[KindCount]:
    """The people the failed rules affect, one entry per kind, the largest first (what the summary lists)."""
    by_kind: dict[AffectedKind, list[tuple[RuleResult, Count]]] = {}
    for result in results:
        if result.outcome is Outcome.fail:
            for count in result.affected:
                by_kind.setdefault(count.kind, []).append((result, count))
    kinds = [sorted(pairs, key=lambda pair: (-pair[1].count, pair[0].rule)) for pairs in by_kind.values()]
    return sorted(
        (KindCount(pairs[0][1], pairs) for pairs in kinds), key=lambda k: (-k.largest.count, k.rules[0][0].rule)
    )


def also_text(kind: KindCount, lang: Language) -> str:
    """The other rules of the same kind: "另见 NET-CONTACTS-UPLOAD (30)" / "also NET-CONTACTS-UPLOAD (30)"."""
    if not kind.others:
        return ""
    listed = ("、" if lang == "zh" else ", ").join(f"{r.rule} ({c.count:,})" for r, c in kind.others)
    return ("；另见 " if lang == "zh" else "; also ") + listed


def affected_text(counts: Sequence[Count], rulebase: RuleBase, lang: Language) -> str:
    return ("；" if lang == "zh" else "; ").join(c.text(rulebase, lang) for c in counts)


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
