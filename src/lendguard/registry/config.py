"""Where the registry keeps its data and keys: the environment, with local-friendly defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lendguard.protect import KeyRing, generate_keyring, load_keyring
from lendguard.reports.inspection import generate_signing_key

DATABASE_VARIABLE = "LENDGUARD_DATABASE_URL"
KEY_VARIABLE = "LENDGUARD_REGISTRY_KEY"  # the key file's JSON itself
KEY_FILE_VARIABLE = "LENDGUARD_REGISTRY_KEY_FILE"
DEFAULT_DATABASE = "sqlite:///lendguard-registry.db"
DEFAULT_KEY_FILE = Path("lendguard-registry.key")
SIGNING_KEY_VARIABLE = "LENDGUARD_REGISTRY_SIGNING_KEY"  # the Ed25519 key the worker signs reports with
DEFAULT_SIGNING_KEY = Path("lendguard-registry-signing.pem")


def normalise_url(url: str) -> str:
    """PostgreSQL through psycopg 3 (the driver LendGuard ships), whichever spelling is given."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    keyring: KeyRing
    public_rate_per_minute: int = 30
    secure_cookies: bool = False  # set behind TLS termination (LENDGUARD_SECURE_COOKIES=1)
    signing_key: Path | None = None  # without one, uploaded bundles are refused (no worker can sign)


def keyring_from_env(create: bool = True) -> KeyRing:
    """$LENDGUARD_REGISTRY_KEY, else the file $LENDGUARD_REGISTRY_KEY_FILE, else ./lendguard-registry.key
    (created on first local run; keep it: the complainants' data cannot be read without it)."""
    if os.environ.get(KEY_VARIABLE):
        return load_keyring(None, KEY_VARIABLE)
    path = Path(os.environ.get(KEY_FILE_VARIABLE) or DEFAULT_KEY_FILE)
    if create and not path.exists() and KEY_FILE_VARIABLE not in os.environ:
        generate_keyring(path)
    return load_keyring(path)


def signing_key_from_env(create: bool = True) -> Path:
    """$LENDGUARD_REGISTRY_SIGNING_KEY, else ./lendguard-registry-signing.pem (created on first local
    run, with its .pub beside it: publish that, it is what verifies the worker's reports)."""
    path = Path(os.environ.get(SIGNING_KEY_VARIABLE) or DEFAULT_SIGNING_KEY)
    if create and not path.exists() and SIGNING_KEY_VARIABLE not in os.environ:
        generate_signing_key(path)
    return path


def settings_from_env() -> Settings:
    return Settings(
        database_url=normalise_url(os.environ.get(DATABASE_VARIABLE) or DEFAULT_DATABASE),
        keyring=keyring_from_env(),
        public_rate_per_minute=int(os.environ.get("LENDGUARD_PUBLIC_RATE", "30")),
        secure_cookies=os.environ.get("LENDGUARD_SECURE_COOKIES") == "1",
        signing_key=signing_key_from_env(),
    )
