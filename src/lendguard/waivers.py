"""Waivers (prowler's mutelist, Trivy's ignorefile): accepted findings, each with a reason, an
approver and an expiry date. A waived finding stays in every report, marked and listed, but counts
toward neither the grade nor the exit code; an expired waiver stops applying, with a warning, and
a waiver that matches nothing is reported."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from lendguard.findings import Finding, Outcome, Waiver
from lendguard.manifest import load_validated


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WaiverEntry(_Strict):
    fingerprint: StrictStr | None = Field(default=None, description="the finding's fingerprint")
    rule: StrictStr | None = Field(default=None, description="a rule id, with `target` or for every target")
    target: StrictStr | None = Field(default=None, description="target identity or file (glob patterns allowed)")
    reason: StrictStr = Field(min_length=1)
    approved_by: StrictStr = Field(min_length=1)
    expires: date

    @model_validator(mode="after")
    def _keyed(self) -> WaiverEntry:
        if (self.fingerprint is None) == (self.rule is None):
            raise ValueError("a waiver names either a `fingerprint` or a `rule` (with an optional `target`)")
        if self.fingerprint is not None and self.target is not None:
            raise ValueError("`target` goes with `rule`, not with `fingerprint`")
        return self

    def matches(self, finding: Finding) -> bool:
        if self.fingerprint is not None:
            return finding.fingerprint == self.fingerprint
        if finding.rule != self.rule:
            return False
        if self.target is None:
            return True
        names = (finding.target, finding.location.file, Path(finding.location.file).name)
        return any(fnmatchcase(name, self.target) for name in names)

    def key(self) -> str:
        return self.fingerprint or f"{self.rule}{f' @ {self.target}' if self.target else ''}"


class WaiverFile(_Strict):
    waivers: list[WaiverEntry]


class WaiverStatus(_Strict):
    """How one waiver of the file fared in this run; part of the signed report."""

    index: int = Field(description="1-based position in the waiver file")
    key: str = Field(description="the fingerprint, or `RULE @ target`")
    reason: str
    approved_by: str
    expires: date
    status: Literal["applied", "expired", "unmatched"]
    findings: list[str] = Field(default=[], description="fingerprints of the findings it waived (or would have)")


def load_waivers(path: Path) -> list[WaiverEntry]:
    """The entries of a waiver file; ManifestError (one line naming the file and the key) otherwise."""
    return load_validated(path, WaiverFile, "waiver file").waivers


def apply_waivers(
    findings: Iterable[Finding], waivers: list[WaiverEntry], today: date
) -> tuple[list[Finding], list[WaiverStatus]]:
    """Mark the failures each live waiver matches; expired ones apply to nothing."""
    findings = list(findings)
    matched: list[list[str]] = [[] for _ in waivers]
    result = []
    for finding in findings:
        if finding.outcome is Outcome.fail:
            for index, waiver in enumerate(waivers):
                if waiver.matches(finding):
                    matched[index].append(finding.fingerprint)
                    if waiver.expires >= today and not finding.waived:
                        note = Waiver(
                            index=index + 1,
                            reason=waiver.reason,
                            approved_by=waiver.approved_by,
                            expires=waiver.expires,
                        )
                        finding = finding.model_copy(update={"waived": True, "waiver": note})
        result.append(finding)
    statuses = [
        WaiverStatus(
            index=index + 1,
            key=waiver.key(),
            reason=waiver.reason,
            approved_by=waiver.approved_by,
            expires=waiver.expires,
            status="expired" if waiver.expires < today else "applied" if matched[index] else "unmatched",
            findings=sorted(set(matched[index])),
        )
        for index, waiver in enumerate(waivers)
    ]
    return result, statuses


def waiver_warnings(statuses: Iterable[WaiverStatus], source: Path | str) -> list[str]:
    """One line per waiver that did not apply: expired, or matching nothing."""
    lines = []
    for status in statuses:
        if status.status == "expired":
            lines.append(
                f"{source}: waiver {status.index} ({status.key}) expired on {status.expires}: no longer applied"
            )
        elif status.status == "unmatched":
            lines.append(f"{source}: waiver {status.index} ({status.key}) matches no finding")
    return lines
