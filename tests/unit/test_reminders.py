"""Reminders: planned from a timed due, claimed exactly once, late after an outage, re-armed."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import func, select

from tests.factories import make_task, make_user
from todo_app.db import session_scope
from todo_app.errors import InvalidInput, NotFound
from todo_app.models import Notification, Reminder
from todo_app.reminders import service as reminders
from todo_app.tasks import deletes, fields, queries, writes

pytestmark = pytest.mark.usefixtures("db")


def planned(task_id: uuid.UUID) -> list[tuple[int, datetime]]:
    with session_scope() as session:
        rows = session.exec(
            select(Reminder.minutes_before, Reminder.fire_at)
            .where(Reminder.task_id == task_id, Reminder.fired_at.is_(None))  # type: ignore[union-attr]
            .order_by(Reminder.minutes_before)
        ).all()
    return [(m, at.astimezone(UTC)) for m, at in rows]


def soon(minutes: int = 90) -> tuple[str, str, datetime]:
    """A due a little ahead (UTC user), as date, time and the instant."""
    at = (datetime.now(UTC) + timedelta(minutes=minutes)).replace(second=0, microsecond=0)
    return at.date().isoformat(), at.strftime("%H:%M"), at


def notifications() -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(Notification)).one()


def test_reminders_are_planned_from_the_due_instant_and_re_planned_on_change() -> None:
    owner = make_user()
    day, hhmm, at = soon()
    task = make_task(
        owner,
        "Dentist",
        due_date=day,
        due_time=hhmm,
        reminders=[{"minutes_before": 15}, {"minutes_before": 60}],
    )
    assert task.reminders == (15, 60)
    assert planned(task.id) == [(15, at - timedelta(minutes=15)), (60, at - timedelta(minutes=60))]
    later = at + timedelta(hours=2)
    writes.update_task(
        owner, task.id, due_time=later.strftime("%H:%M"), due_date=later.date().isoformat()
    )
    assert planned(task.id) == [
        (15, later - timedelta(minutes=15)),
        (60, later - timedelta(minutes=60)),
    ]
    writes.update_task(owner, task.id, completed=True)
    assert planned(task.id) == []  # a completed task reminds of nothing
    writes.update_task(owner, task.id, completed=False)
    assert len(planned(task.id)) == 2
    writes.update_task(owner, task.id, due_date=None)  # no due: no reminders, no time
    stored = queries.get_task(owner, task.id)
    assert (stored.due_time, stored.reminders, planned(task.id)) == (None, (), [])


@pytest.mark.parametrize(
    ("fields_", "problem"),
    [
        ({"reminders": [{"minutes_before": 15}]}, "Reminders need a due date and time"),
        ({"due_date": "2026-12-05", "reminders": [15]}, "Reminders need a due date and time"),
        ({"due_date": "2026-12-05", "due_time": "09:00", "reminders": [-1]}, "from 0 to 40320"),
        (
            {"due_date": "2026-12-05", "due_time": "09:00", "reminders": [1, 2, 3, 4, 5, 6]},
            "at most 5",
        ),
        (
            {"due_date": "2026-12-05", "due_time": "09:00", "reminders": [{"minutes": 5}]},
            "only minutes_before",
        ),
    ],
)
def test_bad_reminders_are_refused(fields_: dict, problem: str) -> None:
    owner = make_user()
    with pytest.raises(InvalidInput) as caught:
        make_task(owner, "x", **fields_)
    assert problem in caught.value.fields["reminders"]


def test_a_due_reminder_is_delivered_once_with_its_title() -> None:
    owner = make_user()
    day, hhmm, at = soon(10)
    task = make_task(owner, "Call Ann", due_date=day, due_time=hhmm, reminders=[5])
    assert reminders.claim_due(now=at - timedelta(minutes=6)) == []  # not yet
    first = reminders.claim_due(now=at - timedelta(minutes=5))
    assert [(n.title, n.task_id, n.late) for n in first] == [("Call Ann", task.id, False)]
    assert reminders.claim_due(now=at) == []  # never twice
    assert [n.title for n in reminders.list_notifications(owner)] == ["Call Ann"]
    assert reminders.unread_count(owner) == 1
    reminders.mark_read(owner, first[0].id)
    assert reminders.unread_count(owner) == 0
    with pytest.raises(NotFound):
        reminders.mark_read(make_user("Eve"), first[0].id)  # someone else's: not found


def test_a_deleted_tasks_notifications_go_with_it() -> None:
    owner = make_user()
    day, hhmm, at = soon(10)
    task = make_task(owner, "Call the clinic", due_date=day, due_time=hhmm, reminders=[5])
    kept = make_task(owner, "Water plants", due_date=day, due_time=hhmm, reminders=[5])
    assert len(reminders.claim_due(now=at)) == 2
    deletes.delete_task(owner, task.id)
    assert [n.title for n in reminders.list_notifications(owner)] == [kept.title]
    deletes.clear_completed(owner)  # nothing completed: the other one stays
    assert notifications() == 1


def test_reminders_missed_while_down_arrive_late_on_the_first_tick() -> None:
    owner = make_user()
    day, hhmm, at = soon(10)
    make_task(owner, "Missed", due_date=day, due_time=hhmm, reminders=[0])
    delivered = reminders.claim_due(now=at + timedelta(hours=1))  # the server was down
    assert [(n.title, n.late) for n in delivered] == [("Missed", True)]


def test_two_schedulers_racing_deliver_each_reminder_once() -> None:
    """Several workers each run a scheduler; the claim is atomic (SKIP LOCKED on PostgreSQL)."""
    owner = make_user()
    day, hhmm, at = soon(30)
    for i in range(40):
        make_task(owner, f"t{i}", due_date=day, due_time=hhmm, reminders=[0, 10])
    results: list[list[reminders.NotificationData]] = []
    barrier = threading.Barrier(4)

    def tick() -> None:
        barrier.wait()
        for _ in range(5):
            results.append(reminders.claim_due(now=at, limit=7))

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [n.id for batch in results for n in batch]
    assert len(ids) == len(set(ids)) == 80
    assert notifications() == 80


def test_a_recurring_task_re_arms_its_reminders_for_the_next_occurrence() -> None:
    owner = make_user()
    day, hhmm, at = soon(120)
    task = make_task(
        owner,
        "Standup",
        due_date=day,
        due_time=hhmm,
        recurrence={"rule": "FREQ=DAILY", "from_completion": False},
        reminders=[15],
    )
    done = writes.update_task(owner, task.id, completed=True)
    assert not done.completed  # it stays active, on the next day
    assert done.due_date == (at + timedelta(days=1)).date()
    assert planned(task.id) == [(15, done.due_at - timedelta(minutes=15))]
    history = queries.history(owner, task.id)
    assert [due for _at, due in history] == [at.date()]


def test_zone_change_moves_the_reminders_with_the_wall_clock_due() -> None:
    from todo_app.auth import service as auth_service

    owner = make_user()
    task = make_task(owner, "Call", due_date="2030-06-01", due_time="09:00", reminders=[0])
    assert planned(task.id)[0][1] == datetime(2030, 6, 1, 9, 0, tzinfo=UTC)
    auth_service.update_account(owner, time_zone="Europe/Berlin")
    assert planned(task.id)[0][1] == datetime(2030, 6, 1, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert fields.today_in("Europe/Berlin")  # (the zone is real)
