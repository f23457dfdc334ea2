"""Sign-up, sign-in, throttling, sign-out, the current session, and the bearer check that
guards every signed-in route (missing, malformed, expired, revoked and renewed tokens)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import col, update

from tests.api.conftest import (
    FORMS,
    ONE_FORM_ROUTES,
    PASSWORD,
    TASK_ROUTES,
    Account,
    assert_field_error,
    old_token,
    prefix,
    sign_up,
)
from todo_app.auth import service as auth_service
from todo_app.auth import tokens
from todo_app.auth.throttle import PAIR_RULE
from todo_app.db import session_scope
from todo_app.models import AuthSession, utcnow


def _session(client: TestClient, token: str) -> Any:
    return client.get("/api/auth/session", headers={"Authorization": f"Bearer {token}"})


# --- sign-up ------------------------------------------------------------------------------


def test_sign_up_creates_the_account_and_signs_it_in(client: TestClient) -> None:
    response = client.post(
        "/api/auth/sign-up",
        json={"email": "  Ada@Example.com ", "password": PASSWORD, "name": " Ada "},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["name"] == "Ada"
    assert set(body) == {"user", "token", "expires_at"}
    session = _session(client, body["token"])
    assert session.status_code == 200
    assert session.json()["user"]["id"] == body["user"]["id"]


def test_sign_up_with_a_taken_email_and_another_password_is_409_whatever_its_case(
    client: TestClient, alice: Account
) -> None:
    response = client.post(
        "/api/auth/sign-up",
        json={"email": "ALICE@example.com", "password": "not alice's passphrase"},
    )
    assert response.status_code == 409
    assert response.json() == {"detail": auth_service.EMAIL_TAKEN}


def test_sign_up_with_a_taken_email_and_its_password_signs_in(
    client: TestClient, alice: Account
) -> None:
    response = client.post(
        "/api/auth/sign-up", json={"email": "ALICE@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.json()["user"]["id"] == str(alice.id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),  # the service's rule
        ({"email": 5}, "email"),
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"password": "dev@example.com"}, "password"),  # the service's rule: not the email
        ({"name": "n" * 101}, "name"),
        ({"nickname": "Dev"}, "nickname"),
    ],
)
def test_sign_up_refuses_each_invalid_field(
    client: TestClient, changes: dict[str, Any], field: str
) -> None:
    body = {"email": "dev@example.com", "password": PASSWORD, **changes}
    response = client.post("/api/auth/sign-up", json=body)
    assert_field_error(response, "body", field)
    assert (
        client.post(
            "/api/auth/sign-in", json={"email": "dev@example.com", "password": PASSWORD}
        ).status_code
        == 401
    )


def test_sign_up_refuses_a_missing_password(client: TestClient) -> None:
    response = client.post("/api/auth/sign-up", json={"email": "dev@example.com"})
    assert_field_error(response, "body", "password")


# --- sign-in and throttling ---------------------------------------------------------------


def test_sign_in_starts_a_new_session(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/auth/sign-in", json={"email": "Alice@Example.com", "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token != alice.token
    assert tokens.decode_token(token).session_id != tokens.decode_token(alice.token).session_id
    assert _session(client, token).json()["user"]["email"] == "alice@example.com"


def test_sign_in_failure_says_the_same_for_unknown_email_and_wrong_password(
    client: TestClient, alice: Account
) -> None:
    wrong_password = client.post(
        "/api/auth/sign-in", json={"email": alice.email, "password": "not the password"}
    )
    unknown_email = client.post(
        "/api/auth/sign-in", json={"email": "nobody@example.com", "password": PASSWORD}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"detail": "Invalid email or password"}
    assert wrong_password.headers["www-authenticate"] == "Bearer"


def test_the_sixth_failed_sign_in_is_429_with_retry_after(
    client: TestClient, alice: Account, api: FastAPI
) -> None:
    wrong = {"email": alice.email, "password": "not the password"}
    for _ in range(PAIR_RULE.limit):
        assert client.post("/api/auth/sign-in", json=wrong).status_code == 401
    response = client.post("/api/auth/sign-in", json=wrong)
    assert response.status_code == 429
    assert 0 < int(response.headers["retry-after"]) <= PAIR_RULE.window.total_seconds()
    assert "try again" in response.json()["detail"]
    # Even the right password waits from there: the limit is on the account and address, not
    # on wrong guesses; from another address the owner gets in.
    right = {"email": alice.email, "password": PASSWORD}
    assert client.post("/api/auth/sign-in", json=right).status_code == 429
    with TestClient(api, client=("198.51.100.2", 50000)) as elsewhere:
        assert elsewhere.post("/api/auth/sign-in", json=right).status_code == 200


# --- sign-out and the current session -----------------------------------------------------


def test_sign_out_makes_the_token_refused(client: TestClient, alice: Account) -> None:
    assert _session(client, alice.token).status_code == 200
    response = client.post("/api/auth/sign-out", headers=alice.headers)
    assert response.status_code == 204
    assert response.content == b""
    assert _session(client, alice.token).status_code == 401
    assert client.get("/api/tasks", headers=alice.headers).status_code == 401


def test_sign_out_is_idempotent_but_needs_a_token(client: TestClient, alice: Account) -> None:
    assert client.post("/api/auth/sign-out", headers=alice.headers).status_code == 204
    assert client.post("/api/auth/sign-out", headers=alice.headers).status_code == 204
    missing = client.post("/api/auth/sign-out")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"


def test_sign_out_ends_only_that_session(client: TestClient, alice: Account) -> None:
    other = client.post("/api/auth/sign-in", json={"email": alice.email, "password": PASSWORD})
    client.post("/api/auth/sign-out", headers=alice.headers)
    assert _session(client, other.json()["token"]).status_code == 200


def test_session_names_the_user_and_the_token_s_session(client: TestClient, alice: Account) -> None:
    response = _session(client, alice.token)
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {
        "id": str(alice.id),
        "email": alice.email,
        "name": "alice",
        "created_at": body["user"]["created_at"],
        "time_zone": "UTC",
    }
    assert body["session"]["id"] == str(tokens.decode_token(alice.token).session_id)
    assert "expires_at" in body["session"]


# --- the bearer check on every signed-in route --------------------------------------------


def _expired_token(account: Account) -> str:
    """A correctly signed token for a live session whose own ``exp`` has passed."""
    claims = tokens.decode_token(account.token)
    past = utcnow() - timedelta(minutes=5)
    return tokens.issue_token(
        account.id, claims.session_id, past, issued_at=past - timedelta(hours=1)
    )


def _expire_session(account: Account) -> str:
    """The account's own token, with its session row past its expiry."""
    session_id = tokens.decode_token(account.token).session_id
    with session_scope() as s:
        s.exec(
            update(AuthSession)
            .where(col(AuthSession.id) == session_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    return account.token


def _revoked_token(client: TestClient, account: Account) -> str:
    client.post("/api/auth/sign-out", headers=account.headers)
    return account.token


def _forged_token(account: Account) -> str:
    """The real token with its signature changed."""
    head, payload, signature = account.token.split(".")
    return f"{head}.{payload}.{signature[::-1]}"


BAD_AUTHORIZATION = {
    "missing": lambda client, account: None,
    "not a JWT": lambda client, account: "Bearer not-a-token",
    "another scheme": lambda client, account: f"Basic {account.token}",
    "empty bearer": lambda client, account: "Bearer ",
    "forged signature": lambda client, account: f"Bearer {_forged_token(account)}",
    "expired token": lambda client, account: f"Bearer {_expired_token(account)}",
    "expired session": lambda client, account: f"Bearer {_expire_session(account)}",
    "revoked session": lambda client, account: f"Bearer {_revoked_token(client, account)}",
    "unknown access token": lambda client, account: "Bearer todo_pat_" + "x" * 43,
}
SIGNED_IN_ROUTES = (
    [("GET", "/api/auth/session", None)]
    + [
        (method, f"{{prefix_{form}}}{path}", body)
        for form in FORMS
        for method, path, body in TASK_ROUTES
    ]
    + ONE_FORM_ROUTES
)


@pytest.mark.parametrize(("method", "path", "body"), SIGNED_IN_ROUTES)
@pytest.mark.parametrize("kind", BAD_AUTHORIZATION)
def test_every_signed_in_route_refuses_a_bad_token_with_401(
    client: TestClient,
    alice: Account,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    kind: str,
) -> None:
    authorization = BAD_AUTHORIZATION[kind](client, alice)
    headers = {"Authorization": authorization} if authorization is not None else {}
    url = path.format(
        **{f"prefix_{form}": prefix(form, alice.id) for form in FORMS},
        task_id=uuid.uuid4(),
        list_id=uuid.uuid4(),
        notification_id=uuid.uuid4(),
        invitation_id=uuid.uuid4(),
        feed_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        token_id=uuid.uuid4(),
        conversation_id=uuid.uuid4(),
    )
    response = client.request(method, url, json=body, headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert isinstance(response.json()["detail"], str)


# --- renewal ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"), [("/api/tasks", 200), (f"/api/tasks/{uuid.uuid4()}", 404)]
)
def test_a_renewed_token_reaches_the_client_on_success_and_error(
    client: TestClient, alice: Account, url: str, status: int
) -> None:
    response = client.get(url, headers={"Authorization": f"Bearer {old_token(alice)}"})
    assert response.status_code == status
    renewed = response.headers["x-renewed-token"]
    claims = tokens.decode_token(renewed)
    assert claims.session_id == tokens.decode_token(alice.token).session_id
    assert claims.expires_at > tokens.decode_token(alice.token).expires_at - timedelta(seconds=1)
    assert _session(client, renewed).status_code == 200


def test_a_fresh_token_is_not_renewed(client: TestClient, alice: Account) -> None:
    response = client.get("/api/tasks", headers=alice.headers)
    assert response.status_code == 200
    assert "x-renewed-token" not in response.headers


def test_client_address_and_agent_are_recorded_on_the_session(
    client: TestClient,
) -> None:
    account = sign_up(client, "agent@example.com")
    with session_scope() as s:
        row = s.get(AuthSession, tokens.decode_token(account.token).session_id)
    assert row is not None
    assert row.user_agent == "testclient"
    assert row.ip_address == "testclient"
