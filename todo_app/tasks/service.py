"""Tasks: every read and write of the tasks table, for the pages and the REST API alike.

Each function is one unit of work (``session_scope``) and every statement is filtered by
``owner_id``, so a task id from another account reads nothing and changes nothing: it is
simply "not found". Functions are synchronous; async callers run them in a worker thread.
The rules of each field live in ``tasks.fields``; this module applies them.

Writes that depend on what is stored (update, toggle) are guarded in the database itself:
``UPDATE ... WHERE version = <the version read>``. Two writers can both read version 3, but
only one of them can turn it into version 4; the other sees no row changed and starts again.
The SQL used (``RETURNING``, ``lower() LIKE``, ``SUM(CASE ...)``) runs on SQLite >= 3.35 and
PostgreSQL alike.

Tags live in their own table (one row per user and tag name) with a link table, so "tasks
tagged home" is an index lookup, not a scan of text.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from todo_app import quickadd
from todo_app import recurrence as recurrence_rules
from todo_app.db import get_engine, session_scope
from todo_app.errors import InvalidInput, ListNotFound, NotFound, StaleVersion
from todo_app.lists import rows as list_rows
from todo_app.models import (
    Notification,
    Reminder,
    Tag,
    Task,
    TaskCompletion,
    TaskList,
    TaskTag,
    User,
    utcnow,
)
from todo_app.tasks import fields as rules
from todo_app.tasks.fields import (  # noqa: F401  (re-exported: the front doors' one import)
    PRIORITIES,
    TITLE_EMPTY,
    TITLE_TOO_LONG,
    validate_description,
    validate_title,
)
from todo_app.text import has_control_characters, strip_invisible

Status = Literal["all", "active", "completed"]
STATUSES: tuple[str, ...] = get_args(Status)
Due = Literal["overdue", "today", "upcoming", "none"]
DUES: tuple[str, ...] = get_args(Due)
Sort = Literal["created", "due", "priority", "title"]
SORTS: tuple[str, ...] = get_args(Sort)
Order = Literal["asc", "desc"]
ORDERS: tuple[str, ...] = get_args(Order)
# The direction each sort takes unless told: newest, soonest, most important, A to Z.
DEFAULT_ORDER: dict[str, str] = {
    "created": "desc",
    "due": "asc",
    "priority": "desc",
    "title": "asc",
}
INBOX = "inbox"  # list_id=inbox: the tasks in no list

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
OFFSET_MAX = 1_000_000
# A search reads every title and description of the owner's tasks with LIKE '%q%', whose
# cost is rows x text x pattern (no index can help a pattern that starts with '%'). 200
# characters holds any title (TITLE_MAX); 2,000 made the worst case ten times slower
# (bench/parsers_bench.py). Longer text is refused by its raw length before anything reads it.
SEARCH_MAX = 200
SEARCH_RAW_MAX = rules.RAW_FACTOR * SEARCH_MAX
SEARCH_TOO_LONG = f"Search must be at most {SEARCH_MAX} characters"
# How many values a repeated filter (``tag``, ``priority``) may have: as many as a task can
# carry tags. 1,200 tags made SQLite's expression tree too deep (a 500).
FILTER_VALUES_MAX = rules.TAGS_MAX
QUICK_ADD_MAX = 500
# An update that keeps losing the version race this often gives up with StaleVersion.
WRITE_ATTEMPTS = 5
# How far ahead of this server's clock a client-supplied time may be (clocks drift).
CLOCK_SKEW = timedelta(minutes=5)

NOT_FOUND_MESSAGE = "Task not found"
LIST_NOT_FOUND_MESSAGE = "List not found"
STALE_MESSAGE = "This task was changed elsewhere"

# "Not given" in a partial update (``None`` means "no value" for the optional fields).
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()


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
    list_id: uuid.UUID | None = None
    priority: str = "none"
    tags: tuple[str, ...] = ()
    due_date: date | None = None
    due_time: time | None = None
    due_at: datetime | None = None
    recurrence: dict[str, Any] | None = None
    reminders: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (str ids, ISO 8601 dates and times), for the API and for Reflex state."""
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "completed": self.completed,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "list_id": str(self.list_id) if self.list_id else None,
            "priority": self.priority,
            "tags": list(self.tags),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "due_time": self.due_time.strftime("%H:%M") if self.due_time else None,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "recurrence": public_recurrence(self.recurrence),
            "reminders": [{"minutes_before": m} for m in self.reminders],
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TaskData:
        """The inverse of ``to_dict`` (for rows kept in the change engine's log)."""
        optional = {
            "list_id": uuid.UUID(raw["list_id"]) if raw.get("list_id") else None,
            "priority": raw.get("priority", "none"),
            "tags": tuple(raw.get("tags", ())),
            "due_date": date.fromisoformat(raw["due_date"]) if raw.get("due_date") else None,
            "due_time": time.fromisoformat(raw["due_time"]) if raw.get("due_time") else None,
            "due_at": datetime.fromisoformat(raw["due_at"]) if raw.get("due_at") else None,
            "recurrence": raw.get("recurrence"),
            "reminders": tuple(r["minutes_before"] for r in raw.get("reminders", ())),
        }
        return cls(
            id=uuid.UUID(raw["id"]),
            title=raw["title"],
            description=raw["description"],
            completed=raw["completed"],
            version=raw["version"],
            created_at=datetime.fromisoformat(raw["created_at"]),
            updated_at=datetime.fromisoformat(raw["updated_at"]),
            **optional,
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


@dataclass(frozen=True)
class TaskQuery:
    """What a list request asks for; every filter combines with AND."""

    status: str = "all"
    q: str = ""
    list_id: str | None = None  # a list's UUID, or "inbox"
    priority: tuple[str, ...] = ()  # any of these
    tag: tuple[str, ...] = ()  # all of these
    due: str | None = None
    due_before: str | None = None  # inclusive, YYYY-MM-DD
    due_after: str | None = None
    sort: str = "created"
    order: str | None = None
    limit: int = PAGE_SIZE_DEFAULT
    offset: int = 0


_ROW_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TaskData) if f.name != "tags")
# The columns a read or a RETURNING clause hands back (tags come from their own table).
_COLUMNS = tuple(getattr(Task, name) for name in _ROW_FIELDS)
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


