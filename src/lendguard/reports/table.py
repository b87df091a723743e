"""Terminal rendering of report documents with rich: findings per target and a batch summary.

Tables fit the terminal: columns get fixed widths and cells are wrapped at token boundaries
(never `ContactsContract$Commo|nDataKinds`); a rule's title is shown once, on its first row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lendguard.findings import Finding, Outcome
from lendguard.grading import Grade
from lendguard.reports.document import ReportDocument
from lendguard.reports.i18n import word
from lendguard.reports.places import where
from lendguard.reports.summary import RuleResult, affected_text, also_text, people_affected
from lendguard.reports.wrap import wrap
from lendguard.rulebase import Language, RuleBase, Severity

SEVERITY_STYLE = {
    Severity.critical: "bold white on red",
    Severity.high: "bold red",
    Severity.medium: "yellow",
    Severity.low: "cyan",
    Severity.info: "dim",
}


def _widths(console: Console, fixed: list[int], shares: list[int]) -> list[int]:
    """Content widths: the fixed columns as given, the rest shared out; borders and padding subtracted."""
    columns = len(fixed) + len(shares)
    free = max(console.width - (columns + 1) - 2 * columns - sum(fixed), 10 * len(shares))
    return fixed + [max(free * share // sum(shares), 8) for share in shares]


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
    # Each rule's rows together (worst rule first), so its title is printed once.
    worst: dict[str, int] = {}
    for finding in shown:
        worst[finding.rule] = max(worst.get(finding.rule, -1), finding.severity.rank)
    order = {Outcome.fail: 0, Outcome.inconclusive: 1, Outcome.passed: 2, Outcome.not_applicable: 3}
    shown.sort(key=lambda f: (order[f.outcome], -worst[f.rule], f.rule, -f.severity.rank))
    # Every row shows its outcome: in its own column with --show-passed, else under the severity.
    keys = (
        ("severity", "rule", "outcome", "location", "quote")
        if show_passed
        else ("severity", "rule", "location", "quote")
    )
    headers = {key: cell_len(word(key, lang)) for key in keys}
    outcome_width = max(cell_len(word("waived", lang)), *(cell_len(word(o.value, lang)) for o in Outcome))
    severity_width = max(headers["severity"], *(cell_len(word(s.value, lang)) for s in Severity))
    if not show_passed:
        severity_width = max(severity_width, outcome_width, cell_len(word("outcome", lang)))
    widest = max((max(len(f.rule), cell_len(f.title)) for f in shown), default=8)
    rule_width = min(widest, max(26, console.width // 5), max((len(f.rule) for f in shown), default=8) + 12)
    fixed = [severity_width, rule_width]
    if show_passed:
        fixed.append(max(headers["outcome"], outcome_width))
    places = [where(f.location, lang) for f in shown]
    free = _widths(console, fixed, [1])[-1]
    place_width = max(min(max((cell_len(p) for p in places), default=8), free // 3), headers["location"])
    widths = [*fixed, place_width, max(free - place_width - 3, 10)]
    table = Table(title=word("findings_of", lang, target=document.target.identity), title_justify="left")
    for key, width in zip(keys, widths, strict=True):
        heading = word(key, lang)
        if key == "severity" and not show_passed:
            heading += "\n" + word("outcome", lang)
        table.add_column(heading, width=width, overflow="fold")
    previous = None
    for finding, place in zip(shown, places, strict=True):
        rule_cell = "" if finding.rule == previous else f"{finding.rule}\n[dim]{wrap(finding.title, rule_width)}[/]"
        previous = finding.rule
        severity = Text(word(finding.severity.value, lang), style=SEVERITY_STYLE[finding.severity])
        if not show_passed:
            severity.append("\n").append_text(_outcome(finding, lang))
        cells: list[Text | str] = [severity, rule_cell]
        if show_passed:
            cells.append(_outcome(finding, lang))
        # An inconclusive row says why it could not be judged.
        said = finding.why if finding.outcome is Outcome.inconclusive and not finding.quote else finding.quote
        quote = Text(wrap(said, widths[-1]))
        if finding.confidence != "high":
            quote.append(
                f" ({word('confidence', lang)}: {word('confidence_' + finding.confidence, lang)})", style="dim"
            )
        cells += [Text(wrap(place, widths[-2])), quote]
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
        + not_evaluated_line(document),
        highlight=False,
    )
    for warning in document.warnings:
        console.print(f"[yellow]{word('warning', lang)}:[/] {warning}", highlight=False)
    failed: dict[str, Finding] = {}
    for finding in document.failures():
        failed.setdefault(finding.rule, finding)
    if not failed:
        console.print(word("no_failures", lang))
        return
    console.print(f"[bold]{word('remedies', lang)}[/]")
    _remedies(console, [(rule, f.remedy, f.basis) for rule, f in failed.items()], lang)


def _remedies(console: Console, items: list[tuple[str, str, list[str]]], lang: Language) -> None:
    """One line per rule, wrapped under itself: the indent survives the wrap."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for rule, remedy, basis in items:
        grid.add_row("•", rule, Text.assemble(remedy, (f" ({word('basis', lang)}: {', '.join(basis)})", "dim")))
    console.print(grid)


