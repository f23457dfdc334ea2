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

from sqlmodel import Session, col, func, or_, select

from todo_app import access
from todo_app.db import session_scope
from todo_app.errors import Conflict, InvalidInput, ListNotFound, NotFound
from todo_app.models import ListMember, Task, TaskList, User
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
    """The caller's list of this name (any case), else one shared with them that they edit,
    else a new one of theirs (``create_in``)."""
    key = rules.tag_key(rules.validate_list_name(name))
    found = named_in(session, owner_id, key)
    if found is None:
        found = session.exec(
            select(TaskList.id)
            .join(ListMember, col(ListMember.list_id) == col(TaskList.id))
            .where(
                col(ListMember.user_id) == owner_id,
                col(ListMember.role) == access.EDITOR,
                col(TaskList.name_key) == key,
            )
            .order_by(col(TaskList.id))
        ).first()
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
    role: str = "owner"  # the caller's: owner, editor or viewer
    # Everyone in a shared list, its owner first: (user id, name, role); empty if unshared.
    members: tuple[tuple[uuid.UUID, str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """As the page's navigation and the details dialog's "List" choices show it."""
        return {
            "id": str(self.id),
            "name": self.name,
            "open_count": self.open_count,
            "add_on_top": self.add_on_top,
            "role": self.role,
            "mine": self.role == access.OWNER,  # False: shared with the caller
            "can_edit": access.role_can_write(self.role),
            "owner_name": self.members[0][1] if self.members else "",
            "members": [
                {"user_id": str(uid), "name": name, "role": role, "initials": initials(name)}
                for uid, name, role in self.members
            ],
        }


def initials(name: str) -> str:
    """Up to two letters for a person's badge: "Ann Lee" -> "AL", "bob" -> "B"."""
    words = [word for word in name.split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"


def open_counts_in(session: Session, owner_id: uuid.UUID, shared: Any = ()) -> dict[uuid.UUID, int]:
    """Open tasks per list: the owner's lists, and the lists ``shared`` with them."""
    visible = col(Task.owner_id) == owner_id
    if shared:
        visible = or_(visible, col(Task.list_id).in_(list(shared)))
    rows = session.exec(
        select(Task.list_id, func.count())
        .where(visible, col(Task.list_id).is_not(None), col(Task.completed).is_(False))
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


def data_of(
    row: TaskList,
    counts: dict[uuid.UUID, int],
    role: str = "owner",
    people: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] | None = None,
) -> ListData:
    members = tuple((people or {}).get(row.id, ()))
    return ListData(
        row.id, row.name, row.position, counts.get(row.id, 0), row.add_on_top, role, members
    )


def people_in(
    session: Session, list_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]]:
    """Everyone in each of the lists that have members: the owner first, then by name."""
    if not list_ids:
        return {}
    rows = session.exec(
        select(ListMember.list_id, User.id, User.name, ListMember.role)
        .join(User, col(User.id) == col(ListMember.user_id))
        .where(col(ListMember.list_id).in_(list_ids))
        .order_by(func.lower(col(User.name)), col(User.id))
    ).all()
    members: dict[uuid.UUID, list[tuple[uuid.UUID, str, str]]] = {}
    for list_id, user_id, name, role in rows:
        members.setdefault(list_id, []).append((user_id, name, role))
    owners = session.exec(
        select(TaskList.id, User.id, User.name)
        .join(User, col(User.id) == col(TaskList.owner_id))
        .where(col(TaskList.id).in_(list(members)))
    ).all()
    return {
        list_id: [(owner_id, name, "owner"), *members[list_id]]
        for list_id, owner_id, name in owners
    }


def list_lists(owner_id: uuid.UUID) -> list[ListData]:
    """The caller's lists in their order, then the lists shared with them (by name), each
    with how many of its tasks are open, the caller's role and the people in it."""
    with session_scope() as session:
        shared = access.shared_with(session, owner_id)
        counts = open_counts_in(session, owner_id, shared)
        own = ordered_in(session, owner_id)
        theirs = (
            session.exec(
                select(TaskList)
                .where(col(TaskList.id).in_(list(shared)))
                .order_by(func.lower(col(TaskList.name)), col(TaskList.id))
            ).all()
            if shared
            else []
        )
        people = people_in(session, [row.id for row in [*own, *theirs]])
        return [
            *(data_of(row, counts, "owner", people) for row in own),
            *(data_of(row, counts, shared[row.id].role, people) for row in theirs),
        ]


def inbox_adds_on_top(owner_id: uuid.UUID) -> bool:
    """Where a task added to the Inbox goes in its manual order: first (True) or last."""
    with session_scope() as session:
        found = session.exec(select(User.inbox_add_on_top).where(col(User.id) == owner_id)).first()
    if found is None:
        raise NotFound("Account not found")
    return bool(found)
