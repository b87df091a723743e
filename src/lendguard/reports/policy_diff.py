"""Clause-level changes between two versions of a privacy policy, with the findings each added or removed."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from lendguard.engine import TargetReport
from lendguard.evidence import Clause, PolicyEvidence
from lendguard.findings import Finding, Outcome

SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class ClauseChange:
    kind: Literal["added", "removed", "changed"]
    old: Clause | None
    new: Clause | None


@dataclass
class PolicyDiff:
    changes: list[ClauseChange] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)
    fixed_findings: list[Finding] = field(default_factory=list)


def _key(finding: Finding) -> tuple[str, str]:
    return finding.rule, SPACE.sub("", finding.quote)


def diff_policies(old: TargetReport, new: TargetReport) -> PolicyDiff:
    assert isinstance(old.evidence, PolicyEvidence) and isinstance(new.evidence, PolicyEvidence)
    before, after = old.evidence.clauses, new.evidence.clauses
    matcher = difflib.SequenceMatcher(
        a=[SPACE.sub("", c.text) for c in before], b=[SPACE.sub("", c.text) for c in after], autojunk=False
    )
    result = PolicyDiff()
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        olds, news = list(before[a0:a1]), list(after[b0:b1])
        for index in range(max(len(olds), len(news))):
            old_clause = olds[index] if index < len(olds) else None
            new_clause = news[index] if index < len(news) else None
            kind: Literal["added", "removed", "changed"] = (
                "changed" if old_clause and new_clause else "added" if new_clause else "removed"
            )
            result.changes.append(ClauseChange(kind, old_clause, new_clause))
    failing_before = {_key(f): f for f in old.findings if f.outcome is Outcome.fail}
    failing_after = {_key(f): f for f in new.findings if f.outcome is Outcome.fail}
    result.new_findings = [f for k, f in failing_after.items() if k not in failing_before]
    result.fixed_findings = [f for k, f in failing_before.items() if k not in failing_after]
    return result
