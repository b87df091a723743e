"""Markdown rendering of an inspection report (for tickets, wikis and pull requests): the same
one-screen summary as the HTML, then the findings grouped by rule, the other rules, the evidence,
the method and the legal basis in an appendix."""

from __future__ import annotations

from lendguard.evidence import InputFingerprint
from lendguard.findings import Outcome
from lendguard.reports.i18n import word
from lendguard.reports.inspection import InspectionDocument
from lendguard.reports.law import excerpt_is_translation, provision_excerpt, provision_title
from lendguard.reports.places import where
from lendguard.reports.summary import affected_text, also_text, people_affected, rule_results
from lendguard.rulebase import Language, RuleBase

OCCURRENCES_SHOWN = 20
FILES_SHOWN = 20


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _anchor(provision_id: str) -> str:
    return "law-" + provision_id.lower().replace(".", "").replace("(", "").replace(")", "")


def _evidence_rows(item: InputFingerprint, lang: Language) -> list[str]:
    """One row per input, then one per file of a folder and per table of a database."""
    if item.kind == "folder":
        files = list(item.files.items())
        rows = [f"| {_cell(item.path)} | {word('input_folder', lang, count=len(files))} | |"]
        rows += [
            f"| {_cell(item.path)}/{_cell(name)} | {word('input_file', lang)} | `{digest}` |"
            for name, digest in files[:FILES_SHOWN]
        ]
        if len(files) > FILES_SHOWN:
            rows.append(f"| … | {word('more_files', lang, count=len(files) - FILES_SHOWN)} | |")
        return rows
    if item.kind == "database":
        rows = [f"| {_cell(item.path)} | {word('input_database', lang, count=len(item.tables))} | |"]
        for table in item.tables:
            what = word("table_rows", lang, rows=table.rows) + (
                f" ({word('sampled', lang, how=table.sample)})" if table.sample else ""
            )
            schema = _cell(", ".join(table.columns))
            rows.append(f"| {_cell(item.path)} · {_cell(table.table)} | {what}; {schema} | `{table.digest}` |")
        return rows
    return [f"| {_cell(item.path)} | {word('input_file', lang)} | `{item.sha256 or '—'}` |"]


