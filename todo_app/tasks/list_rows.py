"""The lists as the task layer needs them: the one rule for making a list (a valid name,
unique per user in any case, at most ``LISTS_MAX`` lists), the one check that a list is the
owner's (``owned_in``, which every task read and write that names a list goes through), and
the owner's lists with their open counts (``list_lists``, for the task page's navigation).

``lists/service.py`` (rename, reorder, delete) and quick add's ``+NewList``
(``tasks/quick_add.py``) both make lists here, inside their own unit of work, so neither can
skip the cap or the name rule. The lists folder builds on the task layer, never the reverse.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, func, select

from todo_app.db import session_scope
from todo_app.errors import Conflict, InvalidInput, ListNotFound, NotFound
from todo_app.models import Task, TaskList, User
from todo_app.tasks import fields as rules

NAME_TAKEN = "You already have a list with this name"
NOT_FOUND = "List not found"
LISTS_MAX = 200


def named_in(session: Session, owner_id: uuid.UUID, key: str) -> uuid.UUID | None:
    """The id of the owner's list whose name has this key (``tag_key`` of the name)."""
    return session.exec(
        select(TaskList.id).where(col(TaskList.owner_id) == owner_id, col(TaskList.name_key) == key)
    ).first()


def create_in(
    session: Session, owner_id: uuid.UUID, name: str, *, list_id: uuid.UUID | None = None
) -> TaskList:
    """A new list at the end of the owner's lists, in ``session`` (the caller commits).

    ``Conflict`` if the name is taken, ``InvalidInput`` for a bad name or one list too many;
    nothing is written then."""
    name = rules.validate_list_name(name)
    key = rules.tag_key(name)
    if named_in(session, owner_id, key) is not None:
        raise Conflict(NAME_TAKEN)
    count, last = session.exec(
        select(func.count(), func.max(TaskList.position)).where(col(TaskList.owner_id) == owner_id)
    ).one()
    if count >= LISTS_MAX:
        raise InvalidInput({"name": f"You can have at most {LISTS_MAX} lists"})
    row = TaskList(
        id=list_id or uuid.uuid4(),
        owner_id=owner_id,
        name=name,
        name_key=key,
        position=(last if last is not None else -1) + 1,
    )
    session.add(row)
    session.flush()
    return row


def find_or_create_in(session: Session, owner_id: uuid.UUID, name: str) -> uuid.UUID:
    """The owner's list of this name (any case), made by ``create_in`` if there is none."""
    found = named_in(session, owner_id, rules.tag_key(rules.validate_list_name(name)))
    return found if found is not None else create_in(session, owner_id, name).id


def owned_in(session: Session, owner_id: uuid.UUID, list_id: uuid.UUID | None) -> uuid.UUID | None:
    """``list_id`` if it is one of the owner's lists; another user's list is not found."""
    if list_id is None:
        return None
    found = session.exec(
        select(TaskList.id).where(col(TaskList.id) == list_id, col(TaskList.owner_id) == owner_id)
    ).first()
    if found is None:
        raise ListNotFound(NOT_FOUND)
    return list_id


@dataclass(frozen=True)
class ListData:
    id: uuid.UUID
    name: str
    position: int
    open_count: int = 0
    add_on_top: bool = True  # where its new tasks go in its manual order

    def to_dict(self) -> dict[str, Any]:
        """As the page's navigation and the details dialog's "List" choices show it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "open_count": self.open_count,
            "add_on_top": self.add_on_top,
        }


def open_counts_in(session: Session, owner_id: uuid.UUID) -> dict[uuid.UUID, int]:
    rows = session.exec(
        select(Task.list_id, func.count())
        .where(
            col(Task.owner_id) == owner_id,
            col(Task.list_id).is_not(None),
            col(Task.completed).is_(False),
        )
        .group_by(col(Task.list_id))
    ).all()
    return dict(rows)


def ordered_in(session: Session, owner_id: uuid.UUID) -> list[TaskList]:
    return list(
        session.exec(
            select(TaskList)
            .where(col(TaskList.owner_id) == owner_id)
            .order_by(col(TaskList.position), col(TaskList.created_at))
        ).all()
    )


def data_of(row: TaskList, counts: dict[uuid.UUID, int]) -> ListData:
    return ListData(row.id, row.name, row.position, counts.get(row.id, 0), row.add_on_top)


def list_lists(owner_id: uuid.UUID) -> list[ListData]:
    """The owner's lists in their order, each with how many of its tasks are open."""
    with session_scope() as session:
        counts = open_counts_in(session, owner_id)
        return [data_of(row, counts) for row in ordered_in(session, owner_id)]


def inbox_adds_on_top(owner_id: uuid.UUID) -> bool:
    """Where a task added to the Inbox goes in its manual order: first (True) or last."""
    with session_scope() as session:
        found = session.exec(select(User.inbox_add_on_top).where(col(User.id) == owner_id)).first()
    if found is None:
        raise NotFound("Account not found")
    return bool(found)
