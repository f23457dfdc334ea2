"""POST /api/auth/password-reset and /confirm, with the mail read from a real SMTP server."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Account, assert_field_error
from tests.mailbox import Mailbox
from todo_app.auth import reset

NEW_PASSWORD = "a brand new passphrase"


def _ask(client: TestClient, email: str) -> tuple[int, dict]:
    response = client.post("/api/auth/password-reset", json={"email": email})
    return response.status_code, response.json()


def test_the_answer_is_the_same_for_a_known_and_an_unknown_email(
    client: TestClient, alice: Account, mailbox: Mailbox
) -> None:
    known = _ask(client, alice.email)
    unknown = _ask(client, "nobody@example.com")
    assert known == unknown == (202, {"detail": reset.SENT})
    assert mailbox.quiet_for(0.3) == 1
    assert mailbox.messages[0]["To"] == alice.email


def test_the_link_sets_the_password_once_and_ends_every_session(
    client: TestClient, alice: Account, mailbox: Mailbox
) -> None:
    _ask(client, alice.email)
    _, token = mailbox.link()
    confirmed = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert confirmed.status_code == 204, confirmed.text
    assert client.get("/api/auth/session", headers=alice.headers).status_code == 401
    old = client.post("/api/auth/sign-in", json={"email": alice.email, "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/auth/sign-in", json={"email": alice.email, "password": NEW_PASSWORD})
    assert new.status_code == 200
    again = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "another one here"}
    )
    assert_field_error(again, "body", "token")
    assert again.json()["detail"][0]["msg"] == reset.INVALID_LINK


def test_a_weak_password_is_a_field_error_without_the_password_in_the_reply(
    client: TestClient, alice: Account, mailbox: Mailbox
) -> None:
    _ask(client, alice.email)
    _, token = mailbox.link()
    weak = client.post(
        "/api/auth/password-reset/confirm", json={"token": token, "password": "short"}
    )
    assert_field_error(weak, "body", "password")
    assert "short" not in weak.text.replace("too short", "")


def test_a_malformed_email_is_a_field_error(client: TestClient) -> None:
    assert_field_error(
        client.post("/api/auth/password-reset", json={"email": "no at sign"}), "body", "email"
    )


def test_too_many_requests_for_one_email_get_429_with_retry_after(
    client: TestClient, alice: Account, mailbox: Mailbox
) -> None:
    for _ in range(reset.REQUESTS_PER_EMAIL.limit):
        assert _ask(client, alice.email)[0] == 202
    throttled = client.post("/api/auth/password-reset", json={"email": alice.email})
    assert throttled.status_code == 429
    assert int(throttled.headers["Retry-After"]) > 0


def test_the_routes_are_documented(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"202", "422", "429"} <= set(paths["/api/auth/password-reset"]["post"]["responses"])
    assert "204" in paths["/api/auth/password-reset/confirm"]["post"]["responses"]
