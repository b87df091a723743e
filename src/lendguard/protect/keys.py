"""Key files: a ring of keys, each with an id that every ciphertext carries, so keys can rotate.

A key file is JSON: {"version": 1, "active": ID, "keys": [{"id", "created", "material"}]}, the
material 64 random bytes in base64 (AES-SIV-512 takes all 64; HMAC and SM4 keys are derived with
HKDF). Files are written 0600. The ring can also come from the LENDGUARD_KEYS environment variable
holding the same JSON.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_VARIABLE = "LENDGUARD_KEYS"
MATERIAL_BYTES = 64


class KeyFileError(ValueError):
    """The key file is missing, malformed, or lacks a key that data was protected with."""


@dataclass(frozen=True)
class Key:
    id: str
    material: bytes

    def derive(self, purpose: str, length: int) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"lendguard/{purpose}".encode()).derive(
            self.material
        )

    @cached_property
    def hmac_key(self) -> bytes:
        return self.derive("hmac", 32)

    @cached_property
    def sm4_keys(self) -> tuple[bytes, bytes]:
        return self.derive("sm4-enc", 16), self.derive("sm4-mac", 32)


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, Key]
    source: str

    @property
    def current(self) -> Key:
        return self.keys[self.active]

    def get(self, key_id: str) -> Key:
        if key_id not in self.keys:
            raise KeyFileError(f"{self.source}: has no key {key_id}, which protected these values")
        return self.keys[key_id]


def _new_key() -> dict[str, str]:
    return {
        "id": secrets.token_hex(4),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "material": base64.b64encode(secrets.token_bytes(MATERIAL_BYTES)).decode(),
    }


def _write(path: Path, document: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    temporary.replace(path)  # a crash never leaves a half-written key file


def generate_keyring(path: Path, force: bool = False) -> str:
    if path.exists() and not force:
        raise KeyFileError(f"{path}: exists; refusing to overwrite a key file (data protected with it would be lost)")
    if not path.parent.is_dir():
        raise KeyFileError(f"{path}: folder {path.parent} does not exist")
    key = _new_key()
    _write(path, {"version": 1, "active": key["id"], "keys": [key]})
    return key["id"]


def rotate_keyring(path: Path) -> str:
    """Add a new active key; old keys stay so existing ciphertext still decrypts."""
    document = _read(_text(path) if path.exists() else "", str(path))
    key = _new_key()
    document["keys"].append(key)
    document["active"] = key["id"]
    _write(path, document)
    return key["id"]


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise KeyFileError(f"{path}: not a LendGuard key file (generate one with `lendguard keys generate`)") from error


def _read(text: str, source: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
        if (
            document.get("version") != 1
            or not document["keys"]
            or document["active"] not in {k["id"] for k in document["keys"]}
        ):
            raise ValueError
        for key in document["keys"]:
            if len(base64.b64decode(key["material"], validate=True)) != MATERIAL_BYTES:
                raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise KeyFileError(
            f"{source}: not a LendGuard key file (generate one with `lendguard keys generate`)"
        ) from error
    return dict(document)


def load_keyring(path: Path | None, variable: str = ENV_VARIABLE) -> KeyRing:
    """The ring from `path`, or from the environment variable (default $LENDGUARD_KEYS) when no path is given."""
    if path is None:
        text = os.environ.get(variable)
        if not text:
            raise KeyFileError(f"no key: pass --key-file or set {variable}")
        source = f"${variable}"
    else:
        if not path.is_file():
            raise KeyFileError(f"{path}: no such key file")
        text, source = _text(path), str(path)
    document = _read(text, source)
    keys = {k["id"]: Key(k["id"], base64.b64decode(k["material"])) for k in document["keys"]}
    return KeyRing(active=str(document["active"]), keys=keys, source=source)