change_between = _change  # for other services whose writes move tasks (a deleted list)

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


# --- reading ------------------------------------------------------------------------------


def _aware(name: str, value: datetime) -> datetime:
    """A naive time would be read as UTC silently; refuse it instead of guessing."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput({name: "Time must include a time zone"})
    return value.astimezone(UTC)


def _to_data(source: Any, tags: Sequence[str] = ()) -> TaskData:
    """From a RETURNING or column row; times in UTC whatever the server's time zone is."""
    values = {name: getattr(source, name) for name in _ROW_FIELDS}
    values["created_at"] = values["created_at"].astimezone(UTC)
    values["updated_at"] = values["updated_at"].astimezone(UTC)
    if values["due_at"] is not None:
        values["due_at"] = values["due_at"].astimezone(UTC)
    values["priority"] = rules.priority_name(values["priority"])
    values["reminders"] = tuple(values["reminders"] or ())
    return TaskData(**values, tags=tuple(tags))


def _tags_of(session: Session, task_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    if not task_ids:
        return {}
    rows = session.exec(
        select(TaskTag.task_id, Tag.name)
        .join(Tag, col(Tag.id) == col(TaskTag.tag_id))
        .where(col(TaskTag.task_id).in_(task_ids))
        .order_by(col(TaskTag.task_id), col(TaskTag.position))
    ).all()
    found: dict[uuid.UUID, list[str]] = {}
    for task_id, name in rows:
        found.setdefault(task_id, []).append(name)
    return found


def _with_tags(session: Session, rows: Sequence[Any]) -> list[TaskData]:
    tags = _tags_of(session, [row.id for row in rows])
    return [_to_data(row, tags.get(row.id, ())) for row in rows]


def _owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [col(Task.id) == task_id, col(Task.owner_id) == owner_id]


def _read_owned(session: Session, owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    row = session.exec(select(*_COLUMNS).where(*_owned(owner_id, task_id))).one_or_none()
    if row is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return _with_tags(session, [row])[0]


def get_in(session: Session, owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """The owner's task, inside the caller's transaction (other services' writes)."""
    return _read_owned(session, owner_id, task_id)


def get_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    with session_scope() as session:
        return _read_owned(session, owner_id, task_id)


def zone_of(session: Session, owner_id: uuid.UUID) -> str:
    """The owner's time zone (UTC if the account is gone: nothing will be written then)."""
    zone = session.exec(select(User.time_zone).where(col(User.id) == owner_id)).first()
    return zone or "UTC"


def _int(problems: dict[str, str], name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems[name] = f"{name.capitalize()} must be a whole number from {low} to {high}"


def validate_search(q: Any) -> str:
    """The search text as used: without invisible characters, trimmed, at most
    ``SEARCH_MAX`` characters. The API's ``q`` and the page's search field take it from here.

    Stored text has no invisible characters (todo_app.text), so a search drops them too; a
    pasted tab or line break is harmless in a search and stays allowed."""
    if not isinstance(q, str):
        return ""
    if len(q) > SEARCH_RAW_MAX:
        raise InvalidInput({"q": SEARCH_TOO_LONG})
    q = strip_invisible(q).strip()
    if has_control_characters(q, multiline=True):
        raise InvalidInput({"q": "Search must not contain control characters"})
    if len(q) > SEARCH_MAX:
        raise InvalidInput({"q": SEARCH_TOO_LONG})
    return q


def _validate_query(query: TaskQuery) -> TaskQuery:
    """Every problem with a list request at once, so a form can mark all fields."""
    problems: dict[str, str] = {}
    if query.status not in STATUSES:
        problems["status"] = "Status must be all, active or completed"
    _int(problems, "limit", query.limit, 1, PAGE_SIZE_MAX)
    _int(problems, "offset", query.offset, 0, OFFSET_MAX)
    try:
        q = validate_search(query.q)
    except InvalidInput as exc:
        problems.update(exc.fields)
        q = ""
    for name in ("priority", "tag"):
        if len(getattr(query, name)) > FILTER_VALUES_MAX:
            problems[name] = f"At most {FILTER_VALUES_MAX} {name} filters, please"
    priorities, tags = query.priority[:FILTER_VALUES_MAX], query.tag[:FILTER_VALUES_MAX]
    if query.list_id not in (None, INBOX):
        try:
            uuid.UUID(str(query.list_id))
        except ValueError:
            problems["list_id"] = "list_id must be a list's id or inbox"
    for name, check in (
        ("priority", lambda: [rules.validate_priority(p) for p in priorities]),
        ("tag", lambda: [rules.validate_tag(t) for t in tags]),
        ("due_before", lambda: rules.validate_due_date(query.due_before)),
        ("due_after", lambda: rules.validate_due_date(query.due_after)),
    ):
        try:
            check()
        except InvalidInput as exc:
            problems.setdefault(name, next(iter(exc.fields.values())))
    if query.due is not None and query.due not in DUES:
        problems["due"] = "Due must be overdue, today, upcoming or none"
    if query.sort not in SORTS:
        problems["sort"] = "Sort must be created, due, priority or title"
    if query.order is not None and query.order not in ORDERS:
        problems["order"] = "Order must be asc or desc"
    if problems:
        raise InvalidInput(problems)
    return dataclasses.replace(query, q=q)


def _tag_id(owner_id: uuid.UUID, name: str) -> Any:
    """The id of the owner's tag of that name, as a subquery (through uq_tags_owner_name)."""
    return (
        select(Tag.id)
        .where(
            col(Tag.owner_id) == owner_id,
            col(Tag.name_key) == rules.tag_key(rules.validate_tag(name)),
        )
        .scalar_subquery()
    )


def _contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    """The column holds ``text``, case-insensitively, as a plain substring.

    Not ``LIKE '%...%'``: its pattern walk compares the pattern at every position (0.6 s for a
    200-character search over 1,000 long descriptions of one letter); SQLite's ``instr`` and
    PostgreSQL's ``strpos`` find a literal substring with memcmp / Boyer-Moore-Horspool, and
    need no escaping of ``%`` and ``_``. ``lower`` on both sides, in SQL, as ``icontains``."""
    find = sa.func.instr if get_engine().dialect.name == "sqlite" else sa.func.strpos
    return find(sa.func.lower(col(column)), sa.func.lower(text)) > 0


def _list_filters(
    owner_id: uuid.UUID, query: TaskQuery, today: date
) -> list[sa.ColumnElement[bool]]:
    """Owner first, so the (owner_id, ...) indexes narrow every list and count.

    With a tag, the tag's links pick the tasks (ix_task_tags_tag_task) and each is read by
    its key. SQLite's planner, which has no statistics here, would rather walk all the
    owner's tasks in created order and test each; the unary ``+`` (SQLite only) takes the
    owner indexes out of its choice. PostgreSQL plans from its statistics."""
    owner = col(Task.owner_id)
    if query.tag and get_engine().dialect.name == "sqlite":
        owner = sa.literal_column("+tasks.owner_id")  # type: ignore[assignment]
    filters = [owner == owner_id]
    if query.status != "all":
        filters.append(col(Task.completed) == (query.status == "completed"))
    if query.q:
        filters.append(sa.or_(_contains(Task.title, query.q), _contains(Task.description, query.q)))
    if query.list_id == INBOX:
        filters.append(col(Task.list_id).is_(None))
    elif query.list_id is not None:
        filters.append(col(Task.list_id) == uuid.UUID(str(query.list_id)))
    if query.priority:
        filters.append(col(Task.priority).in_({rules.validate_priority(p) for p in query.priority}))
    for name in query.tag:
        # Each tag's links, read once through the tag index (all of them must match).
        filters.append(
            col(Task.id).in_(
                select(TaskTag.task_id).where(col(TaskTag.tag_id) == _tag_id(owner_id, name))
            )
        )
    due = {
        "overdue": col(Task.due_date) < today,
        "today": col(Task.due_date) == today,
        "upcoming": col(Task.due_date) > today,
        "none": col(Task.due_date).is_(None),
    }
    if query.due is not None:
        filters.append(due[query.due])
    if query.due_after is not None:
        filters.append(col(Task.due_date) >= rules.validate_due_date(query.due_after))
    if query.due_before is not None:
        filters.append(col(Task.due_date) <= rules.validate_due_date(query.due_before))
    return filters


def _ordering(query: TaskQuery) -> list[Any]:
    descending = (query.order or DEFAULT_ORDER[query.sort]) == "desc"

    def way(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    tie = [col(Task.created_at).desc(), col(Task.id).desc()]
    if query.sort == "due":
        # Undated tasks last either way; a dated task without a time after the timed ones.
        return [
            col(Task.due_date).is_(None),
            way(col(Task.due_date)),
            col(Task.due_time).is_(None),
            way(col(Task.due_time)),
            *tie,
        ]
    if query.sort == "priority":
        return [way(col(Task.priority)), *tie]
    if query.sort == "title":
        return [way(func.lower(col(Task.title))), *tie]
    return [way(col(Task.created_at)), way(col(Task.id))]


def list_tasks(
    owner_id: uuid.UUID,
    *,
    status: Status = "all",
    q: str = "",
    limit: int = PAGE_SIZE_DEFAULT,
    offset: int = 0,
    query: TaskQuery | None = None,
    now: datetime | None = None,
) -> TaskPage:
    """One page of the owner's tasks; ``q`` matches title or description, case-insensitively,
    literally (``%`` and ``_`` are not wildcards). "Today" is the owner's today (``now``
    for tests). Case folding beyond ASCII depends on the database."""
    query = _validate_query(query or TaskQuery(status=status, q=q, limit=limit, offset=offset))
    with session_scope() as session:
        if query.list_id not in (None, INBOX):
            _list_of(session, owner_id, uuid.UUID(str(query.list_id)))  # another's: not found
        today = rules.today_in(zone_of(session, owner_id), now)
        filters = _list_filters(owner_id, query, today)
        # Plain columns, not ORM objects: a page is read-only, and this is the busiest read.
        rows = session.exec(
            select(*_COLUMNS)
            .where(*filters)
            .order_by(*_ordering(query))
            .limit(query.limit)
            .offset(query.offset)
        ).all()
        total = session.exec(select(func.count()).select_from(Task).where(*filters)).one()
        items = _with_tags(session, rows)
    return TaskPage(items=items, total=total)


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


def list_tags(owner_id: uuid.UUID) -> list[tuple[str, int]]:
    """The tags the owner's tasks carry, with how many tasks carry each, by name."""
    with session_scope() as session:
        rows = session.exec(
            select(Tag.name, func.count(col(TaskTag.task_id)))
            .join(TaskTag, col(TaskTag.tag_id) == col(Tag.id))
            .where(col(Tag.owner_id) == owner_id)
            .group_by(col(Tag.id), col(Tag.name))
            .order_by(func.lower(col(Tag.name)))
        ).all()
    return [(name, count) for name, count in rows]


def _newest_first(tasks: Iterable[TaskData]) -> list[TaskData]:
    """The list order, for RETURNING rows (which come back in no promised order)."""
    return sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=True)


# --- creating -----------------------------------------------------------------------------
#
# Each write has two forms: ``create_task(...)`` is a whole unit of work that announces its
# change, and ``create_in(session, ...)`` does the same inside a caller's transaction and
# returns the change for the caller to announce after its commit (the change engine writes
# its log in that same transaction).


def _find(session: Session, task_id: uuid.UUID) -> Any:
    """The owner of the task with this id, if any: only to tell a retry from a clash."""
    return session.exec(select(Task.owner_id).where(col(Task.id) == task_id)).first()


def _existing(session: Session, task_id: uuid.UUID, owner_id: uuid.UUID) -> TaskData:
    """A repeated create returns what is stored. Another owner's id is "not found", as on
    every other route: a 409 would tell the caller that the id exists (and whose it is not),
    and a create must not take it over either."""
    return _read_owned(session, owner_id, task_id)


def _not_in_future(name: str, value: datetime) -> datetime:
    """A client-supplied time (undo puts a task back in its place) may not lie ahead."""
    value = _aware(name, value)
    if value > utcnow() + CLOCK_SKEW:
        raise InvalidInput({name: "Time must not be in the future"})
    return value


def _list_of(session: Session, owner_id: uuid.UUID, list_id: uuid.UUID | None) -> uuid.UUID | None:
    """``list_id`` if it is one of the owner's lists; another user's list is not found."""
    if list_id is None:
        return None
    found = session.exec(
        select(TaskList.id).where(col(TaskList.id) == list_id, col(TaskList.owner_id) == owner_id)
    ).first()
    if found is None:
        raise ListNotFound(LIST_NOT_FOUND_MESSAGE)
    return list_id


def _set_tags(
    session: Session, owner_id: uuid.UUID, task_id: uuid.UUID, names: Sequence[str]
) -> None:
    """Link the task to these tags (made for the owner where new), in this order."""
    keys = {rules.tag_key(name): name for name in names}
    ids: dict[str, uuid.UUID] = {}
    if keys:
        ids = dict(
            session.exec(
                select(Tag.name_key, Tag.id).where(
                    col(Tag.owner_id) == owner_id, col(Tag.name_key).in_(keys)
                )
            ).all()
        )
        for key, name in keys.items():
            if key not in ids:
                ids[key] = uuid.uuid4()
                session.exec(
                    sa.insert(Tag).values(id=ids[key], owner_id=owner_id, name=name, name_key=key)
                )
    session.exec(sa.delete(TaskTag).where(col(TaskTag.task_id) == task_id))
    if keys:
        session.exec(
            sa.insert(TaskTag),
            params=[
                {"task_id": task_id, "tag_id": ids[key], "position": i}
                for i, key in enumerate(keys)
            ],
        )


def validate_recurrence(value: Any) -> dict[str, Any] | None:
    """The repeat rule (tasks/recurrence.py checks it); the series start is the service's."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "start"}
    return recurrence_rules.validate_recurrence(value)


def public_recurrence(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rule as clients see it (without the series start kept for COUNT and UNTIL)."""
    if not stored:
        return None
    return {"rule": stored["rule"], "from_completion": bool(stored.get("from_completion"))}


def _with_start(recurrence: dict[str, Any] | None, due_date: date | None) -> dict[str, Any] | None:
    """A new rule counts its occurrences (COUNT, UNTIL) from the due date it was set on, and
    must repeat from there (a rule can reach dates from one start and none from another)."""
    if recurrence is None or due_date is None:
        return recurrence
    recurrence_rules.check_start(recurrence["rule"], due_date)
    return {**recurrence, "start": due_date.isoformat()}


def _plan_reminders(session: Session, owner_id: uuid.UUID, task: TaskData) -> None:
    """The task's unfired reminders, planned again from its due instant (for each occurrence
    of a recurring task); a completed or untimed task has none. Reminders already past are
    not planned: they could only arrive late for a due that was just set."""
    session.exec(
        sa.delete(Reminder).where(
            col(Reminder.task_id) == task.id, col(Reminder.fired_at).is_(None)
        )
    )
    if task.completed or task.due_at is None or not task.reminders:
        return
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "task_id": task.id,
            "owner_id": owner_id,
            "minutes_before": minutes,
            "fire_at": task.due_at - timedelta(minutes=minutes),
        }
        for minutes in task.reminders
        if task.due_at - timedelta(minutes=minutes) > now
    ]
    if rows:
        session.exec(sa.insert(Reminder), params=rows)


def _next_occurrence(
    session: Session, owner_id: uuid.UUID, task: TaskData
) -> dict[str, Any] | None:
    """What completing a recurring task changes: its next due date (the completion is
    recorded as history), or None when the rule has run out and it completes for good."""
    assert task.recurrence is not None and task.due_date is not None
    zone = zone_of(session, owner_id)
    start = task.recurrence.get("start")
    following = recurrence_rules.next_due(
        task.recurrence["rule"],
        due_date=task.due_date,
        due_time=task.due_time,
        zone=zone,
        completed_on=rules.today_in(zone),
        from_completion=bool(task.recurrence.get("from_completion")),
        series_start=date.fromisoformat(start) if start else task.due_date,
    )
    session.exec(
        sa.insert(TaskCompletion).values(
            id=uuid.uuid4(),
            task_id=task.id,
            owner_id=owner_id,
            completed_at=utcnow(),
            due_date=task.due_date,
        )
    )
    if following is None:
        return None
    return {"due_date": following}


def fields_from_text(
    session: Session, owner_id: uuid.UUID, text: Any, ignore: Any = ()
) -> dict[str, Any]:
    """Quick add: a sentence ("Pay rent tomorrow 9am !high #home every month") as a task's
    fields, read in the owner's zone; "+List" names one of their lists (made if new).
    ``ignore`` holds the start offsets of parts the user dismissed before pressing Enter."""
    if not isinstance(text, str) or len(text) > QUICK_ADD_MAX:
        raise InvalidInput({"text": f"Quick add text must be at most {QUICK_ADD_MAX} characters"})
    if not isinstance(ignore, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ignore
    ):
        raise InvalidInput({"ignore": "ignore must be a list of offsets"})
    parsed = quickadd.parse(
        text, now=utcnow(), zone=zone_of(session, owner_id), ignore=frozenset(ignore)
    )
    found = {"title": parsed.title, **fields_of(parsed)}
    if parsed.list_name:
        # The one list rule (name, uniqueness, the cap): a refusal writes nothing.
        found["list_id"] = str(list_rows.find_or_create_in(session, owner_id, parsed.list_name))
    return found


def fields_of(parsed: quickadd.Parsed) -> dict[str, Any]:
    """A quick-add reading as task fields (all but the list, which needs the database)."""
    found: dict[str, Any] = {}
    if parsed.priority:
        found["priority"] = parsed.priority
    if parsed.tags:
        found["tags"] = list(parsed.tags)
    if parsed.due_date:
        found["due_date"] = parsed.due_date.isoformat()
    if parsed.due_time:
        found["due_time"] = parsed.due_time.strftime("%H:%M")
    if parsed.recurrence:
        found["recurrence"] = parsed.recurrence
    if parsed.reminders:
        found["reminders"] = [{"minutes_before": m} for m in parsed.reminders]
    return found


def create_from_text(
    owner_id: uuid.UUID, text: str, *, task_id: uuid.UUID | None = None
) -> TaskData:
    """``POST /api/tasks {"text": ...}``: quick add through the REST API, same grammar."""
    try:
        with session_scope() as session:
            if task_id is not None and _find(session, task_id) is not None:
                return _existing(session, task_id, owner_id)
            found = fields_from_text(session, owner_id, text)
            title = found.pop("title")
            task, change = create_in(session, owner_id, title, task_id=task_id, **found)
    except IntegrityError:
        with session_scope() as session:
            if task_id is None or _find(session, task_id) is None:
                raise
            return _existing(session, task_id, owner_id)
    announce(change)
    return task


def history(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[tuple[datetime, date | None]]:
    """The completions of a recurring task, newest first."""
    with session_scope() as session:
        _read_owned(session, owner_id, task_id)  # another user's task: not found
        rows = session.exec(
            select(TaskCompletion.completed_at, TaskCompletion.due_date)
            .where(col(TaskCompletion.task_id) == task_id)
            .order_by(col(TaskCompletion.completed_at).desc())
        ).all()
    return [(at.astimezone(UTC), due) for at, due in rows]


def validate_changes(
    *,
    title: Any = UNSET,
    description: Any = UNSET,
    completed: Any = UNSET,
    list_id: Any = UNSET,
    priority: Any = UNSET,
    tags: Any = UNSET,
    due_date: Any = UNSET,
    due_time: Any = UNSET,
    recurrence: Any = UNSET,
    reminders: Any = UNSET,
) -> dict[str, Any]:
    """The new values of the fields a partial update sets, as they will be stored.

    A field left out stays as it is; ``None`` means "no value" (no description, the Inbox,
    no priority, no tags, no due date or time). This is the list of fields an update may
    set: a field joins by a keyword here and a column on Task; the REST API and the page's
    change engine both come through it.
    """
    given = {
        "title": (title, rules.validate_title),
        "description": (description, rules.validate_description),
        "completed": (completed, rules.validate_completed),
        "list_id": (list_id, _list_id),
        "priority": (priority, lambda p: rules.PRIORITIES[rules.validate_priority(p)]),
        "tags": (tags, rules.validate_tags),
        "due_date": (due_date, rules.validate_due_date),
        "due_time": (due_time, rules.validate_due_time),
        "recurrence": (recurrence, validate_recurrence),
        "reminders": (reminders, rules.validate_reminders),
    }
    new: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, (value, check) in given.items():
        if value is UNSET:
            continue
        try:
            new[name] = check(value)
        except InvalidInput as exc:
            problems.update(exc.fields)
    if problems:
        raise InvalidInput(problems)
    return new


def _list_id(value: Any) -> uuid.UUID | None:
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        if isinstance(value, str) and len(value) <= 36:
            return uuid.UUID(value)
    except ValueError:
        pass
    raise InvalidInput({"list_id": "list_id must be a list's id, or null for the Inbox"})


UPDATABLE_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "completed",
    "list_id",
    "priority",
    "tags",
    "due_date",
    "due_time",
    "recurrence",
    "reminders",
)


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    """Column values of validated changes (a priority name is stored as its rank)."""
    return {
        k: (rules.PRIORITIES.index(v) if k == "priority" and isinstance(v, str) else v)
        for k, v in values.items()
    }


def create_in(
    session: Session,
    owner_id: uuid.UUID,
    title: str,
    description: str = "",
    *,
    task_id: uuid.UUID | None = None,
    completed: bool = False,
    created_at: datetime | None = None,
    **extra: Any,
) -> tuple[TaskData, TaskChange]:
    """``extra`` takes the optional fields of ``validate_changes`` (list, priority, ...)."""
    new = validate_changes(title=title, description=description, completed=completed, **extra)
    now = utcnow()
    created = now if created_at is None else _not_in_future("created_at", created_at)
    if task_id is not None and _find(session, task_id) is not None:
        return _existing(session, task_id, owner_id), TaskChange(owner_id)
    due_date, due_time = new.get("due_date"), new.get("due_time")
    recurrence = _with_start(new.get("recurrence"), due_date)
    rules.check_schedule(due_date, due_time, recurrence, new.get("reminders", ()))
    task_id = task_id or uuid.uuid4()
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
            list_id=_list_of(session, owner_id, new.get("list_id")),
            priority=rules.validate_priority(new.get("priority")),
            due_date=due_date,
            due_time=due_time,
            due_at=rules.due_instant(due_date, due_time, zone_of(session, owner_id)),
            recurrence=recurrence,
            reminders=list(new.get("reminders", ())),
        )
    )
    _set_tags(session, owner_id, task_id, new.get("tags", ()))
    data = _read_owned(session, owner_id, task_id)
    _plan_reminders(session, owner_id, data)
    return data, _change(owner_id, [None], [data])


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
        with session_scope() as session:
            task, change = create_in(session, *args, **kwargs)
    except IntegrityError:
        # Another request inserted the same id between our look and our insert.
        with session_scope() as session:
            if task_id is None or _find(session, task_id) is None:
                raise  # not an id clash (e.g. the owner does not exist): a real error
            return _existing(session, task_id, owner_id)
    announce(change)
    return task


