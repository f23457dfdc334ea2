"""Where a task goes in its siblings' manual order: first or last when it is added (each list,
and the Inbox, remembers which), last under a new parent, right before another task when it
is moved. A place is one key (``order_keys``) read from the neighbours through
ix_tasks_owner_list_parent_position, so placing a task reads two keys and writes its own row,
whatever the size of the list. When no key fits (``NeedsSpread``), the siblings get fresh,
evenly made keys first: a rare rewrite of one sibling group, never of the whole list.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from todo_app.errors import InvalidInput
from todo_app.limits import POSITION_MAX
from todo_app.models import TaskList, User, utcnow
from todo_app.tasks import order_keys
from todo_app.tasks.fields import optional_id
from todo_app.tasks.queries import COLUMNS, TASKS

NOT_A_SIBLING = "before_id must be a task in the place it moves to"
BAD_KEY = "position must be a manual-order key"

_LISTS: sa.Table = TaskList.__table__  # type: ignore[attr-defined]
_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]


def validate_before_id(value: Any) -> uuid.UUID | None:
    """The task to go before (None: last), as sent by a page or the API."""
    return optional_id("before_id", value, "before_id must be a task's id, or null for last")


def checked_key(value: Any) -> str:
    """A key brought back by an Undo (a recorded plan): well formed, or refused."""
    if not isinstance(value, str) or not 0 < len(value) <= POSITION_MAX:
        raise InvalidInput({"position": BAD_KEY})
    if not order_keys.is_key(value):
        raise InvalidInput({"position": BAD_KEY})
    return value


def _siblings(
    owner_id: uuid.UUID, list_id: uuid.UUID | None, parent_id: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    c = TASKS.c
    return [
        c.owner_id == owner_id,
        c.list_id.is_(None) if list_id is None else c.list_id == list_id,
        c.parent_id.is_(None) if parent_id is None else c.parent_id == parent_id,
    ]


def _edge_key(where: list[Any], last: bool) -> sa.Select[Any]:
    """The first or last key of a sibling group, ordered by the index's own columns.

    Not ``min()``/``max()``: PostgreSQL takes ``parent_id IS NULL`` (and ``list_id IS NULL``)
    for a filter, not an equality, so it could not read the end of
    ix_tasks_owner_list_parent_position and aggregated every sibling instead (a top-level
    move in a list of 10,000 took 1.5 times one in a list of 10; bench/move_bench.py).
    Ordered by (list_id, parent_id, position), constant within the group, it reads one
    index entry. SQLite reads one either way."""
    c = TASKS.c

    def way(column: Any) -> Any:
        return column.desc() if last else column.asc()

    return (
        sa.select(c.position)
        .where(*where)
        .order_by(way(c.list_id), way(c.parent_id), way(c.position))
        .limit(1)
    )


def _edge(session: Session, where: list[Any], last: bool) -> str | None:
    return session.execute(_edge_key(where, last)).scalar()


def _adds_on_top(owner_id: uuid.UUID, list_id: uuid.UUID | None) -> Any:
    """Whether a task added to this list (None: the Inbox) goes first (Todoist's "add to
    top"), as a scalar subquery; the default, so a list reads newest first until ordered."""
    if list_id is None:
        stmt = sa.select(_USERS.c.inbox_add_on_top).where(_USERS.c.id == owner_id)
    else:
        stmt = sa.select(_LISTS.c.add_on_top).where(_LISTS.c.id == list_id)
    return stmt.scalar_subquery()


def new_key(
    session: Session,
    owner_id: uuid.UUID,
    list_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
    *,
    top: bool | None = None,
) -> str:
    """The key of a task added among these siblings: a sub-task goes last, a top-level task
    where its list says (``top`` overrides). One read: the setting and both ends at once."""
    where = _siblings(owner_id, list_id, parent_id)
    first = _edge_key(where, last=False).scalar_subquery()
    last = _edge_key(where, last=True).scalar_subquery()
    if top is None and parent_id is None:
        setting: Any = _adds_on_top(owner_id, list_id)
    else:
        setting = sa.literal(bool(top))
    for _ in range(2):
        low, high, on_top = session.execute(sa.select(first, last, setting)).one()
        try:
            if on_top is None or on_top:  # (no such list or user: the default, on top)
                return order_keys.between(None, low)
            return order_keys.between(high, None)
        except order_keys.NeedsSpread:
            spread(session, where)
    raise AssertionError("a spread sibling group always has room at its ends")


def key_before(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    list_id: uuid.UUID | None,
    parent_id: uuid.UUID | None,
    before_id: uuid.UUID | None,
) -> tuple[str, list[Any]]:
    """The key that puts ``task_id`` right before ``before_id`` among these siblings (last
    when None), and the sibling rows rewritten to make room (usually none)."""
    where = [*_siblings(owner_id, list_id, parent_id), TASKS.c.id != task_id]
    moved: list[Any] = []
    for _ in range(2):
        if before_id is None:
            low, high = _edge(session, where, last=True), None
        else:
            high = session.execute(
                sa.select(TASKS.c.position).where(*where, TASKS.c.id == before_id)
            ).scalar()
            if high is None:
                raise InvalidInput({"before_id": NOT_A_SIBLING})
            # ``<=``: a sibling sharing the key of ``before_id`` (two tabs placed both at
            # once) makes the bounds equal, so the group is spread and the ties undone.
            others = [*where, TASKS.c.id != before_id, TASKS.c.position <= high]
            low = _edge(session, others, last=True)
        try:
            return order_keys.between(low, high), moved
        except order_keys.NeedsSpread:
            moved = spread(session, where)
    raise AssertionError("a spread sibling group always has room between two keys")


def spread(session: Session, where: list[Any]) -> list[Any]:
    """Fresh, evenly made keys for one sibling group, in its present order (ties as a list
    reads them: newest first): each row gets a new version, so open pages take the new
    order. Returns the rows now."""
    c = TASKS.c
    order = (c.position, c.created_at.desc(), c.id.desc())
    ids = session.execute(sa.select(c.id).where(*where).order_by(*order)).scalars().all()
    rows = []
    now = utcnow()
    for task_id, key in zip(ids, order_keys.spread(len(ids)), strict=True):
        rows.append(
            session.execute(
                sa.update(TASKS)
                .where(c.id == task_id)
                .values(position=key, version=c.version + 1, updated_at=now)
                .returning(*COLUMNS)
            ).one()
        )
    return rows
