"""The registry's tables (SQLAlchemy 2). Complainant PI is stored only as protect-operator tokens."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps no zone: naive values read back as UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the registry stores aware UTC times only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        date: Date,
        dict[str, Any]: JSON,
        list[str]: JSON,
    }


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))  # regulator | auditor | platform
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platforms.id"))
    token_id: Mapped[str] = mapped_column(String(32), unique=True)  # public half of the token, for lookup
    token_hash: Mapped[str] = mapped_column(String(200))  # argon2 of the secret half
    created_at: Mapped[datetime]


class Platform(Base):
    __tablename__ = "platforms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    apps: Mapped[list[str]] = mapped_column(default=list)
    domains: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime]

    inspections: Mapped[list[Inspection]] = relationship(back_populates="platform", order_by="Inspection.generated_at")


class Inspection(Base):
    __tablename__ = "inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime]
    generated_at: Mapped[datetime]
    grade: Mapped[str] = mapped_column(String(4))
    score: Mapped[float] = mapped_column(Float)
    certifiable: Mapped[bool] = mapped_column(Boolean)
    coverage: Mapped[float] = mapped_column(Float)
    failed_rules: Mapped[list[str]] = mapped_column(default=list)
    signer: Mapped[str] = mapped_column(String(64))  # base64 Ed25519 public key
    report_sha256: Mapped[str] = mapped_column(String(64))
    report: Mapped[str] = mapped_column(Text, deferred=True)  # the signed JSON as uploaded; read on demand

    platform: Mapped[Platform] = relationship(back_populates="inspections")


class Certificate(Base):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    grade: Mapped[str] = mapped_column(String(4))
    scope: Mapped[dict[str, Any]]
    issued_at: Mapped[datetime]
    valid_until: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))  # valid | suspended | revoked | superseded
    status_reason: Mapped[str] = mapped_column(Text, default="")
    status_changed_at: Mapped[datetime]

    platform: Mapped[Platform] = relationship()


class AuditEntry(Base):
    """One link of the hash chain: hash = SHA-256(previous hash + canonical JSON of this entry)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class Complaint(Base):
    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    received_at: Mapped[datetime]
    category: Mapped[str | None] = mapped_column(String(40))
    rules: Mapped[list[str]] = mapped_column(default=list)
    text_masked: Mapped[str] = mapped_column(Text)  # what pages and the API show
    text_token: Mapped[str] = mapped_column(Text)  # the text as written, AES-SIV
    phone_token: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(20))
    id_number_token: Mapped[str] = mapped_column(Text)
    id_number_masked: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # received | triaged | forwarded | answered | closed | rejected
    deadline: Mapped[date]
    triage_note: Mapped[str] = mapped_column(Text, default="")
    forwarded_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    response: Mapped[str] = mapped_column(Text, default="")

    platform: Mapped[Platform] = relationship()


class RectificationNotice(Base):
    __tablename__ = "rectification_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("inspections.id"))
    issued_at: Mapped[datetime]
    deadline: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))  # open | closed
    closed_at: Mapped[datetime | None]

    platform: Mapped[Platform] = relationship()
    items: Mapped[list[RectificationItem]] = relationship(back_populates="notice", order_by="RectificationItem.id")


class RectificationItem(Base):
    __tablename__ = "rectification_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("rectification_notices.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)  # masked in the report already
    status: Mapped[str] = mapped_column(String(20))  # open | answered | closed | reopened
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    checked_by_inspection_id: Mapped[int | None] = mapped_column(Integer)

    notice: Mapped[RectificationNotice] = relationship(back_populates="items")


class BreachNotice(Base):
    __tablename__ = "breach_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    discovered_at: Mapped[datetime]
    filed_at: Mapped[datetime]  # reported to the regulator: this filing
    individuals_notified_at: Mapped[datetime | None]
    severity: Mapped[str] = mapped_column(String(20))
    categories: Mapped[list[str]] = mapped_column(default=list)
    people_affected: Mapped[int] = mapped_column(Integer)
    measures: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))  # filed | confirmed | dismissed

    platform: Mapped[Platform] = relationship()


class TrustedSigner(Base):
    """A key the regulator accepts signed reports from (an auditor's, or this registry's own)."""

    __tablename__ = "trusted_signers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)  # base64 of the raw Ed25519 key
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime]


class AuditJob(Base):
    """An uploaded inspection bundle waiting for, or audited by, the background worker."""

    __tablename__ = "audit_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platforms.id"), index=True)
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime]
    lang: Mapped[str] = mapped_column(String(4))
    bundle_name: Mapped[str] = mapped_column(String(200))
    bundle_sha256: Mapped[str] = mapped_column(String(64))
    bundle: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # the archive as uploaded
    # the files as audited, when the worker added the registry's records to them (else the bundle)
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    status: Mapped[str] = mapped_column(String(20), index=True)  # queued | running | done | failed
    reason: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("inspections.id"))


def row_id(written: str) -> int | None:
    """The row id `written` names, where it is one: ASCII digits that fit an id (not ² or ٣, which
    `str.isdigit` also accepts and `int` refuses or reads as another number)."""
    return int(written) if written.isascii() and written.isdigit() and len(written) < 10 else None