def restore_in(
    session: Session, owner_id: uuid.UUID, tasks: list[TaskData]
) -> tuple[list[TaskData], TaskChange]:
    """Put tasks back exactly as they were; ids already in the table are skipped, so an
    undo can be repeated and can never take over another account's task. A list deleted
    meanwhile puts its task in the Inbox."""
    wanted: dict[uuid.UUID, TaskData] = {}
    for task in tasks:
        wanted.setdefault(task.id, _clean_copy(task))
    if not wanted:
        return [], TaskChange(owner_id)
    taken = set(session.exec(select(col(Task.id)).where(col(Task.id).in_(wanted))).all())
    fresh = [task for task in wanted.values() if task.id not in taken]
    lists = {t.list_id for t in fresh if t.list_id is not None}
    alive = (
        set(
            session.exec(
                select(TaskList.id).where(
                    col(TaskList.owner_id) == owner_id, col(TaskList.id).in_(lists)
                )
            ).all()
        )
        if lists
        else set()
    )
    for task in fresh:
        row = _stored(_as_row(task))
        row["list_id"] = task.list_id if task.list_id in alive else None
        # The instant follows the wall-clock due in the owner's zone now (it may have changed).
        row["due_at"] = rules.due_instant(task.due_date, task.due_time, zone_of(session, owner_id))
        session.exec(sa.insert(Task).values(owner_id=owner_id, **row))
        _set_tags(session, owner_id, task.id, task.tags)
    restored = [_read_owned(session, owner_id, task.id) for task in fresh]
    for task in restored:
        _plan_reminders(session, owner_id, task)
    return restored, _change(owner_id, [None] * len(restored), restored)


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
    checked = validate_changes(
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
        created_at=_not_in_future("created_at", task.created_at),
        updated_at=_not_in_future("updated_at", task.updated_at),
        due_at=None if task.due_at is None else _aware("due_at", task.due_at),
    )


