"""GET /api/tasks with the filters and sorts of the organising contract: each alone, combined
(AND), in both forms, reckoned in the user's time zone, and a 422 naming each bad parameter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    FORMS,
    Account,
    assert_field_error,
    create_list,
    create_task,
    list_tasks,
    prefix,
    set_time_zone,
    titles,
)
from todo_app.models import TAG_MAX
from todo_app.tasks import fields
from todo_app.tasks.types import DUES, ORDERS, SORTS


def _titles(client: TestClient, account: Account, **params: Any) -> list[str]:
    return titles(list_tasks(client, account, **params))


def _set(client: TestClient, account: Account, **params: Any) -> set[str]:
    page = list_tasks(client, account, **params)
    assert page["total"] == len(page["items"])
    return set(titles(page))


# --- priority and tags --------------------------------------------------------------------


@pytest.fixture
def tagged(client: TestClient, alice: Account) -> None:
    create_task(client, alice, title="both", tags=["home", "work"], priority="high")
    create_task(client, alice, title="home only", tags=["Home"], priority="low")
    create_task(client, alice, title="work only", tags=["work"], priority="medium")
    create_task(client, alice, title="untagged")


@pytest.mark.usefixtures("tagged")
def test_priority_repeated_means_any_of_them(client: TestClient, alice: Account) -> None:
    assert _set(client, alice, priority="high") == {"both"}
    assert _set(client, alice, priority=["high", "low"]) == {"both", "home only"}
    assert _set(client, alice, priority="none") == {"untagged"}
    assert len(_set(client, alice, priority=list(fields.PRIORITIES))) == 4


@pytest.mark.usefixtures("tagged")
def test_tag_repeated_means_all_of_them(client: TestClient, alice: Account) -> None:
    assert _set(client, alice, tag="home") == {"both", "home only"}
    assert _set(client, alice, tag="HOME") == {"both", "home only"}  # any case
    assert _set(client, alice, tag="#work") == {"both", "work only"}
    assert _set(client, alice, tag=["home", "work"]) == {"both"}
    assert _set(client, alice, tag=["home", "work", "garden"]) == set()
    assert _set(client, alice, tag="garden") == set()


@pytest.mark.usefixtures("tagged")
def test_another_user_s_tag_of_the_same_name_is_not_the_caller_s(
    client: TestClient, alice: Account, bob: Account
) -> None:
    create_task(client, bob, title="bob's home", tags=["home"])
    assert _set(client, alice, tag="home") == {"both", "home only"}
    assert _set(client, bob, tag="home") == {"bob's home"}
    assert _set(client, bob, tag=["home", "work"]) == set()


# --- lists --------------------------------------------------------------------------------


def test_list_id_filters_by_list_or_the_inbox(
    client: TestClient, alice: Account, bob: Account
) -> None:
    home, work = create_list(client, alice, "Home"), create_list(client, alice, "Work")
    create_task(client, alice, title="in home", list_id=home["id"])
    create_task(client, alice, title="in work", list_id=work["id"])
    create_task(client, alice, title="in inbox")
    assert _set(client, alice, list_id=home["id"]) == {"in home"}
    assert _set(client, alice, list_id="inbox") == {"in inbox"}
    bobs = create_list(client, bob, "Home")
    create_task(client, bob, title="bob's", list_id=bobs["id"])
    # Another user's list is not found, as an unknown one is.
    response = client.get("/api/tasks", params={"list_id": bobs["id"]}, headers=alice.headers)
    assert response.status_code == 404 and response.json() == {"detail": "List not found"}
    assert _set(client, bob, list_id="inbox") == set()


# --- due, in the user's zone --------------------------------------------------------------


def _dated(client: TestClient, account: Account, zone: str) -> str:
    """Overdue, today, upcoming and undated tasks for ``account`` in ``zone``; returns
    today's date there."""
    set_time_zone(client, account, zone)
    today = fields.today_in(zone)
    for title, delta in (("overdue", -1), ("today", 0), ("upcoming", 1)):
        create_task(client, account, title=title, due_date=(today + timedelta(delta)).isoformat())
    create_task(client, account, title="undated")
    return today.isoformat()


