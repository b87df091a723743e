"""Self-contained HTML report of an inspection: grade, charts by area and severity, every finding
with its quote, legal basis (provision titles) and remedy. No scripts, no external resources."""

from __future__ import annotations

from collections import Counter
from html import escape

from lendguard.findings import Outcome
from lendguard.reports.i18n import word
from lendguard.reports.inspection import InspectionDocument
from lendguard.rulebase import RuleBase, Severity

COLOURS = {"critical": "#b71c1c", "high": "#e53935", "medium": "#fb8c00", "low": "#1e88e5", "info": "#9e9e9e"}
STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;color:#212121}
h1{margin-bottom:.2rem} .grade{display:inline-block;font-size:2.4rem;font-weight:700;padding:.2rem 1rem;border-radius:.4rem;color:#fff}
.A{background:#2e7d32}.B{background:#f9a825}.C{background:#ef6c00}.D{background:#b71c1c}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.85rem;table-layout:fixed}
th,td{border:1px solid #ddd;padding:.35rem .5rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
col.s{width:6%} col.r{width:14%} col.t{width:12%} col.q{width:22%} col.w{width:18%} col.b{width:14%} col.m{width:14%}
th{background:#f5f5f5} .sev{color:#fff;border-radius:.25rem;padding:0 .35rem;white-space:nowrap} .quote{font-family:monospace;word-break:break-all}
.charts{display:flex;gap:2rem;flex-wrap:wrap} figure{margin:0} figcaption{font-weight:600;margin-bottom:.3rem}
"""


def _bars(values: list[tuple[str, float, str]], maximum: float, unit: str = "") -> str:
    height, rows = 22, []
    for number, (label, value, colour) in enumerate(values):
        width = 0 if maximum == 0 else 260 * value / maximum
        y = number * height
        rows.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(label)}</text>'
            f'<rect x="110" y="{y + 4}" width="{width:.1f}" height="14" fill="{colour}"/>'
            f'<text x="{114 + width:.1f}" y="{y + 15}" font-size="12">{value:g}{unit}</text>'
        )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="420" height="{height * len(values) + 4}" role="img">{"".join(rows)}</svg>'


def render_html(document: InspectionDocument, rulebase: RuleBase) -> str:
    lang, grade = document.lang, document.grade
    failures = [(t, f) for t in document.targets for f in t.findings if f.outcome is Outcome.fail and not f.waived]
    by_severity = Counter(f.severity.value for _, f in failures)
    area_chart = _bars([(a.title, a.score, "#3949ab") for a in grade.areas], 100)
    severity_chart = _bars(
        [(word(s.value, lang), by_severity.get(s.value, 0), COLOURS[s.value]) for s in Severity],
        max(by_severity.values(), default=0),
    )
    rows = []
    for target, finding in sorted(failures, key=lambda pair: (-pair[1].severity.rank, pair[1].rule)):
        basis = "<br>".join(
            f"{escape(ref)} {escape(rulebase.provisions[ref.split('(')[0]].title)}"
            if ref.split("(")[0] in rulebase.provisions
            else escape(ref)
            for ref in finding.basis[:3]
        )
        rows.append(
            f'<tr><td><span class="sev" style="background:{COLOURS[finding.severity.value]}">{escape(word(finding.severity.value, lang))}</span></td>'
            f"<td><b>{escape(finding.rule)}</b><br>{escape(finding.title)}</td><td>{escape(target.target.identity)}</td>"
            f'<td class="quote">{escape(finding.quote)}</td><td>{escape(finding.why)}</td><td>{basis}</td><td>{escape(finding.remedy)}</td></tr>'
        )
    verdict = word("certifiable", lang) if grade.certifiable else word("not_certifiable", lang)
    explanation = "".join(f"<li>{escape(line)}</li>" for line in grade.explanation)
    not_covered = "".join(f"<li>{escape(line)}</li>" for line in grade.not_covered)
    if not_covered:
        not_covered = f'<p class="not-covered"><b>{escape(word("not_covered", lang))}</b></p><ul>{not_covered}</ul>'
    headers = "".join(
        f"<th>{escape(word(key, lang))}</th>"
        for key in ("severity", "rule", "target", "quote", "why", "basis", "remedies")
    )
    signed = word("signed", lang) if document.signature else word("unsigned", lang)
    waivers = "".join(
        f"<li>{status.index}. <code>{escape(status.key)}</code> — {escape(status.status)}: {escape(status.reason)}"
        f" ({escape(status.approved_by)}, {status.expires}); {len(status.findings)} {escape(word('waived', lang))}</li>"
        for status in document.waivers
    )
    if waivers:
        waivers = f"<h2>{escape(word('waivers', lang))}</h2><ul>{waivers}</ul>"
    return f"""<!DOCTYPE html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8"><title>{escape(document.platform)} — LendGuard</title>
<style>{STYLE}</style></head><body>
<h1>{escape(document.platform)}</h1>
<p><span class="grade {escape(grade.grade)}">{escape(grade.grade)}</span> {grade.score}/100 — {escape(grade.meaning)}; <b>{escape(verdict)}</b>;
{escape(word("coverage", lang))} {grade.coverage:.0%}</p>
{not_covered}<ul>{explanation}</ul>
<div class="charts"><figure><figcaption>{escape(word("area", lang))}</figcaption>{area_chart}</figure>
<figure><figcaption>{escape(word("severity", lang))}</figcaption>{severity_chart}</figure></div>
<h2>{escape(word("findings_title", lang))} ({len(failures)})</h2>
<table><colgroup><col class="s"><col class="r"><col class="t"><col class="q"><col class="w"><col class="b"><col class="m"></colgroup>
<thead><tr>{headers}</tr></thead><tbody>{"".join(rows)}</tbody></table>
{waivers}
<p><small>{escape(signed)}; {len(document.evidence)} {escape(word("evidence_files", lang))}; LendGuard {escape(document.tool.version)},
rules {escape(document.tool.rulebase_version)}, {escape(grade.scheme_version)}; {escape(document.generated_at.isoformat())}</small></p>
</body></html>
"""
