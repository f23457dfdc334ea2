"""Tag storage: one row per user and tag name, linked to tasks in order, so "tasks tagged
home" is an index lookup, not a scan of text. Names are compared by ``fields.tag_key``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from todo_app.db import session_scope
from todo_app.models import Tag, TaskTag
from todo_app.tasks import fields as rules


def tags_of(session: Session, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Each task's tag names, in the task's order."""
    if not task_ids:
        return {}
    rows = session.exec(
        select(TaskTag.task_id, Tag.name)
        .join(Tag, col(Tag.id) == col(TaskTag.tag_id))
        .where(col(TaskTag.task_id).in_(task_ids))
        .order_by(col(TaskTag.task_id), col(TaskTag.position))
    ).all()
    found: dict[uuid.UUID, list[str]] = {}
    for task_id, name in rows:
        found.setdefault(task_id, []).append(name)
    return found


def tag_id(owner_id: uuid.UUID, name: str) -> Any:
    """The id of the owner's tag of that name, as a subquery (through uq_tags_owner_name)."""
    return (
        select(Tag.id)
        .where(
            col(Tag.owner_id) == owner_id,
            col(Tag.name_key) == rules.tag_key(rules.validate_tag(name)),
        )
        .scalar_subquery()
    )


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
