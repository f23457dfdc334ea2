"""The task page's URL grammar (tasks/views.py): views, sorts, chips and what a new task gets."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from todo_app.tasks.views import default_sort, links, parse_view, toggled, with_param

TODAY = date(2026, 12, 1)
LISTS = {"11111111-1111-1111-1111-111111111111": "Home"}
HOME = next(iter(LISTS))


def test_the_plain_page_is_everything_newest_first() -> None:
    view = parse_view("", LISTS)
    assert (view.kind, view.title, view.sort) == ("all", "All tasks", "created")
    query = view.query(TODAY)
    assert (query.list_id, query.due, query.due_before, query.tag) == (None, None, None, ())
    assert view.defaults(TODAY) == {}
    assert view.empty_message() == "No tasks yet"


def test_today_lists_overdue_and_todays_soonest_first_and_adds_due_today() -> None:
    view = parse_view("view=today", LISTS)
    assert (view.kind, view.title, view.sort) == ("today", "Today", "due")
    query = view.query(TODAY)
    assert query.due_before == "2026-12-01" and query.sort == "due"
    assert view.defaults(TODAY) == {"due_date": "2026-12-01"}
    assert view.empty_message() == "Nothing due today"
    assert view.spec(TODAY)["descending"] is False


def test_upcoming_inbox_and_a_list() -> None:
    assert parse_view("view=upcoming", LISTS).query(TODAY).due == "upcoming"
    inbox = parse_view("view=inbox", LISTS)
    assert inbox.query(TODAY).list_id == "inbox" and inbox.defaults(TODAY) == {}
    home = parse_view(f"list={HOME}", LISTS)
    assert (home.kind, home.title) == ("list", "Home")
    assert home.query(TODAY).list_id == HOME
    assert home.defaults(TODAY) == {"list_id": HOME}
    assert home.empty_message() == "No tasks in Home"


def test_an_unknown_or_foreign_list_falls_back_to_everything() -> None:
    assert parse_view("list=22222222-2222-2222-2222-222222222222", LISTS).kind == "all"
    assert parse_view("list=not-a-uuid", LISTS).kind == "all"


def test_tags_are_all_of_and_priorities_any_of_and_both_go_to_new_tasks() -> None:
    view = parse_view("tag=home&tag=work&priority=high", LISTS)
    assert (view.kind, view.title) == ("tag", "#home #work")
    query = view.query(TODAY)
    assert query.tag == ("home", "work") and query.priority == ("high",)
    assert view.defaults(TODAY) == {"tags": ["home", "work"], "priority": "high"}
    two = parse_view("priority=high&priority=low", LISTS)
    assert (two.kind, two.title) == ("priority", "High or Low priority")
    assert "priority" not in two.defaults(TODAY)  # two priorities: a new task gets neither


def test_bad_values_from_a_link_are_ignored_not_errors() -> None:
    view = parse_view(
        "sort=sideways&order=up&tag=a%20b&priority=urgent&due_after=2026-02-30", LISTS
    )
    assert (view.sort, view.order, view.tags, view.priorities, view.due_after) == (
        "created",
        None,
        (),
        (),
        None,
    )
    ranged = parse_view("due_after=2026-12-01&due_before=2026-12-07", LISTS).query(TODAY)
    assert (ranged.due_after, ranged.due_before) == ("2026-12-01", "2026-12-07")


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_links_keep_the_rest_of_the_url() -> None:
    query = "view=today&filter=active"
    assert _params(with_param(query, "sort", "priority")) == {
        "view": ["today"],
        "filter": ["active"],
        "sort": ["priority"],
    }
    assert with_param("filter=active", "filter", None) == "/"
    on = toggled("view=today", "priority", "high")
    assert _params(on) == {"view": ["today"], "priority": ["high"]}
    assert _params(toggled(urlsplit(on).query, "priority", "high")) == {"view": ["today"]}
    found = links("tag=home", ["home", "work"])
    assert found["tag_home"] == "/"  # pressing an active chip turns it off
    assert _params(found["tag_work"]) == {"tag": ["home", "work"]}
    assert _params(found["filter_active"]) == {"tag": ["home"], "filter": ["active"]}


def test_the_inbox_and_a_list_are_in_manual_order_unless_told() -> None:
    assert parse_view("view=inbox", LISTS).sort == "manual"
    assert parse_view(f"list={HOME}", LISTS).sort == "manual"
    assert parse_view(f"list={HOME}&sort=due", LISTS).sort == "due"
    # Other views keep theirs; an unknown list falls back to everything, newest first.
    assert parse_view("tag=home", LISTS).sort == "created"
    assert parse_view("list=22222222-2222-2222-2222-222222222222", LISTS).sort == "created"
    spec = parse_view("view=inbox", LISTS).spec(TODAY, [HOME])
    assert (spec["sort"], spec["descending"], spec["list_order"]) == ("manual", False, [HOME])


def test_the_sort_links_leave_out_the_views_own_default() -> None:
    found = links("view=inbox", [], sort=default_sort("inbox"))
    assert found["sort_manual"] == "/?view=inbox"
    assert found["sort_created"] == "/?view=inbox&sort=created"
    assert links("", [])["sort_manual"] == "/?sort=manual"
    assert default_sort("list", HOME) == "manual"
    assert default_sort("today") == default_sort("upcoming") == "due"


def test_a_task_added_to_assigned_to_me_is_assigned_to_its_adder() -> None:
    view = parse_view("view=assigned", {})
    assert view.query(TODAY).assignee == "me"
    assert view.defaults(TODAY, "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11") == {
        "assignee_id": "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11"
    }
    assert parse_view("view=inbox", {}).defaults(TODAY, "someone") == {}
