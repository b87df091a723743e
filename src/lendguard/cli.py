"""The `lendguard` command group: each command is a thin wrapper over a library call.

Exit codes: 0 ran and nothing failed at or above --fail-on; 1 findings at or above it;
2 usage or input error, reported as one line on stderr.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import json
import os
import re
import signal
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from lendguard import __version__
from lendguard.registry.cli import COMMANDS as REGISTRY_COMMANDS

# The engine, probes, report writers and rich are imported by the commands that use them, so that
# `--version`, `--help` and a command that needs few of them start fast.
if TYPE_CHECKING:
    from pydantic import BaseModel
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from lendguard.detect.columns import Columns
    from lendguard.engine import DatastoreProbe, TargetReport
    from lendguard.evidence import Clause
    from lendguard.grading import Grade
    from lendguard.protect import ColumnReport, KeyRing, ProtectError
    from lendguard.reports import ReportDocument
    from lendguard.rulebase import Language, RuleBase
    from lendguard.waivers import WaiverEntry, WaiverStatus

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
# The rule base's severities (`rulebase.Severity`, which loads pydantic: the options are built before
# any command runs); tests/unit/test_startup.py holds the two equal.
SEVERITIES = ("critical", "high", "medium", "low", "info")
FAIL_ON_CHOICES = [*SEVERITIES, "none"]

lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language."
)


class InputError(click.ClickException):
    exit_code = EXIT_INPUT


@dataclass(frozen=True)
class Gate:
    """What decides the exit code besides --fail-on: waivers, a baseline, inconclusive outcomes."""

    waivers: Path | None = None
    baseline: Path | None = None
    fail_on_inconclusive: bool = False


def _gate() -> Gate:
    context = click.get_current_context(silent=True)
    gate = context.meta.get("lendguard.gate") if context is not None else None
    return gate if isinstance(gate, Gate) else Gate()


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    def store(context: click.Context, _parameter: click.Parameter, value: Any) -> None:
        context.meta["lendguard.gate"] = replace(_gate(), **{name: value})

    return store


def gate_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """--waivers, --baseline and --fail-on-inconclusive, shared by every auditing command."""
    options = (
        click.option(
            "--waivers",
            type=click.Path(dir_okay=False, path_type=Path),
            expose_value=False,
            callback=_remember("waivers"),
            help="Waiver file (YAML): accepted findings, each with reason, approver and expiry.",
        ),
        click.option(
            "--baseline",
            type=click.Path(dir_okay=False, path_type=Path),
            expose_value=False,
            callback=_remember("baseline"),
            help="An earlier JSON report: only findings new since it count toward the exit code.",
        ),
        click.option(
            "--fail-on-inconclusive",
            is_flag=True,
            expose_value=False,
            callback=_remember("fail_on_inconclusive"),
            help="Inconclusive outcomes at or above --fail-on also exit 1.",
        ),
    )
    for option in options:
        function = option(function)
    return function


def _waiver_entries(path: Path | None) -> list[WaiverEntry]:
    from lendguard.manifest import ManifestError
    from lendguard.waivers import load_waivers

    if path is None:
        return []
    try:
        return load_waivers(path)
    except ManifestError as error:
        raise InputError(str(error)) from error


def _known(path: Path | None) -> set[str]:
    from lendguard.reports.compare import baseline_fingerprints

    if path is None:
        return set()
    try:
        return baseline_fingerprints(path)
    except FileNotFoundError as error:
        raise InputError(str(error)) from error


def _exit_code(documents: list[ReportDocument], fail_on: str) -> int:
    """2 if any input was unreadable, else 1 if a finding at or above --fail-on (not waived, not
    in the baseline; inconclusive ones too with --fail-on-inconclusive), else 0."""
    from lendguard.findings import Outcome
    from lendguard.rulebase import Severity

    if any(d.error for d in documents):
        return EXIT_INPUT
    if fail_on == "none":
        return EXIT_OK
    gate = _gate()
    known, threshold = _known(gate.baseline), Severity(fail_on).rank
    counted = {Outcome.fail} | ({Outcome.inconclusive} if gate.fail_on_inconclusive else set())
    failing = any(
        f.outcome in counted and not f.waived and f.severity.rank >= threshold and f.fingerprint not in known
        for d in documents
        for f in d.findings
    )
    return EXIT_FINDINGS if failing else EXIT_OK


def _dump(document: BaseModel, indent: int | None) -> str:
    """Without null fields: what does not apply is left out (the schema gives each its default)."""
    return json.dumps(document.model_dump(mode="json", exclude_none=True), ensure_ascii=False, indent=indent)


def _json(data: Any) -> str:
    """Indented JSON that keeps Chinese readable."""
    return json.dumps(data, ensure_ascii=False, indent=2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lendguard")
def cli() -> None:
    """LendGuard: audit online-lending platforms' handling of personal information (PIPL, 民法典)."""


