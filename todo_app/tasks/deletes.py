"""Deleting tasks, and putting them back (Undo). A delete returns the rows it removed, tags
included, so what Undo gets is exactly what was gone; a restore skips ids already taken, so
it can be repeated and can never take over another account's task.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from todo_app import access
from todo_app.errors import Forbidden, InvalidInput, NotFound
from todo_app.models import Notification, Task
from todo_app.reminders.planning import plan_reminders
from todo_app.tasks import fields as rules
from todo_app.tasks import subtasks
from todo_app.tasks.queries import COLUMNS, get_in, newest_first, to_data, zone_of
from todo_app.tasks.tags import set_tags, tags_of
from todo_app.tasks.types import (
    NOT_FOUND_MESSAGE,
    ROW_FIELDS,
    TaskChange,
    TaskData,
    change_between,
)
from todo_app.tasks.unit_of_work import unit_of_work
from todo_app.tasks.writes import aware, not_in_future, parent_counts


def delete_where_in(
    session: Session, owner_id: uuid.UUID, *filters: sa.ColumnElement[bool]
) -> tuple[list[TaskData], TaskChange]:
    """Delete and return the deleted rows (tags read first: they go with the task), so what
    Undo gets is exactly what was gone. The bell's notifications of a deleted task go with it
    (their titles are its contents); an Undo brings the task back, not reminders that fired."""
    where = [col(Task.owner_id) == owner_id, *filters]
    # Locked (PostgreSQL) so the rows picked are the rows deleted, sub-tasks first.
    picked = list(session.exec(select(Task.id).where(*where).with_for_update()).all())
    # Their sub-tasks go with them (and come back with them): never left to the database's
    # cascade, which would delete them without a row for Undo. Deepest first: SQLite's own
    # cascade inside one DELETE would take a sub-task out of its RETURNING.
    levels = [
        [row.id for row in level] for level in subtasks.levels_below(session, owner_id, picked)
    ]
    below = {task_id for level in levels for task_id in level}
    if below & set(picked):  # some picked tasks are below others: they go with their level
        picked = [task_id for task_id in picked if task_id not in below]
        levels = [
            [row.id for row in level] for level in subtasks.levels_below(session, owner_id, picked)
        ]
    ids = [*picked, *(task_id for level in levels for task_id in level)]
    tags = tags_of(session, ids)
    if ids:
        session.exec(sa.delete(Notification).where(col(Notification.task_id).in_(ids)))
    rows: list[Any] = []
    for level in [*reversed(levels), None]:
        doomed = col(Task.id).in_(picked) if level is None else col(Task.id).in_(level)
        rows += session.exec(
            sa.delete(Task)
            .where(*(where if level is None else [col(Task.owner_id) == owner_id]), doomed)
            .returning(*COLUMNS)
            .execution_options(synchronize_session=False)
        ).all()
    deleted = newest_first(to_data(row, tags.get(row.id, ())) for row in rows)
    change = change_between(owner_id, deleted, [None] * len(deleted))
    gone = {t.id for t in deleted}
    parents = [t.parent_id for t in deleted if t.parent_id not in gone]
    return deleted, change.merged(parent_counts(session, owner_id, parents))


def only(task_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return col(Task.id) == task_id


def clear_completed_in(session: Session, owner_id: uuid.UUID) -> tuple[list[TaskData], TaskChange]:
    """Delete the owner's completed tasks, with their sub-tasks, except a completed task with
    an open task somewhere below it (reopened since): clearing what is done never deletes
    what is not."""
    done = list(
        session.exec(
            select(Task.id).where(col(Task.owner_id) == owner_id, col(Task.completed))
        ).all()
    )
    # Everything below them in one walk (a statement per level), then looked at in memory.
    children: dict[Any, list[Any]] = {}
    for level in subtasks.levels_below(session, owner_id, done):
        for row in level:
            children.setdefault(row.parent_id, []).append(row)

    def open_below(task_id: uuid.UUID) -> bool:
        stack = list(children.get(task_id, ()))
        while stack:
            row = stack.pop()
            if not row.completed:
                return True
            stack += children.get(row.id, ())
        return False

    picked = [task_id for task_id in done if not open_below(task_id)]
    return delete_where_in(session, owner_id, col(Task.completed), col(Task.id).in_(picked))


def delete_one_in(
    session: Session, actor: uuid.UUID, task_id: uuid.UUID
) -> tuple[list[TaskData], TaskChange]:
    """One task with its sub-tasks: the caller's own, or one of a list they edit
    (``access``); NotFound (or Forbidden, for a viewer) otherwise."""
    deleted, change = delete_where_in(session, actor, only(task_id))
    if not deleted:
        owner_id = access.on_task(session, actor, task_id, write=True).owner_id
        deleted, change = delete_where_in(session, owner_id, only(task_id))
    if not deleted:
        raise NotFound(NOT_FOUND_MESSAGE)
    return deleted, change


def delete_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """Returns the deleted task, so the caller can offer Undo (``restore_tasks``)."""
    with unit_of_work() as uow:
        deleted, change = delete_one_in(uow.session, owner_id, task_id)
        uow.record(change)
    return deleted[0]


def clear_completed(owner_id: uuid.UUID) -> list[TaskData]:
    """Deletes the owner's completed tasks and returns them (newest first) for Undo."""
    with unit_of_work() as uow:
        deleted, change = clear_completed_in(uow.session, owner_id)
        uow.record(change)
    return deleted


# --- putting back -------------------------------------------------------------------------


