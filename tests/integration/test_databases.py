"""The same generated lending platform on SQLite, PostgreSQL and MariaDB scans the same way, and
scanning never writes: the servers at 127.0.0.1:5432 / :3306 are the ones CI provides."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lendguard.engine import audit_datastore
from lendguard.evidence import DataStoreEvidence
from lendguard.findings import Outcome
from lendguard.probes import ProbeError
from lendguard.probes.datastore import ScanOptions, probe_datastore
from lendguard.rulebase import RuleBase
from tests.fixtures import lending_data

SERVERS = {
    "postgresql": (
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        "postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
    ),
    "mariadb": ("mysql+pymysql://root@127.0.0.1:3306/", "mysql+pymysql://root@127.0.0.1:3306/{db}?charset=utf8mb4"),
}


def _profiles(evidence: DataStoreEvidence) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(t.name, c.name): (c.classification, c.detail) for t in evidence.tables for c in t.columns}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server_url(request: pytest.FixtureRequest) -> Iterator[str]:
    admin_url, url_template = SERVERS[request.param]
    database = f"lendguard_test_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {database}"))
        if request.param == "mariadb":
            connection.execute(text(f"CREATE DATABASE {database} CHARACTER SET utf8mb4"))
        else:
            connection.execute(text(f"CREATE DATABASE {database}"))
    url = url_template.format(db=database)
    lending_data.write_database(url, lending_data.lending_tables())
    yield url
    force = " WITH (FORCE)" if request.param == "postgresql" else ""  # sessions a failed test left open
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {database}{force}"))
    admin.dispose()


def _checksum(url: str) -> str:
    engine = create_engine(url)
    digest = hashlib.sha256()
    with engine.connect() as connection:
        for table in ("borrowers", "address_book", "bank_cards"):
            for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                digest.update(repr(tuple(row)).encode())
    engine.dispose()
    return digest.hexdigest()


def test_server_scan_matches_sqlite(server_url: str, datastores: dict[str, str], rulebase: RuleBase) -> None:
    on_server = probe_datastore(server_url)
    on_sqlite = probe_datastore(datastores["lending_db"])
    assert _profiles(on_server) == _profiles(on_sqlite)
    failing = {f.rule for f in audit_datastore(server_url, rulebase).findings if f.outcome is Outcome.fail}
    assert failing == {
        "DATA-PLAINTEXT-ID",
        "DATA-PLAINTEXT-BANKCARD",
        "DATA-PLAINTEXT-PHONE",
        "DATA-PLAINTEXT-OTHER",
        "DATA-WEAK-PSEUDONYM",
        "DATA-CONTACTS-STORED",
        "DATA-C3-STORED",
    }


def test_full_scan_reads_every_row_and_writes_nothing(server_url: str) -> None:
    before = _checksum(server_url)
    evidence = probe_datastore(server_url, ScanOptions(full=True, tables=("address_book",)))
    assert [t.name for t in evidence.tables] == ["address_book"]
    assert evidence.tables[0].rows_scanned == 120 * 8 and evidence.tables[0].full_scan
    assert _checksum(server_url) == before


def test_sqlite_scan_leaves_the_file_untouched(datastores: dict[str, str]) -> None:
    path = Path(datastores["lending_db"].removeprefix("sqlite:///"))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    probe_datastore(datastores["lending_db"], ScanOptions(full=True))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    target = tmp_path / "nope.db"
    with pytest.raises(ProbeError, match="no such SQLite database file"):
        probe_datastore(f"sqlite:///{target}")
    assert not target.exists()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://postgres@127.0.0.1:1/postgres", "Connection refused"),
        ("mysql+pymysql://root:wrong-password@127.0.0.1:3306/test", "Access denied"),
        ("postgresql://postgres@127.0.0.1:5432/no_such_database_here", "does not exist"),
        ("nosuchdb://x/y", "not a usable database URL"),
    ],
)
def test_unusable_databases_give_one_line(url: str, problem: str) -> None:
    with pytest.raises(ProbeError) as raised:
        probe_datastore(url)
    message = str(raised.value)
    assert problem in message and "\n" not in message
    assert "wrong-password" not in message


def test_missing_table_is_named(datastores: dict[str, str]) -> None:
    with pytest.raises(ProbeError, match="no table named ghosts"):
        probe_datastore(datastores["lending_db"], ScanOptions(tables=("ghosts",)))


def test_protect_round_trip_on_the_server(server_url: str, tmp_path: Path) -> None:
    from lendguard.protect import generate_keyring, load_keyring, protect_target, unprotect_target

    generate_keyring(tmp_path / "k.json")
    ring = load_keyring(tmp_path / "k.json")
    before = _checksum(server_url)
    reports = protect_target(server_url, ring, tables=("borrowers", "address_book"), batch=50)
    assert reports and all(r.verified for r in reports)
    assert _checksum(server_url) != before
    assert all(r.verified for r in unprotect_target(server_url, ring, tables=("borrowers", "address_book")))
    assert _checksum(server_url) == before


def test_narrow_columns_are_reported_before_anything_is_written(server_url: str, tmp_path: Path) -> None:
    from lendguard.protect import ProtectError, generate_keyring, load_keyring, protect_target

    engine = create_engine(server_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS narrow"))
        connection.execute(text("CREATE TABLE narrow (id INTEGER PRIMARY KEY, id_no VARCHAR(18), mobile BIGINT)"))
        connection.execute(text("INSERT INTO narrow VALUES (1, '11010519491231002X', 13812345678)"))
    generate_keyring(tmp_path / "k.json")
    with pytest.raises(ProtectError) as raised:
        protect_target(server_url, load_keyring(tmp_path / "k.json"), tables=("narrow",))
    assert "nothing was written" in str(raised.value)
    details = "\n".join(raised.value.details)
    assert "narrow.id_no is VARCHAR(18)" in details and "VARCHAR(" in details
    assert "narrow.mobile is BIGINT" in details
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id_no FROM narrow")).scalar() == "11010519491231002X"
    engine.dispose()
