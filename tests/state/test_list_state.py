"""The side navigation's handlers and the task page's views, in-process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.factories import make_account, make_task
from tests.state.harness import StateHarness, state_harness
from todo_app.auth import service as auth_service
from todo_app.auth.state import AuthState
from todo_app.lists import service as lists_service
from todo_app.lists.state import ListState
from todo_app.tasks import fields, queries
from todo_app.tasks.state import TaskState

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


async def sign_in(h: StateHarness, name: str = "Ada") -> uuid.UUID:
    account = await asyncio.to_thread(make_account, name)
    auth = await h.state(AuthState)
    auth.token = auth._verified_token = account.token
    auth.user_id = str(account.id)
    return account.id


async def test_a_list_view_loads_its_tasks_and_new_tasks_go_into_it(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    home = lists_service.create_list(owner, "Home")
    make_task(owner, "In home", list_id=str(home.id))
    make_task(owner, "In the inbox")
    tab.query = {"list": str(home.id)}
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert (state.view_kind, state.view_title) == ("list", "Home")
    assert [r["title"] for r in state.rows] == ["In home"]
    assert state.new_defaults == {"list_id": str(home.id)}
    assert state.view_spec["list_id"] == str(home.id)
    assert [item["name"] for item in state.lists] == ["Home"]


async def test_today_is_the_users_today(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    auth_service.update_account(owner, time_zone="Pacific/Auckland")
    today = fields.today_in("Pacific/Auckland")
    make_task(owner, "Late", due_date=(today - timedelta(days=1)).isoformat())
    make_task(owner, "Now", due_date=today.isoformat())
    make_task(owner, "Later", due_date=(today + timedelta(days=1)).isoformat())
    tab.query = {"view": "today"}
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert {r["title"] for r in state.rows} == {"Late", "Now"}
    assert (state.view_spec["sort"], state.view_spec["descending"]) == ("due", False)
    assert state.today == today.isoformat() and state.time_zone == "Pacific/Auckland"
    assert state.view_empty == "Nothing due today"


async def test_create_rename_move_and_delete_a_list_with_undo(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    await tab.run(ListState.create_list, form_data={"name": "  Work  "})
    await tab.run(ListState.create_list, form_data={"name": "home"})
    lists = (await tab.state(TaskState)).lists
    assert [item["name"] for item in lists] == ["Work", "home"]
    assert any(path.startswith("/?list=") for path in tab.redirects())

    await tab.run(ListState.create_list, form_data={"name": "WORK"})
    assert (await tab.state(ListState)).new_list_error == lists_service.NAME_TAKEN

    work, home = (item["id"] for item in lists)
    await tab.run(ListState.rename_list, form_data={"id": home, "name": "Home"})
    await tab.run(ListState.move_list, list_id=home, step=-1)
    assert [i["name"] for i in (await tab.state(TaskState)).lists] == ["Home", "Work"]

    task = make_task(owner, "Report", list_id=work)
    await tab.run(ListState.delete_list, list_id=work)
    assert [i["name"] for i in (await tab.state(TaskState)).lists] == ["Home"]
    assert queries.get_task(owner, task.id).list_id is None  # moved to the Inbox
    assert any("Deleted list" in t for t in tab.toasts())
    key = next(iter((await tab.state(ListState))._undo))
    await tab.run(ListState.undo_delete, key=key)
    assert [i["name"] for i in (await tab.state(TaskState)).lists] == ["Home", "Work"]
    assert str(queries.get_task(owner, task.id).list_id) == work  # and back in it


async def test_an_undo_key_never_works_for_another_account(tab: StateHarness) -> None:
    alice = await sign_in(tab, "Alice")
    home = lists_service.create_list(alice, "Alice's")
    await tab.run(TaskState.load_tasks)
    await tab.run(ListState.delete_list, list_id=str(home.id))
    key = next(iter((await tab.state(ListState))._undo))
    bob = await sign_in(tab, "Bob")  # Bob signs in on the same tab
    await tab.run(ListState.undo_delete, key=key)
    assert lists_service.list_lists(bob) == [] and lists_service.list_lists(alice) == []


async def test_a_bad_list_name_says_why(tab: StateHarness) -> None:
    await sign_in(tab)
    await tab.run(ListState.create_list, form_data={"name": "x" * 61})
    assert "at most 60" in (await tab.state(ListState)).new_list_error
    await tab.run(ListState.delete_list, list_id="not-a-uuid")  # ignored, no traceback


async def test_quick_add_preview_reads_the_text_and_a_dismissed_part_stays_text(
    tab: StateHarness,
) -> None:
    owner = await sign_in(tab)
    lists_service.create_list(owner, "Bills")
    await tab.run(TaskState.load_tasks)
    await tab.run(TaskState.preview_quick_add, text="Pay rent tomorrow !high #home +Bills")
    quick = (await tab.state(TaskState)).quick
    assert quick["title"] == "Pay rent"
    assert quick["fields"]["priority"] == "high" and quick["fields"]["tags"] == ["home"]
    assert quick["fields"]["list_id"] == str(lists_service.list_lists(owner)[0].id)
    tag = next(t for t in quick["tokens"] if t["kind"] == "tag")
    await tab.run(TaskState.dismiss_token, start=tag["start"])
    quick = (await tab.state(TaskState)).quick
    assert quick["title"] == "Pay rent #home" and "tags" not in quick["fields"]
    assert quick["ignore"] == [tag["start"]]
    await tab.run(TaskState.preview_quick_add, text=12)  # not text: nothing, no traceback
    assert (await tab.state(TaskState)).quick == {}
