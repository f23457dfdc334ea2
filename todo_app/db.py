"""The database engine, sessions and migrations.

All database work is synchronous SQLModel on a pooled engine; async callers run it in a worker
thread (``asyncio.to_thread``), so the event loop never waits on the database. One code path
serves SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import os
import threading
from collections.abc import Iterator
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, create_engine

from todo_app.settings import PROJECT_ROOT, get_settings

SQLITE_BUSY_TIMEOUT_MS = 5000


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # SQLite's own lower() folds only ASCII; search must find "Ärger" from "ärger" too.
    dbapi_connection.create_function("lower", 1, str.lower, deterministic=True)  # type: ignore[attr-defined]


def make_engine(url: str) -> sa.Engine:
    """An engine with the connection settings every database of ours needs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> sa.Engine:
    return make_engine(url)


def get_engine() -> sa.Engine:
    return _engine_for(get_settings().db_url)


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: committed when the block ends, rolled back on any error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextlib.contextmanager
def read_scope() -> Iterator[sa.Connection]:
    """A Core connection for reads, with no ORM session around it: the busiest reads (a
    request's session check and its page of tasks) share one, and an ORM session's set-up,
    identity map and flush checks cost more than their queries. Whatever is left
    uncommitted when the block ends is rolled back; a writer commits its own write."""
    with get_engine().connect() as conn:
        yield conn


# One writer per process on SQLite: the file has one write lock, and threads waiting for it in
# SQLite's busy handler sleep in growing steps (up to 100 ms) however soon it is free; a
# Python lock hands it over at once, in order of arrival.
_sqlite_writer = threading.Lock()


@contextlib.contextmanager
def write_scope() -> Iterator[Session]:
    """A unit of work that reads and then writes (the change engine's path).

    On SQLite it starts with ``BEGIN IMMEDIATE`` under this process's writer lock: it holds the
    write lock from its first statement, so its reads see what it will write over and it can
    never fail to upgrade a read lock (SQLITE_BUSY_SNAPSHOT, which no busy timeout waits out).
    Other sessions keep the driver's default (reads outside a transaction, ``BEGIN`` at the
    first write). On PostgreSQL it is ``session_scope``: the version-guarded UPDATE and the
    unique claim do the ordering there. Not reentrant: nothing inside may open another."""
    engine = get_engine()
    if engine.dialect.name != "sqlite":
        with session_scope() as session:
            yield session
        return
    with _sqlite_writer, Session(engine, expire_on_commit=False) as session:
        try:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def can_write_now() -> bool:
    """Whether the event loop may make a write itself (``write_now``): only on SQLite, a
    local file; PostgreSQL is a network round trip away."""
    return get_engine().dialect.name == "sqlite"


class WouldWait(Exception):
    """A write the event loop tried to run itself met something it would have to wait for."""


class Busy(WouldWait):
    """... a lock another writer holds: trying again in a moment may succeed."""


_now_only: contextvars.ContextVar[bool] = contextvars.ContextVar("todo_write_now", default=False)


def not_now() -> None:
    """Called before work that may take long (walking a repeat rule): inside ``write_now`` it
    raises ``WouldWait``, and the write is made in a worker thread instead."""
    if _now_only.get():
        raise WouldWait


def _never_wait(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA busy_timeout=0")  # a held lock is answered at once
    cursor.execute("PRAGMA wal_autocheckpoint=0")  # a commit never checkpoints (may fsync)
    cursor.close()


@lru_cache(maxsize=4)
def _now_engine_for(url: str, pid: int) -> sa.Engine:
    """``write_now``'s own engine: one connection (a static pool) that never waits, kept apart
    from the shared pool so its settings never reach another writer. One per process."""
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 0},
        poolclass=sa.pool.StaticPool,
    )
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "connect", _never_wait)
    return engine


@contextlib.contextmanager
def write_now() -> Iterator[Session]:
    """A ``write_scope`` the event loop may run itself, because it never waits: SQLite only
    (one local file; PostgreSQL is a network away), and only when this process's writer lock
    and the file's write lock are both free at once (else ``Busy``: the caller may try again
    in a moment, without blocking the loop). Its commit leaves the WAL to ``checkpoint`` (in
    a thread). Anything else that could wait raises ``WouldWait`` before the transaction has
    written; the caller then makes the write in a thread. A plain set takes
    about 0.3 ms of SQLite here; a thread hop and its GIL hand-offs cost as much again
    (bench/README.md, issue 16)."""
    if not can_write_now():
        raise WouldWait
    engine = get_engine()
    if not _sqlite_writer.acquire(blocking=False):
        raise Busy
    flag = _now_only.set(True)
    now_engine = _now_engine_for(engine.url.render_as_string(hide_password=False), os.getpid())
    broken = False
    try:
        with Session(now_engine, expire_on_commit=False) as session:
            try:
                try:
                    session.connection().exec_driver_sql("BEGIN IMMEDIATE")
                except Exception as exc:
                    if isinstance(exc, OperationalError) and "locked" in str(exc):
                        raise Busy from exc
                    broken = True  # not a lock: the connection is made again next time
                    raise WouldWait from exc
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
    finally:
        if broken:
            now_engine.dispose()
        _now_only.reset(flag)
        _sqlite_writer.release()


def checkpoint() -> tuple[int, int, int] | None:
    """Copy the SQLite WAL back into the database file (PASSIVE: it waits for no one), for the
    writes ``write_now`` committed without doing so (a lifespan task calls it). SQLite's
    answer: (busy, frames in the WAL, frames copied); None on PostgreSQL."""
    if not can_write_now():
        return None
    with get_engine().connect() as conn:
        busy, logged, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    return busy, logged, copied


def alembic_config(url: str | None = None):  # -> alembic.config.Config
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "alembic"))
    config.set_main_option("sqlalchemy.url", (url or get_settings().db_url).replace("%", "%%"))
    config.attributes["configure_logger"] = False
    return config


def migrate(url: str | None = None) -> None:
    """Bring the database to the newest revision; safe when several workers start at once."""
    from alembic import command

    url = url or get_settings().db_url
    if url.startswith("sqlite"):
        lock_path = get_settings().data_dir / ".migrate.lock"
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            command.upgrade(alembic_config(url), "head")
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_lock(7426001)"))
            try:
                command.upgrade(alembic_config(url), "head")
            finally:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_unlock(7426001)"))
                    conn.commit()
    finally:
        engine.dispose()


if __name__ == "__main__":
    migrate()
    print("database is at the newest revision")
