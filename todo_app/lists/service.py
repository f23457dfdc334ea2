"""Lists: a user's named lists of tasks, in the order they choose. Tasks in none are the Inbox.

Names are 1..60 characters and unique per user whatever their case. Deleting a list moves its
tasks to the Inbox (their version moves on, and open pages get the changed rows). Every
statement is filtered by owner: another user's list is "not found".
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from todo_app import access
from todo_app.db import session_scope
from todo_app.errors import Conflict, InvalidInput, NotFound
from todo_app.lists import sharing
from todo_app.models import Task, TaskList, User, utcnow
from todo_app.tasks import fields as rules
from todo_app.tasks import list_rows as rows
from todo_app.tasks.list_rows import ListData, data_of, open_counts_in, ordered_in
from todo_app.tasks.list_rows import inbox_adds_on_top as inbox_adds_on_top  # (for the API)
from todo_app.tasks.list_rows import list_lists as list_lists  # the lists' one read, for callers
from todo_app.tasks.queries import get_in
from todo_app.tasks.types import change_between
from todo_app.tasks.unit_of_work import unit_of_work

NOT_FOUND, NAME_TAKEN, LISTS_MAX = rows.NOT_FOUND, rows.NAME_TAKEN, rows.LISTS_MAX


def _owned(session: Session, owner_id: uuid.UUID, list_id: uuid.UUID) -> TaskList:
    """The owner's list; a member is told only the owner may (``access``), anyone else
    finds nothing."""
    access.owning_list(session, owner_id, list_id)
    row = session.exec(
        select(TaskList).where(col(TaskList.id) == list_id, col(TaskList.owner_id) == owner_id)
    ).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND)
    return row


def _check_free(session: Session, owner_id: uuid.UUID, key: str, keep: uuid.UUID | None) -> None:
    clash = session.exec(
        select(TaskList.id).where(col(TaskList.owner_id) == owner_id, col(TaskList.name_key) == key)
    ).first()
    if clash is not None and clash != keep:
        raise Conflict(NAME_TAKEN)


def create_list(owner_id: uuid.UUID, name: str, *, list_id: uuid.UUID | None = None) -> ListData:
    """A new list at the end of the owner's lists (the rule: ``lists.rows.create_in``)."""
    try:
        with session_scope() as session:
            if list_id is not None and session.get(TaskList, list_id) is not None:
                return data_of(
                    _owned(session, owner_id, list_id), open_counts_in(session, owner_id)
                )
            return data_of(rows.create_in(session, owner_id, name, list_id=list_id), {})
    except IntegrityError:
        raise Conflict(NAME_TAKEN) from None  # a concurrent create took the name


def update_list(
    owner_id: uuid.UUID,
    list_id: uuid.UUID,
    *,
    name: Any = None,
    position: Any = None,
    add_on_top: Any = None,
) -> ListData:
    """Rename, move to ``position`` (0 is first; the others shift to make room), or say
    where the list's new tasks go in its manual order (``add_on_top``)."""
    if position is not None and (
        isinstance(position, bool) or not isinstance(position, int) or position < 0
    ):
        raise InvalidInput({"position": "Position must be a whole number from 0"})
    if add_on_top is not None and not isinstance(add_on_top, bool):
        raise InvalidInput({"add_on_top": "add_on_top must be true or false"})
    try:
        with session_scope() as session:
            row = _owned(session, owner_id, list_id)
            if name is not None:
                row.name = rules.validate_list_name(name)
                row.name_key = rules.tag_key(row.name)
                _check_free(session, owner_id, row.name_key, row.id)
            if add_on_top is not None:
                row.add_on_top = add_on_top
            if position is not None:
                others = [r for r in ordered_in(session, owner_id) if r.id != row.id]
                others.insert(min(position, len(others)), row)
                for i, item in enumerate(others):
                    item.position = i
            session.flush()
            return data_of(row, open_counts_in(session, owner_id))
    except IntegrityError:
        raise Conflict(NAME_TAKEN) from None


def delete_list(owner_id: uuid.UUID, list_id: uuid.UUID) -> list[uuid.UUID]:
    """Delete the list; its tasks move to the Inbox (unassigned, unless assigned to the owner).
    Returns the ids of the moved tasks."""
    with unit_of_work() as uow:
        session = uow.session
        row = _owned(session, owner_id, list_id)
        members = sharing.tell_deleted_in(session, list_id)
        moved_ids = session.exec(
            select(Task.id).where(col(Task.owner_id) == owner_id, col(Task.list_id) == list_id)
        ).all()
        before = [get_in(session, owner_id, task_id) for task_id in moved_ids]
        session.exec(
            sa.update(Task)
            .where(col(Task.owner_id) == owner_id, col(Task.list_id) == list_id)
            .values(
                list_id=None,
                # In the owner's Inbox, a task is the owner's alone: its members' go.
                assignee_id=sa.case(
                    (col(Task.assignee_id) == owner_id, col(Task.assignee_id)), else_=None
                ),
                version=col(Task.version) + 1,
                updated_at=utcnow(),
            )
        )
        session.delete(row)
        after = [get_in(session, owner_id, task_id) for task_id in moved_ids]
        uow.record(change_between(owner_id, before, after))
    if members:
        sharing.announce(members)  # their pages drop it now
    return list(moved_ids)


def restore_list(owner_id: uuid.UUID, deleted: ListData, task_ids: list[uuid.UUID]) -> ListData:
    """Undo of a delete: the list back under its id and name, with the tasks that were in it
    (those still in the Inbox; a task moved since stays where it was put)."""
    restored = create_list(owner_id, deleted.name, list_id=deleted.id)
    restored = update_list(
        owner_id, restored.id, position=deleted.position, add_on_top=deleted.add_on_top
    )
    if deleted.members:
        with session_scope() as session:
            back = sharing.restore_members_in(session, deleted.id, deleted.members)
        sharing.announce(back)
    if task_ids:
        with unit_of_work() as uow:
            session = uow.session
            back = session.exec(
                select(Task.id).where(
                    col(Task.owner_id) == owner_id,
                    col(Task.id).in_(task_ids),
                    col(Task.list_id).is_(None),
                )
            ).all()
            before = [get_in(session, owner_id, task_id) for task_id in back]
            session.exec(
                sa.update(Task)
                .where(col(Task.id).in_(back))
                .values(list_id=deleted.id, version=col(Task.version) + 1, updated_at=utcnow())
            )
            after = [get_in(session, owner_id, task_id) for task_id in back]
            uow.record(change_between(owner_id, before, after))
    return list_lists_one(owner_id, deleted.id)


def list_lists_one(owner_id: uuid.UUID, list_id: uuid.UUID) -> ListData:
    for item in list_lists(owner_id):
        if item.id == list_id:
            return item
    raise NotFound(NOT_FOUND)


def set_inbox_add_on_top(owner_id: uuid.UUID, add_on_top: Any) -> bool:
    if not isinstance(add_on_top, bool):
        raise InvalidInput({"add_on_top": "add_on_top must be true or false"})
    with session_scope() as session:
        session.exec(
            sa.update(User).where(col(User.id) == owner_id).values(inbox_add_on_top=add_on_top)
        )
    return add_on_top
