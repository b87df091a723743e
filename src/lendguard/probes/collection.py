"""The collection-log probe: join contact attempts with the loans they collect, row by row."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from lendguard.detect import Scanner, mask_text, mask_value
from lendguard.evidence import Attempt, BusyDay, CollectionEvidence, OrgEvidence, Provenance
from lendguard.probes.datastore import files, sql
from lendguard.probes.errors import ProbeError
from lendguard.probes.roles import SAMPLE, WEAK_FIT, Resolution, Role, profile, resolve
from lendguard.probes.yamlsafe import load_yaml
from lendguard.rulebase import RuleBase

if TYPE_CHECKING:
    import pyarrow as pa

SPLIT_NUMBERS = re.compile(r"[;,，、|/\s]+")
ROW_EXAMPLES = 5


def _digits(value: Any) -> str:
    digits = re.sub(r"\D", "", str(value or ""))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
            digits = digits[len(prefix) :]
    return digits


def _batches(source: str, table: str | None) -> Iterator[pa.RecordBatch]:
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
    yield from files.table_batches(path, kind, None)


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
    resolution: Resolution | None = None
    rows, broken, first_broken = 0, 0, ""
    for batch in _batches(source, table):
        if resolution is None:
            resolution = _loan_columns(source, batch, rulebase, overrides)
        loan, borrower = resolution.columns["loan"][0], resolution.columns["borrower"][0]
        contacts = resolution.columns.get("contacts", ())
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
    if not loans or resolution is None:
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


@dataclass
class _Day:
    effective: int = 0
    attempts: Counter[str] = field(default_factory=Counter)
    masked: dict[str, str] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    reached: bool = False


def probe_collection(
    log: str,
    loans_source: str,
    rulebase: RuleBase,
    log_table: str | None = None,
    loans_table: str | None = None,
    overrides: dict[str, str] | None = None,
) -> CollectionEvidence:
    """Join every attempt of the log with its loan; ProbeError (one line) on unusable input."""
    knowledge, overrides = rulebase.collection, overrides or {}
    zone = ZoneInfo(knowledge.timezone)
    quiet_start = time.fromisoformat(knowledge.quiet_hours.start)
    quiet_end = time.fromisoformat(knowledge.quiet_hours.end)
    connected_words = {w.lower() for w in knowledge.connected_results}
    unanswered_words = {w.lower() for w in knowledge.unanswered_results}
    watch = re.compile("|".join(knowledge.abuse_terms + knowledge.impersonation + knowledge.refusal_terms))
    # --map FIELD=COLUMN names log columns; --map loans.FIELD=COLUMN names columns of the loans file.
    loan_overrides = {k.removeprefix("loans."): v for k, v in overrides.items() if k.startswith("loans.")}
    overrides = {k: v for k, v in overrides.items() if not k.startswith("loans.")}
    loans, loan_warnings = read_loans(loans_source, loans_table, rulebase, loan_overrides)
    warnings = list(loan_warnings)
    salt = secrets.token_bytes(16)  # number keys only need to match within this run
    kept: list[Attempt] = []
    days: dict[tuple[str, date], _Day] = {}
    mapping: dict[str, str] | None = None
    rows = unknown = 0
    untimed: list[int] = []  # rows whose time is empty or unreadable (first ROW_EXAMPLES kept)
    untimed_count = 0
    for batch in _batches(log, log_table):
        if mapping is None:
            resolution = _log_columns(log, batch, rulebase, overrides, set(loans))
            mapping = {role: columns[0] for role, columns in resolution.columns.items()}
            warnings += resolution.warnings
        for record in batch.to_pylist():
            rows += 1
            loan = str(record[mapping["loan"]])
            number = _digits(record[mapping["number"]])
            moment = _parse_time(record[mapping["time"]], zone)
            if moment is None:
                untimed_count += 1
                if len(untimed) < ROW_EXAMPLES:
                    untimed.append(rows)
            result = str(record.get(mapping.get("result", ""), "") or "").strip().lower()
            channel = str(record.get(mapping.get("channel", ""), "") or "")
            content = str(record.get(mapping.get("content", ""), "") or "")
            connected = True if result in connected_words else False if result in unanswered_words else None
            borrower, contacts = loans.get(loan, ("", set()))
            role = (
                "unknown_loan"
                if loan not in loans
                else "borrower"
                if number == borrower
                else "emergency_contact"
                if number in contacts
                else "third_party"
            )
            unknown += role == "unknown_loan"
            masked = mask_value("CN_MOBILE", number) if len(number) == 11 else mask_text(number)
            quiet = moment is not None and _in_quiet_hours(moment, quiet_start, quiet_end)
            if moment is not None:
                day = days.setdefault((loan, moment.date()), _Day())
                day.attempts[number] += 1
                day.masked.setdefault(number, masked)
                if len(day.rows) < ROW_EXAMPLES:
                    day.rows.append(rows)
                if role == "borrower" and connected:
                    day.effective += 1
                    day.reached = True
            if role != "borrower" or quiet or (content and watch.search(content)):
                kept.append(
                    Attempt(
                        row=rows,
                        loan=loan,
                        time=moment,
                        role=role,
                        number=masked,
                        number_key=hmac.new(salt, number.encode(), hashlib.sha256).hexdigest()[:16],
                        channel=channel,
                        connected=connected,
                        content=mask_text(content)[:500],
                        quiet_hours=quiet,
                    )
                )
    if mapping is None or rows == 0:
        raise ProbeError(log, "no rows in the collection log")
    attempts = tuple(
        a.model_copy(update={"borrower_reached_that_day": a.time is not None and days[(a.loan, a.time.date())].reached})
        if a.role != "borrower"
        else a
        for a in kept
    )
    busy = []
    for (loan, when), counts in days.items():
        number, most = counts.attempts.most_common(1)[0]
        if (
            counts.effective > knowledge.max_effective_calls_per_debtor_day
            or most > knowledge.max_attempts_per_number_day
        ):
            busy.append(
                BusyDay(
                    loan=loan,
                    day=when,
                    effective_calls=counts.effective,
                    most_attempts_one_number=most,
                    number=counts.masked[number],
                    rows=tuple(counts.rows),
                )
            )
    shown = sql.masked_url(log) if "://" in log else log
    if unknown:
        warnings.append(f"{unknown} rows name loans absent from the loans file")
    if untimed_count:
        examples = ", ".join(str(row) for row in untimed) + (" …" if untimed_count > len(untimed) else "")
        warnings.append(
            f"{shown}: {untimed_count:,} of {rows:,} rows have no readable time (rows {examples}); "
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
        attempts=attempts,
        busy_days=tuple(busy),
        untimed_rows=untimed_count,
        untimed_examples=tuple(untimed),
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
