"""Reminders and notifications: claiming due reminders exactly once, and the bell's list.

A reminder row is planned for each ``minutes_before`` of a timed task (reminders/planning.py,
which the task writes call to plan and re-plan them). ``claim_due`` turns the due ones into
notifications in one transaction, and the claim is the UPDATE itself: ``UPDATE reminders SET
fired_at = now WHERE ... AND fired_at IS NULL RETURNING ...``. On PostgreSQL the rows are
picked with ``FOR UPDATE SKIP LOCKED``, so two schedulers (two workers) each take different
reminders and never the same one; on SQLite writes are serialised, so the UPDATE alone is
enough. Reminders that fell due while the server was down are claimed on its first tick and
marked ``late``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col, func, select

from todo_app.db import get_engine, session_scope
from todo_app.errors import NotFound
from todo_app.models import Notification, Reminder, Task, utcnow

logger = logging.getLogger("todo_app.reminders")
CLAIM_BATCH = 500  # reminders one tick delivers at most (the next tick takes the rest)
LATE_AFTER = timedelta(minutes=1)  # delivered this long after its time: it says "late"
LIST_MAX = 50
NOT_FOUND = "Notification not found"


@dataclass(frozen=True)
class NotificationData:
    id: uuid.UUID
    task_id: uuid.UUID | None
    title: str
    fire_at: datetime
    read: bool
    late: bool
    # "reminder", or news from a shared list: "invitation" (answer it: ``invitation_id``),
    # "assigned", "removed", "list_deleted", "joined".
    kind: str = "reminder"
    invitation_id: uuid.UUID | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "invitation_id": str(self.invitation_id) if self.invitation_id else None,
            "id": str(self.id),
            "task_id": str(self.task_id) if self.task_id else None,
            "title": self.title,
            "fire_at": self.fire_at.isoformat(),
            "read": self.read,
            "late": self.late,
        }


def data_of(row: Notification) -> NotificationData:
    return NotificationData(
        row.id,
        row.task_id,
        row.title,
        row.fire_at.astimezone(UTC),
        row.read,
        row.late,
        row.kind,
        row.invitation_id,
    )


# Called with (owner_id, [new notifications]) after each claim commits; the composition root
# subscribes the live bell here.
notification_listeners: list[Callable[[uuid.UUID, list[NotificationData]], None]] = []


def claim_due(now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[NotificationData]:
    """Deliver every reminder due by ``now``, once: returns the notifications created."""
    now = now or utcnow()
    due = (
        select(Reminder.id)
        .where(col(Reminder.fired_at).is_(None), col(Reminder.fire_at) <= now)
        .order_by(col(Reminder.fire_at))
        .limit(limit)
    )
    if get_engine().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    created: list[tuple[uuid.UUID, NotificationData]] = []
    with session_scope() as session:
        claimed = session.exec(
            sa.update(Reminder)
            .where(col(Reminder.id).in_(due.scalar_subquery()), col(Reminder.fired_at).is_(None))
            .values(fired_at=now)
            .returning(Reminder.task_id, Reminder.owner_id, Reminder.fire_at)
            .execution_options(synchronize_session=False)
        ).all()
        tasks = (
            {
                task_id: (title, assignee)
                for task_id, title, assignee in session.exec(
                    select(Task.id, Task.title, Task.assignee_id).where(
                        col(Task.id).in_({c.task_id for c in claimed})
                    )
                ).all()
            }
            if claimed
            else {}
        )
        for task_id, owner, fire_at in claimed:
            title, assignee = tasks.get(task_id, ("A task", None))
            # A task assigned to someone (in a shared list) reminds them, not its owner.
            owner_id = assignee or owner
            row = Notification(
                owner_id=owner_id,
                task_id=task_id,
                title=title,
                fire_at=fire_at,
                late=now - fire_at.astimezone(UTC) > LATE_AFTER,
            )
            session.add(row)
            session.flush()
            created.append((owner_id, data_of(row)))
    ring(created)
    return [item for _owner, item in created]


def ring(created: list[tuple[uuid.UUID, NotificationData]]) -> None:
    """Tell the listeners (the open pages' bells) about committed notifications."""
    by_owner: dict[uuid.UUID, list[NotificationData]] = {}
    for owner_id, item in created:
        by_owner.setdefault(owner_id, []).append(item)
    for owner_id, items in by_owner.items():
        for listener in list(notification_listeners):
            try:
                listener(owner_id, items)
            except Exception:
                logger.exception("a notification listener failed")


def list_notifications(owner_id: uuid.UUID, limit: int = LIST_MAX) -> list[NotificationData]:
    """The owner's notifications, newest first."""
    with session_scope() as session:
        rows = session.exec(
            select(Notification)
            .where(col(Notification.owner_id) == owner_id)
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(limit)
        ).all()
        return [data_of(row) for row in rows]


def unread_count(owner_id: uuid.UUID) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count())
            .select_from(Notification)
            .where(col(Notification.owner_id) == owner_id, col(Notification.read).is_(False))
        ).one()


def mark_read(owner_id: uuid.UUID, notification_id: uuid.UUID) -> NotificationData:
    with session_scope() as session:
        row = session.exec(
            select(Notification).where(
                col(Notification.id) == notification_id, col(Notification.owner_id) == owner_id
            )
        ).one_or_none()
        if row is None:
            raise NotFound(NOT_FOUND)
        row.read = True
        session.flush()
        return data_of(row)


def mark_all_read(owner_id: uuid.UUID) -> int:
    with session_scope() as session:
        result = session.exec(
            sa.update(Notification)
            .where(col(Notification.owner_id) == owner_id, col(Notification.read).is_(False))
            .values(read=True)
        )
        return result.rowcount or 0
