"""The task service: behaviour, ownership, validation and concurrency, against a real database.

Runs on the file-based SQLite database conftest sets up, or on PostgreSQL with
``TODO_TEST_DB_URL``. Users are inserted directly: the auth service is not under test here.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import func, select

from tests.factories import make_user
from todo_app.db import session_scope
from todo_app.errors import InvalidInput, NotFound, StaleVersion
from todo_app.models import Task
from todo_app.tasks import writes
from todo_app.tasks.deletes import clear_completed, delete_task, restore_tasks
from todo_app.tasks.fields import validate_description, validate_title
from todo_app.tasks.queries import count_tasks, get_in, get_task, list_tasks
from todo_app.tasks.types import TaskCounts, TaskData
from todo_app.tasks.writes import create_task, find, set_all_completed, toggle_task, update_task

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def alice(db: None) -> uuid.UUID:
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> uuid.UUID:
    return make_user("bob")


def make_tasks(owner: uuid.UUID, *titles: str) -> list[TaskData]:
    """Tasks one minute apart, oldest first, so list order is known."""
    return [
        create_task(owner, title, created_at=T0 + timedelta(minutes=i))
        for i, title in enumerate(titles)
    ]


def stored_rows() -> list[Task]:
    with session_scope() as session:
        return list(session.exec(select(Task)).all())


def row_count() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Task)).one()


def titles(tasks: list[TaskData]) -> list[str]:
    return [task.title for task in tasks]


def run_together(*calls: Callable[[], Any]) -> list[Any]:
    """Start the calls in threads at the same moment; each result or raised error, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


# --- create and read ----------------------------------------------------------------------


def test_create_then_get_returns_the_stored_task(alice: uuid.UUID) -> None:
    created = create_task(alice, "  Buy milk  ", "2 litres")

    assert created.title == "Buy milk"
    assert created.description == "2 litres"
    assert created.completed is False
    assert created.version == 1
    assert created.created_at.tzinfo is not None
    assert created.updated_at == created.created_at
    assert get_task(alice, created.id) == created


def test_create_keeps_the_given_id_completed_flag_and_created_at(alice: uuid.UUID) -> None:
    task_id = uuid.uuid4()

    created = create_task(alice, "Old", task_id=task_id, completed=True, created_at=T0)

    assert (created.id, created.completed, created.created_at) == (task_id, True, T0)
    assert get_task(alice, task_id) == created


def test_to_dict_is_json_ready(alice: uuid.UUID) -> None:
    task = create_task(alice, "Write report", "by Friday")

    data = json.loads(json.dumps(task.to_dict()))

    assert data == {
        "id": str(task.id),
        "title": "Write report",
        "description": "by Friday",
        "completed": False,
        "version": 1,
        "created_at": task.created_at.isoformat(),
        "updated_at": task.updated_at.isoformat(),
        "list_id": None,
        "priority": "none",
        "tags": [],
        "due_date": None,
        "due_time": None,
        "due_at": None,
        "recurrence": None,
        "reminders": [],
        "parent_id": None,
        "position": task.position,
        "assignee_id": None,
        "created_by": str(alice),
        "completed_by": None,
        "subtask_count": 0,
        "subtasks_done": 0,
    }
    assert datetime.fromisoformat(data["created_at"]) == task.created_at


