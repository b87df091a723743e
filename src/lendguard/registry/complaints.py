"""Complaints (投诉举报): filed by anyone, triaged and forwarded by the regulator, answered by the
platform within 15 working days. The complainant's phone, ID number and own words are stored only
as AES-SIV tokens (lendguard.protect); pages and the API show masked copies, and a regulator's
reveal is written to the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.detect import mask_text, mask_value
from lendguard.detect.validators import mobile, resident_id
from lendguard.protect import OPERATORS, KeyRing
from lendguard.protect.operators import restore
from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import Complaint, Platform
from lendguard.registry.references import reference
from lendguard.registry.schedule import local_date
from lendguard.rulebase import Language, load_rulebase
from lendguard.rulebase.calendar import add_working_days

SIV = OPERATORS["siv"]
MAX_TEXT = 5000
# who may move a complaint from one status to the next
TRANSITIONS: dict[str, dict[str, Role]] = {
    "received": {"triaged": Role.regulator, "rejected": Role.regulator},
    "triaged": {"forwarded": Role.regulator, "rejected": Role.regulator},
    "forwarded": {"answered": Role.platform},
    "answered": {"closed": Role.regulator, "forwarded": Role.regulator},
}
OPEN = ("received", "triaged", "forwarded")


@dataclass(frozen=True)
class Category:
    key: str
    zh: str
    en: str
    rules: tuple[str, ...]

    def title(self, lang: Language) -> str:
        return self.en if lang == "en" else self.zh


@cache
def categories() -> dict[str, Category]:
    raw: dict[str, Any] = yaml.safe_load(
        files("lendguard.registry").joinpath("data/complaint_categories.yaml").read_text(encoding="utf-8")
    )
    return {
        key: Category(key, value["title"]["zh"], value["title"]["en"], tuple(value["rules"]))
        for key, value in raw.items()
    }


def _reference(received: datetime) -> str:
    return reference("TS", local_date(received))


def _phone(value: str) -> str:
    digits = re.sub(r"[\s\-]", "", value)
    digits = digits.removeprefix("+86")
    if not mobile(digits):
        raise InvalidError("phone: not a mainland mobile number")
    return digits


def _id_number(value: str) -> str:
    number = re.sub(r"\s", "", value).upper()
    if number and not resident_id(number):
        raise InvalidError("id_number: not a resident ID number (check digit or date wrong)")
    return number


def file_complaint(
    session: Session,
    ring: KeyRing,
    platform: Platform,
    text: str,
    phone: str,
    id_number: str = "",
    category: str | None = None,
) -> Complaint:
    """A public complaint (no login). The raw values are validated, then only tokens are kept."""
    text = text.strip()
    if not 5 <= len(text) <= MAX_TEXT:
        raise InvalidError(f"text: describe what happened in 5 to {MAX_TEXT} characters")
    if category is not None and category not in categories():
        raise InvalidError(f"category: one of {', '.join(categories())}")
    phone, id_number = _phone(phone), _id_number(id_number)
    received = datetime.now(UTC)
    days = load_rulebase().collection.deadlines.complaints_working_days
    complaint = Complaint(
        reference=_reference(received),
        platform_id=platform.id,
        received_at=received,
        category=category,
        rules=list(categories()[category].rules) if category else [],
        text_masked=mask_text(text),
        text_token=SIV.protect(text, ring),
        phone_token=SIV.protect(phone, ring),
        phone_masked=mask_value("CN_MOBILE", phone),
        id_number_token=SIV.protect(id_number, ring) if id_number else "",
        id_number_masked=mask_value("CN_RESIDENT_ID", id_number) if id_number else "",
        status="received",
        deadline=add_working_days(local_date(received), days),
        triage_note="",
        forwarded_at=None,
        answered_at=None,
        response="",
    )
    session.add(complaint)
    session.flush()
    record(session, "public", "complaint.file", f"complaint:{complaint.reference}", platform=platform.id)
    return complaint


def get_complaint(session: Session, principal: Principal, reference: str) -> Complaint:
    require(principal, Role.regulator, Role.platform)
    complaint = session.scalars(select(Complaint).where(Complaint.reference == reference)).first()
    if complaint is None:
        raise NotFoundError("no such complaint")
    visible(principal, complaint.platform_id, "complaint")
    if principal.role is Role.platform and complaint.forwarded_at is None:
        raise NotFoundError("no such complaint")  # a platform sees a complaint once it was forwarded to it
    return complaint


def queue(
    session: Session, principal: Principal, on: date, status: str | None = None, only_overdue: bool = False
) -> list[Complaint]:
    require(principal, Role.regulator, Role.platform)
    query = select(Complaint).order_by(Complaint.deadline, Complaint.id)
    if principal.role is Role.platform:
        query = query.where(Complaint.platform_id == principal.platform_id, Complaint.forwarded_at.is_not(None))
    if status:
        query = query.where(Complaint.status == status)
    rows = list(session.scalars(query))
    return [c for c in rows if is_overdue(c, on)] if only_overdue else rows


def is_overdue(complaint: Complaint, on: date) -> bool:
    return complaint.status in OPEN and complaint.deadline < on


def move(
    session: Session,
    principal: Principal,
    reference: str,
    status: str,
    note: str = "",
    category: str | None = None,
) -> Complaint:
    complaint = get_complaint(session, principal, reference)
    allowed = TRANSITIONS.get(complaint.status, {})
    if status not in allowed:
        raise ConflictError(f"a {complaint.status} complaint cannot become {status}")
    require(principal, allowed[status])
    now = datetime.now(UTC)
    if category is not None:
        if category not in categories():
            raise InvalidError(f"category: one of {', '.join(categories())}")
        complaint.category, complaint.rules = category, list(categories()[category].rules)
    note = mask_text(note.strip()[:4000])
    if status == "triaged" or status == "rejected":
        complaint.triage_note = note
    elif status == "forwarded":
        complaint.forwarded_at = now
    elif status == "answered":
        if not note:
            raise InvalidError("an answer needs text")
        complaint.response, complaint.answered_at = note, now
    complaint.status = status
    record(
        session,
        principal.name,
        f"complaint.{status}",
        f"complaint:{complaint.reference}",
        category=complaint.category,
    )
    return complaint


@dataclass(frozen=True)
class Revealed:
    text: str
    phone: str
    id_number: str


def reveal(session: Session, principal: Principal, ring: KeyRing, reference: str, reason: str) -> Revealed:
    """The complainant's values in clear, for a regulator, with the reason logged (values never are)."""
    require(principal, Role.regulator)
    if len(reason.strip()) < 4:
        raise InvalidError("a reveal needs a reason")
    complaint = get_complaint(session, principal, reference)
    record(session, principal.name, "complaint.reveal", f"complaint:{reference}", reason=mask_text(reason.strip()))
    return Revealed(
        text=restore(complaint.text_token, ring),
        phone=restore(complaint.phone_token, ring),
        id_number=restore(complaint.id_number_token, ring) if complaint.id_number_token else "",
    )
