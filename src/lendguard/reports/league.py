"""League table of many audited apps or policies: one row each, worst first (CSV and HTML)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from lendguard.grading import Grade
from lendguard.reports.document import ReportDocument
from lendguard.rulebase import Severity


@dataclass(frozen=True)
class LeagueRow:
    file: str
    kind: str
    identity: str
    score: float
    grade: str
    counts: dict[Severity, int]
    failed_rules: int
    error: str | None


def league_row(document: ReportDocument, grade: Grade) -> LeagueRow:
    return LeagueRow(
        file=document.target.file,
        kind=document.target.kind,
        identity=document.target.identity,
        score=grade.score,
        grade=grade.grade,
        counts=dict(document.summary.failed_findings_by_severity),
        failed_rules=document.summary.rules_failed,
        error=document.error,
    )


HEADER = [
    "rank",
    "file",
    "kind",
    "identity",
    "score",
    "grade",
    "critical",
    "high",
    "medium",
    "low",
    "failed_rules",
    "error",
]


def _sorted(rows: Sequence[LeagueRow]) -> list[LeagueRow]:
    return sorted(rows, key=lambda r: (r.error is not None, r.score, -r.counts.get(Severity.critical, 0), r.file))


def league_csv(rows: Sequence[LeagueRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for rank, row in enumerate(_sorted(rows), start=1):
        writer.writerow(
            [
                rank,
                row.file,
                row.kind,
                row.identity,
                row.score,
                row.grade,
                *(row.counts.get(s, 0) for s in (Severity.critical, Severity.high, Severity.medium, Severity.low)),
                row.failed_rules,
                row.error or "",
            ]
        )
    return buffer.getvalue()


def league_html(rows: Sequence[LeagueRow], title: str) -> str:
    body = "".join(
        "<tr>"
        + "".join(
            f"<td>{escape(str(cell))}</td>"
            for cell in (
                rank,
                row.file,
                row.kind,
                row.identity,
                row.score,
                row.grade,
                *(row.counts.get(s, 0) for s in (Severity.critical, Severity.high, Severity.medium, Severity.low)),
                row.failed_rules,
                row.error or "",
            )
        )
        + "</tr>"
        for rank, row in enumerate(_sorted(rows), start=1)
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in HEADER)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title><style>'
        "body{font-family:sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.3rem .5rem}"
        f"th{{background:#f5f5f5}}</style></head><body><h1>{escape(title)}</h1><table><tr>{head}</tr>{body}</table></body></html>\n"
    )
