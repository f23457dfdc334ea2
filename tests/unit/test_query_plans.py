"""The list and count queries are served by indexes, not scans.

SQLite's EXPLAIN QUERY PLAN is read for the statements the service really sends (captured
from the engine as they go to the driver, and explained with the same parameters). The test
database has no ANALYZE statistics, as a fresh app database has none, so the planner's choice
is the one the app gets. Each filter must reach its index: the list filter
``ix_tasks_owner_list_created``, the due filters ``ix_tasks_owner_due_created``, the priority filter
``ix_tasks_owner_priority_created`` and the tag filter the tag name index
(``uq_tags_owner_name``) and the link index ``ix_task_tags_tag_task``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from todo_app.db import get_engine, session_scope
from todo_app.lists import service as lists
from todo_app.models import User
from todo_app.tasks import queries, writes
from todo_app.tasks.tags import list_tags
from todo_app.tasks.types import TaskQuery

pytestmark = pytest.mark.usefixtures("db")

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class _Sent(str):
    """One statement's SQL as sent to the driver, with the parameters it was sent with."""

    params: Any = ()


def _plan(statement: str) -> str:
    with get_engine().connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("query-plan check is written for SQLite's EXPLAIN QUERY PLAN")
        rows = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, getattr(statement, "params", ())
        ).all()
    return " | ".join(str(r[-1]) for r in rows)


