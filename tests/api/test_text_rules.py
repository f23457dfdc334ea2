"""The service's text rule through the REST API: invisible characters are stripped from what
a person typed (todo_app.text), control characters are a 422 naming the field, in the
service's words."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Account, assert_field_error, create_task

RLO = "\u202e"
ZWSP = "\u200b"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"


def _messages(response: Any, field: str) -> list[str]:
    return [error["msg"] for error in response.json()["detail"] if error["loc"][-1] == field]


# --- stripped -----------------------------------------------------------------------------


def test_a_title_and_description_come_back_without_bidi_controls(
    client: TestClient, alice: Account
) -> None:
    task = create_task(
        client, alice, title=f"a{RLO}b {FAMILY}", description=f"\u2066one{ZWSP}\ntwo\u2069"
    )
    assert task["title"] == f"ab {FAMILY}"  # the emoji keeps its joiners
    assert task["description"] == "one\ntwo"
    changed = client.patch(
        f"/api/tasks/{task['id']}", json={"title": f"{ZWSP}c\u200ed"}, headers=alice.headers
    )
    assert changed.json()["title"] == "cd"
    assert client.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["title"] == "cd"


def test_quick_add_strips_them_from_the_title_the_tags_and_the_list(
    client: TestClient, alice: Account
) -> None:
    text = f"Pay{RLO} rent #ho{ZWSP}me +Bi{ZWSP}lls"
    response = client.post("/api/tasks", json={"text": text}, headers=alice.headers)
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["title"] == "Pay rent"
    assert task["tags"] == ["home"]
    lists = client.get("/api/lists", headers=alice.headers).json()
    assert [(item["id"], item["name"]) for item in lists] == [(task["list_id"], "Bills")]


def test_a_list_name_of_only_invisible_characters_is_empty(
    client: TestClient, alice: Account
) -> None:
    response = client.post("/api/lists", json={"name": ZWSP + RLO}, headers=alice.headers)
    assert_field_error(response, "body", "name")
    assert _messages(response, "name") == ["Enter a name for the list"]
    made = client.post("/api/lists", json={"name": f"Wo{RLO}rk"}, headers=alice.headers)
    assert made.json()["name"] == "Work"
    # Stored as "Work": the look-alike is the same name, not a second list.
    again = client.post("/api/lists", json={"name": f"W{ZWSP}ork"}, headers=alice.headers)
    assert again.status_code == 409


def test_the_account_name_is_stripped_at_sign_up_and_on_change(
    client: TestClient, alice: Account
) -> None:
    signed = client.post(
        "/api/auth/sign-up",
        json={"email": "ann@example.com", "password": PASSWORD, "name": f"A{RLO}nn{ZWSP}"},
    )
    assert signed.json()["user"]["name"] == "Ann"
    changed = client.patch("/api/account", json={"name": f"Al{ZWSP}ice"}, headers=alice.headers)
    assert changed.json()["name"] == "Alice"


# --- refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"title": "bell\x07"}, "title", "Title must not contain control characters"),
        (
            {"title": "ok", "description": "esc\x1b[2J"},
            "description",
            "Description must not contain control characters",
        ),
        ({"title": "ok", "tags": ["a\x00b"]}, "tags", "A tag must not contain control characters"),
    ],
)
def test_control_characters_are_a_422_in_the_service_s_words(
    client: TestClient, alice: Account, body: dict[str, Any], field: str, message: str
) -> None:
    response = client.post("/api/tasks", json=body, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert _messages(response, field) == [message]
    assert client.get("/api/tasks", headers=alice.headers).json()["total"] == 0


def test_an_email_with_a_zero_width_space_is_not_another_address(
    client: TestClient, alice: Account
) -> None:
    response = client.post(
        "/api/auth/sign-up", json={"email": f"ali{ZWSP}ce@example.com", "password": PASSWORD}
    )
    assert_field_error(response, "body", "email")
    sign_in = client.post(
        "/api/auth/sign-in", json={"email": f"ali{ZWSP}ce@example.com", "password": PASSWORD}
    )
    assert sign_in.status_code == 401