def _as_row(task: TaskData) -> dict[str, Any]:
    return {name: getattr(task, name) for name in _ROW_FIELDS}


# --- changing -----------------------------------------------------------------------------


def write_in(
    session: Session,
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    change: Callable[[TaskData], dict[str, Any]],
    expected_version: int | None,
) -> tuple[TaskData, TaskData, TaskChange]:
    """Apply ``change`` (validated new values, computed from the stored task) if nothing
    changed since.

    The UPDATE names the version it read; if another writer got there first, no row matches
    and we read again: with ``expected_version`` that read raises StaleVersion, without it
    the change is applied to the newer task. Returns the task before, after, and the change.
    """
    for _ in range(WRITE_ATTEMPTS):
        current = _read_owned(session, owner_id, task_id)
        if expected_version is not None and current.version != expected_version:
            raise StaleVersion(STALE_MESSAGE, current=current)
        values = {k: v for k, v in change(current).items() if _differs(current, k, v)}
        if values.get("completed") is True and current.recurrence and current.due_date:
            # A recurring task completed: it moves to its next occurrence and stays active
            # (or completes for good when its rule has run out).
            following = _next_occurrence(session, owner_id, current)
            if following is not None:
                del values["completed"]
                values.update(following)
        if not values:
            return current, current, TaskChange(owner_id)  # nothing to change: no new version
        tags = values.pop("tags", None)
        if "list_id" in values:
            _list_of(session, owner_id, values["list_id"])
        due_date = values.get("due_date", current.due_date)
        due_time = values.get("due_time", current.due_time)
        if "due_date" in values and due_date is None and "due_time" not in values:
            due_time = values["due_time"] = None  # clearing the date clears its time
        if "recurrence" in values:
            values["recurrence"] = _with_start(values["recurrence"], due_date)
        recurrence = values.get("recurrence", current.recurrence)
        if due_date is None and recurrence is not None and "recurrence" not in values:
            recurrence = values["recurrence"] = None  # no date: no repeat either
        reminders = values.get("reminders", current.reminders)
        if (due_date is None or due_time is None) and reminders and "reminders" not in values:
            reminders = values["reminders"] = ()  # no timed due: nothing to remind of
        rules.check_schedule(due_date, due_time, recurrence, reminders)
        if "due_date" in values or "due_time" in values:
            values["due_at"] = rules.due_instant(due_date, due_time, zone_of(session, owner_id))
        if "reminders" in values:
            values["reminders"] = list(values["reminders"])
        updated = session.exec(
            sa.update(Task)
            .where(*_owned(owner_id, task_id), col(Task.version) == current.version)
            .values(**_stored(values), version=current.version + 1, updated_at=utcnow())
            .returning(col(Task.id))
            .execution_options(synchronize_session=False)
        ).first()
        if updated is not None:
            if tags is not None:
                _set_tags(session, owner_id, task_id, tags)
            after = _read_owned(session, owner_id, task_id)
            if {"due_date", "due_time", "reminders", "completed"} & set(values):
                _plan_reminders(session, owner_id, after)
            return current, after, _change(owner_id, [current], [after])
    raise StaleVersion(STALE_MESSAGE, current=_read_owned(session, owner_id, task_id))


