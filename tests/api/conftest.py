"""A client over the REST API on empty tables, and two signed-up users to play with."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI

with warnings.catch_warnings():
    # Starlette 1.x suggests httpx2 for its TestClient; httpx is what we pin.
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from todo_app.api.app import create_api
from todo_app.auth import tokens
from todo_app.models import utcnow

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="session")
def api() -> FastAPI:
    return create_api()


@pytest.fixture
def client(db: None, api: FastAPI) -> Iterator[TestClient]:
    with TestClient(api) as test_client:
        yield test_client


def sign_up(client: TestClient, email: str, password: str = PASSWORD) -> Account:
    response = client.post("/api/auth/sign-up", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(id=uuid.UUID(body["user"]["id"]), email=email, token=body["token"])


@pytest.fixture
def alice(client: TestClient) -> Account:
    return sign_up(client, "alice@example.com")


@pytest.fixture
def bob(client: TestClient) -> Account:
    return sign_up(client, "bob@example.com")


def old_token(account: Account) -> str:
    """A valid token for the account's session, issued two days ago: due for renewal."""
    claims = tokens.decode_token(account.token)
    issued = utcnow() - timedelta(days=2)
    return tokens.issue_token(account.id, claims.session_id, claims.expires_at, issued_at=issued)


def create_task(client: TestClient, account: Account, **fields: Any) -> dict[str, Any]:
    """A task of ``account``'s, made through the API; returns its JSON."""
    response = client.post(
        "/api/tasks", json={"title": "A task", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def list_tasks(client: TestClient, account: Account, **params: Any) -> dict[str, Any]:
    """``GET /api/tasks`` with these query parameters (a list value repeats the parameter)."""
    response = client.get("/api/tasks", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def titles(page: dict[str, Any]) -> list[str]:
    return [task["title"] for task in page["items"]]


def create_list(client: TestClient, account: Account, name: str = "Work") -> dict[str, Any]:
    """A list of ``account``'s, made through the API; returns its JSON."""
    response = client.post("/api/lists", json={"name": name}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def set_time_zone(client: TestClient, account: Account, zone: str) -> dict[str, Any]:
    response = client.patch("/api/account", json={"time_zone": zone}, headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def assert_field_error(response: Any, location: str, field: str) -> None:
    """A 422 naming ``field`` where it was sent, in FastAPI's shape."""
    assert response.status_code == 422, response.text
    locations = [tuple(error["loc"][:2]) for error in response.json()["detail"]]
    assert (location, field) in locations, locations


# Every task route, as (method, path under the form's prefix, a valid body). The two forms
# share these, so a route added to one and forgotten in the tests fails test_openapi.
ITEM_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/tasks/{task_id}", None),
    ("GET", "/tasks/{task_id}/history", None),
    ("PUT", "/tasks/{task_id}", {"title": "Changed"}),
    ("PATCH", "/tasks/{task_id}", {"title": "Changed"}),
    ("PATCH", "/tasks/{task_id}/complete", None),
    ("POST", "/tasks/{task_id}/move", {"parent_id": None, "before_id": None}),
    ("DELETE", "/tasks/{task_id}", None),
]
COLLECTION_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/tasks", None),
    ("POST", "/tasks", {"title": "New"}),
]
TASK_ROUTES = COLLECTION_ROUTES + ITEM_ROUTES
# The other signed-in routes (one form only), as (method, full path, a valid body).
ORGANISE_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/lists", None),
    ("POST", "/api/lists", {"name": "New"}),
    ("PATCH", "/api/lists/{list_id}", {"name": "Renamed"}),
    ("DELETE", "/api/lists/{list_id}", None),
    ("GET", "/api/lists/inbox", None),
    ("PATCH", "/api/lists/inbox", {"add_on_top": False}),
    ("GET", "/api/tags", None),
    ("PATCH", "/api/account", {"time_zone": "Europe/Berlin"}),
]
NOTIFICATION_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/notifications", None),
    ("POST", "/api/notifications/read-all", None),
    ("POST", "/api/notifications/{notification_id}/read", None),
]
SHARING_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/lists/{list_id}/invitations", {"email": "x@example.com", "role": "editor"}),
    ("GET", "/api/lists/{list_id}/invitations", None),
    ("DELETE", "/api/lists/{list_id}/invitations/{invitation_id}", None),
    ("GET", "/api/invitations", None),
    ("POST", "/api/invitations/{invitation_id}/accept", None),
    ("POST", "/api/invitations/{invitation_id}/decline", None),
    ("GET", "/api/lists/{list_id}/members", None),
    ("PATCH", "/api/lists/{list_id}/members/{user_id}", {"role": "viewer"}),
    ("DELETE", "/api/lists/{list_id}/members/{user_id}", None),
]
INTEROP_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/export", None),
    ("POST", "/api/import", {"format": "todo-export", "version": 1, "lists": [], "tasks": []}),
]
FEED_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/feeds", None),
    ("POST", "/api/feeds", {"list_id": None}),
    ("POST", "/api/feeds/{feed_id}/reset", None),
    ("DELETE", "/api/feeds/{feed_id}", None),
]
TOKEN_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/tokens", None),
    ("POST", "/api/tokens", {"name": "Script", "scopes": ["tasks:read"], "expires_in_days": 30}),
    ("DELETE", "/api/tokens/{token_id}", None),
]
CHAT_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/api/{user_id}/chat", {"message": "Hello"}),
    ("GET", "/api/{user_id}/conversations", None),
    ("GET", "/api/{user_id}/conversations/{conversation_id}/messages", None),
]
# Every signed-in route outside the task routes (and outside auth itself).
ONE_FORM_ROUTES = (
    ORGANISE_ROUTES
    + NOTIFICATION_ROUTES
    + SHARING_ROUTES
    + INTEROP_ROUTES
    + FEED_ROUTES
    + TOKEN_ROUTES
    + CHAT_ROUTES
)


def prefix(form: str, user_id: uuid.UUID) -> str:
    """``/api`` for the plain form, ``/api/{user_id}`` for the Hackathon II form."""
    return "/api" if form == "plain" else f"/api/{user_id}"


FORMS = ["plain", "hackathon"]
