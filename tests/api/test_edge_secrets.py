"""Passwords and tokens never appear in a reply or a log line, whatever is wrong with the
request; a 422 keeps the field, the reason and the limit, and drops what was sent."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Account

SECRET = "Secret-Pass-7Qz"  # distinctive, so a grep finds any copy


def _bad_sign_ins() -> list[str]:
    """Raw JSON bodies that are wrong in every way a sign-in or sign-up can be."""
    email = '"email": "alice@example.com"'
    return [
        f'{{{email}, "password": "{SECRET}\\udc00"}}',  # lone surrogate
        f'{{{email}, "password": "\\udc00{SECRET}"}}',
        f'{{{email}, "password": "{SECRET[:3]}"}}',  # too short
        f'{{{email}, "password": "{SECRET * 100}"}}',  # too long
        f'{{{email}, "password": "{SECRET}", "extra": "{SECRET}"}}',  # unknown field
        f'{{{email}, "password": ["{SECRET}"]}}',  # wrong type
        f'{{{email}, "password": "{SECRET}", "name": 1e999}}',
        f'{{"email": "not-an-email", "password": "{SECRET}"}}',
        f'{{{email}, "password": "{SECRET}"',  # broken JSON
        f'{{{email}, "password": "{SECRET}"}}',  # wrong password (alice has another)
    ]


@pytest.mark.parametrize("route", ["/api/auth/sign-in", "/api/auth/sign-up"])
def test_no_password_in_replies_or_logs(
    client: TestClient, alice: Account, caplog: pytest.LogCaptureFixture, route: str
) -> None:
    caplog.set_level(logging.DEBUG)
    for body in _bad_sign_ins():
        response = client.post(
            route, content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert 400 <= response.status_code < 500, (body, response.text)
        assert SECRET[:8] not in response.text, (body, response.text)
        assert "Secret" not in json.dumps(response.json())
    logged = caplog.text + "".join(str(record.__dict__) for record in caplog.records)
    assert SECRET[:8] not in logged
    assert "udc00" not in logged


def test_no_token_in_replies_or_logs(
    client: TestClient, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bad = alice.token[:-4] + "AAAA"
    requests = [
        ("GET", "/api/tasks", {"Authorization": f"Bearer {bad}"}, None),
        ("GET", "/api/tasks?offset=-1", alice.headers, None),
        ("POST", "/api/tasks", alice.headers, f'{{"title": "{alice.token}", "x": 1}}'),
        ("POST", "/api/tasks", alice.headers, f'{{"title": "{alice.token}\\udc00"}}'),
        ("PATCH", "/api/account", alice.headers, f'{{"time_zone": "{alice.token}"}}'),
    ]
    for method, url, headers, body in requests:
        response = client.request(
            method,
            url,
            content=body.encode() if body else None,
            headers={**headers, "Content-Type": "application/json"},
        )
        assert 400 <= response.status_code < 500, response.text
        assert alice.token not in response.text
        assert bad not in response.text
    assert alice.token not in caplog.text
    assert bad not in caplog.text


def test_a_422_keeps_the_field_the_reason_and_the_limit(client: TestClient) -> None:
    response = client.post(
        "/api/auth/sign-up",
        json={"email": "new@example.com", "password": SECRET * 100},
    )
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "password"]
    assert error["msg"]
    assert "input" not in error
    assert SECRET not in response.text


def test_a_query_limit_comes_with_its_bound(client: TestClient, alice: Account) -> None:
    response = client.get("/api/tasks", params={"limit": 10**9}, headers=alice.headers)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "limit"]
    assert set(error["ctx"]) == {"le"}
    assert "input" not in error
    assert str(10**9) not in response.text
