"""Users, roles and API tokens. A token is `lgr_<id>_<secret>`: the id finds the user, the secret is
checked against its argon2 hash. Verified tokens are remembered in memory (by SHA-256) for a short
while so that argon2's deliberate cost is paid once per client, not once per request."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.registry.models import Platform, User

HASHER = PasswordHasher()
CACHE_SECONDS = 300


class Role(StrEnum):
    regulator = "regulator"  # everything
    auditor = "auditor"  # inspections
    platform = "platform"  # only its own records


class UserError(ValueError):
    """The user cannot be created as asked (one line)."""


@dataclass(frozen=True)
class Principal:
    """Who is asking: a user, or the public (name 'public', no role)."""

    name: str
    role: Role | None
    platform_id: int | None = None

    @property
    def is_public(self) -> bool:
        return self.role is None


PUBLIC = Principal("public", None)


def add_user(session: Session, name: str, role: Role, platform: str | None = None) -> tuple[User, str]:
    """Create a user; returns it and its token (shown once, stored only as a hash)."""
    if session.scalars(select(User).where(User.name == name)).first():
        raise UserError(f"user {name!r} exists")
    platform_id = None
    if role is Role.platform:
        if not platform:
            raise UserError("a platform user needs --platform NAME")
        row = session.scalars(select(Platform).where(Platform.name == platform)).first()
        if row is None:
            raise UserError(f"no platform named {platform!r} (add it first: lendguard registry platforms add)")
        platform_id = row.id
    elif platform:
        raise UserError("--platform is only for platform users")
    token_id, secret = secrets.token_hex(8), secrets.token_urlsafe(32)
    user = User(
        name=name,
        role=role.value,
        platform_id=platform_id,
        token_id=token_id,
        token_hash=HASHER.hash(secret),
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    return user, f"lgr_{token_id}_{secret}"


class TokenCache:
    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            hit = self._entries.get(key)
            if hit and hit[0] > time.monotonic():
                return hit[1]
            self._entries.pop(key, None)
        return None

    def put(self, token: str, principal: Principal) -> None:
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + CACHE_SECONDS, principal)


def authenticate(session: Session, token: str, cache: TokenCache) -> Principal | None:
    cached = cache.get(token)
    if cached is not None:
        return cached
    parts = token.split("_", 2)  # the secret may itself contain "_"
    if len(parts) != 3 or parts[0] != "lgr":
        return None
    user = session.scalars(select(User).where(User.token_id == parts[1])).first()
    if user is None:
        return None
    try:
        HASHER.verify(user.token_hash, parts[2])
    except (VerificationError, InvalidHashError):
        return None
    principal = Principal(user.name, Role(user.role), user.platform_id)
    cache.put(token, principal)
    return principal
