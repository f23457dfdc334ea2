"""The /api/tasks routes: what each does, optimistic concurrency, and a 422 (never a 500)
for every kind of bad input, with nothing written."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Account, assert_field_error, create_task


def _list(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    response = client.get("/api/tasks", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _titles(page: dict[str, Any]) -> list[str]:
    return [task["title"] for task in page["items"]]


# --- create -------------------------------------------------------------------------------


def test_create_returns_the_stored_task(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks", json={"title": "  Buy milk  ", "description": "2 l"}, headers=alice.headers
    )
    assert response.status_code == 201
    task = response.json()
    assert task["title"] == "Buy milk"
    assert task["description"] == "2 l"
    assert task["completed"] is False
    assert task["version"] == 1
    assert task["created_at"] == task["updated_at"]
    assert response.headers["location"] == f"/api/tasks/{task['id']}"
    assert client.get(response.headers["location"], headers=alice.headers).json() == {
        **task,
        "subtasks": [],
    }


def test_create_accepts_the_longest_title_and_description(
    client: TestClient, alice: Account
) -> None:
    task = create_task(client, alice, title="t" * 200, description="d" * 2000)
    assert len(task["title"]) == 200
    assert len(task["description"]) == 2000


def test_create_with_the_same_id_is_idempotent(client: TestClient, alice: Account) -> None:
    task_id = str(uuid.uuid4())
    first = client.post("/api/tasks", json={"id": task_id, "title": "Once"}, headers=alice.headers)
    again = client.post(
        "/api/tasks", json={"id": task_id, "title": "Twice?"}, headers=alice.headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == task_id
    assert again.json() == first.json()
    assert _list(client, alice)["total"] == 1


# --- read ---------------------------------------------------------------------------------


def test_get_returns_one_task(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Read me")
    response = client.get(f"/api/tasks/{task['id']}", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {**task, "subtasks": []}


def test_get_an_unknown_id_is_404(client: TestClient, alice: Account) -> None:
    response = client.get(f"/api/tasks/{uuid.uuid4()}", headers=alice.headers)
    assert response.status_code == 404
    assert response.json() == {"detail": "Task not found"}


def test_list_filters_searches_and_pages(client: TestClient, alice: Account) -> None:
    for title in ["Buy milk", "Walk dog", "buy BREAD", "Call mum"]:
        create_task(client, alice, title=title)
    milk = create_task(client, alice, title="Milk again", description="from the farm")
    client.patch(f"/api/tasks/{milk['id']}/complete", headers=alice.headers)

    everything = _list(client, alice)
    assert everything["total"] == 5
    assert _titles(everything)[0] == "Milk again"  # newest first
    assert _titles(_list(client, alice, status="completed")) == ["Milk again"]
    assert _list(client, alice, status="active")["total"] == 4
    assert sorted(_titles(_list(client, alice, q="BUY"))) == ["Buy milk", "buy BREAD"]
    assert _titles(_list(client, alice, q="farm")) == ["Milk again"]  # description too
    assert _list(client, alice, q="100%")["total"] == 0  # % is literal, not a wildcard
    page = _list(client, alice, limit=2, offset=2)
    assert page["total"] == 5
    assert _titles(page) == _titles(everything)[2:4]


def test_list_is_empty_for_a_new_user(client: TestClient, alice: Account) -> None:
    assert _list(client, alice) == {"items": [], "total": 0}


# --- update -------------------------------------------------------------------------------


def test_put_replaces_every_field(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Old", description="notes")
    client.patch(f"/api/tasks/{task['id']}/complete", headers=alice.headers)
    response = client.put(f"/api/tasks/{task['id']}", json={"title": "New"}, headers=alice.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["completed"]) == ("New", "", False)
    assert body["version"] == 3
    assert body["created_at"] == task["created_at"]
    assert body["updated_at"] > task["updated_at"]


def test_patch_changes_only_the_fields_sent(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Old", description="notes")
    response = client.patch(
        f"/api/tasks/{task['id']}", json={"completed": True}, headers=alice.headers
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["completed"]) == ("Old", "notes", True)
    assert body["version"] == 2


def test_an_empty_patch_changes_nothing(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    response = client.patch(f"/api/tasks/{task['id']}", json={}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == task


def test_toggle_flips_completed_each_time(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    url = f"/api/tasks/{task['id']}/complete"
    assert client.patch(url, headers=alice.headers).json()["completed"] is True
    second = client.patch(url, json={}, headers=alice.headers)
    assert second.status_code == 200
    assert second.json()["completed"] is False
    assert second.json()["version"] == 3


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PUT", "", {"title": "Mine"}),
        ("PATCH", "", {"title": "Mine"}),
        ("PATCH", "/complete", {}),
    ],
)
def test_a_stale_version_is_409_with_the_stored_task(
    client: TestClient, alice: Account, method: str, suffix: str, body: dict[str, Any]
) -> None:
    task = create_task(client, alice, title="Shared")
    url = f"/api/tasks/{task['id']}{suffix}"
    moved_on = client.patch(
        f"/api/tasks/{task['id']}", json={"title": "Theirs"}, headers=alice.headers
    )
    assert moved_on.json()["version"] == 2

    stale = client.request(method, url, json={**body, "version": 1}, headers=alice.headers)
    assert stale.status_code == 409
    assert stale.json()["detail"] == "This task was changed elsewhere"
    assert stale.json()["current"] == moved_on.json()

    fresh = client.request(method, url, json={**body, "version": 2}, headers=alice.headers)
    assert fresh.status_code == 200
    assert fresh.json()["version"] == 3


# --- delete -------------------------------------------------------------------------------


def test_delete_removes_the_task(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    url = f"/api/tasks/{task['id']}"
    response = client.delete(url, headers=alice.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, headers=alice.headers).status_code == 404
    assert client.delete(url, headers=alice.headers).status_code == 404


# --- bad input: 422, with the field named, and nothing written -----------------------------

BAD_BODIES = [
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "t" * 201}, "title"),
    ({"title": 5}, "title"),
    ({"title": None}, "title"),
    ({"title": "ok\x00"}, "title"),  # refused by the service, answered in the same shape
    ({"title": "ok", "description": "d" * 2001}, "description"),
    ({"title": "ok", "description": ["list"]}, "description"),
    ({"title": "ok", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), [*BAD_BODIES, ({"title": "ok", "id": "nope"}, "id")])
def test_create_refuses_each_invalid_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    assert_field_error(client.post("/api/tasks", json=body, headers=alice.headers), "body", field)
    assert _list(client, alice)["total"] == 0


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize(
    ("body", "field"),
    [
        *BAD_BODIES,
        ({"title": "ok", "completed": "yes"}, "completed"),
        ({"title": "ok", "completed": 1}, "completed"),
        ({"title": "ok", "version": 0}, "version"),
        ({"title": "ok", "version": "2"}, "version"),
    ],
)
def test_updates_refuse_each_invalid_field(
    client: TestClient, alice: Account, method: str, body: dict[str, Any], field: str
) -> None:
    task = create_task(client, alice, title="Keep me")
    url = f"/api/tasks/{task['id']}"
    assert_field_error(client.request(method, url, json=body, headers=alice.headers), "body", field)
    assert client.get(url, headers=alice.headers).json() == {**task, "subtasks": []}


def test_put_needs_a_title(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    response = client.put(
        f"/api/tasks/{task['id']}", json={"completed": True}, headers=alice.headers
    )
    assert_field_error(response, "body", "title")


def test_toggle_refuses_unknown_fields(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice)
    response = client.patch(
        f"/api/tasks/{task['id']}/complete", json={"completed": True}, headers=alice.headers
    )
    assert_field_error(response, "body", "completed")


@pytest.mark.parametrize(("method", "suffix"), [("POST", ""), ("PUT", "/{id}"), ("PATCH", "/{id}")])
@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b'"a string"', b""])
def test_a_body_that_is_not_a_json_object_is_422(
    client: TestClient, alice: Account, method: str, suffix: str, content: bytes
) -> None:
    task = create_task(client, alice)
    response = client.request(
        method,
        "/api/tasks" + suffix.format(id=task["id"]),
        content=content,
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "done"}, "status"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"q": "q" * 2001}, "q"),
    ],
)
def test_list_refuses_each_invalid_parameter(
    client: TestClient, alice: Account, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/tasks", params=params, headers=alice.headers)
    assert_field_error(response, "query", field)


def test_list_accepts_the_page_size_limits(client: TestClient, alice: Account) -> None:
    create_task(client, alice)
    assert _list(client, alice, limit=1)["total"] == 1
    assert _list(client, alice, limit=100, offset=0)["total"] == 1


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PUT", ""), ("PATCH", ""), ("PATCH", "/complete"), ("DELETE", "")],
)
@pytest.mark.parametrize("task_id", ["not-a-uuid", "123", "00000000-0000-0000-0000"])
def test_a_task_id_that_is_not_a_uuid_is_422(
    client: TestClient, alice: Account, method: str, suffix: str, task_id: str
) -> None:
    response = client.request(
        method, f"/api/tasks/{task_id}{suffix}", json={"title": "x"}, headers=alice.headers
    )
    assert_field_error(response, "path", "task_id")
