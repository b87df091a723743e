"""The collection-log probe: join contact attempts with the loans they collect, row by row."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from lendguard.detect import Scanner
from lendguard.evidence import CollectionEvidence, OrgEvidence, Provenance
from lendguard.evidence.collection import Role as CallRole
from lendguard.probes.collection_days import ROW_EXAMPLES, Folder, OutOfOrderError, Row, sorted_rows
from lendguard.probes.datastore import files, sql
from lendguard.probes.errors import ProbeError
from lendguard.probes.roles import SAMPLE, WEAK_FIT, Resolution, Role, profile, resolve
from lendguard.probes.yamlsafe import load_yaml
from lendguard.rulebase import RuleBase

if TYPE_CHECKING:
    import pyarrow as pa

SPLIT_NUMBERS = re.compile(r"[;,，、|/\s]+")
EXAMPLES = 1000  # attempts itemised per reason (see CollectionEvidence)
BLOCK = 1 << 18  # bytes of the log per batch: the rows are handled one by one, so a small read-ahead


def _digits(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    return digits


def _batches(source: str, table: str | None) -> Generator[pa.RecordBatch]:
    if "://" in source:
        if not table:
            raise ProbeError(
                sql.masked_url(source), "a database source needs the table name (--log-table / --loans-table)"
            )
        with sql.read_only(source) as (connection, _):
            sql.table_names(connection, [table], sql.masked_url(source))
            yield from sql.table_batches(connection, table, None)
        return
    path = Path(source)
    if not path.is_file():
        raise ProbeError(path, "no such file" if not path.exists() else "not a file")
    kind = files.TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ProbeError(path, "not a CSV, JSONL or Parquet file")
    yield from files.table_batches(path, kind, None, block=BLOCK)


def _with_head(batches: Iterator[pa.RecordBatch]) -> tuple[pa.RecordBatch | None, Iterator[pa.RecordBatch]]:
    """The first SAMPLE rows as one batch (to tell the columns' roles by), and all the batches."""
    import pyarrow as pa

    head: list[pa.RecordBatch] = []
    for batch in batches:
        head.append(batch)
        if sum(b.num_rows for b in head) >= SAMPLE:
            break
    if not head:
        return None, iter(())
    if any(not batch.schema.equals(head[0].schema) for batch in head):  # JSONL widens its types as it goes
        return head[0], itertools.chain(head, batches)
    sample = pa.Table.from_batches(head).slice(0, SAMPLE).combine_chunks().to_batches()
    return (sample[0] if sample else head[0]), itertools.chain(head, batches)


CONTACT_WORDS = ("contact", "contacts", "emergency", "urgent", "relative", "紧急", "联系人", "亲属")
LOG_ROLES = (
    Role(
        "number",
        lambda p: p.phones,
        good=(
            "phone",
            "mobile",
            "number",
            "tel",
            "callee",
            "called",
            "to",
            "target",
            "dialled",
            "号码",
            "电话",
            "被叫",
        ),
        bad=("caller", "from", "agent", "collector", "operator", "主叫", "坐席", "催收员"),
    ),
    Role("time", lambda p: p.times, good=("time", "date", "at", "datetime", "timestamp", "时间", "日期")),
    Role("loan", lambda p: p.joins, good=("loan", "order", "contract", "借款", "借据", "订单", "合同")),
)
LOAN_ROLES = (
    Role(
        "loan",
        lambda p: p.idents if p.distinct >= 0.95 else 0.0,
        good=("loan", "order", "contract", "借款", "借据", "订单", "合同"),
        bad=("user", "uid", "customer", "客户", "用户"),
    ),
    Role(
        "borrower",
        lambda p: 0.0 if p.many_phones else p.phones,
        good=("borrower", "借款人", "customer", "user", "applicant", "本人", "客户", "mobile", "phone", "手机", "电话"),
        bad=(*CONTACT_WORDS, "company", "work", "office", "spouse", "单位", "公司", "配偶"),
    ),
)


def _sample(first: pa.RecordBatch) -> dict[str, list[Any]]:
    return {name: first.column(name).to_pylist()[:SAMPLE] for name in first.schema.names}


def _optional(names: list[str], aliases: dict[str, tuple[str, ...]], taken: set[str]) -> dict[str, tuple[str, ...]]:
    """Columns of the roles no finding hangs on alone (channel, agent, content, result): by name."""
    lowered = {n.lower(): n for n in names if n not in taken}
    found: dict[str, tuple[str, ...]] = {}
    for role, candidates in aliases.items():
        column = next((lowered[c.lower()] for c in candidates if c.lower() in lowered), None)
        if column is not None:
            found[role] = (column,)
            taken.add(column)
    return found


def _log_columns(
    source: str, first: pa.RecordBatch, rulebase: RuleBase, overrides: dict[str, str], loan_refs: set[str]
) -> Resolution:
    scanner = Scanner()
    profiles = {name: profile(name, values, scanner, loan_refs) for name, values in _sample(first).items()}
    aliases = rulebase.collection.log_columns
    resolution = resolve(source, profiles, LOG_ROLES, ("time", "loan", "number"), aliases, overrides)
    taken = {c for columns in resolution.columns.values() for c in columns}
    optional = {k: v for k, v in aliases.items() if k not in resolution.columns}
    columns = {**resolution.columns, **_optional(first.schema.names, optional, taken)}
    for role, column in overrides.items():
        if role not in columns:
            if column not in profiles:
                raise ProbeError(source, f"no column {column} (columns: {', '.join(first.schema.names)})")
            columns[role] = (column,)
    return Resolution(columns, resolution.warnings)


def _loan_columns(source: str, first: pa.RecordBatch, rulebase: RuleBase, overrides: dict[str, str]) -> Resolution:
    """loan and borrower by content; contacts: every other column of phone numbers that holds several
    per row or is named as contacts. A column of phone numbers left without a role is a warning: calls
    to those numbers will count as calls to third parties."""
    scanner = Scanner()
    profiles = {name: profile(name, values, scanner) for name, values in _sample(first).items()}
    aliases = rulebase.collection.loan_columns
    resolution = resolve(source, profiles, LOAN_ROLES, ("loan", "borrower"), aliases, overrides)
    columns, warnings = dict(resolution.columns), list(resolution.warnings)
    taken = {c for picked in columns.values() for c in picked}
    if "contacts" in overrides:
        columns["contacts"] = tuple(c.strip() for c in overrides["contacts"].split(",") if c.strip())
        for column in columns["contacts"]:
            if column not in profiles:
                raise ProbeError(source, f"no column {column} (columns: {', '.join(first.schema.names)})")
        return Resolution(columns, tuple(warnings))
    contact_role = Role("contacts", lambda p: p.phones, good=CONTACT_WORDS)
    contacts: list[str] = []
    unassigned: list[str] = []
    for name, facts in profiles.items():
        if name in taken or facts.phones < WEAK_FIT:
            continue
        named = contact_role.hint(name, aliases.get("contacts", ())) > 0
        (contacts if named or facts.many_phones else unassigned).append(name)
    if contacts:
        columns["contacts"] = tuple(contacts)
    if unassigned:
        warnings.append(
            f"{source}: {', '.join(unassigned)} hold phone numbers but are neither the borrower's nor named as "
            "contacts; calls to them count as third-party (use --map loans.contacts=COLUMN[,COLUMN])"
        )
    return Resolution(columns, tuple(warnings))


def _contacts(value: Any) -> tuple[set[str], str | None]:
    """The numbers of a contacts cell: a JSON list (or mapping) of numbers or of {phone: …} records,
    or numbers separated by commas, semicolons …; and what is wrong with a cell that says it is
    JSON but is not (its numbers cannot be known, so calls to them would count as third-party)."""
    if value is None:
        return set(), None
    text = str(value).strip()
    if not text.startswith(("[", "{")):
        return {d for d in (_digits(part) for part in SPLIT_NUMBERS.split(text)) if len(d) >= 7}, None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return set(), "not valid JSON"
    items = list(parsed.values()) if isinstance(parsed, dict) else parsed if isinstance(parsed, list) else None
    if items is None:
        return set(), "JSON that is neither a list nor a mapping of contacts"
    found = set()
    for item in items:
        number = item.get("phone") or item.get("mobile") or item.get("number") if isinstance(item, dict) else item
        found.add(_digits(number))
    numbers = {n for n in found if n}
    return numbers, None if numbers or not items else "JSON without a phone number"


def read_loans(
    source: str, table: str | None, rulebase: RuleBase, overrides: dict[str, str]
) -> tuple[dict[str, tuple[str, set[str]]], tuple[str, ...]]:
    """Loan reference -> (borrower number, contact numbers), and the warnings of role resolution."""
    loans: dict[str, tuple[str, set[str]]] = {}
    rows, broken, first_broken = 0, 0, ""
    sample, batches = _with_head(_batches(source, table))
    if sample is None:
        raise ProbeError(source, "no loans in the loans file")
    resolution = _loan_columns(source, sample, rulebase, overrides)
    loan, borrower = resolution.columns["loan"][0], resolution.columns["borrower"][0]
    contacts = resolution.columns.get("contacts", ())
    for batch in batches:
        for row in batch.to_pylist():
            rows += 1
            numbers: set[str] = set()
            for column in contacts:
                found, problem = _contacts(row.get(column))
                numbers |= found
                if problem is not None:
                    broken += 1
                    first_broken = first_broken or f"row {rows}, column {column}: {problem}"
            loans[str(row[loan])] = (_digits(row[borrower]), numbers)
    if not loans:
        raise ProbeError(source, "no loans in the loans file")
    warnings = resolution.warnings
    if broken:  # the place and the problem only: the cell itself holds personal values
        shown = sql.masked_url(source) if "://" in source else source
        others = f" (and {broken - 1:,} more cells)" if broken > 1 else ""
        warnings += (
            f"{shown}: {first_broken}{others}; its contacts are unknown, so calls to them count as third-party",
        )
    return loans, warnings


def _parse_time(value: Any, zone: ZoneInfo) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
        try:
            number = float(value)
            moment = datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
        except (OverflowError, OSError, ValueError):  # an epoch beyond any calendar
            return None
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("/", "-").replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def _in_quiet_hours(moment: datetime, start: time, end: time) -> bool:
    clock = moment.time()
    return clock >= start or clock < end if start > end else start <= clock < end


FIELDS = ("loan", "number", "time", "result", "channel", "content")


def _column(batch: pa.RecordBatch, name: str | None) -> list[Any]:
    return batch.column(name).to_pylist() if name in batch.schema.names else [None] * batch.num_rows


def _rows(
    batches: Iterator[pa.RecordBatch],
    mapping: dict[str, str],
    loans: dict[str, tuple[str, set[str]]],
    rulebase: RuleBase,
) -> Iterator[Row]:
    """Each row of the log as an attempt joined with its loan, column by column per batch."""
    knowledge = rulebase.collection
    zone = ZoneInfo(knowledge.timezone)
    quiet_start = time.fromisoformat(knowledge.quiet_hours.start)
    quiet_end = time.fromisoformat(knowledge.quiet_hours.end)
    connected_words = {w.lower() for w in knowledge.connected_results}
    unanswered_words = {w.lower() for w in knowledge.unanswered_results}
    abusive = re.compile("|".join(knowledge.abuse_terms + knowledge.impersonation))
    debt = re.compile("|".join(knowledge.debt_terms))
    refusal = re.compile("|".join(knowledge.refusal_terms))
    number = 0
    for batch in batches:
        columns = zip(*(_column(batch, mapping.get(role)) for role in FIELDS), strict=True)
        for loan_value, number_value, time_value, result_value, channel_value, content_value in columns:
            number += 1
            loan = str(loan_value)
            called = _digits(number_value)
            moment = _parse_time(time_value, zone)
            result = str(result_value or "").strip().lower()
            content = str(content_value or "")
            found = loans.get(loan)
            role: CallRole = (
                "unknown_loan"
                if found is None
                else "borrower"
                if called == found[0]
                else "emergency_contact"
                if called in found[1]
                else "third_party"
            )
            other = bool(content) and role != "borrower"
            yield Row(
                row=number,
                loan=loan,
                moment=moment,
                role=role,
                number=called,
                channel=str(channel_value or ""),
                connected=True if result in connected_words else False if result in unanswered_words else None,
                content=content,
                quiet=moment is not None and _in_quiet_hours(moment, quiet_start, quiet_end),
                abusive=bool(content) and abusive.search(content) is not None,
                debt=other and debt.search(content) is not None,
                refusal=other and refusal.search(content) is not None,
            )


@dataclass
class _Tally:
    """What the probe counts of every row besides the attempts: for the warnings."""

    rows: int = 0
    unknown: int = 0
    untimed: int = 0
    untimed_examples: list[int] = field(default_factory=list)

    def counted(self, rows: Iterator[Row]) -> Iterator[Row]:
        for row in rows:
            self.rows += 1
            self.unknown += row.role == "unknown_loan"
            if row.moment is None:
                self.untimed += 1
                if len(self.untimed_examples) < ROW_EXAMPLES:
                    self.untimed_examples.append(row.row)
            yield row


def probe_collection(
    log: str,
    loans_source: str,
    rulebase: RuleBase,
    log_table: str | None = None,
    loans_table: str | None = None,
    overrides: dict[str, str] | None = None,
    limit: int = EXAMPLES,
) -> CollectionEvidence:
    """Join every attempt of the log with its loan, with memory bounded whatever the log's size: a
    time-ordered log in one pass, any other sorted on disk first (a second read); the evidence
    itemises up to `limit` attempts per reason. ProbeError (one line) on unusable input."""
    knowledge, overrides = rulebase.collection, overrides or {}
    # --map FIELD=COLUMN names log columns; --map loans.FIELD=COLUMN names columns of the loans file.
    loan_overrides = {k.removeprefix("loans."): v for k, v in overrides.items() if k.startswith("loans.")}
    overrides = {k: v for k, v in overrides.items() if not k.startswith("loans.")}
    loans, loan_warnings = read_loans(loans_source, loans_table, rulebase, loan_overrides)
    warnings = list(loan_warnings)
    reading = _batches(log, log_table)
    first, batches = _with_head(reading)
    if first is None:
        raise ProbeError(log, "no rows in the collection log")
    resolution = _log_columns(log, first, rulebase, overrides, set(loans))
    mapping = {role: columns[0] for role, columns in resolution.columns.items()}
    warnings += resolution.warnings

    def folder(ordered: bool) -> Folder:
        return Folder(
            max_effective=knowledge.max_effective_calls_per_debtor_day,
            max_attempts=knowledge.max_attempts_per_number_day,
            limit=limit,
            ordered=ordered,
            salt=secrets.token_bytes(16),  # number keys only need to match within this run
        )

    def log_rows() -> Iterator[Row]:
        return _rows(batches, mapping, loans, rulebase)

    tally, folded = _Tally(), folder(ordered=True)
    try:
        for row in tally.counted(log_rows()):
            folded.add(row)
    except OutOfOrderError:  # read it again, sorted by day
        reading.close()  # a database source's connection
        batches = _batches(log, log_table)
        tally, folded = _Tally(), folder(ordered=False)
        for row in sorted_rows(tally.counted(log_rows()), ZoneInfo(knowledge.timezone)):
            folded.add(row)
    folded.close()
    if tally.rows == 0:
        raise ProbeError(log, "no rows in the collection log")
    shown = sql.masked_url(log) if "://" in log else log
    rows = tally.rows
    if tally.unknown:
        warnings.append(f"{tally.unknown} rows name loans absent from the loans file")
    if tally.untimed:
        untimed = tally.untimed_examples
        examples = ", ".join(str(row) for row in untimed) + (" …" if tally.untimed > len(untimed) else "")
        warnings.append(
            f"{shown}: {tally.untimed:,} of {rows:,} rows have no readable time (rows {examples}); "
            "they are left out of the hours and per-day counts"
        )
    return CollectionEvidence(
        provenance=Provenance(
            path=shown,
            sha256=hashlib.sha256(f"{shown}|{rows}".encode()).hexdigest(),
            size=rows,
            tool="lendguard-collection",
            tool_version=version("lendguard"),
            collected_at=datetime.now(UTC),
        ),
        rows=rows,
        loans=len(loans),
        attempts=folded.attempts(),
        busy_days=folded.busy_days(),
        limit=limit,
        totals=dict(folded.totals),
        omitted=folded.omitted(),
        busy_days_total=folded.busy_total,
        untimed_rows=tally.untimed,
        untimed_examples=tuple(tally.untimed_examples),
        warnings=tuple(warnings),
    )


def probe_org(path: Path) -> OrgEvidence:
    """Governance records from YAML; ProbeError (one line) when the file is not such a record."""
    if not path.is_file():
        raise ProbeError(path, "no such file")
    document = load_yaml(path)
    if not isinstance(document, dict):
        raise ProbeError(path, "not a governance record (expected a mapping with platform, as_of …)")
    data = path.read_bytes()
    try:
        return OrgEvidence.model_validate(
            {
                **document,
                "provenance": Provenance(
                    path=str(path),
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    tool="lendguard-org",
                    tool_version=version("lendguard"),
                    collected_at=datetime.now(UTC),
                ),
            }
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ProbeError(path, f"{where}: {first['msg']}") from error