def _console(*, stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


def _progress(err: Console, *, counted: bool, disable: bool) -> Progress:
    """The progress bar on stderr that every long command shows (only on a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), *([MofNCompleteColumn()] if counted else []))
    return Progress(*columns, TimeElapsedColumn(), console=err, transient=True, disable=disable or not err.is_terminal)


def _file_name(text: str) -> str:
    """A report file name from a path or target identity (no separators or odd characters)."""
    return re.sub(r"[^\w.\-]+", "_", text)


def _run(
    targets: list[str],
    audit: Callable[[str], TargetReport],
    lang: Language,
    output_dir: Path | None,
    stages: Callable[[Progress], None] | None = None,
    show_values: bool = False,
) -> list[tuple[TargetReport, ReportDocument]]:
    """Audit each target in turn (progress bar on a terminal); input errors are one line each.
    `stages` is handed the bar, for engines that report their own steps (Spark's stages). The
    documents are masked (reports.masking) unless `show_values`."""
    from lendguard.detect import mask_text
    from lendguard.engine import waive
    from lendguard.reports import build_document
    from lendguard.reports.i18n import word
    from lendguard.rulebase import load_rulebase
    from lendguard.waivers import waiver_warnings

    rulebase = load_rulebase()
    gate = _gate()
    entries = _waiver_entries(gate.waivers)
    reports: list[TargetReport] = []
    # One target and no stages: no bar to show, and rich's console is made only to print a message.
    err = None if len(targets) < 2 and stages is None else _console(stderr=True)
    with nullcontext() if err is None else _progress(err, counted=True, disable=False) as progress:
        if stages is not None and progress is not None:
            stages(progress)
        task = None if progress is None else progress.add_task(word("auditing", lang), total=len(targets))
        for target in targets:
            if progress is not None and task is not None:
                progress.update(task, description=f"{word('auditing', lang)} {Path(target).name}")
            report = audit(target)
            reports.append(report)
            if report.error:
                err = err or _console(stderr=True)
                err.print(f"lendguard: error: {mask_text(report.error)}", markup=False, highlight=False, soft_wrap=True)
            if progress is not None and task is not None:
                progress.advance(task)
    statuses: list[WaiverStatus] = []
    if gate.waivers is not None:
        reports, statuses = waive(reports, entries, date.today())
        for line in waiver_warnings(statuses, gate.waivers):
            err = err or _console(stderr=True)
            err.print(f"lendguard: warning: {line}", markup=False, highlight=False, soft_wrap=True)
    done = [(report, build_document(report, rulebase, lang, statuses, show_values)) for report in reports]
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for _, document in done:
            name = _file_name(Path(document.target.file).name or document.target.identity)
            (output_dir / f"{name}.json").write_text(_dump(document, 2) + "\n", encoding="utf-8")
    return done


def _print_documents(documents: list[ReportDocument], show_passed: bool) -> None:
    from lendguard.reports.table import render_findings, render_summary

    out = _console()
    for document in documents:
        if not document.error:
            render_findings(out, document, show_passed)
    if len(documents) > 1:
        render_summary(out, documents)


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "sarif", "csv"]),
    default="table",
    show_default=True,
    help="table: rich tables; json: the report document (JSON Lines for several targets); "
    "sarif: SARIF 2.1.0 for code scanning; csv: one row per finding.",
)


def _filter(key: str, values: Callable[[], list[str]]) -> Callable[[click.Context, click.Parameter, str | None], None]:
    """Parse a comma-separated list of `values()` into the context, for _filtered()."""

    def parse(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        items = {item.strip() for item in (value or "").split(",") if item.strip()}
        choices = values()
        unknown = items - set(choices)
        if unknown:
            raise click.BadParameter(f"{', '.join(sorted(unknown))} (choose from {', '.join(choices)})")
        ctx.meta[f"lendguard.{key}"] = frozenset(items) or None

    return parse


def _outcomes() -> list[str]:
    from lendguard.findings import Outcome

    return [outcome.value for outcome in Outcome]


def filter_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--severity and --status: which findings every output format shows and the exit code counts."""
    severity = click.option(
        "--severity",
        callback=_filter("severity", lambda: list(SEVERITIES)),
        expose_value=False,
        help="Only findings of these severities, comma-separated (critical,high,medium,low,info).",
    )
    status = click.option(
        "--status",
        callback=_filter("status", _outcomes),
        expose_value=False,
        help="Only findings with these outcomes, comma-separated (fail,inconclusive,pass,not_applicable).",
    )
    return severity(status(command))


def _filtered(documents: list[ReportDocument]) -> tuple[list[ReportDocument], bool]:
    """The documents with the --severity/--status selection applied; True when passed ones were asked for."""
    from lendguard.findings import Outcome
    from lendguard.rulebase import Severity

    meta = click.get_current_context().meta
    severities: frozenset[str] | None = meta.get("lendguard.severity")
    statuses: frozenset[str] | None = meta.get("lendguard.status")
    chosen = [
        d.only(
            frozenset(Severity(s) for s in severities) if severities else None,
            frozenset(Outcome(o) for o in statuses) if statuses else None,
        )
        for d in documents
    ]
    return chosen, bool(statuses and statuses & {Outcome.passed.value, Outcome.not_applicable.value})


def _formatted(documents: list[ReportDocument], output_format: str) -> bool:
    """Print the machine formats every audit command shares (json, sarif, csv); False for the table."""
    if output_format == "json":
        for document in documents:
            click.echo(_dump(document, 2 if len(documents) == 1 else None))
    elif output_format == "sarif":
        from lendguard.reports.sarif import render_targets_sarif
        from lendguard.rulebase import load_rulebase

        click.echo(_json(render_targets_sarif(documents, load_rulebase())))
    elif output_format == "csv":
        from lendguard.reports.findings_csv import findings_csv

        click.echo(findings_csv(documents), nl=False)
    else:
        return False
    return True


_fail_on = click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    default="high",
    show_default=True,
    help="Exit 1 when a finding of this severity or higher fails.",
)


def fail_on_option(function: Callable[..., Any]) -> Callable[..., Any]:
    """--fail-on with what else decides the exit code: --waivers, --baseline, --fail-on-inconclusive."""
    return gate_options(_fail_on(function))


output_dir_option = click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write one JSON report per target into this folder.",
)
show_passed_option = click.option("--show-passed", is_flag=True, help="List passed rules in the table too.")


YOUNG_OBJECTS = 10_000  # new objects between two collections of the youngest generation (Python's default: 700)


