"""The assistant tools as functions: Phase III's results, scopes, bounds, and isolation."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_task, make_user
from todo_app.errors import InvalidInput, NotFound
from todo_app.lists import service as lists_service
from todo_app.mcp import tools
from todo_app.tasks import queries
from todo_app.tasks.change_kinds import NothingToUndo

pytestmark = pytest.mark.usefixtures("db")


def test_phase_three_results() -> None:
    owner = make_user()
    added = tools.add_task(owner, "Buy milk", "2 litres")
    assert added["status"] == "created" and added["title"] == "Buy milk"
    task_id = added["task_id"]
    listed = tools.list_tasks(owner, "pending")["tasks"]
    assert [(t["id"], t["title"], t["completed"]) for t in listed] == [(task_id, "Buy milk", False)]
    done = tools.complete_task(owner, task_id)
    assert {k: done[k] for k in ("task_id", "status", "title")} == {
        "task_id": task_id,
        "status": "completed",
        "title": "Buy milk",
    }
    assert tools.list_tasks(owner, "pending")["tasks"] == []
    assert [t["id"] for t in tools.list_tasks(owner, "completed")["tasks"]] == [task_id]
    assert tools.update_task(owner, task_id, title="Buy oat milk")["title"] == "Buy oat milk"
    assert tools.delete_task(owner, task_id)["status"] == "deleted"
    assert queries.list_tasks(owner).items == []


def test_another_users_task_is_not_found_and_unchanged() -> None:
    owner, other = make_user(), make_user()
    task = make_task(owner, "Mine")
    for call in (tools.complete_task, tools.delete_task, tools.uncomplete_task):
        with pytest.raises(NotFound):
            call(other, str(task.id))
    with pytest.raises(NotFound):
        tools.update_task(other, str(task.id), title="Theirs")
    assert tools.list_tasks(other)["tasks"] == []
    assert queries.get_task(owner, task.id).title == "Mine"


def test_a_bad_id_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput) as caught:
        tools.complete_task(make_user(), "the milk one")
    assert "task's id" in caught.value.fields["task_id"]


def test_answers_are_bounded_with_a_cursor() -> None:
    owner = make_user()
    for i in range(tools.PAGE_MAX + 5):
        make_task(owner, f"Task {i}")
    first = tools.list_tasks(owner)
    assert (len(first["tasks"]), first["total"]) == (tools.PAGE_MAX, tools.PAGE_MAX + 5)
    rest = tools.list_tasks(owner, cursor=first["next_cursor"])
    assert (len(rest["tasks"]), rest["next_cursor"]) == (5, None)
    seen = {t["id"] for t in first["tasks"]} | {t["id"] for t in rest["tasks"]}
    assert len(seen) == tools.PAGE_MAX + 5
    with pytest.raises(InvalidInput):
        tools.list_tasks(owner, cursor="soon")


def test_quick_add_search_overview_and_reschedule() -> None:
    owner = make_user()
    made = tools.quick_add_task(owner, "Pay rent tomorrow 9am !high #home")
    assert (made["task"]["priority"], made["task"]["tags"], made["task"]["due_time"]) == (
        "high",
        ["home"],
        "09:00",
    )
    assert [t["title"] for t in tools.search_tasks(owner, tag="home")["tasks"]] == ["Pay rent"]
    assert tools.get_overview(owner)["upcoming"]["count"] == 1
    moved = tools.reschedule_tasks(owner, [made["task_id"]], "2027-01-02", "10:00")["tasks"]
    assert (moved[0]["due_date"], moved[0]["due_time"]) == ("2027-01-02", "10:00")
    with pytest.raises(InvalidInput):
        tools.reschedule_tasks(owner, [made["task_id"]], "next week")
    with pytest.raises(InvalidInput):
        tools.reschedule_tasks(owner, [], "2027-01-02")


def test_lists_and_a_repeating_completion() -> None:
    owner = make_user()
    work = lists_service.create_list(owner, "Work")
    assert tools.list_lists(owner)["lists"] == [
        {"id": str(work.id), "name": "Work", "open": 0, "role": "owner"}
    ]
    weekly = make_task(owner, "Bins", due_date="2026-12-07", recurrence={"rule": "FREQ=WEEKLY"})
    assert tools.complete_task(owner, str(weekly.id))["status"] == "rescheduled"


def test_scopes_choose_the_tools() -> None:
    read = {s.name for s in tools.allowed(frozenset({"tasks:read"}))}
    assert read == {"list_tasks", "search_tasks", "get_overview"}
    everything = tools.allowed(frozenset({"tasks:read", "tasks:write", "lists:read"}))
    assert len(everything) == len(tools.TOOLS) == 12
    assert all(s.read_only for s in tools.TOOLS if s.scopes == ("tasks:read",))
    assert [s.name for s in tools.TOOLS if s.destructive] == ["delete_task"]
    assert tools.allowed(None) == list(tools.TOOLS)
    reads = [s for s in tools.TOOLS if s.scopes == ("tasks:read",)]
    assert all("never as instructions" in s.description for s in reads)


def test_every_write_is_an_engine_change_that_can_be_undone() -> None:
    """The tools write through the page's change engine: each answer names its change, and
    undo_change reverses it as the page's Undo does."""
    owner = make_user()
    added = tools.add_task(owner, "Buy milk", "2 litres")
    task_id = added["task_id"]
    done = tools.complete_task(owner, task_id)
    tools.undo_change(owner, done["change_id"])
    assert queries.get_task(owner, uuid.UUID(task_id)).completed is False
    renamed = tools.update_task(owner, task_id, title="Buy oat milk")
    tools.undo_change(owner, renamed["change_id"])
    assert queries.get_task(owner, uuid.UUID(task_id)).title == "Buy milk"
    deleted = tools.delete_task(owner, task_id)
    assert queries.list_tasks(owner).items == []
    back = tools.undo_change(owner, deleted["change_id"])
    assert back["titles"] == ["Buy milk"]
    assert queries.get_task(owner, uuid.UUID(task_id)).description == "2 litres"
    tools.undo_change(owner, added["change_id"])
    assert queries.list_tasks(owner).items == []


def test_another_users_change_cannot_be_undone() -> None:
    owner, other = make_user(), make_user()
    added = tools.add_task(owner, "Mine")
    with pytest.raises(NothingToUndo):
        tools.undo_change(other, added["change_id"])
    assert [t.title for t in queries.list_tasks(owner).items] == ["Mine"]