@pytest.mark.parametrize("form", FORMS)
def test_due_views_are_reckoned_in_the_user_s_zone(
    client: TestClient, alice: Account, form: str
) -> None:
    _dated(client, alice, "Pacific/Auckland")
    url = f"{prefix(form, alice.id)}/tasks"
    for due in DUES:
        page = client.get(url, params={"due": due}, headers=alice.headers).json()
        expected = "undated" if due == "none" else due
        assert titles(page) == [expected], due


def test_today_in_auckland_is_not_always_today_in_los_angeles(
    client: TestClient, alice: Account
) -> None:
    auckland_today = _dated(client, alice, "Pacific/Auckland")
    set_time_zone(client, alice, "America/Los_Angeles")
    la_today = fields.today_in("America/Los_Angeles").isoformat()
    # Auckland is 19 to 21 hours ahead: its today is LA's today or LA's tomorrow.
    if la_today == auckland_today:
        assert _titles(client, alice, due="today") == ["today"]
    else:
        assert _titles(client, alice, due="today") == ["overdue"]
        assert set(_titles(client, alice, due="upcoming")) == {"today", "upcoming"}


def test_due_range_is_inclusive_and_combines(client: TestClient, alice: Account) -> None:
    for day in ("2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04"):
        create_task(client, alice, title=day, due_date=day)
    create_task(client, alice, title="undated")
    assert _set(client, alice, due_after="2026-03-02") == {"2026-03-02", "2026-03-03", "2026-03-04"}
    assert _set(client, alice, due_before="2026-03-02") == {"2026-03-01", "2026-03-02"}
    both = _set(client, alice, due_after="2026-03-02", due_before="2026-03-03")
    assert both == {"2026-03-02", "2026-03-03"}
    assert _set(client, alice, due_after="2026-03-04", due_before="2026-03-01") == set()


# --- sorts --------------------------------------------------------------------------------


@pytest.fixture
def due_tasks(client: TestClient, alice: Account) -> None:
    create_task(client, alice, title="undated 1")
    create_task(client, alice, title="may 2 all day", due_date="2026-05-02")
    create_task(client, alice, title="may 2 at 08", due_date="2026-05-02", due_time="08:00")
    create_task(client, alice, title="undated 2")
    create_task(client, alice, title="may 1 at 17", due_date="2026-05-01", due_time="17:00")
    create_task(client, alice, title="may 3", due_date="2026-05-03")


@pytest.mark.usefixtures("due_tasks")
def test_sort_by_due_puts_undated_tasks_last_either_way(client: TestClient, alice: Account) -> None:
    assert _titles(client, alice, sort="due") == [
        "may 1 at 17",
        "may 2 at 08",
        "may 2 all day",
        "may 3",
        "undated 2",  # undated: newest first
        "undated 1",
    ]
    descending = _titles(client, alice, sort="due", order="desc")
    assert descending[:2] == ["may 3", "may 2 at 08"]
    assert descending[-2:] == ["undated 2", "undated 1"]


def test_sort_by_priority_puts_high_first(client: TestClient, alice: Account) -> None:
    for title, priority in (("m", "medium"), ("n", "none"), ("h", "high"), ("l", "low")):
        create_task(client, alice, title=title, priority=priority)
    assert _titles(client, alice, sort="priority") == ["h", "m", "l", "n"]
    assert _titles(client, alice, sort="priority", order="asc") == ["n", "l", "m", "h"]


def test_sort_by_title_is_a_to_z_in_any_case(client: TestClient, alice: Account) -> None:
    for title in ("banana", "Apple", "cherry"):
        create_task(client, alice, title=title)
    assert _titles(client, alice, sort="title") == ["Apple", "banana", "cherry"]
    assert _titles(client, alice, sort="title", order="desc") == ["cherry", "banana", "Apple"]


def test_sort_by_created_is_newest_first_unless_asked(client: TestClient, alice: Account) -> None:
    for title in ("first", "second", "third"):
        create_task(client, alice, title=title)
    assert _titles(client, alice) == ["third", "second", "first"]
    assert _titles(client, alice, sort="created") == ["third", "second", "first"]
    assert _titles(client, alice, sort="created", order="asc") == ["first", "second", "third"]