@contextmanager
def _one_run_heap() -> Iterator[None]:
    """The heap of a command that imports the engine, runs once and exits. Importing the engine,
    androguard and numpy makes some 300,000 objects that all live until exit: while the command
    runs, the garbage collector looks for cycles every `YOUNG_OBJECTS` new objects, not every 700,
    and at exit the heap is frozen, so that the interpreter's shutdown collections do not walk it
    only to free memory the process returns anyway (together about 0.15 s of `lendguard apk`).
    Exit handlers, and the finalizers of what reference counting frees, run as before; objects kept
    only by reference cycles are left to the operating system with the rest (output is written and
    closed before exit)."""
    threshold = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    _freeze_heap_at_exit()
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@cache  # registered once however many commands a process runs (tests run many)
def _freeze_heap_at_exit() -> None:
    atexit.register(gc.freeze)  # atexit runs its handlers last-registered first: this one after the later ones


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
def apk(
    files: tuple[Path, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit Android APKs for personal-information over-collection (APP-* rules)."""
    with _one_run_heap():
        from lendguard.engine import audit_apk
        from lendguard.rulebase import load_rulebase

        rulebase = load_rulebase()
        done = _run([str(f) for f in files], lambda target: audit_apk(Path(target), rulebase, lang), lang, output_dir)
        _emit([document for _, document in done], output_format, show_passed, fail_on)


engine_option = click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="local: this process; spark: Apache Spark (pip install 'lendguard[spark]').",
)
master_option = click.option(
    "--master", help="Spark master URL, e.g. local[4], yarn (default: spark-submit's or local[*])."
)
spark_conf_option = click.option(
    "--conf", "spark_conf", multiple=True, metavar="KEY=VALUE", help="Spark configuration (repeatable)."
)


class _StageBar:
    """Spark's stages on the command's progress bar: one line per job, tasks done of tasks."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.tasks: dict[str, TaskID] = {}

    def attach(self, progress: Progress) -> None:
        self.progress = progress

    def __call__(self, description: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        if description not in self.tasks:
            self.tasks[description] = self.progress.add_task(description, total=total)
        self.progress.update(self.tasks[description], completed=done, total=total)


def _spark_conf(pairs: tuple[str, ...]) -> dict[str, str]:
    conf = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        if not separator or not key.strip():
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--conf")
        conf[key.strip()] = value
    return conf


def _spark_probe(master: str | None, pairs: tuple[str, ...], bar: _StageBar | None) -> DatastoreProbe:
    from lendguard.spark.scan import spark_probe  # pyspark loads only on this path

    return spark_probe(master, _spark_conf(pairs), bar)


def _manifest_spark_probe(item: Mapping[str, Any]) -> DatastoreProbe:
    """An inspection's `datastore` target with `engine: spark` (and optional master, conf mapping)."""
    conf = item.get("conf") or {}
    return _spark_probe(item.get("master"), tuple(f"{k}={v}" for k, v in dict(conf).items()), None)


def _release_arrow_memory() -> None:
    """Hand back to the system what a chunk's JSON Lines took: pyarrow's allocator (mimalloc) keeps
    freed pages for reuse, about 25 MiB of a dense-record scan's peak."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "jsonl", "sarif", "csv"]),
    default="table",
    show_default=True,
    help="table; json: the report document; jsonl: one object per value found in text and per column profiled; "
    "sarif: SARIF 2.1.0; csv: one row per finding.",
)
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
@click.option(
    "--sample", "sample_rows", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows read per table."
)
@click.option("--full", is_flag=True, help="Read every row of every table (slower).")
@click.option("--table", "tables", multiple=True, help="Only this table (repeatable; databases).")
@click.option("--show-values", is_flag=True, help="Show raw personal values instead of masked ones.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes for text, log and table files (many files; large logs split at line breaks, "
    "a --full Parquet scan by row groups).",
)
@click.option(
    "--prose-names/--no-prose-names",
    default=True,
    show_default=True,
    help="Person names in running text too (a CRF over the sentences where a name can start); "
    "--no-prose-names: names in record shapes only. --prose-names is the default, kept for compatibility.",
)
@engine_option
@master_option
@spark_conf_option
def scan(
    targets: tuple[str, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
    sample_rows: int,
    full: bool,
    tables: tuple[str, ...],
    show_values: bool,
    jobs: int,
    prose_names: bool,
    engine: str,
    master: str | None,
    spark_conf: tuple[str, ...],
) -> None:
    """Find personal information at rest: databases (sqlite:///, postgresql://, mysql+pymysql://),
    CSV, JSONL, Parquet, text and log files, or directories of them (DATA-* rules). With
    --engine spark: Parquet/ORC/CSV/JSON datasets (local, hdfs://, s3a://), hive:db[.table], jdbc: URLs."""
    from lendguard.engine import audit_datastore
    from lendguard.evidence import DataStoreEvidence
    from lendguard.probes.datastore import ScanOptions, probe_datastore
    from lendguard.reports.datastore import jsonl_records, render_columns, value_lines
    from lendguard.reports.masking import masked
    from lendguard.rulebase import load_rulebase

    if not prose_names and engine == "spark":
        raise click.UsageError("--no-prose-names works with the local engine only, not --engine spark")
    rulebase = load_rulebase()

    def stream(path: str, found: Columns) -> None:  # JSON Lines: text values a chunk at a time as found, columns after
        data = value_lines(path, found)
        out = getattr(sys.stdout, "buffer", None)
        if out is None or (sys.stdout.encoding or "").lower().replace("-", "") != "utf8":
            sys.stdout.write(bytes(data).decode())
            return
        sys.stdout.flush()  # what was written as text goes first
        out.write(data)
        del data
        _release_arrow_memory()

    options = ScanOptions(
        sample_rows=sample_rows,
        full=full,
        tables=tables,
        show_values=show_values,
        on_values=stream if output_format == "jsonl" else None,
        jobs=jobs,
        prose_names=prose_names,
    )
    probe: DatastoreProbe = probe_datastore
    bar = None
    if engine == "spark":
        bar = _StageBar()
        probe = _spark_probe(master, spark_conf, bar)
    # JSON Lines shows no report document (they decide the exit code alone, which masking leaves as
    # it is) unless --output-dir writes them: they are left unmasked then, as with --show-values.
    documents_shown = output_format != "jsonl" or output_dir is not None
    done = _run(
        list(targets),
        lambda target: audit_datastore(target, rulebase, lang, options, probe),
        lang,
        output_dir,
        bar.attach if bar else None,
        show_values or not documents_shown,
    )
    documents, asked_passed = _filtered([document for _, document in done])
    stores = [
        r.evidence.model_copy(update={"tables": masked(r.evidence.tables, show_values)})
        for r, _ in done
        if isinstance(r.evidence, DataStoreEvidence)
    ]
    if output_format == "jsonl":
        for store in stores:
            for line in jsonl_records(store, values=False):
                click.echo(line)
    elif not _formatted(documents, output_format):
        out = _console()
        for store in stores:
            render_columns(out, store, lang)
        _print_documents(documents, show_passed or asked_passed)
    sys.exit(_exit_code(documents, fail_on))


@cli.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
def policy(
    sources: tuple[Path, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit privacy policies (.txt, .html, .pdf, or the policy inside an APK) against the POL-* rules;
    an APK also gets the X-* checks of what the app collects against what the policy declares."""
    from lendguard.engine import audit_policy
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    done = _run([str(s) for s in sources], lambda source: audit_policy(Path(source), rulebase, lang), lang, output_dir)
    _emit([document for _, document in done], output_format, show_passed, fail_on)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--first-party",
    "first_party",
    default="",
    help="The platform's own domains, comma-separated (api.example.cn → example.cn).",
)
@click.option(
    "--consent-at",
    "consent_at",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]),
    help="When the user accepted the policy; default: the first request to a consent/agree endpoint.",
)
@click.option("--show-values", is_flag=True, help="Show raw personal values instead of masked ones.")
@format_option
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
def traffic(
    files: tuple[Path, ...],
    first_party: str,
    consent_at: datetime | None,
    show_values: bool,
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit HAR 1.2 captures of an app's traffic (NET-* rules): contact lists, call logs, SMS,
    app lists, device ids and locations sent, over http, to third parties, before consent."""
    from lendguard.engine import audit_traffic
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    domains = tuple(d.strip() for d in first_party.split(",") if d.strip())
    moment = consent_at.replace(tzinfo=consent_at.tzinfo or ZoneInfo("Asia/Shanghai")) if consent_at else None
    done = _run(
        [str(f) for f in files],
        lambda path: audit_traffic(Path(path), rulebase, lang, domains, moment, show_values),
        lang,
        output_dir,
        show_values=show_values,
    )
    _emit([document for _, document in done], output_format, show_passed, fail_on)


def _mapping(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        field_name, separator, column = pair.partition("=")
        if not separator or not field_name or not column:
            raise click.BadParameter(f"{pair!r} is not FIELD=COLUMN", param_hint="--map")
        mapping[field_name.strip()] = column.strip()
    return mapping


@cli.command()
@click.argument("log")
@click.option(
    "--loans",
    "loans",
    required=True,
    help="Loans file or database URL: each loan's borrower number and emergency contacts.",
)
@click.option("--log-table", help="Table of the log when LOG is a database URL.")
@click.option("--loans-table", help="Table of the loans when --loans is a database URL.")
@click.option(
    "--map",
    "mapping",
    multiple=True,
    help="FIELD=COLUMN when a log column is not recognised (time, loan, number, channel, content, result); "
    "loans.FIELD=COLUMN for the loans file (loan, borrower, contacts).",
)
@format_option
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
def collection(
    log: str,
    loans: str,
    log_table: str | None,
    loans_table: str | None,
    mapping: tuple[str, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit a debt-collection contact log (COL-* rules): third parties, disclosure, hours,
    frequency, refusals ignored, abuse. LOG is CSV/JSONL/Parquet or a database URL."""
    from lendguard.engine import audit_collection
    from lendguard.rulebase import load_rulebase

    rulebase, overrides = load_rulebase(), _mapping(mapping)
    done = _run(
        [log],
        lambda target: audit_collection(target, loans, rulebase, lang, log_table, loans_table, overrides),
        lang,
        output_dir,
    )
    _emit([document for _, document in done], output_format, show_passed, fail_on)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@format_option
@lang_option
@fail_on_option
@output_dir_option
@show_passed_option
@filter_options
def org(
    files: tuple[Path, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit governance records (YAML): officer, impact assessments, MLPS level, breach notices,
    data-subject requests and complaints against deadlines in Chinese working days (ORG-* rules)."""
    from lendguard.engine import audit_org
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    done = _run([str(f) for f in files], lambda target: audit_org(Path(target), rulebase, lang), lang, output_dir)
    _emit([document for _, document in done], output_format, show_passed, fail_on)


def _emit(documents: list[ReportDocument], output_format: str, show_passed: bool, fail_on: str) -> None:
    documents, asked_passed = _filtered(documents)
    if not _formatted(documents, output_format):
        _print_documents(documents, show_passed or asked_passed)
    sys.exit(_exit_code(documents, fail_on))


@cli.command("policy-diff")
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option
def policy_diff(old: Path, new: Path, output_format: str, lang: Language) -> None:
    """Clause-level changes between two policy versions and the findings each change added or removed."""
    from lendguard.engine import audit_policy
    from lendguard.reports.i18n import word
    from lendguard.reports.masking import masked
    from lendguard.reports.policy_diff import PolicyDiff, diff_policies
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    reports = [audit_policy(path, rulebase, lang) for path in (old, new)]
    for report in reports:
        if report.error:
            raise InputError(report.error)
    result = diff_policies(*reports)
    result = PolicyDiff(  # through the masker, like every report: clauses and findings quote the policy
        [replace(change, old=masked(change.old), new=masked(change.new)) for change in result.changes],
        masked(result.new_findings, authored=rulebase.authored_texts),
        masked(result.fixed_findings, authored=rulebase.authored_texts),
    )
    if output_format == "json":

        def clause(c: Clause | None) -> dict[str, Any] | None:
            return None if c is None else {"start": c.start, "end": c.end, "section": c.heading, "text": c.text}

        click.echo(
            _json(
                {
                    "changes": [
                        {"kind": ch.kind, "old": clause(ch.old), "new": clause(ch.new)} for ch in result.changes
                    ],
                    "new_findings": [f.model_dump(mode="json") for f in result.new_findings],
                    "fixed_findings": [f.model_dump(mode="json") for f in result.fixed_findings],
                },
            )
        )
        return
    from rich.markup import escape

    out = _console()
    marks = {"added": "[green]+[/]", "removed": "[red]-[/]", "changed": "[yellow]~[/]"}
    for change in result.changes:
        if change.old is not None:
            out.print(
                f"{marks[change.kind]} [dim]{word('old', lang)}:[/] {escape(change.old.text)}",
                highlight=False,
            )
        if change.new is not None:
            out.print(
                f"{marks[change.kind]} [bold]{word('new', lang)}:[/] {escape(change.new.text)}",
                highlight=False,
            )
    for title, findings in (
        (word("new_findings", lang), result.new_findings),
        (word("fixed_findings", lang), result.fixed_findings),
    ):
        out.print(f"[bold]{title}[/] ({len(findings)})")
        for finding in findings:
            out.print(f"  {finding.rule} {finding.title}: {finding.quote}", highlight=False)


@cli.command()
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option(
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for report.json and report.md.",
)
@click.option(
    "--sign-key",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ed25519 key from `lendguard keys generate --signing`.",
)
@click.option(
    "--allow-outside",
    is_flag=True,
    help="Read targets outside the manifest's folder (never through symbolic links).",
)
@lang_option
@fail_on_option
def audit(
    manifest: Path, output: Path, sign_key: Path | None, allow_outside: bool, lang: Language, fail_on: str
) -> None:
    """Inspect a platform: run every probe its inspection.yaml names, grade, and write the report."""
    from lendguard.detect import mask_text
    from lendguard.engine import run_inspection
    from lendguard.manifest import ManifestError
    from lendguard.reports.findings_csv import findings_csv
    from lendguard.reports.html import render_html
    from lendguard.reports.i18n import word
    from lendguard.reports.inspection import SignatureError, build_inspection, sign
    from lendguard.reports.markdown import render_markdown
    from lendguard.reports.pdf import render_pdf
    from lendguard.reports.sarif import render_sarif
    from lendguard.reports.summary import rule_results
    from lendguard.reports.table import render_coverage, render_fix_first, render_people, render_summary
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    err = _console(stderr=True)
    progress = _progress(err, counted=False, disable=False)
    try:
        with progress:
            task = progress.add_task(word("auditing", lang), total=None)
            inspection = run_inspection(
                manifest,
                rulebase,
                lang,
                lambda name: progress.update(task, description=f"{word('auditing', lang)} {name}"),
                {"spark": _manifest_spark_probe},
                allow_outside,
                _gate().waivers,
            )
    except ManifestError as error:
        raise InputError(str(error)) from error
    document = build_inspection(inspection, rulebase, lang)
    if sign_key is not None:
        try:
            document = sign(document, sign_key)
        except SignatureError as error:
            raise InputError(str(error)) from error
    output.mkdir(parents=True, exist_ok=True)
    (output / "report.json").write_text(_dump(document, 2) + "\n", encoding="utf-8")
    (output / "report.md").write_text(render_markdown(document, rulebase), encoding="utf-8")
    html = render_html(document, rulebase)
    (output / "report.html").write_text(html, encoding="utf-8")
    (output / "report.pdf").write_bytes(render_pdf(html))
    sarif = render_sarif(document, rulebase)
    (output / "report.sarif").write_text(_json(sarif) + "\n", encoding="utf-8")
    (output / "report.csv").write_text(findings_csv(document.targets), encoding="utf-8")
    from rich.padding import Padding
    from rich.text import Text

    out = _console()
    for target in document.targets:
        if target.error:
            err.print(f"lendguard: warning: {mask_text(target.error)}", markup=False, highlight=False)
    for warning in document.warnings:
        err.print(f"lendguard: warning: {mask_text(warning)}", markup=False, highlight=False)
    render_summary(out, document.targets)
    grade = document.grade
    verdict = word("certifiable", lang) if grade.certifiable else word("not_certifiable", lang)
    out.print(f"[bold]{word('grade', lang)} {grade.grade}[/] ({grade.score}/100) — {grade.meaning}; {verdict}")
    for line in grade.explanation:
        out.print(Padding(Text(line), (0, 0, 0, 2)), highlight=False)  # a wrapped line keeps its indent
    render_coverage(out, grade, lang)
    results = rule_results(document.targets, rulebase)
    render_people(out, results, rulebase, lang)
    render_fix_first(out, results, lang, rulebase=rulebase)
    out.print(
        ", ".join(str(output / f"report.{ext}") for ext in ("json", "html", "pdf", "sarif", "csv", "md")),
        highlight=False,
    )
    # The report is written whatever could be read; an unreadable target still makes the exit code 2.
    sys.exit(_exit_code(document.targets, fail_on))


def _merged(statuses: list[list[WaiverStatus]]) -> list[WaiverStatus]:
    """Each waiver's status over a batch: applied if it applied to any file."""
    if not statuses:
        return []
    merged = []
    for column in zip(*statuses, strict=True):
        found = sorted({f for status in column for f in status.findings})
        status = column[0].status
        if status != "expired":
            status = "applied" if any(s.status == "applied" for s in column) else "unmatched"
        merged.append(column[0].model_copy(update={"status": status, "findings": found}))
    return merged


def _engine_audit(kind: str) -> Callable[[Path, RuleBase, Language], TargetReport]:
    """The engine's audit of one kind of target, imported when it first runs."""

    def audit(path: Path, rulebase: RuleBase, lang: Language) -> TargetReport:
        from lendguard.engine import audit_apk, audit_policy, audit_traffic

        audits = {"apk": audit_apk, "policy": audit_policy, "traffic": audit_traffic}
        return audits[kind](path, rulebase, lang)

    return audit


BATCH_AUDITS: dict[str, Callable[[Path, RuleBase, Language], TargetReport]] = {
    ".apk": _engine_audit("apk"),
    ".html": _engine_audit("policy"),
    ".htm": _engine_audit("policy"),
    ".pdf": _engine_audit("policy"),
    ".txt": _engine_audit("policy"),
    ".har": _engine_audit("traffic"),
}


BATCH_KINDS = {".apk": "apk", ".har": "traffic"}  # the rest of BATCH_AUDITS are policies


class _TimeoutError(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _TimeoutError


def _audit_one(
    job: tuple[Path, Language, int | None, list[WaiverEntry], date],
) -> tuple[Path, ReportDocument, Grade, list[WaiverStatus]]:
    """One batch item in a worker process (module-level so it pickles), waivers applied; a file that
    takes longer than the timeout is reported as unreadable, the worker goes on with the next."""
    from lendguard.engine import TargetReport, grade_reports, waive
    from lendguard.grading import areas_of
    from lendguard.reports import build_document
    from lendguard.rulebase import load_rulebase

    path, lang, timeout, entries, today = job
    rulebase = load_rulebase()
    kind = BATCH_KINDS.get(path.suffix.lower(), "policy")
    if timeout:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout)
    try:
        report = BATCH_AUDITS[path.suffix.lower()](path, rulebase, lang)
    except _TimeoutError:
        report = TargetReport(kind, str(path), path.name, None, [], [], error=f"{path}: timed out after {timeout} s")
    except Exception as error:  # noqa: BLE001 - one file must not end the batch and lose its league table
        problem = f"{path}: could not be audited ({type(error).__name__})"
        report = TargetReport(kind, str(path), str(path), None, [], [], problem)
    finally:
        if timeout:
            signal.alarm(0)
    statuses: list[WaiverStatus] = []
    if entries:
        [report], statuses = waive([report], entries, today)
    scope = areas_of(report.findings, rulebase)  # a file is graded on the areas its kind covers
    document = build_document(report, rulebase, lang, statuses)
    return path, document, grade_reports([report], rulebase, lang, scope), statuses


def _report_paths(folder: Path, items: list[Path], output: Path) -> dict[Path, Path]:
    """Each file's report, named after its masked path (a file named after a borrower's phone number
    must not name a report with it); names that mask alike are told apart by their order."""
    from lendguard.detect import mask_text

    paths: dict[Path, Path] = {}
    taken: set[str] = set()
    for item in items:
        name = unique = _file_name(mask_text(str(item.relative_to(folder))))
        count = 1
        while unique in taken:
            count += 1
            unique = f"{name}-{count}"
        taken.add(unique)
        paths[item] = output / f"{unique}.json"
    return paths


def _resumed(path: Path, report: Path, lang: Language) -> tuple[Path, ReportDocument, Grade, list[WaiverStatus]] | None:
    """The report an earlier run wrote for this file, if it is of this very file (same SHA-256)."""
    from lendguard.grading import areas_of
    from lendguard.grading import grade as grade_findings
    from lendguard.reports import ReportDocument
    from lendguard.reports.masking import masked
    from lendguard.rulebase import load_rulebase

    try:
        document = ReportDocument.model_validate_json(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if document.error or document.lang != lang or document.target.sha256 != digest:
        return None
    rulebase = load_rulebase()
    scope = areas_of(document.findings, rulebase)
    document = masked(document, authored=rulebase.authored_texts)  # written again, and reaches the league tables
    return path, document, grade_findings(document.findings, rulebase, lang, scope), list(document.waivers)


@cli.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for one JSON report per file, league.csv and league.html.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default=True, help="Parallel workers."
)
@click.option(
    "--timeout", type=click.IntRange(min=1), help="Seconds per file; a file that takes longer is listed as unreadable."
)
@click.option(
    "--resume", is_flag=True, help="Keep the reports in OUTPUT of files that have not changed (same SHA-256)."
)
@lang_option
@fail_on_option
def batch(
    folder: Path, output: Path, jobs: int, timeout: int | None, resume: bool, lang: Language, fail_on: str
) -> None:
    """Audit every APK, policy and HAR file in FOLDER, in parallel, into league tables: each kind
    ranked on its own, worst first; unreadable files listed apart, not graded. Exit 2 if any file
    was unreadable, else 1 if any finding at or above --fail-on, else 0."""
    from concurrent.futures import ProcessPoolExecutor

    from lendguard.detect import mask_text
    from lendguard.reports.i18n import word
    from lendguard.reports.league import league_csv, league_html, league_row, unreadable_csv
    from lendguard.waivers import waiver_warnings

    items = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in BATCH_AUDITS)
    if not items:
        raise InputError(f"{folder}: no .apk, policy (.html/.htm/.pdf/.txt) or .har file")
    gate = _gate()
    entries = _waiver_entries(gate.waivers)
    output.mkdir(parents=True, exist_ok=True)
    rows, documents, statuses = [], [], []
    err = _console(stderr=True)
    with (
        _progress(err, counted=True, disable=False) as progress,
        ProcessPoolExecutor(max_workers=jobs) as pool,
    ):
        task = progress.add_task(word("auditing", lang), total=len(items))
        reports = _report_paths(folder, items, output)
        kept = [done for p in items if resume and (done := _resumed(p, reports[p], lang)) is not None]
        todo = [(p, lang, timeout, entries, date.today()) for p in items if p not in {done[0] for done in kept}]
        for path, document, graded, waived in [*kept, *pool.map(_audit_one, todo)]:
            documents.append(document)
            statuses.append(waived)
            reports[path].write_text(_dump(document, 2) + "\n", encoding="utf-8")
            rows.append(league_row(document, graded))
            if document.error:
                err.print(f"lendguard: warning: {mask_text(document.error)}", markup=False, highlight=False)
            progress.advance(task)
    (output / "league.csv").write_text(league_csv(rows), encoding="utf-8")
    (output / "unreadable.csv").write_text(unreadable_csv(rows), encoding="utf-8")
    (output / "league.html").write_text(league_html(rows, f"LendGuard — {folder.name}", lang), encoding="utf-8")
    if gate.waivers is not None:
        for line in waiver_warnings(_merged([s for s in statuses if len(s) == len(entries)]), gate.waivers):
            err.print(f"lendguard: warning: {line}", markup=False, highlight=False)
    click.echo(
        f"{len(rows)} files ({len(kept)} unchanged since the last run): "
        f"{output / 'league.csv'}, {output / 'unreadable.csv'}, {output / 'league.html'}"
    )
    sys.exit(_exit_code(documents, fail_on))


@cli.command()
@click.argument("report", type=click.Path(path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Require this signer (PEM public key).",
)
@click.option(
    "--base",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the evidence paths are relative to (default: the manifest's).",
)
def verify(report: Path, public_key: Path | None, base: Path | None) -> None:
    """Check a report's signature and re-hash its evidence: exit 0 valid, 1 invalid or tampered, 2 unreadable."""
    from lendguard.reports.inspection import SignatureError
    from lendguard.reports.inspection import verify as verify_report

    try:
        problems = verify_report(report, public_key, base)
    except (FileNotFoundError, SignatureError) as error:
        raise InputError(str(error)) from error
    if problems:
        for problem in problems:
            click.echo(f"lendguard: invalid: {problem}", err=True)
        sys.exit(EXIT_FINDINGS)
    click.echo(f"{report}: valid signature, evidence unchanged")


@cli.command()
@click.argument("old", type=click.Path(path_type=Path))
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
@lang_option
def diff(old: Path, new: Path, output_format: str, lang: Language) -> None:
    """Compare two inspection reports of one platform: fixed, new and persisting findings, grade change.
    Exit 1 when there are new findings or the grade fell, else 0."""
    from lendguard.reports.compare import compare
    from lendguard.reports.i18n import word
    from lendguard.reports.inspection import load as load_report
    from lendguard.reports.masking import masked

    try:
        result = compare(load_report(old), load_report(new))
    except FileNotFoundError as error:
        raise InputError(str(error)) from error
    # reports written by an older LendGuard (or edited) pass through the masker like every output
    result = replace(result, fixed=masked(result.fixed), new=masked(result.new), persisting=masked(result.persisting))
    if output_format == "json":
        click.echo(
            _json(
                {
                    "grade": {
                        "before": result.grade_before,
                        "after": result.grade_after,
                        "score_before": result.score_before,
                        "score_after": result.score_after,
                    },
                    "fixed": [f.model_dump(mode="json") for f in result.fixed],
                    "new": [f.model_dump(mode="json") for f in result.new],
                    "persisting": [f.model_dump(mode="json") for f in result.persisting],
                },
            )
        )
    else:
        out = _console()
        out.print(
            f"{word('grade', lang)}: {result.grade_before} ({result.score_before}) → {result.grade_after} ({result.score_after})"
        )
        for key, findings in (("fixed", result.fixed), ("appeared", result.new), ("persisting", result.persisting)):
            out.print(f"[bold]{word(key, lang)}[/] ({len(findings)})")
            for finding in findings:
                out.print(f"  {finding.rule} {finding.title}: {finding.quote}", highlight=False)
    sys.exit(EXIT_FINDINGS if result.worse else EXIT_OK)


@cli.group()
def keys() -> None:
    """Create and rotate key files for protect/unprotect (0600; or set $LENDGUARD_KEYS)."""


@keys.command("generate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing key file (its data can no longer be restored).")
@click.option(
    "--signing", is_flag=True, help="An Ed25519 report-signing key (FILE, 0600) and its public key (FILE.pub)."
)
def keys_generate(file: Path, force: bool, signing: bool) -> None:
    """Write a new key file with one active key (or, with --signing, a report-signing key pair)."""
    from lendguard.protect import KeyFileError, generate_keyring
    from lendguard.reports.inspection import SignatureError, generate_signing_key

    if signing:
        try:
            public = generate_signing_key(file, force)
        except SignatureError as error:
            raise InputError(str(error)) from error
        click.echo(f"{file}: Ed25519 signing key; public key {public}")
        return
    try:
        key_id = generate_keyring(file, force)
    except KeyFileError as error:
        raise InputError(str(error)) from error
    click.echo(
        f"{file}: new key {key_id} (keep this file secret and backed up: without it protected data cannot be restored)"
    )


@keys.command("rotate")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def keys_rotate(file: Path) -> None:
    """Add a new active key; older keys stay so existing tokens still restore."""
    from lendguard.protect import KeyFileError, rotate_keyring

    try:
        key_id = rotate_keyring(file)
    except KeyFileError as error:
        raise InputError(str(error)) from error
    click.echo(f"{file}: new active key {key_id}")


def _ring(key_file: Path | None) -> KeyRing:
    from lendguard.protect import KeyFileError, load_keyring

    try:
        return load_keyring(key_file)
    except KeyFileError as error:
        raise InputError(str(error)) from error


def _print_column_reports(reports: list[ColumnReport], lang: Language) -> None:
    from rich.table import Table

    from lendguard.reports.i18n import word

    table = Table(title_justify="left")
    for heading in ("table_name", "column_name", "operator", "rows", "changed", "already", "checksum", "verified"):
        table.add_column(word(heading, lang))
    for report in reports:
        table.add_row(
            Path(report.table).name,
            report.column,
            report.operator,
            str(report.rows),
            str(report.changed),
            str(report.already),
            report.checksum[:16],
            "✓" if report.verified else "✗",
        )
    _console().print(table)


def _finish(reports: list[ColumnReport], lang: Language) -> None:
    from lendguard.reports.i18n import word

    if not reports:
        click.echo(word("nothing_to_do", lang))
        return
    _print_column_reports(reports, lang)
    failed = [f"{r.table}.{r.column}" for r in reports if not r.verified]
    if failed:
        click.echo(f"lendguard: error: verification failed for {', '.join(failed)}", err=True)
        sys.exit(EXIT_FINDINGS)


def _protect_error(error: ProtectError) -> InputError:
    for detail in error.details:
        click.echo(f"  {detail}")
    return InputError(str(error))


key_file_option = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Key file from `lendguard keys generate` (default: $LENDGUARD_KEYS).",
)
table_option = click.option("--table", "tables", multiple=True, help="Only this table (repeatable).")
column_option = click.option(
    "--column",
    "columns",
    multiple=True,
    help="Only this column, as TABLE.COLUMN (repeatable); default: every plaintext-PI column.",
)
batch_option = click.option(
    "--batch", type=click.IntRange(min=1), default=1000, show_default=True, help="Rows per transaction."
)


def _file_output(output: Path | None) -> None:
    if output is not None and output.is_dir():
        raise InputError(f"{output}: is a directory; --output names the copy's file (a folder with --engine spark)")


def _spark_copy(
    action: str,
    target: str,
    output: Path | None,
    key_file: Path | None,
    master: str | None,
    pairs: tuple[str, ...],
    lang: Language,
    policy: str = "default",
    tables: tuple[str, ...] = (),
    columns: tuple[str, ...] = (),
    rekey: bool = False,
) -> None:
    """protect/unprotect --engine spark: a copy of the dataset in the folder --output."""
    from lendguard.protect import KeyFileError, ProtectError

    if output is None:
        raise InputError(f"{action} --engine spark writes a copy: name its folder with --output")
    from lendguard.probes import ProbeError
    from lendguard.spark.protect import protect_dataset, unprotect_dataset
    from lendguard.spark.session import session

    bar = _StageBar()
    try:
        with _progress(_console(stderr=True), counted=True, disable=False) as progress:
            bar.attach(progress)
            spark = session(master, _spark_conf(pairs))
            if action == "protect":
                result = protect_dataset(spark, target, str(output), key_file, policy, tables, columns, rekey, bar)
            else:
                result = unprotect_dataset(spark, target, str(output), key_file, bar)
    except (ProtectError, ProbeError, KeyFileError) as error:
        if isinstance(error, ProtectError):
            raise _protect_error(error) from error
        raise InputError(str(error)) from error
    _finish(result.reports, lang)


@cli.command()
@click.argument("target")
@key_file_option
@table_option
@column_option
@click.option(
    "--policy",
    default="default",
    show_default=True,
    help="default (AES-SIV), sm (SM4), token / token-sm3 (HMAC, one-way; files only), "
    "mask-strict / mask-common / mask-pci (display copies; files only).",
)
@batch_option
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Where a file's protected copy goes (--engine spark: a new folder).",
)
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write row counts and checksums of the original values here (for unprotect --manifest).",
)
@click.option(
    "--rekey", is_flag=True, help="Re-encrypt tokens made with an older key under the active key (after keys rotate)."
)
@lang_option
@engine_option
@master_option
@spark_conf_option
def protect(
    target: str,
    key_file: Path | None,
    tables: tuple[str, ...],
    columns: tuple[str, ...],
    policy: str,
    batch: int,
    output: Path | None,
    manifest: Path | None,
    rekey: bool,
    lang: Language,
    engine: str,
    master: str | None,
    spark_conf: tuple[str, ...],
) -> None:
    """Encrypt, tokenise or mask the personal information a scan finds in TARGET: in place in a
    database (reversible policies only), into a copy for CSV/JSONL/Parquet. With --engine spark:
    a protected copy of a dataset (hive:db.table, jdbc:, Parquet/ORC/CSV) in the folder --output."""
    from lendguard.protect import ProtectError, protect_target
    from lendguard.protect.rewrite import write_manifest

    if engine == "spark":
        _spark_copy("protect", target, output, key_file, master, spark_conf, lang, policy, tables, columns, rekey)
        return
    _file_output(output)
    ring = _ring(key_file)
    try:
        reports = protect_target(target, ring, policy, tables, columns, batch, output, rekey)
    except ProtectError as error:
        raise _protect_error(error) from error
    if manifest is not None:
        write_manifest(manifest, target, ring, reports)
    _finish(reports, lang)


@cli.command()
@click.argument("target")
@key_file_option
@table_option
@column_option
@batch_option
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    help="Where a file's restored copy goes (--engine spark: a new folder).",
)
@click.option(
    "--manifest",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Check restored row counts and checksums against the manifest written by protect.",
)
@lang_option
@engine_option
@master_option
@spark_conf_option
def unprotect(
    target: str,
    key_file: Path | None,
    tables: tuple[str, ...],
    columns: tuple[str, ...],
    batch: int,
    output: Path | None,
    manifest: Path | None,
    lang: Language,
    engine: str,
    master: str | None,
    spark_conf: tuple[str, ...],
) -> None:
    """Restore every original value protected in TARGET with the key file's keys (with --engine
    spark: a copy made by protect --engine spark, restored into the folder --output)."""
    from lendguard.protect import ProtectError, unprotect_target
    from lendguard.protect.rewrite import check_manifest

    if engine == "spark":
        _spark_copy("unprotect", target, output, key_file, master, spark_conf, lang)
        return
    _file_output(output)
    ring = _ring(key_file)
    try:
        reports = unprotect_target(target, ring, tables, columns, batch, output, manifest)
    except ProtectError as error:
        raise _protect_error(error) from error
    if manifest is not None:
        try:
            problems = check_manifest(manifest, reports)
        except ProtectError as error:
            raise _protect_error(error) from error
        for problem in problems:
            click.echo(f"  {problem}")
        if problems:
            click.echo(f"lendguard: error: {len(problems)} column(s) differ from {manifest}", err=True)
            sys.exit(EXIT_FINDINGS)
    _finish(reports, lang)


@cli.command()
@lang_option
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rules(lang: Language, output_format: str) -> None:
    """List the rule catalogue with severities and legal basis."""
    from lendguard.reports.i18n import word
    from lendguard.rulebase import load_rulebase

    rulebase = load_rulebase()
    if output_format == "json":
        records: list[dict[str, Any]] = [
            {
                "id": r.id,
                "title": r.title.get(lang),
                "severity": r.severity.value,
                "basis": [str(c) for c in r.basis],
                "remedy": r.remedy.get(lang),
            }
            for r in rulebase.rules.values()
        ]
        click.echo(_json(records))
        return
    from rich.table import Table

    table = Table(title=f"LendGuard rules {rulebase.version}", title_justify="left")
    for key in ("rule", "severity", "title", "basis"):
        table.add_column(word(key, lang), overflow="fold")
    for rule in rulebase.rules.values():
        table.add_row(rule.id, word(rule.severity.value, lang), rule.title.get(lang), ", ".join(map(str, rule.basis)))
    _console().print(table)


@cli.command()
@click.option(
    "--kind",
    type=click.Choice(["report", "inspection"]),
    default="report",
    show_default=True,
    help="report: one target's document (--format json of the audit commands); inspection: `lendguard audit`'s report.json.",
)
def schema(kind: str) -> None:
    """Print the JSON Schema of a report document."""
    from lendguard.reports import report_schema
    from lendguard.reports.inspection import inspection_schema

    click.echo(_json(report_schema() if kind == "report" else inspection_schema()))


for _registry_command in REGISTRY_COMMANDS:  # serve, db, users, registry: see lendguard.registry.cli
    cli.add_command(_registry_command)


def main() -> None:
    """Entry point: click's usage errors become one line and exit 2."""
    # LendGuard's pydantic models are its own: finding pydantic plugins would read every installed
    # package's entry points (~15 ms of each process); PYDANTIC_DISABLE_PLUGINS set by the user wins.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        cli.main(standalone_mode=False)
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "lendguard"
        click.echo(f"lendguard: error: {error.format_message()} (see '{command} --help')", err=True)
        sys.exit(EXIT_INPUT)
    except click.ClickException as error:
        from lendguard.detect import mask_text

        click.echo(f"lendguard: error: {mask_text(error.format_message())}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("lendguard: aborted", err=True)
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:
        sys.exit(EXIT_OK)


if __name__ == "__main__":
    main()
