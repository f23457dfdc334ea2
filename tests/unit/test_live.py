"""Live updates: who is told about a change, and that nothing here can break a write."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.factories import make_user
from tests.services import REDIS_URL, missing
from todo_app.auth.rechecks import Trust, rechecks
from todo_app.channels import RedisChannel
from todo_app.errors import NotFound
from todo_app.tasks import deletes, queries, unit_of_work, writes
from todo_app.tasks.live import (
    CHANNEL,
    KEPT,
    SWEEP_EVERY,
    Live,
    MemoryViewers,
    RedisViewers,
    entry_of,
    page_row,
    recent,
)
from todo_app.tasks.types import TaskChange, TaskData, change_between

pytestmark = pytest.mark.usefixtures("db")


def trusted() -> Trust:
    """A session read just now (a module-level one would have expired by the time a long
    suite reaches the test: a page trusts its read for ``RECHECK_SECONDS`` only)."""
    return Trust(time.time(), time.time() + 3600)


class Recorder:
    """A worker's sockets: what each page was sent, which pages are open here, and how a
    page's session reads when verified again."""

    def __init__(self, here: set[str] | None = None, live_sessions: bool = True) -> None:
        self.sent: list[tuple[str, dict[str, Any]]] = []
        self.verified: list[str] = []
        self.here = here
        self.live_sessions = live_sessions

    async def emit(self, token: str, value: dict[str, Any]) -> None:
        self.sent.append((token, value))

    async def verify(self, token: str, user_id: str) -> Trust | None:
        self.verified.append(token)
        return trusted() if self.live_sessions else None

    def is_here(self, token: str) -> bool:
        return self.here is None or token in self.here

    def seqs(self, token: str) -> list[int]:
        """Every entry the page has taken, once each, in order (as the browser applies them)."""
        taken: list[int] = []
        for to, value in self.sent:
            if to == token:
                taken += [e["seq"] for e in value["changes"] if e["seq"] > (taken or [0])[-1]]
        return taken


def wired(rec: Recorder, channel: Any = None) -> Live:
    live = Live(MemoryViewers(), channel)
    live.install(rec.emit, rec.verify, rec.is_here)
    live.start(asyncio.get_running_loop())
    return live


async def _drain(*lives: Live) -> None:
    for _ in range(100):
        await asyncio.sleep(0.02)
        if not any(live._tasks for live in lives):
            return


def _change(owner: uuid.UUID, title: str, origin: str = "") -> TaskChange:
    now = datetime.now(UTC)
    task = TaskData(uuid.uuid4(), title, "", False, 1, now, now)
    return TaskChange(owner, upserted=(task,), previous={task.id: None}, origin=origin)


def test_an_entry_says_what_each_written_row_was() -> None:
    """The page counts its view's tasks; a row may enter or leave that view, even a row the
    page never loaded, so the entry carries each written row's value before (issue 17)."""
    owner, now = uuid.uuid4(), datetime.now(UTC)
    old = TaskData(uuid.uuid4(), "done now", "", False, 1, now, now)
    new = dataclasses.replace(old, completed=True, version=2)
    gone = TaskData(uuid.uuid4(), "gone", "", False, 1, now, now)
    born = TaskData(uuid.uuid4(), "born", "", False, 1, now, now)
    entry = entry_of(change_between(owner, [old, gone, None], [new, None, born]))
    assert entry["rows"] == [page_row(new), page_row(born)]
    assert entry["removed"] == [str(gone.id)]
    assert entry["was"] == {
        str(old.id): {"completed": False, "version": 1},  # only what changed
        str(gone.id): page_row(gone),  # all of it
        str(born.id): None,  # it did not exist
    }
    # A read (a "Load more" page) wrote nothing: it moves no count.
    assert entry_of(TaskChange(owner, upserted=(new,)))["was"] == {}
    # Writes made in one unit: each row as it was before all of them.
    made = change_between(owner, [None], [old]).merged(change_between(owner, [old], [new]))
    assert entry_of(made)["was"] == {str(old.id): None}
    assert (made.total_delta, made.active_delta) == (1, 0)


