"""The change engine's server side: parsing, exactly-once application, refusals, undo."""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from tests.factories import make_task, make_user
from tests.races import race
from todo_app.db import get_engine, session_scope
from todo_app.errors import InvalidInput
from todo_app.lists import service as lists_service
from todo_app.models import Task, TaskMutation
from todo_app.tasks import moves, mutations, queries, unit_of_work, writes
from todo_app.tasks.fields import today_in
from todo_app.tasks.mutations import APPLIED, DELETED, FAILED, INVALID, NOTHING, REFUSED, STALE
from todo_app.tasks.types import TaskChange, TaskQuery

pytestmark = pytest.mark.usefixtures("db")


def mutation(kind: str, task_id: uuid.UUID | None = None, **extra: Any) -> mutations.Mutation:
    raw: dict[str, Any] = {"mid": str(uuid.uuid4()), "kind": kind, **extra}
    if task_id is not None:
        raw["task_id"] = str(task_id)
    return mutations.parse(raw)


def stored(task_id: uuid.UUID) -> Task | None:
    with session_scope() as session:
        return session.get(Task, task_id)


def log_rows() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(TaskMutation)).one()


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("not a dict", "mutation"),
        ({"mid": str(uuid.uuid4()), "kind": "explode"}, "kind"),
        ({"mid": "nope", "kind": "clear_completed"}, "mid"),
        ({"mid": str(uuid.uuid4()), "kind": "set", "task_id": 7}, "task_id"),
        (
            {"mid": str(uuid.uuid4()), "kind": "set", "task_id": str(uuid.uuid4()), "fields": []},
            "fields",
        ),
        (
            {"mid": str(uuid.uuid4()), "kind": "clear_completed", "base_version": "3"},
            "base_version",
        ),
        (
            {"mid": str(uuid.uuid4()), "kind": "clear_completed", "base_version": True},
            "base_version",
        ),
        ({"mid": str(uuid.uuid4()), "kind": "clear_completed", "created_at": "9999"}, "mutation"),
        ({"mid": str(uuid.uuid4()), "kind": "undo", "of": None}, "of"),
    ],
)
def test_a_malformed_mutation_is_refused_with_the_field_named(raw: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        mutations.parse(raw)
    assert field in caught.value.fields


def test_unknown_and_mistyped_fields_are_refused_and_write_nothing() -> None:
    owner = make_user()
    task = make_task(owner)
    for fields in (
        {"id": str(uuid.uuid4())},
        {"completed": "yes"},
        {"title": 5},
        {"owner_id": "x"},
    ):
        m = mutation("set", task.id, fields=fields, base_version=1)
        receipt = mutations.apply(owner, m)
        assert (receipt.status, receipt.reason) == (REFUSED, INVALID), fields
    row = stored(task.id)
    assert row is not None and row.version == 1 and not row.completed


def test_a_60_kb_title_of_spaces_is_refused_at_once() -> None:
    """The page's path runs the same title rule: 30k spaces took 8.6 s (issue 15, 3)."""
    owner = make_user()
    task = make_task(owner)
    title = "a" + " " * 60_000 + "b"
    started = time.perf_counter()
    for m in (
        mutation("set", task.id, fields={"title": title}, base_version=1),
        mutation("create", uuid.uuid4(), fields={"title": title}),
    ):
        receipt = mutations.apply(owner, m)
        assert (receipt.status, receipt.reason) == (REFUSED, INVALID)
        assert f"this one has {len(title)}" in receipt.detail
    assert time.perf_counter() - started < 0.5
    row = stored(task.id)
    assert row is not None and row.version == 1


# --- applying exactly once ----------------------------------------------------------------


def test_a_create_sent_twice_makes_one_task_and_the_same_answer() -> None:
    owner = make_user()
    task_id = uuid.uuid4()
    m = mutation("create", task_id, fields={"title": "  Buy milk "})
    first = mutations.apply(owner, m)
    again = mutations.apply(owner, m)
    assert first.status == again.status == APPLIED
    assert first.change is not None and first.change.upserted[0].title == "Buy milk"
    assert first.change.total_delta == 1 and first.change.active_delta == 1
    assert again.change is None  # a replay changes nothing
    with session_scope() as session:
        assert session.exec(select(func.count()).select_from(Task)).one() == 1
    assert log_rows() == 1


def test_set_carries_new_values_not_a_toggle() -> None:
    owner = make_user()
    task = make_task(owner)
    m = mutation("set", task.id, fields={"completed": True}, base_version=1)
    assert mutations.apply(owner, m).status == APPLIED
    assert mutations.apply(owner, m).status == APPLIED  # sent again: still completed, once
    row = stored(task.id)
    assert row is not None and row.completed and row.version == 2


def test_a_stale_base_version_is_refused_with_the_stored_task() -> None:
    owner = make_user()
    task = make_task(owner)
    writes.update_task(owner, task.id, title="Changed elsewhere")
    receipt = mutations.apply(
        owner, mutation("set", task.id, fields={"completed": True}, base_version=1)
    )
    assert (receipt.status, receipt.reason) == (REFUSED, STALE)
    assert receipt.current is not None and receipt.current.title == "Changed elsewhere"
    row = stored(task.id)
    assert row is not None and not row.completed


def test_a_chain_of_changes_made_on_top_of_each_other_all_apply() -> None:
    """Rapid toggles: each names the one before; none knew the version it would leave."""
    owner = make_user()
    task = make_task(owner)
    first = mutation("set", task.id, fields={"completed": True}, base_version=1)
    second = mutation(
        "set", task.id, fields={"completed": False}, base_version=1, after=str(first.mid)
    )
    third = mutation(
        "set", task.id, fields={"completed": True}, base_version=1, after=str(second.mid)
    )
    assert [mutations.apply(owner, m).status for m in (first, second, third)] == [APPLIED] * 3
    row = stored(task.id)
    assert row is not None and row.completed and row.version == 4


def test_a_refusal_is_recorded_so_a_resend_gets_the_same_answer() -> None:
    owner = make_user()
    task = make_task(owner)
    m = mutation("set", task.id, fields={"title": "x" * 300}, base_version=1)
    first = mutations.apply(owner, m)
    assert (first.status, first.reason) == (REFUSED, INVALID)
    assert "at most 200" in first.detail
    again = mutations.apply(owner, m)
    assert (again.status, again.reason, again.detail) == (REFUSED, INVALID, first.detail)


def test_another_users_task_is_deleted_for_this_user() -> None:
    alice, bob = make_user("Alice"), make_user("Bob")
    task = make_task(alice)
    for m in (
        mutation("set", task.id, fields={"completed": True}, base_version=1),
        mutation("delete", task.id),
    ):
        assert (mutations.apply(bob, m).reason) == DELETED
    assert stored(task.id) is not None


@pytest.mark.parametrize("fields", [{"title": "Mine now"}, {"text": "Mine now !high"}])
def test_creating_with_another_users_task_id_is_not_found_and_changes_nothing(
    fields: dict[str, Any],
) -> None:
    """As the REST API answers 404: the page's create says "not found" too, never "in use"."""
    alice, bob = make_user("Alice"), make_user("Bob")
    task = make_task(alice, "Alice's")
    receipt = mutations.apply(bob, mutation("create", task.id, fields=fields))
    assert (receipt.status, receipt.reason, receipt.detail) == (REFUSED, DELETED, "Task not found")
    assert queries.get_task(alice, task.id) == task
    assert queries.list_tasks(bob).total == 0


def test_creating_again_with_ones_own_task_id_is_idempotent() -> None:
    owner = make_user()
    task_id = uuid.uuid4()
    first = mutations.apply(owner, mutation("create", task_id, fields={"title": "Once"}))
    again = mutations.apply(owner, mutation("create", task_id, fields={"title": "Twice"}))
    assert (first.status, again.status) == (APPLIED, APPLIED)
    assert queries.get_task(owner, task_id).title == "Once"
    assert queries.list_tasks(owner).total == 1


def test_another_users_mutation_id_reveals_nothing_and_changes_nothing() -> None:
    alice, bob = make_user("Alice"), make_user("Bob")
    task = make_task(alice)
    m = mutation("set", task.id, fields={"completed": True}, base_version=1)
    assert mutations.apply(alice, m).status == APPLIED
    receipt = mutations.apply(bob, m)
    assert receipt.status == REFUSED and receipt.change is None


def test_an_unexpected_failure_is_not_recorded_so_retry_can_pass(monkeypatch) -> None:
    owner = make_user()
    task = make_task(owner)
    m = mutation("set", task.id, fields={"completed": True}, base_version=1)
    real = writes.write_in

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr(writes, "write_in", broken)
    assert mutations.apply(owner, m).status == FAILED
    assert log_rows() == 0
    monkeypatch.setattr(writes, "write_in", real)
    assert mutations.apply(owner, m).status == APPLIED


def test_two_workers_applying_one_mutation_apply_it_once() -> None:
    owner = make_user()
    task = make_task(owner)
    m = mutation("set", task.id, fields={"title": "Once"}, base_version=1)
    receipts = race([lambda: mutations.apply(owner, m)] * 4)
    assert {r.status for r in receipts} == {APPLIED}
    row = stored(task.id)
    assert row is not None and row.version == 2
    assert log_rows() == 1


def test_one_completion_of_a_repeating_task_sent_by_four_threads_steps_it_once() -> None:
    """No base version and a change that is not idempotent (completing a repeating task moves
    its due date): every sender but one must end with the recorded outcome, not a second
    step (the claim at the end of the transaction rolls the duplicate back)."""
    owner = make_user()
    today = today_in("UTC")
    task = make_task(
        owner,
        "Repeat",
        due_date=today.isoformat(),
        recurrence={"rule": "FREQ=DAILY", "from_completion": False},
    )
    m = mutation("set", task.id, fields={"completed": True})
    receipts = race([lambda: mutations.apply(owner, m)] * 4)
    assert [r.status for r in receipts] == [APPLIED] * 4
    assert sum(r.change is not None for r in receipts) == 1  # the others were replays
    after = queries.get_task(owner, task.id)
    assert (after.version, after.due_date) == (2, task.due_date + timedelta(days=1))
    assert log_rows() == 1


def test_a_replay_after_a_newer_change_leaves_the_newer_change() -> None:
    """A replay without a base version would apply again; the failed claim rolls it back."""
    owner = make_user()
    task = make_task(owner)
    m = mutation("set", task.id, fields={"title": "First"})
    assert mutations.apply(owner, m).status == APPLIED
    writes.update_task(owner, task.id, title="Newer")
    again = mutations.apply(owner, m)
    assert (again.status, again.change) == (APPLIED, None)
    assert queries.get_task(owner, task.id).title == "Newer"


def statements_of(owner: uuid.UUID, m: mutations.Mutation) -> tuple[list[str], Any]:
    """The statements applying ``m`` issues, as "VERB table", and its receipt."""
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        table = re.search(r"(?:FROM|UPDATE|INTO) (\w+)", statement)
        if table is not None:  # (not SQLite's BEGIN IMMEDIATE)
            statements.append(f"{statement.split()[0]} {table.group(1)}")

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        receipt = mutations.apply(owner, m)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return statements, receipt


def test_a_set_that_touches_no_tag_or_reminder_is_three_statements() -> None:
    """The write path every click takes: read the task with its tags, the versioned UPDATE
    ... RETURNING, the claim with its outcome. The tags still reach the live delta."""
    owner = make_user()
    task = make_task(owner, tags=["home", "Errand"])
    m = mutation("set", task.id, fields={"completed": True}, base_version=1)
    statements, receipt = statements_of(owner, m)
    assert statements == ["SELECT tasks", "UPDATE tasks", "INSERT task_mutations"]
    assert receipt.change is not None
    assert receipt.change.upserted[0].tags == ("home", "Errand")
    assert receipt.change.upserted[0].completed


def test_a_create_without_tags_or_due_writes_no_tag_zone_or_reminder() -> None:
    owner = make_user()
    statements, receipt = statements_of(
        owner, mutation("create", uuid.uuid4(), fields={"title": "x"})
    )
    assert receipt.status == APPLIED
    # (the second SELECT: the ends of its list's manual order and where the Inbox adds)
    assert statements == [
        "SELECT tasks",
        "SELECT tasks",
        "INSERT tasks",
        "SELECT tasks",
        "INSERT task_mutations",
    ]


# --- bulk kinds and undo ------------------------------------------------------------------


def test_delete_then_undo_puts_the_task_back_as_it_was() -> None:
    owner = make_user()
    task = make_task(owner, "Keep me")
    deleted = mutation("delete", task.id)
    receipt = mutations.apply(owner, deleted)
    assert receipt.change is not None and receipt.change.removed == (task.id,)
    assert receipt.change.total_delta == -1
    assert stored(task.id) is None
    undo = mutations.apply(owner, mutation("undo", of=str(deleted.mid)))
    assert undo.status == APPLIED
    row = stored(task.id)
    assert row is not None and row.title == "Keep me" and row.created_at == task.created_at


def test_undo_of_a_set_restores_the_old_values_unless_changed_since() -> None:
    owner = make_user()
    task = make_task(owner, "Old")
    edit = mutation("set", task.id, fields={"title": "New"}, base_version=1)
    mutations.apply(owner, edit)
    assert mutations.apply(owner, mutation("undo", of=str(edit.mid))).status == APPLIED
    row = stored(task.id)
    assert row is not None and row.title == "Old"

    edit2 = mutation("set", task.id, fields={"title": "Newer"}, base_version=3)
    mutations.apply(owner, edit2)
    writes.update_task(owner, task.id, title="Elsewhere")
    refused = mutations.apply(owner, mutation("undo", of=str(edit2.mid)))
    assert (refused.status, refused.reason) == (REFUSED, NOTHING)
    row = stored(task.id)
    assert row is not None and row.title == "Elsewhere"


def test_undo_can_be_undone() -> None:
    owner = make_user()
    task = make_task(owner)
    deleted = mutation("delete", task.id)
    mutations.apply(owner, deleted)
    undo = mutation("undo", of=str(deleted.mid))
    mutations.apply(owner, undo)
    assert mutations.apply(owner, mutation("undo", of=str(undo.mid))).status == APPLIED
    assert stored(task.id) is None


def test_nobody_can_undo_another_users_change() -> None:
    alice, bob = make_user("Alice"), make_user("Bob")
    task = make_task(alice, "Alice's")
    deleted = mutation("delete", task.id)
    mutations.apply(alice, deleted)
    receipt = mutations.apply(bob, mutation("undo", of=str(deleted.mid)))
    assert (receipt.status, receipt.reason) == (REFUSED, NOTHING)
    assert queries.list_tasks(bob).total == 0


def test_mark_all_and_clear_completed_with_undo() -> None:
    owner = make_user()
    a, b, c = (make_task(owner, t) for t in "abc")
    writes.update_task(owner, a.id, completed=True)
    mark = mutation("set_all", fields={"completed": True})
    receipt = mutations.apply(owner, mark)
    assert receipt.change is not None and {t.id for t in receipt.change.upserted} == {b.id, c.id}
    assert receipt.change.active_delta == -2
    assert queries.count_tasks(owner).active == 0
    mutations.apply(owner, mutation("undo", of=str(mark.mid)))
    assert queries.count_tasks(owner).active == 2

    clear = mutation("clear_completed")
    cleared = mutations.apply(owner, clear)
    assert cleared.change is not None and cleared.change.removed == (a.id,)
    mutations.apply(owner, mutation("undo", of=str(clear.mid)))
    assert queries.count_tasks(owner).total == 3


def test_every_applied_change_is_announced_with_its_id_and_origin() -> None:
    owner = make_user()
    seen: list[TaskChange] = []
    unit_of_work.change_listeners.append(seen.append)
    try:
        m = mutation("create", uuid.uuid4(), fields={"title": "Hello"})
        mutations.apply(owner, m, origin="tab-1")
        mutations.apply(owner, m, origin="tab-1")  # a replay announces nothing
    finally:
        unit_of_work.change_listeners.remove(seen.append)
    assert len(seen) == 1
    assert seen[0].mutation_id == str(m.mid) and seen[0].origin == "tab-1"


def test_old_outcomes_are_purged() -> None:
    owner = make_user()
    mutations.apply(owner, mutation("create", uuid.uuid4(), fields={"title": "x"}))
    assert mutations.purge_log() == 0
    assert mutations.purge_log(older_than=mutations.timedelta(seconds=-1)) == 1


def test_a_deleted_tasks_contents_leave_the_log_once_too_old_to_undo() -> None:
    owner = make_user()
    task = make_task(owner, "Private", description="the doctor's number")
    delete = mutation("delete", task.id)
    mutations.apply(owner, delete)
    assert mutations.purge_log() == 0  # a fresh delete keeps its Undo
    mutations.purge_log(undo_older_than=mutations.timedelta(seconds=-1))
    with session_scope() as session:
        row = session.get(TaskMutation, delete.mid)
        assert row is not None and row.undo == {}  # the outcome stays for replays
        assert "doctor" not in str(row.outcome)
    undo = mutation("undo", of=str(delete.mid))
    assert mutations.apply(owner, undo).reason == mutations.NOTHING
    assert queries.count_tasks(owner).total == 0


def test_a_change_made_on_top_of_a_failed_one_waits_instead_of_being_refused() -> None:
    """A passing failure of the first must not turn the ones made on top of it into "stale"."""
    owner = make_user()
    task = make_task(owner)
    first = mutation("set", task.id, fields={"completed": True}, base_version=1)
    second = mutation(
        "set", task.id, fields={"title": "Second"}, base_version=1, after=str(first.mid)
    )
    waiting = mutations.apply(owner, second)  # the first never reached an outcome
    assert (waiting.status, waiting.detail) == (FAILED, "waiting for an earlier change")
    assert log_rows() == 0
    assert mutations.apply(owner, first).status == APPLIED
    assert mutations.apply(owner, second).status == APPLIED  # sent again: now it applies
    row = stored(task.id)
    assert row is not None and (row.completed, row.title, row.version) == (True, "Second", 3)


def test_a_busy_database_is_tried_again_not_failed(monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    owner = make_user()
    task = make_task(owner)
    real = mutations._apply_once
    calls = {"n": 0}

    def busy_twice(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= 2:
            raise OperationalError("INSERT ...", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(mutations, "_apply_once", busy_twice)
    m = mutation("set", task.id, fields={"completed": True}, base_version=1)
    assert mutations.apply(owner, m).status == APPLIED
    assert calls["n"] == 3


# --- sub-tasks and moves ------------------------------------------------------------------


def manual_order(owner: uuid.UUID, list_id: uuid.UUID | None = None) -> list[str]:
    """The titles of a list (None: the Inbox) in manual order, depth-first."""
    query = TaskQuery(list_id=str(list_id) if list_id else "inbox", sort="manual", limit=100)
    return [t.title for t in queries.list_tasks(owner, query=query).items]


def test_a_move_applies_once_and_a_replay_gets_the_recorded_outcome() -> None:
    owner = make_user()
    a, _b, c = (make_task(owner, t) for t in "abc")  # on top: c, b, a
    m = mutation("move", a.id, fields={"parent_id": None, "before_id": str(c.id)})
    first = mutations.apply(owner, m)
    assert first.status == APPLIED
    assert first.change is not None and [t.id for t in first.change.upserted] == [a.id]
    assert manual_order(owner) == ["a", "c", "b"]
    moves.move_task(owner, a.id, None, None)  # moved on since: last
    again = mutations.apply(owner, m)
    assert (again.status, again.change) == (APPLIED, None)
    assert manual_order(owner) == ["c", "b", "a"]  # the replay did not move it back
    assert queries.get_task(owner, a.id).version == 3
    assert log_rows() == 1


def test_a_move_writes_one_task_row_and_records_its_outcome() -> None:
    owner = make_user()
    tasks = [make_task(owner, f"t{i}") for i in range(5)]
    m = mutation("move", tasks[0].id, fields={"parent_id": None, "before_id": str(tasks[3].id)})
    statements, receipt = statements_of(owner, m)
    assert receipt.status == APPLIED
    assert [s for s in statements if not s.startswith("SELECT")] == [
        "UPDATE tasks",
        "INSERT task_mutations",
    ]


def test_a_move_into_a_cycle_or_with_an_unknown_field_is_refused() -> None:
    owner = make_user()
    parent = make_task(owner, "parent")
    child = make_task(owner, "child", parent_id=parent.id)
    for fields in (
        {"parent_id": str(child.id), "before_id": None},
        {"parent_id": None, "before_id": None, "position": "a0"},
        {"parent_id": None, "before_id": "not an id"},
    ):
        receipt = mutations.apply(owner, mutation("move", parent.id, fields=fields))
        assert (receipt.status, receipt.reason) == (REFUSED, INVALID), fields
    assert queries.get_task(owner, parent.id).version == 1


def test_undo_of_a_move_puts_the_task_back_in_its_old_place() -> None:
    owner = make_user()
    _a, _b, c = (make_task(owner, t) for t in "abc")  # c, b, a
    m = mutation("move", c.id, fields={"parent_id": None, "before_id": None})
    mutations.apply(owner, m)
    assert manual_order(owner) == ["b", "a", "c"]
    undo = mutation("undo", of=str(m.mid))
    assert mutations.apply(owner, undo).status == APPLIED
    assert manual_order(owner) == ["c", "b", "a"]
    assert queries.get_task(owner, c.id).position == c.position
    # And the undo can be undone.
    assert mutations.apply(owner, mutation("undo", of=str(undo.mid))).status == APPLIED
    assert manual_order(owner) == ["b", "a", "c"]


def test_undo_of_a_move_under_another_parent_puts_it_back_where_it_was() -> None:
    owner = make_user()
    a, b, c, d = (make_task(owner, t) for t in "abcd")  # d, c, b, a
    kids = [make_task(owner, f"b{i}", parent_id=b.id) for i in (1, 2)]
    start = ["d", "c", "b", "b1", "b2", "a"]
    m = mutation("move", c.id, fields={"parent_id": str(a.id), "before_id": None})
    mutations.apply(owner, m)
    assert manual_order(owner) == ["d", "b", "b1", "b2", "a", "c"]
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    assert manual_order(owner) == start  # not on top, nor last: where it was
    back = queries.get_task(owner, c.id)
    assert (back.parent_id, back.position) == (None, c.position)
    # A sub-task moved out to the top level goes back under its parent, in its place.
    out = mutation("move", kids[0].id, fields={"parent_id": None, "before_id": str(d.id)})
    mutations.apply(owner, out)
    assert manual_order(owner) == ["b1", "d", "c", "b", "b2", "a"]
    mutations.apply(owner, mutation("undo", of=str(out.mid)))
    assert manual_order(owner) == start
    back = queries.get_task(owner, kids[0].id)
    assert (back.parent_id, back.position) == (b.id, kids[0].position)


def test_undo_of_a_move_into_another_list_brings_the_task_and_its_sub_tasks_back() -> None:
    owner = make_user()
    work = lists_service.create_list(owner, "Work").id
    home = lists_service.create_list(owner, "Home").id
    shop = make_task(owner, "shop", list_id=home)
    top = make_task(owner, "top", list_id=work)
    kid = make_task(owner, "kid", parent_id=top.id)
    grandkid = make_task(owner, "grandkid", parent_id=kid.id)
    make_task(owner, "other", list_id=work)  # other, top, kid, grandkid
    m = mutation("move", top.id, fields={"parent_id": str(shop.id), "before_id": None})
    mutations.apply(owner, m)
    assert manual_order(owner, home) == ["shop", "top", "kid", "grandkid"]
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    assert manual_order(owner, work) == ["other", "top", "kid", "grandkid"]
    assert manual_order(owner, home) == ["shop"]
    for task in (top, kid, grandkid):
        back = queries.get_task(owner, task.id)
        assert (back.list_id, back.parent_id, back.position) == (
            work,
            task.parent_id,
            task.position,
        ), task.title


def test_completing_a_parent_then_one_undo_reopens_every_sub_task_it_completed() -> None:
    owner = make_user()
    parent = make_task(owner, "parent")
    kids = [make_task(owner, f"kid {i}", parent_id=parent.id) for i in range(3)]
    grandkid = make_task(owner, "grandkid", parent_id=kids[0].id)
    writes.update_task(owner, kids[2].id, completed=True)  # done before: stays done
    m = mutation("set", parent.id, fields={"completed": True}, base_version=1)
    receipt = mutations.apply(owner, m)
    assert receipt.change is not None
    assert {t.id for t in receipt.change.upserted} == {
        parent.id,
        kids[0].id,
        kids[1].id,
        grandkid.id,
    }
    assert queries.count_tasks(owner).active == 0
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    state = {t.title: t.completed for t in queries.list_tasks(owner).items}
    assert state == {
        "parent": False,
        "kid 0": False,
        "kid 1": False,
        "kid 2": True,
        "grandkid": False,
    }


def test_deleting_a_parent_then_undo_restores_it_with_its_sub_tasks_under_it() -> None:
    owner = make_user()
    work = lists_service.create_list(owner, "Work").id
    parent = make_task(owner, "parent", list_id=work)
    kids = [make_task(owner, f"kid {i}", parent_id=parent.id) for i in range(2)]
    grandkid = make_task(owner, "grandkid", parent_id=kids[1].id)
    make_task(owner, "other", list_id=work)
    before = manual_order(owner, work)
    m = mutation("delete", parent.id)
    receipt = mutations.apply(owner, m)
    assert receipt.change is not None
    assert set(receipt.change.removed) == {parent.id, kids[0].id, kids[1].id, grandkid.id}
    assert manual_order(owner, work) == ["other"]
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    assert manual_order(owner, work) == before
    for task in (parent, *kids, grandkid):
        back = queries.get_task(owner, task.id)
        assert (back.parent_id, back.list_id, back.position) == (
            task.parent_id,
            work,
            task.position,
        ), task.title
    assert queries.get_task(owner, parent.id).subtask_count == 2


def test_mark_all_complete_announces_the_reopened_sub_tasks_of_a_repeating_parent() -> None:
    """The repeating parent moves to its next occurrence and opens its sub-tasks again, after
    the same change's bulk UPDATE completed them: the change carries their newest rows."""
    owner = make_user()
    today = today_in("UTC").isoformat()
    repeat = {"rule": "FREQ=DAILY", "from_completion": False}
    parent = make_task(owner, "every day", due_date=today, recurrence=repeat)
    kid = make_task(owner, "step", parent_id=parent.id)
    done = make_task(owner, "done step", parent_id=parent.id)
    writes.update_task(owner, done.id, completed=True)
    plain = make_task(owner, "plain")
    receipt = mutations.apply(owner, mutation("set_all", fields={"completed": True}))
    assert receipt.change is not None
    announced = {t.id: t for t in receipt.change.upserted}
    for task in (kid, done):
        stored_now = queries.get_task(owner, task.id)
        assert not stored_now.completed
        assert announced[task.id] == stored_now, task.title
    assert announced[plain.id].completed
    # "plain" left the open tasks and "done step" came back; "step" never left.
    assert receipt.change.active_delta == 0


def test_undo_of_a_deleted_sub_task_brings_it_back_in_its_parents_list_now() -> None:
    """The parent moved to another list after the delete: the sub-task comes back under it,
    in that list, not in the list it was deleted from."""
    owner = make_user()
    work = lists_service.create_list(owner, "Work").id
    home = lists_service.create_list(owner, "Home").id
    parent = make_task(owner, "parent", list_id=work)
    kid = make_task(owner, "kid", parent_id=parent.id)
    delete = mutation("delete", kid.id)
    mutations.apply(owner, delete)
    writes.update_task(owner, parent.id, list_id=home)
    assert mutations.apply(owner, mutation("undo", of=str(delete.mid))).status == APPLIED
    back = queries.get_task(owner, kid.id)
    assert (back.parent_id, back.list_id) == (parent.id, home)
    assert manual_order(owner, home) == ["parent", "kid"]
    assert queries.get_task(owner, parent.id).subtask_count == 1
