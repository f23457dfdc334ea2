"""The organising fields of a task on every task route (list, priority, tags, due date and
time), in both forms: what is stored, what ``null`` means, and a 422 naming the field, in the
service's words, for every bad value, with nothing written."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
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
)
from todo_app.api.schemas_tasks import TaskCreate, TaskPatch, TaskReplace
from todo_app.models import TAG_MAX, TITLE_MAX
from todo_app.tasks import fields
from todo_app.tasks.fields import UPDATABLE_FIELDS

# 212 characters as sent; the service keeps "a b" (the page accepts it the same way).
RAW_TITLE = "  a" + " \n\t " * 51 + "b    "
assert len(RAW_TITLE) == 212


def _url(form: str, account: Account, task_id: object = "") -> str:
    base = f"{prefix(form, account.id)}/tasks"
    return f"{base}/{task_id}" if task_id else base


def _messages(response: Any, field: str) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"][1] == field]


# --- the fields on each route -----------------------------------------------------------


def test_a_new_task_has_the_default_fields(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Plain")
    assert {k: task[k] for k in ("list_id", "priority", "tags", "due_date", "due_time")} == {
        "list_id": None,
        "priority": "none",
        "tags": [],
        "due_date": None,
        "due_time": None,
    }
    assert task["due_at"] is None


@pytest.mark.parametrize("form", FORMS)
def test_create_stores_every_field(client: TestClient, alice: Account, form: str) -> None:
    work = create_list(client, alice, "Work")
    response = client.post(
        _url(form, alice),
        json={
            "title": "Ship it",
            "list_id": work["id"],
            "priority": "high",
            "tags": ["#work", "Urgent", "urgent", "WORK", "q3"],
            "due_date": "2026-12-05",
            "due_time": "09:30",
        },
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["list_id"] == work["id"]
    assert task["priority"] == "high"
    assert task["tags"] == ["work", "Urgent", "q3"]  # in order, duplicates dropped, no "#"
    assert (task["due_date"], task["due_time"]) == ("2026-12-05", "09:30")
    assert task["due_at"] == "2026-12-05T09:30:00Z"  # the user's zone is UTC by default
    assert client.get(_url(form, alice, task["id"]), headers=alice.headers).json() == {
        **task,
        "subtasks": [],
    }


def test_due_at_is_the_instant_in_the_user_s_zone(client: TestClient, alice: Account) -> None:
    set_time_zone(client, alice, "America/New_York")
    winter = create_task(client, alice, due_date="2026-01-15", due_time="09:00")
    summer = create_task(client, alice, due_date="2026-07-15", due_time="09:00")
    assert winter["due_at"] == "2026-01-15T14:00:00Z"
    assert summer["due_at"] == "2026-07-15T13:00:00Z"  # daylight saving time
    assert create_task(client, alice, due_date="2026-07-15")["due_at"] is None


def test_a_new_zone_keeps_the_wall_clock_and_moves_due_at(
    client: TestClient, alice: Account
) -> None:
    task = create_task(client, alice, due_date="2026-03-02", due_time="09:00")
    set_time_zone(client, alice, "Asia/Tokyo")
    moved = client.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()
    assert (moved["due_date"], moved["due_time"]) == ("2026-03-02", "09:00")
    assert moved["due_at"] == "2026-03-02T00:00:00Z"
    assert moved["version"] == task["version"] + 1


@pytest.mark.parametrize("form", FORMS)
def test_patch_changes_only_the_new_fields_sent(
    client: TestClient, alice: Account, form: str
) -> None:
    task = create_task(client, alice, title="Keep", description="notes", tags=["a"])
    url = _url(form, alice, task["id"])
    response = client.patch(
        url, json={"priority": "low", "due_date": "2026-05-01"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["title"], body["description"], body["tags"]) == ("Keep", "notes", ["a"])
    assert (body["priority"], body["due_date"], body["due_time"]) == ("low", "2026-05-01", None)
    assert body["version"] == 2


@pytest.mark.parametrize("form", FORMS)
def test_patch_with_null_clears_each_optional_field(
    client: TestClient, alice: Account, form: str
) -> None:
    home = create_list(client, alice, "Home")
    task = create_task(
        client,
        alice,
        description="notes",
        list_id=home["id"],
        priority="medium",
        tags=["x", "y"],
        due_date="2026-05-01",
        due_time="08:00",
    )
    url = _url(form, alice, task["id"])
    cleared = {
        "description": None,
        "list_id": None,
        "priority": None,
        "tags": None,
        "due_time": None,
    }
    response = client.patch(url, json=cleared, headers=alice.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["description"] == ""
    assert body["list_id"] is None
    assert body["priority"] == "none"
    assert body["tags"] == []
    assert (body["due_date"], body["due_time"], body["due_at"]) == ("2026-05-01", None, None)
    assert body["version"] == 2


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_a_null_description_clears_it(client: TestClient, alice: Account, method: str) -> None:
    task = create_task(client, alice, title="Noted", description="a note")
    response = client.request(
        method,
        f"/api/tasks/{task['id']}",
        json={"title": "Noted", "description": None},
        headers=alice.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == ""
    assert response.json()["title"] == "Noted"


def test_a_null_description_on_create_is_no_description(client: TestClient, alice: Account) -> None:
    assert create_task(client, alice, description=None)["description"] == ""


def test_a_null_due_date_clears_the_due_time_too(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date="2026-05-01", due_time="08:00")
    response = client.patch(
        f"/api/tasks/{task['id']}", json={"due_date": None}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert (response.json()["due_date"], response.json()["due_time"]) == (None, None)
    assert response.json()["due_at"] is None


def test_a_time_can_be_added_to_a_dated_task(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date="2026-05-01")
    response = client.patch(
        f"/api/tasks/{task['id']}", json={"due_time": "18:45"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["due_at"] == "2026-05-01T18:45:00Z"


@pytest.mark.parametrize("form", FORMS)
def test_put_resets_every_field_left_out(client: TestClient, alice: Account, form: str) -> None:
    work = create_list(client, alice)
    task = create_task(
        client,
        alice,
        description="d",
        list_id=work["id"],
        priority="high",
        tags=["t"],
        due_date="2026-05-01",
        due_time="08:00",
    )
    response = client.put(
        _url(form, alice, task["id"]), json={"title": "Bare"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["description"], body["list_id"], body["priority"], body["tags"]) == (
        "",
        None,
        "none",
        [],
    )
    assert (body["due_date"], body["due_time"], body["due_at"]) == (None, None, None)


def test_put_sets_every_field_sent(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice)
    task = create_task(client, alice)
    body = {
        "title": "Full",
        "description": "all of it",
        "completed": True,
        "list_id": work["id"],
        "priority": "medium",
        "tags": ["one", "two"],
        "due_date": "2027-01-31",
        "due_time": "23:59",
        "version": 1,
    }
    response = client.put(f"/api/tasks/{task['id']}", json=body, headers=alice.headers)
    assert response.status_code == 200, response.text
    stored = response.json()
    assert {k: stored[k] for k in body if k != "version"} == {
        k: v for k, v in body.items() if k != "version"
    }
    assert stored["version"] == 2


def test_the_same_values_again_make_no_new_version(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, tags=["a", "b"], due_date="2026-05-01", due_time="08:00")
    again = {"tags": ["a", "#b"], "due_date": "2026-05-01", "due_time": "08:00"}
    response = client.patch(f"/api/tasks/{task['id']}", json=again, headers=alice.headers)
    assert response.json() == task


def test_the_same_priority_again_makes_no_new_version(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, priority="low")
    response = client.patch(
        f"/api/tasks/{task['id']}", json={"priority": "low"}, headers=alice.headers
    )
    assert response.json() == task


# --- titles: the API accepts what the page accepts, in the same words ---------------------


def test_a_title_that_normalises_short_enough_is_accepted(
    client: TestClient, alice: Account
) -> None:
    created = create_task(client, alice, title=RAW_TITLE)
    assert created["title"] == fields.validate_title(RAW_TITLE) == "a b"
    patched = client.patch(
        f"/api/tasks/{created['id']}",
        json={"title": RAW_TITLE.replace("b", "B")},
        headers=alice.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["title"] == "a B"
    replaced = client.put(
        f"/api/tasks/{created['id']}", json={"title": RAW_TITLE}, headers=alice.headers
    )
    assert replaced.json()["title"] == "a b"


def test_title_errors_are_worded_as_the_service_words_them(
    client: TestClient, alice: Account
) -> None:
    too_long = client.post("/api/tasks", json={"title": "t" * 201}, headers=alice.headers)
    assert _messages(too_long, "title") == [fields.TITLE_TOO_LONG.format(n=TITLE_MAX + 1)]
    empty = client.post("/api/tasks", json={"title": " \n "}, headers=alice.headers)
    assert _messages(empty, "title") == [fields.TITLE_EMPTY]


# --- bad values: 422 naming the field, nothing written ------------------------------------

BAD_FIELDS = [
    ({"priority": "urgent"}, "priority"),
    ({"priority": 3}, "priority"),
    ({"priority": "HIGH"}, "priority"),
    ({"tags": ["t" * (TAG_MAX + 1)]}, "tags"),
    ({"tags": [f"tag{n}" for n in range(fields.TAGS_MAX + 1)]}, "tags"),
    ({"tags": ["two words"]}, "tags"),
    ({"tags": ["a#b"]}, "tags"),
    ({"tags": [""]}, "tags"),
    ({"tags": "home"}, "tags"),
    ({"tags": [5]}, "tags"),
    ({"due_date": "2026-02-30"}, "due_date"),
    ({"due_date": "2026-2-3"}, "due_date"),
    ({"due_date": "2026-02-03T10:00"}, "due_date"),
    ({"due_date": 20260203}, "due_date"),
    ({"due_date": "2026-05-01", "due_time": "25:00"}, "due_time"),
    ({"due_date": "2026-05-01", "due_time": "9:30"}, "due_time"),
    ({"due_date": "2026-05-01", "due_time": "09:30:00"}, "due_time"),
    ({"due_date": "2026-05-01", "due_time": 930}, "due_time"),
    ({"due_date": None, "due_time": "09:30"}, "due_time"),  # a time without a date
    ({"list_id": "inbox"}, "list_id"),
    ({"list_id": 7}, "list_id"),
    ({"due_at": "2026-05-01T09:30:00Z"}, "due_at"),  # read-only
]


# In a whole body (create, PUT) a time sent without a date has no date at all.
WHOLE_BODY_ONLY = [({"due_time": "09:30"}, "due_time")]


@pytest.mark.parametrize(("body", "field"), BAD_FIELDS + WHOLE_BODY_ONLY)
def test_create_refuses_each_bad_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/tasks", json={"title": "ok", **body}, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert list_tasks(client, alice)["total"] == 0


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [("PUT", body, field) for body, field in BAD_FIELDS + WHOLE_BODY_ONLY]
    + [("PATCH", body, field) for body, field in BAD_FIELDS],
)
def test_updates_refuse_each_bad_field(
    client: TestClient, alice: Account, method: str, body: dict[str, Any], field: str
) -> None:
    task = create_task(client, alice, title="Keep me", tags=["kept"])
    url = f"/api/tasks/{task['id']}"
    response = client.request(method, url, json={"title": "ok", **body}, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert client.get(url, headers=alice.headers).json() == {**task, "subtasks": []}


def test_a_time_alone_on_an_undated_task_is_refused(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    url = f"/api/tasks/{task['id']}"
    response = client.patch(url, json={"due_time": "10:00"}, headers=alice.headers)
    assert_field_error(response, "body", "due_time")
    assert _messages(response, "due_time") == ["A due time needs a due date"]
    assert client.get(url, headers=alice.headers).json() == {**task, "subtasks": []}


def test_every_bad_field_is_reported_at_once(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks",
        json={
            "title": "",
            "priority": "p1",
            "tags": ["a b"],
            "due_date": "2026-13-01",
            "due_time": "24:00",
        },
        headers=alice.headers,
    )
    assert response.status_code == 422
    located = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert located == {
        ("body", "title"),
        ("body", "priority"),
        ("body", "tags"),
        ("body", "due_date"),
        ("body", "due_time"),
    }


def test_a_tag_message_may_hold_braces(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks", json={"title": "ok", "tags": ["{x} y"]}, headers=alice.headers
    )
    assert _messages(response, "tags") == ['Tag "{x} y" must not contain spaces or #']


def test_the_longest_tags_and_the_most_tags_are_accepted(
    client: TestClient, alice: Account
) -> None:
    many = [f"t{n}" for n in range(fields.TAGS_MAX)]
    assert create_task(client, alice, tags=many)["tags"] == many
    # 21 names that are 20 tags once duplicates are dropped are fine too.
    assert len(create_task(client, alice, tags=[*many, "T0"])["tags"]) == fields.TAGS_MAX
    longest = "x" * TAG_MAX
    assert create_task(client, alice, tags=[f"#{longest}"])["tags"] == [longest]


def test_the_day_s_edges_are_accepted(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date="2028-02-29", due_time="23:59")
    assert (task["due_date"], task["due_time"]) == ("2028-02-29", "23:59")
    assert create_task(client, alice, due_date="2026-01-01", due_time="00:00")["due_time"] == (
        "00:00"
    )


# --- lists as a task's list_id ------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_another_user_s_list_is_not_found_as_a_list_id(
    client: TestClient, alice: Account, bob: Account, form: str, method: str
) -> None:
    bobs_list = create_list(client, bob, "Bob's")
    task = create_task(client, alice, title="Mine")
    for list_id in (bobs_list["id"], str(uuid.uuid4())):
        body = {"title": "Mine", "list_id": list_id}
        url = _url(form, alice) if method == "POST" else _url(form, alice, task["id"])
        response = client.request(method, url, json=body, headers=alice.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "List not found"}
    assert list_tasks(client, alice)["items"] == [task]
    assert list_tasks(client, bob)["total"] == 0


def test_a_task_moves_between_lists_and_back_to_the_inbox(
    client: TestClient, alice: Account
) -> None:
    home, work = create_list(client, alice, "Home"), create_list(client, alice, "Work")
    task = create_task(client, alice, list_id=home["id"])
    url = f"/api/tasks/{task['id']}"
    moved = client.patch(url, json={"list_id": work["id"]}, headers=alice.headers).json()
    assert moved["list_id"] == work["id"]
    inbox = client.patch(url, json={"list_id": None}, headers=alice.headers).json()
    assert inbox["list_id"] is None


# --- the schemas follow the service -------------------------------------------------------


def test_the_update_bodies_take_the_service_s_updatable_fields() -> None:
    for model in (TaskPatch, TaskReplace):
        assert set(model.model_fields) == {*UPDATABLE_FIELDS, "version"}
    assert set(TaskCreate.model_fields) == {*UPDATABLE_FIELDS, "id"} - {"completed"}


def test_request_fields_hold_what_the_service_stores() -> None:
    body = TaskPatch.model_validate(
        {
            "title": " Two\nlines ",
            "priority": None,
            "tags": ["#a", "A", "b"],
            "due_date": "2026-05-01",
            "due_time": "07:05",
            "description": None,
        }
    )
    assert body.given() == {
        "title": "Two lines",
        "description": "",
        "priority": "none",
        "tags": ("a", "b"),
        "due_date": date(2026, 5, 1),
        "due_time": time(7, 5),
    }


def test_due_at_is_utc_even_for_far_zones(client: TestClient, alice: Account) -> None:
    set_time_zone(client, alice, "Pacific/Kiritimati")  # UTC+14
    task = create_task(client, alice, due_date="2026-05-01", due_time="06:00")
    due_at = datetime.fromisoformat(task["due_at"])
    assert due_at == datetime(2026, 4, 30, 16, 0, tzinfo=UTC)


def test_a_due_at_the_end_of_the_calendar_is_no_server_error(
    client: TestClient, alice: Account
) -> None:
    set_time_zone(client, alice, "America/Los_Angeles")
    response = client.post(
        "/api/tasks",
        json={"title": "late", "due_date": "9999-12-31", "due_time": "23:59"},
        headers=alice.headers,
    )
    assert response.status_code in (201, 422)


def test_a_stale_change_shows_the_stored_fields(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, tags=["t"], due_date="2026-05-01", due_time="09:30")
    url = f"/api/tasks/{task['id']}"
    moved_on = client.patch(url, json={"priority": "high"}, headers=alice.headers).json()
    stale = client.patch(url, json={"tags": [], "version": 1}, headers=alice.headers)
    assert stale.status_code == 409
    assert stale.json()["current"] == moved_on
    assert stale.json()["current"]["due_time"] == "09:30"
