"""Alembic: upgrade from empty, downgrade one step, upgrade again; the models match the migrations."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from lendguard.registry.db import current_revision, downgrade, head_revision, make_engine, upgrade
from lendguard.registry.models import Base
from tests.registry.conftest import postgres_engine

THIRD = {"trusted_signers", "audit_jobs"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield engine
        engine.dispose()
    else:
        yield from postgres_engine()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_from_empty_and_downgrade_one_step(empty: Engine) -> None:
    assert current_revision(empty) is None and _tables(empty) == set()
    upgrade(empty)
    assert current_revision(empty) == head_revision() == "0003"
    assert _tables(empty) == set(Base.metadata.tables)
    with empty.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    downgrade(empty, "-1")
    assert current_revision(empty) == "0002"
    assert _tables(empty) == set(Base.metadata.tables) - THIRD
    upgrade(empty)
    assert _tables(empty) == set(Base.metadata.tables)
