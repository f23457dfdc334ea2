"""Tasks: every read and write of the tasks table, for the pages and the REST API alike.

Each function is one unit of work (``session_scope``) and every statement is filtered by
``owner_id``, so a task id from another account reads nothing and changes nothing: it is
simply "not found". Functions are synchronous; async callers run them in a worker thread.

Writes that depend on what is stored (update, toggle) are guarded in the database itself:
``UPDATE ... WHERE version = <the version read>``. Two writers can both read version 3, but
only one of them can turn it into version 4; the other sees no row changed and starts again.
The SQL used (``RETURNING``, ``lower() LIKE``, ``SUM(CASE ...)``) runs on SQLite >= 3.35 and
PostgreSQL alike.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Literal, ParamSpec, TypeVar, get_args

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from todo_app.db import session_scope
from todo_app.errors import Conflict, InvalidInput, NotFound, StaleVersion
from todo_app.models import DESCRIPTION_MAX, TITLE_MAX, Task, utcnow

Status = Literal["all", "active", "completed"]
STATUSES: tuple[str, ...] = get_args(Status)
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
SEARCH_MAX = DESCRIPTION_MAX
# An update that keeps losing the version race this often gives up with StaleVersion.
WRITE_ATTEMPTS = 5

NOT_FOUND_MESSAGE = "Task not found"
STALE_MESSAGE = "This task was changed elsewhere"
ID_TAKEN_MESSAGE = "This task id is already in use"

# Line breaks and tabs (with the spaces around them) become one space in a title.
_TITLE_BREAKS = re.compile(r"\s*[\t\n\v\f\r\x1c-\x1e\x85\u2028\u2029]\s*")
_DESCRIPTION_BREAKS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class TaskData:
    """One task as the front doors see it: no owner id, nothing tied to a database session."""

    id: uuid.UUID
    title: str
    description: str
    completed: bool
    version: int
    created_at: datetime
    updated_at: datetime

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (str id, ISO 8601 times), for the API and for Reflex state vars."""
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "completed": self.completed,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }


@dataclass(frozen=True)
class TaskPage:
    """One page of a list; ``total`` counts every matching task, so pagers know the end."""

    items: list[TaskData]
    total: int


@dataclass(frozen=True)
class TaskCounts:
    total: int
    active: int
    completed: int


_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TaskData))
# The columns a RETURNING clause hands back, in TaskData's order.
_COLUMNS = tuple(getattr(Task, name) for name in _FIELDS)
_NEWEST_FIRST = (col(Task.created_at).desc(), col(Task.id).desc())


# --- change announcements -------------------------------------------------------------

logger = logging.getLogger("todo_app.tasks")
P = ParamSpec("P")
R = TypeVar("R")
# Called with the owner's id after every committed write, whichever door it came through;
# todo_app.tasks.live uses this to update the owner's other open pages.
change_listeners: list[Callable[[uuid.UUID], None]] = []


def _announces(write: Callable[P, R]) -> Callable[P, R]:
    """Tell the listeners once ``write`` (whose first argument is the owner) has committed."""

    @functools.wraps(write)
    def announcing(*args: P.args, **kwargs: P.kwargs) -> R:
        result = write(*args, **kwargs)
        owner_id = args[0] if args else kwargs["owner_id"]
        for listener in list(change_listeners):
            try:
                listener(owner_id)  # type: ignore[arg-type]
            except Exception:
                logger.exception("a change listener failed")
        return result

    return announcing


# --- validation ---------------------------------------------------------------------------


def _has_control_characters(text: str) -> bool:
    """True for C0/C1 controls and lone surrogates: PostgreSQL refuses NUL, UTF-8 refuses
    surrogates, and neither belongs in a task. Format characters (emoji joiners) are fine."""
    return any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in "\t\n" for ch in text)


