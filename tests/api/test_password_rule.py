"""The password rule through the REST API: a guessable password is a 422 naming the field,
in the service's words, and makes no account."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import assert_field_error
from todo_app.auth import credentials


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", credentials.PASSWORD_COMMON),
        ("12345678", credentials.PASSWORD_COMMON),
        ("Password1234", credentials.PASSWORD_COMMON),
        ("        ", credentials.PASSWORD_BLANK),
        ("aaaaaaaaaaaa", credentials.PASSWORD_REPEATED),
    ],
)
def test_sign_up_refuses_a_guessable_password_by_field(
    client: TestClient, password: str, message: str
) -> None:
    response = client.post(
        "/api/auth/sign-up", json={"email": "dev@example.com", "password": password}
    )
    assert_field_error(response, "body", "password")
    assert response.json()["detail"][0]["msg"] == message
    sign_in = client.post(
        "/api/auth/sign-in", json={"email": "dev@example.com", "password": password}
    )
    assert sign_in.status_code == 401  # no account was made


def test_sign_up_takes_a_strong_password(client: TestClient) -> None:
    response = client.post(
        "/api/auth/sign-up", json={"email": "dev@example.com", "password": "plum tractor 1897"}
    )
    assert response.status_code == 201, response.text
