"""A recurring task's steps in a write: where its series starts, and what completing it does
(the completion goes into its history and the task moves to its next occurrence). The rules
themselves (RRULE, next date, wording) are ``todo_app.recurrence``'s.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from todo_app import db
from todo_app import recurrence as recurrence_rules
from todo_app.models import TaskCompletion, utcnow
from todo_app.tasks import fields as rules
from todo_app.tasks.queries import zone_of
from todo_app.tasks.types import TaskData


def with_start(recurrence: dict[str, Any] | None, due_date: date | None) -> dict[str, Any] | None:
    """A new rule counts its occurrences (COUNT, UNTIL) from the due date it was set on, and
    must repeat from there (a rule can reach dates from one start and none from another)."""
    if recurrence is None or due_date is None:
        return recurrence
    db.not_now()  # a rule walk (bounded, but not a write the event loop should make)
    recurrence_rules.check_start(recurrence["rule"], due_date)
    return {**recurrence, "start": due_date.isoformat()}


def next_occurrence(session: Session, owner_id: uuid.UUID, task: TaskData) -> dict[str, Any] | None:
    """What completing a recurring task changes: its next due date (the completion is
    recorded as history), or None when the rule has run out and it completes for good."""
    assert task.recurrence is not None and task.due_date is not None
    db.not_now()
    zone = zone_of(session, owner_id)
    start = task.recurrence.get("start")
    following = recurrence_rules.next_due(
        task.recurrence["rule"],
        due_date=task.due_date,
        due_time=task.due_time,
        zone=zone,
        completed_on=rules.today_in(zone),
        from_completion=bool(task.recurrence.get("from_completion")),
        series_start=date.fromisoformat(start) if start else task.due_date,
    )
    session.exec(
        sa.insert(TaskCompletion).values(
            id=uuid.uuid4(),
            task_id=task.id,
            owner_id=owner_id,
            completed_at=utcnow(),
            due_date=task.due_date,
        )
    )
    if following is None:
        return None
    return {"due_date": following}
