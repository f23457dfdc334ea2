"""Sub-tasks: the rules of nesting, the walks up and down a task's tree, and what a change to
a parent does to the tasks below it (Todoist's behaviour, where it is sound).

- A sub-task has a parent of the same owner, lives in its parent's list, and sits at most
  ``SUBTASK_DEPTH_MAX`` levels below a top-level task. A cycle, a parent the caller cannot
  see, or one level too many is refused with the reason (422), before anything is written.
- Completing a parent completes its open sub-tasks, all the way down, in the same
  transaction (so one Undo puts them all back); completing the last open sub-task leaves the
  parent as it is.
- A parent that moves to another list takes its sub-tasks with it.
- A recurring parent that moves to its next occurrence opens its completed sub-tasks again.
- Deleting a parent deletes its sub-tasks (``deletes.delete_where_in`` asks for them here), and
  they come back with it.

Each walk is one statement per level, bounded by the depth limit, over ix_tasks_parent.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from todo_app import access
from todo_app.db import read_scope
from todo_app.errors import InvalidInput
from todo_app.limits import SUBTASK_DEPTH_MAX
from todo_app.models import utcnow
from todo_app.tasks.queries import COLUMNS, TASKS, with_tags
from todo_app.tasks.types import TaskData

PARENT_NOT_FOUND = "There is no such task to put this one under"
PARENT_IS_SELF = "A task cannot be a sub-task of itself or of one of its own sub-tasks"
TOO_DEEP = f"Sub-tasks go at most {SUBTASK_DEPTH_MAX} levels deep"
OTHER_LIST = "A sub-task is in its parent's list"

_PARENT_OF = sa.select(TASKS.c.parent_id).where(
    TASKS.c.id == sa.bindparam("id"), TASKS.c.owner_id == sa.bindparam("owner_id")
)
_PARENT_ROW = sa.select(TASKS.c.id, TASKS.c.list_id).where(
    TASKS.c.id == sa.bindparam("id"), TASKS.c.owner_id == sa.bindparam("owner_id")
)


def ancestors(session: Session, owner_id: uuid.UUID, task_id: uuid.UUID) -> list[uuid.UUID]:
    """The task's parent, its parent's parent, ... up to the top level (nearest first)."""
    found: list[uuid.UUID] = []
    current: uuid.UUID | None = task_id
    for _ in range(SUBTASK_DEPTH_MAX + 1):
        current = session.execute(_PARENT_OF, {"id": current, "owner_id": owner_id}).scalar()
        if current is None or current in found:
            break
        found.append(current)
    return found


def levels_below(
    session: Session, owner_id: uuid.UUID, ids: Iterable[uuid.UUID]
) -> list[list[Any]]:
    """The rows under ``ids``, level by level (children, grandchildren, ...), as ``COLUMNS``."""
    levels: list[list[Any]] = []
    frontier = list(ids)
    for _ in range(SUBTASK_DEPTH_MAX):
        if not frontier:
            break
        rows = session.execute(
            sa.select(*COLUMNS).where(TASKS.c.owner_id == owner_id, TASKS.c.parent_id.in_(frontier))
        ).all()
        if not rows:
            break
        levels.append(list(rows))
        frontier = [row.id for row in rows]
    return levels


def checked_parent(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID | None,
    parent_id: uuid.UUID,
) -> uuid.UUID | None:
    """The list of ``parent_id`` if ``task_id`` (None: a new task) may go under it; else
    InvalidInput naming the reason. The parent must be the owner's; not the task or one of
    its sub-tasks; and the task with everything under it must fit below the depth limit."""
    parent = session.execute(_PARENT_ROW, {"id": parent_id, "owner_id": owner_id}).first()
    if parent is None:
        raise InvalidInput({"parent_id": PARENT_NOT_FOUND})
    above = ancestors(session, owner_id, parent_id)
    if task_id is not None and (parent_id == task_id or task_id in above):
        raise InvalidInput({"parent_id": PARENT_IS_SELF})
    height = len(levels_below(session, owner_id, [task_id])) if task_id is not None else 0
    if len(above) + 1 + height > SUBTASK_DEPTH_MAX:
        raise InvalidInput({"parent_id": TOO_DEEP})
    return parent.list_id


def _update_below(
    session: Session, ids: list[uuid.UUID], where: Any, values: dict[str, Any]
) -> list[Any]:
    if not ids:
        return []
    return list(
        session.execute(
            sa.update(TASKS)
            .where(TASKS.c.id.in_(ids), where)
            .values(**values, version=TASKS.c.version + 1, updated_at=utcnow())
            .returning(*COLUMNS)
        ).all()
    )


def cascade(
    session: Session, owner_id: uuid.UUID, before: TaskData, after: TaskData, reopen: bool
) -> list[tuple[TaskData, TaskData]]:
    """What a write of ``before`` -> ``after`` does to the tasks below it, as (before, after)
    pairs: a completion completes the open ones, a new list takes them along (unassigned if
    their assignee cannot see it), and ``reopen``
    (a recurring parent's next occurrence) opens the completed ones."""
    if not before.subtask_count and not after.subtask_count:
        return []
    below = [row for level in levels_below(session, owner_id, [after.id]) for row in level]
    olds = {row.id: row for row in below}
    changed: list[Any] = []
    if after.list_id != before.list_id:
        changed += _update_below(
            session, list(olds), TASKS.c.list_id.is_distinct_from(after.list_id),
            {"list_id": after.list_id},
        )  # fmt: skip
        changed += _update_below(
            session, list(olds), access.assignee_unseen(owner_id, after.list_id),
            {"assignee_id": None},
        )  # fmt: skip
    if after.completed and not before.completed:
        changed += _update_below(
            session,
            list(olds),
            TASKS.c.completed.is_(False),
            {"completed": True, "completed_by": after.completed_by},
        )
    elif reopen:
        changed += _update_below(
            session,
            list(olds),
            TASKS.c.completed.is_(True),
            {"completed": False, "completed_by": None},
        )
    if not changed:
        return []
    newest = {row.id: row for row in changed}  # a row changed twice: its last state
    olds_data = {t.id: t for t in with_tags(session, [olds[i] for i in newest])}
    news_data = with_tags(session, list(newest.values()))
    return [(olds_data[t.id], t) for t in news_data]


PARENT_TITLES_MAX = 100  # a page holds at most this many tasks (PAGE_SIZE_MAX)


def parent_titles(owner_id: uuid.UUID, tasks: Iterable[TaskData]) -> dict[str, str]:
    """The titles of the parents of ``tasks`` that are not among them: a view that lists a
    sub-task without its parent (Today, a tag, a search) names the parent as context. One
    read of at most a page's worth of ids: the caller's own tasks, and those in the lists of
    ``tasks`` (which they see: a parent is always in its sub-task's list)."""
    tasks = list(tasks)
    listed = {task.id for task in tasks}
    seen_lists = list({task.list_id for task in tasks if task.list_id is not None})
    wanted = list(
        dict.fromkeys(t.parent_id for t in tasks if t.parent_id and t.parent_id not in listed)
    )[:PARENT_TITLES_MAX]
    if not wanted:
        return {}
    with read_scope() as conn:
        rows = conn.execute(
            sa.select(TASKS.c.id, TASKS.c.title).where(
                sa.or_(TASKS.c.owner_id == owner_id, TASKS.c.list_id.in_(seen_lists)),
                TASKS.c.id.in_(wanted),
            )
        ).all()
    return {str(row.id): row.title for row in rows}
