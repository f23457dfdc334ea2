"""Every read of the tasks table: one task, a filtered and sorted page, the counts, the
history of a recurring task.

Every statement is filtered by ``owner_id``, so a task id from another account reads nothing:
it is simply "not found". Functions are synchronous; async callers run them in a worker
thread. The SQL used (``lower()``, ``instr``/``strpos``, ``SUM(CASE ...)``) runs on SQLite
>= 3.35 and PostgreSQL alike.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from todo_app.db import get_engine, session_scope
from todo_app.errors import InvalidInput, NotFound
from todo_app.lists import rows as list_rows
from todo_app.models import Tag, Task, TaskCompletion, TaskTag, User
from todo_app.tasks import fields as rules
from todo_app.tasks.tags import tag_id, tags_of
from todo_app.tasks.types import (
    DEFAULT_ORDER,
    DUES,
    INBOX,
    NOT_FOUND_MESSAGE,
    OFFSET_MAX,
    ORDERS,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    ROW_FIELDS,
    SORTS,
    STATUSES,
    Status,
    TaskCounts,
    TaskData,
    TaskPage,
    TaskQuery,
)
from todo_app.text import has_control_characters, strip_invisible

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

# The columns a read or a RETURNING clause hands back (tags come from their own table).
COLUMNS = tuple(getattr(Task, name) for name in ROW_FIELDS)


def to_data(source: Any, tags: Sequence[str] = ()) -> TaskData:
    """From a RETURNING or column row; times in UTC whatever the server's time zone is."""
    values = {name: getattr(source, name) for name in ROW_FIELDS}
    values["created_at"] = values["created_at"].astimezone(UTC)
    values["updated_at"] = values["updated_at"].astimezone(UTC)
    if values["due_at"] is not None:
        values["due_at"] = values["due_at"].astimezone(UTC)
    values["priority"] = rules.priority_name(values["priority"])
    values["reminders"] = tuple(values["reminders"] or ())
    return TaskData(**values, tags=tuple(tags))


def with_tags(session: Session, rows: Sequence[Any]) -> list[TaskData]:
    tags = tags_of(session, [row.id for row in rows])
    return [to_data(row, tags.get(row.id, ())) for row in rows]


def owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [col(Task.id) == task_id, col(Task.owner_id) == owner_id]


TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]
# The same columns on the table itself: a Core statement built from them skips the ORM's
# compile and execute steps, which cost more than the query on the write path.
ROW = tuple(TASKS.c[name] for name in ROW_FIELDS)
_TASK_TAGS: sa.Table = TaskTag.__table__  # type: ignore[attr-defined]
_TAGS: sa.Table = Tag.__table__  # type: ignore[attr-defined]

# One task with its tags, in one statement built once: a row per tag in the task's order (one
# row with no tag when it has none). Every write reads its task through this.
_ONE_WITH_TAGS = (
    sa.select(*ROW, _TAGS.c.name.label("tag_name"))
    .select_from(
        TASKS.outerjoin(_TASK_TAGS, _TASK_TAGS.c.task_id == TASKS.c.id).outerjoin(
            _TAGS, _TAGS.c.id == _TASK_TAGS.c.tag_id
        )
    )
    .where(TASKS.c.id == sa.bindparam("task_id"), TASKS.c.owner_id == sa.bindparam("owner_id"))
    .order_by(_TASK_TAGS.c.position)
)


def get_in(session: Session, owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """The owner's task, inside the caller's transaction (writes, and other services')."""
    rows = session.execute(_ONE_WITH_TAGS, {"task_id": task_id, "owner_id": owner_id}).all()
    if not rows:
        raise NotFound(NOT_FOUND_MESSAGE)
    return to_data(rows[0], [row.tag_name for row in rows if row.tag_name is not None])


def get_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    with session_scope() as session:
        return get_in(session, owner_id, task_id)


def zone_of(session: Session, owner_id: uuid.UUID) -> str:
    """The owner's time zone (UTC if the account is gone: nothing will be written then)."""
    zone = session.exec(select(User.time_zone).where(col(User.id) == owner_id)).first()
    return zone or "UTC"


def newest_first(tasks: Iterable[TaskData]) -> list[TaskData]:
    """The list order, for RETURNING rows (which come back in no promised order)."""
    return sorted(tasks, key=lambda t: (t.created_at, t.id), reverse=True)


# --- a list request -----------------------------------------------------------------------


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
                select(TaskTag.task_id).where(col(TaskTag.tag_id) == tag_id(owner_id, name))
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
            # another's: not found
            list_rows.owned_in(session, owner_id, uuid.UUID(str(query.list_id)))
        today = rules.today_in(zone_of(session, owner_id), now)
        filters = _list_filters(owner_id, query, today)
        # Plain columns, not ORM objects: a page is read-only, and this is the busiest read.
        rows = session.exec(
            select(*COLUMNS)
            .where(*filters)
            .order_by(*_ordering(query))
            .limit(query.limit)
            .offset(query.offset)
        ).all()
        total = session.exec(select(func.count()).select_from(Task).where(*filters)).one()
        items = with_tags(session, rows)
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


def history(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[tuple[datetime, date | None]]:
    """The completions of a recurring task, newest first."""
    with session_scope() as session:
        get_in(session, owner_id, task_id)  # another user's task: not found
        rows = session.exec(
            select(TaskCompletion.completed_at, TaskCompletion.due_date)
            .where(col(TaskCompletion.task_id) == task_id)
            .order_by(col(TaskCompletion.completed_at).desc())
        ).all()
    return [(at.astimezone(UTC), due) for at, due in rows]
