"""Moving a task in the manual order: right before a sibling, last, under another parent or
out to the top level, with its sub-tasks. A move says where, not what: it is applied to the
task as it is now and writes its one row (``placing`` finds the key; ``writes.write_in``
guards the row and re-checks the nesting).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session

from todo_app import access
from todo_app.tasks import placing, subtasks
from todo_app.tasks.queries import with_tags
from todo_app.tasks.types import TaskChange, TaskData
from todo_app.tasks.unit_of_work import unit_of_work
from todo_app.tasks.writes import Written, writable_in, write_in


def move_in(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    before_id: uuid.UUID | None,
) -> Written:
    """Put the task (with its sub-tasks) right before ``before_id`` among the children of
    ``parent_id`` (None: the top level of its list), or last there when ``before_id`` is None.

    Applied to the task as it is now, whatever version the mover saw: a move says where,
    not what, so it never conflicts with an edit of the task's fields, and two tabs moving
    the same task end in the order of the last move on both. One row is written, unless no
    key fits between the neighbours and their group is spread first (``placing``)."""
    actor = owner_id
    owner_id, current = writable_in(session, actor, task_id)
    list_id = current.list_id
    if parent_id is not None:
        if actor != owner_id:
            access.on_task(session, actor, parent_id, write=True)
        list_id = subtasks.checked_parent(session, owner_id, task_id, parent_id)
    key, spread = placing.key_before(session, owner_id, task_id, list_id, parent_id, before_id)
    written = write_in(
        session, actor, task_id, lambda _t: {"parent_id": parent_id, "position": key}, None
    )
    if spread:
        room = TaskChange(owner_id, upserted=tuple(with_tags(session, spread)))
        written = written._replace(change=room.merged(written.change))
    return written


def move_task(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    parent_id: uuid.UUID | None,
    before_id: uuid.UUID | None,
) -> TaskData:
    """``move_in`` in its own unit of work (the REST API's move)."""
    with unit_of_work() as uow:
        written = move_in(uow.session, owner_id, task_id, parent_id, before_id)
        uow.record(written.change)
    return written.after
