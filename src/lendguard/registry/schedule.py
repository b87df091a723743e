"""Periodic inspection: the next due date per platform from its last grade (rule-base intervals),
moved forward when accepted complaints against it accumulate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.registry.models import Complaint, Inspection, Platform
from lendguard.rulebase import RuleBase

ZONE = ZoneInfo("Asia/Shanghai")
NOT_COUNTED = ("rejected",)


def local_date(moment: datetime) -> date:
    return moment.astimezone(ZONE).date()


def today() -> date:
    return datetime.now(ZONE).date()


@dataclass(frozen=True)
class Due:
    platform_id: int
    due: date
    reason: str  # never_inspected | interval | complaints
    last_grade: str | None
    complaints_in_window: int

    def overdue(self, on: date) -> bool:
        return self.due < on


def next_due(platform: Platform, last: Inspection | None, complaints: list[date], rulebase: RuleBase, on: date) -> Due:
    """`complaints`: the local dates of the platform's accepted complaints."""
    signal = rulebase.grading.complaint_signal
    window = sorted(day for day in complaints if on - timedelta(days=signal.window_days) <= day <= on)
    if last is None:
        return Due(platform.id, local_date(platform.created_at), "never_inspected", None, len(window))
    interval = rulebase.grading.inspection_interval_days[last.grade]
    due, reason = local_date(last.generated_at) + timedelta(days=interval), "interval"
    after = [day for day in window if day >= local_date(last.generated_at)]
    if len(after) >= signal.threshold:
        forward = after[signal.threshold - 1] + timedelta(days=signal.due_within_days)
        if forward < due:
            due, reason = forward, "complaints"
    return Due(platform.id, due, reason, last.grade, len(window))


def schedule(session: Session, rulebase: RuleBase, on: date, platform_ids: list[int] | None = None) -> list[Due]:
    query = select(Platform).order_by(Platform.name)
    if platform_ids is not None:
        query = query.where(Platform.id.in_(platform_ids))
    platforms = list(session.scalars(query))
    ids = [p.id for p in platforms]
    last: dict[int, Inspection] = {}
    for inspection in session.scalars(
        select(Inspection).where(Inspection.platform_id.in_(ids)).order_by(Inspection.generated_at, Inspection.id)
    ):
        last[inspection.platform_id] = inspection
    complaints: dict[int, list[date]] = {}
    for platform_id, received in session.execute(
        select(Complaint.platform_id, Complaint.received_at).where(
            Complaint.platform_id.in_(ids), Complaint.status.not_in(NOT_COUNTED)
        )
    ):
        complaints.setdefault(platform_id, []).append(local_date(received))
    return [next_due(p, last.get(p.id), complaints.get(p.id, []), rulebase, on) for p in platforms]
