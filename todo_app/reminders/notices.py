"""News for the bell from a shared list: an invitation to answer, a task assigned to you, a
list you were removed from or that was deleted.

A notice is written in the caller's transaction, so it exists exactly when the change that
caused it does, and rings the open pages' bells only once that transaction has committed
(nothing rings for a change that rolled back).
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from sqlalchemy import orm
from sqlmodel import Session

from todo_app.limits import TITLE_MAX
from todo_app.models import Notification, utcnow
from todo_app.reminders.service import NotificationData, data_of, ring

_PENDING = "todo_notices"  # session.info key: what rings after the commit


def tell_in(
    session: Session,
    user_id: uuid.UUID,
    kind: str,
    text: str,
    *,
    task_id: uuid.UUID | None = None,
    invitation_id: uuid.UUID | None = None,
) -> NotificationData:
    """A notice for ``user_id``, written in ``session``; it rings once the session commits."""
    if len(text) > TITLE_MAX:
        text = text[: TITLE_MAX - 1] + "…"
    row = Notification(
        owner_id=user_id,
        task_id=task_id,
        title=text,
        fire_at=utcnow(),
        kind=kind,
        invitation_id=invitation_id,
    )
    session.add(row)
    session.flush()
    item = data_of(row)
    session.info.setdefault(_PENDING, []).append((user_id, item))
    return item


def assigned_in(session: Session, user_id: uuid.UUID, task_id: uuid.UUID, title: str) -> None:
    tell_in(session, user_id, "assigned", f"Assigned to you: {title}", task_id=task_id)


@sa.event.listens_for(orm.Session, "after_commit")
def _ring_committed(session: orm.Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        ring(pending)


@sa.event.listens_for(orm.Session, "after_rollback")
def _forget_rolled_back(session: orm.Session) -> None:
    session.info.pop(_PENDING, None)
