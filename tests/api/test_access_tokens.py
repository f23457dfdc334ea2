"""Personal access tokens in the REST API: made by a sign-in, used as a bearer with scopes,
refused at once when revoked or expired, never managing the account, throttled per token,
stored only as a hash, deleted with the account and kept across a password change."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import select

from tests.api.conftest import PASSWORD, Account, create_task
from todo_app.api.scopes import lacks
from todo_app.auth import access_tokens
from todo_app.auth import service as auth_service
from todo_app.db import get_engine, session_scope
from todo_app.models import PersonalAccessToken, utcnow

ALL_SCOPES = list(access_tokens.SCOPES)
NO_ACCOUNT = "Personal access tokens cannot manage the account"


def make_token(
    client: TestClient,
    account: Account,
    scopes: list[str],
    name: str = "Script",
    expires_in_days: int | None = 30,
) -> dict[str, Any]:
    response = client.post(
        "/api/tokens",
        json={"name": name, "scopes": scopes, "expires_in_days": expires_in_days},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['token']}"}


@pytest.fixture(autouse=True)
def fresh_rate_limit() -> Iterator[None]:
    access_tokens.rate_limiter.reset()
    yield
    access_tokens.rate_limiter.reset()


def test_a_new_token_is_shown_once_and_listed_without_it(
    client: TestClient, alice: Account
) -> None:
    made = make_token(client, alice, ["tasks:read"], expires_in_days=None)
    assert re.fullmatch(r"todo_pat_[A-Za-z0-9_-]{43}", made["token"])
    assert made["expires_at"] is None
    listed = client.get("/api/tokens", headers=alice.headers).json()
    assert [t["id"] for t in listed] == [made["id"]]
    assert "token" not in listed[0]
    assert listed[0]["scopes"] == ["tasks:read"]


def test_a_read_only_token_lists_tasks_and_is_refused_a_write(
    client: TestClient, alice: Account
) -> None:
    create_task(client, alice, title="Mine")
    token = make_token(client, alice, ["tasks:read"])
    listed = client.get("/api/tasks", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    assert [t["title"] for t in listed.json()["items"]] == ["Mine"]
    refused = client.post("/api/tasks", json={"title": "No"}, headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "This token lacks the scope tasks:write"}


def test_a_write_token_acts_as_its_owner(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:write", "tasks:read"])
    made = client.post("/api/tasks", json={"title": "Via token"}, headers=bearer(token))
    assert made.status_code == 201, made.text
    mine = client.get("/api/tasks", headers=alice.headers).json()["items"]
    assert [t["title"] for t in mine] == ["Via token"]
    task_id = made.json()["id"]
    done = client.patch(f"/api/{alice.id}/tasks/{task_id}/complete", headers=bearer(token))
    assert done.status_code == 200, done.text


@pytest.mark.parametrize(
    ("method", "path", "body", "needed"),
    [
        ("GET", "/api/tasks", None, "tasks:read"),
        ("GET", "/api/tags", None, "tasks:read"),
        ("GET", "/api/notifications", None, "tasks:read"),
        ("POST", "/api/notifications/read-all", None, "tasks:read"),
        ("POST", "/api/tasks", {"title": "x"}, "tasks:write"),
        ("GET", "/api/lists", None, "lists:read"),
        ("GET", "/api/invitations", None, "lists:read"),
        ("POST", "/api/lists", {"name": "New"}, "lists:write"),
        ("GET", "/api/auth/session", None, "account:read"),
    ],
)
def test_each_route_family_needs_its_scope(
    client: TestClient,
    alice: Account,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    needed: str,
) -> None:
    others = [s for s in ALL_SCOPES if s != needed]
    without = make_token(client, alice, others, name="without")
    refused = client.request(method, path, json=body, headers=bearer(without))
    assert refused.status_code == 403, refused.text
    assert refused.json() == {"detail": f"This token lacks the scope {needed}"}
    with_it = make_token(client, alice, [needed], name="with")
    allowed = client.request(method, path, json=body, headers=bearer(with_it))
    assert allowed.status_code in (200, 201), allowed.text


def test_account_read_answers_who_the_token_acts_for(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["account:read"])
    session = client.get("/api/auth/session", headers=bearer(token)).json()
    assert session["user"]["id"] == str(alice.id)
    assert session["session"]["id"] == token["id"]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/tokens", None),
        ("POST", "/api/tokens", {"name": "x", "scopes": ["tasks:read"], "expires_in_days": 30}),
        ("DELETE", "/api/tokens/{token_id}", None),
        ("POST", "/api/auth/sign-out", None),
        ("PATCH", "/api/account", {"name": "Mallory"}),
    ],
)
def test_a_token_never_manages_the_account(
    client: TestClient, alice: Account, method: str, path: str, body: dict[str, Any] | None
) -> None:
    token = make_token(client, alice, ALL_SCOPES)
    url = path.format(token_id=token["id"])
    response = client.request(method, url, json=body, headers=bearer(token))
    assert response.status_code == 403, response.text
    assert response.json() == {"detail": NO_ACCOUNT}
    # Still there and still working.
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200


def test_a_revoked_token_is_refused_on_the_next_call(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200
    revoked = client.delete(f"/api/tokens/{token['id']}", headers=alice.headers)
    assert revoked.status_code == 204
    refused = client.get("/api/tasks", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/tokens", headers=alice.headers).json() == []
    again = client.delete(f"/api/tokens/{token['id']}", headers=alice.headers)
    assert again.status_code == 404


def test_another_users_token_cannot_be_revoked(
    client: TestClient, alice: Account, bob: Account
) -> None:
    token = make_token(client, alice, ["tasks:read"])
    response = client.delete(f"/api/tokens/{token['id']}", headers=bob.headers)
    assert response.status_code == 404
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200


def test_an_expired_token_is_refused(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"], expires_in_days=30)
    with session_scope() as s:
        row = s.get(PersonalAccessToken, uuid.UUID(token["id"]))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    response = client.get("/api/tasks", headers=bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "This token has expired"}


def test_an_unknown_token_is_refused(client: TestClient, alice: Account) -> None:
    fake = {"Authorization": "Bearer todo_pat_" + "A" * 43}
    assert client.get("/api/tasks", headers=fake).status_code == 401


def test_the_last_use_is_recorded(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    assert token["last_used_at"] is None
    client.get("/api/tasks", headers=bearer(token))
    [listed] = client.get("/api/tokens", headers=alice.headers).json()
    assert listed["last_used_at"] is not None
    assert listed["last_used_ip"] == "testclient"


def test_the_last_use_is_written_at_most_once_a_minute(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    client.get("/api/tasks", headers=bearer(token))
    [first] = client.get("/api/tokens", headers=alice.headers).json()
    client.get("/api/tasks", headers=bearer(token))
    [second] = client.get("/api/tokens", headers=alice.headers).json()
    assert first["last_used_at"] == second["last_used_at"]


def test_each_token_is_throttled(
    client: TestClient, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access_tokens.rate_limiter, "limit", 3)
    busy = make_token(client, alice, ["tasks:read"], name="busy")
    calm = make_token(client, alice, ["tasks:read"], name="calm")
    for _ in range(3):
        assert client.get("/api/tasks", headers=bearer(busy)).status_code == 200
    throttled = client.get("/api/tasks", headers=bearer(busy))
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert client.get("/api/tasks", headers=bearer(calm)).status_code == 200
    # A sign-in is not throttled by its tokens.
    assert client.get("/api/tasks", headers=alice.headers).status_code == 200


def test_only_a_hash_of_the_token_is_stored(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    secret = token["token"].removeprefix("todo_pat_")
    with get_engine().connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM personal_access_tokens")).all()
    assert len(rows) == 1
    assert all(secret not in str(value) for value in rows[0])
    assert access_tokens.hash_token(token["token"]) in rows[0]


def test_a_tokens_requests_are_logged_by_its_id_only(
    client: TestClient, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    token = make_token(client, alice, ["tasks:read"])
    with caplog.at_level(logging.INFO, logger="todo_app.api"):
        client.get("/api/tasks", headers=bearer(token))
    assert f"token_id={token['id']}" in caplog.text
    assert token["token"] not in caplog.text


def test_changing_the_password_keeps_the_tokens(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    auth_service.change_password(
        alice.id, PASSWORD, "a brand new passphrase", current_session_id=None
    )
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 200


def test_deleting_the_account_deletes_its_tokens(client: TestClient, alice: Account) -> None:
    token = make_token(client, alice, ["tasks:read"])
    auth_service.delete_account(alice.id, PASSWORD)
    with session_scope() as s:
        assert s.exec(select(PersonalAccessToken)).all() == []
    assert client.get("/api/tasks", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "scopes": ["tasks:read"], "expires_in_days": 30}, "name"),
        ({"name": "x" * 61, "scopes": ["tasks:read"], "expires_in_days": 30}, "name"),
        ({"name": "x", "scopes": [], "expires_in_days": 30}, "scopes"),
        ({"name": "x", "scopes": ["admin"], "expires_in_days": 30}, "scopes"),
        ({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 7}, "expires_in_days"),
        ({"name": "x", "scopes": ["tasks:read"]}, "expires_in_days"),
        ({"name": "x", "scopes": ["tasks:read"], "expires_in_days": 30, "admin": True}, "admin"),
    ],
)
def test_a_bad_token_request_is_a_422_naming_the_field(
    client: TestClient, alice: Account, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/tokens", json=body, headers=alice.headers)
    assert response.status_code == 422, response.text
    assert field in [error["loc"][-1] for error in response.json()["detail"]] or any(
        field in error["loc"] for error in response.json()["detail"]
    )


def test_export_and_import_need_both_their_scopes_and_feeds_refuse_tokens(
    client: TestClient, alice: Account
) -> None:
    reader = bearer(make_token(client, alice, scopes=["tasks:read", "lists:read"]))
    exported = client.get("/api/export", headers=reader)
    assert exported.status_code == 200, exported.text
    half = bearer(make_token(client, alice, scopes=["tasks:read"]))
    refused = client.get("/api/export", headers=half)
    assert (refused.status_code, refused.json()["detail"]) == (403, lacks("lists:read"))
    back = client.post("/api/import", json=exported.json(), headers=reader)
    assert (back.status_code, back.json()["detail"]) == (403, lacks("tasks:write"))
    writer = bearer(make_token(client, alice, scopes=["tasks:write", "lists:write"]))
    assert client.post("/api/import", json=exported.json(), headers=writer).status_code == 200
    everything = bearer(make_token(client, alice, scopes=ALL_SCOPES))
    for method, path in (("GET", "/api/feeds"), ("POST", "/api/feeds")):
        answer = client.request(method, path, json={"list_id": None}, headers=everything)
        assert answer.status_code == 403, (method, path, answer.text)
