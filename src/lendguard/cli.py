"""The `lendguard` command group: each command is a thin wrapper over a library call.

Exit codes: 0 ran and nothing failed at or above --fail-on; 1 findings at or above it;
2 usage or input error, reported as one line on stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lendguard import __version__
from lendguard.engine import audit_apk
from lendguard.reports import ReportDocument, build_document, report_schema
from lendguard.reports.i18n import word
from lendguard.reports.table import render_findings, render_summary
from lendguard.rulebase import Language, Severity, load_rulebase

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2
FAIL_ON_CHOICES = [s.value for s in Severity] + ["none"]

lang_option = click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Report language."
)


class InputError(click.ClickException):
    exit_code = EXIT_INPUT


def _exit_code(documents: list[ReportDocument], fail_on: str) -> int:
    if any(d.error for d in documents):
        return EXIT_INPUT
    if fail_on == "none":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    failing = any(f.severity.rank >= threshold for d in documents for f in d.failures())
    return EXIT_FINDINGS if failing else EXIT_OK


def _dump(document: ReportDocument, indent: int | None) -> str:
    return json.dumps(document.model_dump(mode="json"), ensure_ascii=False, indent=indent)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lendguard")
def cli() -> None:
    """LendGuard: audit online-lending platforms' handling of personal information (PIPL, 民法典)."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table: rich tables; json: one report document (JSON Lines for several APKs).",
)
@lang_option
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON_CHOICES),
    default="high",
    show_default=True,
    help="Exit 1 when a finding of this severity or higher fails.",
)
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write one <name>.json report per APK into this folder.",
)
@click.option("--show-passed", is_flag=True, help="List passed rules in the table too.")
def apk(
    files: tuple[Path, ...],
    output_format: str,
    lang: Language,
    fail_on: str,
    output_dir: Path | None,
    show_passed: bool,
) -> None:
    """Audit Android APKs for personal-information over-collection (APP-* rules)."""
    rulebase = load_rulebase()
    out, err = Console(), Console(stderr=True)
    documents: list[ReportDocument] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=len(files) < 2,
    )
    with progress:
        task = progress.add_task(word("auditing", lang), total=len(files))
        for path in files:
            progress.update(task, description=f"{word('auditing', lang)} {path.name}")
            document = build_document(audit_apk(path, rulebase, lang), rulebase, lang)
            documents.append(document)
            if document.error:
                err.print(f"lendguard: error: {document.error}", markup=False, highlight=False, soft_wrap=True)
            progress.advance(task)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for document in documents:
            (output_dir / f"{Path(document.target.file).name}.json").write_text(
                _dump(document, 2) + "\n", encoding="utf-8"
            )
    if output_format == "json":
        for document in documents:
            click.echo(_dump(document, 2 if len(documents) == 1 else None))
    else:
        for document in documents:
            if not document.error:
                render_findings(out, document, show_passed)
        if len(documents) > 1:
            render_summary(out, documents)
    sys.exit(_exit_code(documents, fail_on))


@cli.command()
@lang_option
@click.option("--format", "output_format", type=click.Choice(["table", "json"]), default="table", show_default=True)
def rules(lang: Language, output_format: str) -> None:
    """List the rule catalogue with severities and legal basis."""
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
        click.echo(json.dumps(records, ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title=f"LendGuard rules {rulebase.version}", title_justify="left")
    for key in ("rule", "severity", "title", "basis"):
        table.add_column(word(key, lang), overflow="fold")
    for rule in rulebase.rules.values():
        table.add_row(rule.id, word(rule.severity.value, lang), rule.title.get(lang), ", ".join(map(str, rule.basis)))
    Console().print(table)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the report document (--format json)."""
    click.echo(json.dumps(report_schema(), ensure_ascii=False, indent=2))


def main() -> None:
    """Entry point: click's usage errors become one line and exit 2."""
    try:
        cli.main(standalone_mode=False)
    except click.UsageError as error:
        command = error.ctx.command_path if error.ctx else "lendguard"
        click.echo(f"lendguard: error: {error.format_message()} (see '{command} --help')", err=True)
        sys.exit(EXIT_INPUT)
    except click.ClickException as error:
        click.echo(f"lendguard: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("lendguard: aborted", err=True)
        sys.exit(EXIT_INPUT)
    except BrokenPipeError:
        sys.exit(EXIT_OK)


if __name__ == "__main__":
    main()
