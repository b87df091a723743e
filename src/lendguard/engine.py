"""Run probes, then checks: one target in, one TargetReport out. A probe failure is reported as
`inconclusive` outcomes with the reason; it never crashes the run."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from lendguard.checks import CheckContext, RegisteredCheck, registered_checks
from lendguard.detect import mask_text
from lendguard.evidence import (
    ApkEvidence,
    CollectionEvidence,
    DataStoreEvidence,
    Evidence,
    InputFingerprint,
    OrgEvidence,
    PlatformEvidence,
    PolicyEvidence,
    TrafficEvidence,
)
from lendguard.findings import Finding, Location, Outcome, fingerprint
from lendguard.manifest import ManifestError, load_manifest
from lendguard.probes import ProbeError
from lendguard.probes.fingerprint import file_fingerprint, local_target, recheck
from lendguard.rulebase import Language, RuleBase
from lendguard.waivers import WaiverEntry, WaiverStatus, apply_waivers, load_waivers, waiver_warnings

# The probes of the other kinds are imported by the audits that run them: `lendguard apk` loads
# neither the data-store stack nor the policy, traffic and collection probes, and `lendguard scan`
# neither the APK probe nor the grading.
if TYPE_CHECKING:
    from lendguard.grading import Grade
    from lendguard.probes.datastore import ScanOptions


@dataclass(frozen=True)
class TargetReport:
    kind: str
    file: str
    identity: str
    evidence: Evidence | None
    findings: list[Finding]
    evaluated: list[str]
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


def _checks_for(kind: type[Evidence]) -> list[RegisteredCheck]:
    return sorted((c for c in registered_checks().values() if c.evidence_type is kind), key=lambda c: c.rule_id)


def _code_hidden(evidence: Evidence) -> bool:
    return isinstance(evidence, ApkEvidence) and (bool(evidence.packers) or not evidence.dex_files)


def _neutral_fingerprints(findings: list[Finding], english: list[Finding]) -> list[Finding]:
    """Fingerprints as an English report gives them (some checks word their quotes in the report's
    language): a check is deterministic, so its English run yields the same findings in the same order."""
    if len(english) != len(findings) or any(
        (a.outcome, a.location) != (b.outcome, b.location) for a, b in zip(findings, english, strict=True)
    ):
        return findings
    return [finding.worded_as(twin) for finding, twin in zip(findings, english, strict=True)]


def evaluate(evidence: Evidence, identity: str, rulebase: RuleBase, lang: Language) -> tuple[list[Finding], list[str]]:
    """Every registered check of the evidence's kind; a clean check yields one `pass` outcome."""
    findings: list[Finding] = []
    evaluated = []
    for registered in _checks_for(type(evidence)):
        ctx = CheckContext(
            rule=rulebase.rule(registered.rule_id),
            rulebase=rulebase,
            target=identity,
            file=evidence.provenance.path,
            lang=lang,
        )
        produced = list(registered.function(evidence, ctx))
        if produced and lang != "en":
            produced = _neutral_fingerprints(produced, list(registered.function(evidence, replace(ctx, lang="en"))))
        evaluated.append(registered.rule_id)
        if produced:
            findings.extend(produced)
            continue
        if registered.needs_code and _code_hidden(evidence):
            why = ctx.say(
                "应用代码被加固或缺失，无法确认未调用相关接口",
                "the app's code is packed or missing, so absence cannot be confirmed",
            )
            findings.append(ctx.finding(Outcome.inconclusive, ctx.at(), quote="", why=why, confidence="low"))
        else:
            why = ctx.say("未发现违反本规则的证据", "no evidence of a violation was found")
            findings.append(ctx.finding(Outcome.passed, ctx.at(), quote="", why=why))
    return findings, evaluated


