"""Organising tasks in the service: lists, priority, tags and due dates on every write, the
filters and sorts of ``list_tasks`` (in the owner's time zone), the account's zone, undo, and
the change engine's "create"/"set" mutations of the new fields.

Runs on SQLite, and on PostgreSQL with ``TODO_TEST_DB=postgresql``.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlmodel import col, func, select

from tests.factories import unique_email
from todo_app.auth import service as auth_service
from todo_app.db import session_scope
from todo_app.errors import InvalidInput, ListNotFound, NotFound
from todo_app.lists import service as lists
from todo_app.models import Tag, Task, TaskTag, User
from todo_app.tasks import deletes, mutations, queries, unit_of_work
from todo_app.tasks.fields import UNSET, validate_changes
from todo_app.tasks.mutations import APPLIED, INVALID, REFUSED
from todo_app.tasks.queries import list_tasks
from todo_app.tasks.tags import list_tags
from todo_app.tasks.types import TaskChange, TaskCounts, TaskData, TaskPage, TaskQuery
from todo_app.tasks.writes import create_task, update_task

pytestmark = pytest.mark.usefixtures("db")

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
# 11:30 UTC on 1 December 2026: already 2 December in Auckland, still 1 December in LA.
NOW = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
TODAY = date(2026, 12, 1)


def user(zone: str = "UTC", name: str = "Ann") -> uuid.UUID:
    with session_scope() as session:
        row = User(email=unique_email(name.lower()), name=name, password_hash="x", time_zone=zone)
        session.add(row)
    return row.id


def new_list(owner: uuid.UUID, name: str) -> uuid.UUID:
    return lists.create_list(owner, name).id


def count(model: Any, *where: Any) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def stored(task_id: uuid.UUID) -> Task:
    with session_scope() as session:
        row = session.get(Task, task_id)
        assert row is not None
        return row


def refused(call: Any, *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value.fields


def ids(page: TaskPage) -> list[uuid.UUID]:
    return [task.id for task in page.items]


def titles(page: TaskPage) -> list[str]:
    return [task.title for task in page.items]


def find(owner: uuid.UUID, **query: Any) -> list[str]:
    """Titles of the tasks a query finds at NOW (sorted, for filters where order is not
    the point)."""
    return sorted(titles(list_tasks(owner, query=TaskQuery(**query), now=NOW)))


# --- creating with the new fields ---------------------------------------------------------


def test_create_with_every_new_field() -> None:
    owner = user("Europe/Berlin")
    work = new_list(owner, "Work")
    task = create_task(
        owner,
        "Report",
        list_id=work,
        priority="high",
        tags=["#work", "Q4", "work"],
        due_date="2026-03-29",
        due_time="09:00",
    )
    assert task.list_id == work
    assert task.priority == "high"
    assert task.tags == ("work", "Q4")
    assert task.due_date == date(2026, 3, 29)
    assert task.due_time == time(9, 0)
    assert task.due_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert queries.get_task(owner, task.id) == task
    row = stored(task.id)
    assert (row.priority, row.list_id, row.due_date, row.due_time) == (
        3,
        work,
        date(2026, 3, 29),
        time(9, 0),
    )
    wire = task.to_dict()
    assert {
        k: wire[k] for k in ("list_id", "priority", "tags", "due_date", "due_time", "due_at")
    } == {
        "list_id": str(work),
        "priority": "high",
        "tags": ["work", "Q4"],
        "due_date": "2026-03-29",
        "due_time": "09:00",
        "due_at": "2026-03-29T07:00:00+00:00",
    }
    assert TaskData.from_dict(task.to_dict()) == task


def test_create_defaults_are_the_inbox_no_priority_no_tags_no_due() -> None:
    owner = user()
    task = create_task(owner, "Plain")
    assert (task.list_id, task.priority, task.tags) == (None, "none", ())
    assert (task.due_date, task.due_time, task.due_at) == (None, None, None)
    assert stored(task.id).priority == 0


def test_create_with_a_list_id_as_text() -> None:
    owner = user()
    work = new_list(owner, "Work")
    assert create_task(owner, "x", list_id=str(work)).list_id == work


def test_a_date_without_a_time_has_no_instant() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "x", due_date="2026-12-05")
    assert (task.due_date, task.due_time, task.due_at) == (date(2026, 12, 5), None, None)


def test_create_refuses_a_time_without_a_date_and_writes_nothing() -> None:
    owner = user()
    assert refused(create_task, owner, "x", due_time="09:00") == {
        "due_time": "A due time needs a due date"
    }
    assert count(Task) == 0


def test_create_names_every_bad_field_at_once_and_writes_nothing() -> None:
    owner = user()
    problems = refused(
        create_task,
        owner,
        "",
        list_id="not-a-uuid",
        priority="urgent",
        tags=["a b"],
        due_date="2026-02-30",
        due_time="25:00",
    )
    assert problems == {
        "title": "Enter a title",
        "list_id": "list_id must be a list's id, or null for the Inbox",
        "priority": "Priority must be none, low, medium or high",
        "tags": 'Tag "a b" must not contain spaces or #',
        "due_date": "Due date must be a real date as YYYY-MM-DD",
        "due_time": "Due time must be a time as HH:MM (00:00 to 23:59)",
    }
    assert count(Task) == 0 and count(Tag) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("priority", "HIGH", "Priority must be none, low, medium or high"),
        ("tags", ["a" * 41], "A tag must be at most 40 characters"),
        ("tags", [f"t{i}" for i in range(21)], "A task can have at most 20 tags"),
        ("tags", "home", "Tags must be a list of names"),
        ("due_date", "2026-2-3", "Due date must be a real date as YYYY-MM-DD"),
        ("due_date", "20261205", "Due date must be a real date as YYYY-MM-DD"),
        ("due_time", "9:30", "Due time must be a time as HH:MM (00:00 to 23:59)"),
        ("list_id", 5, "list_id must be a list's id, or null for the Inbox"),
    ],
)
def test_each_bad_field_is_refused_on_create_and_update(
    field: str, value: Any, message: str
) -> None:
    owner = user()
    extra = {"due_date": "2026-12-05"} if field == "due_time" else {}
    assert refused(create_task, owner, "x", **{field: value}, **extra) == {field: message}
    task = create_task(owner, "x", due_date="2026-12-05")
    assert refused(update_task, owner, task.id, **{field: value}) == {field: message}
    assert queries.get_task(owner, task.id) == task


def test_another_users_list_is_not_found_and_nothing_is_written() -> None:
    ann, bob = user(), user(name="Bob")
    bobs = new_list(bob, "Bob's")
    with pytest.raises(ListNotFound):
        create_task(ann, "x", list_id=bobs, tags=["new"])
    with pytest.raises(ListNotFound):
        create_task(ann, "x", list_id=uuid.uuid4())
    assert count(Task) == 0 and count(Tag) == 0

    task = create_task(ann, "mine", tags=["keep"])
    with pytest.raises(ListNotFound) as caught:
        update_task(ann, task.id, list_id=bobs, tags=["other"], priority="high")
    assert caught.value.message == "List not found"
    assert isinstance(caught.value, NotFound)
    assert queries.get_task(ann, task.id) == task  # same version, same tags
    assert count(Tag) == 1
    assert lists.list_lists(bob)[0].open_count == 0


# --- updating with UNSET and None ---------------------------------------------------------


def test_validate_changes_leaves_out_what_is_not_given() -> None:
    assert validate_changes() == {}
    assert validate_changes(title=UNSET, priority=UNSET) == {}
    assert validate_changes(priority="low") == {"priority": "low"}


def test_validate_changes_reads_none_as_no_value() -> None:
    assert validate_changes(
        description=None, list_id=None, priority=None, tags=None, due_date=None, due_time=None
    ) == {
        "description": "",
        "list_id": None,
        "priority": "none",
        "tags": (),
        "due_date": None,
        "due_time": None,
    }


@pytest.mark.parametrize("field", ["title", "completed"])
def test_none_is_not_a_value_for_required_fields(field: str) -> None:
    assert field in refused(validate_changes, **{field: None})


def test_update_each_new_field_and_only_that_field() -> None:
    owner = user("America/New_York")
    home = new_list(owner, "Home")
    task = create_task(owner, "x", description="notes", created_at=T0)
    steps: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"list_id": home}, {"list_id": home}),
        ({"priority": "medium"}, {"priority": "medium"}),
        ({"tags": ["a", "B"]}, {"tags": ("a", "B")}),
        ({"due_date": "2026-03-07"}, {"due_date": date(2026, 3, 7)}),
        (
            {"due_time": "09:00"},
            {"due_time": time(9, 0), "due_at": datetime(2026, 3, 7, 14, tzinfo=UTC)},
        ),
        # A new date keeps the time: the instant follows (EDT from 8 March).
        (
            {"due_date": "2026-03-08"},
            {"due_date": date(2026, 3, 8), "due_at": datetime(2026, 3, 8, 13, tzinfo=UTC)},
        ),
        ({"tags": ["B", "c", "a"]}, {"tags": ("B", "c", "a")}),
    ]
    current = task
    for given, expected in steps:
        after = update_task(owner, task.id, **given)
        assert after == replace(
            current, **expected, version=current.version + 1, updated_at=after.updated_at
        ), given
        assert queries.get_task(owner, task.id) == after
        current = after
    assert current.description == "notes" and current.title == "x"


def test_none_clears_each_optional_field() -> None:
    owner = user("Europe/Berlin")
    home = new_list(owner, "Home")
    task = create_task(
        owner,
        "x",
        description="notes",
        list_id=home,
        priority="high",
        tags=["a", "b"],
        due_date="2026-12-05",
        due_time="09:00",
    )
    assert update_task(owner, task.id, description=None).description == ""
    assert update_task(owner, task.id, list_id=None).list_id is None
    assert update_task(owner, task.id, priority=None).priority == "none"
    assert update_task(owner, task.id, tags=None).tags == ()
    assert count(TaskTag) == 0
    cleared = update_task(owner, task.id, due_date=None)
    assert (cleared.due_date, cleared.due_time, cleared.due_at) == (None, None, None)
    row = stored(task.id)
    assert (row.list_id, row.priority, row.due_date, row.due_time, row.due_at) == (
        None,
        0,
        None,
        None,
        None,
    )
    assert cleared.version == task.version + 5


def test_clearing_the_time_keeps_the_date() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "x", due_date="2026-12-05", due_time="09:00")
    after = update_task(owner, task.id, due_time=None)
    assert (after.due_date, after.due_time, after.due_at) == (date(2026, 12, 5), None, None)


def test_a_time_cannot_be_set_on_a_task_without_a_date() -> None:
    owner = user()
    task = create_task(owner, "x")
    assert refused(update_task, owner, task.id, due_time="09:00") == {
        "due_time": "A due time needs a due date"
    }
    receipt = mutations.apply(
        owner, mutation("set", task.id, fields={"due_time": "09:00"}, base_version=1)
    )
    assert (receipt.status, receipt.reason) == (REFUSED, INVALID)
    assert queries.get_task(owner, task.id) == task


def test_a_time_with_a_cleared_date_is_cleared_too() -> None:
    owner = user()
    task = create_task(owner, "x", due_date="2026-12-05", due_time="09:00")
    after = update_task(owner, task.id, due_date=None)
    assert (after.due_date, after.due_time, after.due_at) == (None, None, None)


def test_date_and_time_set_together() -> None:
    owner = user("Pacific/Auckland")
    task = create_task(owner, "x")
    after = update_task(owner, task.id, due_date="2026-12-05", due_time="09:00")
    assert after.due_at == datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


def test_an_unknown_field_is_refused() -> None:
    owner = user()
    task = create_task(owner, "x")
    assert refused(update_task, owner, task.id, due_at=NOW) == {"due_at": "Unknown field"}


def test_the_same_tags_and_due_do_not_make_a_new_version() -> None:
    owner = user()
    home = new_list(owner, "Home")
    task = create_task(
        owner, "x", list_id=home, tags=["a", "b"], due_date="2026-12-05", due_time="09:00"
    )
    again = update_task(
        owner, task.id, list_id=home, tags=["#a", "b"], due_date="2026-12-05", due_time="09:00"
    )
    assert again.version == task.version


def test_the_same_priority_does_not_make_a_new_version() -> None:
    owner = user()
    task = create_task(owner, "x", priority="high")
    assert update_task(owner, task.id, priority="high").version == task.version


def test_an_update_is_announced_with_the_new_fields() -> None:
    owner = user()
    task = create_task(owner, "x")
    heard: list[TaskChange] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        after = update_task(owner, task.id, tags=["home"], priority="low", due_date="2026-12-05")
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    assert [change.upserted for change in heard] == [(after,)]
    assert heard[0].upserted[0].tags == ("home",)


# --- tags are shared per user -------------------------------------------------------------


def test_tags_are_one_row_per_user_whatever_the_case() -> None:
    ann, bob = user(), user(name="Bob")
    first = create_task(ann, "first", tags=["Home", "work"])
    second = create_task(ann, "second", tags=["HOME"])
    create_task(bob, "bob's", tags=["home"])
    assert second.tags == ("Home",)  # the user's tag, as first spelled
    assert count(Tag, col(Tag.owner_id) == ann) == 2
    assert count(Tag, col(Tag.owner_id) == bob) == 1
    assert count(TaskTag) == 4
    assert find(ann, tag=("home",)) == ["first", "second"]
    assert find(bob, tag=("HOME",)) == ["bob's"]
    assert queries.get_task(ann, first.id).tags == ("Home", "work")


def test_tags_keep_the_order_given_when_reordered() -> None:
    owner = user()
    task = create_task(owner, "x", tags=["c", "a", "b"])
    assert queries.get_task(owner, task.id).tags == ("c", "a", "b")
    assert update_task(owner, task.id, tags=["b", "c", "a"]).tags == ("b", "c", "a")
    assert queries.list_tasks(owner).items[0].tags == ("b", "c", "a")


def test_list_tags_counts_the_tasks_carrying_each() -> None:
    ann, bob = user(), user(name="Bob")
    assert list_tags(ann) == []
    a = create_task(ann, "a", tags=["home", "Work"])
    create_task(ann, "b", tags=["work", "errand"])
    create_task(ann, "c", tags=["WORK"])
    create_task(bob, "z", tags=["home", "secret"])
    assert list_tags(ann) == [("errand", 1), ("home", 1), ("Work", 3)]
    update_task(ann, a.id, tags=["work"])
    assert list_tags(ann) == [("errand", 1), ("Work", 3)]  # home is carried by none
    deletes.delete_task(ann, a.id)
    assert list_tags(ann) == [("errand", 1), ("Work", 2)]
    assert list_tags(bob) == [("home", 1), ("secret", 1)]


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def board() -> dict[str, Any]:
    """One user in UTC with tasks across lists, priorities, tags and dues (NOW is 1 Dec)."""
    owner = user()
    work, home = new_list(owner, "Work"), new_list(owner, "Home")
    specs: list[tuple[str, dict[str, Any]]] = [
        (
            "overdue-work",
            {"list_id": work, "priority": "high", "tags": ["a", "b"], "due_date": "2026-11-30"},
        ),
        (
            "today-work",
            {
                "list_id": work,
                "priority": "low",
                "tags": ["a"],
                "due_date": "2026-12-01",
                "due_time": "17:00",
            },
        ),
        (
            "today-home",
            {"list_id": home, "priority": "medium", "tags": ["b"], "due_date": "2026-12-01"},
        ),
        ("tomorrow-inbox", {"priority": "high", "tags": ["a", "b", "c"], "due_date": "2026-12-02"}),
        ("later-inbox", {"due_date": "2026-12-20"}),
        ("undated-work", {"list_id": work, "tags": ["c"]}),
        ("undated-inbox", {"priority": "low"}),
        ("done-overdue", {"due_date": "2026-11-01", "completed": True, "tags": ["a"]}),
    ]
    made = {
        title: create_task(owner, title, created_at=T0 + timedelta(minutes=i), **spec)
        for i, (title, spec) in enumerate(specs)
    }
    return {"owner": owner, "work": work, "home": home, "tasks": made}


def test_filter_by_list_and_inbox(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, list_id=str(board["work"])) == ["overdue-work", "today-work", "undated-work"]
    assert find(owner, list_id=str(board["home"])) == ["today-home"]
    assert find(owner, list_id="inbox") == [
        "done-overdue",
        "later-inbox",
        "tomorrow-inbox",
        "undated-inbox",
    ]


def test_another_users_list_id_is_not_found(board: dict[str, Any]) -> None:
    other = user(name="Bob")
    with pytest.raises(ListNotFound):
        find(other, list_id=str(board["work"]))
    with pytest.raises(ListNotFound):
        find(board["owner"], list_id=str(uuid.uuid4()))


def test_priority_repeated_means_any_of_them(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, priority=("high",)) == ["overdue-work", "tomorrow-inbox"]
    assert find(owner, priority=("low", "medium")) == ["today-home", "today-work", "undated-inbox"]
    assert find(owner, priority=("none",)) == ["done-overdue", "later-inbox", "undated-work"]


def test_tag_repeated_means_all_of_them(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, tag=("a",)) == [
        "done-overdue",
        "overdue-work",
        "today-work",
        "tomorrow-inbox",
    ]
    assert find(owner, tag=("a", "b")) == ["overdue-work", "tomorrow-inbox"]
    assert find(owner, tag=("A", "#b", "c")) == ["tomorrow-inbox"]
    assert find(owner, tag=("nope",)) == []
    assert find(owner, tag=("a", "nope")) == []


def test_due_is_reckoned_from_the_owners_today(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, due="overdue") == ["done-overdue", "overdue-work"]
    assert find(owner, due="today") == ["today-home", "today-work"]
    assert find(owner, due="upcoming") == ["later-inbox", "tomorrow-inbox"]
    assert find(owner, due="none") == ["undated-inbox", "undated-work"]


def test_due_after_and_before_are_inclusive(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, due_after="2026-12-01", due_before="2026-12-02") == [
        "today-home",
        "today-work",
        "tomorrow-inbox",
    ]
    assert find(owner, due_after="2026-12-02") == ["later-inbox", "tomorrow-inbox"]
    assert find(owner, due_before="2026-11-30") == ["done-overdue", "overdue-work"]
    assert find(owner, due_after="2026-12-21") == []
    assert find(owner, due_after="2026-12-05", due_before="2026-12-04") == []


def test_status_and_search_combine_with_the_new_filters(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert find(owner, due="overdue", status="active") == ["overdue-work"]
    assert find(owner, due="overdue", status="completed") == ["done-overdue"]
    assert find(owner, q="INBOX", priority=("high", "low")) == ["tomorrow-inbox", "undated-inbox"]


def test_every_filter_at_once_is_and(board: dict[str, Any]) -> None:
    owner = board["owner"]
    everything = {
        "list_id": str(board["work"]),
        "priority": ("high", "low"),
        "tag": ("a",),
        "due_after": "2026-11-30",
        "due_before": "2026-12-01",
        "status": "active",
        "q": "work",
    }
    assert find(owner, **everything) == ["overdue-work", "today-work"]
    assert find(owner, **everything, due="today") == ["today-work"]
    assert find(owner, **everything, due="upcoming") == []
    assert find(owner, **(everything | {"tag": ("a", "b")})) == ["overdue-work"]
    assert find(owner, **(everything | {"list_id": "inbox"})) == []
    page = list_tasks(owner, query=TaskQuery(**everything), now=NOW)
    assert page.total == 2


def test_total_counts_the_filtered_tasks_past_the_page(board: dict[str, Any]) -> None:
    page = list_tasks(board["owner"], query=TaskQuery(tag=("a",), limit=1), now=NOW)
    assert len(page.items) == 1 and page.total == 4


def test_a_views_counts_are_its_filters_and_search_whatever_the_status(
    board: dict[str, Any],
) -> None:
    """The task page's counter counts its view, as Todoist does (issue 17: it said "9 items
    left" under Today's 3 tasks): the page's own filters and search, by the same statements,
    but every status, and neither its page nor its sort."""
    owner = board["owner"]
    assert queries.count_tasks(owner) == TaskCounts(total=8, active=7, completed=1)
    today = TaskQuery(due_before="2026-12-01")  # the Today view: overdue and today's
    assert queries.count_tasks(owner, today, now=NOW) == TaskCounts(4, 3, 1)
    paged = replace(today, status="active", limit=1, offset=3, sort="title", order="desc")
    assert queries.count_tasks(owner, paged, now=NOW) == TaskCounts(4, 3, 1)
    assert queries.count_tasks(owner, TaskQuery(tag=("a",)), now=NOW) == TaskCounts(4, 3, 1)
    work_today = TaskQuery(list_id=str(board["work"]), q="TODAY")
    assert queries.count_tasks(owner, work_today, now=NOW) == TaskCounts(1, 1, 0)
    assert queries.count_tasks(owner, TaskQuery(due="upcoming"), now=NOW) == TaskCounts(2, 2, 0)
    assert queries.count_tasks(user(name="Bob"), today, now=NOW) == TaskCounts(0, 0, 0)
    with pytest.raises(InvalidInput):
        queries.count_tasks(owner, TaskQuery(due="someday"))


def test_filters_never_reach_another_users_tasks(board: dict[str, Any]) -> None:
    other = user(name="Bob")
    create_task(other, "bob-today", tags=["a"], priority="high", due_date="2026-12-01")
    assert find(other, tag=("a",)) == ["bob-today"]
    assert find(other, due="today", priority=("high",)) == ["bob-today"]
    assert "bob-today" not in find(board["owner"], tag=("a",))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"list_id": "work"}, "list_id"),
        ({"priority": ("urgent",)}, "priority"),
        ({"tag": ("two words",)}, "tag"),
        ({"tag": ("a" * 41,)}, "tag"),
        ({"due": "tomorrow"}, "due"),
        ({"due_before": "2026-02-30"}, "due_before"),
        ({"due_after": "2026-2-3"}, "due_after"),
        ({"sort": "random"}, "sort"),
        ({"order": "up"}, "order"),
    ],
)
def test_a_bad_filter_or_sort_is_refused_by_name(query: dict[str, Any], field: str) -> None:
    owner = user()
    assert field in refused(list_tasks, owner, query=TaskQuery(**query))


def test_every_bad_query_field_is_named_at_once() -> None:
    owner = user()
    problems = refused(
        list_tasks, owner, query=TaskQuery(list_id="x", due="soon", sort="x", order="x")
    )
    assert set(problems) == {"list_id", "due", "sort", "order"}


# --- today in the owner's zone ------------------------------------------------------------


def test_today_in_auckland_is_not_today_in_los_angeles() -> None:
    auckland, los_angeles = user("Pacific/Auckland"), user("America/Los_Angeles", "Bob")
    for owner in (auckland, los_angeles):
        create_task(owner, "due 2 Dec", due_date="2026-12-02")
        create_task(owner, "due 1 Dec", due_date="2026-12-01")
    # At NOW it is 00:30 on 2 December in Auckland and 03:30 on 1 December in Los Angeles.
    assert find(auckland, due="today") == ["due 2 Dec"]
    assert find(auckland, due="overdue") == ["due 1 Dec"]
    assert find(auckland, due="upcoming") == []
    assert find(los_angeles, due="today") == ["due 1 Dec"]
    assert find(los_angeles, due="upcoming") == ["due 2 Dec"]
    assert find(los_angeles, due="overdue") == []


def test_today_moves_at_the_owners_midnight() -> None:
    owner = user("America/New_York")
    create_task(owner, "x", due_date="2026-12-01")
    just_before = datetime(2026, 12, 2, 4, 59, tzinfo=UTC)  # 23:59 EST on 1 December
    at_midnight = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    due_today = TaskQuery(due="today")
    assert titles(list_tasks(owner, query=due_today, now=just_before)) == ["x"]
    assert titles(list_tasks(owner, query=due_today, now=at_midnight)) == []
    assert titles(list_tasks(owner, query=TaskQuery(due="overdue"), now=at_midnight)) == ["x"]


# --- sorts and paging ---------------------------------------------------------------------


def sort(owner: uuid.UUID, by: str, order: str | None = None, **more: Any) -> list[str]:
    return titles(list_tasks(owner, query=TaskQuery(sort=by, order=order, **more), now=NOW))


def test_sort_by_created_is_newest_first_unless_asked(board: dict[str, Any]) -> None:
    owner = board["owner"]
    oldest_first = list(board["tasks"])
    assert sort(owner, "created") == oldest_first[::-1]
    assert sort(owner, "created", "desc") == oldest_first[::-1]
    assert sort(owner, "created", "asc") == oldest_first


def test_sort_by_due_is_soonest_first_with_undated_last_both_ways(board: dict[str, Any]) -> None:
    owner = board["owner"]
    dated_soonest = [
        "done-overdue",
        "overdue-work",
        "today-work",  # 17:00: a timed task before the untimed one of its day
        "today-home",
        "tomorrow-inbox",
        "later-inbox",
    ]
    undated = ["undated-inbox", "undated-work"]  # newest first among equals
    assert sort(owner, "due") == dated_soonest + undated
    assert sort(owner, "due", "asc") == dated_soonest + undated
    latest = sort(owner, "due", "desc")
    assert latest[:2] == ["later-inbox", "tomorrow-inbox"]
    assert set(latest[2:4]) == {"today-work", "today-home"}
    assert latest[4:6] == ["overdue-work", "done-overdue"]
    assert latest[6:] == undated


def test_sort_by_due_orders_times_within_a_day() -> None:
    owner = user()
    for title, clock in (("noon", "12:00"), ("morning", "08:30"), ("evening", "21:00")):
        create_task(owner, title, due_date="2026-12-05", due_time=clock)
    create_task(owner, "all day", due_date="2026-12-05")
    create_task(owner, "earlier day", due_date="2026-12-04", due_time="23:00")
    assert sort(owner, "due") == ["earlier day", "morning", "noon", "evening", "all day"]


def test_sort_by_priority_is_high_first_unless_asked(board: dict[str, Any]) -> None:
    owner = board["owner"]
    rank = {"high": 3, "medium": 2, "low": 1, "none": 0}
    tasks = board["tasks"]
    got = sort(owner, "priority")
    assert [rank[tasks[t].priority] for t in got] == [3, 3, 2, 1, 1, 0, 0, 0]
    assert got[:2] == ["tomorrow-inbox", "overdue-work"]  # newest first among equals
    ascending = sort(owner, "priority", "asc")
    assert [rank[tasks[t].priority] for t in ascending] == [0, 0, 0, 1, 1, 2, 3, 3]


def test_sort_by_title_ignores_case() -> None:
    owner = user()
    for title in ("banana", "Cherry", "apple", "Apricot", "blueberry"):
        create_task(owner, title)
    assert sort(owner, "title") == ["apple", "Apricot", "banana", "blueberry", "Cherry"]
    assert sort(owner, "title", "desc") == ["Cherry", "blueberry", "banana", "Apricot", "apple"]


@pytest.mark.parametrize(
    ("by", "order"),
    [
        ("created", None),
        ("created", "asc"),
        ("due", None),
        ("due", "desc"),
        ("priority", None),
        ("priority", "asc"),
        ("title", None),
        ("title", "desc"),
    ],
)
def test_paging_through_any_sort_sees_every_task_once(by: str, order: str | None) -> None:
    owner = user()
    # Many ties: equal titles, priorities, dues and even creation times.
    for i in range(13):
        create_task(
            owner,
            "Same" if i % 2 else "same",
            created_at=T0 + timedelta(minutes=i % 3),
            priority=("none", "high")[i % 2],
            due_date=None if i % 4 == 0 else "2026-12-05",
        )
    whole = list_tasks(owner, query=TaskQuery(sort=by, order=order, limit=100))
    paged: list[uuid.UUID] = []
    for offset in range(0, 13, 3):
        page = list_tasks(owner, query=TaskQuery(sort=by, order=order, limit=3, offset=offset))
        assert page.total == 13
        paged += ids(page)
    assert paged == ids(whole)
    assert len(set(paged)) == 13


def test_sorts_combine_with_filters(board: dict[str, Any]) -> None:
    owner = board["owner"]
    assert sort(owner, "due", list_id=str(board["work"])) == [
        "overdue-work",
        "today-work",
        "undated-work",
    ]
    assert sort(owner, "priority", tag=("b",)) == ["tomorrow-inbox", "overdue-work", "today-home"]


# --- the account's time zone --------------------------------------------------------------


def test_sign_up_takes_the_browsers_zone_and_defaults_to_utc() -> None:
    berlin = auth_service.sign_up(
        unique_email(), "correct horse battery", "B", time_zone="Europe/Berlin"
    )
    plain = auth_service.sign_up(unique_email(), "correct horse battery", "P")
    with session_scope() as session:
        assert session.get(User, berlin.user.id).time_zone == "Europe/Berlin"  # type: ignore[union-attr]
        assert session.get(User, plain.user.id).time_zone == "UTC"  # type: ignore[union-attr]


def test_sign_up_refuses_an_unknown_zone_and_creates_nobody() -> None:
    with pytest.raises(InvalidInput) as caught:
        auth_service.sign_up(unique_email(), "correct horse battery", "X", time_zone="Mars/Base")
    assert caught.value.fields == {
        "time_zone": "Time zone must be an IANA name such as Europe/Berlin"
    }
    assert count(User) == 0


def test_a_new_zone_keeps_the_wall_clock_and_moves_the_instant() -> None:
    owner = user("Europe/Berlin")
    timed = create_task(owner, "call", due_date="2026-03-29", due_time="09:00")
    dated = create_task(owner, "all day", due_date="2026-03-29")
    plain = create_task(owner, "plain")
    assert timed.due_at == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    heard: list[TaskChange] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        info = auth_service.update_account(owner, time_zone="America/New_York")
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    assert info.name == "Ann"
    moved = queries.get_task(owner, timed.id)
    assert (moved.due_date, moved.due_time) == (date(2026, 3, 29), time(9, 0))
    assert moved.due_at == datetime(2026, 3, 29, 13, 0, tzinfo=UTC)  # 09:00 EDT
    assert moved.version == timed.version + 1
    assert queries.get_task(owner, dated.id) == dated  # nothing to move: same version
    assert queries.get_task(owner, plain.id) == plain
    assert [change.upserted for change in heard] == [(moved,)]
    with session_scope() as session:
        assert session.get(User, owner).time_zone == "America/New_York"  # type: ignore[union-attr]
    # New tasks and "today" follow the new zone.
    assert create_task(owner, "new", due_date="2026-03-29", due_time="09:00").due_at == moved.due_at


def test_the_same_zone_again_changes_no_task() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "call", due_date="2026-12-05", due_time="09:00")
    auth_service.update_account(owner, time_zone="Europe/Berlin")
    assert queries.get_task(owner, task.id) == task


def test_update_account_refuses_an_unknown_zone_and_changes_nothing() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "call", due_date="2026-12-05", due_time="09:00")
    with pytest.raises(InvalidInput) as caught:
        auth_service.update_account(owner, name="New name", time_zone="Europe/Nowhere")
    assert set(caught.value.fields) == {"time_zone"}
    assert queries.get_task(owner, task.id) == task
    with session_scope() as session:
        row = session.get(User, owner)
        assert row is not None and (row.time_zone, row.name) == ("Europe/Berlin", "Ann")


def test_a_zone_change_leaves_other_users_alone() -> None:
    ann, bob = user("Europe/Berlin"), user("Europe/Berlin", "Bob")
    bobs = create_task(bob, "bob", due_date="2026-12-05", due_time="09:00")
    auth_service.update_account(ann, time_zone="Asia/Tokyo")
    assert queries.get_task(bob, bobs.id) == bobs


# --- delete, undo, restore ----------------------------------------------------------------


def test_delete_and_restore_keep_every_field() -> None:
    owner = user("Europe/Berlin")
    work = new_list(owner, "Work")
    task = create_task(
        owner,
        "x",
        list_id=work,
        priority="medium",
        tags=["b", "a"],
        due_date="2026-12-05",
        due_time="09:00",
    )
    gone = deletes.delete_task(owner, task.id)
    assert gone == task
    assert count(TaskTag) == 0
    back = replace(task, version=task.version + 1)  # a restore is a new version
    assert deletes.restore_tasks(owner, [gone]) == [back]
    assert queries.get_task(owner, task.id) == back
    assert list_tags(owner) == [("a", 1), ("b", 1)]


def test_clear_completed_and_restore_keep_tags() -> None:
    owner = user()
    done = create_task(owner, "done", completed=True, tags=["x", "y"], priority="low")
    create_task(owner, "open", tags=["x"])
    cleared = deletes.clear_completed(owner)
    assert cleared == [done]
    assert list_tags(owner) == [("x", 1)]
    assert deletes.restore_tasks(owner, cleared) == [replace(done, version=done.version + 1)]
    assert list_tags(owner) == [("x", 2), ("y", 1)]


def test_restore_into_a_deleted_list_lands_in_the_inbox() -> None:
    owner = user()
    work = new_list(owner, "Work")
    task = create_task(owner, "x", list_id=work, tags=["t"])
    gone = deletes.delete_task(owner, task.id)
    lists.delete_list(owner, work)
    [back] = deletes.restore_tasks(owner, [gone])
    assert back == replace(task, list_id=None, version=task.version + 1)
    assert find(owner, list_id="inbox") == ["x"]


def test_restore_cannot_put_a_task_into_another_users_list() -> None:
    ann, bob = user(), user(name="Bob")
    bobs = new_list(bob, "Bob's")
    task = create_task(ann, "x")
    gone = deletes.delete_task(ann, task.id)
    [back] = deletes.restore_tasks(ann, [replace(gone, list_id=bobs)])
    assert back.list_id is None
    assert lists.list_lists(bob)[0].open_count == 0


def test_restore_refuses_bad_new_fields_and_writes_nothing() -> None:
    owner = user()
    task = deletes.delete_task(owner, create_task(owner, "x").id)
    for bad in (
        replace(task, priority="urgent"),
        replace(task, tags=("a b",)),
        replace(task, due_time=time(9, 0)),  # a time without a date
    ):
        with pytest.raises(InvalidInput):
            deletes.restore_tasks(owner, [bad])
    assert count(Task) == 0


def test_restore_after_a_zone_change_reckons_the_instant_in_the_new_zone() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "x", due_date="2026-12-05", due_time="09:00")
    gone = deletes.delete_task(owner, task.id)
    auth_service.update_account(owner, time_zone="America/New_York")
    [back] = deletes.restore_tasks(owner, [gone])
    assert back.due_at == datetime(2026, 12, 5, 14, 0, tzinfo=UTC)  # 09:00 EST


# --- the change engine: "create" and "set" of the new fields, and their undo --------------


def mutation(kind: str, task_id: uuid.UUID | None = None, **extra: Any) -> mutations.Mutation:
    raw: dict[str, Any] = {"mid": str(uuid.uuid4()), "kind": kind, **extra}
    if task_id is not None:
        raw["task_id"] = str(task_id)
    return mutations.parse(raw)


def test_a_create_mutation_takes_the_new_fields() -> None:
    owner = user("Europe/Berlin")
    work = new_list(owner, "Work")
    task_id = uuid.uuid4()
    fields = {
        "title": "Report",
        "list_id": str(work),
        "priority": "high",
        "tags": ["work", "#q4"],
        "due_date": "2026-03-28",
        "due_time": "09:00",
    }
    receipt = mutations.apply(owner, mutation("create", task_id, fields=fields))
    assert receipt.status == APPLIED
    task = queries.get_task(owner, task_id)
    assert (task.list_id, task.priority, task.tags) == (work, "high", ("work", "q4"))
    assert task.due_at == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)
    assert receipt.change is not None and receipt.change.upserted == (task,)


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "x", "priority": "urgent"},
        {"title": "x", "tags": ["a b"]},
        {"title": "x", "due_date": "2026-02-30"},
        {"title": "x", "due_time": "09:00"},  # no date
        {"title": "x", "list_id": "nope"},
        {"title": "x", "due_at": "2026-12-05T09:00:00+00:00"},
    ],
)
def test_a_create_mutation_with_a_bad_field_is_refused(fields: dict[str, Any]) -> None:
    owner = user()
    receipt = mutations.apply(owner, mutation("create", uuid.uuid4(), fields=fields))
    assert (receipt.status, receipt.reason) == (REFUSED, INVALID)
    assert count(Task) == 0 and count(Tag) == 0


def test_a_create_mutation_into_another_users_list_is_refused() -> None:
    ann, bob = user(), user(name="Bob")
    bobs = new_list(bob, "Bob's")
    receipt = mutations.apply(
        ann, mutation("create", uuid.uuid4(), fields={"title": "x", "list_id": str(bobs)})
    )
    assert receipt.status == REFUSED
    assert count(Task) == 0


def test_a_set_mutation_of_every_new_field_and_its_undo_restore_them_exactly() -> None:
    owner = user("Europe/Berlin")
    work, home = new_list(owner, "Work"), new_list(owner, "Home")
    task = create_task(
        owner,
        "x",
        list_id=work,
        priority="low",
        tags=["a", "b"],
        due_date="2026-03-28",
        due_time="09:00",
    )
    change = {
        "list_id": str(home),
        "priority": "high",
        "tags": ["c", "A"],
        "due_date": "2026-03-29",
        "due_time": "18:30",
    }
    m = mutation("set", task.id, fields=change, base_version=task.version)
    receipt = mutations.apply(owner, m)
    assert receipt.status == APPLIED
    after = queries.get_task(owner, task.id)
    assert (after.list_id, after.priority, after.tags) == (home, "high", ("c", "a"))
    assert (after.due_date, after.due_time) == (date(2026, 3, 29), time(18, 30))
    assert after.due_at == datetime(2026, 3, 29, 16, 30, tzinfo=UTC)
    assert receipt.change is not None and receipt.change.upserted == (after,)

    undo = mutation("undo", of=str(m.mid))
    assert mutations.apply(owner, undo).status == APPLIED
    back = queries.get_task(owner, task.id)
    assert back == replace(task, version=task.version + 2, updated_at=back.updated_at)

    redo = mutations.apply(owner, mutation("undo", of=str(undo.mid)))
    assert redo.status == APPLIED
    again = queries.get_task(owner, task.id)
    assert again == replace(after, version=task.version + 3, updated_at=again.updated_at)


def test_undo_of_clearing_fields_puts_them_back() -> None:
    owner = user()
    work = new_list(owner, "Work")
    task = create_task(
        owner, "x", list_id=work, priority="medium", tags=["a"], due_date="2026-12-05"
    )
    m = mutation(
        "set",
        task.id,
        fields={"list_id": None, "priority": None, "tags": None, "due_date": None},
        base_version=task.version,
    )
    assert mutations.apply(owner, m).status == APPLIED
    cleared = queries.get_task(owner, task.id)
    assert (cleared.list_id, cleared.priority, cleared.tags, cleared.due_date) == (
        None,
        "none",
        (),
        None,
    )
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    back = queries.get_task(owner, task.id)
    assert back == replace(task, version=task.version + 2, updated_at=back.updated_at)


def test_undo_of_clearing_a_timed_due_date_puts_the_time_back_too() -> None:
    owner = user("Europe/Berlin")
    task = create_task(owner, "x", due_date="2026-12-05", due_time="09:00")
    m = mutation("set", task.id, fields={"due_date": None}, base_version=task.version)
    assert mutations.apply(owner, m).status == APPLIED
    assert queries.get_task(owner, task.id).due_time is None
    assert mutations.apply(owner, mutation("undo", of=str(m.mid))).status == APPLIED
    back = queries.get_task(owner, task.id)
    assert (back.due_date, back.due_time, back.due_at) == (
        task.due_date,
        task.due_time,
        task.due_at,
    )


def test_a_set_mutation_with_a_bad_field_is_refused_and_changes_nothing() -> None:
    owner = user()
    task = create_task(owner, "x")
    for fields in (
        {"priority": "urgent"},
        {"tags": ["a" * 41]},
        {"due_date": "2026-13-01"},
        {"due_time": "9:00"},
        {"list_id": str(uuid.uuid4())},
        {"due_at": "2026-12-05T09:00:00+00:00"},
    ):
        receipt = mutations.apply(owner, mutation("set", task.id, fields=fields, base_version=1))
        assert receipt.status == REFUSED, fields
    assert queries.get_task(owner, task.id) == task


def test_undo_of_a_move_out_of_a_list_deleted_since_changes_nothing() -> None:
    owner = user()
    work, home = new_list(owner, "Work"), new_list(owner, "Home")
    task = create_task(owner, "x", list_id=work)
    m = mutation("set", task.id, fields={"list_id": str(home)}, base_version=task.version)
    assert mutations.apply(owner, m).status == APPLIED
    lists.delete_list(owner, work)
    receipt = mutations.apply(owner, mutation("undo", of=str(m.mid)))
    assert (receipt.status, receipt.reason) == (REFUSED, mutations.NOTHING)
    assert queries.get_task(owner, task.id).list_id == home
