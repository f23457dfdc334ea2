"""Every read of the tasks table: one task, a filtered and sorted page, the counts, the
history of a recurring task.

Every statement is filtered by ``owner_id``, so a task id from another account reads nothing:
it is simply "not found". Functions are synchronous; async callers run them in a worker
thread. The SQL used (``lower()``, ``instr``/``strpos``, ``SUM(CASE ...)``) runs on SQLite
>= 3.35 and PostgreSQL alike.

Why one module of about 620 lines: every read of one table, with the statements they share
(the row's columns, the tags, the sub-task counts, the view's filters and sorts, the manual
order's depth-first paths) built once; the page, the REST API and the services all read
through these functions, so a filter cannot mean one thing in one front door and another in
the next. The seam to cut first when it grows: a page of a list (``_Shape`` to
``list_tasks``, about 300 lines) into its own module, the one-task reads staying here.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from todo_app import access
from todo_app.db import get_engine, read_scope, session_scope
from todo_app.errors import InvalidInput, NotFound
from todo_app.models import Tag, Task, TaskCompletion, TaskList, TaskTag, User
from todo_app.tasks import fields as rules
from todo_app.tasks.tags import tags_of
from todo_app.tasks.types import (
    ASSIGNEE_ME,
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
    TOP_LEVEL,
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


def to_data(source: Any, tags: Sequence[str] = (), counts: tuple[int, int] = (0, 0)) -> TaskData:
    """From a RETURNING or column row; times in UTC whatever the server's time zone is.
    ``counts``: its sub-tasks and how many of them are completed (not in its own row)."""
    values = {name: getattr(source, name) for name in ROW_FIELDS}
    values["created_at"] = values["created_at"].astimezone(UTC)
    values["updated_at"] = values["updated_at"].astimezone(UTC)
    if values["due_at"] is not None:
        values["due_at"] = values["due_at"].astimezone(UTC)
    values["priority"] = rules.priority_name(values["priority"])
    values["reminders"] = tuple(values["reminders"] or ())
    return TaskData(**values, tags=tuple(tags), subtask_count=counts[0], subtasks_done=counts[1])


def with_tags(session: Session, rows: Sequence[Any]) -> list[TaskData]:
    """Rows as tasks, with their tags and sub-task counts read in one statement each."""
    ids = [row.id for row in rows]
    tags, counts = tags_of(session, ids), counts_of(session, ids)
    return [to_data(row, tags.get(row.id, ()), counts.get(row.id, (0, 0))) for row in rows]


def owned(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[sa.ColumnElement[bool]]:
    return [col(Task.id) == task_id, col(Task.owner_id) == owner_id]


TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]
# The same columns on the table itself: a Core statement built from them skips the ORM's
# compile and execute steps, which cost more than the query on the write path.
ROW = tuple(TASKS.c[name] for name in ROW_FIELDS)
_TASK_TAGS: sa.Table = TaskTag.__table__  # type: ignore[attr-defined]
_TAGS: sa.Table = Tag.__table__  # type: ignore[attr-defined]
_CHILD = TASKS.alias("child")


def sub_task_counts(parent_id: Any) -> tuple[Any, Any]:
    """A task's direct sub-tasks and the completed ones, counted by ix_tasks_parent: kept
    nowhere, so completing a sub-task writes the sub-task's row only."""
    children = sa.select(sa.func.count()).select_from(_CHILD).where(_CHILD.c.parent_id == parent_id)
    return (
        children.scalar_subquery().label("subtask_count"),
        children.where(_CHILD.c.completed.is_(True)).scalar_subquery().label("subtasks_done"),
    )


_COUNTS = sub_task_counts(TASKS.c.id)