def _inconclusive(
    kind: type[Evidence], path: str, error: ProbeError, rulebase: RuleBase, lang: Language
) -> list[Finding]:
    findings = []
    for registered in _checks_for(kind):
        rule = rulebase.rule(registered.rule_id)
        location = Location(file=path)
        findings.append(
            Finding(
                rule=rule.id,
                title=rule.title.get(lang),
                outcome=Outcome.inconclusive,
                severity=rule.severity,
                confidence="low",
                target=path,
                location=location,
                quote="",
                why=error.problem,
                basis=[str(c) for c in rule.basis],
                remedy=rule.remedy.get(lang),
                fingerprint=fingerprint(rule.id, path, location, ""),
            )
        )
    return findings


def _unreadable(
    kind: type[Evidence], name: str, shown: str, error: ProbeError, rulebase: RuleBase, lang: Language
) -> TargetReport:
    return TargetReport(
        kind=name,
        file=shown,
        identity=shown,
        evidence=None,
        findings=_inconclusive(kind, shown, error, rulebase, lang),
        evaluated=[],
        error=str(error),
    )


def _audit(
    kind: type[Evidence],
    name: str,
    probe: Callable[[], Evidence],
    identity_of: Callable[[Evidence], str],
    shown: str,
    rulebase: RuleBase,
    lang: Language,
) -> TargetReport:
    """Run one probe and the checks of its evidence kind; `shown` is the target as reports name it."""
    try:
        evidence = probe()
    except ProbeError as error:
        return _unreadable(kind, name, shown, error, rulebase, lang)
    except Exception as error:  # noqa: BLE001 - one bad target must never end an audit or batch
        problem = mask_text(str(error).strip().splitlines()[0][:160]) if str(error).strip() else ""
        unexpected = ProbeError(shown, f"could not be read ({type(error).__name__}{': ' + problem if problem else ''})")
        return _unreadable(kind, name, shown, unexpected, rulebase, lang)
    identity = identity_of(evidence)
    findings, evaluated = evaluate(evidence, identity, rulebase, lang)
    warnings = list(getattr(evidence, "warnings", ()))
    return TargetReport(
        kind=name,
        file=shown,
        identity=identity,
        evidence=evidence,
        findings=findings,
        evaluated=evaluated,
        warnings=warnings,
    )


def audit_apk(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    from lendguard.probes.apk import probe_apk

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, ApkEvidence)
        return evidence.package

    return _audit(ApkEvidence, "apk", lambda: probe_apk(path, rulebase), identity, str(path), rulebase, lang)


DatastoreProbe = Callable[[str, "ScanOptions | None"], DataStoreEvidence]


def _local_datastore(target: str, options: ScanOptions | None) -> DataStoreEvidence:
    """The local scan engine (`probes.datastore.probe_datastore`)."""
    from lendguard.probes.datastore import probe_datastore

    return probe_datastore(target, options)


def _shown(target: str) -> str:
    """A target as reports name it: a URL with its password masked."""
    if "://" not in target:
        return target
    from lendguard.probes.datastore.sql import masked_url

    return masked_url(target)


def audit_datastore(
    target: str,
    rulebase: RuleBase,
    lang: Language = "zh",
    options: ScanOptions | None = None,
    probe: DatastoreProbe = _local_datastore,
) -> TargetReport:
    """Scan a database URL, file or directory; a URL's password never reaches the report. `probe`
    is the scan engine: the local one, or another with the same evidence (lendguard.spark)."""

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, DataStoreEvidence)
        return evidence.source

    shown = _shown(target)
    return _audit(DataStoreEvidence, "datastore", lambda: probe(target, options), identity, shown, rulebase, lang)


def audit_policy(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    """A privacy policy (text, HTML, PDF or the one inside an APK). An APK also gets the X-*
    consistency checks: what the app collects and embeds against what its policy declares."""
    from lendguard.probes.policy import probe_policy

    def probe() -> Evidence:
        policy = probe_policy(path, rulebase)
        return policy

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, PolicyEvidence)
        return (evidence.entry and f"{path.name}:{evidence.entry}") or path.name

    report = _audit(PolicyEvidence, "policy", probe, identity, str(path), rulebase, lang)
    if isinstance(report.evidence, PolicyEvidence) and report.evidence.source_kind == "apk":
        from lendguard.probes.apk import probe_apk

        platform = PlatformEvidence(
            provenance=report.evidence.provenance, policy=report.evidence, apk=probe_apk(path, rulebase)
        )
        findings, evaluated = evaluate(platform, report.identity, rulebase, lang)
        report.findings.extend(findings)
        report.evaluated.extend(evaluated)
    return report


