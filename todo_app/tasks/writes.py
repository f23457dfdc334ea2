"""Every write of the tasks table, in one form: ``*_in(session, ...)`` writes inside the
caller's transaction and returns the change it made; the public ``create_task``,
``update_task``, ... are each one ``unit_of_work`` around it, which commits and then announces.

Every statement is filtered by ``owner_id``: another account's task is "not found", unless
``access`` says the caller is a member of its list (then the write runs as the list's owner's,
and records who did it: ``created_by``, ``completed_by``). Writes
that depend on what is stored (update, toggle) are guarded in the database itself:
``UPDATE ... WHERE version = <the version read>``. Two writers can both read version 3, but
only one of them can turn it into version 4; the other sees no row changed and starts again.
Creates are idempotent by the client's id. Deleting and putting back is ``tasks.deletes``.

Why one module of about 460 lines: create, update, toggle and "all done" share the
versioned-UPDATE guard, the field rules, the reminder and repeat steps and the sub-task steps
of a write (a new parent or list is placed, what is below follows); kept together, a new
field is written one way. Moving a task (``moves``), deleting (``deletes``), the sub-task
rules (``subtasks``) and a new zone's shift (``zone_shift``) are their own modules.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from todo_app import access
from todo_app.db import session_scope
from todo_app.errors import InvalidInput, NotFound, StaleVersion
from todo_app.models import Task, utcnow
from todo_app.reminders import notices
from todo_app.reminders.planning import plan_reminders
from todo_app.tasks import fields as rules
from todo_app.tasks import list_rows, placing, subtasks
from todo_app.tasks.queries import (
    COLUMNS,
    ROW,
    TASKS,
    get_in,
    newest_first,
    to_data,
    visible_in,
    with_tags,
    zone_of,
)
from todo_app.tasks.recurring import next_occurrence, with_start
from todo_app.tasks.tags import set_tags, tags_of
from todo_app.tasks.types import (
    STALE_MESSAGE,
    TaskChange,
    TaskData,
    change_between,
    public_recurrence,
)
from todo_app.tasks.unit_of_work import unit_of_work

# An update that keeps losing the version race this often gives up with StaleVersion.
WRITE_ATTEMPTS = 5
# How far ahead of this server's clock a client-supplied time may be (clocks drift).
CLOCK_SKEW = timedelta(minutes=5)
ASSIGNEE_NOT_MEMBER = "A task can be assigned only to someone who can see its list"
# What a write changes that its task's planned reminders depend on.
PLANNED_FROM = frozenset({"due_date", "due_time", "reminders", "completed"})

# The versioned UPDATE, built once: SET takes the columns named in the parameters (the
# WHERE's own parameters are named apart), RETURNING hands back the row as it is now.
_UPDATE_IF_VERSION = (
    sa.update(TASKS)
    .where(
        TASKS.c.id == sa.bindparam("w_id"),
        TASKS.c.owner_id == sa.bindparam("w_owner"),
        TASKS.c.version == sa.bindparam("w_version"),
    )
    .returning(*ROW)
)


def aware(name: str, value: datetime) -> datetime:
    """A naive time would be read as UTC silently; refuse it instead of guessing."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput({name: "Time must include a time zone"})
    return value.astimezone(UTC)


def not_in_future(name: str, value: datetime) -> datetime:
    """A client-supplied time (undo puts a task back in its place) may not lie ahead."""
    value = aware(name, value)
    if value > utcnow() + CLOCK_SKEW:
        raise InvalidInput({name: "Time must not be in the future"})
    return value


# --- creating -----------------------------------------------------------------------------


def find(session: Session, task_id: uuid.UUID) -> Any:
    """The owner of the task with this id, if any: only to tell a retry from a clash."""
    return session.exec(select(Task.owner_id).where(col(Task.id) == task_id)).first()


def existing(session: Session, task_id: uuid.UUID, owner_id: uuid.UUID) -> TaskData:
    """A repeated create returns what is stored. Another owner's id is "not found", as on
    every other route: a 409 would tell the caller that the id exists (and whose it is not),
    and a create must not take it over either. (A member's create in a shared list: the
    list's owner's task, which they may see.)"""
    return visible_in(session, owner_id, task_id)


def create_in(
    session: Session,
    owner_id: uuid.UUID,
    title: str,
    description: str = "",
    *,
    task_id: uuid.UUID | None = None,
    completed: bool = False,
    created_at: datetime | None = None,
    at_top: bool | None = None,
    **extra: Any,
) -> tuple[TaskData, TaskChange]:
    """``extra`` takes the optional fields of ``validate_changes`` (list, priority, ...).
    A top-level task goes first or last in its list's manual order as the list says
    (``at_top`` overrides); a sub-task goes last under its parent, in its parent's list."""
    new = rules.validate_changes(title=title, description=description, completed=completed, **extra)
    now = utcnow()
    created = now if created_at is None else not_in_future("created_at", created_at)
    actor = owner_id
    owner_id = access.owner_for_new(session, actor, new.get("list_id"), new.get("parent_id"))
    if task_id is not None and find(session, task_id) is not None:
        return existing(session, task_id, owner_id), TaskChange(owner_id)
    due_date, due_time = new.get("due_date"), new.get("due_time")
    recurrence = with_start(new.get("recurrence"), due_date)
    rules.check_schedule(due_date, due_time, recurrence, new.get("reminders", ()))
    task_id = task_id or uuid.uuid4()
    list_id = list_rows.owned_in(session, owner_id, new.get("list_id"))
    parent_id = new.get("parent_id")
    if parent_id is not None:
        parent_list = subtasks.checked_parent(session, owner_id, None, parent_id)
        if new.get("list_id") is not None and list_id != parent_list:
            raise InvalidInput({"list_id": subtasks.OTHER_LIST})
        list_id = parent_list
    assignee = new.get("assignee_id")
    if assignee is not None:
        _check_assignee(session, owner_id, list_id, assignee)
    session.exec(
        sa.insert(Task).values(
            id=task_id,
            owner_id=owner_id,
            title=new["title"],
            description=new["description"],
            completed=new["completed"],
            version=1,
            created_at=created,
            updated_at=now,
            list_id=list_id,
            parent_id=parent_id,
            position=placing.new_key(session, owner_id, list_id, parent_id, top=at_top),
            priority=rules.validate_priority(new.get("priority")),
            due_date=due_date,
            due_time=due_time,
            due_at=_due_at(session, owner_id, due_date, due_time),
            recurrence=recurrence,
            reminders=list(new.get("reminders", ())),
            assignee_id=assignee,
            created_by=actor,
            completed_by=actor if new["completed"] else None,
        )
    )
    if assignee is not None and assignee != actor:
        notices.assigned_in(session, assignee, task_id, new["title"])
    # A new task has no tag links and no planned reminders yet: only what it carries is written.
    if new.get("tags"):
        set_tags(session, owner_id, task_id, new["tags"])
    data = get_in(session, owner_id, task_id)
    if data.reminders:
        plan_reminders(session, owner_id, data)
    change = change_between(owner_id, [None], [data])
    if parent_id is not None:
        change = change.merged(parent_counts(session, owner_id, [parent_id]))
    return data, change


def _check_assignee(
    session: Session, owner_id: uuid.UUID, list_id: uuid.UUID | None, assignee: uuid.UUID
) -> None:
    if not access.may_be_assigned(session, owner_id, list_id, assignee):
        raise InvalidInput({"assignee_id": ASSIGNEE_NOT_MEMBER})


def parent_counts(session: Session, owner_id: uuid.UUID, parents: list[Any]) -> TaskChange:
    """The parents whose sub-task counts a write changed, re-read: open pages take the new
    "2/5" with the row (same version: the counts are not the parent's own field)."""
    rows = [get_in(session, owner_id, p) for p in dict.fromkeys(parents) if p is not None]
    return TaskChange(owner_id, upserted=tuple(rows))


def _due_at(session: Session, owner_id: uuid.UUID, due_date: Any, due_time: Any) -> Any:
    """The instant of a timed due; the owner's zone is read only when there is one."""
    if due_date is None or due_time is None:
        return None
    return rules.due_instant(due_date, due_time, zone_of(session, owner_id))