def validate_title(title: str) -> str:
    """The title as stored: trimmed, one line (breaks and tabs become one space)."""
    cleaned = _TITLE_BREAKS.sub(" ", title).strip()
    if not cleaned:
        raise InvalidInput({"title": "Enter a title"})
    if _has_control_characters(cleaned):
        raise InvalidInput({"title": "Title must not contain control characters"})
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput(
            {"title": f"Title must be at most {TITLE_MAX} characters (this one has {len(cleaned)})"}
        )
    return cleaned


def validate_description(description: str | None) -> str:
    """The description as stored: line breaks as ``\\n``, no trailing whitespace.

    Leading whitespace stays: indentation in a note can mean something.
    """
    cleaned = _DESCRIPTION_BREAKS.sub("\n", description or "").rstrip()
    if _has_control_characters(cleaned):
        raise InvalidInput({"description": "Description must not contain control characters"})
    if len(cleaned) > DESCRIPTION_MAX:
        raise InvalidInput(
            {
                "description": f"Description must be at most {DESCRIPTION_MAX} characters "
                f"(this one has {len(cleaned)})"
            }
        )
    return cleaned


def _aware(name: str, value: datetime) -> datetime:
    """A naive time would be read as UTC silently; refuse it instead of guessing."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput({name: "Time must include a time zone"})
    return value.astimezone(UTC)


def _validate_query(status: str, q: str, limit: int, offset: int) -> str:
    """Every problem with a list request at once, so a form can mark all fields."""
    problems: dict[str, str] = {}
    if status not in STATUSES:
        problems["status"] = "Status must be all, active or completed"
    if not 1 <= limit <= PAGE_SIZE_MAX:
        problems["limit"] = f"Limit must be between 1 and {PAGE_SIZE_MAX}"
    if offset < 0:
        problems["offset"] = "Offset must be 0 or more"
    q = q.strip()
    if _has_control_characters(q):
        problems["q"] = "Search must not contain control characters"
    elif len(q) > SEARCH_MAX:
        problems["q"] = f"Search must be at most {SEARCH_MAX} characters"
    if problems:
        raise InvalidInput(problems)
    return q


# --- reading ------------------------------------------------------------------------------


def _to_data(source: Any) -> TaskData:
    """From a Task or a RETURNING row; times in UTC whatever the server's time zone is."""
    values = {name: getattr(source, name) for name in _FIELDS}
    values["created_at"] = values["created_at"].astimezone(UTC)
    values["updated_at"] = values["updated_at"].astimezone(UTC)
    return TaskData(**values)


def _owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [col(Task.id) == task_id, col(Task.owner_id) == owner_id]


def _read_owned(session: Session, owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    task = session.exec(select(Task).where(*_owned(owner_id, task_id))).one_or_none()
    if task is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return _to_data(task)


def get_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    with session_scope() as session:
        return _read_owned(session, owner_id, task_id)


def _list_filters(owner_id: uuid.UUID, status: str, q: str) -> list[sa.ColumnElement[bool]]:
    """Owner first, so the (owner_id, created_at) index narrows every list and count."""
    filters = [col(Task.owner_id) == owner_id]
    if status != "all":
        filters.append(col(Task.completed) == (status == "completed"))
    if q:
        filters.append(
            sa.or_(
                col(Task.title).icontains(q, autoescape=True),
                col(Task.description).icontains(q, autoescape=True),
            )
        )
    return filters


def list_tasks(
    owner_id: uuid.UUID,
    *,
    status: Status = "all",
    q: str = "",
    limit: int = PAGE_SIZE_DEFAULT,
    offset: int = 0,
) -> TaskPage:
    """Newest first; ``q`` matches title or description, case-insensitively, literally
    (``%`` and ``_`` are not wildcards). Case folding beyond ASCII depends on the database."""
    q = _validate_query(status, q, limit, offset)
    filters = _list_filters(owner_id, status, q)
    with session_scope() as session:
        # Plain columns, not ORM objects: a page is read-only, and this is the busiest read.
        rows = session.exec(
            select(*_COLUMNS).where(*filters).order_by(*_NEWEST_FIRST).limit(limit).offset(offset)
        ).all()
        total = session.exec(select(func.count()).select_from(Task).where(*filters)).one()
    return TaskPage(items=[_to_data(row) for row in rows], total=total)


def count_tasks(owner_id: uuid.UUID) -> TaskCounts:
    """Counted by the database in one query, so a paged list still shows true totals."""
    done = sa.case((col(Task.completed), 1), else_=0)
    with session_scope() as session:
        total, completed = session.exec(
            select(func.count(), func.coalesce(func.sum(done), 0))
            .select_from(Task)
            .where(col(Task.owner_id) == owner_id)
        ).one()
    return TaskCounts(total=total, active=total - completed, completed=completed)


def _newest_first(tasks: Iterable[TaskData]) -> list[TaskData]:
    """The list order, for RETURNING rows (which come back in no promised order)."""
    return sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=True)


