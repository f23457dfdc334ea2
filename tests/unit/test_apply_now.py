"""A change the event loop applies itself (``mutations.apply_now``): only when nothing can make
it wait, and never half: otherwise it commits nothing and the thread path does it all."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlmodel import create_engine, func, select

from tests.factories import make_task, make_user
from tests.unit.test_mutations import mutation
from todo_app import db
from todo_app.db import get_engine, session_scope
from todo_app.models import TaskCompletion
from todo_app.tasks import mutations, queries, unit_of_work
from todo_app.tasks.mutations import APPLIED
from todo_app.tasks.types import TaskChange

pytestmark = pytest.mark.usefixtures("db")


def done(task_id: uuid.UUID, version: int) -> mutations.Mutation:
    return mutation("set", task_id, fields={"completed": True}, base_version=version)


@pytest.fixture
def sqlite_only() -> None:
    if get_engine().dialect.name != "sqlite":
        pytest.skip("the event loop writes itself only to SQLite (test_not_on_postgresql)")


@pytest.mark.usefixtures("sqlite_only")
def test_a_plain_change_is_applied_recorded_and_announced_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = make_user()
    task = make_task(owner, "now")
    heard: list[TaskChange] = []
    monkeypatch.setattr(unit_of_work, "change_listeners", [heard.append])
    m = done(task.id, task.version)
    receipt = mutations.apply_now(owner, m, origin="tab")
    assert receipt is not None and receipt.status == APPLIED
    assert queries.get_task(owner, task.id).completed
    assert [(c.mutation_id, c.origin) for c in heard] == [(str(m.mid), "tab")]
    # Recorded in the same transaction: sent again, it is answered from the log.
    assert mutations.apply(owner, m).status == APPLIED
    assert queries.get_task(owner, task.id).version == task.version + 1


@pytest.mark.usefixtures("sqlite_only")
def test_it_never_waits_for_the_writer_lock_or_the_file_lock() -> None:
    owner = make_user()
    task = make_task(owner, "busy")
    taken, release = threading.Event(), threading.Event()

    def hold_writer() -> None:
        with db.write_scope():
            taken.set()
            release.wait(5)

    holder = threading.Thread(target=hold_writer)
    holder.start()
    taken.wait(5)
    began = time.monotonic()
    with pytest.raises(db.Busy):  # the caller tries again in a moment, on the loop
        mutations.apply_now(owner, done(task.id, task.version))
    release.set()
    holder.join()

    # Another connection (any other writer of the file) holds SQLite's write lock.
    path = get_engine().url.database
    assert path
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(db.Busy):
            mutations.apply_now(owner, done(task.id, task.version))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert time.monotonic() - began < 0.5  # no busy timeout was waited out
    assert not queries.get_task(owner, task.id).completed  # and nothing was written
    assert mutations.apply_now(owner, done(task.id, task.version)) is not None  # free again


@pytest.mark.usefixtures("sqlite_only")
def test_a_repeat_rule_to_walk_goes_to_a_thread_with_nothing_committed() -> None:
    owner = make_user()
    due = date.today() + timedelta(days=1)
    task = make_task(owner, "water", due_date=due.isoformat(), recurrence={"rule": "FREQ=DAILY"})
    m = done(task.id, task.version)
    assert mutations.apply_now(owner, m) is None
    assert queries.get_task(owner, task.id).version == task.version
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(TaskCompletion)).one() == 0
    assert mutations.apply(owner, m).status == APPLIED  # the thread path walks it
    assert queries.get_task(owner, task.id).due_date == due + timedelta(days=1)


@pytest.mark.usefixtures("sqlite_only")
def test_anything_but_a_plain_success_goes_to_the_thread_path() -> None:
    owner = make_user()
    task = make_task(owner, "x")
    stale = mutation("set", task.id, fields={"title": "y"}, base_version=task.version + 5)
    assert mutations.apply_now(owner, stale) is None  # refused: the thread path says why
    replayed = done(task.id, task.version)
    assert mutations.apply(owner, replayed).status == APPLIED
    assert mutations.apply_now(owner, replayed) is None  # a replay: answered from the log
    assert mutations.apply_now(owner, mutation("clear_completed")) is None  # many rows
    assert mutations.apply_now(owner, mutation("set", uuid.uuid4(), fields={})) is None


def test_not_on_postgresql() -> None:
    owner = make_user()
    task = make_task(owner, "x")
    receipt = mutations.apply_now(owner, done(task.id, task.version))
    if get_engine().dialect.name == "sqlite":
        assert receipt is not None
    else:
        assert receipt is None  # a network round trip: never on the event loop
        assert not queries.get_task(owner, task.id).completed


@pytest.mark.usefixtures("sqlite_only")
def test_the_wal_of_its_writes_is_checkpointed_in_the_background() -> None:
    owner = make_user()
    task = make_task(owner, "wal")
    for version in range(task.version, task.version + 20):
        flip = mutation("set", task.id, fields={"title": f"v{version}"}, base_version=version)
        assert mutations.apply_now(owner, flip) is not None
    # The commits left their frames in the WAL; the app's lifespan task (every 2 s, in a
    # thread) copies them into the database file.
    answer = db.checkpoint()
    assert answer is not None
    busy, logged, copied = answer
    assert busy == 0 and logged > 0 and copied == logged


@pytest.mark.usefixtures("sqlite_only")
def test_a_connection_that_fails_sends_the_change_to_a_thread_and_settings_stay_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = make_user()
    task = make_task(owner, "x")
    broken = create_engine("sqlite:////nonexistent-dir/todo.db")  # cannot even open
    monkeypatch.setattr(db, "_now_engine_for", lambda url, pid: broken)
    began = time.monotonic()
    assert mutations.apply_now(owner, done(task.id, task.version)) is None  # not a lock: no retry
    assert time.monotonic() - began < 0.5
    monkeypatch.undo()
    assert mutations.apply_now(owner, done(task.id, task.version)) is not None
    # The shared pool's connections still wait for a lock (write_now's never reach it).
    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS
