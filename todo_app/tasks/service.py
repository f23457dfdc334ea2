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

import dataclasses
import inspect
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, get_args

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
# How far ahead of this server's clock a client-supplied time may be (clocks drift).
CLOCK_SKEW = timedelta(minutes=5)

NOT_FOUND_MESSAGE = "Task not found"
TITLE_EMPTY = "Enter a title"
# "{n}" is the length given; the page checks the same rule as the user types (one template).
TITLE_TOO_LONG = f"Title must be at most {TITLE_MAX} characters (this one has {{n}})"
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

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TaskData:
        """The inverse of ``to_dict`` (for rows kept in the change engine's log)."""
        return cls(
            id=uuid.UUID(raw["id"]),
            title=raw["title"],
            description=raw["description"],
            completed=raw["completed"],
            version=raw["version"],
            created_at=datetime.fromisoformat(raw["created_at"]),
            updated_at=datetime.fromisoformat(raw["updated_at"]),
        )


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


@dataclass(frozen=True)
class TaskChange:
    """What one committed write did to an owner's tasks: the rows as they are now, the ids
    that are gone, and how the counts moved. Open pages apply it as it is (no re-read).

    ``mutation_id`` names the page mutation that caused it (empty for the REST API), and
    ``origin`` the tab that sent it, which already knows the outcome.
    """

    owner_id: uuid.UUID
    upserted: tuple[TaskData, ...] = ()
    removed: tuple[uuid.UUID, ...] = ()
    total_delta: int = 0
    active_delta: int = 0
    mutation_id: str = ""
    origin: str = ""

    def __bool__(self) -> bool:
        return bool(self.upserted or self.removed)

    def merged(self, other: TaskChange) -> TaskChange:
        """Both changes as one (``other`` after ``self``), for writes made in one unit."""
        gone = {*self.removed, *other.removed}
        newer = {task.id for task in other.upserted}
        upserted = [t for t in self.upserted if t.id not in newer and t.id not in gone]
        return dataclasses.replace(
            self,
            upserted=(*upserted, *(t for t in other.upserted if t.id not in gone)),
            removed=tuple(gone),
            total_delta=self.total_delta + other.total_delta,
            active_delta=self.active_delta + other.active_delta,
        )


def _change(
    owner_id: uuid.UUID,
    before: Iterable[TaskData | None],
    after: Iterable[TaskData | None],
) -> TaskChange:
    """The change from each row's old value to its new one (None: absent)."""
    upserted: list[TaskData] = []
    removed: list[uuid.UUID] = []
    total = active = 0
    for old, new in zip(before, after, strict=True):
        total += (new is not None) - (old is not None)
        active += (new is not None and not new.completed) - (old is not None and not old.completed)
        if new is not None:
            upserted.append(new)
        elif old is not None:
            removed.append(old.id)
    return TaskChange(owner_id, tuple(upserted), tuple(removed), total, active)


# Called with every committed TaskChange, whichever door it came through. The app's
# composition root subscribes the live updates here; listeners must not raise.
change_listeners: list[Callable[[TaskChange], None]] = []


def announce(change: TaskChange) -> None:
    """Tell the listeners about a committed change (after the commit, never before)."""
    if not change:
        return
    for listener in list(change_listeners):
        try:
            listener(change)
        except Exception:
            logger.exception("a change listener failed")


# --- validation ---------------------------------------------------------------------------


def has_control_characters(text: str) -> bool:
    """True for C0/C1 controls and lone surrogates: PostgreSQL refuses NUL, UTF-8 refuses
    surrogates, and neither belongs in a task. Format characters (emoji joiners) are fine."""
    return any(unicodedata.category(ch) in {"Cc", "Cs"} and ch not in "\t\n" for ch in text)


def validate_title(title: str) -> str:
    """The title as stored: trimmed, one line (breaks and tabs become one space)."""
    cleaned = _TITLE_BREAKS.sub(" ", title).strip()
    if not cleaned:
        raise InvalidInput({"title": TITLE_EMPTY})
    if has_control_characters(cleaned):
        raise InvalidInput({"title": "Title must not contain control characters"})
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput({"title": TITLE_TOO_LONG.format(n=len(cleaned))})
    return cleaned


def validate_description(description: str | None) -> str:
    """The description as stored: line breaks as ``\\n``, no trailing whitespace.

    Leading whitespace stays: indentation in a note can mean something.
    """
    cleaned = _DESCRIPTION_BREAKS.sub("\n", description or "").rstrip()
    if has_control_characters(cleaned):
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
    if has_control_characters(q):
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
    row = session.exec(select(*_COLUMNS).where(*_owned(owner_id, task_id))).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return _to_data(row)


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
#
# Each write has two forms: ``create_task(...)`` is a whole unit of work that announces its
# change, and ``create_in(session, ...)`` does the same inside a caller's transaction and
# returns the change for the caller to announce after its commit (the change engine writes
# its log in that same transaction).


def _find(session: Session, task_id: uuid.UUID) -> Task | None:
    """The task with this id, whoever owns it: only to tell a retry from a clash."""
    return session.exec(select(Task).where(col(Task.id) == task_id)).one_or_none()


def _existing(task: Task, owner_id: uuid.UUID) -> TaskData:
    """A repeated create returns what is stored; another owner's id is a clash."""
    if task.owner_id != owner_id:
        raise Conflict(ID_TAKEN_MESSAGE)
    return _to_data(task)


def _not_in_future(name: str, value: datetime) -> datetime:
    """A client-supplied time (undo puts a task back in its place) may not lie ahead."""
    value = _aware(name, value)
    if value > utcnow() + CLOCK_SKEW:
        raise InvalidInput({name: "Time must not be in the future"})
    return value


def create_in(
    session: Session,
    owner_id: uuid.UUID,
    title: str,
    description: str = "",
    *,
    task_id: uuid.UUID | None = None,
    completed: bool = False,
    created_at: datetime | None = None,
) -> tuple[TaskData, TaskChange]:
    title = validate_title(title)
    description = validate_description(description)
    now = utcnow()
    created = now if created_at is None else _not_in_future("created_at", created_at)
    if task_id is not None and (stored := _find(session, task_id)) is not None:
        return _existing(stored, owner_id), TaskChange(owner_id)
    task = Task(
        id=task_id or uuid.uuid4(),
        owner_id=owner_id,
        title=title,
        description=description,
        completed=completed,
        created_at=created,
        updated_at=now,
    )
    session.add(task)
    session.flush()
    data = _to_data(task)
    return data, _change(owner_id, [None], [data])


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
    args = (owner_id, title, description)
    kwargs = {"task_id": task_id, "completed": completed, "created_at": created_at}
    try:
        with session_scope() as session:
            task, change = create_in(session, *args, **kwargs)
    except IntegrityError:
        # Another request inserted the same id between our look and our insert.
        with session_scope() as session:
            stored = _find(session, task_id) if task_id else None
        if stored is None:
            raise  # not an id clash (e.g. the owner does not exist): a real error
        return _existing(stored, owner_id)
    announce(change)
    return task


def restore_in(
    session: Session, owner_id: uuid.UUID, tasks: list[TaskData]
) -> tuple[list[TaskData], TaskChange]:
    """Put tasks back exactly as they were; ids already in the table are skipped, so an
    undo can be repeated and can never take over another account's task."""
    wanted: dict[uuid.UUID, TaskData] = {}
    for task in tasks:
        wanted.setdefault(task.id, _clean_copy(task))
    if not wanted:
        return [], TaskChange(owner_id)
    taken = set(session.exec(select(col(Task.id)).where(col(Task.id).in_(wanted))).all())
    fresh = [task for task in wanted.values() if task.id not in taken]
    session.add_all(Task(owner_id=owner_id, **_as_row(task)) for task in fresh)
    session.flush()
    return fresh, _change(owner_id, [None] * len(fresh), fresh)


def restore_tasks(owner_id: uuid.UUID, tasks: list[TaskData]) -> list[TaskData]:
    """Undo of delete or clear completed. Returns the tasks put back, in the order given.
    All or nothing."""
    try:
        with session_scope() as session:
            fresh, change = restore_in(session, owner_id, tasks)
    except IntegrityError:
        # A concurrent undo of the same tasks got some in first; now they are skipped.
        with session_scope() as session:
            fresh, change = restore_in(session, owner_id, tasks)
    announce(change)
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
        created_at=_not_in_future("created_at", task.created_at),
        updated_at=_not_in_future("updated_at", task.updated_at),
    )


def _as_row(task: TaskData) -> dict[str, Any]:
    return {name: getattr(task, name) for name in _FIELDS}