def restore_in(
    session: Session, owner_id: uuid.UUID, tasks: list[TaskData]
) -> tuple[list[TaskData], TaskChange]:
    """Put tasks back as they were (one version on); ids already in the table are skipped, so an
    undo can be repeated and can never take over another account's task. A list deleted
    meanwhile puts its task in the Inbox; a sub-task comes back in its parent's list, wherever
    the parent is now."""
    wanted: dict[uuid.UUID, TaskData] = {}
    for task in tasks:
        wanted.setdefault(task.id, _clean_copy(task))
    if not wanted:
        return [], TaskChange(owner_id)
    taken = set(session.exec(select(col(Task.id)).where(col(Task.id).in_(wanted))).all())
    fresh = [task for task in wanted.values() if task.id not in taken]
    # Each list still there that the caller may add to, and whose it is (a shared list's
    # tasks come back as its owner's); any other list's task comes back to the Inbox.
    owner_of: dict[uuid.UUID | None, uuid.UUID] = {None: owner_id}
    for list_id in {t.list_id for t in fresh if t.list_id is not None}:
        grant = _grant(session, owner_id, list_id)
        if grant is not None:
            owner_of[list_id] = grant.owner_id
    # Parents before their sub-tasks; a sub-task whose parent is gone comes back on top.
    fresh = _parents_first(fresh)
    present = {t.id for t in fresh}
    parents = {t.parent_id for t in fresh if t.parent_id is not None and t.parent_id not in present}
    alive_parents: dict[uuid.UUID, uuid.UUID | None] = {}
    if parents:
        for parent, list_id, parent_owner in session.exec(
            select(Task.id, Task.list_id, Task.owner_id).where(col(Task.id).in_(parents))
        ).all():
            if owner_of.get(list_id) == parent_owner or _grant(session, owner_id, list_id):
                alive_parents[parent] = list_id
                owner_of.setdefault(list_id, parent_owner)
    placed: dict[uuid.UUID, uuid.UUID | None] = {}  # each task put back: its list
    owners: dict[uuid.UUID, uuid.UUID] = {}
    for task in fresh:
        row = rules.stored(_as_row(task))
        if task.parent_id is not None and task.parent_id not in present | set(alive_parents):
            row["parent_id"] = None
        # A new version: an open page that saw the row go takes it back only newer than it
        # went (assets/task_engine/confirmed.js), and an edit based on the deleted row
        # is refused as stale.
        row["version"] = task.version + 1
        row["list_id"] = task.list_id if task.list_id in owner_of else None
        # A sub-task is in its parent's list, wherever the parent is now.
        if row["parent_id"] in placed:
            row["list_id"] = placed[row["parent_id"]]
        elif row["parent_id"] in alive_parents:
            row["list_id"] = alive_parents[row["parent_id"]]
        placed[task.id] = row["list_id"]
        owner = owners[task.id] = owner_of[row["list_id"]]
        # The instant follows the wall-clock due in the owner's zone now (it may have changed).
        row["due_at"] = rules.due_instant(task.due_date, task.due_time, zone_of(session, owner))
        session.exec(sa.insert(Task).values(owner_id=owner, **row))
        set_tags(session, owner, task.id, task.tags)
    restored = [get_in(session, owners[task.id], task.id) for task in fresh]
    for task in restored:
        plan_reminders(session, owners[task.id], task)
    change = change_between(owner_id, [None] * len(restored), restored)
    for parent, list_id in alive_parents.items():
        change = change.merged(parent_counts(session, owner_of[list_id], [parent]))
    return restored, change


def _grant(session: Session, actor: uuid.UUID, list_id: uuid.UUID | None) -> access.Grant | None:
    """The caller's grant to add to a list, or None (no list, gone, not theirs, a viewer)."""
    if list_id is None:
        return None
    try:
        return access.on_list(session, actor, list_id, write=True)
    except (NotFound, Forbidden):
        return None


def _parents_first(tasks: list[TaskData]) -> list[TaskData]:
    """``tasks`` with every parent ahead of its sub-tasks (the rows reference their parent)."""
    by_id = {t.id: t for t in tasks}

    def depth(task: TaskData) -> int:
        n = 0
        while task.parent_id in by_id and n <= len(by_id):
            task, n = by_id[task.parent_id], n + 1  # type: ignore[index]
        return n

    return sorted(tasks, key=depth)


def restore_tasks(owner_id: uuid.UUID, tasks: list[TaskData]) -> list[TaskData]:
    """Undo of delete or clear completed. Returns the tasks put back, in the order given.
    All or nothing."""
    try:
        with unit_of_work() as uow:
            fresh, change = restore_in(uow.session, owner_id, tasks)
            uow.record(change)
    except IntegrityError:
        # A concurrent undo of the same tasks got some in first; now they are skipped.
        with unit_of_work() as uow:
            fresh, change = restore_in(uow.session, owner_id, tasks)
            uow.record(change)
    return fresh


def _clean_copy(task: TaskData) -> TaskData:
    """A TaskData passes through callers' hands before an undo; check it like new input."""
    if task.version < 1:
        raise InvalidInput({"version": "Version must be 1 or more"})
    checked = rules.validate_changes(
        title=task.title,
        description=task.description,
        completed=task.completed,
        priority=task.priority,
        tags=list(task.tags),
        due_date=task.due_date,
        due_time=task.due_time,
    )
    rules.check_due(checked["due_date"], checked["due_time"])
    return dataclasses.replace(
        task,
        title=checked["title"],
        description=checked["description"],
        tags=checked["tags"],
        created_at=not_in_future("created_at", task.created_at),
        updated_at=not_in_future("updated_at", task.updated_at),
        due_at=None if task.due_at is None else aware("due_at", task.due_at),
    )


def _as_row(task: TaskData) -> dict[str, Any]:
    return {name: getattr(task, name) for name in ROW_FIELDS}