def audit_traffic(
    path: Path,
    rulebase: RuleBase,
    lang: Language = "zh",
    first_party: tuple[str, ...] = (),
    consent_at: datetime | None = None,
    show_values: bool = False,
) -> TargetReport:
    """A HAR capture of the app's traffic, judged against the platform's own domains."""

    from lendguard.probes.traffic import probe_traffic

    def identity(evidence: Evidence) -> str:
        return path.name

    return _audit(
        TrafficEvidence,
        "traffic",
        lambda: probe_traffic(path, first_party, consent_at, show_values),
        identity,
        str(path),
        rulebase,
        lang,
    )


def audit_collection(
    log: str,
    loans: str,
    rulebase: RuleBase,
    lang: Language = "zh",
    log_table: str | None = None,
    loans_table: str | None = None,
    overrides: dict[str, str] | None = None,
) -> TargetReport:
    """A debt-collection contact log, joined with the loans' borrower and emergency-contact numbers."""
    from lendguard.probes.collection import probe_collection

    shown = _shown(log)
    return _audit(
        CollectionEvidence,
        "collection",
        lambda: probe_collection(log, loans, rulebase, log_table, loans_table, overrides),
        lambda _evidence: shown,
        shown,
        rulebase,
        lang,
    )


def audit_org(path: Path, rulebase: RuleBase, lang: Language = "zh") -> TargetReport:
    """A platform's governance records (YAML)."""
    from lendguard.probes.collection import probe_org

    def identity(evidence: Evidence) -> str:
        assert isinstance(evidence, OrgEvidence)
        return evidence.platform

    return _audit(OrgEvidence, "org", lambda: probe_org(path), identity, str(path), rulebase, lang)


@dataclass(frozen=True)
class Inspection:
    """One platform's inspection: every target the manifest names, audited, fingerprinted and graded."""

    platform: str
    manifest: Path
    reports: list[TargetReport]
    inputs: list[InputFingerprint]  # every input judged, as the manifest names it; the manifest first
    grade: Grade
    warnings: list[str] = field(default_factory=list)
    waivers: list[WaiverStatus] = field(default_factory=list)
    inspector: str | None = None  # the manifest's `inspector` and `scope`, for the report's cover
    scope: str | None = None

    @property
    def nothing_read(self) -> bool:
        return all(report.error for report in self.reports)


def unreadable_areas(reports: list[TargetReport], rulebase: RuleBase) -> dict[str, list[str]]:
    """Area -> the targets of it that could not be read (each makes its area not covered)."""
    from lendguard.grading import areas_of

    areas: dict[str, list[str]] = {}
    for report in reports:
        if report.error:
            for area in sorted(areas_of(report.findings, rulebase)):
                areas.setdefault(area, []).append(report.error)
    return areas


def grade_reports(
    reports: list[TargetReport], rulebase: RuleBase, lang: Language, scope: set[str] | None = None
) -> Grade:
    from lendguard.grading import grade

    findings = [finding for report in reports for finding in report.findings]
    return grade(findings, rulebase, lang, scope, unreadable_areas(reports, rulebase))