def changed_fields(before: TaskData, after: TaskData) -> list[str]:
    """The updatable fields a write changed (an undo puts exactly these back)."""
    return [
        name
        for name in UPDATABLE_FIELDS
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
    with session_scope() as session:
        _before, after, task_change = write_in(session, owner_id, task_id, change, expected_version)
    announce(task_change)
    return after


def update_task(
    owner_id: uuid.UUID,
    task_id: uuid.UUID,
    *,
    expected_version: int | None = None,
    **changes: Any,
) -> TaskData:
    """Partial update of the fields given (see ``validate_changes``). Same values = no new
    version."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise InvalidInput({sorted(unknown)[0]: "Unknown field"})
    new = validate_changes(**changes)
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
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    after = _with_tags(session, rows)
    before = [dataclasses.replace(t, completed=not completed) for t in after]
    for task in after:
        _plan_reminders(session, owner_id, task)
    for task_id in recurring:
        old, new, _ = write_in(session, owner_id, task_id, lambda _t: {"completed": True}, None)
        before.append(old)
        after.append(new)
    order = {t.id: i for i, t in enumerate(_newest_first(after))}
    pairs = sorted(zip(before, after, strict=True), key=lambda pair: order[pair[1].id])
    before, after = [b for b, _ in pairs], [a for _, a in pairs]
    return before, after, _change(owner_id, before, after)


def set_all_completed(owner_id: uuid.UUID, completed: bool) -> list[TaskData]:
    """Mark all complete / all active. Returns only the tasks it changed, as they are now."""
    with session_scope() as session:
        _before, changed, change = set_all_in(session, owner_id, completed)
    announce(change)
    return changed


def set_time_zone_in(session: Session, owner_id: uuid.UUID, zone: str) -> TaskChange:
    """A new zone moves the instant of every timed due (09:00 stays 09:00 where they are)."""
    rows = session.exec(
        select(Task.id, Task.due_date, Task.due_time, Task.version).where(
            col(Task.owner_id) == owner_id, col(Task.due_time).is_not(None)
        )
    ).all()
    before = []
    for row in rows:
        before.append(_read_owned(session, owner_id, row.id))
        session.exec(
            sa.update(Task)
            .where(col(Task.id) == row.id)
            .values(
                due_at=rules.due_instant(row.due_date, row.due_time, zone),
                version=row.version + 1,
                updated_at=utcnow(),
            )
        )
    after = [_read_owned(session, owner_id, row.id) for row in rows]
    for task in after:
        _plan_reminders(session, owner_id, task)
    return _change(owner_id, before, after)


# --- deleting -----------------------------------------------------------------------------


def delete_where_in(
    session: Session, owner_id: uuid.UUID, *filters: sa.ColumnElement[bool]
) -> tuple[list[TaskData], TaskChange]:
    """Delete and return the deleted rows (tags read first: they go with the task), so what
    Undo gets is exactly what was gone. The bell's notifications of a deleted task go with it
    (their titles are its contents); an Undo brings the task back, not reminders that fired."""
    where = [col(Task.owner_id) == owner_id, *filters]
    ids = session.exec(select(Task.id).where(*where)).all()
    tags = _tags_of(session, ids)
    if ids:
        session.exec(sa.delete(Notification).where(col(Notification.task_id).in_(ids)))
    rows = session.exec(
        sa.delete(Task)
        .where(*where, col(Task.id).in_(ids))
        .returning(*_COLUMNS)
        .execution_options(synchronize_session=False)
    ).all()
    deleted = _newest_first(_to_data(row, tags.get(row.id, ())) for row in rows)
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