def test_completing_a_sub_task_carries_its_parent_with_the_new_count() -> None:
    """The page shows a parent's "1/2": a change to a sub-task brings the parent row too, as
    a read (its own fields did not change), so no view counts it in or out."""
    owner = make_user()
    parent = writes.create_task(owner, "Parent")
    kids = [writes.create_task(owner, f"Kid {i}", parent_id=parent.id) for i in range(2)]
    seen: list[TaskChange] = []
    unit_of_work.change_listeners.append(seen.append)
    try:
        writes.update_task(owner, kids[0].id, completed=True)
    finally:
        unit_of_work.change_listeners.remove(seen.append)
    (change,) = seen
    entry = entry_of(change)
    rows = {row["id"]: row for row in entry["rows"]}
    assert rows[str(kids[0].id)]["completed"] is True
    carried = rows[str(parent.id)]
    assert (carried["subtask_count"], carried["subtasks_done"]) == (2, 1)
    assert carried["version"] == parent.version  # the parent's own row was not written
    # (completed_by: who completed it, the owner here, was nobody)
    assert entry["was"] == {
        str(kids[0].id): {"completed": False, "version": 1, "completed_by": None}
    }
    assert (change.total_delta, change.active_delta) == (0, -1)


async def test_other_pages_of_the_owner_get_every_entry_once_in_order() -> None:
    rec = Recorder()
    live = wired(rec)
    owner, stranger = uuid.uuid4(), uuid.uuid4()
    live.watch(owner, "tab-a", epoch="ea", trust=trusted())
    live.watch(owner, "tab-b", epoch="eb", trust=trusted())
    live.watch(stranger, "tab-x", epoch="ex", trust=trusted())

    burst = [_change(owner, f"t{i}", origin="tab-a") for i in range(5)]  # tab-a's rapid clicks
    # Written by a worker thread within a few milliseconds, as a burst of commits is.
    await asyncio.to_thread(lambda: [live.changed(change) for change in burst])
    await _drain(live)
    assert {token for token, _ in rec.sent} == {"tab-b"}  # not the origin, not a stranger
    assert rec.seqs("tab-b") == [1, 2, 3, 4, 5]
    last = rec.sent[-1][1]
    assert last["epoch"] == "eb"
    assert [e["rows"][0]["title"] for e in last["changes"]] == ["t0", "t1", "t2", "t3", "t4"]
    assert len(rec.sent) < 5  # what came while an update was on its way went with the next
    assert rec.verified == []  # a trusted page is sent without reading its session


async def test_a_reloaded_page_is_numbered_afresh_and_is_sent_each_entry() -> None:
    rec = Recorder()
    live = wired(rec)
    owner = uuid.uuid4()
    live.watch(owner, "tab", epoch="e1", trust=trusted())
    live.changed(_change(owner, "before"))
    await _drain(live)
    live.watch(owner, "tab", epoch="e2", trust=trusted())
    sent_before = len(rec.sent)
    for i in range(30):  # a burst: whatever waits for the update on its way goes next, all of it
        live.changed(_change(owner, f"after {i}"))
    await _drain(live)
    updates = [value for _, value in rec.sent[sent_before:]]
    assert {value["epoch"] for value in updates} == {"e2"}
    taken: list[int] = []
    for value in updates:  # each entry once, as the page applies them
        taken += [e["seq"] for e in value["changes"] if e["seq"] > (taken or [0])[-1]]
    assert taken == list(range(1, 31))
    assert len(rec.sent[-1][1]["changes"]) <= KEPT


def test_an_update_carries_what_is_unsent_and_what_was_sent_lately() -> None:
    now = time.monotonic()
    kept = [(now - 60, {"seq": 1}), (now - 0.5, {"seq": 2}), (now - 60, {"seq": 3})]
    # 1 was sent a minute ago: not again; 2 was sent lately: again; 3 was never sent.
    assert [e["seq"] for e in recent(kept, sent=2)] == [2, 3]


