"""League tables of many audited files (`lendguard batch`): each kind of target (apps, policies,
traffic captures) ranked on its own, worst first; files that could not be read listed apart and
not graded. CSV (one row per file, a column per rule) and a localised HTML page with the grade
distribution."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from lendguard.grading import Grade
from lendguard.reports.document import ReportDocument
from lendguard.reports.i18n import word
from lendguard.reports.summary import outcome_of
from lendguard.rulebase import Language, Severity

SEVERITIES = (Severity.critical, Severity.high, Severity.medium, Severity.low)
GRADE_COLOURS = {"A": "#2e7d32", "B": "#f9a825", "C": "#ef6c00", "D": "#b71c1c"}


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
    version: str = ""
    sha256: str = ""
    sdks: tuple[str, ...] = ()
    outcomes: dict[str, str] = field(default_factory=dict)  # rule -> fail / pass / inconclusive / not_applicable


def league_row(document: ReportDocument, grade: Grade) -> LeagueRow:
    rules = sorted({f.rule for f in document.findings})
    return LeagueRow(
        file=document.target.file,
        kind=document.target.kind,
        identity=document.target.identity,
        score=grade.score,
        grade=grade.grade,
        counts=dict(document.summary.failed_findings_by_severity),
        failed_rules=document.summary.rules_failed,
        error=document.error,
        version=document.target.version or "",
        sha256=document.target.sha256 or "",
        sdks=tuple(sorted({f.location.sdk for f in document.findings if f.location.sdk})),
        outcomes={rule: outcome_of({f.outcome for f in document.findings if f.rule == rule}).value for rule in rules},
    )


def _ranked(rows: Sequence[LeagueRow]) -> dict[str, list[LeagueRow]]:
    """Readable rows by kind, each kind worst first."""
    kinds: dict[str, list[LeagueRow]] = {}
    for row in sorted(rows, key=lambda r: (r.score, -r.counts.get(Severity.critical, 0), r.file)):
        if row.error is None:
            kinds.setdefault(row.kind, []).append(row)
    return dict(sorted(kinds.items()))


def unreadable(rows: Sequence[LeagueRow]) -> list[LeagueRow]:
    return sorted((r for r in rows if r.error is not None), key=lambda r: r.file)


HEADER = [
    "kind",
    "rank",
    "file",
    "identity",
    "version",
    "sha256",
    "score",
    "grade",
    *SEVERITIES,
    "failed_rules",
    "sdks",
]


def league_csv(rows: Sequence[LeagueRow]) -> str:
    ranked = _ranked(rows)
    rules = sorted({rule for kind in ranked.values() for row in kind for rule in row.outcomes})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in HEADER] + rules)
    for kind, members in ranked.items():
        for rank, row in enumerate(members, start=1):
            writer.writerow(
                [
                    kind,
                    rank,
                    row.file,
                    row.identity,
                    row.version,
                    row.sha256,
                    row.score,
                    row.grade,
                    *(row.counts.get(s, 0) for s in SEVERITIES),
                    row.failed_rules,
                    "; ".join(row.sdks),
                    *(row.outcomes.get(rule, "") for rule in rules),
                ]
            )
    return buffer.getvalue()


def unreadable_csv(rows: Sequence[LeagueRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["file", "kind", "error"])
    for row in unreadable(rows):
        writer.writerow([row.file, row.kind, row.error])
    return buffer.getvalue()


def _distribution(members: Sequence[LeagueRow], lang: Language) -> str:
    counts = Counter(row.grade for row in members)
    grades = sorted(GRADE_COLOURS)
    top = max(counts.values(), default=0)
    bars = []
    for number, grade in enumerate(grades):
        height = 0 if top == 0 else 80 * counts.get(grade, 0) / top
        x = 10 + number * 50
        bars.append(
            f'<rect x="{x}" y="{95 - height:.1f}" width="36" height="{max(height, 1):.1f}" fill="{GRADE_COLOURS[grade]}"/>'
            f'<text x="{x + 18}" y="{90 - height:.1f}" font-size="11" text-anchor="middle">{counts.get(grade, 0)}</text>'
            f'<text x="{x + 18}" y="110" font-size="12" text-anchor="middle">{grade}</text>'
        )
    label = escape(word("grade_distribution", lang))
    return f'<figure><figcaption>{label}</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="220" height="116" role="img" aria-label="{label}">{"".join(bars)}</svg></figure>'


def league_html(rows: Sequence[LeagueRow], title: str, lang: Language = "zh") -> str:
    sections = []
    for kind, members in _ranked(rows).items():
        rules = sorted({rule for row in members for rule in row.outcomes})
        keys = [
            "rank",
            "file",
            "identity",
            "version",
            "score",
            "grade",
            *[s.value for s in SEVERITIES],
            "failed_rules",
            "sdks",
        ]
        head = "".join(f"<th>{escape(word(k, lang))}</th>" for k in keys) + "".join(
            f"<th>{escape(r)}</th>" for r in rules
        )
        body = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(str(cell))}</td>"
                for cell in (
                    rank,
                    row.file,
                    row.identity,
                    row.version or "—",
                    row.score,
                    row.grade,
                    *(row.counts.get(s, 0) for s in SEVERITIES),
                    row.failed_rules,
                    "; ".join(row.sdks) or "—",
                )
            )
            + "".join(
                f'<td class="{escape(row.outcomes.get(r, ""))}">{escape(word(row.outcomes[r], lang)) if r in row.outcomes else ""}</td>'
                for r in rules
            )
            + "</tr>"
            for rank, row in enumerate(members, start=1)
        )
        sections.append(
            f"<h2>{escape(word('kind_' + kind, lang))} ({len(members)})</h2>"
            f"{_distribution(members, lang)}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )
    broken = unreadable(rows)
    if broken:
        items = "".join(f"<li><b>{escape(r.file)}</b>: {escape(r.error or '')}</li>" for r in broken)
        sections.append(f"<h2>{escape(word('unreadable', lang))} ({len(broken)})</h2><ul>{items}</ul>")
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8"><title>{escape(title)}</title><style>'
        'body{font-family:"Noto Sans CJK SC",sans-serif;margin:2rem}table{border-collapse:collapse;font-size:.85rem}'
        "td,th{border:1px solid #ddd;padding:.3rem .5rem}th{background:#f5f5f5}td.fail{background:#ffebee}td.pass{background:#e8f5e9}"
        f"</style></head><body><h1>{escape(title)}</h1>{''.join(sections)}</body></html>\n"
    )