def test_get_unknown_task_is_not_found(alice: uuid.UUID) -> None:
    with pytest.raises(NotFound, match="Task not found"):
        get_task(alice, uuid.uuid4())


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "Enter a title"),
        (" \t\n ", "Enter a title"),
        ("x" * 201, "Title must be at most 200 characters (this one has 201)"),
        ("  " + "x" * 201 + "  ", "Title must be at most 200 characters (this one has 201)"),
        ("bad\x00byte", "Title must not contain control characters"),
        ("bell\x07", "Title must not contain control characters"),
    ],
)
def test_invalid_title_is_refused_and_nothing_stored(
    alice: uuid.UUID, title: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_task(alice, title)

    assert caught.value.fields == {"title": message}
    assert row_count() == 0


def test_title_of_200_characters_is_accepted(alice: uuid.UUID) -> None:
    assert create_task(alice, "x" * 200).title == "x" * 200


def test_title_line_breaks_and_tabs_become_one_space() -> None:
    assert validate_title("Buy\r\n  milk\tand\n\nbread ") == "Buy milk and bread"
    # Emoji sequences use format characters (ZWJ): they are not control characters.
    assert validate_title("Family 👨\u200d👩\u200d👧") == "Family 👨\u200d👩\u200d👧"


def test_description_over_2000_characters_is_refused(alice: uuid.UUID) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_task(alice, "ok", "d" * 2001)

    assert caught.value.fields == {
        "description": "Description must be at most 2000 characters (this one has 2001)"
    }
    assert row_count() == 0


def test_description_of_2000_characters_is_accepted(alice: uuid.UUID) -> None:
    assert create_task(alice, "ok", "d" * 2000).description == "d" * 2000


def test_description_keeps_lines_and_drops_trailing_whitespace() -> None:
    assert validate_description("  first\r\n\tsecond  \n\n") == "  first\n\tsecond"
    assert validate_description(None) == ""
    with pytest.raises(InvalidInput) as caught:
        validate_description("nul\x00")
    assert set(caught.value.fields) == {"description"}


def test_naive_created_at_is_refused(alice: uuid.UUID) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_task(alice, "ok", created_at=datetime(2024, 1, 1))

    assert set(caught.value.fields) == {"created_at"}


# --- idempotent create --------------------------------------------------------------------


def test_same_id_twice_from_the_same_owner_returns_the_stored_task(alice: uuid.UUID) -> None:
    task_id = uuid.uuid4()
    first = create_task(alice, "Original", task_id=task_id)

    again = create_task(alice, "Retried with other text", "changed", task_id=task_id)

    assert again == first
    assert row_count() == 1


def test_same_id_from_another_owner_is_not_found(alice: uuid.UUID, bob: uuid.UUID) -> None:
    """As on every other path: another user's task id is "not found", so it leaks nothing."""
    task_id = uuid.uuid4()
    original = create_task(alice, "Alice's", task_id=task_id)

    with pytest.raises(NotFound, match="Task not found"):
        create_task(bob, "Bob's", task_id=task_id)

    assert get_task(alice, task_id) == original
    assert list_tasks(bob).total == 0


def test_create_that_loses_the_insert_race_returns_the_winner(
    alice: uuid.UUID, bob: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look-up and the insert another request stores the same id."""
    task_id = uuid.uuid4()
    real_find = find

    def find_then_lose_race(session: Any, wanted: uuid.UUID) -> Task | None:
        monkeypatch.setattr(writes, "find", real_find)
        create_task(alice, "Winner", task_id=wanted)  # its own session, committed first
        return None

    monkeypatch.setattr(writes, "find", find_then_lose_race)
    result = create_task(alice, "Loser", task_id=task_id)

    assert result.title == "Winner"
    assert row_count() == 1

    monkeypatch.setattr(writes, "find", find_then_lose_race)
    with pytest.raises(NotFound):  # the winner was another user's: not found, as ever
        create_task(bob, "Bob", task_id=uuid.uuid4())
    assert list_tasks(bob).total == 0


def test_concurrent_creates_with_one_id_make_one_row(alice: uuid.UUID) -> None:
    task_id = uuid.uuid4()

    results = run_together(*[lambda: create_task(alice, "Same", task_id=task_id)] * 4)

    assert all(isinstance(r, TaskData) for r in results), results
    assert len({r for r in results}) == 1
    assert row_count() == 1


# --- update, toggle, versions -------------------------------------------------------------


def test_partial_update_changes_only_the_given_fields(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title", "Notes")

    updated = update_task(alice, task.id, title="  New title ")

    assert (updated.title, updated.description, updated.completed) == ("New title", "Notes", False)
    assert updated.version == 2
    assert updated.updated_at > task.updated_at
    assert updated.created_at == task.created_at
    assert get_task(alice, task.id) == updated


def test_update_of_every_field(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title", "Notes")

    updated = update_task(alice, task.id, title="T2", description="", completed=True)

    assert (updated.title, updated.description, updated.completed) == ("T2", "", True)
    assert updated.version == 2


def test_update_with_the_same_values_does_not_bump_the_version(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title", "Notes")

    same = update_task(alice, task.id, title=" Title ", description="Notes", completed=False)
    nothing = update_task(alice, task.id)

    assert same == task
    assert nothing == task
    assert get_task(alice, task.id).version == 1


def test_update_validates_before_writing(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title")

    with pytest.raises(InvalidInput):
        update_task(alice, task.id, title="   ", completed=True)

    assert get_task(alice, task.id) == task


def test_stale_expected_version_raises_with_the_stored_task(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title")
    current = update_task(alice, task.id, title="Changed elsewhere", expected_version=1)

    with pytest.raises(StaleVersion) as caught:
        update_task(alice, task.id, title="Mine", expected_version=1)

    assert caught.value.message == "This task was changed elsewhere"
    assert caught.value.current == current
    assert get_task(alice, task.id) == current


def test_matching_expected_version_succeeds(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title")

    assert update_task(alice, task.id, title="A", expected_version=1).version == 2
    assert update_task(alice, task.id, title="B", expected_version=2).version == 3


def test_toggle_flips_completed_and_bumps_the_version(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title")

    done = toggle_task(alice, task.id)
    undone = toggle_task(alice, task.id, expected_version=2)

    assert (done.completed, done.version) == (True, 2)
    assert (undone.completed, undone.version) == (False, 3)
    with pytest.raises(StaleVersion) as caught:
        toggle_task(alice, task.id, expected_version=1)
    assert caught.value.current == undone
    assert get_task(alice, task.id) == undone


def test_concurrent_updates_with_one_expected_version_let_exactly_one_win(
    alice: uuid.UUID,
) -> None:
    task = create_task(alice, "Start")

    results = run_together(
        *[
            lambda n=n: update_task(alice, task.id, title=f"writer {n}", expected_version=1)
            for n in range(4)
        ]
    )

    winners = [r for r in results if isinstance(r, TaskData)]
    losers = [r for r in results if isinstance(r, StaleVersion)]
    assert len(winners) == 1, results
    assert len(losers) == 3, results
    stored = get_task(alice, task.id)
    assert stored == winners[0]
    assert stored.version == 2


def test_a_write_between_read_and_update_makes_the_update_stale(
    alice: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version check is in the UPDATE itself, not only in the read before it."""
    task = create_task(alice, "Start")
    real_read = get_in

    def read_then_someone_writes(session: Any, owner: uuid.UUID, task_id: uuid.UUID) -> Any:
        seen = real_read(session, owner, task_id)
        monkeypatch.setattr(writes, "get_in", real_read)
        update_task(alice, task_id, title="Other writer", expected_version=1)
        return seen

    monkeypatch.setattr(writes, "get_in", read_then_someone_writes)
    with pytest.raises(StaleVersion) as caught:
        update_task(alice, task.id, title="Mine", expected_version=1)

    assert caught.value.current.title == "Other writer"
    assert get_task(alice, task.id).title == "Other writer"
    assert get_task(alice, task.id).version == 2


def test_a_write_between_read_and_toggle_is_not_lost(
    alice: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without expected_version a lost race is retried on the newer task, never overwritten."""
    task = create_task(alice, "Start")
    real_read = get_in

    def read_then_someone_writes(session: Any, owner: uuid.UUID, task_id: uuid.UUID) -> Any:
        seen = real_read(session, owner, task_id)
        monkeypatch.setattr(writes, "get_in", real_read)
        update_task(alice, task_id, title="Renamed meanwhile")
        return seen

    monkeypatch.setattr(writes, "get_in", read_then_someone_writes)
    toggled = toggle_task(alice, task.id)

    assert (toggled.title, toggled.completed, toggled.version) == ("Renamed meanwhile", True, 3)
    assert get_task(alice, task.id) == toggled


# --- delete and restore -------------------------------------------------------------------


def test_delete_returns_the_task_and_removes_it(alice: uuid.UUID) -> None:
    task = create_task(alice, "Title", "Notes")

    deleted = delete_task(alice, task.id)

    assert deleted == task
    with pytest.raises(NotFound):
        get_task(alice, task.id)
    with pytest.raises(NotFound):
        delete_task(alice, task.id)


def test_restore_after_delete_puts_tasks_back_in_place(alice: uuid.UUID) -> None:
    tasks = make_tasks(alice, "one", "two", "three", "four")
    deleted = [delete_task(alice, tasks[1].id), delete_task(alice, tasks[3].id)]

    restored = restore_tasks(alice, deleted)

    assert [t.id for t in restored] == [tasks[1].id, tasks[3].id]
    assert restored == [replace(t, version=t.version + 1) for t in deleted]  # a new version
    assert [t.id for t in list_tasks(alice).items] == [t.id for t in reversed(tasks)]


def test_restore_skips_tasks_that_exist_and_repeats_safely(alice: uuid.UUID) -> None:
    kept, gone = make_tasks(alice, "kept", "gone")
    delete_task(alice, gone.id)

    first = restore_tasks(alice, [kept, gone, gone])
    second = restore_tasks(alice, [kept, gone])

    assert first == [replace(gone, version=gone.version + 1)]
    assert second == []
    assert row_count() == 2
    assert restore_tasks(alice, []) == []


def test_restore_validates_and_writes_nothing_on_bad_input(alice: uuid.UUID) -> None:
    gone = delete_task(alice, create_task(alice, "gone").id)
    bad = replace(gone, id=uuid.uuid4(), title="")

    with pytest.raises(InvalidInput):
        restore_tasks(alice, [gone, bad])

    assert row_count() == 0


def test_concurrent_restores_put_each_task_back_once(alice: uuid.UUID) -> None:
    deleted = [delete_task(alice, t.id) for t in make_tasks(alice, "a", "b", "c")]

    results = run_together(*[lambda: restore_tasks(alice, deleted)] * 3)

    assert all(isinstance(r, list) for r in results), results
    assert sorted(t.id for r in results for t in r) == sorted(t.id for t in deleted)
    assert row_count() == 3


# --- ownership ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempt",
    [
        lambda owner, task_id: get_task(owner, task_id),
        lambda owner, task_id: update_task(owner, task_id, title="hijacked"),
        lambda owner, task_id: update_task(owner, task_id, completed=True, expected_version=1),
        lambda owner, task_id: toggle_task(owner, task_id),
        lambda owner, task_id: delete_task(owner, task_id),
    ],
    ids=["get", "update", "update-versioned", "toggle", "delete"],
)
def test_another_users_task_is_not_found_and_unchanged(
    alice: uuid.UUID, bob: uuid.UUID, attempt: Callable[[uuid.UUID, uuid.UUID], Any]
) -> None:
    task = create_task(alice, "Alice's")

    with pytest.raises(NotFound, match="Task not found"):
        attempt(bob, task.id)

    assert get_task(alice, task.id) == task


def test_lists_and_counts_show_only_the_callers_tasks(alice: uuid.UUID, bob: uuid.UUID) -> None:
    make_tasks(alice, "alice 1", "alice 2")
    create_task(bob, "bob 1", completed=True)

    assert titles(list_tasks(bob).items) == ["bob 1"]
    assert list_tasks(bob, q="alice").total == 0
    assert count_tasks(bob) == TaskCounts(total=1, active=0, completed=1)


def test_bulk_actions_never_touch_another_users_tasks(alice: uuid.UUID, bob: uuid.UUID) -> None:
    bobs_done = create_task(bob, "bob done", completed=True)
    bobs_open = create_task(bob, "bob open")
    create_task(alice, "alice done", completed=True)

    set_all_completed(alice, True)
    set_all_completed(alice, False)
    clear_completed(alice)  # nothing of Alice's is completed now
    set_all_completed(alice, True)
    clear_completed(alice)

    assert get_task(bob, bobs_done.id) == bobs_done
    assert get_task(bob, bobs_open.id) == bobs_open


def test_restore_cannot_take_over_another_users_task(alice: uuid.UUID, bob: uuid.UUID) -> None:
    bobs = create_task(bob, "Bob's")
    forged = replace(bobs, title="Alice claims it")

    assert restore_tasks(alice, [forged]) == []
    assert get_task(bob, bobs.id) == bobs
    assert list_tasks(alice).total == 0


# --- bulk actions -------------------------------------------------------------------------


def test_set_all_completed_changes_and_returns_only_what_differs(alice: uuid.UUID) -> None:
    done = create_task(alice, "done", completed=True, created_at=T0)
    open1, open2 = make_tasks(alice, "open 1", "open 2")

    changed = set_all_completed(alice, True)

    assert [t.id for t in changed] == [open2.id, open1.id]  # newest first
    assert all(t.completed and t.version == 2 for t in changed)
    assert get_task(alice, done.id) == done
    assert set_all_completed(alice, True) == []

    reopened = set_all_completed(alice, False)
    assert {t.id for t in reopened} == {done.id, open1.id, open2.id}
    assert count_tasks(alice) == TaskCounts(total=3, active=3, completed=0)


def test_clear_completed_deletes_only_completed_and_undo_restores(alice: uuid.UUID) -> None:
    a, _b, c, _d = make_tasks(alice, "a", "b", "c", "d")
    toggle_task(alice, a.id)
    toggle_task(alice, c.id)
    before = list_tasks(alice).items

    cleared = clear_completed(alice)

    assert [t.id for t in cleared] == [c.id, a.id]
    assert titles(list_tasks(alice).items) == ["d", "b"]
    assert clear_completed(alice) == []

    restore_tasks(alice, cleared)
    back = {t.id: replace(t, version=t.version + 1) for t in cleared}
    assert list_tasks(alice).items == [back.get(t.id, t) for t in before]


# --- listing ------------------------------------------------------------------------------


def test_list_is_newest_first_with_id_breaking_ties(alice: uuid.UUID) -> None:
    older = create_task(alice, "older", created_at=T0)
    twins = [create_task(alice, f"twin {i}", created_at=T0 + timedelta(hours=1)) for i in range(6)]

    items = list_tasks(alice).items

    expected_twins = sorted(twins, key=lambda t: t.id, reverse=True)
    assert [t.id for t in items] == [*(t.id for t in expected_twins), older.id]


def test_pagination_uses_limit_offset_and_counts_every_match(alice: uuid.UUID) -> None:
    make_tasks(alice, *(f"task {i}" for i in range(5)))

    first = list_tasks(alice, limit=2)
    second = list_tasks(alice, limit=2, offset=2)
    last = list_tasks(alice, limit=2, offset=4)
    beyond = list_tasks(alice, limit=2, offset=10)

    assert titles(first.items) == ["task 4", "task 3"]
    assert titles(second.items) == ["task 2", "task 1"]
    assert titles(last.items) == ["task 0"]
    assert beyond.items == []
    assert {first.total, second.total, last.total, beyond.total} == {5}


def test_default_page_holds_50(alice: uuid.UUID) -> None:
    now = datetime.now(UTC)
    restore_tasks(
        alice,
        [
            TaskData(uuid.uuid4(), f"t{i}", "", False, 1, now - timedelta(seconds=i), now)
            for i in range(51)
        ],
    )

    page = list_tasks(alice)

    assert (len(page.items), page.total) == (50, 51)
    assert page.items[0].title == "t0"


def test_status_filters(alice: uuid.UUID) -> None:
    _a, b, _c = make_tasks(alice, "a", "b", "c")
    toggle_task(alice, b.id)

    active = list_tasks(alice, status="active")
    completed = list_tasks(alice, status="completed")

    assert (titles(active.items), active.total) == (["c", "a"], 2)
    assert (titles(completed.items), completed.total) == (["b"], 1)
    assert list_tasks(alice, status="all").total == 3


def test_search_matches_title_or_description_ignoring_case(alice: uuid.UUID) -> None:
    create_task(alice, "Buy MILK", created_at=T0)
    create_task(alice, "Shopping", "oat milk and bread", created_at=T0 + timedelta(minutes=1))
    create_task(alice, "Call mum", created_at=T0 + timedelta(minutes=2))

    page = list_tasks(alice, q="  Milk ")

    assert (titles(page.items), page.total) == (["Shopping", "Buy MILK"], 2)
    assert list_tasks(alice, q="milk", status="active", limit=1).total == 2


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("50%", ["50% off"]),
        ("%", ["50% off"]),
        ("a_b", ["a_b"]),
        ("_", ["a_b"]),
        ("\\", ["back\\slash"]),
        ("/", ["and/or"]),
    ],
)
def test_search_treats_wildcards_literally(alice: uuid.UUID, q: str, expected: list[str]) -> None:
    make_tasks(alice, "50% off", "500 off", "a_b", "axb", "back\\slash", "and/or")

    assert titles(list_tasks(alice, q=q).items) == expected


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"status": "done"}, {"status"}),
        ({"limit": 0}, {"limit"}),
        ({"limit": 101}, {"limit"}),
        ({"offset": -1}, {"offset"}),
        ({"q": "nul\x00"}, {"q"}),
        ({"q": "x" * 2001}, {"q"}),
        ({"status": "x", "limit": 0, "offset": -1}, {"status", "limit", "offset"}),
    ],
)
def test_invalid_list_parameters_are_refused(
    alice: uuid.UUID, kwargs: dict[str, Any], fields: set[str]
) -> None:
    with pytest.raises(InvalidInput) as caught:
        list_tasks(alice, **kwargs)

    assert set(caught.value.fields) == fields


def test_limit_bounds_are_inclusive(alice: uuid.UUID) -> None:
    make_tasks(alice, "a", "b")

    assert len(list_tasks(alice, limit=1).items) == 1
    assert len(list_tasks(alice, limit=100).items) == 2


def test_counts(alice: uuid.UUID) -> None:
    assert count_tasks(alice) == TaskCounts(total=0, active=0, completed=0)

    a, _b, c = make_tasks(alice, "a", "b", "c")
    toggle_task(alice, a.id)
    toggle_task(alice, c.id)

    assert count_tasks(alice) == TaskCounts(total=3, active=1, completed=2)
