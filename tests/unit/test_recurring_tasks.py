"""Recurring tasks through the service and the change engine: the contract's cases."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from tests.factories import make_task, make_user
from todo_app.auth import service as auth_service
from todo_app.errors import InvalidInput
from todo_app.tasks import fields, mutations, queries, writes
from todo_app.tasks.types import TaskData

pytestmark = pytest.mark.usefixtures("db")


def mutation(kind: str, task_id: Any = None, **extra: Any) -> mutations.Mutation:
    raw: dict[str, Any] = {"mid": str(uuid.uuid4()), "kind": kind, **extra}
    if task_id is not None:
        raw["task_id"] = str(task_id)
    return mutations.parse(raw)


def daily(owner: uuid.UUID, due: date, at: str | None = None, **rule: Any) -> TaskData:
    recurrence = {
        "rule": rule.pop("rule", "FREQ=DAILY"),
        "from_completion": rule.pop("bang", False),
    }
    return make_task(owner, "Repeat", due_date=due.isoformat(), due_time=at, recurrence=recurrence)


def test_a_repeat_needs_a_due_date() -> None:
    with pytest.raises(InvalidInput) as caught:
        make_task(make_user(), "x", recurrence={"rule": "FREQ=DAILY", "from_completion": False})
    assert caught.value.fields == {"recurrence": "A repeating task needs a due date"}


def test_completing_moves_to_the_next_occurrence_and_records_history() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today, rule="FREQ=WEEKLY")
    after = writes.update_task(owner, task.id, completed=True)
    assert (after.completed, after.due_date, after.version) == (False, today + timedelta(7), 2)
    assert [due for _at, due in queries.history(owner, task.id)] == [today]
    assert after.to_dict()["recurrence"] == {"rule": "FREQ=WEEKLY", "from_completion": False}


def test_completing_while_removing_the_repeat_completes_for_good() -> None:
    """One write that ends the repeat and completes (a CalDAV client that made the next
    occurrence as a task of its own) is a plain completion."""
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today, rule="FREQ=WEEKLY")
    after = writes.update_task(owner, task.id, completed=True, recurrence=None)
    assert (after.completed, after.due_date, after.recurrence) == (True, today, None)


def test_an_overdue_repeat_jumps_past_today_never_into_the_past() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today - timedelta(days=30))
    after = writes.update_task(owner, task.id, completed=True)
    assert after.due_date is not None and after.due_date >= today


def test_from_completion_counts_from_the_day_it_was_done() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today - timedelta(days=10), rule="FREQ=DAILY;INTERVAL=3", bang=True)
    after = writes.update_task(owner, task.id, completed=True)
    assert after.due_date == today + timedelta(days=3)


def test_a_rule_that_runs_out_completes_the_task_for_good() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today, rule="FREQ=DAILY;COUNT=2")
    first = writes.update_task(owner, task.id, completed=True)
    assert not first.completed and first.due_date == today + timedelta(days=1)
    second = writes.update_task(owner, task.id, completed=True)
    assert second.completed  # the second of two: done for good
    assert len(queries.history(owner, task.id)) == 2


def test_the_wall_clock_time_stays_across_daylight_saving() -> None:
    """09:00 Europe/Berlin daily, completed on 28 March 2026: next 29 March 09:00 = 07:00Z."""
    owner = make_user()
    auth_service.update_account(owner, time_zone="Europe/Berlin")
    task = daily(owner, date(2026, 3, 28), "09:00")
    assert task.due_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fields, "today_in", lambda zone, now=None: date(2026, 3, 28))
        after = writes.update_task(owner, task.id, completed=True)
    assert (after.due_date, after.due_time) == (date(2026, 3, 29), time(9, 0))
    assert after.due_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)


def test_undo_of_a_completion_puts_the_due_date_back() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today, "08:30")
    done = mutation("set", task.id, fields={"completed": True}, base_version=1)
    assert mutations.apply(owner, done).status == mutations.APPLIED
    assert queries.get_task(owner, task.id).due_date == today + timedelta(days=1)
    assert mutations.apply(owner, mutation("undo", of=str(done.mid))).status == mutations.APPLIED
    back = queries.get_task(owner, task.id)
    assert (back.due_date, back.due_time, back.completed) == (today, time(8, 30), False)


def test_two_quick_completions_advance_twice_and_a_stale_tab_advances_nothing() -> None:
    owner = make_user()
    today = fields.today_in("UTC")
    task = daily(owner, today)
    first = mutation("set", task.id, fields={"completed": True}, base_version=1)
    second = mutation(
        "set", task.id, fields={"completed": True}, base_version=1, after=str(first.mid)
    )
    assert [mutations.apply(owner, m).status for m in (first, second)] == ["applied"] * 2
    stored = queries.get_task(owner, task.id)
    assert (stored.due_date, stored.version) == (today + timedelta(days=2), 3)
    other_tab = mutation("set", task.id, fields={"completed": True}, base_version=1)
    receipt = mutations.apply(owner, other_tab)  # based on version 1: changed elsewhere
    assert (receipt.status, receipt.reason) == ("refused", "stale")
    assert queries.get_task(owner, task.id).version == 3
    assert len(queries.history(owner, task.id)) == 2


def test_quick_add_through_the_engine_parses_on_the_server() -> None:
    owner = make_user()
    auth_service.update_account(owner, time_zone="Europe/Berlin")
    task_id = uuid.uuid4()
    m = mutation(
        "create",
        task_id,
        fields={
            "title": "shown meanwhile",
            "text": "Pay rent tomorrow 9am !high #home +Bills every month",
        },
    )
    assert mutations.apply(owner, m).status == mutations.APPLIED
    task = queries.get_task(owner, task_id)
    tomorrow = fields.today_in("Europe/Berlin") + timedelta(days=1)
    assert (task.title, task.priority, task.tags) == ("Pay rent", "high", ("home",))
    assert (task.due_date, task.due_time) == (tomorrow, time(9, 0))
    assert task.recurrence is not None and task.recurrence["rule"] == "FREQ=MONTHLY"
    from todo_app.lists import service as lists_service

    assert [(item.id, item.name) for item in lists_service.list_lists(owner)] == [
        (task.list_id, "Bills")
    ]
    dismissed = mutation(
        "create", uuid.uuid4(), fields={"text": "Read The 5th Wave #books", "ignore": [18]}
    )
    mutations.apply(owner, dismissed)
    read = queries.get_task(owner, dismissed.task_id)  # type: ignore[arg-type]
    assert (read.title, read.tags) == ("Read The 5th Wave #books", ())


# --- rules at the limits (issue 15, findings 2 and 5) ----------------------------------------

LEAP_EVERY_4 = "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"


def test_a_rule_that_never_repeats_from_its_due_date_is_refused() -> None:
    owner = make_user()
    with pytest.raises(InvalidInput) as caught:  # from 2025, every 4 years is never a leap year
        daily(owner, date(2025, 3, 1), rule=LEAP_EVERY_4)
    assert "gives no date after 2025-03-01" in caught.value.fields["recurrence"]
    task = daily(owner, date(2028, 2, 29), rule=LEAP_EVERY_4)  # from a leap year: fine
    with pytest.raises(InvalidInput):  # a rule set anew starts at the due date it is set on
        writes.update_task(
            owner,
            task.id,
            due_date="2025-03-01",
            recurrence={"rule": LEAP_EVERY_4, "from_completion": True},
        )


def test_mark_all_complete_with_rules_at_the_limits_is_quick() -> None:
    """The write lock is held while each recurring task finds its next date: 50 tasks whose
    rules give nothing more (the issue's rule, stored before it was refused, and every! rules
    that never repeat from today) took seconds each before searches were bounded."""
    import sqlalchemy as sa

    from todo_app.db import session_scope
    from todo_app.models import Task

    owner = make_user()
    today = fields.today_in("UTC")
    other_day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[(today.weekday() + 1) % 7]
    stale = [daily(owner, today) for _ in range(25)]
    with session_scope() as session:  # as stored before the refusal existed
        session.exec(
            sa.update(Task)
            .where(sa.column("id").in_([t.id for t in stale]))
            .values(
                recurrence={
                    "rule": f"FREQ=DAILY;INTERVAL=7;BYDAY={other_day}",
                    "from_completion": False,
                    "start": today.isoformat(),
                }
            )
        )
    leap = date(today.year + (4 - today.year % 4) % 4, 2, 29)  # the next leap year's 29th
    if leap <= today:
        leap = date(leap.year + 4, 2, 29)
    bang = [daily(owner, leap, rule=LEAP_EVERY_4, bang=True) for _ in range(20)]
    moving = [daily(owner, today, rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29") for _ in range(5)]
    started = time_clock()
    writes.set_all_completed(owner, True)
    elapsed = time_clock() - started
    assert elapsed < 2.0, elapsed  # was about 0.5 s a task (12 s here), with the lock held
    after = {t.id: t for t in queries.list_tasks(owner, limit=100).items}
    for task in stale:  # no date left: completed for good
        assert after[task.id].completed
    for task in bang:  # every! from a year that is not a leap year: never again
        assert after[task.id].completed
    for task in moving:  # a real four- (or eight-) year gap still moves
        moved = after[task.id]
        assert not moved.completed and moved.due_date is not None
        assert (moved.due_date.month, moved.due_date.day) == (2, 29) and moved.due_date > today


def time_clock() -> float:
    import time as clock

    return clock.perf_counter()
