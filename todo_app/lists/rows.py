"""The one rule for making a list: a valid name, unique per user in any case, and at most
``LISTS_MAX`` lists. ``lists.service.create_list`` and quick add's ``+NewList``
(``tasks.quick_add``) both make lists here, inside their own unit of work, so neither can skip
the cap or the name rule; and the one check that a list is the owner's (``owned_in``), which
every task read and write that names a list goes through. Imports no other service, so the
task layer may import it without a cycle.
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, func, select

from todo_app.errors import Conflict, InvalidInput, ListNotFound
from todo_app.models import TaskList
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