def named_as(report: TargetReport, shown: str) -> TargetReport:
    """The report with its target named as the manifest names it (relative to the manifest's folder,
    a URL with its password masked) instead of by the path it was read at, which may be absolute.
    Fingerprints follow the target's name, so they no longer depend on where the checkout lies."""
    read_at = report.file
    if read_at == shown:
        return report

    def rename(text: str) -> str:
        if text == read_at:
            return shown
        for separator in ("/", os.sep, ":"):
            if text.startswith(read_at + separator):
                return shown + text[len(read_at) :]
        return text

    findings = []
    for finding in report.findings:
        place = finding.location
        moved = {"file": rename(place.file)}
        if place.path is not None and place.host is None:  # a file inside a scanned folder, not a URL path
            moved["path"] = rename(place.path)
        location = place.model_copy(update=moved)
        target = rename(finding.target)
        update: dict[str, Any] = {"target": target, "location": location}
        if target != finding.target:
            update["fingerprint"] = fingerprint(finding.rule, target, location, finding.neutral_quote)
        findings.append(finding.model_copy(update=update))
    return replace(
        report,
        file=shown,
        identity=rename(report.identity),
        findings=findings,
        error=rename(report.error) if report.error else None,
    )


def _outside(value: str, base: Path, allow_outside: bool) -> str | None:
    """Why a manifest path may not be read, or None. Paths leaving the manifest's folder need
    --allow-outside; one that leaves it only through a symbolic link is refused always."""
    if ("://" in value and not value.startswith("sqlite:///")) or value.startswith(("hive:", "jdbc:")):
        return None
    path = Path(local_target(value, base).removeprefix("sqlite:///"))
    literal = Path(os.path.normpath(base.absolute() / path)) if not path.is_absolute() else Path(os.path.normpath(path))
    root = base.resolve()
    if not literal.is_relative_to(Path(os.path.normpath(base.absolute()))) and not literal.is_relative_to(root):
        return None if allow_outside else "outside the inspection manifest's folder (pass --allow-outside to read it)"
    if literal.exists() and not literal.resolve().is_relative_to(root):
        return "reached through a symbolic link that leaves the inspection manifest's folder: refused"
    return None


DatastoreEngines = Mapping[str, Callable[[Mapping[str, Any]], DatastoreProbe]]
DATASTORE_KEYS = {"path", "engine", "master", "conf"}


def _datastore_target(item: Any, engines: DatastoreEngines, manifest: Path) -> tuple[str, DatastoreProbe]:
    """A datastore target: a path or URL, or {path, engine: local|spark, master, conf} for another engine
    (the engines are handed in by the caller: spark sits above the engine and is never imported here)."""
    if not isinstance(item, dict):
        return str(item), _local_datastore
    unknown = set(item) - DATASTORE_KEYS
    if unknown or not item.get("path"):
        raise ManifestError(f"{manifest}: a datastore target needs `path` (and may say engine, master, conf)")
    engine = item.get("engine", "local")
    if engine == "local":
        return str(item["path"]), _local_datastore
    if engine not in engines:
        raise ManifestError(f"{manifest}: datastore engine {engine!r} is not available (local, {', '.join(engines)})")
    return str(item["path"]), engines[engine](item)


