"""Certificates: issued on a certifiable inspection; suspended by a failing inspection, a confirmed
breach or an overdue inspection; revoked with a reason. Anyone may look one up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import Certificate, Inspection, Platform
from lendguard.registry.references import reference
from lendguard.registry.schedule import Due, local_date
from lendguard.reports.inspection import InspectionDocument
from lendguard.rulebase import load_rulebase

ACTIVE = ("valid", "suspended")


@dataclass(frozen=True)
class PublicStatus:
    """What the public lookup shows: the stored status, or `expired` once past its date."""

    status: str
    reason: str


def public_status(certificate: Certificate, on: date) -> PublicStatus:
    if certificate.status == "valid" and certificate.valid_until < on:
        return PublicStatus("expired", "")
    return PublicStatus(certificate.status, certificate.status_reason)


def _number(issued: datetime) -> str:
    return reference("LG", issued)


def current(session: Session, platform_id: int) -> Certificate | None:
    query = select(Certificate).where(Certificate.platform_id == platform_id, Certificate.status.in_(ACTIVE))
    return session.scalars(query.order_by(Certificate.issued_at.desc()).limit(1)).first()


def current_for(session: Session, platform_ids: list[int]) -> dict[int, Certificate]:
    """The newest valid or suspended certificate of each listed platform, in one query."""
    query = select(Certificate).where(Certificate.platform_id.in_(platform_ids), Certificate.status.in_(ACTIVE))
    found: dict[int, Certificate] = {}
    for certificate in session.scalars(query.order_by(Certificate.issued_at)):
        found[certificate.platform_id] = certificate
    return found


def _set_status(session: Session, actor: str, certificate: Certificate, status: str, reason: str) -> None:
    before = certificate.status
    certificate.status, certificate.status_reason = status, reason
    certificate.status_changed_at = datetime.now(UTC)
    record(session, actor, f"certificate.{status}", f"certificate:{certificate.number}", before=before, reason=reason)


def after_inspection(
    session: Session, principal: Principal, platform: Platform, inspection: Inspection, document: InspectionDocument
) -> Certificate | None:
    """A certifiable inspection issues a new certificate (superseding the current one); any other
    suspends a valid one. An inspection older than the current certificate's changes nothing."""
    existing = current(session, platform.id)
    if existing is not None:
        basis = session.get(Inspection, existing.inspection_id)
        if basis is not None and basis.generated_at > inspection.generated_at:
            return None
    if not inspection.certifiable:
        if existing is not None and existing.status == "valid":
            _set_status(
                session,
                principal.name,
                existing,
                "suspended",
                f"inspection {inspection.id} graded {inspection.grade}, not certifiable",
            )
        return None
    if existing is not None:
        _set_status(session, principal.name, existing, "superseded", f"replaced after inspection {inspection.id}")
    interval = load_rulebase().grading.inspection_interval_days[inspection.grade]
    issued = datetime.now(UTC)
    certificate = Certificate(
        number=_number(issued),
        platform_id=platform.id,
        inspection_id=inspection.id,
        grade=inspection.grade,
        scope={
            "apps": platform.apps,
            "domains": platform.domains,
            "targets": sorted({f"{t.target.kind}:{t.target.identity}" for t in document.targets}),
            "rulebase": document.tool.rulebase_version,
            "grading": document.grade.scheme_version,
            "coverage": document.grade.coverage,
        },
        issued_at=issued,
        valid_until=local_date(inspection.generated_at) + timedelta(days=interval),
        status="valid",
        status_reason="",
        status_changed_at=issued,
    )
    session.add(certificate)
    session.flush()
    record(
        session,
        principal.name,
        "certificate.issue",
        f"certificate:{certificate.number}",
        platform=platform.id,
        inspection=inspection.id,
        grade=certificate.grade,
    )
    return certificate


def lookup(session: Session, number: str) -> Certificate:
    certificate = session.scalars(select(Certificate).where(Certificate.number == number.strip())).first()
    if certificate is None:
        raise NotFoundError("no such certificate")
    return certificate


def for_platform(session: Session, principal: Principal, platform_id: int) -> list[Certificate]:
    require(principal, Role.regulator, Role.auditor, Role.platform)
    visible(principal, platform_id, "platform")
    query = select(Certificate).where(Certificate.platform_id == platform_id)
    return list(session.scalars(query.order_by(Certificate.issued_at.desc())))


def revoke(session: Session, principal: Principal, number: str, reason: str) -> Certificate:
    require(principal, Role.regulator)
    if not reason.strip():
        raise InvalidError("revocation needs a reason")
    certificate = lookup(session, number)
    if certificate.status in ("revoked", "superseded"):
        raise ConflictError(f"certificate {number} is {certificate.status} already")
    _set_status(session, principal.name, certificate, "revoked", reason.strip())
    return certificate


def suspend(session: Session, actor: str, platform_id: int, reason: str) -> Certificate | None:
    """Suspend the platform's valid certificate, if it has one."""
    certificate = current(session, platform_id)
    if certificate is None or certificate.status != "valid":
        return None
    _set_status(session, actor, certificate, "suspended", reason)
    return certificate


def suspend_overdue(session: Session, dues: list[Due], on: date) -> list[Certificate]:
    """The periodic sweep: a platform whose inspection is overdue loses its valid certificate."""
    suspended = []
    for due in dues:
        if due.overdue(on):
            certificate = suspend(session, "system", due.platform_id, f"inspection overdue since {due.due.isoformat()}")
            if certificate is not None:
                suspended.append(certificate)
    return suspended
