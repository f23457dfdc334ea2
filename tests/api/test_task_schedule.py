"""A task's repeat (``recurrence``) and ``reminders`` on every task route, in both forms:
what is stored and shown (never the service's internal series start), what ``null`` and
leaving them out mean, a 422 naming the field in the service's words for every bad value,
and what completing a repeating task does (``GET /api/tasks/{id}/history``)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    FORMS,
    Account,
    assert_field_error,
    create_task,
    list_tasks,
    prefix,
    set_time_zone,
)
from todo_app.tasks import fields, queries

MONTHLY = {"rule": "FREQ=MONTHLY", "from_completion": False}
WEEKLY = {"rule": "FREQ=WEEKLY", "from_completion": False}
DUE = "2030-06-03"  # a Monday, far enough ahead that "today" never catches up with it


def _url(form: str, account: Account, task_id: object = "") -> str:
    base = f"{prefix(form, account.id)}/tasks"
    return f"{base}/{task_id}" if task_id else base


def _messages(response: Any, field: str) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"][1] == field]


def _minutes(*values: int) -> list[dict[str, int]]:
    return [{"minutes_before": m} for m in values]


def _day(offset: int, zone: str = "UTC") -> str:
    return (fields.today_in(zone) + timedelta(days=offset)).isoformat()


# --- stored and shown -------------------------------------------------------------------


def test_a_new_task_has_no_repeat_and_no_reminders(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    assert (task["recurrence"], task["reminders"]) == (None, [])


@pytest.mark.parametrize("form", FORMS)
def test_create_stores_the_repeat_and_the_reminders(
    client: TestClient, alice: Account, form: str
) -> None:
    response = client.post(
        _url(form, alice),
        json={
            "title": "Pay rent",
            "due_date": DUE,
            "due_time": "09:00",
            "recurrence": {"rule": " freq=monthly;bymonthday=-1 "},
            "reminders": _minutes(60, 0, 60, 1440),
        },
        headers=alice.headers,
    )
    assert response.status_code == 201, response.text
    task = response.json()
    # Normalised as the service stores it; from_completion defaults to false.
    assert task["recurrence"] == {"rule": "FREQ=MONTHLY;BYMONTHDAY=-1", "from_completion": False}
    assert task["reminders"] == _minutes(0, 60, 1440)  # sorted, the repeat dropped
    assert client.get(_url(form, alice, task["id"]), headers=alice.headers).json() == {
        **task,
        "subtasks": [],
    }
    assert list_tasks(client, alice)["items"] == [task]


def test_the_series_start_stays_inside_the_service(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date=DUE, recurrence=MONTHLY)
    stored = queries.get_task(alice.id, uuid.UUID(task["id"]))
    assert stored.recurrence is not None and stored.recurrence["start"] == DUE
    assert task["recurrence"] == MONTHLY
    # Sent back, the internal field is refused like any unknown field.
    response = client.patch(
        f"/api/tasks/{task['id']}",
        json={"recurrence": {**MONTHLY, "start": "2020-01-01"}},
        headers=alice.headers,
    )
    assert _messages(response, "recurrence") == ["Unknown repeat field: start"]


def test_every_bang_is_from_completion(client: TestClient, alice: Account) -> None:
    every3 = {"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True}
    assert create_task(client, alice, due_date=DUE, recurrence=every3)["recurrence"] == every3


@pytest.mark.parametrize("form", FORMS)
def test_patch_sets_and_null_clears_them(client: TestClient, alice: Account, form: str) -> None:
    task = create_task(client, alice, due_date=DUE, due_time="08:00")
    url = _url(form, alice, task["id"])
    set_both = {"recurrence": WEEKLY, "reminders": _minutes(15)}
    response = client.patch(url, json=set_both, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["recurrence"], response.json()["reminders"]) == (WEEKLY, _minutes(15))
    assert response.json()["version"] == 2
    cleared = client.patch(url, json={"recurrence": None, "reminders": None}, headers=alice.headers)
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["recurrence"], cleared.json()["reminders"]) == (None, [])
    assert (cleared.json()["due_date"], cleared.json()["due_time"]) == (DUE, "08:00")


def test_patch_of_other_fields_keeps_them(client: TestClient, alice: Account) -> None:
    task = create_task(
        client, alice, due_date=DUE, due_time="08:00", recurrence=WEEKLY, reminders=_minutes(5)
    )
    response = client.patch(
        f"/api/tasks/{task['id']}", json={"title": "Renamed"}, headers=alice.headers
    )
    assert (response.json()["recurrence"], response.json()["reminders"]) == (WEEKLY, _minutes(5))


def test_the_same_values_again_make_no_new_version(client: TestClient, alice: Account) -> None:
    task = create_task(
        client, alice, due_date=DUE, due_time="08:00", recurrence=WEEKLY, reminders=_minutes(5)
    )
    again = {"recurrence": {"rule": "freq=weekly"}, "reminders": _minutes(5, 5)}
    response = client.patch(f"/api/tasks/{task['id']}", json=again, headers=alice.headers)
    assert response.json() == task


@pytest.mark.parametrize("form", FORMS)
def test_put_resets_them_when_left_out(client: TestClient, alice: Account, form: str) -> None:
    task = create_task(
        client, alice, due_date=DUE, due_time="08:00", recurrence=WEEKLY, reminders=_minutes(5)
    )
    url = _url(form, alice, task["id"])
    kept_due = {"title": "Still dated", "due_date": DUE, "due_time": "08:00"}
    response = client.put(url, json=kept_due, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["recurrence"], response.json()["reminders"]) == (None, [])


def test_put_sets_them(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    body = {
        "title": "Full",
        "due_date": DUE,
        "due_time": "07:30",
        "recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO,WE", "from_completion": True},
        "reminders": _minutes(30),
    }
    response = client.put(f"/api/tasks/{task['id']}", json=body, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["recurrence"] == body["recurrence"]
    assert response.json()["reminders"] == body["reminders"]


def test_clearing_the_due_clears_what_depends_on_it(client: TestClient, alice: Account) -> None:
    task = create_task(
        client, alice, due_date=DUE, due_time="08:00", recurrence=WEEKLY, reminders=_minutes(5)
    )
    url = f"/api/tasks/{task['id']}"
    untimed = client.patch(url, json={"due_time": None}, headers=alice.headers).json()
    assert (untimed["reminders"], untimed["recurrence"]) == ([], WEEKLY)  # no time: no reminders
    undated = client.patch(url, json={"due_date": None}, headers=alice.headers).json()
    assert (undated["due_date"], undated["recurrence"]) == (None, None)  # no date: no repeat


def test_a_stale_change_shows_the_public_repeat(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date=DUE, recurrence=MONTHLY)
    url = f"/api/tasks/{task['id']}"
    client.patch(url, json={"title": "Moved on"}, headers=alice.headers)
    stale = client.patch(url, json={"recurrence": None, "version": 1}, headers=alice.headers)
    assert stale.status_code == 409
    assert stale.json()["current"]["recurrence"] == MONTHLY
    assert stale.json()["current"]["reminders"] == []


def test_the_longest_and_the_most_reminders_are_accepted(
    client: TestClient, alice: Account
) -> None:
    most = [*range(fields.REMINDERS_MAX - 1), fields.REMINDER_MINUTES_MAX]
    task = create_task(client, alice, due_date=DUE, due_time="09:00", reminders=_minutes(*most))
    assert task["reminders"] == _minutes(*most)


# --- bad values: 422 naming the field, nothing written ------------------------------------

TIMED = {"due_date": DUE, "due_time": "09:00"}
BAD_FIELDS = [
    ({"due_date": DUE, "recurrence": {"rule": "FREQ=SOMETIMES"}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {"rule": "FREQ=HOURLY"}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {"rule": "FREQ=DAILY;BYHOUR=9"}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {"rule": "DTSTART:20260101\nRRULE:FREQ=DAILY"}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {"rule": "FREQ=DAILY;COUNT=2;UNTIL=20301231"}}, "recurrence"),
    (
        {"due_date": DUE, "recurrence": {"rule": "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2"}},
        "recurrence",
    ),
    ({"due_date": DUE, "recurrence": {"rule": ""}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {"rule": 5}}, "recurrence"),
    ({"due_date": DUE, "recurrence": {}}, "recurrence"),
    (
        {"due_date": DUE, "recurrence": {"rule": "FREQ=DAILY", "from_completion": "yes"}},
        "recurrence",
    ),
    ({"due_date": DUE, "recurrence": {"rule": "FREQ=DAILY", "every": 2}}, "recurrence"),
    ({"due_date": DUE, "recurrence": "FREQ=DAILY"}, "recurrence"),
    ({"due_date": None, "recurrence": MONTHLY}, "recurrence"),  # a repeat without a due date
    ({"due_date": DUE, "reminders": _minutes(15)}, "reminders"),  # on an untimed task
    ({"due_date": None, "reminders": _minutes(15)}, "reminders"),
    ({**TIMED, "reminders": _minutes(0, 5, 10, 15, 30, 60)}, "reminders"),  # six
    ({**TIMED, "reminders": _minutes(-1)}, "reminders"),
    ({**TIMED, "reminders": _minutes(fields.REMINDER_MINUTES_MAX + 1)}, "reminders"),
    ({**TIMED, "reminders": [{"minutes_before": 1.5}]}, "reminders"),
    ({**TIMED, "reminders": [{"minutes_before": "15"}]}, "reminders"),
    ({**TIMED, "reminders": [{"minutes_before": True}]}, "reminders"),
    ({**TIMED, "reminders": [{"minutes_before": 15, "by": "email"}]}, "reminders"),
    ({**TIMED, "reminders": [{}]}, "reminders"),
    ({**TIMED, "reminders": 15}, "reminders"),
]
# In a whole body (create, PUT) what is left out has no due at all.
WHOLE_BODY_ONLY = [
    ({"recurrence": MONTHLY}, "recurrence"),
    ({"reminders": _minutes(15)}, "reminders"),
    ({"due_date": DUE, "reminders": _minutes(15)}, "reminders"),
]


@pytest.mark.parametrize(("body", "field"), BAD_FIELDS + WHOLE_BODY_ONLY)
def test_create_refuses_each_bad_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/tasks", json={"title": "ok", **body}, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert _messages(response, field)[0]  # in words
    assert list_tasks(client, alice)["total"] == 0


@pytest.mark.parametrize(
    ("method", "body", "field"),
    [("PUT", body, field) for body, field in BAD_FIELDS + WHOLE_BODY_ONLY]
    + [("PATCH", body, field) for body, field in BAD_FIELDS],
)
def test_updates_refuse_each_bad_field(
    client: TestClient, alice: Account, method: str, body: dict[str, Any], field: str
) -> None:
    task = create_task(client, alice, title="Keep me")
    url = f"/api/tasks/{task['id']}"
    response = client.request(method, url, json={"title": "ok", **body}, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert client.get(url, headers=alice.headers).json() == {**task, "subtasks": []}


@pytest.mark.parametrize(
    ("stored", "body", "field", "message"),
    [
        ({}, {"recurrence": MONTHLY}, "recurrence", "A repeating task needs a due date"),
        (
            {"due_date": DUE},
            {"reminders": _minutes(15)},
            "reminders",
            "Reminders need a due date and time",
        ),
        ({}, {"reminders": _minutes(15)}, "reminders", "Reminders need a due date and time"),
    ],
)
def test_a_patch_is_checked_against_the_stored_due(
    client: TestClient,
    alice: Account,
    stored: dict[str, Any],
    body: dict[str, Any],
    field: str,
    message: str,
) -> None:
    task = create_task(client, alice, **stored)
    url = f"/api/tasks/{task['id']}"
    response = client.patch(url, json=body, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert _messages(response, field) == [message]
    assert client.get(url, headers=alice.headers).json() == {**task, "subtasks": []}


def test_the_rules_are_worded_as_the_service_words_them(client: TestClient, alice: Account) -> None:
    hourly = client.post(
        "/api/tasks",
        json={"title": "t", "due_date": DUE, "recurrence": {"rule": "FREQ=HOURLY"}},
        headers=alice.headers,
    )
    assert _messages(hourly, "recurrence") == [
        "A task repeats at most daily (not HOURLY); the time of day comes from the due time"
    ]
    six = client.post(
        "/api/tasks",
        json={"title": "t", **TIMED, "reminders": _minutes(1, 2, 3, 4, 5, 6)},
        headers=alice.headers,
    )
    assert _messages(six, "reminders") == ["A task can have at most 5 reminders"]
    negative = client.post(
        "/api/tasks", json={"title": "t", **TIMED, "reminders": _minutes(-1)}, headers=alice.headers
    )
    assert _messages(negative, "reminders") == ["minutes_before must be from 0 to 40320 (4 weeks)"]


def test_every_bad_field_is_reported_at_once(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks",
        json={
            "title": "",
            "due_date": DUE,
            "recurrence": {"rule": "FREQ=MINUTELY"},
            "reminders": _minutes(5),
        },
        headers=alice.headers,
    )
    assert response.status_code == 422
    located = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert located == {("body", "title"), ("body", "recurrence"), ("body", "reminders")}


# --- completing a repeating task --------------------------------------------------------


def _complete(client: TestClient, account: Account, url: str) -> dict[str, Any]:
    response = client.patch(url, json={"completed": True}, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("form", FORMS)
def test_completing_twice_moves_the_task_and_records_both(
    client: TestClient, alice: Account, form: str
) -> None:
    set_time_zone(client, alice, "Europe/Berlin")
    task = create_task(client, alice, due_date=DUE, due_time="09:00", recurrence=WEEKLY)
    url = _url(form, alice, task["id"])
    first = _complete(client, alice, url)
    assert first["completed"] is False  # it stays active
    assert (first["due_date"], first["due_time"]) == ("2030-06-10", "09:00")
    assert first["due_at"] == "2030-06-10T07:00:00Z"  # 09:00 in Berlin, summer time
    assert first["recurrence"] == WEEKLY
    assert first["version"] == task["version"] + 1
    second = _complete(client, alice, url)
    assert (second["completed"], second["due_date"]) == (False, "2030-06-17")

    response = client.get(f"{url}/history", headers=alice.headers)
    assert response.status_code == 200, response.text
    history = response.json()
    assert [entry["due_date"] for entry in history] == ["2030-06-10", DUE]  # newest first
    assert set(history[0]) == {"completed_at", "due_date"}
    assert history[0]["completed_at"] >= history[1]["completed_at"]
    assert history[0]["completed_at"].endswith("Z")


def test_a_task_that_does_not_repeat_has_an_empty_history(
    client: TestClient, alice: Account
) -> None:
    task = create_task(client, alice, due_date=DUE)
    url = f"/api/tasks/{task['id']}"
    assert _complete(client, alice, url)["completed"] is True
    assert client.get(f"{url}/history", headers=alice.headers).json() == []


def test_the_toggle_route_moves_a_repeating_task_too(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date=DUE, recurrence=WEEKLY)
    url = f"/api/tasks/{task['id']}"
    toggled = client.patch(f"{url}/complete", headers=alice.headers).json()
    assert (toggled["completed"], toggled["due_date"]) == (False, "2030-06-10")
    assert len(client.get(f"{url}/history", headers=alice.headers).json()) == 1


def test_a_rule_that_runs_out_completes_the_task(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date=DUE, recurrence={"rule": "FREQ=WEEKLY;COUNT=2"})
    url = f"/api/tasks/{task['id']}"
    assert _complete(client, alice, url)["due_date"] == "2030-06-10"
    done = _complete(client, alice, url)
    assert (done["completed"], done["due_date"]) == (True, "2030-06-10")
    assert len(client.get(f"{url}/history", headers=alice.headers).json()) == 2


def test_an_overdue_repeat_jumps_past_today(client: TestClient, alice: Account) -> None:
    before = fields.today_in("UTC")
    task = create_task(client, alice, due_date=_day(-10), recurrence={"rule": "FREQ=DAILY"})
    moved = _complete(client, alice, f"/api/tasks/{task['id']}")
    after = fields.today_in("UTC")
    assert date.fromisoformat(moved["due_date"]) in {
        before + timedelta(days=1),
        after + timedelta(days=1),
    }


def test_from_completion_counts_from_today(client: TestClient, alice: Account) -> None:
    before = fields.today_in("UTC")
    every3 = {"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True}
    task = create_task(client, alice, due_date=DUE, recurrence=every3)
    moved = _complete(client, alice, f"/api/tasks/{task['id']}")
    after = fields.today_in("UTC")
    assert date.fromisoformat(moved["due_date"]) in {
        before + timedelta(days=3),
        after + timedelta(days=3),
    }


@pytest.mark.parametrize("form", FORMS)
def test_another_user_s_history_is_not_found(
    client: TestClient, alice: Account, bob: Account, form: str
) -> None:
    bobs = create_task(client, bob, due_date=DUE, recurrence=WEEKLY)
    _complete(client, bob, f"/api/tasks/{bobs['id']}")
    for task_id in (bobs["id"], uuid.uuid4()):
        response = client.get(f"{_url(form, alice, task_id)}/history", headers=alice.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "Task not found"}
    assert len(client.get(f"/api/tasks/{bobs['id']}/history", headers=bob.headers).json()) == 1


def test_history_needs_a_task_id(client: TestClient, alice: Account) -> None:
    response = client.get("/api/tasks/not-a-uuid/history", headers=alice.headers)
    assert_field_error(response, "path", "task_id")


def test_history_needs_a_token(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, due_date=DUE, recurrence=WEEKLY)
    response = client.get(f"/api/tasks/{task['id']}/history")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
