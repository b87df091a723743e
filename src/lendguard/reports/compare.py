"""Two inspections of one platform compared: fixed, new and persisting findings, and the grade change."""

from __future__ import annotations

from dataclasses import dataclass

from lendguard.findings import Finding, Outcome
from lendguard.reports.inspection import InspectionDocument


@dataclass(frozen=True)
class Comparison:
    fixed: list[Finding]
    new: list[Finding]
    persisting: list[Finding]
    grade_before: str
    grade_after: str
    score_before: float
    score_after: float


def _failing(document: InspectionDocument) -> dict[str, Finding]:
    return {f.fingerprint: f for target in document.targets for f in target.findings if f.outcome is Outcome.fail}


def compare(old: InspectionDocument, new: InspectionDocument) -> Comparison:
    before, after = _failing(old), _failing(new)
    return Comparison(
        fixed=[f for key, f in before.items() if key not in after],
        new=[f for key, f in after.items() if key not in before],
        persisting=[f for key, f in after.items() if key in before],
        grade_before=old.grade.grade,
        grade_after=new.grade.grade,
        score_before=old.grade.score,
        score_after=new.grade.score,
    )