def counts_of(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """The sub-task counts of the tasks ``ids`` that have any, in one grouped read."""
    if not ids:
        return {}
    done = sa.func.sum(sa.case((_CHILD.c.completed.is_(True), 1), else_=0))
    rows = session.execute(
        sa.select(_CHILD.c.parent_id, sa.func.count(), done)
        .where(_CHILD.c.parent_id.in_(ids))
        .group_by(_CHILD.c.parent_id)
    ).all()
    return {parent: (int(n), int(d or 0)) for parent, n, d in rows}


# One task with its tags, in one statement built once: a row per tag in the task's order (one
# row with no tag when it has none). Every write reads its task through this.
_ONE_WITH_TAGS = (
    sa.select(*ROW, *_COUNTS, _TAGS.c.name.label("tag_name"))
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
    first = rows[0]
    tags = [row.tag_name for row in rows if row.tag_name is not None]
    return to_data(first, tags, (first.subtask_count, first.subtasks_done))


def visible_in(session: Session, user_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    """A task the caller may see: their own, or one of a list shared with them."""
    try:
        return get_in(session, user_id, task_id)
    except NotFound:
        owner = access.on_task(session, user_id, task_id, write=False).owner_id
        return get_in(session, owner, task_id)


def get_task(owner_id: uuid.UUID, task_id: uuid.UUID) -> TaskData:
    with session_scope() as session:
        return visible_in(session, owner_id, task_id)


def subtasks_of(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[TaskData]:
    """A task's direct sub-tasks in their manual order (the caller must see the task)."""
    with session_scope() as session:
        visible_in(session, owner_id, task_id)  # another user's task: not found
        rows = session.execute(
            sa.select(*ROW)
            .where(TASKS.c.parent_id == task_id)
            .order_by(TASKS.c.position, TASKS.c.id)
        ).all()
        return with_tags(session, rows)


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
    if query.parent_id not in (None, TOP_LEVEL):
        try:
            uuid.UUID(str(query.parent_id))
        except ValueError:
            problems["parent_id"] = "parent_id must be a task's id or none"
    if query.assignee not in (None, ASSIGNEE_ME):
        problems["assignee"] = "assignee must be me"
    if query.due is not None and query.due not in DUES:
        problems["due"] = "Due must be overdue, today, upcoming or none"
    if query.sort not in SORTS:
        problems["sort"] = "Sort must be manual, created, due, priority or title"
    if query.order is not None and query.order not in ORDERS:
        problems["order"] = "Order must be asc or desc"
    if problems:
        raise InvalidInput(problems)
    return dataclasses.replace(query, q=q)


# A page read binds every value it filters by, so its statements depend only on the query's
# shape (which filters, which sort): each shape is built and compiled once and reused by every
# request of that shape, owner and values coming in as parameters. Building the expressions
# anew and running them through an ORM session cost three times the queries themselves
# (bench/README.md, api_bench: 1.96 ms a page before, 0.64 ms now).
_OWNER = sa.bindparam("owner_id", type_=TASKS.c.owner_id.type)
_SEARCH = sa.bindparam("q", type_=sa.String())
_TODAY = sa.bindparam("today", type_=TASKS.c.due_date.type)
_TAG_KEYS = tuple(
    sa.bindparam(f"tag_{n}", type_=_TAGS.c.name_key.type) for n in range(FILTER_VALUES_MAX)
)


@dataclasses.dataclass(frozen=True)
class _Shape:
    """What a page's SQL depends on; the values it filters by are parameters."""

    dialect: str
    status: str
    search: bool
    list_kind: str | None  # None, "inbox" or "list"
    parent_kind: str | None  # None, "none" (top level) or "task"
    priorities: bool
    tags: int
    due: str | None
    due_after: bool
    due_before: bool
    sort: str
    order: str | None
    # Also the tasks of lists shared with the caller (set by ``_scoped``, which knows).
    shared: bool = False
    assignee: bool = False


def _shape(query: TaskQuery) -> _Shape:
    list_kind = None if query.list_id is None else "inbox" if query.list_id == INBOX else "list"
    return _Shape(
        dialect=get_engine().dialect.name,
        status=query.status,
        search=bool(query.q),
        list_kind=list_kind,
        parent_kind=None
        if query.parent_id is None
        else "none"
        if query.parent_id == TOP_LEVEL
        else "task",
        priorities=bool(query.priority),
        tags=len(query.tag),
        due=query.due,
        due_after=query.due_after is not None,
        due_before=query.due_before is not None,
        sort=query.sort,
        order=query.order,
        assignee=query.assignee is not None,
    )


def _params(owner_id: uuid.UUID, query: TaskQuery, today: date | None) -> dict[str, Any]:
    """The values a statement of ``_shape(query)`` is run with."""
    params: dict[str, Any] = {"owner_id": owner_id, "limit": query.limit, "offset": query.offset}
    if query.q:
        params["q"] = query.q
    if query.list_id not in (None, INBOX):
        params["list_id"] = uuid.UUID(str(query.list_id))
    if query.parent_id not in (None, TOP_LEVEL):
        params["parent_id"] = uuid.UUID(str(query.parent_id))
    if query.priority:
        params["priorities"] = sorted({rules.validate_priority(p) for p in query.priority})
    for n, name in enumerate(query.tag):
        params[f"tag_{n}"] = rules.tag_key(rules.validate_tag(name))
    if query.due in ("overdue", "today", "upcoming"):
        params["today"] = today
    if query.due_after is not None:
        params["due_after"] = rules.validate_due_date(query.due_after)
    if query.due_before is not None:
        params["due_before"] = rules.validate_due_date(query.due_before)
    return params


def _contains(column: Any, text: Any, dialect: str) -> sa.ColumnElement[bool]:
    """The column holds ``text``, case-insensitively, as a plain substring.

    Not ``LIKE '%...%'``: its pattern walk compares the pattern at every position (0.6 s for a
    200-character search over 1,000 long descriptions of one letter); SQLite's ``instr`` and
    PostgreSQL's ``strpos`` find a literal substring with memcmp / Boyer-Moore-Horspool, and
    need no escaping of ``%`` and ``_``. ``lower`` on both sides, in SQL, as ``icontains``."""
    find = sa.func.instr if dialect == "sqlite" else sa.func.strpos
    return find(sa.func.lower(column), sa.func.lower(text)) > 0


def _list_filters(shape: _Shape) -> list[sa.ColumnElement[bool]]:
    """Owner first, so the (owner_id, ...) indexes narrow every list and count.

    With a tag, the tag's links pick the tasks (ix_task_tags_tag_task) and each is read by
    its key. SQLite's planner, which has no statistics here, would rather walk all the
    owner's tasks in created order and test each; the unary ``+`` (SQLite only) takes the
    owner indexes out of its choice. PostgreSQL plans from its statistics."""
    c = TASKS.c
    owner: Any = c.owner_id
    if shape.tags and shape.dialect == "sqlite":
        owner = sa.literal_column("+tasks.owner_id")
    filters = [_visible(shape, owner)]
    if shape.assignee:
        filters.append(c.assignee_id == sa.bindparam("assignee", type_=c.assignee_id.type))
    if shape.status != "all":
        filters.append(c.completed == (shape.status == "completed"))
    if shape.search:
        filters.append(
            sa.or_(
                _contains(c.title, _SEARCH, shape.dialect),
                _contains(c.description, _SEARCH, shape.dialect),
            )
        )
    if shape.list_kind == "inbox":
        filters.append(c.list_id.is_(None))
    elif shape.list_kind == "list":
        filters.append(c.list_id == sa.bindparam("list_id", type_=c.list_id.type))
    if shape.parent_kind == "none":
        filters.append(c.parent_id.is_(None))
    elif shape.parent_kind == "task":
        filters.append(c.parent_id == sa.bindparam("parent_id", type_=c.parent_id.type))
    if shape.priorities:
        filters.append(c.priority.in_(sa.bindparam("priorities", expanding=True)))
    for key in _TAG_KEYS[: shape.tags]:
        # Each tag's links, read once through the tag index (all of them must match).
        if shape.shared:
            # The tag of that name of each owner whose tasks are in view.
            tags = sa.select(_TAGS.c.id).where(
                _TAGS.c.owner_id.in_(sa.bindparam("tag_owners", expanding=True)),
                _TAGS.c.name_key == key,
            )
            links = sa.select(_TASK_TAGS.c.task_id).where(_TASK_TAGS.c.tag_id.in_(tags))
        else:
            tag = sa.select(_TAGS.c.id).where(_TAGS.c.owner_id == _OWNER, _TAGS.c.name_key == key)
            links = sa.select(_TASK_TAGS.c.task_id).where(
                _TASK_TAGS.c.tag_id == tag.scalar_subquery()
            )
        filters.append(c.id.in_(links))
    due = {
        "overdue": lambda: c.due_date < _TODAY,
        "today": lambda: c.due_date == _TODAY,
        "upcoming": lambda: c.due_date > _TODAY,
        "none": lambda: c.due_date.is_(None),
    }
    if shape.due is not None:
        filters.append(due[shape.due]())
    if shape.due_after:
        filters.append(c.due_date >= sa.bindparam("due_after", type_=c.due_date.type))
    if shape.due_before:
        filters.append(c.due_date <= sa.bindparam("due_before", type_=c.due_date.type))
    return filters


def _visible(shape: _Shape, owner: Any) -> sa.ColumnElement[bool]:
    """Whose tasks a page reads: the owner's (the caller's own, or a shared list's owner when
    the page is that list), and in the views across lists, the lists shared with the caller
    too (``access.shared_with``)."""
    if not shape.shared:
        return owner == _OWNER
    shared = sa.bindparam("shared_lists", expanding=True, type_=TASKS.c.list_id.type)
    return sa.or_(owner == _OWNER, TASKS.c.list_id.in_(shared))


def _ordering(shape: _Shape, c: Any) -> list[Any]:
    """The page's order over the columns ``c`` (the table's joined to the manual paths, or
    the page subquery's)."""
    descending = (shape.order or DEFAULT_ORDER[shape.sort]) == "desc"

    def way(column: Any) -> Any:
        return column.desc() if descending else column.asc()

    tie = [c.created_at.desc(), c.id.desc()]
    if shape.sort == "manual":
        # The Inbox, then the lists in their order; inside each, depth-first.
        return [c.list_rank, way(c.manual_path), *tie]
    if shape.sort == "due":
        # Undated tasks last either way; a dated task without a time after the timed ones.
        return [
            c.due_date.is_(None),
            way(c.due_date),
            c.due_time.is_(None),
            way(c.due_time),
            *tie,
        ]
    if shape.sort == "priority":
        return [way(c.priority), *tie]
    if shape.sort == "title":
        return [way(sa.func.lower(c.title)), *tie]
    return [way(c.created_at), way(c.id)]


def _manual_paths(shape: _Shape) -> sa.CTE:
    """Each of the owner's tasks (in the list asked for) with its path: the manual-order keys
    from its top-level ancestor down to it, joined by a space, which sorts below every key
    digit. Ordered by path, a list reads depth-first: each parent, then its sub-tasks in
    their order. Sub-tasks share their parent's list, so the list filter starts the walk."""
    c = TASKS.c
    start = [_visible(shape, c.owner_id), c.parent_id.is_(None)]
    if shape.list_kind == "inbox":
        start.append(c.list_id.is_(None))
    elif shape.list_kind == "list":
        start.append(c.list_id == sa.bindparam("list_id", type_=c.list_id.type))
    # Unbounded text on both sides of the UNION (PostgreSQL wants one type for the column).
    start_path = sa.cast(c.position, sa.String()).label("path")
    tree = sa.select(c.id, start_path).where(*start).cte("tree", recursive=True)
    sub = TASKS.alias("sub")
    path = sa.cast(tree.c.path + " " + sub.c.position, sa.String()).label("path")
    return tree.union_all(sa.select(sub.c.id, path).where(sub.c.parent_id == tree.c.id))


_LISTS: sa.Table = TaskList.__table__  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=256)
def _page_statements(shape: _Shape) -> tuple[sa.Select[Any], sa.Select[Any]]:
    """The page and its count for one shape, built once (the shapes are a small, closed set:
    the query is validated before its shape is taken).

    The page comes with its tags: the page's tasks in a subquery, joined to their links and
    tags, a row per tag (one with no tag for a task without), in the page's order and then
    the task's tag order. One statement instead of a second one with an ``IN`` list of 50
    ids, which SQLAlchemy renders anew for every page."""
    filters = _list_filters(shape)
    source: Any = TASKS
    extra: list[Any] = []
    if shape.sort == "manual":
        paths = _manual_paths(shape)
        source = TASKS.join(paths, paths.c.id == TASKS.c.id)
        path = paths.c.path
        if shape.dialect == "postgresql":
            path = path.collate("C")  # keys compare byte by byte, as on SQLite
        rank = sa.select(_LISTS.c.position).where(_LISTS.c.id == TASKS.c.list_id).scalar_subquery()
        extra = [path.label("manual_path"), sa.func.coalesce(rank, -1).label("list_rank")]
    inner = sa.select(*ROW, *extra).select_from(source).where(*filters)
    ordering = _ordering(shape, inner.selected_columns)
    tasks = (
        inner.order_by(*ordering)
        .limit(sa.bindparam("limit", type_=sa.Integer()))
        .offset(sa.bindparam("offset", type_=sa.Integer()))
        .subquery("page")
    )
    page = (
        # The counts for the page's rows only, not for every row the filters pass.
        sa.select(
            *(tasks.c[name] for name in ROW_FIELDS), *sub_task_counts(tasks.c.id), _TAGS.c.name
        )
        .select_from(
            tasks.outerjoin(_TASK_TAGS, _TASK_TAGS.c.task_id == tasks.c.id).outerjoin(
                _TAGS, _TAGS.c.id == _TASK_TAGS.c.tag_id
            )
        )
        .order_by(*_ordering(shape, tasks.c), _TASK_TAGS.c.position)
    )
    total = sa.select(sa.func.count()).select_from(TASKS).where(*filters)
    return page, total


def _from_row(row: Sequence[Any], tags: Sequence[str]) -> TaskData:
    """A page row (``ROW``'s columns, in order, then a tag name) as a task; a faster
    ``to_data`` for the busiest read: no lookups by name, and the times are UTC already
    (``UTCDateTime``)."""
    (
        task_id, title, description, completed, version, created_at, updated_at, list_id,
        priority, due_date, due_time, due_at, recurrence, reminders, parent_id, position,
        assignee_id, created_by, completed_by, subtask_count, subtasks_done, _tag,
    ) = row  # fmt: skip
    return TaskData.from_values(
        (
            task_id, title, description, completed, version, created_at, updated_at, list_id,
            _PRIORITY_NAMES.get(priority, "none"), tuple(tags), due_date, due_time, due_at,
            recurrence, tuple(reminders or ()), parent_id, position, assignee_id, created_by,
            completed_by, subtask_count, subtasks_done,
        )
    )  # fmt: skip


_PRIORITY_NAMES = dict(enumerate(rules.PRIORITIES))


def list_tasks_in(
    conn: sa.Connection, owner_id: uuid.UUID, query: TaskQuery, now: datetime | None = None
) -> TaskPage:
    """``list_tasks`` on the caller's connection: the REST API checks the session on the same
    one, so a request is one connection and no ORM session."""
    query = _validate_query(query)
    shape, params = _scoped(conn, owner_id, query, now)
    page, total = _page_statements(shape)
    items: list[TaskData] = []
    row: Any = None
    tags: list[str] = []
    for next_row in conn.execute(page, params):  # a task's rows are adjacent (ids are unique)
        if row is not None and next_row[0] != row[0]:
            items.append(_from_row(row, tags))
            tags = []
        row = next_row
        if row[-1] is not None:
            tags.append(row[-1])
    if row is not None:
        items.append(_from_row(row, tags))
    return TaskPage(items=items, total=conn.execute(total, params).scalar_one())


def _scoped(
    conn: sa.Connection, user_id: uuid.UUID, query: TaskQuery, now: datetime | None
) -> tuple[_Shape, dict[str, Any]]:
    """The statement's shape and values for the caller: a list they may see is read as its
    owner's (another's list they are not a member of: not found); the views across lists
    take in the lists shared with them. "Today" is always the caller's own."""
    shape = _shape(query)
    params = _params(user_id, query, _today(conn, user_id, query, now))
    if query.list_id not in (None, INBOX):
        grant = access.on_list(conn, user_id, params["list_id"], write=False)
        params["owner_id"] = grant.owner_id
    elif query.list_id is None:
        shared = access.shared_with(conn, user_id)
        if shared:
            shape = dataclasses.replace(shape, shared=True)
            params["shared_lists"] = list(shared)
            params["tag_owners"] = [user_id, *{grant.owner_id for grant in shared.values()}]
    if query.assignee is not None:
        params["assignee"] = user_id
    return shape, params


_ZONE = sa.select(User.__table__.c.time_zone).where(  # type: ignore[attr-defined]
    User.__table__.c.id == _OWNER  # type: ignore[attr-defined]
)


def _today(
    conn: sa.Connection, owner_id: uuid.UUID, query: TaskQuery, now: datetime | None
) -> date | None:
    """The owner's today, read only for the one filter that needs their zone (``due``)."""
    if query.due not in ("overdue", "today", "upcoming"):
        return None
    zone = conn.execute(_ZONE, {"owner_id": owner_id}).scalar()
    return rules.today_in(zone or "UTC", now)


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
    query = query or TaskQuery(status=status, q=q, limit=limit, offset=offset)
    with read_scope() as conn:
        return list_tasks_in(conn, owner_id, query, now)


@functools.lru_cache(maxsize=64)
def _count_statement(shape: _Shape) -> sa.Select[Any]:
    """How many tasks of one shape there are, and how many of them are completed."""
    done = sa.case((TASKS.c.completed, 1), else_=0)
    return (
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(done), 0))
        .select_from(TASKS)
        .where(*_list_filters(shape))
    )


def count_tasks(
    owner_id: uuid.UUID, query: TaskQuery | None = None, now: datetime | None = None
) -> TaskCounts:
    """The owner's tasks counted by the database in one query, so a paged list still shows
    true totals: all of them, or those a view's ``query`` holds (its filters and search, by
    the same statements as its pages) whatever their status. The task page's counter counts
    its view ("3 items left" on Today), as Todoist does."""
    query = _validate_query(
        dataclasses.replace(
            query or TaskQuery(), status="all", sort="created", order=None, limit=1, offset=0
        )
    )
    with read_scope() as conn:
        shape, params = _scoped(conn, owner_id, query, now)
        total, completed = conn.execute(_count_statement(shape), params).one()
    return TaskCounts(total=total, active=total - completed, completed=completed)


def history(owner_id: uuid.UUID, task_id: uuid.UUID) -> list[tuple[datetime, date | None]]:
    """The completions of a recurring task, newest first."""
    with session_scope() as session:
        visible_in(session, owner_id, task_id)  # another user's task: not found
        rows = session.exec(
            select(TaskCompletion.completed_at, TaskCompletion.due_date)
            .where(col(TaskCompletion.task_id) == task_id)
            .order_by(col(TaskCompletion.completed_at).desc())
        ).all()
    return [(at.astimezone(UTC), due) for at, due in rows]
