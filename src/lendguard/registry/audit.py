"""The tamper-evident audit log: every upload, status change, reveal and certificate action is one
entry whose hash covers the previous entry's hash, so editing or deleting any entry breaks the chain.

Entries never carry raw personal information: callers pass identifiers and masked values only.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lendguard.registry.models import AuditEntry

GENESIS = "0" * 64
CHAIN_LOCK = 0x4C47_4155  # "LGAU": the advisory lock key of the audit chain


def _digest(prev_hash: str, at: datetime, actor: str, action: str, subject: str, detail: dict[str, Any]) -> str:
    body: dict[str, Any] = {
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "detail": detail,
    }
    return hashlib.sha256(prev_hash.encode() + bytes(rfc8785.dumps(body))).hexdigest()


def record(session: Session, actor: str, action: str, subject: str, **detail: Any) -> AuditEntry:
    """Append one entry. Appends are serialised (PostgreSQL: a transaction-scoped advisory lock;
    SQLite: every transaction holds the write lock), so no two entries follow the same one."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
    last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    prev_hash = last.hash if last else GENESIS
    at = datetime.now(UTC)
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        prev_hash=prev_hash,
        hash=_digest(prev_hash, at, actor, action, subject, detail),
    )
    session.add(entry)
    session.flush()
    return entry


def verify_chain(session: Session) -> tuple[int, list[str]]:
    """(entries checked, problems): a changed, removed or reordered entry is named by its id."""
    problems: list[str] = []
    prev_hash, count = GENESIS, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)):
        count += 1
        if entry.prev_hash != prev_hash:
            problems.append(f"entry {entry.id}: does not follow the previous entry (an entry was removed or reordered)")
        expected = _digest(entry.prev_hash, entry.at, entry.actor, entry.action, entry.subject, entry.detail)
        if entry.hash != expected:
            problems.append(f"entry {entry.id}: content changed after it was written")
        prev_hash = entry.hash
    return count, problems
