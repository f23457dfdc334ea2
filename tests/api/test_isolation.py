"""One user never sees or touches another's tasks: lists (with every filter) hold only the
caller's tasks, and another user's task id is a 404 on every route, in both forms, leaving
the task as it was (OWASP ASVS 8.2.2: "not found", never "forbidden", so ids leak nothing)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import FORMS, ITEM_ROUTES, Account, create_task, prefix

SHARED_WORD = "groceries"


def _fill(client: TestClient, account: Account) -> set[str]:
    """Two active and one completed task, all matching SHARED_WORD; returns their ids."""
    ids = set()
    for n in range(3):
        task = create_task(client, account, title=f"{account.email} {SHARED_WORD} {n}")
        ids.add(task["id"])
        if n == 0:
            client.patch(f"/api/tasks/{task['id']}/complete", headers=account.headers)
    return ids


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, 3),
        ({"status": "active"}, 2),
        ({"status": "completed"}, 1),
        ({"q": SHARED_WORD}, 3),
        ({"q": SHARED_WORD.upper(), "status": "active"}, 2),
        ({"q": "example.com", "limit": 100}, 3),
    ],
)
def test_lists_hold_only_the_caller_s_tasks(
    client: TestClient,
    alice: Account,
    bob: Account,
    form: str,
    params: dict[str, Any],
    expected: int,
) -> None:
    owned = {alice.email: _fill(client, alice), bob.email: _fill(client, bob)}
    for account in (alice, bob):
        response = client.get(
            f"{prefix(form, account.id)}/tasks", params=params, headers=account.headers
        )
        page = response.json()
        ids = {task["id"] for task in page["items"]}
        assert len(ids) == page["total"] == expected
        assert ids <= owned[account.email]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("method", "path", "body"), ITEM_ROUTES)
def test_another_user_s_task_is_404_on_every_route(
    client: TestClient,
    alice: Account,
    bob: Account,
    form: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    bobs = create_task(client, bob, title="Bob's secret")
    url = prefix(form, alice.id) + path.format(task_id=bobs["id"])
    response = client.request(method, url, json=body, headers=alice.headers)
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": "Task not found"}
    # The same answer as for an id that does not exist at all: nothing leaks.
    assert client.get(f"/api/tasks/{bobs['id']}", headers=bob.headers).json() == {
        **bobs,
        "subtasks": [],
    }


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("body", [{"title": "Mine now"}, {"text": "Mine now !high"}])
def test_creating_with_another_user_s_task_id_is_404(
    client: TestClient, alice: Account, bob: Account, form: str, body: dict[str, Any]
) -> None:
    """Not 409: "already in use" would tell Alice the id exists. The same answer as for
    reading, changing or deleting that task, in both forms of the routes."""
    bobs = create_task(client, bob, title="Bob's")
    response = client.post(
        prefix(form, alice.id) + "/tasks", json={"id": bobs["id"], **body}, headers=alice.headers
    )
    assert response.status_code == 404, response.text
    assert response.json() == {"detail": "Task not found"}
    assert client.get(f"/api/tasks/{bobs['id']}", headers=bob.headers).json() == {
        **bobs,
        "subtasks": [],
    }
    assert client.get("/api/tasks", headers=alice.headers).json()["total"] == 0