def render_markdown(document: InspectionDocument, rulebase: RuleBase) -> str:
    lang, grade = document.lang, document.grade
    results = rule_results(document.targets, rulebase)
    failed = [r for r in results if r.outcome is Outcome.fail]
    verdict = word("certifiable", lang) if grade.certifiable else word("not_certifiable", lang)
    people = people_affected(results)
    lines = [
        f"# {document.platform} — LendGuard",
        "",
        *([f"{word('inspector', lang)}: {document.inspector}  "] if document.inspector else []),
        *([f"{word('scope_text', lang)}: {_cell(document.scope)}  "] if document.scope else []),
        *([""] if document.inspector or document.scope else []),
        f"**{word('grade', lang)}: {grade.grade}** ({grade.score}/100) — {grade.meaning}. "
        f"**{verdict}**; {word('coverage', lang)} {grade.coverage:.0%}; {grade.scheme_version}.",
        "",
        *(
            [
                f"> **{word('not_covered', lang)}** — {word('not_covered_banner', lang)}",
                *(f"> - {_cell(line)}" for line in grade.not_covered),
                "",
            ]
            if grade.not_covered
            else []
        ),
        *(f"- {line}" for line in grade.explanation),
        "",
        f"| {word('area', lang)} | {word('score', lang)} | {word('failed_rules', lang)} |",
        "|---|---|---|",
        *(f"| {a.title} | {a.score} | {', '.join(a.rules_failed) or '—'} |" for a in grade.areas),
        "",
        f"## {word('costliest', lang)}",
        "",
        *(
            f"{n}. **{r.rule}** {_cell(r.title)} — {word('points_lost', lang)} {r.points:g}"
            for n, r in enumerate(sorted(failed, key=lambda r: (-r.points, -r.severity.rank, r.rule))[:5], start=1)
        ),
        "",
        f"## {word('people_affected', lang)}",
        "",
        *(
            f"- **{kind.largest.text(rulebase, lang)}** — {kind.rules[0][0].rule} {_cell(kind.rules[0][0].title)}"
            f"{also_text(kind, lang)}"
            for kind in people
        ),
        *([] if people else [word("none_counted", lang)]),
        "",
        f"## {word('fix_first', lang)}",
        "",
        *(
            f"{n}. **{r.rule}** ({word(r.severity.value, lang)}) {_cell(r.title)}"
            + (f" — {word('affects', lang)} {affected_text(r.affected, rulebase, lang)}" if r.affected else "")
            + f": {_cell(r.remedy)}"
            for n, r in enumerate(failed[:10], start=1)
        ),
        "",
        f"## {word('by_rule', lang)}",
        "",
    ]
    for result in results:
        if result.outcome not in (Outcome.fail, Outcome.inconclusive):
            continue
        occurrences = result.failures or result.findings
        basis = ", ".join(f"[{ref}](#{_anchor(ref.split('(')[0])})" for ref in result.basis)
        lines += [
            f"### {result.rule} {_cell(result.title)} ({word(result.severity.value, lang)}, "
            f"{word('occurrences', lang, count=len(occurrences))})",
            "",
            f"{word('remedies', lang)}: {_cell(result.remedy)}",
            "",
            *(
                [f"{word('affects', lang)}: {affected_text(result.affected, rulebase, lang)}", ""]
                if result.affected and result.outcome is Outcome.fail
                else []
            ),
            f"{word('basis', lang)}: {basis}",
            "",
            f"| {word('target', lang)} | {word('location', lang)} | {word('quote', lang)} | {word('why', lang)} |",
            "|---|---|---|---|",
            *(
                f"| {_cell(target)} | {_cell(where(f.location, lang))} | {_cell(f.quote)} | {_cell(f.why)} |"
                for target, f in occurrences[:OCCURRENCES_SHOWN]
            ),
            "",
        ]
        if len(occurrences) > OCCURRENCES_SHOWN:
            lines += [word("more_occurrences", lang, count=len(occurrences) - OCCURRENCES_SHOWN), ""]
    lines += [f"## {word('outcomes_title', lang)}", ""]
    for outcome, key in ((Outcome.passed, "passed_rules"), (Outcome.not_applicable, "not_applicable_rules")):
        chosen = [r.rule for r in results if r.outcome is outcome]
        lines += [f"**{word(key, lang)}** ({len(chosen)}): {', '.join(chosen) or '—'}", ""]
    evaluated = {r.rule for r in results}
    missing = [rule for rule in rulebase.rules if rule not in evaluated]
    lines += [f"**{word('not_evaluated_rules', lang)}** ({len(missing)}): {', '.join(missing) or '—'}", ""]
    lines += [
        f"## {word('evidence_title', lang)}",
        "",
        f"| {word('file', lang)} | {word('kind', lang)} | {word('fingerprint', lang)} (SHA-256) |",
        "|---|---|---|",
    ]
    lines += [row for item in document.evidence for row in _evidence_rows(item, lang)]
    scheme = rulebase.grading
    if document.waivers:
        lines += ["", f"## {word('waivers', lang)}", ""]
        for status in document.waivers:
            lines.append(
                f"- {status.index}. `{_cell(status.key)}` — {status.status}: {_cell(status.reason)} "
                f"({_cell(status.approved_by)}, {status.expires}); {len(status.findings)} {word('waived', lang)}"
            )
    lines += [
        "",
        f"## {word('method_title', lang)}",
        "",
        word("method_text", lang, cap=scheme.critical_cap, coverage=f"{scheme.min_coverage:.0%}"),
        "",
        f"- {word('severity_points', lang)}: "
        + ", ".join(f"{word(s.value, lang)} {p:g}" for s, p in scheme.severity_points.items()),
        f"- {word('area_weights', lang)}: "
        + ", ".join(f"{scheme.area_titles[a].get(lang)} {w:g}" for a, w in scheme.area_weights.items()),
        f"- {word('bands', lang)} ({scheme.version}): "
        + "; ".join(
            f"**{b.grade}** ≥ {b.min_score:g} {b.meaning.get(lang)}"
            for b in sorted(scheme.bands, key=lambda b: -b.min_score)
        ),
        "",
        f"## {word('appendix_title', lang)}",
        "",
    ]
    cited = dict.fromkeys(ref.split("(")[0] for r in failed for ref in r.basis)
    for provision_id in cited:
        provision = rulebase.provisions.get(provision_id)
        if provision is not None:
            lines += [
                f'<a id="{_anchor(provision_id)}"></a>**{provision_id}** — {_cell(provision_title(provision, lang))}',
                "",
                *([f"> _{word('gist_only', lang)}_"] if excerpt_is_translation(provision, lang) else []),
                *(f"> {line}" for line in provision_excerpt(provision, lang).splitlines()),
                "",
            ]
    signed = word("signed", lang) if document.signature else word("unsigned", lang)
    lines += [
        f"_{signed}; {len(document.evidence)} {word('evidence_files', lang)}; LendGuard {document.tool.version}, "
        f"rules {document.tool.rulebase_version}_",
        "",
    ]
    return "\n".join(lines)
