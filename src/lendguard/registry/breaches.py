"""Breach notices (泄露通知): a platform files one; the registry tracks the statutory deadlines and
exports the notices as governance records, so a late one becomes evidence for ORG-BREACH-LATE and
ORG-INCIDENT-4H in the platform's next inspection (`lendguard org` reads the export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.detect import mask_text
from lendguard.registry import certificates
from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import BreachNotice, Platform
from lendguard.registry.references import reference
from lendguard.registry.schedule import ZONE
from lendguard.rulebase import load_rulebase

SERIOUS = ("较大", "重大", "特别重大")
SEVERITIES = ("一般", *SERIOUS)


@dataclass(frozen=True)
class Deadlines:
    report_by: datetime  # to the authority: within 4 hours for a serious incident
    notify_by: datetime  # to the individuals concerned
    late_report: bool
    late_notice: bool  # not notified by the deadline (or notified after it)

    @property
    def late(self) -> bool:
        return self.late_report or self.late_notice


def deadlines(breach: BreachNotice, now: datetime) -> Deadlines:
    rules = load_rulebase().collection.deadlines
    notify_by = breach.discovered_at + timedelta(hours=rules.breach_notice_hours)
    hours = rules.incident_report_hours if breach.severity in SERIOUS else rules.breach_notice_hours
    report_by = breach.discovered_at + timedelta(hours=hours)
    notified = breach.individuals_notified_at
    return Deadlines(
        report_by=report_by,
        notify_by=notify_by,
        late_report=breach.filed_at > report_by,
        late_notice=(notified > notify_by) if notified else now > notify_by,
    )


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise InvalidError(f"{what}: give a time zone (e.g. +08:00)")
    return moment.astimezone(UTC)


def file_breach(
    session: Session,
    principal: Principal,
    platform_id: int,
    discovered_at: datetime,
    severity: str,
    categories: list[str],
    people_affected: int,
    measures: str,
    individuals_notified_at: datetime | None = None,
) -> BreachNotice:
    require(principal, Role.platform, Role.regulator)
    visible(principal, platform_id, "platform")
    if session.get(Platform, platform_id) is None:
        raise NotFoundError("no such platform")
    now = datetime.now(UTC)
    discovered = _aware(discovered_at, "discovered_at")
    if discovered > now:
        raise InvalidError("discovered_at: in the future")
    notified = _aware(individuals_notified_at, "individuals_notified_at") if individuals_notified_at else None
    if notified is not None and not discovered <= notified <= now:
        raise InvalidError("individuals_notified_at: must lie between discovery and now")
    if severity not in SEVERITIES:
        raise InvalidError(f"severity: one of {', '.join(SEVERITIES)}")
    if not 0 <= people_affected <= 2_000_000_000:
        raise InvalidError("people_affected: out of range")
    breach = BreachNotice(
        reference=reference("BN", now.astimezone(ZONE)),
        platform_id=platform_id,
        discovered_at=discovered,
        filed_at=now,
        individuals_notified_at=notified,
        severity=severity,
        categories=sorted({c.strip()[:40] for c in categories if c.strip()})[:30],
        people_affected=people_affected,
        measures=mask_text(measures.strip()[:4000]),
        status="filed",
    )
    session.add(breach)
    session.flush()
    late = deadlines(breach, now)
    record(
        session,
        principal.name,
        "breach.file",
        f"breach:{breach.reference}",
        platform=platform_id,
        late_report=late.late_report,
        late_notice=late.late_notice,
    )
    return breach


def get_breach(session: Session, principal: Principal, reference: str) -> BreachNotice:
    require(principal, Role.regulator, Role.platform)
    breach = session.scalars(select(BreachNotice).where(BreachNotice.reference == reference)).first()
    if breach is None:
        raise NotFoundError("no such breach notice")
    visible(principal, breach.platform_id, "breach notice")
    return breach


def notified(session: Session, principal: Principal, reference: str, at: datetime) -> BreachNotice:
    """The platform reports when it told the individuals concerned."""
    breach = get_breach(session, principal, reference)
    require(principal, Role.platform)
    moment = _aware(at, "individuals_notified_at")
    if not breach.discovered_at <= moment <= datetime.now(UTC):
        raise InvalidError("individuals_notified_at: must lie between discovery and now")
    breach.individuals_notified_at = moment
    record(session, principal.name, "breach.notified", f"breach:{reference}")
    return breach


def decide(session: Session, principal: Principal, reference: str, status: str) -> BreachNotice:
    """A regulator confirms (the platform's certificate is suspended) or dismisses a notice."""
    require(principal, Role.regulator)
    if status not in ("confirmed", "dismissed"):
        raise InvalidError("status: confirmed or dismissed")
    breach = get_breach(session, principal, reference)
    if breach.status != "filed":
        raise ConflictError(f"the notice is {breach.status} already")
    breach.status = status
    record(session, principal.name, f"breach.{status}", f"breach:{reference}")
    if status == "confirmed":
        certificates.suspend(session, principal.name, breach.platform_id, f"confirmed breach {reference}")
    return breach


def breaches(session: Session, principal: Principal, platform_id: int | None = None) -> list[BreachNotice]:
    require(principal, Role.regulator, Role.platform)
    query = select(BreachNotice).order_by(BreachNotice.discovered_at.desc())
    if principal.role is Role.platform:
        query = query.where(BreachNotice.platform_id == principal.platform_id)
    elif platform_id is not None:
        query = query.where(BreachNotice.platform_id == platform_id)
    return list(session.scalars(query))


def governance_entries(session: Session, platform_id: int) -> list[dict[str, Any]]:
    """The platform's breach notices (dismissed ones left out) as governance-record entries, in
    Beijing time: the `breaches` list `lendguard org` reads."""
    query = select(BreachNotice).where(BreachNotice.platform_id == platform_id, BreachNotice.status != "dismissed")
    entries: list[dict[str, Any]] = []
    for breach in session.scalars(query.order_by(BreachNotice.discovered_at)):
        entry: dict[str, Any] = {
            "id": breach.reference,
            "discovered": breach.discovered_at.astimezone(ZONE).isoformat(),
            "severity": breach.severity,
            "reported_to_authority": breach.filed_at.astimezone(ZONE).isoformat(),
        }
        if breach.individuals_notified_at:
            entry["individuals_notified"] = breach.individuals_notified_at.astimezone(ZONE).isoformat()
        entries.append(entry)
    return entries


def governance_yaml(session: Session, principal: Principal, platform_id: int, on: date) -> str:
    """The platform's breach notices as a governance record (the `org` target of an inspection)."""
    require(principal, Role.regulator, Role.auditor)
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFoundError("no such platform")
    header = "# Breach notices filed with the LendGuard registry, as governance records (lendguard org).\n"
    entries = governance_entries(session, platform_id)
    document = {"platform": platform.name, "as_of": on.isoformat(), "breaches": entries}
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
