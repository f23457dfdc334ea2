"""The page's create, through TaskState.send: another user's task id is "not found", as the
REST API answers (tests/api/test_isolation.py), and one's own id is an idempotent retry."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.factories import make_account, make_task
from tests.state.harness import StateHarness, state_harness
from tests.state.test_task_state import mutation, outcome, sign_in
from todo_app.tasks import queries
from todo_app.tasks.state import TaskState

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


async def test_creating_with_another_users_task_id_is_not_found(tab: StateHarness) -> None:
    alice = make_account("Alice")
    alices = make_task(alice.id, "Alice's")
    bob, _ = await sign_in(tab, "Bob")
    taken = mutation("create", alices.id, fields={"title": "Mine now"})
    fresh = mutation("create", uuid.uuid4(), fields={"title": "Mine"})
    await tab.run(TaskState.send, uid=str(bob), batch=[taken, fresh])
    state = await tab.state(TaskState)
    refused = outcome(state, taken["mid"])
    assert (refused["status"], refused["reason"], refused["detail"]) == (
        "refused",
        "deleted",
        "Task not found",
    )
    assert outcome(state, fresh["mid"])["status"] == "applied"
    assert queries.get_task(alice.id, alices.id) == alices
    assert [t.title for t in queries.list_tasks(bob).items] == ["Mine"]


async def test_creating_again_with_ones_own_id_returns_the_stored_task(
    tab: StateHarness,
) -> None:
    owner, _ = await sign_in(tab)
    task_id = uuid.uuid4()
    first = mutation("create", task_id, fields={"title": "Once"})
    again = mutation("create", task_id, fields={"title": "Twice"})
    await tab.run(TaskState.send, uid=str(owner), batch=[first, again])
    state = await tab.state(TaskState)
    assert [outcome(state, m["mid"])["status"] for m in (first, again)] == ["applied"] * 2
    assert [t.title for t in queries.list_tasks(owner).items] == ["Once"]