# --- creating -----------------------------------------------------------------------------


def _find(session: Session, task_id: uuid.UUID) -> Task | None:
    """The task with this id, whoever owns it: only to tell a retry from a clash."""
    return session.exec(select(Task).where(col(Task.id) == task_id)).one_or_none()


def _existing(task: Task, owner_id: uuid.UUID) -> TaskData:
    """A repeated create returns what is stored; another owner's id is a clash."""
    if task.owner_id != owner_id:
        raise Conflict(ID_TAKEN_MESSAGE)
    return _to_data(task)


@_announces
def create_task(
    owner_id: uuid.UUID,
    title: str,
    description: str = "",
    *,
    task_id: uuid.UUID | None = None,
    completed: bool = False,
    created_at: datetime | None = None,
) -> TaskData:
    """Idempotent by id, so a client may retry a create whose answer it never got.

    ``created_at`` lets an undo put a task back in its old place in the list.
    """
    title = validate_title(title)
    description = validate_description(description)
    now = utcnow()
    task = Task(
        id=task_id or uuid.uuid4(),
        owner_id=owner_id,
        title=title,
        description=description,
        completed=completed,
        created_at=now if created_at is None else _aware("created_at", created_at),
        updated_at=now,
    )
    try:
        with session_scope() as session:
            stored = _find(session, task.id)
            if stored is not None:
                return _existing(stored, owner_id)
            session.add(task)
    except IntegrityError:
        # Another request inserted the same id between our look and our insert.
        with session_scope() as session:
            stored = _find(session, task.id)
        if stored is None:
            raise  # not an id clash (e.g. the owner does not exist): a real error
        return _existing(stored, owner_id)
    return _to_data(task)


@_announces
def restore_tasks(owner_id: uuid.UUID, tasks: list[TaskData]) -> list[TaskData]:
    """Undo of delete or clear completed: put the tasks back exactly as they were.

    Ids already in the table (restored before, or someone else's) are skipped, so undo can
    be repeated safely and can never take over another account's task. Returns the tasks
    put back, in the order given. All or nothing.
    """
    wanted: dict[uuid.UUID, TaskData] = {}
    for task in tasks:
        wanted.setdefault(task.id, _clean_copy(task))
    if not wanted:
        return []
    try:
        return _insert_missing(owner_id, list(wanted.values()))
    except IntegrityError:
        # A concurrent undo of the same tasks got some in first; now they are skipped.
        return _insert_missing(owner_id, list(wanted.values()))


def _insert_missing(owner_id: uuid.UUID, tasks: list[TaskData]) -> list[TaskData]:
    ids = [task.id for task in tasks]
    with session_scope() as session:
        taken = set(session.exec(select(col(Task.id)).where(col(Task.id).in_(ids))).all())
        fresh = [task for task in tasks if task.id not in taken]
        session.add_all(Task(owner_id=owner_id, **_as_row(task)) for task in fresh)
    return fresh


