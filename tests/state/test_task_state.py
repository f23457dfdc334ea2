"""TaskState in-process: optimistic changes, rollback of exactly the failed change, ordering."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.state.harness import StateHarness, state_harness
from todo_app.auth import service as auth_service
from todo_app.auth.state import AuthState
from todo_app.tasks import service
from todo_app.tasks.state import TaskState

pytestmark = pytest.mark.usefixtures("db")
PASSWORD = "correct horse battery"


async def sign_in(h: StateHarness, email: str = "ada@example.com") -> uuid.UUID:
    """Make this tab signed in, as the login page would leave it."""
    signed = await asyncio.to_thread(auth_service.sign_up, email, PASSWORD)
    auth = await h.state(AuthState)
    auth.token = signed.token
    auth._verified_token = signed.token
    return signed.user.id


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


def titles(state: TaskState) -> list[str]:
    return [t.title for t in state.tasks]


class Gate:
    """Holds a service call open in its worker thread until the test releases it."""

    def __init__(self, real: Callable[..., Any], fail: bool = False) -> None:
        self.real, self.fail = real, fail
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.entered.set()
        assert self.release.wait(10), "the test never released the write"
        if self.fail:
            raise RuntimeError("database is down")
        return self.real(*args, **kwargs)


async def test_load_shows_own_tasks_newest_first_with_counts(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    for title in ("one", "two", "three"):
        service.create_task(owner, title)
    service.toggle_task(owner, service.list_tasks(owner).items[-1].id)  # "one" done
    other = await asyncio.to_thread(auth_service.sign_up, "bob@example.com", PASSWORD)
    service.create_task(other.user.id, "bob's secret")

    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert titles(state) == ["three", "two", "one"]
    assert (state.total, state.active, state.loading) == (3, 2, False)
    assert state.items_left == "2 items left"
    assert state.completed_count == 1


async def test_filter_comes_from_the_url(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    service.create_task(owner, "open")
    done = service.create_task(owner, "done")
    service.toggle_task(owner, done.id)
    tab.query = {"filter": "completed"}
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert state.filter == "completed"
    assert [t.title for t in state.visible_tasks] == ["done"]
    tab.query = {"filter": "nonsense"}
    await tab.run(TaskState.load_tasks)
    assert (await tab.state(TaskState)).filter == "all"


async def test_add_is_visible_before_the_write_completes(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_in(tab)
    await tab.run(TaskState.load_tasks)
    gate = Gate(service.create_task)
    monkeypatch.setattr(service, "create_task", gate)

    await tab.send(TaskState.add_task, form_data={"title": "  Buy milk  "})
    await asyncio.to_thread(gate.entered.wait, 5)
    state = await tab.state(TaskState)
    assert titles(state) == ["Buy milk"]  # shown, trimmed...
    assert state.items_left == "1 item left"
    assert service.count_tasks(owner).total == 0  # ...while the database has nothing yet

    gate.release.set()
    await tab.idle()
    stored = service.list_tasks(owner).items
    assert [t.title for t in stored] == ["Buy milk"]
    assert str(stored[0].id) == state.tasks[0].id  # the id made at creation is kept


async def test_failed_write_reverts_only_that_change(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_in(tab)
    a = service.create_task(owner, "a")
    b = service.create_task(owner, "b")
    await tab.run(TaskState.load_tasks)

    real_update = service.update_task

    def flaky_update(owner_id: uuid.UUID, task_id: uuid.UUID, **kw: Any) -> Any:
        if task_id == a.id:
            raise RuntimeError("disk full")
        return real_update(owner_id, task_id, **kw)

    monkeypatch.setattr(service, "update_task", flaky_update)
    await tab.send(TaskState.toggle, task_id=str(a.id))
    await tab.send(TaskState.toggle, task_id=str(b.id))
    await tab.idle()

    state = await tab.state(TaskState)
    by_id = {t.id: t for t in state.tasks}
    assert by_id[str(a.id)].completed is False  # reverted
    assert by_id[str(b.id)].completed is True  # the concurrent change survives
    assert service.get_task(owner, b.id).completed is True
    assert service.get_task(owner, a.id).completed is False
    assert state.active == 1
    toasts = tab.toasts()
    assert any("Could not save" in t and "Retry" in t for t in toasts), toasts


async def test_retry_after_a_failed_add_stores_the_task_once(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_in(tab)
    await tab.run(TaskState.load_tasks)
    gate = Gate(service.create_task, fail=True)
    gate.release.set()
    monkeypatch.setattr(service, "create_task", gate)
    await tab.run(TaskState.add_task, form_data={"title": "flaky"})
    state = await tab.state(TaskState)
    assert titles(state) == []  # the failed add was taken back
    assert list(state._failed)

    monkeypatch.setattr(service, "create_task", gate.real)
    key = next(iter(state._failed))
    await tab.run(TaskState.retry, key=key)
    await tab.run(TaskState.retry, key=key)  # a second click on Retry does nothing more
    assert [t.title for t in service.list_tasks(owner).items] == ["flaky"]
    assert titles(await tab.state(TaskState)) == ["flaky"]


async def test_two_rapid_toggles_end_consistent_with_the_database(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    task = service.create_task(owner, "flip")
    await tab.run(TaskState.load_tasks)
    for _ in range(3):
        await tab.send(TaskState.toggle, task_id=str(task.id))
    await tab.idle()
    state = await tab.state(TaskState)
    stored = service.get_task(owner, task.id)
    assert stored.completed is True
    assert state.tasks[0].completed is stored.completed
    assert stored.version == 4  # three writes, applied in click order


@pytest.mark.parametrize(
    ("title", "message"), [("", "Enter a title"), ("   ", "Enter a title"), ("x" * 201, "200")]
)
async def test_invalid_titles_write_nothing(tab: StateHarness, title: str, message: str) -> None:
    owner = await sign_in(tab)
    await tab.run(TaskState.load_tasks)
    await tab.run(TaskState.add_task, form_data={"title": title})
    state = await tab.state(TaskState)
    assert message in state.add_error
    assert state.tasks == []
    assert service.count_tasks(owner).total == 0


async def test_a_load_does_not_overwrite_a_change_in_flight(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await sign_in(tab)
    task = service.create_task(owner, "old title")
    await tab.run(TaskState.load_tasks)
    gate = Gate(service.update_task)
    monkeypatch.setattr(service, "update_task", gate)
    await tab.send(TaskState.update, task_id=str(task.id), changes={"title": "new title"})
    await asyncio.to_thread(gate.entered.wait, 5)
    await tab.send(TaskState.load_tasks)
    await tab.until(lambda: not tab.processor._queue.qsize())
    await asyncio.sleep(0.2)
    assert titles(await tab.state(TaskState)) == ["new title"]
    gate.release.set()
    await tab.idle()
    assert service.get_task(owner, task.id).title == "new title"


async def test_a_stale_update_reloads_the_task_and_says_so(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    task = service.create_task(owner, "shared")
    await tab.run(TaskState.load_tasks)
    service.update_task(owner, task.id, title="renamed elsewhere")  # another tab or the API
    await tab.run(TaskState.toggle, task_id=str(task.id))
    state = await tab.state(TaskState)
    assert titles(state) == ["renamed elsewhere"]
    assert state.tasks[0].completed is False  # not applied blindly
    assert service.get_task(owner, task.id).completed is False
    assert any("changed elsewhere" in t for t in tab.toasts())


async def test_delete_then_undo_restores_the_same_task(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    older = service.create_task(owner, "older")
    victim = service.create_task(owner, "victim", "with notes")
    service.create_task(owner, "newer")
    await tab.run(TaskState.load_tasks)
    await tab.run(TaskState.delete, task_id=str(victim.id))
    state = await tab.state(TaskState)
    assert titles(state) == ["newer", "older"]
    assert service.count_tasks(owner).total == 2
    assert any("Undo" in t for t in tab.toasts())

    await tab.run(TaskState.undo, key=next(iter(state._undo)))
    state = await tab.state(TaskState)
    assert titles(state) == ["newer", "victim", "older"]
    restored = service.get_task(owner, victim.id)
    assert (restored.title, restored.description) == ("victim", "with notes")
    assert older.id in {t.id for t in service.list_tasks(owner).items}


async def test_clear_completed_and_mark_all(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    for title in ("a", "b", "c"):
        service.create_task(owner, title)
    await tab.run(TaskState.load_tasks)
    await tab.run(TaskState.toggle_all)
    state = await tab.state(TaskState)
    assert all(t.completed for t in state.tasks) and state.all_completed
    assert service.count_tasks(owner).active == 0

    await tab.run(TaskState.clear_completed)
    state = await tab.state(TaskState)
    assert state.tasks == [] and state.total == 0
    assert service.count_tasks(owner).total == 0
    await tab.run(TaskState.undo, key=next(iter(state._undo)))
    assert service.count_tasks(owner).total == 3
    assert len((await tab.state(TaskState)).tasks) == 3


async def test_edit_saves_on_enter_and_an_empty_title_offers_delete(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    task = service.create_task(owner, "draft")
    await tab.run(TaskState.load_tasks)
    await tab.run(TaskState.start_edit, task_id=str(task.id))
    await tab.run(TaskState.save_edit, form_data={"id": str(task.id), "title": " final "})
    assert service.get_task(owner, task.id).title == "final"
    assert (await tab.state(TaskState)).editing_id == ""

    await tab.run(TaskState.start_edit, task_id=str(task.id))
    await tab.run(TaskState.edit_key, key="Escape")
    assert (await tab.state(TaskState)).editing_id == ""

    await tab.run(TaskState.start_edit, task_id=str(task.id))
    await tab.run(TaskState.save_edit, form_data={"id": str(task.id), "title": "  "})
    assert service.get_task(owner, task.id).title == "final"  # nothing written
    assert any("needs a title" in t and "Delete" in t for t in tab.toasts())


async def test_a_forged_task_id_changes_nothing(tab: StateHarness) -> None:
    await sign_in(tab)
    other = await asyncio.to_thread(auth_service.sign_up, "eve@example.com", PASSWORD)
    theirs = service.create_task(other.user.id, "not yours")
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    # A tampered client smuggles the other account's id into its list.
    state.tasks = [*state.tasks, *[v for v in [_view_of(theirs)]]]
    await tab.run(TaskState.toggle, task_id=str(theirs.id))
    await tab.run(TaskState.delete, task_id=str(theirs.id))
    stored = service.get_task(other.user.id, theirs.id)
    assert (stored.completed, stored.version) == (False, 1)


async def test_a_revoked_session_reverts_and_goes_to_sign_in(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    await tab.run(TaskState.load_tasks)
    auth_service.sign_out((await tab.state(AuthState)).token)  # signed out elsewhere
    await tab.run(TaskState.add_task, form_data={"title": "too late"})
    assert titles(await tab.state(TaskState)) == []
    assert service.count_tasks(owner).total == 0
    assert any("/login" in r for r in tab.redirects()), tab.events


def _view_of(task: service.TaskData) -> Any:
    from todo_app.tasks.state import TaskView

    return TaskView.of(task)


async def test_large_lists_load_in_pages_with_counts_from_the_database(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    for i in range(60):
        service.create_task(owner, f"task {i:02}")
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert len(state.tasks) == 50
    assert state.has_more is True
    assert (state.total, state.items_left) == (60, "60 items left")  # not the loaded 50
    assert state.tasks[0].title == "task 59"

    await tab.run(TaskState.load_more)
    state = await tab.state(TaskState)
    assert len(state.tasks) == 60
    assert len({t.id for t in state.tasks}) == 60
    assert state.has_more is False
    assert state.tasks[-1].title == "task 00"


async def test_search_reaches_beyond_the_loaded_page(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    service.create_task(owner, "needle in the haystack", "old")
    for i in range(55):
        service.create_task(owner, f"hay {i}")
    service.create_task(owner, "recent", "mentions a Needle too")
    await tab.run(TaskState.load_tasks)
    assert "needle in the haystack" not in titles(await tab.state(TaskState))  # beyond page 1

    await tab.run(TaskState.search, query="  NEEDLE ")
    state = await tab.state(TaskState)
    assert state.query == "NEEDLE"
    assert [t.title for t in state.visible_tasks] == ["recent", "needle in the haystack"]
    assert state.total == 57  # the counter still counts everything

    await tab.run(TaskState.search, query="zzz")
    state = await tab.state(TaskState)
    assert state.visible_tasks == []
    assert state.empty_message == 'No tasks match "zzz"'
    await tab.run(TaskState.search, query="")
    assert len((await tab.state(TaskState)).visible_tasks) == 50
