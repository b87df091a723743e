"""Read database tables through SQLAlchemy as Arrow batches, in read-only transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lendguard.probes.errors import ProbeError

if TYPE_CHECKING:  # SQLAlchemy and pyarrow load when a database is opened, not with the CLI
    import pyarrow as pa
    from sqlalchemy import Connection
    from sqlalchemy.engine import URL

BATCH_ROWS = 10_000


def masked_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def store_kind(url: URL) -> str:
    backend = url.get_backend_name()
    return {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}.get(backend, backend)


# The drivers LendGuard installs, used when a URL names only the database (postgresql://, mysql://).
DEFAULT_DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "mariadb": "mariadb+pymysql"}


def with_installed_driver(url: URL) -> URL:
    if "+" not in url.drivername and url.drivername in DEFAULT_DRIVERS:
        return url.set(drivername=DEFAULT_DRIVERS[url.drivername])
    return url


def _read_only_url(url: URL) -> URL:
    """SQLite is opened with mode=ro so that not even a missing file gets created."""
    if store_kind(url) != "sqlite":
        return url
    database = url.database or ""
    if not database or database == ":memory:" or not Path(database).is_file():
        raise ProbeError(url.render_as_string(hide_password=True), "no such SQLite database file")
    return url.set(database=f"file:{Path(database).resolve()}?mode=ro", query={"uri": "true"})


def _first_line(error: BaseException) -> str:
    message = str(getattr(error, "orig", None) or error).strip().splitlines()
    return message[0] if message else type(error).__name__


@contextmanager
def read_only(url_text: str) -> Iterator[tuple[Connection, str]]:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

    shown = masked_url(url_text)
    try:
        url = with_installed_driver(make_url(url_text))
        engine = create_engine(
            _read_only_url(url), connect_args={"connect_timeout": 10} if store_kind(url) != "sqlite" else {}
        )
    except (ArgumentError, NoSuchModuleError, ValueError) as error:
        raise ProbeError(shown, f"not a usable database URL ({_first_line(error)})") from error
    except ImportError as error:  # the dialect is known but its driver is not installed
        raise ProbeError(shown, f"database driver {error.name or 'module'} is not installed") from error
    try:
        with engine.connect() as connection:
            kind = store_kind(url)
            if kind == "postgresql":
                connection.exec_driver_sql("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            elif kind == "mysql":
                connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
            try:
                yield connection, kind
            finally:
                connection.rollback()
    except SQLAlchemyError as error:
        raise ProbeError(shown, f"cannot read the database: {_first_line(error)}") from error
    finally:
        engine.dispose()


def table_names(connection: Connection, wanted: list[str] | None, source: str) -> list[str]:
    from sqlalchemy import inspect

    names = inspect(connection).get_table_names()
    if wanted:
        missing = [name for name in wanted if name not in names]
        if missing:
            raise ProbeError(source, f"no table named {', '.join(missing)} (tables: {', '.join(names) or 'none'})")
        return wanted
    return names


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, str | bytes):
        return value
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    return str(value)


def table_batches(connection: Connection, name: str, sample_rows: int | None) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa
    from sqlalchemy import MetaData, Table, select

    table = Table(name, MetaData(), autoload_with=connection)
    query = select(table)
    if sample_rows is not None:
        query = query.limit(sample_rows)
    result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
    columns = list(result.keys())
    for rows in result.partitions(BATCH_ROWS):
        arrays = [pa.array([_cell(row[i]) for row in rows]) for i in range(len(columns))]
        yield pa.RecordBatch.from_arrays(arrays, names=columns)
