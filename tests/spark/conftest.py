"""One Spark session (local mode, 2 cores, Hive metastore and warehouse in a temporary folder) for
every Spark test, and a small data lake written from the generated lending platform."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from tests.fixtures import lending_data

# Debian's JDBC drivers (make system-deps): libxerial-sqlite-jdbc-java, libpostgresql-jdbc-java, libmariadb-java
JDBC_JARS = tuple(
    Path("/usr/share/java") / name for name in ("sqlite-jdbc.jar", "postgresql.jar", "mariadb-java-client.jar")
)


@pytest.hookimpl(tryfirst=True)  # before xdist's loadgroup reads the group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    grouped = config.pluginmanager.hasplugin("xdist")
    for item in items:
        if "tests/spark/" in item.path.as_posix():
            item.add_marker(pytest.mark.spark)
            if grouped:  # one JVM: every Spark test on the same worker (make test uses --dist loadgroup)
                item.add_marker(pytest.mark.xdist_group("spark"))


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from lendguard.spark.session import session

    missing = [str(jar) for jar in JDBC_JARS if not jar.is_file()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run `make system-deps`")
    home = tmp_path_factory.mktemp("spark")
    spark = session(
        "local[2]",
        {
            "spark.sql.shuffle.partitions": "2",
            "spark.default.parallelism": "2",
            "spark.driver.memory": "1g",
            "spark.sql.catalogImplementation": "hive",
            "spark.sql.warehouse.dir": str(home / "warehouse"),
            "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home}/metastore;create=true",
            "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
            "spark.jars": ",".join(str(jar) for jar in JDBC_JARS),
            # small splits, so that a file is read by several tasks and their partials are combined
            "spark.sql.files.maxPartitionBytes": "4096",
            "spark.sql.files.openCostInBytes": "1024",
        },
    )
    yield spark
    spark.stop()


@pytest.fixture(scope="session")
def tables() -> dict[str, list[dict[str, Any]]]:
    return lending_data.lending_tables(seed=7, borrowers=40, contacts_per_borrower=4)


@pytest.fixture(scope="session")
def lake(tmp_path_factory: pytest.TempPathFactory, tables: dict[str, list[dict[str, Any]]]) -> Path:
    """platform.db (SQLite), each table as one Parquet file (single/), as a dataset of two Parquet
    files with small row groups (parquet/TABLE/), and address_book as two CSV files (csv/)."""
    root = tmp_path_factory.mktemp("lake")
    lending_data.write_database(f"sqlite:///{root / 'platform.db'}", tables)
    for name, rows in tables.items():
        table = pa.Table.from_pylist(rows)
        (root / "single").mkdir(exist_ok=True)
        pq.write_table(table, root / "single" / f"{name}.parquet")
        folder = root / "parquet" / name
        folder.mkdir(parents=True)
        half = table.num_rows // 2
        pq.write_table(table.slice(0, half), folder / "part-00000.parquet", row_group_size=16)
        pq.write_table(table.slice(half), folder / "part-00001.parquet", row_group_size=16)
    book = pa.Table.from_pylist(tables["address_book"])
    (root / "csv").mkdir()
    pa_csv.write_csv(book, root / "single" / "address_book.csv")
    pa_csv.write_csv(book.slice(0, 60), root / "csv" / "part-00000.csv")
    pa_csv.write_csv(book.slice(60), root / "csv" / "part-00001.csv")
    return root
