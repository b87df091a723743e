"""Platforms: name, unified social credit code (checked with python-stdnum), apps and domains."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError

from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require, visible
from lendguard.registry.models import Platform, row_id

PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+")
DOMAIN = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def validate_uscc(code: str) -> str:
    try:
        return str(uscc.validate(code.strip().upper()))
    except StdnumError as error:
        raise InvalidError(f"{code!r} is not a valid unified social credit code ({error})") from error


def _clean(values: list[str], pattern: re.Pattern[str], what: str) -> list[str]:
    cleaned = sorted({v.strip() for v in values if v.strip()})
    for value in cleaned:
        if not pattern.fullmatch(value):
            raise InvalidError(f"{value!r} is not a valid {what}")
    return cleaned


def add_platform(
    session: Session, principal: Principal, name: str, code: str, apps: list[str], domains: list[str]
) -> Platform:
    require(principal, Role.regulator)
    name = name.strip()
    if not name:
        raise InvalidError("a platform needs a name")
    code = validate_uscc(code)
    if session.scalars(select(Platform).where((Platform.name == name) | (Platform.uscc == code))).first():
        raise ConflictError(f"a platform named {name!r} or with code {code} exists")
    platform = Platform(
        name=name,
        uscc=code,
        apps=_clean(apps, PACKAGE, "package name"),
        domains=_clean([d.lower() for d in domains], DOMAIN, "domain"),
        created_at=datetime.now(UTC),
    )
    session.add(platform)
    session.flush()
    record(session, principal.name, "platform.add", f"platform:{platform.id}", name=name, uscc=code)
    return platform


def get_platform(session: Session, principal: Principal, platform_id: int) -> Platform:
    require(principal, Role.regulator, Role.auditor, Role.platform)
    visible(principal, platform_id, "platform")
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise NotFoundError("no such platform")
    return platform


def find_platform(session: Session, name_or_id: str) -> Platform:
    """The platform a complaint names, by id or exact name (public: reveals nothing else)."""
    number = row_id(name_or_id)
    platform = session.get(Platform, number) if number is not None else None
    platform = platform or session.scalars(select(Platform).where(Platform.name == name_or_id.strip())).first()
    if platform is None:
        raise InvalidError(f"no registered platform {name_or_id!r}")
    return platform


def list_platforms(session: Session, principal: Principal) -> list[Platform]:
    require(principal, Role.regulator, Role.auditor, Role.platform)
    query = select(Platform).order_by(Platform.name)
    if principal.role is Role.platform:
        query = query.where(Platform.id == principal.platform_id)
    return list(session.scalars(query))


def public_names(session: Session) -> list[str]:
    """Registered platform names, for the public complaint form's list."""
    return list(session.scalars(select(Platform.name).order_by(Platform.name)))