def create_task(
    owner_id: uuid.UUID,
    title: str,
    description: str = "",
    *,
    task_id: uuid.UUID | None = None,
    completed: bool = False,
    created_at: datetime | None = None,
    **extra: Any,
) -> TaskData:
    """Idempotent by id, so a client may retry a create whose answer it never got.

    ``created_at`` lets an undo put a task back in its old place in the list.
    """
    args = (owner_id, title, description)
    kwargs = {"task_id": task_id, "completed": completed, "created_at": created_at, **extra}
    try:
        with unit_of_work() as uow:
            task, change = create_in(uow.session, *args, **kwargs)
            uow.record(change)
    except IntegrityError:
        # Another request inserted the same id between our look and our insert.
        with session_scope() as session:
            if task_id is None or find(session, task_id) is None:
                raise  # not an id clash (e.g. the owner does not exist): a real error
            return existing(session, task_id, owner_id)
    return task


# --- changing -----------------------------------------------------------------------------


def write_in(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> Written:
    """Apply ``change`` (validated new values, computed from the stored task) if nothing
    changed since.

    The UPDATE names the version it read; if another writer got there first, no row matches
    and we read again: with ``expected_version`` that read raises StaleVersion, without it
    the change is applied to the newer task. Returns the task before and after, what it did
    to the sub-tasks below (``tasks.subtasks``), and the change (parents' new counts too).
    """
    actor = owner_id
    owner_id, current = writable_in(session, actor, task_id)
    for attempt in range(WRITE_ATTEMPTS):
        if attempt:
            current = get_in(session, owner_id, task_id)
        if expected_version is not None and current.version != expected_version:
            raise StaleVersion(STALE_MESSAGE, current=current)
        asked = change(current)
        values = {k: v for k, v in asked.items() if _differs(current, k, v)}
        following = None
        # The repeat it has after this write: a write that removes it and completes at once
        # (a CalDAV client that made the next occurrence itself) completes it for good.
        repeats = values.get("recurrence", current.recurrence)
        if values.get("completed") is True and repeats and current.due_date:
            # A recurring task completed: it moves to its next occurrence and stays active
            # (or completes for good when its rule has run out).
            following = next_occurrence(session, owner_id, current)
            if following is not None:
                del values["completed"]
                values.update(following)
        if "list_id" in values:
            # The caller's grant first: a member naming a list of their own (or another
            # owner's they may edit) is told why it cannot go there, not that it is not found.
            access.check_destination(session, actor, owner_id, values["list_id"])
            list_rows.owned_in(session, owner_id, values["list_id"])
        if "parent_id" in values or "list_id" in values:
            _place(session, owner_id, current, values, asked)
        if (
            "list_id" in values
            and "assignee_id" not in values
            and current.assignee_id is not None
            and not access.may_be_assigned(
                session, owner_id, values["list_id"], current.assignee_id
            )
        ):
            values["assignee_id"] = None  # moved where its assignee cannot see it
        if values.get("parent_id") is not None and actor != owner_id:
            access.on_task(session, actor, values["parent_id"], write=True)
        if "assignee_id" in values and values["assignee_id"] is not None:
            _check_assignee(
                session,
                owner_id,
                values.get("list_id", current.list_id),
                values["assignee_id"],
            )
        if "completed" in values:
            values["completed_by"] = actor if values["completed"] else None
        if not values:
            return Written(current, current, [], TaskChange(owner_id))  # no new version
        tags = values.pop("tags", None)
        due_date = values.get("due_date", current.due_date)
        due_time = values.get("due_time", current.due_time)
        if "due_date" in values and due_date is None and "due_time" not in values:
            due_time = values["due_time"] = None  # clearing the date clears its time
        if "recurrence" in values:
            values["recurrence"] = with_start(values["recurrence"], due_date)
        recurrence = values.get("recurrence", current.recurrence)
        if due_date is None and recurrence is not None and "recurrence" not in values:
            recurrence = values["recurrence"] = None  # no date: no repeat either
        reminders = values.get("reminders", current.reminders)
        if (due_date is None or due_time is None) and reminders and "reminders" not in values:
            reminders = values["reminders"] = ()  # no timed due: nothing to remind of
        rules.check_schedule(due_date, due_time, recurrence, reminders)
        if "due_date" in values or "due_time" in values:
            values["due_at"] = _due_at(session, owner_id, due_date, due_time)
        if "reminders" in values:
            values["reminders"] = list(values["reminders"])
        row = session.execute(
            _UPDATE_IF_VERSION,
            {
                **rules.stored(values),
                "version": current.version + 1,
                "updated_at": utcnow(),
                "w_id": task_id,
                "w_owner": owner_id,
                "w_version": current.version,
            },
        ).first()
        if row is not None:
            new_assignee = values.get("assignee_id")
            if new_assignee is not None and new_assignee != actor:
                notices.assigned_in(session, new_assignee, task_id, row.title)
            if tags is not None:
                set_tags(session, owner_id, task_id, tags)
                tags = tags_of(session, [task_id]).get(task_id, [])
            counts = (current.subtask_count, current.subtasks_done)
            after = to_data(row, current.tags if tags is None else tags, counts)
            # Unfired reminders exist only for a task that has some (planning is the only
            # writer of them): a task without any, before or after, has nothing to plan.
            if PLANNED_FROM & values.keys() and (current.reminders or after.reminders):
                plan_reminders(session, owner_id, after)
            below = subtasks.cascade(session, owner_id, current, after, following is not None)
            if below:
                after = get_in(session, owner_id, task_id)  # its sub-task counts moved
            pairs = [(current, after), *below]
            task_change = change_between(owner_id, *zip(*pairs, strict=True))
            if {"completed", "parent_id"} & values.keys() or below:
                parents = [current.parent_id, after.parent_id, *(a.parent_id for _, a in below)]
                moved = {t.id for _, t in pairs}
                parents = [p for p in parents if p not in moved]
                task_change = task_change.merged(parent_counts(session, owner_id, parents))
            return Written(current, after, below, task_change)
    raise StaleVersion(STALE_MESSAGE, current=get_in(session, owner_id, task_id))


def touch_in(session: Session, owner_id: uuid.UUID, task: TaskData) -> TaskChange:
    """A new version of ``task`` with no field changed: for what a protocol keeps beside the
    row and serves as part of it (CalDAV's properties we do not map), so every version of
    what a client sees is a version of the task. StaleVersion if it changed meanwhile."""
    row = session.execute(
        _UPDATE_IF_VERSION,
        {
            "version": task.version + 1,
            "updated_at": utcnow(),
            "w_id": task.id,
            "w_owner": owner_id,
            "w_version": task.version,
        },
    ).first()
    if row is None:
        raise StaleVersion(STALE_MESSAGE, current=get_in(session, owner_id, task.id))
    after = to_data(row, task.tags, (task.subtask_count, task.subtasks_done))
    return change_between(owner_id, [task], [after])


def writable_in(
    session: Session, actor: uuid.UUID, task_id: uuid.UUID
) -> tuple[uuid.UUID, TaskData]:
    """The task's owner and the task, if ``actor`` may change it: their own (read first: it
    is nearly every write, and costs nothing more), or one of a list they edit."""
    try:
        return actor, get_in(session, actor, task_id)
    except NotFound:
        owner_id = access.on_task(session, actor, task_id, write=True).owner_id
        return owner_id, get_in(session, owner_id, task_id)


class Written(NamedTuple):
    """What ``write_in`` did: the task before and after, the sub-tasks below it that it
    changed (before, after), and the change to announce."""

    before: TaskData
    after: TaskData
    below: list[tuple[TaskData, TaskData]]
    change: TaskChange


def _place(
    session: Session,
    owner_id: uuid.UUID,
    current: TaskData,
    values: dict[str, Any],
    asked: dict[str, Any],
) -> None:
    """A new parent or list: check the nesting, keep a sub-task in its parent's list (a list
    named with the parent must be the parent's, and ``null`` there means the parent's, as on
    create; a sub-task moved to another list on its own leaves its parent), and give it a key
    in its new siblings' order unless the write brings one (a move, an Undo). ``asked``: what
    the write asked for, changed or not (a PUT names the parent it has; an Undo's key may
    equal the one the task has in its new place)."""
    named_parent = asked.get("parent_id")
    if named_parent is not None:
        if "parent_id" in values:
            parent_list = subtasks.checked_parent(session, owner_id, current.id, named_parent)
        else:
            parent_list = current.list_id  # under that parent already, so in its list
        if values.get("list_id") is not None and values["list_id"] != parent_list:
            raise InvalidInput({"list_id": subtasks.OTHER_LIST})
        if parent_list != current.list_id:
            values["list_id"] = parent_list
        else:
            values.pop("list_id", None)
    elif "list_id" in values and current.parent_id is not None and "parent_id" not in values:
        values["parent_id"] = None
    if "position" not in asked and ("parent_id" in values or "list_id" in values):
        list_id = values.get("list_id", current.list_id)
        parent_id = values.get("parent_id", current.parent_id)
        values["position"] = placing.new_key(session, owner_id, list_id, parent_id)


def changed_fields(before: TaskData, after: TaskData) -> list[str]:
    """The updatable fields a write changed (an undo puts exactly these back)."""
    return [
        name
        for name in rules.UPDATABLE_FIELDS
        if _differs(
            before,
            name,
            getattr(after, name) if name != "recurrence" else public_recurrence(after.recurrence),
        )
    ]


def _differs(current: TaskData, name: str, value: Any) -> bool:
    if name == "recurrence":
        return public_recurrence(current.recurrence) != value
    if name == "priority":
        return current.priority != value
    return getattr(current, name) != value


def _write(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> TaskData:
    with unit_of_work() as uow:
        written = write_in(uow.session, owner_id, task_id, change, expected_version)
        uow.record(written.change)
    return written.after


def update_task(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> TaskData:
    """Partial update of the fields given (see ``fields.validate_changes``). Same values = no
    new version."""
    unknown = set(changes) - set(rules.UPDATABLE_FIELDS)
    if unknown:
        raise InvalidInput({sorted(unknown)[0]: "Unknown field"})
    new = rules.validate_changes(**changes)
    return _write(owner_id, task_id, lambda _current: new, expected_version)


def toggle_task(
    owner_id: uuid.UUID, task_id: uuid.UUID, *, expected_version: int | None = None
) -> TaskData:
    """Flip ``completed`` of the task as stored now, not as the caller last saw it."""
    return _write(
        owner_id,
        task_id,
        lambda current: {"completed": not current.completed},
        expected_version,
    )


def set_all_in(
    session: Session, owner_id: uuid.UUID, completed: bool
) -> tuple[list[TaskData], list[TaskData], TaskChange]:
    """Mark all complete (a recurring task moves to its next occurrence, as when completed
    alone) or all active. Returns the tasks changed as they were and as they are now."""
    recurring: list[uuid.UUID] = []
    if completed:
        recurring = list(
            session.exec(
                select(Task.id).where(
                    col(Task.owner_id) == owner_id,
                    col(Task.completed).is_(False),
                    col(Task.recurrence).is_not(None),
                    col(Task.due_date).is_not(None),
                )
            ).all()
        )
    rows = session.exec(
        sa.update(Task)
        .where(
            col(Task.owner_id) == owner_id,
            col(Task.completed) != completed,
            col(Task.id).not_in(recurring),
        )
        .values(completed=completed, version=col(Task.version) + 1, updated_at=utcnow())
        .returning(*COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    after = with_tags(session, rows)
    before = [dataclasses.replace(t, completed=not completed) for t in after]
    for task in after:
        plan_reminders(session, owner_id, task)
    for task_id in recurring:
        written = write_in(session, owner_id, task_id, lambda _t: {"completed": True}, None)
        before.append(written.before)
        after.append(written.after)
        # Its sub-tasks opened again for the next occurrence (the UPDATE above had just
        # completed them): each one's newest row is what happened to it.
        at = {t.id: i for i, t in enumerate(after)}
        for old, new in written.below:
            if new.id in at:
                after[at[new.id]] = new
            else:
                before.append(old)
                after.append(new)
    order = {t.id: i for i, t in enumerate(newest_first(after))}
    pairs = sorted(zip(before, after, strict=True), key=lambda pair: order[pair[1].id])
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    return before, after, change_between(owner_id, before, after)


def set_all_completed(owner_id: uuid.UUID, completed: bool) -> list[TaskData]:
    """Mark all complete / all active. Returns only the tasks it changed, as they are now."""
    with unit_of_work() as uow:
        _before, changed, change = set_all_in(uow.session, owner_id, completed)
        uow.record(change)
    return changed