def render_fix_first(
    console: Console,
    results: Sequence[RuleResult],
    lang: Language,
    limit: int = 10,
    rulebase: RuleBase | None = None,
) -> None:
    """The failed rules worst first, each once with its remedy and, given the rule base for the
    words, the people it affects (what `audit` prints under the grade)."""
    failed = [r for r in results if r.outcome is Outcome.fail]
    if not failed:
        return
    console.print(f"[bold]{word('fix_first', lang)}[/]")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(no_wrap=True)
    grid.add_column(no_wrap=True, style="bold")
    grid.add_column(overflow="fold")
    for number, result in enumerate(failed[:limit], start=1):
        cost = word("cost", lang, count=len(result.failures), points=f"{result.points:g}")
        if rulebase is not None and result.affected:
            cost += ("，" if lang == "zh" else ", ") + word("affects", lang) + " "
            cost += affected_text(result.affected, rulebase, lang)
        grid.add_row(
            f"{number}.",
            Text(word(result.severity.value, lang), style=SEVERITY_STYLE[result.severity]),
            result.rule,
            Text.assemble(
                f"{result.title} ", (f"（{cost}）" if lang == "zh" else f"({cost})", "dim"), "\n", result.remedy
            ),
        )
    console.print(grid)
    if len(failed) > limit:
        console.print(f"  … {word('more_rules', lang, count=len(failed) - limit)}", highlight=False)


def render_people(console: Console, results: Sequence[RuleResult], rulebase: RuleBase, lang: Language) -> None:
    """The people affected where the evidence counts them, one line per kind, the largest first."""
    listed = people_affected(results)
    if not listed:
        return
    console.print(f"[bold]{word('people_affected', lang)}[/]")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=3, justify="right")
    grid.add_column(no_wrap=True, style="bold red")
    grid.add_column(overflow="fold")
    label_width = max(cell_len(kind.largest.text(rulebase, lang)) for kind in listed)
    text_width = max(console.width - 3 - label_width - 2, 20)  # wrapped at token boundaries
    for kind in listed:
        result = kind.rules[0][0]
        text = wrap(f"{result.rule} {result.title}{also_text(kind, lang)}", text_width)
        grid.add_row("•", kind.largest.text(rulebase, lang), text)
    console.print(grid)


def render_summary(console: Console, documents: Sequence[ReportDocument]) -> None:
    """One row per target; the failed findings per severity share one column ("1 / 7 / 9 / 2") and
    an identity that only repeats the file is left blank, so the file and identity keep room enough
    to wrap at token boundaries even at 80 columns."""
    lang = documents[0].lang
    table = Table(title=word("summary_title", lang), title_justify="left")
    severities = (Severity.critical, Severity.high, Severity.medium, Severity.low)
    counts_heading = word("severity_counts", lang)
    rows = [" / ".join(str(d.summary.failed_findings_by_severity.get(s, 0)) for s in severities) for d in documents]
    counts_width = max(cell_len(counts_heading), *(cell_len(r) for r in rows))
    status_width = max(cell_len(word(key, lang)) for key in ("error", "ok", "status"))
    fixed = [counts_width, cell_len(word("failed_rules", lang)), status_width]
    widths = _widths(console, fixed, [3, 2])
    keys = ("file", "identity", "severity_counts", "failed_rules", "status")
    for key, width in zip(keys, [widths[3], widths[4], *widths[:3]], strict=True):
        heading = counts_heading if key == "severity_counts" else word(key, lang)
        table.add_column(heading, width=width, overflow="fold")
    for document, counts in zip(documents, rows, strict=True):
        status = word("error", lang) if document.error else word("ok", lang)
        table.add_row(
            wrap(document.target.file, widths[3]),
            "" if document.target.identity == document.target.file else wrap(document.target.identity, widths[4]),
            counts,
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
