"""The lists service: create, rename, reorder and delete a user's lists, against a real
database (SQLite, or PostgreSQL with ``TODO_TEST_DB=postgresql``)."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
from sqlmodel import func, select

from tests.factories import make_task, make_user
from todo_app.db import session_scope
from todo_app.errors import Conflict, InvalidInput, NotFound
from todo_app.lists import service as lists
from todo_app.lists.service import ListData
from todo_app.models import Task, TaskList
from todo_app.tasks import list_rows as rows
from todo_app.tasks import queries, quick_add, unit_of_work, writes
from todo_app.tasks.types import TaskChange, TaskQuery

pytestmark = pytest.mark.usefixtures("db")


def names(owner: uuid.UUID) -> list[str]:
    return [item.name for item in lists.list_lists(owner)]


def positions(owner: uuid.UUID) -> list[tuple[str, int]]:
    return [(item.name, item.position) for item in lists.list_lists(owner)]


def list_rows() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(TaskList)).one()


# --- create -------------------------------------------------------------------------------


def test_a_new_list_goes_at_the_end() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    assert work == ListData(work.id, "Work", 0, 0)
    home = lists.create_list(owner, "  Home   and  garden ")
    assert (home.name, home.position, home.open_count) == ("Home and garden", 1, 0)
    lists.create_list(owner, "Errands")
    assert positions(owner) == [("Work", 0), ("Home and garden", 1), ("Errands", 2)]


def test_the_end_is_after_the_highest_position() -> None:
    owner = make_user()
    a = lists.create_list(owner, "a")
    lists.create_list(owner, "b")
    lists.update_list(owner, a.id, position=5)  # moved to the end: positions are 0, 1
    assert lists.create_list(owner, "c").position == 2
    assert names(owner) == ["b", "a", "c"]


def test_a_new_list_is_at_the_start_for_each_user() -> None:
    ann, bob = make_user(), make_user("Bob")
    lists.create_list(ann, "one")
    lists.create_list(ann, "two")
    assert lists.create_list(bob, "one").position == 0  # the same name is fine for another
    assert names(bob) == ["one"]


@pytest.mark.parametrize("taken", ["Work", "work", "WORK", "  work ", "wOrK"])
def test_a_name_taken_in_any_case_is_a_conflict(taken: str) -> None:
    owner = make_user()
    lists.create_list(owner, "Work")
    with pytest.raises(Conflict) as caught:
        lists.create_list(owner, taken)
    assert caught.value.message == "You already have a list with this name"
    assert names(owner) == ["Work"]


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("", "Enter a name for the list"),
        ("   ", "Enter a name for the list"),
        ("a" * 61, "A list name must be at most 60 characters"),
        ("a\x00", "A list name must not contain control characters"),
    ],
)
def test_a_bad_name_is_refused_and_nothing_is_made(bad: str, message: str) -> None:
    owner = make_user()
    with pytest.raises(InvalidInput) as caught:
        lists.create_list(owner, bad)
    assert caught.value.fields == {"name": message}
    assert list_rows() == 0


def test_create_with_an_id_is_idempotent() -> None:
    owner = make_user()
    list_id = uuid.uuid4()
    first = lists.create_list(owner, "Work", list_id=list_id)
    again = lists.create_list(owner, "Work", list_id=list_id)
    assert first == again and first.id == list_id
    assert list_rows() == 1


def test_create_with_another_users_id_is_not_found() -> None:
    ann, bob = make_user(), make_user("Bob")
    bobs = lists.create_list(bob, "Bob's")
    with pytest.raises(NotFound):
        lists.create_list(ann, "Mine", list_id=bobs.id)
    assert names(ann) == []


def test_at_most_200_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows, "LISTS_MAX", 3)
    owner = make_user()
    for name in "abc":
        lists.create_list(owner, name)
    with pytest.raises(InvalidInput) as caught:
        lists.create_list(owner, "d")
    assert caught.value.fields == {"name": "You can have at most 3 lists"}


def _counts(owner: uuid.UUID) -> tuple[int, int]:
    with session_scope() as session:
        count = session.exec(select(func.count()).select_from(TaskList)).one()
        tasks_made = session.exec(select(func.count()).select_from(Task)).one()
    return count, tasks_made


def test_quick_add_makes_lists_by_the_same_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """``+NewList`` was a second copy of list creation, without the cap (issue 15, finding 7)."""
    monkeypatch.setattr(rows, "LISTS_MAX", 3)
    owner = make_user()
    for name in "abc":
        lists.create_list(owner, name)
    with pytest.raises(InvalidInput) as caught:
        quick_add.create_from_text(owner, "Buy milk +Groceries")
    assert caught.value.fields == {"name": "You can have at most 3 lists"}
    assert _counts(owner) == (3, 0)  # neither the list nor the task was written
    # A list that exists is found, whatever the case, past the cap too.
    task = quick_add.create_from_text(owner, "Buy milk +B")
    assert task.list_id == next(item.id for item in lists.list_lists(owner) if item.name == "b")
    assert _counts(owner) == (3, 1)


def test_quick_add_names_a_new_list_by_the_list_name_rule() -> None:
    owner = make_user()
    task = quick_add.create_from_text(owner, "Plan +Trip")
    assert [(item.id, item.name, item.position) for item in lists.list_lists(owner)] == [
        (task.list_id, "Trip", 0)
    ]


# --- rename and reorder -------------------------------------------------------------------


def test_rename() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    renamed = lists.update_list(owner, work.id, name="  Office  work ")
    assert renamed == replace(work, name="Office work")
    assert names(owner) == ["Office work"]


def test_rename_to_another_case_of_its_own_name_is_fine() -> None:
    owner = make_user()
    work = lists.create_list(owner, "work")
    assert lists.update_list(owner, work.id, name="Work").name == "Work"


def test_rename_to_a_taken_name_is_a_conflict_and_keeps_the_old_name() -> None:
    owner = make_user()
    lists.create_list(owner, "Home")
    work = lists.create_list(owner, "Work")
    with pytest.raises(Conflict):
        lists.update_list(owner, work.id, name="HOME")
    assert names(owner) == ["Home", "Work"]


def test_rename_refuses_a_bad_name() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    with pytest.raises(InvalidInput) as caught:
        lists.update_list(owner, work.id, name="  ")
    assert caught.value.fields == {"name": "Enter a name for the list"}
    assert names(owner) == ["Work"]


def test_moving_to_zero_shifts_the_others_down() -> None:
    owner = make_user()
    made = [lists.create_list(owner, name) for name in ("a", "b", "c", "d")]
    moved = lists.update_list(owner, made[2].id, position=0)
    assert moved.position == 0
    assert positions(owner) == [("c", 0), ("a", 1), ("b", 2), ("d", 3)]


def test_moving_down_and_past_the_end() -> None:
    owner = make_user()
    made = [lists.create_list(owner, name) for name in ("a", "b", "c", "d")]
    lists.update_list(owner, made[0].id, position=2)
    assert positions(owner) == [("b", 0), ("c", 1), ("a", 2), ("d", 3)]
    assert lists.update_list(owner, made[1].id, position=99).position == 3
    assert positions(owner) == [("c", 0), ("a", 1), ("d", 2), ("b", 3)]


def test_rename_and_move_at_once() -> None:
    owner = make_user()
    lists.create_list(owner, "a")
    b = lists.create_list(owner, "b")
    assert lists.update_list(owner, b.id, name="B!", position=0) == ListData(b.id, "B!", 0, 0)
    assert names(owner) == ["B!", "a"]


def test_reorder_leaves_other_users_lists_alone() -> None:
    ann, bob = make_user(), make_user("Bob")
    lists.create_list(bob, "x")
    lists.create_list(bob, "y")
    a1, a2 = lists.create_list(ann, "1"), lists.create_list(ann, "2")
    lists.update_list(ann, a2.id, position=0)
    assert positions(bob) == [("x", 0), ("y", 1)]
    assert positions(ann) == [("2", 0), ("1", 1)]
    assert a1.id in {item.id for item in lists.list_lists(ann)}


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, [0]])
def test_a_bad_position_is_refused(bad: object) -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    with pytest.raises(InvalidInput) as caught:
        lists.update_list(owner, work.id, position=bad)
    assert caught.value.fields == {"position": "Position must be a whole number from 0"}


def test_update_with_nothing_changes_nothing() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    assert lists.update_list(owner, work.id) == work


# --- another user's list ------------------------------------------------------------------


def test_another_users_list_is_not_found_on_update_and_delete() -> None:
    ann, bob = make_user(), make_user("Bob")
    bobs = lists.create_list(bob, "Bob's")
    make_task(bob, "his", list_id=bobs.id)
    for call in (
        lambda: lists.update_list(ann, bobs.id, name="Mine now"),
        lambda: lists.update_list(ann, bobs.id, position=0),
        lambda: lists.delete_list(ann, bobs.id),
        lambda: lists.update_list(ann, uuid.uuid4(), name="x"),
        lambda: lists.delete_list(ann, uuid.uuid4()),
    ):
        with pytest.raises(NotFound) as caught:
            call()
        assert caught.value.message == "List not found"
    assert lists.list_lists(bob) == [replace(bobs, open_count=1)]
    assert lists.list_lists(ann) == []


# --- open counts --------------------------------------------------------------------------


def test_open_count_counts_only_open_tasks_of_the_list() -> None:
    ann, bob = make_user(), make_user("Bob")
    work, home = lists.create_list(ann, "Work"), lists.create_list(ann, "Home")
    make_task(ann, "open 1", list_id=work.id)
    make_task(ann, "open 2", list_id=work.id)
    make_task(ann, "done", list_id=work.id, completed=True)
    make_task(ann, "inbox")
    done_home = make_task(ann, "home done", list_id=home.id, completed=True)
    bobs = lists.create_list(bob, "Work")
    make_task(bob, "bob's", list_id=bobs.id)
    assert [(item.name, item.open_count) for item in lists.list_lists(ann)] == [
        ("Work", 2),
        ("Home", 0),
    ]
    writes.toggle_task(ann, done_home.id)
    assert lists.list_lists(ann)[1].open_count == 1
    assert lists.update_list(ann, work.id, name="Work!").open_count == 2


# --- delete -------------------------------------------------------------------------------


def test_delete_moves_its_tasks_to_the_inbox_and_announces_them() -> None:
    owner = make_user()
    work, home = lists.create_list(owner, "Work"), lists.create_list(owner, "Home")
    a = make_task(owner, "a", list_id=work.id, tags=["t"], priority="high", due_date="2026-12-05")
    b = make_task(owner, "b", list_id=work.id, completed=True)
    other = make_task(owner, "c", list_id=home.id)
    inbox = make_task(owner, "d")
    heard: list[TaskChange] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        moved = lists.delete_list(owner, work.id)
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    assert sorted(moved) == sorted([a.id, b.id])
    now_a, now_b = queries.get_task(owner, a.id), queries.get_task(owner, b.id)
    assert now_a == replace(a, list_id=None, version=2, updated_at=now_a.updated_at)
    assert now_b == replace(b, list_id=None, version=2, updated_at=now_b.updated_at)
    assert queries.get_task(owner, other.id) == other
    assert queries.get_task(owner, inbox.id) == inbox
    assert len(heard) == 1
    change = heard[0]
    assert change.owner_id == owner
    assert sorted(change.upserted, key=lambda t: t.title) == [now_a, now_b]
    assert (change.removed, change.total_delta, change.active_delta) == ((), 0, 0)
    assert names(owner) == ["Home"]
    inbox_titles = sorted(
        t.title for t in queries.list_tasks(owner, query=TaskQuery(list_id="inbox")).items
    )
    assert inbox_titles == ["a", "b", "d"]


def test_delete_of_an_empty_list_announces_nothing() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    heard: list[TaskChange] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        assert lists.delete_list(owner, work.id) == []
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    assert heard == []
    assert list_rows() == 0


def test_a_deleted_list_can_be_deleted_only_once_and_its_name_is_free_again() -> None:
    owner = make_user()
    work = lists.create_list(owner, "Work")
    lists.delete_list(owner, work.id)
    with pytest.raises(NotFound):
        lists.delete_list(owner, work.id)
    assert lists.create_list(owner, "work").position == 0


def test_delete_does_not_touch_another_users_tasks() -> None:
    ann, bob = make_user(), make_user("Bob")
    work = lists.create_list(ann, "Work")
    bobs = lists.create_list(bob, "Work")
    his = make_task(bob, "his", list_id=bobs.id)
    lists.delete_list(ann, work.id)
    assert queries.get_task(bob, his.id) == his
    with session_scope() as session:
        assert session.get(Task, his.id).list_id == bobs.id  # type: ignore[union-attr]
