"""Registry fixtures: a fresh database per test (SQLite file; PostgreSQL in a fresh schema, marked
integration), the app behind Starlette's test client, users of every role, and two platforms."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from lendguard.protect import load_keyring
from lendguard.protect.keys import generate_keyring
from lendguard.registry.app import create_app
from lendguard.registry.auth import Principal, Role, add_user
from lendguard.registry.config import Settings
from lendguard.registry.db import make_engine, session_factory, transaction, upgrade
from lendguard.registry.platforms import add_platform
from lendguard.registry.signers import add_signer
from lendguard.reports.inspection import generate_signing_key
from tests.fixtures.registry_reports import auditor_public_key

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PLATFORM_A = "快借钱包（示例）网络小额贷款有限公司"
PLATFORM_B = "安心借（示例）小额贷款有限公司"
USCC_A = "91110000802100433B"
USCC_B = "91310000MA1FL5LX3K"


def postgres_engine() -> Iterator[Engine]:
    """A schema of its own on the shared server, dropped afterwards."""
    schema = f"lg_test_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES)
    try:
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as error:  # noqa: BLE001 - the reason is the test's failure message
        pytest.fail(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error}")
    engine = make_engine(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry's key file; its signing key (for the worker's reports) lies beside it."""
    path = tmp_path_factory.mktemp("keys") / "registry.key"
    generate_keyring(path)
    generate_signing_key(signing_key_of(path))
    return path


def signing_key_of(key_file: Path) -> Path:
    return key_file.with_name("registry-signing.pem")


@dataclass
class World:
    client: TestClient
    engine: Engine
    tokens: dict[str, str]
    platforms: dict[str, int]
    settings: Settings

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who != "public" else {}


def seed(engine: Engine) -> tuple[dict[str, str], dict[str, int]]:
    """Two platforms, a user of every role and the test auditor as a trusted signer; returns
    (tokens, platform ids)."""
    cli = Principal("cli", Role.regulator)
    with transaction(session_factory(engine)) as session:
        a = add_platform(session, cli, PLATFORM_A, USCC_A, ["com.kuaijie.loan"], ["kuaijie-loan.example.cn"])
        b = add_platform(session, cli, PLATFORM_B, USCC_B, ["com.anxin.jie"], ["anxin.example.cn"])
        add_signer(session, cli, "test auditor", auditor_public_key())
        tokens = {
            "regulator": add_user(session, "reg", Role.regulator)[1],
            "auditor": add_user(session, "aud", Role.auditor)[1],
            "platform_a": add_user(session, "pa", Role.platform, PLATFORM_A)[1],
            "platform_b": add_user(session, "pb", Role.platform, PLATFORM_B)[1],
        }
        return tokens, {"a": a.id, "b": b.id}


@dataclass(frozen=True)
class Template:
    path: Path
    tokens: dict[str, str]
    platforms: dict[str, int]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    """A migrated, seeded SQLite database, built once; each test works on a copy (argon2 and
    migrations are deliberately slow, and paid once)."""
    path = tmp_path_factory.mktemp("template") / "registry.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    tokens, platforms = seed(engine)
    engine.dispose()
    with sqlite3.connect(path) as raw:  # everything into the main file, so that a copy is complete
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Template(path, tokens, platforms)


def open_world(
    engine: Engine,
    key_file: Path,
    tokens: dict[str, str],
    platforms: dict[str, int],
    rate: int = 10_000,
    worker: bool = True,
) -> Iterator[World]:
    settings = Settings(
        database_url=str(engine.url),
        keyring=load_keyring(key_file),
        public_rate_per_minute=rate,
        signing_key=signing_key_of(key_file),
    )
    app = create_app(settings, engine=engine, worker=worker)
    with TestClient(app) as client:
        yield World(client, engine, tokens, platforms, settings)
    engine.dispose()


def sqlite_world(
    template: Template, folder: Path, key_file: Path, rate: int = 10_000, worker: bool = True
) -> Iterator[World]:
    path = folder / "registry.db"
    shutil.copyfile(template.path, path)
    engine = make_engine(f"sqlite:///{path}")
    yield from open_world(engine, key_file, template.tokens, template.platforms, rate, worker)


@pytest.fixture
def world(sqlite_template: Template, tmp_path: Path, key_file: Path) -> Iterator[World]:
    yield from sqlite_world(sqlite_template, tmp_path, key_file)


# the tables a test fills; the seed's rows (below their recorded id) stay, everything after goes
SEEDED = ("users", "trusted_signers", "platforms", "audit_log")
ACTIVITY = (
    "audit_jobs",
    "rectification_items",
    "rectification_notices",
    "certificates",
    "inspections",
    "complaints",
    "breach_notices",
)


@dataclass(frozen=True)
class PostgresTemplate:
    engine: Engine
    tokens: dict[str, str]
    platforms: dict[str, int]
    seeded: dict[str, int]  # table -> the last id the seed wrote

    def reset(self) -> None:
        """Back to the seed: the test's rows removed (the audit chain loses only its tail)."""
        with self.engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(ACTIVITY)} CASCADE"))
            for table in reversed(SEEDED):
                connection.execute(text(f"DELETE FROM {table} WHERE id > :last"), {"last": self.seeded[table]})


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    """One migrated, seeded schema on the shared server for the whole run (per xdist worker),
    reset between tests: migrating and hashing tokens once keeps the PostgreSQL half quick."""
    for engine in postgres_engine():
        upgrade(engine)
        tokens, platforms = seed(engine)
        with engine.connect() as connection:
            seeded = {
                table: int(connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one())
                for table in SEEDED
            }
        yield PostgresTemplate(engine, tokens, platforms, seeded)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def any_world(
    request: pytest.FixtureRequest, sqlite_template: Template, tmp_path: Path, key_file: Path
) -> Iterator[World]:
    """The same test on SQLite (a copy of the seeded file) and on PostgreSQL (the seeded schema, reset)."""
    if request.param == "sqlite":
        yield from sqlite_world(sqlite_template, tmp_path, key_file)
        return
    template: PostgresTemplate = request.getfixturevalue("postgres_template")
    template.reset()
    try:
        yield from open_world(template.engine, key_file, template.tokens, template.platforms)
    finally:
        template.reset()
