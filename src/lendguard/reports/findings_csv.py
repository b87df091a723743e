"""Findings as CSV: one row per finding of every target, for spreadsheets and CI artefacts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from lendguard.reports.document import ReportDocument
from lendguard.reports.places import where

HEADER = [
    "target",
    "rule",
    "title",
    "severity",
    "outcome",
    "confidence",
    "file",
    "location",
    "quote",
    "why",
    "remedy",
    "basis",
    "fingerprint",
    "affected_kind",  # who the count is of (contacts, data_subjects …); empty where not counted
    "affected_count",
    "affected_at_least",
]


def findings_csv(documents: Sequence[ReportDocument]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for document in documents:
        for finding in document.findings:
            writer.writerow(
                [
                    document.target.identity,
                    finding.rule,
                    finding.title,
                    finding.severity.value,
                    finding.outcome.value,
                    finding.confidence,
                    finding.location.file,
                    where(finding.location, document.lang),
                    finding.quote,
                    finding.why,
                    finding.remedy,
                    " ".join(finding.basis),
                    finding.fingerprint,
                    *(
                        (finding.affected.kind, finding.affected.count, "yes" if finding.affected.at_least else "no")
                        if finding.affected
                        else ("", "", "")
                    ),
                ]
            )
    return buffer.getvalue()
