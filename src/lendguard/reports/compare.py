"""Two inspections of one platform compared: fixed, new and persisting findings, and the grade change."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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

    @property
    def worse(self) -> bool:
        """New failures (waived ones aside) or a lower grade or score: what makes `diff` exit 1."""
        fell = "DCBA".find(self.grade_after) < "DCBA".find(self.grade_before) or self.score_after < self.score_before
        return fell or any(not f.waived for f in self.new)


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


def _findings(document: Any) -> list[Any]:
    if not isinstance(document, dict) or not ("findings" in document or "targets" in document):
        raise ValueError("not a report")
    if "targets" in document:
        return [f for target in document["targets"] for f in target.get("findings", [])]
    return list(document["findings"])


def baseline_fingerprints(path: Path) -> set[str]:
    """Fingerprints of the failures an earlier report recorded: an inspection's report.json, a
    command's --format json document, or JSON Lines of them. FileNotFoundError when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
        try:
            documents = [json.loads(text)]
        except json.JSONDecodeError:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        findings = [f for document in documents for f in _findings(document)]
        return {str(f["fingerprint"]) for f in findings if f.get("outcome") == "fail"}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise FileNotFoundError(f"{path}: not a readable LendGuard JSON report to use as a baseline") from error