def run_inspection(
    manifest: Path,
    rulebase: RuleBase,
    lang: Language = "zh",
    progress: Callable[[str], None] | None = None,
    engines: DatastoreEngines | None = None,
    allow_outside: bool = False,
    waivers: Path | None = None,
    today: date | None = None,
) -> Inspection:
    """Audit every target of `manifest`; a failing probe gives inconclusive outcomes, never an abort.
    `engines` are the data-store engines other than the local one that a target may name (spark).
    `waivers` (default: the manifest's `waivers` file) are applied before grading. Raises
    ManifestError (one line naming the file and the key) for an unusable manifest or waiver file."""
    from lendguard.probes.datastore.sql import masked_url

    document = load_manifest(manifest)
    base, targets = manifest.parent, document.targets
    waiver_file = waivers or (base / document.waivers if document.waivers else None)
    entries = load_waivers(waiver_file) if waiver_file is not None else []
    consent_at = document.consent_at
    if consent_at is not None and consent_at.tzinfo is None:
        consent_at = consent_at.replace(tzinfo=ZoneInfo("Asia/Shanghai"))

    def local(value: str) -> str:
        return local_target(value, base)

    jobs: list[tuple[str, list[str], type[Evidence], str, Callable[[], TargetReport]]] = []
    for item in targets.apk:
        jobs.append((item, [item], ApkEvidence, "apk", partial(audit_apk, Path(local(item)), rulebase, lang)))
        jobs.append((item, [item], PolicyEvidence, "policy", partial(audit_policy, Path(local(item)), rulebase, lang)))
    for item in targets.policy:
        jobs.append((item, [item], PolicyEvidence, "policy", partial(audit_policy, Path(local(item)), rulebase, lang)))
    first_party = tuple(document.first_party)
    for item in targets.traffic:
        job = partial(audit_traffic, Path(local(item)), rulebase, lang, first_party, consent_at)
        jobs.append((item, [item], TrafficEvidence, "traffic", job))
    for store in targets.datastore:
        path, probe = _datastore_target(store, engines or {}, manifest)
        job = partial(audit_datastore, local(path), rulebase, lang, None, probe)
        jobs.append((path, [path], DataStoreEvidence, "datastore", job))
    for entry in targets.collection:
        job = partial(
            audit_collection,
            local(entry.log),
            local(entry.loans),
            rulebase,
            lang,
            entry.log_table,
            entry.loans_table,
            entry.map,
        )
        jobs.append((entry.log, [entry.log, entry.loans], CollectionEvidence, "collection", job))
    for item in targets.org:
        jobs.append((item, [item], OrgEvidence, "org", partial(audit_org, Path(local(item)), rulebase, lang)))
    reports: list[TargetReport] = []
    inputs: dict[str, InputFingerprint] = {}
    warnings: list[str] = []
    manifest_print = file_fingerprint(manifest, manifest.name)
    if manifest_print is not None:
        inputs[manifest.name] = manifest_print
    for name, named, kind, kind_name, run in jobs:
        if progress is not None:
            progress(name)
        refusal = next(((value, why) for value in named if (why := _outside(value, base, allow_outside))), None)
        shown = _shown(name)
        if refusal is not None:
            value, why = refusal
            shown_value = _shown(value)
            reports.append(_unreadable(kind, kind_name, shown, ProbeError(shown_value, why), rulebase, lang))
            continue
        report = named_as(run(), shown)
        reports.append(report)
        if report.evidence is None:
            continue
        for value in named:
            if value in inputs:
                continue
            read = getattr(report.evidence, "fingerprint", None)
            if isinstance(read, InputFingerprint) and len(named) == 1:
                inputs[value] = read.model_copy(update={"path": value})
            elif (printed := file_fingerprint(Path(local(value)), value)) is not None:
                inputs[value] = printed
            else:
                warnings.append(f"{masked_url(value)}: read but not fingerprinted (verify cannot tell if it changes)")
    statuses: list[WaiverStatus] = []
    if waiver_file is not None:
        reports, statuses = waive(reports, entries, today or date.today())
        warnings += waiver_warnings(statuses, waiver_file)
        shown = document.waivers if waivers is None and document.waivers else str(waiver_file)
        printed = file_fingerprint(waiver_file, shown)
        if printed is not None:
            inputs[shown] = printed
    return Inspection(
        platform=document.platform,
        manifest=manifest,
        reports=reports,
        inputs=list(inputs.values()),
        grade=grade_reports(reports, rulebase, lang),
        warnings=warnings,
        waivers=statuses,
        inspector=document.inspector,
        scope=document.scope,
    )


def waive(
    reports: list[TargetReport], entries: list[WaiverEntry], today: date
) -> tuple[list[TargetReport], list[WaiverStatus]]:
    """Every report with the failures the waivers accept marked waived, and how each waiver fared."""
    findings, statuses = apply_waivers((f for r in reports for f in r.findings), entries, today)
    waived, start = [], 0
    for report in reports:
        end = start + len(report.findings)
        waived.append(replace(report, findings=findings[start:end]))
        start = end
    return waived, statuses


def recheck_inputs(inputs: list[InputFingerprint], base: Path) -> list[str]:
    """What changed in any input of an inspection since it was fingerprinted (empty: nothing)."""
    return [problem for fingerprint in inputs for problem in recheck(fingerprint, base)]
