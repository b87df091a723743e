"""Self-contained HTML report of an inspection, read in a minute: a one-screen summary (grade and
meaning, coverage, the rules costing the most points, what to fix first), then the findings grouped
by rule (occurrences folded in <details>, filtered and sorted by severity, area and outcome with a
few lines of inline script, no server), the other rules, the evidence with its fingerprints, the
method, and the legal basis in an appendix referenced by id. The PDF prints the same page with a
cover, a running header and page numbers."""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from html import escape

from lendguard.evidence import InputFingerprint
from lendguard.findings import Outcome
from lendguard.reports.i18n import word
from lendguard.reports.inspection import InspectionDocument
from lendguard.reports.law import excerpt_is_translation, provision_excerpt, provision_title, source_name
from lendguard.reports.places import where
from lendguard.reports.summary import RuleResult, affected_text, also_text, people_affected, rule_results
from lendguard.rulebase import Language, RuleBase, Severity

COLOURS = {"critical": "#b71c1c", "high": "#e53935", "medium": "#fb8c00", "low": "#1e88e5", "info": "#9e9e9e"}
OCCURRENCES_SHOWN = 50
FILES_SHOWN = 20  # per fingerprinted folder; report.json has them all
STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem auto;max-width:1100px;color:#212121;line-height:1.45}
h1{margin:.2rem 0} h2{border-bottom:2px solid #e0e0e0;padding-bottom:.2rem;margin-top:2rem}
.grade{display:inline-block;font-size:2.4rem;font-weight:700;padding:.1rem .9rem;border-radius:.4rem;color:#fff;vertical-align:middle}
.A{background:#2e7d32}.B{background:#f9a825}.C{background:#ef6c00}.D{background:#b71c1c}
.summary{display:grid;grid-template-columns:1fr 1fr;gap:.6rem 2rem;border:1px solid #ddd;border-radius:.5rem;padding:1rem 1.2rem;background:#fafafa}
.summary h3{margin:.2rem 0 .4rem;font-size:1rem} .summary ol,.summary ul{margin:0;padding-left:1.3rem} .summary li{margin:.15rem 0}
.headline{grid-column:1/3} .verdict{font-weight:700} .muted{color:#616161;font-size:.85rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.85rem;table-layout:fixed}
th,td{border:1px solid #ddd;padding:.3rem .45rem;vertical-align:top;text-align:left;overflow-wrap:anywhere}
th{background:#f5f5f5} tr{break-inside:avoid;page-break-inside:avoid}
.sev{color:#fff;border-radius:.25rem;padding:0 .35rem;white-space:nowrap;font-size:.8rem}
.quote{font-family:monospace;word-break:break-all}
details.rule{border:1px solid #ddd;border-radius:.4rem;margin:.4rem 0;padding:.3rem .6rem;break-inside:avoid-page}
details.rule>summary{cursor:pointer;display:flex;gap:.6rem;align-items:baseline;flex-wrap:wrap}
details.rule>summary .count{margin-left:auto;color:#616161;font-size:.85rem}
.remedy{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.3rem .6rem;margin:.4rem 0}
.controls{display:flex;gap:1rem;flex-wrap:wrap;align-items:center;margin:.5rem 0} .controls label{font-size:.85rem}
.law dt{font-weight:700;margin-top:.6rem} .law dd{margin:.2rem 0 .2rem 1rem;white-space:pre-wrap;font-size:.85rem}
.not-covered{border:2px solid #b71c1c;background:#ffebee;border-radius:.5rem;padding:.6rem 1rem;margin:.8rem 0}
.not-covered ul{margin:.3rem 0 0} .affected{color:#b71c1c;font-weight:600}
.evidence td ul{margin:0;padding-left:1rem;font-size:.8rem} .evidence td li{overflow-wrap:anywhere}
.cover{display:none} .charts{display:flex;gap:2rem;flex-wrap:wrap} figure{margin:0} figcaption{font-weight:600;font-size:.9rem}
@media print{.controls{display:none} details.rule{display:block}}
"""
SCRIPT = """
(function(){
  var box=document.getElementById('rules'); if(!box) return;
  var selects=document.querySelectorAll('.controls select');
  function apply(){
    var chosen={}; selects.forEach(function(s){chosen[s.name]=s.value;});
    box.querySelectorAll('details.rule').forEach(function(d){
      d.hidden=Object.keys(chosen).some(function(k){return chosen[k] && d.dataset[k]!==chosen[k];});
    });
  }
  function sort(key){
    Array.prototype.slice.call(box.children)
      .sort(function(x,y){return Number(y.dataset[key])-Number(x.dataset[key]);})
      .forEach(function(e){box.appendChild(e);});
  }
  selects.forEach(function(s){s.addEventListener('change',apply);});
  document.querySelectorAll('.controls button').forEach(function(b){b.addEventListener('click',function(){sort(b.dataset.key);});});
  // a view can be shared as a link: report.html#severity=critical&outcome=&sort=count
  var wanted=new URLSearchParams(location.hash.slice(1));
  selects.forEach(function(s){if(wanted.has(s.name)) s.value=wanted.get(s.name);});
  if(['rank','points','count'].indexOf(wanted.get('sort'))>=0) sort(wanted.get('sort'));
  apply();
})();
"""


def _badge(severity: Severity, lang: Language) -> str:
    return f'<span class="sev" style="background:{COLOURS[severity.value]}">{escape(word(severity.value, lang))}</span>'


def _area_bars(document: InspectionDocument) -> str:
    """Scores on a 0–100 axis: a grey track for the whole range, so a 0 reads as 0, not as no data."""
    rows, left, span, height = [], 120, 260, 22
    areas = document.grade.areas
    for number, area in enumerate(areas):
        y = number * height + 18
        width = span * area.score / 100
        rows.append(
            f'<text x="0" y="{y + 11}" font-size="12">{escape(area.title)}</text>'
            f'<rect x="{left}" y="{y}" width="{span}" height="14" fill="#eeeeee"/>'
            f'<rect x="{left}" y="{y}" width="{max(width, 2):.1f}" height="14" fill="{"#3949ab" if area.score else "#b71c1c"}"/>'
            f'<text x="{left + span + 6}" y="{y + 11}" font-size="12">{area.score:g}</text>'
        )
    ticks = "".join(
        f'<line x1="{left + span * t / 100:.0f}" y1="14" x2="{left + span * t / 100:.0f}" y2="{height * len(areas) + 18}" stroke="#bdbdbd" stroke-width="0.5"/>'
        f'<text x="{left + span * t / 100:.0f}" y="10" font-size="10" text-anchor="middle">{t}</text>'
        for t in (0, 25, 50, 75, 100)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="420" height="{height * len(areas) + 22}" role="img">'
        f"{ticks}{''.join(rows)}</svg>"
    )


def _severity_bars(results: list[RuleResult], lang: Language) -> str:
    counts = Counter(r.severity for r in results if r.outcome is Outcome.fail)
    maximum = max(counts.values(), default=0)
    rows = []
    for number, severity in enumerate(Severity):
        value = counts.get(severity, 0)
        width = 0 if maximum == 0 else 220 * value / maximum
        y = number * 22
        rows.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(word(severity.value, lang))}</text>'
            f'<rect x="60" y="{y + 4}" width="{width:.1f}" height="14" fill="{COLOURS[severity.value]}"/>'
            f'<text x="{64 + width:.1f}" y="{y + 15}" font-size="12">{value}</text>'
        )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="320" height="{22 * len(Severity) + 4}" role="img">{"".join(rows)}</svg>'


def key_fingerprint(public_key: str) -> str:
    """SHA-256 of the raw public key, in groups of four hex digits (what a reader compares)."""
    digest = hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))


def _basis_links(basis: list[str]) -> str:
    return ", ".join(f'<a href="#law-{escape(ref.split("(")[0])}">{escape(ref)}</a>' for ref in basis)


def _people(results: list[RuleResult], rulebase: RuleBase, lang: Language) -> str:
    items = "".join(
        f'<li><span class="affected">{escape(kind.largest.text(rulebase, lang))}</span> — '
        f"<b>{escape(kind.rules[0][0].rule)}</b> {escape(kind.rules[0][0].title)}"
        + (f'<span class="muted">{escape(also_text(kind, lang))}</span>' if kind.others else "")
        + "</li>"
        for kind in people_affected(results)
    )
    return f"<ol>{items}</ol>" if items else f'<p class="muted">{escape(word("none_counted", lang))}</p>'


def _affects(result: RuleResult, rulebase: RuleBase, lang: Language) -> str:
    counts = result.affected
    if not counts:
        return ""
    return f' <span class="affected">{escape(word("affects", lang))} {escape(affected_text(counts, rulebase, lang))}</span>'


def _summary(document: InspectionDocument, results: list[RuleResult], rulebase: RuleBase) -> str:
    lang, grade = document.lang, document.grade
    failed = [r for r in results if r.outcome is Outcome.fail]
    verdict = word("certifiable", lang) if grade.certifiable else word("not_certifiable", lang)
    kinds = Counter(t.target.kind for t in document.targets)
    scope = ("、" if lang == "zh" else ", ").join(f"{word('kind_' + kind, lang)} × {n}" for kind, n in kinds.items())
    stated = f"<br>{escape(word('scope_text', lang))}: {escape(document.scope)}" if document.scope else ""
    costly = sorted(failed, key=lambda r: (-r.points, -r.severity.rank, r.rule))[:5]
    costliest = "".join(
        f"<li><b>{escape(r.rule)}</b> {escape(r.title)} — {escape(word('points_lost', lang))} {r.points:g}</li>"
        for r in costly
    )
    fix = "".join(
        f"<li>{_badge(r.severity, lang)} <b>{escape(r.rule)}</b> {escape(r.title)}{_affects(r, rulebase, lang)}"
        f'<br><span class="muted">{escape(r.remedy)}</span></li>'
        for r in failed[:8]
    )
    more = f'<p class="muted">{escape(word("more_rules", lang, count=len(failed) - 8))}</p>' if len(failed) > 8 else ""
    explanation = "".join(f"<li>{escape(line)}</li>" for line in grade.explanation)
    return f"""<section class="summary" id="summary">
<div class="headline"><span class="grade {escape(grade.grade)}">{escape(grade.grade)}</span>
<b>{grade.score:g}/100</b> — {escape(grade.meaning)}; <span class="verdict">{escape(verdict)}</span>;
{escape(word("coverage", lang))} {grade.coverage:.0%}; {escape(word("targets", lang))}: {escape(scope)}{stated}
<ul class="muted">{explanation}</ul></div>
<div><h3>{escape(word("area_chart", lang))}</h3>{_area_bars(document)}
<h3>{escape(word("costliest", lang))}</h3><ol>{costliest}</ol>
<h3>{escape(word("people_affected", lang))}</h3>{_people(results, rulebase, lang)}</div>
<div><h3>{escape(word("fix_first", lang))}</h3><ol>{fix}</ol>{more}</div>
</section>"""


def _rule_block(result: RuleResult, rulebase: RuleBase, lang: Language) -> str:
    occurrences = result.failures or result.findings
    rows = "".join(
        f"<tr><td>{escape(target)}</td><td>{escape(where(f.location, lang))}</td>"
        f'<td class="quote">{escape(f.quote)}</td><td>{escape(f.why)}</td></tr>'
        for target, f in occurrences[:OCCURRENCES_SHOWN]
    )
    more = (
        f'<p class="muted">{escape(word("more_occurrences", lang, count=len(occurrences) - OCCURRENCES_SHOWN))}</p>'
        if len(occurrences) > OCCURRENCES_SHOWN
        else ""
    )
    head = "".join(f"<th>{escape(word(k, lang))}</th>" for k in ("target", "location", "quote", "why"))
    cost = f" · −{result.points:g}" if result.points else ""
    return f"""<details class="rule" data-severity="{result.severity.value}" data-area="{escape(result.area)}" data-outcome="{result.outcome.value}" data-rank="{result.severity.rank}" data-points="{result.points}" data-count="{len(occurrences)}">
<summary>{_badge(result.severity, lang)} <b>{escape(result.rule)}</b> {escape(result.title)} <span class="muted">{escape(word(result.outcome.value, lang))}</span>{_affects(result, rulebase, lang)}
<span class="count">{escape(word("occurrences", lang, count=len(occurrences)))}{cost}</span></summary>
<div class="remedy"><b>{escape(word("remedies", lang))}:</b> {escape(result.remedy)}</div>
<p class="muted">{escape(word("basis", lang))}: {_basis_links(result.basis)}</p>
<table><colgroup><col style="width:16%"><col style="width:18%"><col style="width:33%"><col style="width:33%"></colgroup>
<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{more}
</details>"""


def _controls(results: list[RuleResult], rulebase: RuleBase, lang: Language) -> str:
    def select(name: str, values: list[tuple[str, str]], chosen: str = "") -> str:
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(label)}</option>'
            for v, label in values
        )
        return f'<label>{escape(word(name if name != "outcome" else "outcome", lang))} <select name="{name}"><option value="">{escape(word("filter_all", lang))}</option>{options}</select></label>'

    severities = [(s.value, word(s.value, lang)) for s in Severity if any(r.severity is s for r in results)]
    grading = rulebase.grading
    areas = [
        (prefix, grading.area_titles[grading.areas[prefix]].get(lang))
        for prefix in dict.fromkeys(r.area for r in results)
    ]
    outcomes = [(o.value, word(o.value, lang)) for o in Outcome if any(r.outcome is o for r in results)]
    sorts = "".join(
        f'<button type="button" data-key="{key}">{escape(word(label, lang))}</button>'
        for key, label in (("rank", "sort_severity"), ("points", "sort_points"), ("count", "sort_count"))
    )
    return (
        f'<div class="controls"><b>{escape(word("filters", lang))}</b>'
        f"{select('severity', severities)}{select('area', areas)}{select('outcome', outcomes, Outcome.fail.value)}"
        f"<span>{escape(word('sort_by', lang))}: {sorts}</span></div>"
    )


def _other_rules(document: InspectionDocument, results: list[RuleResult], rulebase: RuleBase) -> str:
    lang = document.lang
    blocks = []
    for outcome, key in (
        (Outcome.inconclusive, "inconclusive_rules"),
        (Outcome.passed, "passed_rules"),
        (Outcome.not_applicable, "not_applicable_rules"),
    ):
        chosen = [r for r in results if r.outcome is outcome]
        items = "".join(
            f"<li><b>{escape(r.rule)}</b> {escape(r.title)}"
            + (
                f' <span class="muted">— {escape(r.findings[0][1].why)}</span>'
                if outcome is Outcome.inconclusive
                else ""
            )
            + "</li>"
            for r in chosen
        )
        blocks.append(f"<h3>{escape(word(key, lang))} ({len(chosen)})</h3><ul>{items or '<li>—</li>'}</ul>")
    evaluated = {r.rule for r in results}
    missing = [rule for rule in rulebase.rules.values() if rule.id not in evaluated]
    items = "".join(f"<li><b>{escape(r.id)}</b> {escape(r.title.get(lang))}</li>" for r in missing)
    blocks.append(
        f"<h3>{escape(word('not_evaluated_rules', lang))} ({len(missing)})</h3><ul>{items or '<li>—</li>'}</ul>"
    )
    return "".join(blocks)


def _fingerprint_detail(item: InputFingerprint, lang: Language) -> tuple[str, str]:
    """What an input is (file, folder of n files, database of n tables) and its fingerprint: a
    file's SHA-256, each file of a folder, each table's schema, rows read and digest."""
    if item.kind == "folder":
        files = list(item.files.items())
        rows = "".join(
            f'<li>{escape(name)} <span class="quote">{escape(digest)}</span></li>'
            for name, digest in files[:FILES_SHOWN]
        )
        if len(files) > FILES_SHOWN:
            rows += f'<li class="muted">{escape(word("more_files", lang, count=len(files) - FILES_SHOWN))}</li>'
        return word("input_folder", lang, count=len(files)), f"<ul>{rows}</ul>"
    if item.kind == "database":
        rows = "".join(
            f"<li><b>{escape(t.table)}</b> — {escape(word('table_rows', lang, rows=t.rows))}"
            + (f" ({escape(word('sampled', lang, how=t.sample))})" if t.sample else "")
            + f'<br><span class="muted">{escape(word("columns_schema", lang))}: {escape(", ".join(t.columns))}</span>'
            + f'<br><span class="quote">{escape(t.digest)}</span></li>'
            for t in item.tables
        )
        return word("input_database", lang, count=len(item.tables)), f"<ul>{rows}</ul>"
    return word("input_file", lang), f'<span class="quote">{escape(item.sha256 or "—")}</span>'


def _evidence(document: InspectionDocument) -> str:
    lang = document.lang
    cells = []
    for item in document.evidence:
        what, detail = _fingerprint_detail(item, lang)
        cells.append(
            f'<tr><td>{escape(item.path)}<br><span class="muted">{escape(what)}</span></td><td>{detail}</td></tr>'
        )
    head = f"<tr><th>{escape(word('file', lang))}</th><th>{escape(word('fingerprint', lang))} (SHA-256)</th></tr>"
    return (
        '<table class="evidence"><colgroup><col style="width:32%"><col style="width:68%"></colgroup>'
        f"<thead>{head}</thead><tbody>{''.join(cells)}</tbody></table>"
    )


def _method(document: InspectionDocument, rulebase: RuleBase) -> str:
    lang, scheme = document.lang, rulebase.grading
    points = ", ".join(f"{word(s.value, lang)} {p:g}" for s, p in scheme.severity_points.items())
    weights = ", ".join(f"{scheme.area_titles[a].get(lang)} {w:g}" for a, w in scheme.area_weights.items())
    bands = "".join(
        f"<li><b>{escape(b.grade)}</b> ≥ {b.min_score:g}: {escape(b.meaning.get(lang))}</li>"
        for b in sorted(scheme.bands, key=lambda b: -b.min_score)
    )
    text = word("method_text", lang, cap=scheme.critical_cap, coverage=f"{scheme.min_coverage:.0%}")
    return (
        f"<p>{escape(text)}</p><p>{escape(word('severity_points', lang))}: {escape(points)}<br>"
        f"{escape(word('area_weights', lang))}: {escape(weights)}</p>"
        f"<p>{escape(word('bands', lang))} ({escape(scheme.version)}):</p><ul>{bands}</ul>"
    )


def _appendix(results: list[RuleResult], rulebase: RuleBase, lang: Language) -> str:
    cited = dict.fromkeys(ref.split("(")[0] for r in results if r.outcome is Outcome.fail for ref in r.basis)
    entries = []
    for provision_id in cited:
        provision = rulebase.provisions.get(provision_id)
        if provision is None:
            continue
        entries.append(
            f'<dt id="law-{escape(provision_id)}">{escape(provision_id)} — {escape(provision_title(provision, lang))}'
            f' <span class="muted">{escape(source_name(provision)) if lang == "zh" else ""}</span></dt>'
            + (
                f'<dd class="muted">{escape(word("gist_only", lang))}</dd>'
                if excerpt_is_translation(provision, lang)
                else ""
            )
            + f"<dd>{escape(provision_excerpt(provision, lang))}</dd>"
        )
    return f'<dl class="law">{"".join(entries)}</dl>'


def _cover(document: InspectionDocument, lang: Language) -> str:
    grade = document.grade
    signature = (
        f"{escape(word('signed', lang))} (Ed25519) — {escape(word('key_fingerprint', lang))}: {escape(key_fingerprint(document.signature.public_key))}"
        if document.signature
        else escape(word("unsigned", lang))
    )
    targets = "".join(
        f"<li>{escape(word('kind_' + t.target.kind, lang))}: {escape(t.target.file)}"
        + (f" ({escape(t.target.identity)})" if t.target.identity != t.target.file else "")
        + "</li>"
        for t in document.targets
    )
    inspector = document.inspector or "—"
    return f"""<section class="cover">
<p class="muted">LendGuard</p><h1>{escape(word("cover_title", lang))}</h1><h2>{escape(document.platform)}</h2>
<p><span class="grade {escape(grade.grade)}">{escape(grade.grade)}</span> <b>{grade.score:g}/100</b> — {escape(grade.meaning)}</p>
<table><tbody>
<tr><th>{escape(word("inspector", lang))}</th><td>{escape(inspector)}</td></tr>
<tr><th>{escape(word("scope_text", lang))}</th><td>{escape(document.scope or "—")}</td></tr>
<tr><th>{escape(word("manifest", lang))}</th><td>{escape(document.manifest)}</td></tr>
<tr><th>{escape(word("targets", lang))}</th><td><ul>{targets}</ul></td></tr>
<tr><th>{escape(word("generated", lang))}</th><td>{escape(document.generated_at.isoformat())}</td></tr>
<tr><th>{escape(word("signature", lang))}</th><td>{signature}</td></tr>
</tbody></table></section>"""


def render_html(document: InspectionDocument, rulebase: RuleBase) -> str:
    lang = document.lang
    results = rule_results(document.targets, rulebase)
    failed = [r for r in results if r.outcome is Outcome.fail]
    blocks = "".join(
        _rule_block(r, rulebase, lang) for r in results if r.outcome in (Outcome.fail, Outcome.inconclusive)
    )
    occurrences = sum(len(r.failures) for r in failed)
    not_covered = "".join(f"<li>{escape(line)}</li>" for line in document.grade.not_covered)
    if not_covered:
        not_covered = (
            f'<section class="not-covered" id="not-covered"><b>{escape(word("not_covered", lang))}</b> — '
            f"{escape(word('not_covered_banner', lang))}<ul>{not_covered}</ul></section>"
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
{_cover(document, lang)}
<h1 class="platform">{escape(document.platform)}</h1>
{not_covered}
{_summary(document, results, rulebase)}
<h2 id="findings">{escape(word("by_rule", lang))} <span class="muted">({escape(word("rules_and_occurrences", lang, rules=len(failed), count=occurrences))})</span></h2>
<div class="charts"><figure><figcaption>{escape(word("severity_chart", lang))}</figcaption>{_severity_bars(results, lang)}</figure></div>
{_controls(results, rulebase, lang)}
<div id="rules">{blocks}</div>
<h2 id="other-rules">{escape(word("outcomes_title", lang))}</h2>
{_other_rules(document, results, rulebase)}
<h2 id="evidence">{escape(word("evidence_title", lang))}</h2>
{_evidence(document)}
<h2 id="method">{escape(word("method_title", lang))}</h2>
{_method(document, rulebase)}
<h2 id="appendix">{escape(word("appendix_title", lang))}</h2>
{_appendix(results, rulebase, lang)}
{waivers}
<p class="muted">{escape(signed)}; LendGuard {escape(document.tool.version)}, rules {escape(document.tool.rulebase_version)},
{escape(document.grade.scheme_version)}; {escape(document.generated_at.isoformat())}</p>
<script>{SCRIPT}</script>
</body></html>
"""
