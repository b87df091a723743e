"""Rectification notices (整改通知): a regulator turns an inspection's failed findings into items with
a deadline in working days; the platform answers each; a later inspection closes an item whose
finding is gone (its rule evaluated again) and reopens one whose finding is back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lendguard.findings import Finding, Outcome
from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import Inspection, RectificationItem, RectificationNotice
from lendguard.registry.schedule import today
from lendguard.reports.compare import compare
from lendguard.reports.inspection import InspectionDocument
from lendguard.rulebase.calendar import add_working_days

DEFAULT_WORKING_DAYS = 15


@dataclass(frozen=True)
class NoticeView:
    notice: RectificationNotice
    overdue: bool


def _document(inspection: Inspection) -> InspectionDocument:
    return InspectionDocument.model_validate_json(inspection.report)


def issue(
    session: Session, principal: Principal, inspection_id: int, working_days: int = DEFAULT_WORKING_DAYS
) -> RectificationNotice:
    require(principal, Role.regulator)
    if not 1 <= working_days <= 120:
        raise InvalidError("the deadline must be 1 to 120 working days")
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        raise NotFoundError("no such inspection")
    failing: dict[str, Finding] = {}
    for target in _document(inspection).targets:
        for finding in target.failures():
            failing.setdefault(finding.fingerprint, finding)
    if not failing:
        raise ConflictError("the inspection has no failed findings to rectify")
    issued = datetime.now(UTC)
    notice = RectificationNotice(
        platform_id=inspection.platform_id,
        inspection_id=inspection.id,
        issued_at=issued,
        deadline=add_working_days(today(), working_days),
        status="open",
        closed_at=None,
    )
    notice.items = [
        RectificationItem(
            rule=f.rule,
            fingerprint=f.fingerprint,
            title=f.title,
            quote=f.quote,
            status="open",
            answer="",
            answered_at=None,
            checked_by_inspection_id=None,
        )
        for f in sorted(failing.values(), key=lambda f: (f.rule, f.fingerprint))
    ]
    session.add(notice)
    session.flush()
    record(
        session,
        principal.name,
        "rectification.issue",
        f"rectification:{notice.id}",
        inspection=inspection.id,
        items=len(notice.items),
        deadline=notice.deadline.isoformat(),
    )
    return notice


def _get(session: Session, principal: Principal, notice_id: int) -> RectificationNotice:
    require(principal, Role.regulator, Role.platform)
    notice = session.get(RectificationNotice, notice_id)
    if notice is None:
        raise NotFoundError("no such rectification notice")
    visible(principal, notice.platform_id, "rectification notice")
    return notice


def get_notice(session: Session, principal: Principal, notice_id: int, on: date) -> NoticeView:
    notice = _get(session, principal, notice_id)
    return NoticeView(notice, notice.status == "open" and notice.deadline < on)


def answer(session: Session, principal: Principal, notice_id: int, item_id: int, text: str) -> RectificationItem:
    notice = _get(session, principal, notice_id)
    require(principal, Role.platform)
    item = next((i for i in notice.items if i.id == item_id), None)
    if item is None:
        raise NotFoundError("no such item")
    if item.status == "closed":
        raise ConflictError("the item is closed already")
    if not text.strip():
        raise InvalidError("an answer needs text")
    item.answer, item.answered_at, item.status = text.strip()[:4000], datetime.now(UTC), "answered"
    record(session, principal.name, "rectification.answer", f"rectification:{notice.id}", item=item.id)
    return item


def notices(session: Session, principal: Principal, on: date, only_overdue: bool = False) -> list[NoticeView]:
    require(principal, Role.regulator, Role.platform)
    query = select(RectificationNotice).options(selectinload(RectificationNotice.items))
    if principal.role is Role.platform:
        query = query.where(RectificationNotice.platform_id == principal.platform_id)
    views = [
        NoticeView(n, n.status == "open" and n.deadline < on)
        for n in session.scalars(query.order_by(RectificationNotice.deadline))
    ]
    return [v for v in views if v.overdue] if only_overdue else views


def after_inspection(
    session: Session, principal: Principal, inspection: Inspection, document: InspectionDocument
) -> None:
    """Close or reopen the items of the platform's earlier notices from the new inspection's diff.
    An item whose rule the new inspection did not evaluate stays as it is: absence of evidence
    closes nothing."""
    evaluated = {f.rule for t in document.targets for f in t.findings if f.outcome is not Outcome.inconclusive}
    query = select(RectificationNotice).where(
        RectificationNotice.platform_id == inspection.platform_id, RectificationNotice.inspection_id != inspection.id
    )
    for notice in session.scalars(query):
        basis = session.get(Inspection, notice.inspection_id)
        if basis is None or basis.generated_at >= inspection.generated_at:
            continue
        comparison = compare(_document(basis), document)
        failing_now = {f.fingerprint for f in comparison.new + comparison.persisting}
        changed = []
        for item in notice.items:
            if item.fingerprint in failing_now:
                if item.status in ("closed", "answered"):
                    item.status = "reopened"
                    changed.append((item.id, "reopened"))
            elif item.rule in evaluated and item.status != "closed":
                item.status = "closed"
                changed.append((item.id, "closed"))
            else:
                continue
            item.checked_by_inspection_id = inspection.id
        all_closed = all(i.status == "closed" for i in notice.items)
        if all_closed and notice.status == "open":
            notice.status, notice.closed_at = "closed", datetime.now(UTC)
        elif not all_closed and notice.status == "closed":
            notice.status, notice.closed_at = "open", None
        if changed:
            record(
                session,
                principal.name,
                "rectification.recheck",
                f"rectification:{notice.id}",
                inspection=inspection.id,
                changes=[f"{item}:{status}" for item, status in changed],
                status=notice.status,
            )
