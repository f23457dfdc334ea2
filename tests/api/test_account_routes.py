"""PATCH /api/account (name and time zone), the zone on the session and at sign-up, and a
422 naming each bad field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Account, assert_field_error, create_task, set_time_zone
from todo_app.models import NAME_MAX, TIME_ZONE_MAX


def _user(client: TestClient, account: Account) -> dict[str, Any]:
    response = client.get("/api/auth/session", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()["user"]


def test_a_user_signed_up_through_the_api_is_in_utc(client: TestClient, alice: Account) -> None:
    assert _user(client, alice)["time_zone"] == "UTC"


def test_sign_up_may_name_the_zone(client: TestClient) -> None:
    response = client.post(
        "/api/auth/sign-up",
        json={"email": "kiri@example.com", "password": PASSWORD, "time_zone": "Pacific/Auckland"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["time_zone"] == "Pacific/Auckland"


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "utc ", "x" * (TIME_ZONE_MAX + 1), 5])
def test_sign_up_refuses_an_unknown_zone(client: TestClient, zone: object) -> None:
    response = client.post(
        "/api/auth/sign-up",
        json={"email": "kiri@example.com", "password": PASSWORD, "time_zone": zone},
    )
    assert_field_error(response, "body", "time_zone")


def test_patch_sets_the_time_zone(client: TestClient, alice: Account) -> None:
    user = set_time_zone(client, alice, "America/Los_Angeles")
    assert user["time_zone"] == "America/Los_Angeles"
    assert user["id"] == str(alice.id)
    assert user == _user(client, alice)


def test_patch_sets_the_name_and_keeps_the_rest(client: TestClient, alice: Account) -> None:
    set_time_zone(client, alice, "Europe/Paris")
    response = client.patch("/api/account", json={"name": "  Alice L. "}, headers=alice.headers)
    assert response.status_code == 200, response.text
    user = response.json()
    assert (user["name"], user["time_zone"], user["email"]) == (
        "Alice L.",
        "Europe/Paris",
        alice.email,
    )


def test_patch_sets_both_at_once(client: TestClient, alice: Account) -> None:
    response = client.patch(
        "/api/account", json={"name": "A", "time_zone": "Asia/Kolkata"}, headers=alice.headers
    )
    assert (response.json()["name"], response.json()["time_zone"]) == ("A", "Asia/Kolkata")


def test_an_empty_patch_changes_nothing(client: TestClient, alice: Account) -> None:
    before = _user(client, alice)
    response = client.patch("/api/account", json={}, headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == before


def test_a_new_zone_re_reckons_timed_dues_only(client: TestClient, alice: Account) -> None:
    timed = create_task(client, alice, due_date="2026-06-01", due_time="09:00")
    dated = create_task(client, alice, due_date="2026-06-01")
    set_time_zone(client, alice, "Europe/Berlin")
    after = client.get(f"/api/tasks/{timed['id']}", headers=alice.headers).json()
    assert after["due_time"] == "09:00"
    assert after["due_at"] == "2026-06-01T07:00:00Z"
    assert client.get(f"/api/tasks/{dated['id']}", headers=alice.headers).json() == {
        **dated,
        "subtasks": [],
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "europe/berlin"}, "time_zone"),  # spelt as the tz database spells it
        ({"time_zone": ""}, "time_zone"),
        ({"time_zone": None}, "time_zone"),
        ({"time_zone": 1}, "time_zone"),
        ({"name": "n" * (NAME_MAX + 1)}, "name"),
        ({"name": "bell\x07"}, "name"),
        ({"name": None}, "name"),
        ({"email": "new@example.com"}, "email"),
        ({"password": "another password"}, "password"),
    ],
)
def test_patch_refuses_each_bad_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    before = _user(client, alice)
    response = client.patch("/api/account", json=body, headers=alice.headers)
    assert_field_error(response, "body", field)
    assert _user(client, alice) == before


def test_the_zone_message_is_the_service_s(client: TestClient, alice: Account) -> None:
    response = client.patch("/api/account", json={"time_zone": "Nowhere"}, headers=alice.headers)
    assert [error["msg"] for error in response.json()["detail"]] == [
        "Time zone must be an IANA name such as Europe/Berlin"
    ]


def test_each_user_has_their_own_zone(client: TestClient, alice: Account, bob: Account) -> None:
    set_time_zone(client, alice, "Asia/Tokyo")
    assert _user(client, bob)["time_zone"] == "UTC"
