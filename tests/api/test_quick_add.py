"""Quick add through the REST API: ``POST /api/tasks {"text": ...}`` is read on the server
with the grammar of the page's New task field (``todo_app.quickadd``, through
``tasks.quick_add.create_from_text``), in the user's zone; ``text`` stands alone (with an
optional ``id`` for idempotency), and a refusal names ``text``."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    FORMS,
    Account,
    assert_field_error,
    create_list,
    list_tasks,
    prefix,
    set_time_zone,
)
from todo_app.tasks import fields
from todo_app.tasks.quick_add import QUICK_ADD_MAX

RENT = "Pay rent tomorrow 9am !high #home every month"


def _quick_add(
    client: TestClient, account: Account, text: str, form: str = "plain", **extra: Any
) -> Any:
    return client.post(
        f"{prefix(form, account.id)}/tasks", json={"text": text, **extra}, headers=account.headers
    )


def _messages(response: Any, field: str) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"][1] == field]


@pytest.mark.parametrize("form", FORMS)
def test_a_sentence_becomes_a_task(client: TestClient, alice: Account, form: str) -> None:
    zone = "Pacific/Auckland"  # far from UTC, so "tomorrow" is the user's, not the server's
    set_time_zone(client, alice, zone)
    before = fields.today_in(zone)
    response = _quick_add(client, alice, RENT, form)
    after = fields.today_in(zone)
    assert response.status_code == 201, response.text
    task = response.json()
    assert response.headers["location"] == f"{prefix(form, alice.id)}/tasks/{task['id']}"
    assert task["title"] == "Pay rent"
    assert task["priority"] == "high"
    assert task["tags"] == ["home"]
    assert task["recurrence"] == {"rule": "FREQ=MONTHLY", "from_completion": False}
    assert task["due_time"] == "09:00"
    tomorrow = {before + timedelta(days=1), after + timedelta(days=1)}
    due = datetime.fromisoformat(task["due_date"]).date()
    assert due in tomorrow
    expected_at = datetime.combine(due, time(9), tzinfo=ZoneInfo(zone))
    assert datetime.fromisoformat(task["due_at"]) == expected_at
    assert (task["completed"], task["description"], task["list_id"]) == (False, "", None)
    assert task["reminders"] == []
    assert list_tasks(client, alice)["items"] == [task]


def test_a_list_and_a_reminder_are_read_too(client: TestClient, alice: Account) -> None:
    health = create_list(client, alice, "Health")
    response = _quick_add(client, alice, "Dentist dec 5 14:00 remind 1 hour +health")
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["title"] == "Dentist"
    assert (task["due_time"], task["reminders"]) == ("14:00", [{"minutes_before": 60}])
    assert task["due_date"].endswith("-12-05")
    assert task["list_id"] == health["id"]  # the caller's list, whatever the case


def test_a_new_list_name_makes_the_list(client: TestClient, alice: Account) -> None:
    task = _quick_add(client, alice, "Buy paint +Renovation").json()
    lists = client.get("/api/lists", headers=alice.headers).json()
    assert [(item["id"], item["name"]) for item in lists] == [(task["list_id"], "Renovation")]


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("The 5th Wave", "The 5th Wave"),
        ("check money", "check money"),
        ('Read "tomorrow never dies" !low', "Read tomorrow never dies"),
        ("Fix bug #123", "Fix bug #123"),
    ],
)
def test_words_that_are_not_tokens_stay_in_the_title(
    client: TestClient, alice: Account, text: str, title: str
) -> None:
    task = _quick_add(client, alice, text).json()
    assert task["title"] == title
    assert task["due_date"] is None


def test_the_same_id_again_returns_the_same_task(client: TestClient, alice: Account) -> None:
    task_id = str(uuid.uuid4())
    first = _quick_add(client, alice, RENT, id=task_id)
    again = _quick_add(client, alice, "Something else entirely", id=task_id)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == task_id
    assert again.json() == first.json()
    assert list_tasks(client, alice)["total"] == 1


def test_another_user_s_task_id_is_not_found(
    client: TestClient, alice: Account, bob: Account
) -> None:
    bobs = _quick_add(client, bob, "Bob's errand").json()
    response = _quick_add(client, alice, "Mine now", id=bobs["id"])
    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}
    assert list_tasks(client, alice)["total"] == 0


@pytest.mark.parametrize(
    "other", [{"title": "Pay rent"}, {"priority": "high"}, {"due_date": None}, {"tags": []}]
)
def test_text_excludes_the_other_fields(
    client: TestClient, alice: Account, other: dict[str, Any]
) -> None:
    response = _quick_add(client, alice, RENT, **other)
    (field,) = other
    assert_field_error(response, "body", field)
    assert "not both" in _messages(response, field)[0]
    assert list_tasks(client, alice)["total"] == 0


def test_an_unknown_field_beside_text_is_refused(client: TestClient, alice: Account) -> None:
    response = _quick_add(client, alice, RENT, colour="red")
    assert_field_error(response, "body", "colour")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x" * (QUICK_ADD_MAX + 1), f"Quick add text must be at most {QUICK_ADD_MAX} characters"),
        ("tomorrow 9am !high", fields.TITLE_EMPTY),  # nothing left for a title
        ("t" * (fields.TITLE_MAX + 1), fields.TITLE_TOO_LONG.format(n=fields.TITLE_MAX + 1)),
        ("   ", fields.TITLE_EMPTY),
        ("Call mum remind 15m", "Reminders need a due date and time"),
    ],
)
def test_a_refusal_names_the_text(
    client: TestClient, alice: Account, text: str, message: str
) -> None:
    response = _quick_add(client, alice, text)
    assert_field_error(response, "body", "text")
    assert _messages(response, "text") == [message]
    assert list_tasks(client, alice)["total"] == 0


@pytest.mark.parametrize("text", [None, 5, ["Pay rent"], {"title": "x"}])
def test_text_must_be_text(client: TestClient, alice: Account, text: Any) -> None:
    response = _quick_add(client, alice, text)
    assert_field_error(response, "body", "text")


def test_the_longest_text_is_accepted(client: TestClient, alice: Account) -> None:
    text = "Plan the trip tomorrow".ljust(QUICK_ADD_MAX)
    response = _quick_add(client, alice, text)
    assert response.status_code == 201, response.text
    assert response.json()["title"] == "Plan the trip"


def test_a_title_body_still_works_beside_quick_add(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks", json={"title": "tomorrow !high #home"}, headers=alice.headers
    )
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["title"] == "tomorrow !high #home"  # a title is never parsed
    assert (task["priority"], task["tags"], task["due_date"]) == ("none", [], None)


def test_field_errors_of_a_title_body_are_located_as_before(
    client: TestClient, alice: Account
) -> None:
    response = client.post(
        "/api/tasks", json={"title": " ", "priority": "urgent"}, headers=alice.headers
    )
    located = {tuple(error["loc"]) for error in response.json()["detail"]}
    assert located == {("body", "title"), ("body", "priority")}


def test_quick_add_needs_a_token(client: TestClient, alice: Account) -> None:
    response = client.post("/api/tasks", json={"text": RENT})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert list_tasks(client, alice)["total"] == 0
