"""Terminal rendering of report documents with rich: findings per target and a batch summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from lendguard.findings import Finding, Location, Outcome
from lendguard.grading import Grade
from lendguard.reports.document import ReportDocument
from lendguard.reports.i18n import word
from lendguard.rulebase import Language, Severity

COLUMN_RATIOS: dict[str, int | None] = {"severity": None, "rule": 3, "outcome": None, "location": 2, "quote": 5}
SEVERITY_STYLE = {
    Severity.critical: "bold white on red",
    Severity.high: "bold red",
    Severity.medium: "yellow",
    Severity.low: "cyan",
    Severity.info: "dim",
}


def _where(location: Location, lang: Language) -> str:
    """The coarse place; the quote beside it carries the detail."""
    if location.loan:
        rows = location.rows or ([location.row] if location.row else [])
        shown = ", ".join(map(str, rows[:6])) + (" …" if len(rows) > 6 else "")
        return f"{location.loan} · {word('rows_at', lang, rows=shown)}"
    if location.host:
        return f"#{location.request} {location.method} {location.host}{location.path or ''}"
    if location.start is not None:
        return f"{location.section or Path(location.file).name} @{location.start}"
    if location.table:
        return f"{location.table}.{location.column}" if location.column else location.table
    if location.path:
        return f"{location.path}:{location.line}" if location.line else location.path
    return location.sdk or location.entry or location.dex or location.url or Path(location.file).name


OUTCOME_STYLE = {Outcome.fail: "bold red", Outcome.inconclusive: "yellow", Outcome.passed: "green"}


def _outcome(finding: Finding, lang: Language) -> Text:
    if finding.waived:
        return Text(word("waived", lang), style="dim")
    return Text(word(finding.outcome.value, lang), style=OUTCOME_STYLE.get(finding.outcome, "dim"))


def not_evaluated_line(document: ReportDocument) -> str:
    """Why the other rules were not evaluated: another kind of target, or (rarely) no check yet."""
    reasons = Counter(n.reason for n in document.not_evaluated)
    text = ""
    if reasons["out_of_scope"]:
        text += word("out_of_scope_line", document.lang, count=reasons["out_of_scope"])
    if reasons["no_check"]:
        text += word("no_check_line", document.lang, count=reasons["no_check"])
    return text


def render_findings(console: Console, document: ReportDocument, show_passed: bool = False) -> None:
    lang = document.lang
    hidden = () if show_passed else (Outcome.passed, Outcome.not_applicable)
    shown: list[Finding] = [f for f in document.findings if f.outcome not in hidden]
    table = Table(
        title=word("findings_of", lang, target=document.target.identity),
        show_lines=False,
        title_justify="left",
        expand=True,
    )
    for key in ("severity", "rule", "outcome", "location", "quote"):
        table.add_column(word(key, lang), overflow="fold", ratio=COLUMN_RATIOS[key], no_wrap=COLUMN_RATIOS[key] is None)
    for finding in shown:
        cells: list[Text | str] = [
            Text(word(finding.severity.value, lang), style=SEVERITY_STYLE[finding.severity]),
            f"{finding.rule}\n[dim]{finding.title}[/]",
            _outcome(finding, lang),
        ]
        # An inconclusive row says why it could not be judged.
        quote = Text(finding.why if finding.outcome is Outcome.inconclusive and not finding.quote else finding.quote)
        if finding.confidence != "high":
            quote.append(f" ({word('confidence', lang)}: {finding.confidence})", style="dim")
        cells += [_where(finding.location, lang), quote]
        table.add_row(*cells)
    if shown:
        console.print(table)
    summary = document.summary
    console.print(
        word(
            "summary_line",
            lang,
            evaluated=summary.rules_evaluated,
            failed=summary.rules_failed,
            passed=summary.rules_passed,
            inconclusive=summary.rules_inconclusive,
            not_applicable=summary.rules_not_applicable,
        )
        + not_evaluated_line(document)
    )
    for warning in document.warnings:
        console.print(f"[yellow]{word('warning', lang)}:[/] {warning}")
    failed: dict[str, Finding] = {}
    for finding in document.failures():
        failed.setdefault(finding.rule, finding)
    if not failed:
        console.print(word("no_failures", lang))
        return
    console.print(f"[bold]{word('remedies', lang)}[/]")
    for rule, finding in failed.items():
        console.print(
            f"  • [bold]{rule}[/] {finding.remedy} [dim]({word('basis', lang)}: {', '.join(finding.basis)})[/]"
        )


def render_summary(console: Console, documents: Sequence[ReportDocument]) -> None:
    lang = documents[0].lang
    table = Table(title=word("summary_title", lang), title_justify="left")
    for key in ("file", "identity", "critical", "high", "medium", "low", "failed_rules", "status"):
        table.add_column(word(key, lang))
    for document in documents:
        counts = document.summary.failed_findings_by_severity
        status = word("error", lang) if document.error else word("ok", lang)
        table.add_row(
            document.target.file,
            document.target.identity,
            *(str(counts.get(s, 0)) for s in (Severity.critical, Severity.high, Severity.medium, Severity.low)),
            str(document.summary.rules_failed),
            status,
        )
    console.print(table)


def render_coverage(console: Console, grade: Grade, lang: Language) -> None:
    """What the inspection did and did not cover, area by area."""
    covered = [a.title for a in grade.areas if a.covered]
    console.print(f"[bold]{word('covered', lang)}:[/] {', '.join(covered) or '—'}", highlight=False)
    if not grade.not_covered:
        return
    console.print(f"[bold red]{word('not_covered', lang)}:[/]", highlight=False)
    for line in grade.not_covered:
        console.print(f"  • {line}", highlight=False, markup=False)
