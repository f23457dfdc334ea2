"""``GET /api/export``: everything an account OWNS, as one versioned JSON document.

Only the account's own lists and tasks: a task in a list someone shared with the caller is
its owner's, not theirs, so it is in the owner's export, never the member's. Members are
listed for the caller's own lists only (by email and role), and an assignee is named by
email (ids mean nothing in another installation). One read transaction, so the document
is a consistent snapshot.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from todo_app import access
from todo_app.db import session_scope
from todo_app.lists.sharing import members_in
from todo_app.models import Task, TaskCompletion, TaskList, User, utcnow
from todo_app.tasks.queries import to_data
from todo_app.tasks.tags import tags_of

FORMAT = "todo-export"
VERSION = 1


def _task(
    row: Task, tags: list[str], emails: dict[uuid.UUID, str], history: list[dict[str, Any]]
) -> dict[str, Any]:
    """A task as the API shows it (``TaskData.to_dict``), ids and people made portable."""
    data = to_data(row, tags).to_dict()
    for name in ("version", "due_at", "subtask_count", "subtasks_done"):
        data.pop(name)  # derived or bookkeeping: the import recomputes them
    for name in ("created_by", "completed_by", "assignee_id"):
        data.pop(name)
    data["assignee"] = emails.get(row.assignee_id) if row.assignee_id else None
    if row.recurrence and row.recurrence.get("start"):
        data["recurrence"]["start"] = row.recurrence["start"]  # COUNT/UNTIL count from here
    data["completions"] = history
    return data


def export_in(session: Session, user_id: uuid.UUID) -> dict[str, Any]:
    """The document (see README "Export and import")."""
    user = session.get(User, user_id)
    assert user is not None
    lists = session.exec(
        select(TaskList).where(col(TaskList.owner_id) == user_id).order_by(col(TaskList.position))
    ).all()
    rows = session.exec(
        select(Task).where(col(Task.owner_id) == user_id).order_by(col(Task.created_at))
    ).all()
    ids = [row.id for row in rows]
    tags: dict[uuid.UUID, list[str]] = {}
    for start in range(0, len(ids), 500):  # bounded IN lists
        tags.update(tags_of(session, ids[start : start + 500]))
    history: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for done in session.exec(
        select(TaskCompletion)
        .where(col(TaskCompletion.owner_id) == user_id)
        .order_by(col(TaskCompletion.completed_at))
    ).all():
        history.setdefault(done.task_id, []).append(
            {
                "completed_at": done.completed_at.isoformat(),
                "due_date": done.due_date.isoformat() if done.due_date else None,
            }
        )
    assignees = {row.assignee_id for row in rows if row.assignee_id}
    emails = (
        dict(session.exec(select(User.id, User.email).where(col(User.id).in_(assignees))).all())
        if assignees
        else {}
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "profile": {
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "inbox_add_on_top": user.inbox_add_on_top,
        },
        "lists": [
            {
                "id": str(row.id),
                "name": row.name,
                "position": row.position,
                "add_on_top": row.add_on_top,
                "members": [
                    {"email": m.email, "role": m.role}
                    for m in members_in(session, row.id)
                    if m.role != access.OWNER
                ],
            }
            for row in lists
        ],
        "tasks": [
            _task(row, tags.get(row.id, []), emails, history.get(row.id, [])) for row in rows
        ],
    }


def export_account(user_id: uuid.UUID) -> dict[str, Any]:
    """One consistent snapshot of what ``user_id`` owns."""
    with session_scope() as session:
        return export_in(session, user_id)
