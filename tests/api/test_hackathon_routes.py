"""The Hackathon II form, /api/{user_id}/tasks...: the same handlers as /api/tasks, reachable
only with the caller's own id (403 otherwise, 422 for an id that is not a UUID)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import TASK_ROUTES, Account, assert_field_error, create_task


def _url(account_id: uuid.UUID | str, path: str, task_id: object = "") -> str:
    return f"/api/{account_id}{path.format(task_id=task_id)}"


def test_every_route_works_on_the_caller_s_own_tasks(client: TestClient, alice: Account) -> None:
    base = f"/api/{alice.id}/tasks"
    created = client.post(base, json={"title": "Hack"}, headers=alice.headers)
    assert created.status_code == 201
    task = created.json()
    assert created.headers["location"] == f"{base}/{task['id']}"
    item = f"{base}/{task['id']}"

    assert client.get(base, headers=alice.headers).json() == {"items": [task], "total": 1}
    assert client.get(item, headers=alice.headers).json() == {**task, "subtasks": []}
    assert client.put(item, json={"title": "Hack 2"}, headers=alice.headers).json()["title"] == (
        "Hack 2"
    )
    patched = client.patch(item, json={"description": "d"}, headers=alice.headers).json()
    assert patched["description"] == "d"
    assert client.patch(f"{item}/complete", headers=alice.headers).json()["completed"] is True
    assert client.delete(item, headers=alice.headers).status_code == 204
    assert client.get(item, headers=alice.headers).status_code == 404


def test_both_forms_see_the_same_tasks(client: TestClient, alice: Account) -> None:
    plain = create_task(client, alice, title="Plain")
    hack = client.post(
        f"/api/{alice.id}/tasks", json={"title": "Hack"}, headers=alice.headers
    ).json()
    assert client.get(f"/api/{alice.id}/tasks/{plain['id']}", headers=alice.headers).json() == {
        **plain,
        "subtasks": [],
    }
    assert client.get(f"/api/tasks/{hack['id']}", headers=alice.headers).json() == {
        **hack,
        "subtasks": [],
    }
    hack_list = client.get(f"/api/{alice.id}/tasks", headers=alice.headers).json()
    assert hack_list == client.get("/api/tasks", headers=alice.headers).json()


def test_the_same_validation_applies(client: TestClient, alice: Account) -> None:
    response = client.post(f"/api/{alice.id}/tasks", json={"title": " "}, headers=alice.headers)
    assert_field_error(response, "body", "title")
    response = client.get(f"/api/{alice.id}/tasks", params={"limit": 0}, headers=alice.headers)
    assert_field_error(response, "query", "limit")


@pytest.mark.parametrize(("method", "path", "body"), TASK_ROUTES)
def test_another_user_s_id_is_403_on_every_route(
    client: TestClient,
    alice: Account,
    bob: Account,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    bobs = create_task(client, bob, title="Bob's")
    for user_id in (bob.id, uuid.uuid4()):
        response = client.request(
            method, _url(user_id, path, bobs["id"]), json=body, headers=alice.headers
        )
        assert response.status_code == 403, response.text
        assert response.json() == {"detail": "This path names another user; use your own user id"}
    assert client.get(f"/api/tasks/{bobs['id']}", headers=bob.headers).json() == {
        **bobs,
        "subtasks": [],
    }
    assert client.get("/api/tasks", headers=bob.headers).json()["total"] == 1


@pytest.mark.parametrize(("method", "path", "body"), TASK_ROUTES)
def test_a_user_id_that_is_not_a_uuid_is_422(
    client: TestClient, alice: Account, method: str, path: str, body: dict[str, Any] | None
) -> None:
    response = client.request(
        method, _url("me", path, uuid.uuid4()), json=body, headers=alice.headers
    )
    assert_field_error(response, "path", "user_id")


def test_a_bad_token_is_401_before_the_user_id_is_checked(
    client: TestClient, alice: Account, bob: Account
) -> None:
    response = client.get(f"/api/{bob.id}/tasks")
    assert response.status_code == 401
