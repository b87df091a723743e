"""`scan --engine spark` over JDBC on the PostgreSQL and MariaDB servers CI provides (127.0.0.1:5432 /
:3306) gives the table profiles and findings the local engine gives reading the same database."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from lendguard.evidence import DataStoreEvidence
from lendguard.probes.datastore import ScanOptions, probe_datastore
from lendguard.rulebase import RuleBase
from lendguard.spark.scan import probe_spark
from tests.fixtures import lending_data
from tests.spark.test_scan import _findings, _tables

FULL = ScanOptions(full=True)


def _by_name(evidence: DataStoreEvidence) -> dict[str, str]:
    return dict(zip((t.name for t in evidence.tables), _tables(evidence, {}), strict=True))


# Per server: the admin URL, how a throwaway namespace is created and dropped, and the SQLAlchemy and
# JDBC URLs that read it (PostgreSQL: a schema of the shared `test` database; MariaDB: a database).
SERVERS = {
    "postgresql": (
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        "CREATE SCHEMA {name}",
        "DROP SCHEMA {name} CASCADE",
        "postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{name}",
        "jdbc:postgresql://127.0.0.1:5432/test?user=postgres&currentSchema={name}",
    ),
    "mariadb": (
        "mysql+pymysql://root@127.0.0.1:3306/",
        "CREATE DATABASE {name} CHARACTER SET utf8mb4",
        "DROP DATABASE {name}",
        "mysql+pymysql://root@127.0.0.1:3306/{name}?charset=utf8mb4",
        "jdbc:mariadb://127.0.0.1:3306/{name}?user=root",
    ),
}


@pytest.fixture(scope="module", params=["postgresql", "mariadb"])
def server(request: pytest.FixtureRequest, tables: dict[str, list[dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """(SQLAlchemy URL, JDBC URL) of a throwaway database holding the generated platform's tables."""
    admin_url, create, drop, local_url, jdbc_url = SERVERS[request.param]
    name = f"lg_spark_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(create.format(name=name)))
    try:
        lending_data.write_database(local_url.format(name=name), tables)
        yield local_url.format(name=name), jdbc_url.format(name=name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(drop.format(name=name)))
        admin.dispose()


def test_jdbc_scan_of_a_database_server_equals_the_local_scan(
    spark: Any, server: tuple[str, str], rulebase: RuleBase
) -> None:
    local_url, jdbc_url = server
    local = probe_datastore(local_url, FULL)
    on_spark = probe_spark(jdbc_url, FULL, spark)
    assert on_spark.store == local.store
    # only the target database's (or schema's) own tables, though the server holds others
    assert [t.name for t in on_spark.tables] == sorted(t.name for t in local.tables)
    assert _by_name(on_spark) == _by_name(local)
    failed = {f.split("|")[0] for f in _findings(on_spark, rulebase) if f.split("|")[1] == "fail"}
    assert failed >= {"DATA-PLAINTEXT-ID", "DATA-CONTACTS-STORED"}
    assert _findings(on_spark, rulebase) == _findings(local, rulebase)


def test_sampled_jdbc_scan_reads_the_rows_the_local_sample_reads(
    spark: Any, server: tuple[str, str], rulebase: RuleBase
) -> None:
    local_url, jdbc_url = server
    sampled = ScanOptions(sample_rows=25, tables=("address_book", "borrowers"))
    local = probe_datastore(local_url, sampled)
    on_spark = probe_spark(jdbc_url, sampled, spark)
    assert [t.rows_scanned for t in on_spark.tables] == [25, 25]
    assert _by_name(on_spark) == _by_name(local)
    assert _findings(on_spark, rulebase) == _findings(local, rulebase)
