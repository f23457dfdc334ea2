"""Live updates: who is told about a change, and that nothing here can break a write."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.services import REDIS_URL, missing
from todo_app.tasks import service
from todo_app.tasks.live import ORIGIN, Live, MemoryViewers, RedisViewers

pytestmark = pytest.mark.usefixtures("db")


class Recorder:
    def __init__(self, open_tabs: set[str] | None = None) -> None:
        self.refreshed: list[str] = []
        self.open_tabs = open_tabs

    async def refresh(self, token: str) -> None:
        self.refreshed.append(token)

    async def connected(self, token: str) -> bool:
        return self.open_tabs is None or token in self.open_tabs


async def _drain(live: Live) -> None:
    for _ in range(100):
        await asyncio.sleep(0.02)
        if not live._tasks and not live._pending:
            return


async def test_other_tabs_of_the_owner_are_refreshed_once_per_burst() -> None:
    live, rec = Live(MemoryViewers()), Recorder()
    live.install(rec.refresh, rec.connected)
    live.start(asyncio.get_running_loop())
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    live.watch(owner, "tab-a")
    live.watch(owner, "tab-b")
    live.watch(stranger, "tab-x")

    ORIGIN.set("tab-a")  # tab-a made the change: it already shows it
    for _ in range(5):  # rapid clicks
        await asyncio.to_thread(live.changed, owner)
    await _drain(live)
    assert rec.refreshed == ["tab-b"]


async def test_closed_tabs_are_forgotten() -> None:
    live, rec = Live(MemoryViewers()), Recorder(open_tabs={"open"})
    live.install(rec.refresh, rec.connected)
    live.start(asyncio.get_running_loop())
    owner = uuid.uuid4()
    live.watch(owner, "open")
    live.watch(owner, "closed")
    live.changed(owner)
    await _drain(live)
    assert rec.refreshed == ["open"]
    assert live.viewers.tokens(str(owner)) == ["open"]


async def test_a_failing_refresh_never_breaks_the_write() -> None:
    live = Live(MemoryViewers())

    async def broken(token: str) -> None:
        raise RuntimeError("socket gone")

    live.install(broken)
    live.start(asyncio.get_running_loop())
    owner = uuid.uuid4()
    live.watch(owner, "tab")
    live.changed(owner)
    await _drain(live)  # no exception escapes


def test_every_service_write_is_announced(monkeypatch: pytest.MonkeyPatch) -> None:
    from todo_app.auth import service as auth_service

    owner = auth_service.sign_up("live@example.com", "correct horse battery").user.id
    heard: list[uuid.UUID] = []
    monkeypatch.setattr(service, "change_listeners", [heard.append])
    task = service.create_task(owner, "a")
    service.update_task(owner, task.id, title="b")
    service.toggle_task(owner, task.id)
    service.set_all_completed(owner, False)
    service.delete_task(owner, task.id)
    service.restore_tasks(owner, [task])
    service.clear_completed(owner)
    assert heard == [owner] * 7
    service.list_tasks(owner)  # reads are not changes
    service.count_tasks(owner)
    assert len(heard) == 7
    with pytest.raises(service.NotFound):
        service.delete_task(owner, uuid.uuid4())  # a failed write announces nothing
    assert len(heard) == 7


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
