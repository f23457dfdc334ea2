"""Live updates: who is told about a change, and that nothing here can break a write."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from tests.factories import make_user
from tests.services import REDIS_URL, missing
from todo_app.errors import NotFound
from todo_app.tasks import deletes, queries, unit_of_work, writes
from todo_app.tasks.live import Live, MemoryViewers, RedisViewers
from todo_app.tasks.types import TaskChange, TaskData

pytestmark = pytest.mark.usefixtures("db")


class Recorder:
    def __init__(self, open_tabs: set[str] | None = None) -> None:
        self.pushed: list[tuple[str, list[TaskChange]]] = []
        self.open_tabs = open_tabs

    async def push(self, token: str, changes: list[TaskChange]) -> None:
        self.pushed.append((token, changes))

    async def connected(self, token: str) -> bool:
        return self.open_tabs is None or token in self.open_tabs


async def _drain(live: Live) -> None:
    for _ in range(100):
        await asyncio.sleep(0.02)
        if not live._tasks and not live._pending:
            return


def _change(owner: uuid.UUID, title: str, origin: str = "") -> TaskChange:
    now = datetime.now(UTC)
    task = TaskData(uuid.uuid4(), title, "", False, 1, now, now)
    return TaskChange(owner, upserted=(task,), total_delta=1, active_delta=1, origin=origin)


async def test_other_tabs_of_the_owner_get_the_rows_once_per_burst() -> None:
    live, rec = Live(MemoryViewers()), Recorder()
    live.install(rec.push, rec.connected)
    live.start(asyncio.get_running_loop())
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    live.watch(owner, "tab-a")
    live.watch(owner, "tab-b")
    live.watch(stranger, "tab-x")

    burst = [_change(owner, f"t{i}", origin="tab-a") for i in range(5)]  # tab-a's rapid clicks
    # Written by a worker thread within a few milliseconds, as a burst of commits is.
    await asyncio.to_thread(lambda: [live.changed(change) for change in burst])
    await _drain(live)
    assert [token for token, _ in rec.pushed] == ["tab-b"]  # not the origin, not a stranger
    assert rec.pushed[0][1] == burst  # the rows themselves, in order, in one update


async def test_closed_tabs_are_forgotten() -> None:
    live, rec = Live(MemoryViewers()), Recorder(open_tabs={"open"})
    live.install(rec.push, rec.connected)
    live.start(asyncio.get_running_loop())
    owner = uuid.uuid4()
    live.watch(owner, "open")
    live.watch(owner, "closed")
    live.changed(_change(owner, "x"))
    await _drain(live)
    assert [token for token, _ in rec.pushed] == ["open"]
    assert live.viewers.tokens(str(owner)) == ["open"]


async def test_a_failing_push_never_breaks_the_write(caplog: pytest.LogCaptureFixture) -> None:
    live = Live(MemoryViewers())
    attempts: list[str] = []

    async def broken(token: str, changes: list[TaskChange]) -> None:
        attempts.append(token)
        raise RuntimeError("socket gone")

    live.install(broken)
    live.start(asyncio.get_running_loop())
    owner = uuid.uuid4()
    live.watch(owner, "tab")
    live.changed(_change(owner, "x"))  # must not raise into the writer
    await _drain(live)
    assert attempts == ["tab"]
    assert "could not update an open page" in caplog.text
    live.changed(_change(owner, "y"))  # and the next change is still delivered (tried)
    await _drain(live)
    assert attempts == ["tab", "tab"]


def test_every_service_write_is_announced_with_its_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    owner = make_user()
    heard: list[TaskChange] = []
    monkeypatch.setattr(unit_of_work, "change_listeners", [heard.append])
    task = writes.create_task(owner, "a")
    writes.update_task(owner, task.id, title="b")
    writes.toggle_task(owner, task.id)
    writes.set_all_completed(owner, False)
    deletes.delete_task(owner, task.id)
    deletes.restore_tasks(owner, [task])
    writes.update_task(owner, task.id, completed=True)
    deletes.clear_completed(owner)
    kinds = [(len(c.upserted), len(c.removed), c.total_delta, c.active_delta) for c in heard]
    assert kinds == [
        (1, 0, 1, 1),  # create
        (1, 0, 0, 0),  # retitle
        (1, 0, 0, -1),  # toggle to done
        (1, 0, 0, 1),  # all active again
        (0, 1, -1, -1),  # delete
        (1, 0, 1, 1),  # restore
        (1, 0, 0, -1),  # done
        (0, 1, -1, 0),  # clear completed
    ]
    assert heard[1].upserted[0].title == "b"
    queries.list_tasks(owner)  # reads are not changes
    with pytest.raises(NotFound):
        deletes.delete_task(owner, uuid.uuid4())  # a failed write announces nothing
    deletes.clear_completed(owner)  # nothing to clear: nothing to announce
    assert len(heard) == 8


def test_redis_viewers_are_shared_between_workers() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    user = f"test-{uuid.uuid4().hex}"
    worker_one, worker_two = RedisViewers(REDIS_URL), RedisViewers(REDIS_URL)
    worker_one.add(user, "tab-1")
    worker_two.add(user, "tab-2")
    assert sorted(worker_one.tokens(user)) == ["tab-1", "tab-2"]
    worker_two.remove(user, "tab-1")
    assert worker_one.tokens(user) == ["tab-2"]
    worker_one.remove(user, "tab-2")
