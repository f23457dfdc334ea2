"""Migrations: the revisions build exactly the models' schema, and tear it down again."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from alembic import command
from tests.services import fresh_pg_database
from todo_app.db import alembic_config, make_engine, migrate
from todo_app.models import Tag, Task, TaskList, TaskTag, User, UTCDateTime
from todo_app.settings import PROJECT_ROOT

APP_TABLES = {
    "users",
    "auth_sessions",
    "tasks",
    "sign_in_failures",
    "task_mutations",
    "lists",
    "tags",
    "task_tags",
}


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


# --- 0004 (lists, tags, priorities, due) on a database that already holds data -----------

ORGANISE_TABLES = {"lists", "tags", "task_tags"}
ORGANISE_TASK_COLUMNS = {"list_id", "priority", "due_date", "due_time", "due_at"}
T0 = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)

# The tables as revision 0003 left them (what an existing database holds).
_USERS_0003 = sa.table(
    "users",
    sa.column("id", sa.Uuid()),
    sa.column("email", sa.String()),
    sa.column("name", sa.String()),
    sa.column("password_hash", sa.String()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_TASKS_0003 = sa.table(
    "tasks",
    sa.column("id", sa.Uuid()),
    sa.column("owner_id", sa.Uuid()),
    sa.column("title", sa.String()),
    sa.column("description", sa.String()),
    sa.column("completed", sa.Boolean()),
    sa.column("version", sa.Integer()),
    sa.column("created_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
)
_SESSIONS_0003 = sa.table(
    "auth_sessions",
    sa.column("id", sa.Uuid()),
    sa.column("user_id", sa.Uuid()),
    sa.column("created_at", UTCDateTime()),
    sa.column("last_seen_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
    sa.column("user_agent", sa.String()),
    sa.column("ip_address", sa.String()),
)


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    try:
        return {c["name"] for c in sa.inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def _rows(url: str, statement: sa.Executable) -> list[sa.Row]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(statement).all())
    finally:
        engine.dispose()


def _at_0003_with_data(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A database at 0003 holding a user, their sign-in session and a task."""
    command.upgrade(alembic_config(url), "0003")
    assert not _tables(url) & ORGANISE_TABLES
    assert "time_zone" not in _columns(url, "users")
    user_id, task_id = uuid.uuid4(), uuid.uuid4()
    user = {"id": user_id, "email": "old@example.com", "name": "Old", "password_hash": "x"}
    task = {"id": task_id, "owner_id": user_id, "title": "Before 0004", "description": "kept"}
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(_USERS_0003.insert().values(**user, created_at=T0, updated_at=T0))
            conn.execute(
                _TASKS_0003.insert().values(
                    **task, completed=True, version=3, created_at=T0, updated_at=T0
                )
            )
            conn.execute(
                _SESSIONS_0003.insert().values(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    created_at=T0,
                    last_seen_at=T0,
                    expires_at=datetime(2099, 1, 1, tzinfo=UTC),
                    user_agent="",
                    ip_address="",
                )
            )
    finally:
        engine.dispose()
    return user_id, task_id


def _upgrade_keeps_the_rows(url: str, user_id: uuid.UUID, task_id: uuid.UUID) -> None:
    command.upgrade(alembic_config(url), "head")
    assert _schema_diff(url) == []
    users, tasks = User.__table__, Task.__table__  # type: ignore[attr-defined]
    [user] = _rows(url, sa.select(users))
    assert (user.id, user.email, user.name, user.time_zone) == (
        user_id,
        "old@example.com",
        "Old",
        "UTC",
    )
    [task] = _rows(url, sa.select(tasks))
    assert (task.id, task.owner_id, task.title, task.description) == (
        task_id,
        user_id,
        "Before 0004",
        "kept",
    )
    assert (task.completed, task.version, task.created_at) == (True, 3, T0)
    # In the Inbox, with no priority, no tags and no due date.
    assert (task.list_id, task.priority) == (None, 0)
    assert (task.due_date, task.due_time, task.due_at) == (None, None, None)
    assert _rows(url, sa.select(sa.func.count()).select_from(TaskTag.__table__)) == [(0,)]  # type: ignore[attr-defined]
    assert _rows(url, sa.select(sa.func.count()).select_from(_SESSIONS_0003)) == [(1,)]


def _organise(url: str, user_id: uuid.UUID, task_id: uuid.UUID) -> None:
    """Use the new tables and columns, so the downgrade has something to take away."""
    list_id, tag_id = uuid.uuid4(), uuid.uuid4()
    tasks = Task.__table__  # type: ignore[attr-defined]
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(
                TaskList.__table__.insert().values(  # type: ignore[attr-defined]
                    id=list_id,
                    owner_id=user_id,
                    name="Work",
                    name_key="work",
                    position=0,
                    created_at=T0,
                )
            )
            conn.execute(
                Tag.__table__.insert().values(
                    id=tag_id, owner_id=user_id, name="Home", name_key="home"
                )  # type: ignore[attr-defined]
            )
            conn.execute(
                TaskTag.__table__.insert().values(task_id=task_id, tag_id=tag_id, position=0)  # type: ignore[attr-defined]
            )
            conn.execute(
                tasks.update()
                .where(tasks.c.id == task_id)
                .values(
                    list_id=list_id,
                    priority=3,
                    due_date=date(2026, 12, 5),
                    due_time=time(9, 0),
                    due_at=datetime(2026, 12, 5, 8, 0, tzinfo=UTC),
                )
            )
            conn.execute(User.__table__.update().values(time_zone="Europe/Berlin"))  # type: ignore[attr-defined]
    finally:
        engine.dispose()


def _downgrade_removes_0004(url: str) -> None:
    command.downgrade(alembic_config(url), "0003")
    assert not _tables(url) & ORGANISE_TABLES
    assert "time_zone" not in _columns(url, "users")
    assert not ORGANISE_TASK_COLUMNS & _columns(url, "tasks")
    assert _rows(url, sa.text("SELECT version_num FROM alembic_version")) == [("0003",)]


def _downgrade_keeps_the_rows(url: str, user_id: uuid.UUID, task_id: uuid.UUID) -> None:
    _downgrade_removes_0004(url)
    assert _rows(url, sa.select(_USERS_0003.c.id, _USERS_0003.c.email)) == [
        (user_id, "old@example.com")
    ]
    assert _rows(url, sa.select(_TASKS_0003.c.id, _TASKS_0003.c.title, _TASKS_0003.c.version)) == [
        (task_id, "Before 0004", 3)
    ]
    assert _rows(url, sa.select(_SESSIONS_0003.c.user_id)) == [(user_id,)]
    # And up again: the task is back in the Inbox with nothing organised.
    command.upgrade(alembic_config(url), "head")
    assert _schema_diff(url) == []
    tasks = Task.__table__  # type: ignore[attr-defined]
    assert _rows(
        url, sa.select(tasks.c.id, tasks.c.list_id, tasks.c.priority, tasks.c.due_date)
    ) == [(task_id, None, 0, None)]
    assert _rows(url, sa.select(User.__table__.c.time_zone)) == [("UTC",)]  # type: ignore[attr-defined]


def test_sqlite_0004_upgrade_keeps_existing_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-0003.db'}"
    _upgrade_keeps_the_rows(url, *_at_0003_with_data(url))


def test_sqlite_0004_downgrade_to_0003(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'down-to-0003.db'}"
    ids = _at_0003_with_data(url)
    _upgrade_keeps_the_rows(url, *ids)
    _organise(url, *ids)
    _downgrade_removes_0004(url)
    assert _rows(url, sa.select(_USERS_0003.c.id)) == [(ids[0],)]
    command.upgrade(alembic_config(url), "head")
    assert _schema_diff(url) == []


def test_sqlite_0004_downgrade_keeps_tasks_and_sessions(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keep-on-down.db'}"
    ids = _at_0003_with_data(url)
    _upgrade_keeps_the_rows(url, *ids)
    _organise(url, *ids)
    _downgrade_keeps_the_rows(url, *ids)


@pytest.mark.postgres
def test_postgresql_0004_upgrade_keeps_rows_and_downgrade_to_0003_keeps_them() -> None:
    with fresh_pg_database() as url:
        ids = _at_0003_with_data(url)
        _upgrade_keeps_the_rows(url, *ids)
        _organise(url, *ids)
        _downgrade_keeps_the_rows(url, *ids)


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