# --- changing -----------------------------------------------------------------------------


def validate_changes(
    *, title: str | None = None, description: str | None = None, completed: bool | None = None
) -> dict[str, Any]:
    """The new values of the fields a partial update sets, as they will be stored.

    This is the list of fields an update may set: a field joins by a keyword here and a
    column on Task; the REST API and the page's change engine both come through it.
    """
    new: dict[str, Any] = {}
    if title is not None:
        new["title"] = validate_title(title)
    if description is not None:
        new["description"] = validate_description(description)
    if completed is not None:
        if not isinstance(completed, bool):
            raise InvalidInput({"completed": "Completed must be true or false"})
        new["completed"] = completed
    return new


UPDATABLE_FIELDS: tuple[str, ...] = tuple(inspect.signature(validate_changes).parameters)


def write_in(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> tuple[TaskData, TaskData, TaskChange]:
    """Apply ``change`` (new values computed from the stored task) if nothing changed since.

    The UPDATE names the version it read; if another writer got there first, no row matches
    and we read again: with ``expected_version`` that read raises StaleVersion, without it
    the change is applied to the newer task. Returns the task before, after, and the change.
    """
    for _ in range(WRITE_ATTEMPTS):
        current = _read_owned(session, owner_id, task_id)
        if expected_version is not None and current.version != expected_version:
            raise StaleVersion(STALE_MESSAGE, current=current)
        values = {k: v for k, v in change(current).items() if getattr(current, k) != v}
        if not values:
            return current, current, TaskChange(owner_id)  # nothing to change: no new version
        row = session.exec(
            sa.update(Task)
            .where(*_owned(owner_id, task_id), col(Task.version) == current.version)
            .values(**values, version=current.version + 1, updated_at=utcnow())
            .returning(*_COLUMNS)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if row is not None:
            after = _to_data(row)
            return current, after, _change(owner_id, [current], [after])
    raise StaleVersion(STALE_MESSAGE, current=_read_owned(session, owner_id, task_id))


def _write(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> TaskData:
    with session_scope() as session:
        _before, after, task_change = write_in(session, owner_id, task_id, change, expected_version)
    announce(task_change)
    return after


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
    new = validate_changes(title=title, description=description, completed=completed)
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
) -> tuple[list[TaskData], TaskChange]:
    rows = session.exec(
        sa.update(Task)
        .where(col(Task.owner_id) == owner_id, col(Task.completed) != completed)
        .values(completed=completed, version=col(Task.version) + 1, updated_at=utcnow())
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    changed = _newest_first(_to_data(row) for row in rows)
    before = [dataclasses.replace(t, completed=not completed) for t in changed]
    return changed, _change(owner_id, before, changed)


def set_all_completed(owner_id: uuid.UUID, completed: bool) -> list[TaskData]:
    """Mark all complete / all active. Returns only the tasks it changed, as they are now."""
    with session_scope() as session:
        changed, change = set_all_in(session, owner_id, completed)
    announce(change)
    return changed


# --- deleting -----------------------------------------------------------------------------


def delete_where_in(
    session: Session, owner_id: uuid.UUID, *filters: sa.ColumnElement[bool]
) -> tuple[list[TaskData], TaskChange]:
    """Delete and return the deleted rows in one statement: what Undo gets is what was gone."""
    rows = session.exec(
        sa.delete(Task)
        .where(col(Task.owner_id) == owner_id, *filters)
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    deleted = _newest_first(_to_data(row) for row in rows)
    return deleted, _change(owner_id, deleted, [None] * len(deleted))


def only(task_id: uuid.UUID) -> sa.ColumnElement[bool]:
    return col(Task.id) == task_id


def completed_only() -> sa.ColumnElement[bool]:
    return col(Task.completed)


def delete_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """Returns the deleted task, so the caller can offer Undo (``restore_tasks``)."""
    with session_scope() as session:
        deleted, change = delete_where_in(session, owner_id, only(task_id))
    if not deleted:
        raise NotFound(NOT_FOUND_MESSAGE)
    announce(change)
    return deleted[0]


def clear_completed(owner_id: uuid.UUID) -> list[TaskData]:
    """Deletes the owner's completed tasks and returns them (newest first) for Undo."""
    with session_scope() as session:
        deleted, change = delete_where_in(session, owner_id, completed_only())
    announce(change)
    return deleted
