"""Migrations: the revisions build exactly the models' schema, and tear it down again."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from alembic import command
from tests.services import fresh_pg_database
from todo_app.db import alembic_config, make_engine, migrate
from todo_app.settings import PROJECT_ROOT

APP_TABLES = {"users", "auth_sessions", "tasks", "sign_in_failures"}


def _schema_diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, SQLModel.metadata)
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _round_trip(url: str) -> None:
    migrate(url)
    assert _tables(url) >= APP_TABLES
    assert _schema_diff(url) == []
    command.downgrade(alembic_config(url), "base")
    assert _tables(url) - {"alembic_version"} == set()
    # And back up again: downgrades leave nothing behind that blocks a new upgrade.
    migrate(url)
    assert _schema_diff(url) == []


def test_sqlite_upgrade_matches_models_and_downgrade_empties(tmp_path: Path) -> None:
    _round_trip(f"sqlite:///{tmp_path / 'fresh.db'}")


@pytest.mark.postgres
def test_postgresql_upgrade_matches_models_and_downgrade_empties() -> None:
    with fresh_pg_database() as url:
        _round_trip(url)


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'p.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
    engine.dispose()


def _cli_env(url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "REFLEX_DB_URL": url, "TODO_DATA_DIR": str(tmp_path)}


def test_alembic_cli_upgrade_and_downgrade(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic = [sys.executable, "-m", "alembic"]
    env = _cli_env(url, tmp_path)
    subprocess.run([*alembic, "upgrade", "head"], cwd=PROJECT_ROOT, env=env, check=True)
    assert _tables(url) >= APP_TABLES
    out = subprocess.run(
        [*alembic, "check"], cwd=PROJECT_ROOT, env=env, check=True, capture_output=True, text=True
    )
    assert "No new upgrade operations detected" in out.stdout + out.stderr
    subprocess.run([*alembic, "downgrade", "base"], cwd=PROJECT_ROOT, env=env, check=True)
    assert _tables(url) - {"alembic_version"} == set()


def test_reflex_db_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'reflex.db'}"
    reflex = Path(sys.executable).with_name("reflex")
    subprocess.run(
        [str(reflex), "db", "migrate"], cwd=PROJECT_ROOT, env=_cli_env(url, tmp_path), check=True
    )
    assert _tables(url) >= APP_TABLES
    assert _schema_diff(url) == []
