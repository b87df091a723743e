"""Trusted signers: the registry accepts a signed report only from a key a regulator registered
(an auditor's Ed25519 public key), or from its own key (the reports its background worker signs)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from lendguard.registry.audit import record
from lendguard.registry.auth import Principal, Role
from lendguard.registry.errors import ConflictError, InvalidError, NotFoundError, require
from lendguard.registry.models import TrustedSigner, row_id
from lendguard.reports.inspection import SignatureError

OWN_NAME = "this registry"


def raw_public_key(text: str) -> str:
    """A public key given as PEM (the signer's FILE.pub) or as base64 of the raw 32 bytes (as a
    report's signature names it), normalised to the base64 form; InvalidError otherwise."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (ValueError, TypeError, UnsupportedAlgorithm) as error:
            raise InvalidError("public_key: not a PEM public key") from error
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidError("public_key: not an Ed25519 key (reports are signed with Ed25519)")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidError("public_key: neither PEM nor base64") from error
        if len(raw) != 32:
            raise InvalidError("public_key: an Ed25519 public key is 32 bytes")
    return base64.b64encode(raw).decode()


def public_key_of(private_pem: bytes) -> str:
    """The base64 raw public key of a PEM private signing key."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    public = key.public_key()
    if not isinstance(public, Ed25519PublicKey):
        raise ValueError("not an Ed25519 private key")
    return base64.b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def signing_public_key(path: Path) -> str:
    """The public half of the registry's signing key file; SignatureError (one line) otherwise."""
    try:
        return public_key_of(path.read_bytes())
    except (OSError, ValueError, TypeError) as error:
        raise SignatureError(f"{path}: not an Ed25519 private signing key") from error


def add_signer(session: Session, principal: Principal, name: str, public_key: str) -> TrustedSigner:
    require(principal, Role.regulator)
    name = name.strip()
    if not name:
        raise InvalidError("a signer needs a name")
    key = raw_public_key(public_key)
    clash = session.scalars(
        select(TrustedSigner).where((TrustedSigner.name == name) | (TrustedSigner.public_key == key))
    ).first()
    if clash is not None:
        raise ConflictError(f"signer {clash.name!r} holds this name or key already")
    signer = TrustedSigner(name=name, public_key=key, added_by=principal.name, added_at=datetime.now(UTC))
    session.add(signer)
    session.flush()
    record(session, principal.name, "signer.add", f"signer:{signer.id}", name=name, public_key=key)
    return signer


def find_signer(session: Session, name_or_id: str) -> TrustedSigner:
    number = row_id(name_or_id)
    signer = session.get(TrustedSigner, number) if number is not None else None
    signer = signer or session.scalars(select(TrustedSigner).where(TrustedSigner.name == name_or_id.strip())).first()
    if signer is None:
        raise NotFoundError(f"no trusted signer {name_or_id!r}")
    return signer


def remove_signer(session: Session, principal: Principal, name_or_id: str, own: str | None) -> TrustedSigner:
    """Reports already accepted stay; new uploads signed with the key are refused from now on.
    `own`: the registry's current signing key, which stays trusted (its worker signs with it)."""
    require(principal, Role.regulator)
    signer = find_signer(session, name_or_id)
    if own is not None and signer.public_key == own:
        raise ConflictError(f"{signer.name!r} is this registry's own signing key: replace the key file to retire it")
    session.delete(signer)
    session.flush()
    record(
        session, principal.name, "signer.remove", f"signer:{signer.id}", name=signer.name, public_key=signer.public_key
    )
    return signer


def list_signers(session: Session, principal: Principal) -> list[TrustedSigner]:
    require(principal, Role.regulator, Role.auditor)
    return list(session.scalars(select(TrustedSigner).order_by(TrustedSigner.name)))


def ensure_own(session: Session, public_key: str) -> None:
    """Register the registry's own signing key (idempotent): the worker's reports are trusted."""
    if session.scalars(select(TrustedSigner).where(TrustedSigner.public_key == public_key)).first() is not None:
        return
    name = OWN_NAME
    if session.scalars(select(TrustedSigner).where(TrustedSigner.name == name)).first() is not None:
        name = f"{OWN_NAME} ({public_key[:8]})"  # the key was rotated: the old one stays trusted until removed
    session.add(TrustedSigner(name=name, public_key=public_key, added_by="system", added_at=datetime.now(UTC)))
    session.flush()
    record(session, "system", "signer.add", f"signer:{name}", name=name, public_key=public_key)


def name_of(session: Session, public_key: str) -> str | None:
    """The registered name of a signer's key, or None when it is not (or no longer) trusted."""
    return session.scalars(select(TrustedSigner.name).where(TrustedSigner.public_key == public_key)).first()


def refusal(session: Session, public_key: str) -> str | None:
    """Why a report signed with `public_key` is not accepted, or None when its signer is trusted."""
    if session.scalars(select(TrustedSigner.id).where(TrustedSigner.public_key == public_key)).first() is not None:
        return None
    return (
        f"report refused: signed by {public_key}, a key the regulator has not registered "
        "(a regulator adds it with `lendguard registry signers add NAME FILE.pub`)"
    )
