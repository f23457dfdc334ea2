"""/api/lists and /api/tags: what each route does, a 422 naming each bad field, and another
user's list as a 404 on every route (the same answer as for a list that does not exist)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import (
    Account,
    assert_field_error,
    create_list,
    create_task,
    list_tasks,
)
from todo_app.models import LIST_NAME_MAX


def _lists(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get("/api/lists", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _names(client: TestClient, account: Account) -> list[str]:
    return [item["name"] for item in _lists(client, account)]


def _tags(client: TestClient, account: Account) -> list[dict[str, Any]]:
    response = client.get("/api/tags", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- lists --------------------------------------------------------------------------------


def test_a_new_user_has_no_lists(client: TestClient, alice: Account) -> None:
    assert _lists(client, alice) == []


def test_create_returns_the_list_at_the_end(client: TestClient, alice: Account) -> None:
    response = client.post("/api/lists", json={"name": "  Home   chores "}, headers=alice.headers)
    assert response.status_code == 201, response.text
    home = response.json()
    assert home == {
        "id": home["id"],
        "name": "Home chores",
        "position": 0,
        "open_count": 0,
        "add_on_top": True,
        "role": "owner",
        "members": [],
    }
    assert response.headers["location"] == f"/api/lists/{home['id']}"
    work = create_list(client, alice, "Work")
    assert work["position"] == 1
    assert _lists(client, alice) == [home, work]


@pytest.mark.parametrize("name", ["Work", "WORK", " work "])
def test_a_taken_name_is_409_whatever_its_case(
    client: TestClient, alice: Account, name: str
) -> None:
    create_list(client, alice, "Work")
    response = client.post("/api/lists", json={"name": name}, headers=alice.headers)
    assert response.status_code == 409
    assert response.json() == {"detail": "You already have a list with this name"}
    assert _names(client, alice) == ["Work"]


def test_names_are_unique_per_user_only(client: TestClient, alice: Account, bob: Account) -> None:
    create_list(client, alice, "Work")
    create_list(client, bob, "Work")
    assert _names(client, alice) == _names(client, bob) == ["Work"]


def test_open_count_counts_the_list_s_active_tasks(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice, "Work")
    for n in range(3):
        create_task(client, alice, title=f"w{n}", list_id=work["id"])
    done = create_task(client, alice, title="done", list_id=work["id"])
    client.patch(f"/api/tasks/{done['id']}/complete", headers=alice.headers)
    create_task(client, alice, title="inbox")
    assert _lists(client, alice)[0]["open_count"] == 3


def test_patch_renames(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice, "Work")
    response = client.patch(
        f"/api/lists/{work['id']}", json={"name": "Office"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    assert response.json() == {**work, "name": "Office"}
    # A change of case of its own name is no clash.
    recased = client.patch(
        f"/api/lists/{work['id']}", json={"name": "OFFICE"}, headers=alice.headers
    )
    assert recased.json()["name"] == "OFFICE"


def test_patch_to_another_list_s_name_is_409(client: TestClient, alice: Account) -> None:
    create_list(client, alice, "Home")
    work = create_list(client, alice, "Work")
    response = client.patch(
        f"/api/lists/{work['id']}", json={"name": "home"}, headers=alice.headers
    )
    assert response.status_code == 409
    assert _names(client, alice) == ["Home", "Work"]


def test_patch_moves_and_the_others_make_room(client: TestClient, alice: Account) -> None:
    a, b, c = (create_list(client, alice, name) for name in "ABC")
    moved = client.patch(f"/api/lists/{c['id']}", json={"position": 0}, headers=alice.headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["position"] == 0
    assert [(x["name"], x["position"]) for x in _lists(client, alice)] == [
        ("C", 0),
        ("A", 1),
        ("B", 2),
    ]
    client.patch(f"/api/lists/{c['id']}", json={"position": 99}, headers=alice.headers)
    assert _names(client, alice) == ["A", "B", "C"]
    both = client.patch(
        f"/api/lists/{a['id']}", json={"name": "First", "position": 1}, headers=alice.headers
    )
    assert both.json()["name"] == "First"
    assert _names(client, alice) == ["B", "First", "C"]
    assert b["id"] == _lists(client, alice)[0]["id"]


def test_a_list_adds_on_top_until_told_to_add_at_the_bottom(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    assert work["add_on_top"] is True
    first = create_task(client, alice, title="first", list_id=work["id"])
    second = create_task(client, alice, title="second", list_id=work["id"])
    titles = [t["title"] for t in list_tasks(client, alice, list_id=work["id"])["items"]]
    assert titles == ["second", "first"]  # manual order, the newest on top
    changed = client.patch(
        f"/api/lists/{work['id']}", json={"add_on_top": False}, headers=alice.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["add_on_top"] is False
    create_task(client, alice, title="third", list_id=work["id"])
    titles = [t["title"] for t in list_tasks(client, alice, list_id=work["id"])["items"]]
    assert titles == ["second", "first", "third"]
    assert second["position"] < first["position"]
    # The Inbox keeps its own setting: still on top there.
    create_task(client, alice, title="in a")
    create_task(client, alice, title="in b")
    inbox = [t["title"] for t in list_tasks(client, alice, list_id="inbox")["items"]]
    assert inbox == ["in b", "in a"]


def test_the_inbox_remembers_where_new_tasks_go(client: TestClient, alice: Account) -> None:
    assert client.get("/api/lists/inbox", headers=alice.headers).json() == {"add_on_top": True}
    create_task(client, alice, title="a")
    create_task(client, alice, title="b")
    changed = client.patch("/api/lists/inbox", json={"add_on_top": False}, headers=alice.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"add_on_top": False}
    create_task(client, alice, title="c")
    titles = [t["title"] for t in list_tasks(client, alice, list_id="inbox")["items"]]
    assert titles == ["b", "a", "c"]
    refused = client.patch("/api/lists/inbox", json={"add_on_top": "no"}, headers=alice.headers)
    assert_field_error(refused, "body", "add_on_top")


def test_an_empty_patch_changes_nothing(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice, "Work")
    response = client.patch(f"/api/lists/{work['id']}", json={}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == work


def test_delete_moves_the_list_s_tasks_to_the_inbox(client: TestClient, alice: Account) -> None:
    work, home = create_list(client, alice, "Work"), create_list(client, alice, "Home")
    in_work = [create_task(client, alice, title=f"w{n}", list_id=work["id"]) for n in range(2)]
    in_home = create_task(client, alice, title="h", list_id=home["id"])
    response = client.delete(f"/api/lists/{work['id']}", headers=alice.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert _names(client, alice) == ["Home"]
    for task in in_work:
        moved = client.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()
        assert moved["list_id"] is None
        assert moved["version"] == task["version"] + 1
        assert moved["title"] == task["title"]
    inbox = list_tasks(client, alice, list_id="inbox")
    assert {t["id"] for t in inbox["items"]} == {t["id"] for t in in_work}
    assert client.get(f"/api/tasks/{in_home['id']}", headers=alice.headers).json() == {
        **in_home,
        "subtasks": [],
    }
    assert client.delete(f"/api/lists/{work['id']}", headers=alice.headers).status_code == 404


def test_a_deleted_list_cannot_take_tasks(client: TestClient, alice: Account) -> None:
    work = create_list(client, alice, "Work")
    client.delete(f"/api/lists/{work['id']}", headers=alice.headers)
    response = client.post(
        "/api/tasks", json={"title": "late", "list_id": work["id"]}, headers=alice.headers
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "List not found"}


BAD_NAMES = [
    ({"name": ""}, "name"),
    ({"name": "   "}, "name"),
    ({"name": "n" * (LIST_NAME_MAX + 1)}, "name"),
    ({"name": None}, "name"),
    ({"name": 5}, "name"),
    ({"name": "tab\x00"}, "name"),
    ({"name": "ok", "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), [*BAD_NAMES, ({}, "name")])
def test_create_refuses_each_bad_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    assert_field_error(client.post("/api/lists", json=body, headers=alice.headers), "body", field)
    assert _lists(client, alice) == []


def test_the_longest_name_is_accepted(client: TestClient, alice: Account) -> None:
    assert create_list(client, alice, "n" * LIST_NAME_MAX)["name"] == "n" * LIST_NAME_MAX


@pytest.mark.parametrize(
    ("body", "field"),
    [
        *BAD_NAMES,
        ({"position": -1}, "position"),
        ({"position": "1"}, "position"),
        ({"position": 1.5}, "position"),
        ({"position": True}, "position"),
        ({"position": None}, "position"),
        ({"open_count": 3}, "open_count"),
        ({"add_on_top": "yes"}, "add_on_top"),
        ({"add_on_top": None}, "add_on_top"),
    ],
)
def test_patch_refuses_each_bad_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    work = create_list(client, alice, "Work")
    response = client.patch(f"/api/lists/{work['id']}", json=body, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert _lists(client, alice) == [work]


@pytest.mark.parametrize(("method", "body"), [("PATCH", {"name": "x"}), ("DELETE", None)])
def test_a_list_id_that_is_not_a_uuid_is_422(
    client: TestClient, alice: Account, method: str, body: dict[str, Any] | None
) -> None:
    response = client.request(method, "/api/lists/work", json=body, headers=alice.headers)
    assert_field_error(response, "path", "list_id")


# --- isolation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "body"),
    [("PATCH", {"name": "Mine now"}), ("PATCH", {"position": 0}), ("DELETE", None)],
)
def test_another_user_s_list_is_404(
    client: TestClient, alice: Account, bob: Account, method: str, body: dict[str, Any] | None
) -> None:
    create_list(client, alice, "Alice's")
    bobs = create_list(client, bob, "Bob's")
    bobs_task = create_task(client, bob, list_id=bobs["id"])
    for list_id in (bobs["id"], uuid.uuid4()):
        response = client.request(method, f"/api/lists/{list_id}", json=body, headers=alice.headers)
        assert response.status_code == 404, response.text
        assert response.json() == {"detail": "List not found"}
    assert _lists(client, bob) == [{**bobs, "open_count": 1}]
    assert client.get(f"/api/tasks/{bobs_task['id']}", headers=bob.headers).json() == {
        **bobs_task,
        "subtasks": [],
    }
    assert _names(client, alice) == ["Alice's"]


def test_lists_hold_only_the_caller_s(client: TestClient, alice: Account, bob: Account) -> None:
    create_list(client, alice, "Mine")
    create_list(client, bob, "His")
    create_list(client, bob, "Also his")
    assert _names(client, alice) == ["Mine"]
    assert _names(client, bob) == ["His", "Also his"]


# --- tags ---------------------------------------------------------------------------------


def test_a_new_user_has_no_tags(client: TestClient, alice: Account) -> None:
    assert _tags(client, alice) == []


def test_tags_are_counted_and_sorted_by_name(client: TestClient, alice: Account) -> None:
    create_task(client, alice, tags=["work", "Home"])
    create_task(client, alice, tags=["home"])  # the same tag, in another case
    create_task(client, alice, tags=["errands"])
    create_task(client, alice)
    assert _tags(client, alice) == [
        {"name": "errands", "count": 1},
        {"name": "Home", "count": 2},
        {"name": "work", "count": 1},
    ]


def test_a_tag_no_task_carries_any_more_is_not_listed(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, tags=["once"])
    create_task(client, alice, tags=["kept"])
    client.patch(f"/api/tasks/{task['id']}", json={"tags": None}, headers=alice.headers)
    assert _tags(client, alice) == [{"name": "kept", "count": 1}]
    kept = list_tasks(client, alice, tag="kept")["items"][0]
    client.delete(f"/api/tasks/{kept['id']}", headers=alice.headers)
    assert _tags(client, alice) == []


def test_tags_hold_only_the_caller_s(client: TestClient, alice: Account, bob: Account) -> None:
    create_task(client, alice, tags=["home"])
    create_task(client, bob, tags=["home", "secret"])
    create_task(client, bob, tags=["home"])
    assert _tags(client, alice) == [{"name": "home", "count": 1}]
    assert _tags(client, bob) == [{"name": "home", "count": 2}, {"name": "secret", "count": 1}]
