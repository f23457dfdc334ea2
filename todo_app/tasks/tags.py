"""Tag storage: one row per user and tag name, linked to tasks in order, so "tasks tagged
home" is an index lookup, not a scan of text. Names are compared by ``fields.tag_key``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from todo_app.db import session_scope
from todo_app.models import Tag, TaskTag
from todo_app.tasks import fields as rules

_TASK_TAGS: sa.Table = TaskTag.__table__  # type: ignore[attr-defined]
_TAGS: sa.Table = Tag.__table__  # type: ignore[attr-defined]
# Built once (Core): the tags of a whole page in one statement, whatever its size.
_TAGS_OF = (
    sa.select(_TASK_TAGS.c.task_id, _TAGS.c.name)
    .join(_TAGS, _TAGS.c.id == _TASK_TAGS.c.tag_id)
    .where(_TASK_TAGS.c.task_id.in_(sa.bindparam("task_ids", expanding=True)))
    .order_by(_TASK_TAGS.c.task_id, _TASK_TAGS.c.position)
)


def tags_of(
    executor: Session | sa.Connection, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Each task's tag names, in the task's order; on a session or a bare connection."""
    if not task_ids:
        return {}
    found: dict[uuid.UUID, list[str]] = {}
    for task_id, name in executor.execute(_TAGS_OF, {"task_ids": list(task_ids)}):
        found.setdefault(task_id, []).append(name)
    return found


def set_tags(
    session: Session, owner_id: uuid.UUID, task_id: uuid.UUID, names: Sequence[str]
) -> None:
    """Link the task to these tags (made for the owner where new), in this order."""
    keys = {rules.tag_key(name): name for name in names}
    ids: dict[str, uuid.UUID] = {}
    if keys:
        ids = dict(
            session.exec(
                select(Tag.name_key, Tag.id).where(
                    col(Tag.owner_id) == owner_id, col(Tag.name_key).in_(keys)
                )
            ).all()
        )
        for key, name in keys.items():
            if key not in ids:
                ids[key] = uuid.uuid4()
                session.exec(
                    sa.insert(Tag).values(id=ids[key], owner_id=owner_id, name=name, name_key=key)
                )
    session.exec(sa.delete(TaskTag).where(col(TaskTag.task_id) == task_id))
    if keys:
        session.exec(
            sa.insert(TaskTag),
            params=[
                {"task_id": task_id, "tag_id": ids[key], "position": i}
                for i, key in enumerate(keys)
            ],
        )


def list_tags(owner_id: uuid.UUID) -> list[tuple[str, int]]:
    """The tags the owner's tasks carry, with how many tasks carry each, by name."""
    with session_scope() as session:
        rows = session.exec(
            select(Tag.name, func.count(col(TaskTag.task_id)))
            .join(TaskTag, col(TaskTag.tag_id) == col(Tag.id))
            .where(col(Tag.owner_id) == owner_id)
            .group_by(col(Tag.id), col(Tag.name))
            .order_by(func.lower(col(Tag.name)))
        ).all()
    return [(name, count) for name, count in rows]
