"""Markdown rendering of an inspection report (for tickets, wikis and pull requests)."""

from __future__ import annotations

from lendguard.findings import Outcome
from lendguard.reports.i18n import word
from lendguard.reports.inspection import InspectionDocument


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(document: InspectionDocument) -> str:
    lang = document.lang
    grade = document.grade
    lines = [
        f"# {document.platform} — LendGuard",
        "",
        f"**{word('grade', lang)}: {grade.grade}** ({grade.score}/100) — {grade.meaning}. "
        f"{word('certifiable', lang) if grade.certifiable else word('not_certifiable', lang)}; "
        f"{word('coverage', lang)} {grade.coverage:.0%}; {grade.scheme_version}.",
        "",
        *(
            [f"**{word('not_covered', lang)}**:", *(f"- {_cell(line)}" for line in grade.not_covered), ""]
            if grade.not_covered
            else []
        ),
        *(f"- {line}" for line in grade.explanation),
        "",
        f"| {word('area', lang)} | {word('score', lang)} | {word('failed_rules', lang)} |",
        "|---|---|---|",
        *(f"| {a.title} | {a.score} | {', '.join(a.rules_failed) or '—'} |" for a in grade.areas),
        "",
        f"| {word('severity', lang)} | {word('rule', lang)} | {word('target', lang)} | {word('quote', lang)} | {word('basis', lang)} | {word('remedies', lang)} |",
        "|---|---|---|---|---|---|",
    ]
    for target in document.targets:
        for finding in target.findings:
            if finding.outcome is Outcome.fail and not finding.waived:
                lines.append(
                    f"| {word(finding.severity.value, lang)} | {finding.rule} {_cell(finding.title)} | "
                    f"{_cell(target.target.identity)} | {_cell(finding.quote)} | {', '.join(finding.basis)} | {_cell(finding.remedy)} |"
                )
    if document.waivers:
        lines += ["", f"## {word('waivers', lang)}", ""]
        for status in document.waivers:
            lines.append(
                f"- {status.index}. `{_cell(status.key)}` — {status.status}: {_cell(status.reason)} "
                f"({_cell(status.approved_by)}, {status.expires}); {len(status.findings)} {word('waived', lang)}"
            )
        for target in document.targets:
            for finding in target.findings:
                if finding.waived:
                    lines.append(
                        f"  - {word('waived', lang)}: {finding.rule} {_cell(finding.title)} · {_cell(finding.quote)}"
                    )
    signed = word("signed", lang) if document.signature else word("unsigned", lang)
    lines += [
        "",
        f"_{signed}; {len(document.evidence)} {word('evidence_files', lang)}; LendGuard {document.tool.version}, "
        f"rules {document.tool.rulebase_version}_",
        "",
    ]
    return "\n".join(lines)
