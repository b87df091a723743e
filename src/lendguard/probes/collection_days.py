"""The collection log's attempts, folded loan-day by loan-day with bounded memory.

A loan-day's counts (connected calls, attempts per number, whether the borrower was reached) are
only final once the day can receive no more rows. A time-ordered log closes each day as it moves on
(`fold`); a log that is not is sorted first on disk by (day, loan, row) (`sorted_rows`), which
closes the days one after the other. Either way only open days are held, and the evidence keeps the
first `limit` attempts of each reason in time order and counts the rest.
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from lendguard.detect import mask_text, mask_value
from lendguard.evidence import Attempt, BusyDay
from lendguard.evidence.collection import Reason, Role

ROW_EXAMPLES = 5
OPEN_DAYS = 2  # a day stays open until the log reaches a date this many days later


@dataclass(slots=True)
class Row:
    """One attempt of the log, joined with its loan; `number` and `content` are still raw."""

    row: int  # 1-based data row
    loan: str
    moment: datetime | None
    role: Role
    number: str
    channel: str
    connected: bool | None
    content: str
    quiet: bool
    abusive: bool  # the content holds words of threat, insult or impersonation
    debt: bool  # a call to anyone but the borrower whose content names the debt
    refusal: bool  # a call to anyone but the borrower whose content refuses further contact

    @property
    def may_matter(self) -> bool:
        """Whether some reason may keep the attempt, whatever the rest of its day."""
        return self.role != "borrower" or self.quiet or self.abusive


@dataclass(slots=True)
class _Day:
    effective: int = 0
    attempts: dict[str, int] = field(default_factory=dict)  # per number, in the order first called
    rows: list[int] = field(default_factory=list)
    reached: bool = False
    pending: list[Row] = field(default_factory=list)  # attempts the evidence may keep, once the day is over


class OutOfOrderError(Exception):
    """A row for a day already closed: the log is not time-ordered."""


def _masked(number: str) -> str:
    return mask_value("CN_MOBILE", number) if len(number) == 11 else mask_text(number)


@dataclass
class Folder:
    """The evidence of the attempts seen so far; `add` them, `close` the days, read the result."""

    max_effective: int
    max_attempts: int
    limit: int
    ordered: bool  # raise OutOfOrderError on a row for a closed day (else the caller guarantees the order)
    salt: bytes
    kept: list[Attempt] = field(default_factory=list)
    busy: list[BusyDay] = field(default_factory=list)
    busy_total: int = 0
    totals: Counter[Reason] = field(default_factory=Counter)
    itemised: Counter[Reason] = field(default_factory=Counter)
    refused: set[tuple[str, str]] = field(default_factory=set)  # (loan, number) pairs that refused so far
    days: dict[tuple[str, date], _Day] = field(default_factory=dict)
    newest: date | None = None

    def add(self, row: Row) -> None:
        if row.moment is None:
            if row.may_matter:
                self._judge(row, reached=False)
            return
        when = row.moment.date()
        if self.newest is None or when > self.newest:
            self.newest = when
            self._close_before(when - timedelta(days=OPEN_DAYS - 1))
        elif self.ordered and when <= self.newest - timedelta(days=OPEN_DAYS):
            raise OutOfOrderError
        day = self.days.get((row.loan, when))
        if day is None:
            day = self.days[(row.loan, when)] = _Day()
        day.attempts[row.number] = day.attempts.get(row.number, 0) + 1
        if len(day.rows) < ROW_EXAMPLES:
            day.rows.append(row.row)
        if row.role == "borrower" and row.connected:
            day.effective += 1
            day.reached = True
        if row.may_matter:
            day.pending.append(row)

    def close(self) -> None:
        self._close_before(None)

    def _close_before(self, limit: date | None) -> None:
        closing = sorted((key for key in self.days if limit is None or key[1] < limit), key=lambda k: (k[1], k[0]))
        for key in closing:
            self._close(key, self.days.pop(key))

    def _close(self, key: tuple[str, date], day: _Day) -> None:
        loan, when = key
        number, most = max(day.attempts.items(), key=lambda item: item[1])  # the first called of equals
        if day.effective > self.max_effective or most > self.max_attempts:
            self.busy_total += 1
            if len(self.busy) < self.limit:
                self.busy.append(
                    BusyDay(
                        loan=loan,
                        day=when,
                        effective_calls=day.effective,
                        most_attempts_one_number=most,
                        number=_masked(number),
                        rows=tuple(day.rows),
                    )
                )
        for row in sorted(day.pending, key=lambda r: (r.moment, r.row)):
            self._judge(row, day.reached)

    def _judge(self, row: Row, reached: bool) -> None:
        """Keep the attempt for its reasons (in time order within each pair of loan and number)."""
        other = row.role != "borrower"
        pair = (row.loan, row.number)
        reasons: list[Reason] = ["other_party"] if other else []
        if row.role == "third_party":
            reasons.append("third_party")
        if row.quiet:
            reasons.append("quiet_hours")
        if row.abusive:
            reasons.append("abusive_content")
        if row.debt:
            reasons.append("debt_content")
        if row.refusal:
            reasons.append("refusal_content")
        if row.role == "emergency_contact" and reached:
            reasons.append("contact_reached")
        if other and row.moment is not None and pair in self.refused:
            reasons.append("after_refusal")
        if other and row.moment is None:
            reasons.append("untimed")
        if other and row.refusal and row.moment is not None:
            self.refused.add(pair)
        self.totals.update(reasons)
        if not any(self.itemised[r] < self.limit for r in reasons):
            return
        self.itemised.update(reasons)
        self.kept.append(
            Attempt(
                row=row.row,
                loan=row.loan,
                time=row.moment,
                role=row.role,
                number=_masked(row.number),
                number_key=hmac.new(self.salt, row.number.encode(), hashlib.sha256).hexdigest()[:16],
                channel=row.channel,
                connected=row.connected,
                content=mask_text(row.content)[:500],
                quiet_hours=row.quiet,
                borrower_reached_that_day=other and reached,
            )
        )

    def attempts(self) -> tuple[Attempt, ...]:
        return tuple(sorted(self.kept, key=lambda a: a.row))

    def busy_days(self) -> tuple[BusyDay, ...]:
        return tuple(sorted(self.busy, key=lambda b: b.rows[0]))

    def omitted(self) -> dict[Reason, int]:
        return {r: n - self.itemised[r] for r, n in self.totals.items() if n > self.itemised[r]}


def sorted_rows(rows: Iterable[Row], zone: ZoneInfo) -> Iterator[Row]:
    """The rows sorted by (day, loan, row) in a temporary SQLite file: SQLite's sorter spills to
    disk, so memory stays bounded whatever the size of the log. Rows without a time come first."""
    with tempfile.TemporaryDirectory(prefix="lendguard-collection-") as folder:
        connection = sqlite3.connect(Path(folder) / "rows.sqlite")
        try:
            connection.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=FILE; PRAGMA cache_size=-16000;"
                "CREATE TABLE rows (day INTEGER, loan TEXT, row INTEGER, moment TEXT, role TEXT, number TEXT,"
                " channel TEXT, connected INTEGER, content TEXT, quiet INTEGER, abusive INTEGER, debt INTEGER,"
                " refusal INTEGER)"
            )
            batch: list[tuple[object, ...]] = []
            for row in rows:
                batch.append(
                    (
                        row.moment.date().toordinal() if row.moment else None,
                        row.loan,
                        row.row,
                        row.moment.isoformat() if row.moment else None,
                        row.role,
                        row.number,
                        row.channel,
                        row.connected,
                        row.content,
                        row.quiet,
                        row.abusive,
                        row.debt,
                        row.refusal,
                    )
                )
                if len(batch) >= 10_000:
                    connection.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
                    batch.clear()
            connection.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", batch)
            cursor = connection.execute(
                "SELECT row, loan, moment, role, number, channel, connected, content, quiet, abusive, debt, refusal"
                " FROM rows ORDER BY day, loan, row"
            )
            for (
                number,
                loan,
                moment,
                role,
                called,
                channel,
                connected,
                content,
                quiet,
                abusive,
                debt,
                refusal,
            ) in cursor:
                yield Row(
                    row=number,
                    loan=loan,
                    moment=datetime.fromisoformat(moment).astimezone(zone) if moment else None,
                    role=role,
                    number=called,
                    channel=channel,
                    connected=None if connected is None else bool(connected),
                    content=content,
                    quiet=bool(quiet),
                    abusive=bool(abusive),
                    debt=bool(debt),
                    refusal=bool(refusal),
                )
        finally:
            connection.close()