@contextmanager
def _captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement the engine sends in the block (ORM sessions and Core connections
    alike), as the driver gets it."""
    del monkeypatch  # kept in the signature: the callers' fixtures are unchanged
    captured: list[str] = []

    def spy(_conn, _cursor, statement, parameters, _context, _executemany):  # type: ignore[no-untyped-def]
        sent = _Sent(statement)
        sent.params = parameters
        captured.append(sent)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", spy)


def _sqlite_name(table: str, columns: tuple[str, ...], declared: str) -> str:
    """The name SQLite's plans give an index: a UNIQUE constraint (``declared``) becomes
    ``sqlite_autoindex_<table>_<n>``; find the one over ``columns``."""
    with get_engine().connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("query-plan check is written for SQLite's EXPLAIN QUERY PLAN")
        for row in conn.exec_driver_sql(f"PRAGMA index_list({table})").all():
            name = row[1]
            cols = tuple(r[2] for r in conn.exec_driver_sql(f"PRAGMA index_info({name})").all())
            if cols == columns:
                return name
    raise AssertionError(f"no index over {table}{columns} ({declared})")


def _owner() -> uuid.UUID:
    owner = uuid.uuid4()
    with session_scope() as s:
        s.add(
            User(id=owner, email=f"plan-{owner.hex[:8]}@example.com", name="p", password_hash="x")
        )
    return owner


def test_list_uses_the_owner_created_index(monkeypatch: pytest.MonkeyPatch) -> None:
    owner = _owner()
    for i in range(5):
        writes.create_task(owner, f"t{i}")

    with _captured(monkeypatch) as captured:
        queries.list_tasks(owner, limit=2)

    listing = next(q for q in captured if "ORDER BY" in q)
    plan = _plan(listing)
    assert "ix_tasks_owner_created" in plan, plan
    assert "SCAN tasks" not in plan, plan


# --- the organise filters -----------------------------------------------------------------


@pytest.fixture
def board() -> dict[str, Any]:
    owner = _owner()
    work = lists.create_list(owner, "Work").id
    for i in range(6):
        writes.create_task(
            owner,
            f"t{i}",
            list_id=work if i % 2 else None,
            priority=("none", "low", "medium", "high")[i % 4],
            tags=["home", "work"][: i % 3],
            due_date=None if i % 3 == 0 else f"2026-12-0{i}",
            due_time="09:00" if i % 3 == 1 else None,
        )
    return {"owner": owner, "work": work}


def _plans(monkeypatch: pytest.MonkeyPatch, owner: uuid.UUID, query: TaskQuery) -> tuple[str, str]:
    """The plans of the page query and of its count."""
    with _captured(monkeypatch) as captured:
        queries.list_tasks(owner, query=query, now=NOW)
    page = next(q for q in captured if "FROM tasks" in q and "ORDER BY" in q and "LIMIT" in q)
    total = next(q for q in captured if q.lstrip().startswith("SELECT count(*)"))
    return _plan(page), _plan(total)


def _uses(plan: str, index: str) -> None:
    assert index in plan, plan
    assert "SCAN tasks" not in plan, plan


Case = tuple[Callable[[dict[str, Any]], TaskQuery], str]

LIST_CASES: dict[str, Case] = {
    # Either index that starts (owner_id, list_id): created order, or the manual order's.
    "list": (lambda b: TaskQuery(list_id=str(b["work"])), "ix_tasks_owner_list_"),
    "inbox": (lambda b: TaskQuery(list_id="inbox"), "ix_tasks_owner_list_"),
    "list sorted by due": (
        lambda b: TaskQuery(list_id=str(b["work"]), sort="due"),
        "ix_tasks_owner_list_",  # either list index: the sort by due needs its own B-tree
    ),
    "overdue": (lambda b: TaskQuery(due="overdue"), "ix_tasks_owner_due"),
    "upcoming": (lambda b: TaskQuery(due="upcoming"), "ix_tasks_owner_due"),
    "due range": (
        lambda b: TaskQuery(due_after="2026-12-01", due_before="2026-12-07"),
        "ix_tasks_owner_due",
    ),
    "due after": (lambda b: TaskQuery(due_after="2026-12-03"), "ix_tasks_owner_due"),
    "priority": (lambda b: TaskQuery(priority=("high",)), "ix_tasks_owner_priority_created"),
    "priority sorted by priority": (
        lambda b: TaskQuery(priority=("high",), sort="priority"),
        "ix_tasks_owner_priority_created",
    ),
}


@pytest.mark.parametrize("case", list(LIST_CASES))
def test_a_filtered_page_and_its_count_use_the_filters_index(
    case: str, board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_query, index = LIST_CASES[case]
    page, total = _plans(monkeypatch, board["owner"], make_query(board))
    _uses(page, index)
    _uses(total, index)


# The planner prefers walking all of the owner's tasks in created order (stopping at the
# LIMIT) over the filter's index: every task the user has is read to fill a page of a
# small "today" view. The counts of the same filters do use the index.
SCANNING_CASES: dict[str, Case] = {
    "today": (lambda b: TaskQuery(due="today"), "ix_tasks_owner_due_created"),
    "none": (lambda b: TaskQuery(due="none"), "ix_tasks_owner_due_created"),
    "any of two priorities": (
        lambda b: TaskQuery(priority=("high", "low")),
        "ix_tasks_owner_priority_created",
    ),
}


@pytest.mark.parametrize("case", list(SCANNING_CASES))
def test_the_count_of_an_equality_filter_uses_its_index(
    case: str, board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_query, index = SCANNING_CASES[case]
    _page, total = _plans(monkeypatch, board["owner"], make_query(board))
    _uses(total, index)


@pytest.mark.parametrize(
    "case",
    [
        "today",
        "none",
        pytest.param(
            "any of two priorities",
            marks=pytest.mark.xfail(
                strict=True,
                reason="known: with priority IN (a, b) SQLite walks ix_tasks_owner_created for "
                "ORDER BY created_at instead of the priority index (a + on the sort column would "
                "steer it, but PostgreSQL refuses unary + on a timestamp)",
            ),
        ),
    ],
)
def test_the_page_of_an_equality_filter_uses_its_index(
    case: str, board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_query, index = SCANNING_CASES[case]
    page, _total = _plans(monkeypatch, board["owner"], make_query(board))
    _uses(page, index)


@pytest.mark.parametrize("tags", [("home",), ("home", "work")])
def test_the_tag_filter_finds_the_tag_by_its_name_index(
    tags: tuple[str, ...], board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    by_name = _sqlite_name("tags", ("owner_id", "name_key"), "uq_tags_owner_name")
    page, total = _plans(monkeypatch, board["owner"], TaskQuery(tag=tags))
    for plan in (page, total):
        assert plan.count(f"SEARCH tags USING INDEX {by_name} (owner_id=? AND name_key=?)") == len(
            tags
        ), plan
        assert "SCAN tags" not in plan and "SCAN task_tags" not in plan, plan
        assert "SCAN tasks" not in plan, plan


def test_the_tag_filter_reads_the_tagged_tasks_through_the_link_index(
    board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    page, total = _plans(monkeypatch, board["owner"], TaskQuery(tag=("home",)))
    for plan in (page, total):
        assert "ix_task_tags_tag_task" in plan, plan
        # (The page's rows then count their sub-tasks, correlated by ix_tasks_parent: after
        # the LIMIT, so for 50 rows at most, not for every tagged task.)
        picking = plan.split("SCAN page")[0]
        assert "CORRELATED" not in picking, plan


def test_every_filter_at_once_never_scans_tasks(
    board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    query = TaskQuery(
        list_id=str(board["work"]),
        priority=("high", "low"),
        tag=("home",),
        due="upcoming",
        status="active",
        q="t",
    )
    for plan in _plans(monkeypatch, board["owner"], query):
        assert "SCAN tasks" not in plan, plan
        assert "SCAN tags" not in plan, plan


@pytest.mark.parametrize("sort", ["created", "due", "priority", "title"])
def test_every_sort_searches_the_owners_tasks_only(
    sort: str, board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    page, _total = _plans(monkeypatch, board["owner"], TaskQuery(sort=sort))
    assert "SEARCH tasks USING" in page and "(owner_id=?" in page, page
    assert "SCAN tasks" not in page, page


# --- the other organise reads -------------------------------------------------------------


def test_list_tags_reads_the_owners_tags_and_their_links_by_index(
    board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _captured(monkeypatch) as captured:
        assert list_tags(board["owner"])
    plan = _plan(next(q for q in captured if "FROM tags" in q))
    by_name = _sqlite_name("tags", ("owner_id", "name_key"), "uq_tags_owner_name")
    assert f"SEARCH tags USING INDEX {by_name} (owner_id=?)" in plan, plan
    assert "ix_task_tags_tag_task (tag_id=?)" in plan, plan
    assert "SCAN" not in plan.replace("SCAN CONSTANT ROW", ""), plan


def test_reading_a_pages_tags_uses_the_links_primary_key(
    board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's tasks come with their tags, joined: each task's links by the primary key."""
    with _captured(monkeypatch) as captured:
        queries.list_tasks(board["owner"], now=NOW)
    plan = _plan(next(q for q in captured if "JOIN task_tags" in q))
    task_tags_pk = _sqlite_name("task_tags", ("task_id", "tag_id"), "task_tags primary key")
    assert f"SEARCH task_tags USING INDEX {task_tags_pk} (task_id=?)" in plan, plan
    assert "SCAN task_tags" not in plan and "SCAN tags" not in plan, plan
    assert "ix_tasks_owner_created" in plan and "SCAN tasks" not in plan, plan


def test_the_open_counts_of_lists_use_the_list_index(
    board: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with _captured(monkeypatch) as captured:
        assert lists.list_lists(board["owner"])
    counts = _plan(next(q for q in captured if "FROM tasks" in q and "GROUP BY" in q))
    ordered = _plan(next(q for q in captured if "FROM lists" in q))
    _uses(counts, "ix_tasks_owner_list_")
    assert "ix_lists_owner_position (owner_id=?)" in ordered, ordered
    assert "SCAN lists" not in ordered, ordered
