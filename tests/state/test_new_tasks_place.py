"""The task page's "Add tasks to: Top / Bottom" (lists/new_tasks.py), in-process: the
setting of the Inbox or list shown, and its change through the lists service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.factories import make_account
from tests.state.harness import StateHarness, state_harness
from todo_app.auth.state import AuthState
from todo_app.lists import service as lists_service
from todo_app.lists.state import ListState
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


async def test_a_list_set_to_the_bottom_shows_it_and_the_engine_learns_it(
    tab: StateHarness,
) -> None:
    owner = await sign_in(tab)
    home = lists_service.create_list(owner, "Home")
    tab.query = {"list": str(home.id)}
    await tab.run(TaskState.load_tasks)
    state = await tab.state(TaskState)
    assert state.new_tasks_place == "top"

    await tab.run(ListState.set_new_tasks_place, list_id=str(home.id), place="bottom")
    assert lists_service.list_lists_one(owner, home.id).add_on_top is False
    state = await tab.state(TaskState)
    assert state.new_tasks_place == "bottom"
    assert state.add_on_top == {str(home.id): False, "inbox": True}
    assert lists_service.inbox_adds_on_top(owner) is True


async def test_the_inbox_keeps_its_own_setting(tab: StateHarness) -> None:
    owner = await sign_in(tab)
    lists_service.set_inbox_add_on_top(owner, False)
    tab.query = {"view": "inbox"}
    await tab.run(TaskState.load_tasks)
    assert (await tab.state(TaskState)).new_tasks_place == "bottom"

    await tab.run(ListState.set_new_tasks_place, list_id="inbox", place="top")
    assert lists_service.inbox_adds_on_top(owner) is True
    assert (await tab.state(TaskState)).new_tasks_place == "top"


async def test_hidden_outside_manual_order_and_outside_the_inbox_and_lists(
    tab: StateHarness,
) -> None:
    await sign_in(tab)
    for query in ({"view": "inbox", "sort": "due"}, {"view": "today"}, {}):
        tab.query = query
        await tab.run(TaskState.load_tasks)
        assert (await tab.state(TaskState)).new_tasks_place == "", query


async def test_bad_values_and_another_accounts_list_change_nothing(tab: StateHarness) -> None:
    await sign_in(tab)
    other = await asyncio.to_thread(make_account, "Bob")
    theirs = lists_service.create_list(other.id, "Theirs")
    await tab.run(ListState.set_new_tasks_place, list_id=str(theirs.id), place="bottom")
    await tab.run(ListState.set_new_tasks_place, list_id="not-an-id", place="bottom")
    await tab.run(ListState.set_new_tasks_place, list_id="inbox", place="sideways")
    assert lists_service.list_lists_one(other.id, theirs.id).add_on_top is True
    assert lists_service.inbox_adds_on_top(other.id) is True