@pytest.mark.usefixtures("due_tasks")
def test_sorted_pages_follow_each_other(client: TestClient, alice: Account) -> None:
    everything = _titles(client, alice, sort="due")
    pages = [list_tasks(client, alice, sort="due", limit=2, offset=offset) for offset in (0, 2, 4)]
    assert [title for page in pages for title in titles(page)] == everything
    assert {page["total"] for page in pages} == {6}


# --- everything at once -------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_filters_combine_with_and(client: TestClient, alice: Account, form: str) -> None:
    set_time_zone(client, alice, "Europe/Berlin")
    today = fields.today_in("Europe/Berlin")
    tomorrow = (today + timedelta(1)).isoformat()
    work = create_list(client, alice, "Work")
    wanted = {"list_id": work["id"], "priority": "high", "tags": ["q3", "x"], "due_date": tomorrow}
    create_task(client, alice, title="report draft", **wanted)
    create_task(client, alice, title="report final", **{**wanted, "priority": "medium"})
    create_task(client, alice, title="report inbox", **{**wanted, "list_id": None})
    create_task(client, alice, title="report q2", **{**wanted, "tags": ["q2"]})
    create_task(client, alice, title="report today", **{**wanted, "due_date": today.isoformat()})
    create_task(client, alice, title="slides", **wanted)
    done = create_task(client, alice, title="report done", **wanted)
    client.patch(f"/api/tasks/{done['id']}/complete", headers=alice.headers)

    params = {
        "status": "active",
        "q": "report",
        "list_id": work["id"],
        "priority": ["high", "low"],
        "tag": "q3",
        "due": "upcoming",
        "due_after": tomorrow,
        "due_before": tomorrow,
        "sort": "title",
    }
    page = client.get(f"{prefix(form, alice.id)}/tasks", params=params, headers=alice.headers)
    assert page.status_code == 200, page.text
    assert titles(page.json()) == ["report draft"]
    assert page.json()["total"] == 1
    assert _titles(client, alice, **{**params, "status": "completed"}) == ["report done"]
    assert _titles(client, alice, **{**params, "priority": ["high", "medium"]}) == [
        "report draft",
        "report final",
    ]


# --- bad parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"priority": ["high", "p1"]}, "priority"),
        ({"tag": "two words"}, "tag"),
        ({"tag": "t" * (TAG_MAX + 1)}, "tag"),
        ({"tag": ["ok", "a#b"]}, "tag"),
        ({"tag": ""}, "tag"),
        ({"due": "soon"}, "due"),
        ({"due_before": "2026-02-30"}, "due_before"),
        ({"due_after": "tomorrow"}, "due_after"),
        ({"due_after": "2026-05-01T00:00"}, "due_after"),
        ({"sort": "rank"}, "sort"),
        ({"order": "up"}, "order"),
        ({"list_id": "nope"}, "list_id"),
        ({"list_id": "inbox2"}, "list_id"),
        ({"offset": 1_000_001}, "offset"),
    ],
)
def test_list_refuses_each_bad_parameter(
    client: TestClient, alice: Account, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/tasks", params=params, headers=alice.headers)
    assert_field_error(response, "query", field)


def test_the_documented_choices_are_the_service_s(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p["schema"] for p in spec["paths"]["/api/tasks"]["get"]["parameters"]}

    def choices(schema: dict[str, Any]) -> list[str]:
        options = schema.get("anyOf", [schema])
        found = next(o for o in options if o.get("type") in ("string", "array"))
        return found.get("enum") or found["items"]["enum"]

    assert choices(parameters["due"]) == list(DUES)
    assert choices(parameters["sort"]) == list(SORTS)
    assert choices(parameters["order"]) == list(ORDERS)
    assert choices(parameters["priority"]) == list(fields.PRIORITIES)
    # No default in the schema: `manual` with a list, `created` without (the route decides).
    assert "default" not in parameters["sort"] or parameters["sort"]["default"] is None