async def test_closed_pages_are_forgotten() -> None:
    rec = Recorder(here={"open"})
    live = wired(rec)
    owner = uuid.uuid4()
    live.watch(owner, "open", epoch="e", trust=trusted())
    live.watch(owner, "closed", epoch="e", trust=trusted())
    live.changed(_change(owner, "x"))
    await _drain(live)
    assert [token for token, _ in rec.sent] == ["open"]
    assert set(live._pages) == {"open"}


async def test_closed_pages_of_idle_users_are_swept_as_pages_load() -> None:
    rec = Recorder(here={"still-open"})
    live = wired(rec)
    live.watch(uuid.uuid4(), "still-open", epoch="e", trust=trusted())
    for i in range(SWEEP_EVERY - 1):  # loads of pages whose users never change anything again
        live.watch(uuid.uuid4(), f"closed-{i}", epoch="e", trust=trusted())
    assert set(live._pages) == {"still-open"}
    assert len(live._by_user) == 1


async def test_a_page_past_its_trust_is_verified_first_and_dropped_if_its_session_ended() -> None:
    rec = Recorder(live_sessions=False)
    live = wired(rec)
    owner = uuid.uuid4()
    live.watch(owner, "stale", epoch="e", trust=Trust(time.time() - 3600, time.time() + 3600))
    live.watch(owner, "marked", epoch="e", trust=Trust(time.time() - 1, time.time() + 3600))
    rechecks.mark(owner)  # a sign-out elsewhere, say: announced after both reads
    live.changed(_change(owner, "secret"))
    await _drain(live)
    assert sorted(rec.verified) == ["marked", "stale"]
    assert rec.sent == []  # neither page was sent the row
    assert live._pages == {} and live.viewers.tokens(str(owner)) == []


async def test_a_failing_send_never_breaks_the_write(caplog: pytest.LogCaptureFixture) -> None:
    attempts: list[str] = []

    async def broken(token: str, value: dict[str, Any]) -> None:
        attempts.append(token)
        raise RuntimeError("socket gone")

    rec = Recorder()
    live = Live(MemoryViewers())
    live.install(broken, rec.verify)
    live.start(asyncio.get_running_loop())
    owner = uuid.uuid4()
    live.watch(owner, "tab", epoch="e", trust=trusted())
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
    _redis_or_skip()
    user = f"test-{uuid.uuid4().hex}"
    worker_one, worker_two = RedisViewers(REDIS_URL), RedisViewers(REDIS_URL)
    worker_one.add(user, "tab-1")
    worker_two.add(user, "tab-2")
    assert sorted(worker_one.tokens(user)) == ["tab-1", "tab-2"]
    worker_two.remove(user, "tab-1")
    assert worker_one.tokens(user) == ["tab-2"]
    worker_one.remove(user, "tab-2")


def _redis_or_skip() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")


async def test_a_change_on_one_worker_reaches_the_pages_another_worker_holds_once() -> None:
    _redis_or_skip()
    one, two = Recorder(), Recorder()
    worker_one, worker_two = (
        wired(one, RedisChannel(REDIS_URL, CHANNEL)),
        wired(two, RedisChannel(REDIS_URL, CHANNEL)),
    )
    owner = uuid.uuid4()
    worker_one.watch(owner, "tab-1", epoch="e1", trust=trusted())
    worker_two.watch(owner, "tab-2", epoch="e2", trust=trusted())
    await asyncio.sleep(0.5)  # both listeners subscribed
    await asyncio.to_thread(worker_one.changed, _change(owner, "from worker one"))
    for _ in range(100):
        if one.sent and two.sent:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # and nothing more arrives
    await _drain(worker_one, worker_two)
    assert one.seqs("tab-1") == [1] and two.seqs("tab-2") == [1]
    assert len(one.sent) == len(two.sent) == 1  # its own publish is not sent twice
    assert two.sent[0][1]["changes"][0]["rows"][0]["title"] == "from worker one"