def _clean_copy(task: TaskData) -> TaskData:
    """A TaskData passes through callers' hands before an undo; check it like new input."""
    if task.version < 1:
        raise InvalidInput({"version": "Version must be 1 or more"})
    return TaskData(
        id=task.id,
        title=validate_title(task.title),
        description=validate_description(task.description),
        completed=task.completed,
        version=task.version,
        created_at=_aware("created_at", task.created_at),
        updated_at=_aware("updated_at", task.updated_at),
    )


def _as_row(task: TaskData) -> dict[str, Any]:
    return {name: getattr(task, name) for name in _FIELDS}


# --- changing -----------------------------------------------------------------------------


def _write(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> TaskData:
    """Apply ``change`` (new values computed from the stored task) if nothing changed since.

    The UPDATE names the version it read; if another writer got there first, no row matches
    and we read again: with ``expected_version`` that read raises StaleVersion, without it
    the change is applied to the newer task.
    """
    for _ in range(WRITE_ATTEMPTS):
        with session_scope() as session:
            current = _read_owned(session, owner_id, task_id)
            if expected_version is not None and current.version != expected_version:
                raise StaleVersion(STALE_MESSAGE, current=current)
            values = {k: v for k, v in change(current).items() if getattr(current, k) != v}
            if not values:
                return current  # nothing to change: no new version, no write
            row = session.exec(
                sa.update(Task)
                .where(*_owned(owner_id, task_id), col(Task.version) == current.version)
                .values(**values, version=current.version + 1, updated_at=utcnow())
                .returning(*_COLUMNS)
                .execution_options(synchronize_session=False)
            ).one_or_none()
            if row is not None:
                return _to_data(row)
    raise StaleVersion(STALE_MESSAGE, current=get_task(owner_id, task_id))


@_announces
def update_task(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    *,
    title: str | None = None,
    description: str | None = None,
    completed: bool | None = None,
    expected_version: int | None = None,
) -> TaskData:
    """Partial update: ``None`` leaves a field as it is. Same values = no new version."""
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = validate_title(title)
    if description is not None:
        new["description"] = validate_description(description)
    if completed is not None:
        new["completed"] = completed
    return _write(owner_id, task_id, lambda _current: new, expected_version)


@_announces
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


@_announces
def set_all_completed(owner_id: uuid.UUID, completed: bool) -> list[TaskData]:
    """Mark all complete / all active. Returns only the tasks it changed, as they are now."""
    with session_scope() as session:
        rows = session.exec(
            sa.update(Task)
            .where(col(Task.owner_id) == owner_id, col(Task.completed) != completed)
            .values(completed=completed, version=col(Task.version) + 1, updated_at=utcnow())
            .returning(*_COLUMNS)
            .execution_options(synchronize_session=False)
        ).all()
    return _newest_first(_to_data(row) for row in rows)


# --- deleting -----------------------------------------------------------------------------


def _delete_where(*filters: sa.ColumnElement[bool]) -> list[TaskData]:
    """Delete and return the deleted rows in one statement: what Undo gets is what was gone."""
    with session_scope() as session:
        rows = session.exec(
            sa.delete(Task)
            .where(*filters)
            .returning(*_COLUMNS)
            .execution_options(synchronize_session=False)
        ).all()
    return _newest_first(_to_data(row) for row in rows)


@_announces
def delete_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """Returns the deleted task, so the caller can offer Undo (``restore_tasks``)."""
    deleted = _delete_where(*_owned(owner_id, task_id))
    if not deleted:
        raise NotFound(NOT_FOUND_MESSAGE)
    return deleted[0]


@_announces
def clear_completed(owner_id: uuid.UUID) -> list[TaskData]:
    """Deletes the owner's completed tasks and returns them (newest first) for Undo."""
    return _delete_where(col(Task.owner_id) == owner_id, col(Task.completed))
