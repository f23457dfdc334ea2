"""The bell over the REST API: ``GET /api/notifications`` (newest first, only the caller's),
``POST /api/notifications/{id}/read`` (404 for another user's) and
``POST /api/notifications/read-all``. Notifications come from reminders claimed by the
scheduler's own function (``reminders.service.claim_due``) or are inserted as rows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Account, assert_field_error, create_task
from todo_app.db import session_scope
from todo_app.models import Notification
from todo_app.reminders import service as reminder_service
from todo_app.tasks import fields

NOTIFICATION_FIELDS = {"id", "kind", "invitation_id", "task_id", "title", "fire_at", "read", "late"}


def _timed_task(
    client: TestClient, account: Account, *, minutes: int = 15, **extra: Any
) -> dict[str, Any]:
    """A task due in two days at 09:00 (UTC, the default zone) with one reminder."""
    due = (fields.today_in("UTC") + timedelta(days=2)).isoformat()
    return create_task(
        client,
        account,
        due_date=due,
        due_time="09:00",
        reminders=[{"minutes_before": minutes}],
        **extra,
    )


def _fire_at(task: dict[str, Any]) -> datetime:
    minutes = task["reminders"][0]["minutes_before"]
    return datetime.fromisoformat(task["due_at"]) - timedelta(minutes=minutes)


def _insert(account: Account, title: str, created_at: datetime, **extra: Any) -> uuid.UUID:
    row = Notification(
        owner_id=account.id, title=title, fire_at=created_at, created_at=created_at, **extra
    )
    with session_scope() as session:
        session.add(row)
        session.flush()
        return row.id


def _list(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get("/api/notifications", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_no_notifications_is_an_empty_list(client: TestClient, alice: Account) -> None:
    assert _list(client, alice) == []


def test_a_due_reminder_is_listed_once(client: TestClient, alice: Account) -> None:
    task = _timed_task(client, alice, title="Call the plumber")
    fire_at = _fire_at(task)
    assert reminder_service.claim_due(now=fire_at - timedelta(seconds=1)) == []
    assert len(reminder_service.claim_due(now=fire_at + timedelta(seconds=1))) == 1
    assert reminder_service.claim_due(now=fire_at + timedelta(minutes=5)) == []  # once
    (notification,) = _list(client, alice)
    assert set(notification) == NOTIFICATION_FIELDS
    assert notification["task_id"] == task["id"]
    assert notification["title"] == "Call the plumber"
    assert datetime.fromisoformat(notification["fire_at"]) == fire_at
    assert (notification["read"], notification["late"]) == (False, False)
    uuid.UUID(notification["id"])


def test_a_reminder_delivered_long_after_its_time_is_late(
    client: TestClient, alice: Account
) -> None:
    task = _timed_task(client, alice)
    reminder_service.claim_due(now=_fire_at(task) + timedelta(hours=2))
    assert _list(client, alice)[0]["late"] is True


def test_a_repeating_task_re_arms_its_reminder(client: TestClient, alice: Account) -> None:
    task = _timed_task(client, alice, minutes=0, recurrence={"rule": "FREQ=WEEKLY"})
    moved = client.patch(
        f"/api/tasks/{task['id']}", json={"completed": True}, headers=alice.headers
    ).json()
    assert moved["completed"] is False
    # The first occurrence's reminder went with it; the next one's fires on its own due.
    assert reminder_service.claim_due(now=_fire_at(task) + timedelta(seconds=1)) == []
    assert len(reminder_service.claim_due(now=_fire_at(moved) + timedelta(seconds=1))) == 1
    (notification,) = _list(client, alice)
    assert datetime.fromisoformat(notification["fire_at"]) == _fire_at(moved)


def test_newest_first(client: TestClient, alice: Account) -> None:
    start = datetime(2026, 5, 1, 9, tzinfo=UTC)
    for n in (1, 3, 2):
        _insert(alice, f"Task {n}", start + timedelta(minutes=n))
    assert [item["title"] for item in _list(client, alice)] == ["Task 3", "Task 2", "Task 1"]


def test_only_the_caller_s_notifications_are_listed(
    client: TestClient, alice: Account, bob: Account
) -> None:
    now = datetime.now(UTC)
    _insert(alice, "Alice's", now)
    _insert(bob, "Bob's", now)
    assert [item["title"] for item in _list(client, alice)] == ["Alice's"]
    assert [item["title"] for item in _list(client, bob)] == ["Bob's"]


def test_a_deleted_tasks_notifications_go_with_it(client: TestClient, alice: Account) -> None:
    """Their titles are the task's contents (issue 15, finding 13)."""
    task = _timed_task(client, alice, title="Gone soon")
    reminder_service.claim_due(now=_fire_at(task) + timedelta(seconds=1))
    assert [n["title"] for n in _list(client, alice)] == ["Gone soon"]
    assert client.delete(f"/api/tasks/{task['id']}", headers=alice.headers).status_code == 204
    assert _list(client, alice) == []


def test_marking_one_read(client: TestClient, alice: Account) -> None:
    now = datetime.now(UTC)
    first = _insert(alice, "First", now)
    _insert(alice, "Second", now + timedelta(seconds=1))
    response = client.post(f"/api/notifications/{first}/read", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["id"] == str(first)
    assert response.json()["read"] is True
    assert set(response.json()) == NOTIFICATION_FIELDS
    assert {item["title"]: item["read"] for item in _list(client, alice)} == {
        "First": True,
        "Second": False,
    }
    assert reminder_service.unread_count(alice.id) == 1
    # Again: the same answer, nothing else changes.
    again = client.post(f"/api/notifications/{first}/read", headers=alice.headers)
    assert again.json() == response.json()


def test_another_user_s_notification_is_not_found(
    client: TestClient, alice: Account, bob: Account
) -> None:
    bobs = _insert(bob, "Bob's", datetime.now(UTC))
    for notification_id in (bobs, uuid.uuid4()):
        response = client.post(f"/api/notifications/{notification_id}/read", headers=alice.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "Notification not found"}
    assert _list(client, bob)[0]["read"] is False


def test_a_notification_id_must_be_a_uuid(client: TestClient, alice: Account) -> None:
    response = client.post("/api/notifications/latest/read", headers=alice.headers)
    assert_field_error(response, "path", "notification_id")


def test_marking_all_read(client: TestClient, alice: Account, bob: Account) -> None:
    now = datetime.now(UTC)
    _insert(alice, "One", now)
    _insert(alice, "Two", now + timedelta(seconds=1))
    _insert(alice, "Seen", now + timedelta(seconds=2), read=True)
    _insert(bob, "Bob's", now)
    response = client.post("/api/notifications/read-all", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"updated": 2}
    assert all(item["read"] for item in _list(client, alice))
    assert client.post("/api/notifications/read-all", headers=alice.headers).json() == {
        "updated": 0
    }
    assert _list(client, bob)[0]["read"] is False


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/notifications"),
        ("POST", "/api/notifications/read-all"),
        ("POST", "/api/notifications/{id}/read"),
    ],
)
def test_the_bell_needs_a_token(client: TestClient, alice: Account, method: str, path: str) -> None:
    mine = _insert(alice, "Mine", datetime.now(UTC))
    response = client.request(method, path.format(id=mine))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert _list(client, alice)[0]["read"] is False
