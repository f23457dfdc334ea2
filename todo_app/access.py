"""Who may read or change which list and task: the one place every front door asks
(DESIGN.md principle 1). The services call it; the page, the REST API and the protocols
never check a role themselves.

The rule: a task belongs to its list's owner (``Task.owner_id``; the Inbox is its owner's
alone). Its owner may do anything with it. A member of a list (``ListMember``) may read the
list's tasks, and change them when an ``editor``. Anyone else meets "not found", never
"forbidden", so an id tells an outsider nothing; a viewer who tries to change a task is
refused with the reason (``Forbidden``: 403 in the API, a toast on the page).

The services read a task by its owner id first (the owner's own tasks are nearly every
read and write, and cost nothing more); only when that finds nothing do they ask here, which
reads the task's list and the caller's membership in one statement.
"""

from __future__ import annotations

import uuid
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session

from todo_app.errors import Forbidden, ListNotFound, NotFound
from todo_app.models import ListMember, Task, TaskList

OWNER, EDITOR, VIEWER = "owner", "editor", "viewer"
MEMBER_ROLES = (EDITOR, VIEWER)  # what the owner may make someone
TASK_NOT_FOUND = "Task not found"
LIST_NOT_FOUND = "List not found"
VIEWER_REFUSED = "You can view this list but not change it; ask its owner to make you an editor"
OWNER_ONLY = "Only the list's owner can do this"
OTHER_OWNER = (
    "A task in a shared list can move only to another list of the same owner that you can edit"
)

_MEMBERS: sa.Table = ListMember.__table__  # type: ignore[attr-defined]
_LISTS: sa.Table = TaskList.__table__  # type: ignore[attr-defined]
_TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]

# A task's owner and list with the caller's role in that list, in one statement.
_TASK_ACCESS = (
    sa.select(_TASKS.c.owner_id, _TASKS.c.list_id, _MEMBERS.c.role)
    .select_from(
        _TASKS.outerjoin(
            _MEMBERS,
            sa.and_(
                _MEMBERS.c.list_id == _TASKS.c.list_id,
                _MEMBERS.c.user_id == sa.bindparam("user_id"),
            ),
        )
    )
    .where(_TASKS.c.id == sa.bindparam("task_id"))
)
_LIST_ACCESS = (
    sa.select(_LISTS.c.owner_id, _MEMBERS.c.role)
    .select_from(
        _LISTS.outerjoin(
            _MEMBERS,
            sa.and_(
                _MEMBERS.c.list_id == _LISTS.c.id, _MEMBERS.c.user_id == sa.bindparam("user_id")
            ),
        )
    )
    .where(_LISTS.c.id == sa.bindparam("list_id"))
)
_SHARED_WITH = (
    sa.select(_MEMBERS.c.list_id, _LISTS.c.owner_id, _MEMBERS.c.role)
    .join(_LISTS, _LISTS.c.id == _MEMBERS.c.list_id)
    .where(_MEMBERS.c.user_id == sa.bindparam("user_id"))
)


def role_can_write(role: str) -> bool:
    """Whether a role may change a list's tasks (everyone but a viewer)."""
    return role != VIEWER


class Grant(NamedTuple):
    """What the caller may do with a list or task: whose it is, and the caller's role."""

    owner_id: uuid.UUID
    role: str

    @property
    def can_write(self) -> bool:
        return role_can_write(self.role)


def _checked(grant: Grant, write: bool) -> Grant:
    if write and not grant.can_write:
        raise Forbidden(VIEWER_REFUSED)
    return grant


def on_task(session: Session, user_id: uuid.UUID, task_id: uuid.UUID, *, write: bool) -> Grant:
    """The caller's grant on a task; NotFound if they may not see it, Forbidden if they may
    see it but ``write`` is asked of a viewer."""
    row = session.execute(_TASK_ACCESS, {"task_id": task_id, "user_id": user_id}).first()
    if row is None:
        raise NotFound(TASK_NOT_FOUND)
    if row.owner_id == user_id:
        return Grant(user_id, OWNER)
    if row.list_id is None or row.role is None:
        raise NotFound(TASK_NOT_FOUND)
    return _checked(Grant(row.owner_id, row.role), write)


def on_list(
    session: Session | sa.Connection, user_id: uuid.UUID, list_id: uuid.UUID, *, write: bool
) -> Grant:
    """The caller's grant on a list (``write``: on its tasks); ListNotFound if they may not
    see it."""
    row = session.execute(_LIST_ACCESS, {"list_id": list_id, "user_id": user_id}).first()
    if row is None:
        raise ListNotFound(LIST_NOT_FOUND)
    if row.owner_id == user_id:
        return Grant(user_id, OWNER)
    if row.role is None:
        raise ListNotFound(LIST_NOT_FOUND)
    return _checked(Grant(row.owner_id, row.role), write)


