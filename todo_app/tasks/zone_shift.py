"""What a new time zone does to the owner's tasks: every timed due keeps its wall-clock value
(09:00 stays 09:00) and its instant moves, and its reminders are planned again. Wired in the
composition root (``auth.service.on_zone_change``), so the account layer never imports tasks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import sqlalchemy as sa
from sqlmodel import Session, col, select

from todo_app.models import Task, utcnow
from todo_app.reminders.planning import plan_reminders
from todo_app.tasks import fields as rules
from todo_app.tasks.queries import get_in
from todo_app.tasks.types import TaskChange, change_between
from todo_app.tasks.unit_of_work import announce


def set_time_zone_in(session: Session, owner_id: uuid.UUID, zone: str) -> TaskChange:
    """A new zone moves the instant of every timed due (09:00 stays 09:00 where they are)."""
    rows = session.exec(
        select(Task.id, Task.due_date, Task.due_time, Task.version).where(
            col(Task.owner_id) == owner_id, col(Task.due_time).is_not(None)
        )
    ).all()
    before = []
    for row in rows:
        before.append(get_in(session, owner_id, row.id))
        session.exec(
            sa.update(Task)
            .where(col(Task.id) == row.id)
            .values(
                due_at=rules.due_instant(row.due_date, row.due_time, zone),
                version=row.version + 1,
                updated_at=utcnow(),
            )
        )
    after = [get_in(session, owner_id, row.id) for row in rows]
    for task in after:
        plan_reminders(session, owner_id, task)
    return change_between(owner_id, before, after)


def on_time_zone_change(session: Session, owner_id: uuid.UUID, zone: str) -> Callable[[], None]:
    """The tasks' reaction to an account's new zone (``auth.service.zone_hooks``): the dues
    re-reckoned in the same transaction, announced once it has committed."""
    change = set_time_zone_in(session, owner_id, zone)
    return lambda: announce(change)