def owning_list(session: Session, user_id: uuid.UUID, list_id: uuid.UUID) -> uuid.UUID:
    """``list_id`` if the caller owns it: sharing, renaming and deleting are the owner's.
    A member is told so; anyone else finds no list."""
    grant = on_list(session, user_id, list_id, write=False)
    if grant.role != OWNER:
        raise Forbidden(OWNER_ONLY)
    return list_id


def owner_for_new(
    session: Session,
    user_id: uuid.UUID,
    list_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
) -> uuid.UUID:
    """Whose a new task is: the owner of the list it goes into (or of its parent), if the
    caller may add there; the caller's own Inbox otherwise."""
    if list_id is not None:
        return on_list(session, user_id, list_id, write=True).owner_id
    if parent_id is not None:
        try:
            return on_task(session, user_id, parent_id, write=True).owner_id
        except NotFound:
            return user_id  # the parent's own check words it (subtasks.checked_parent)
    return user_id


def check_destination(
    session: Session, user_id: uuid.UUID, owner_id: uuid.UUID, list_id: uuid.UUID | None
) -> None:
    """Where a task may move: only into another list of its owner that the mover may edit
    (the Inbox named by a member is their own, so another owner's). A list the mover cannot
    see is not found; one they see but of another owner, or only as a viewer, is refused
    with the reason."""
    if list_id is None:
        if user_id != owner_id:
            raise Forbidden(OTHER_OWNER)
        return
    grant = on_list(session, user_id, list_id, write=False)
    if grant.owner_id != owner_id:
        raise Forbidden(OTHER_OWNER)
    _checked(grant, write=True)


def shared_with(session: Session | sa.Connection, user_id: uuid.UUID) -> dict[uuid.UUID, Grant]:
    """The lists the caller is a member of (not their own), with whose each is and the role.
    (Every page read across lists asks: one statement built once, on the caller's connection.)"""
    rows = session.execute(_SHARED_WITH, {"user_id": user_id}).all()
    return {row.list_id: Grant(row.owner_id, row.role) for row in rows}


def visible_lists(session: Session | sa.Connection, user_id: uuid.UUID) -> frozenset[uuid.UUID]:
    """Every list the user may see: the ones they own and the ones shared with them, in one
    statement (an open task page is told about changes in each, ``tasks/live.py``)."""
    query = sa.union_all(
        sa.select(_LISTS.c.id).where(_LISTS.c.owner_id == user_id),
        sa.select(_MEMBERS.c.list_id).where(_MEMBERS.c.user_id == user_id),
    )
    return frozenset(session.execute(query).scalars())


def audience(session: Session, list_id: uuid.UUID) -> list[uuid.UUID]:
    """Everyone who may see a list: its owner, then its members."""
    owner = session.execute(sa.select(_LISTS.c.owner_id).where(_LISTS.c.id == list_id)).scalar()
    if owner is None:
        return []
    members = session.execute(
        sa.select(_MEMBERS.c.user_id).where(_MEMBERS.c.list_id == list_id)
    ).scalars()
    return [owner, *members]


def may_be_assigned(
    session: Session, owner_id: uuid.UUID, list_id: uuid.UUID | None, assignee: uuid.UUID
) -> bool:
    """Whether a task of ``owner_id`` in ``list_id`` may be given to ``assignee``: its owner
    or a member of its list (anyone who can see it)."""
    if assignee == owner_id:
        return True
    if list_id is None:
        return False
    found = session.execute(
        sa.select(_MEMBERS.c.role).where(
            _MEMBERS.c.list_id == list_id, _MEMBERS.c.user_id == assignee
        )
    ).first()
    return found is not None


def assignee_unseen(owner_id: uuid.UUID, list_id: uuid.UUID | None) -> sa.ColumnElement[bool]:
    """Tasks of ``owner_id`` whose assignee cannot see them in ``list_id`` (neither its owner
    nor a member): moved there, they are unassigned, as when their assignee leaves."""
    members = sa.select(_MEMBERS.c.user_id).where(_MEMBERS.c.list_id == list_id)
    return sa.and_(
        _TASKS.c.assignee_id.is_not(None),
        _TASKS.c.assignee_id != owner_id,
        _TASKS.c.assignee_id.not_in(members),
    )
