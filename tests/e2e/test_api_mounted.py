"""The REST API is served by the production server on the same port, beside the pages."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server


def call(server: Server, method: str, path: str, body: Any = None, **headers: str) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(  # noqa: S310  (the test's own local server)
        f"{server.url}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json", **headers},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        raw = resp.read()
        return resp.status, dict(resp.headers), (json.loads(raw) if raw else None)


def test_openapi_and_docs_are_served(server: Server) -> None:
    status, _, doc = call(server, "GET", "/api/openapi.json")
    assert status == 200
    assert doc["openapi"].startswith("3.1")
    assert "/api/tasks" in doc["paths"]
    with urllib.request.urlopen(f"{server.url}/api/docs", timeout=10) as resp:  # noqa: S310
        assert resp.status == 200
        assert b"swagger" in resp.read().lower()


def test_a_task_made_through_the_api_shows_on_the_page(server: Server, page: Page) -> None:
    email = f"api-{uuid.uuid4().hex[:8]}@example.com"
    status, _, signed = call(
        server, "POST", "/api/auth/sign-up", {"email": email, "password": "correct horse battery"}
    )
    assert status == 201
    token = signed["token"]
    auth = {"Authorization": f"Bearer {token}"}
    status, _, task = call(server, "POST", "/api/tasks", {"title": "From a script"}, **auth)
    assert status == 201

    page.goto("/login")
    page.evaluate("token => localStorage.setItem('todo_token', token)", token)
    page.goto("/")
    expect(page.get_by_role("checkbox", name="From a script")).to_be_visible()

    # And back: a change on the page is what the API reads next.
    page.get_by_role("checkbox", name="From a script").click()
    expect(page.get_by_role("checkbox", name="From a script")).to_be_checked()
    page.wait_for_timeout(500)
    _, _, stored = call(server, "GET", f"/api/tasks/{task['id']}", **auth)
    assert stored["completed"] is True


def test_cors_is_off_by_default(server: Server) -> None:
    status, headers, _ = call(server, "GET", "/api/openapi.json", Origin="http://evil.example")
    assert status == 200
    assert "access-control-allow-origin" not in {k.lower() for k in headers}


def test_unauthenticated_api_calls_get_401(server: Server) -> None:
    try:
        call(server, "GET", "/api/tasks")
    except urllib.error.HTTPError as exc:
        assert exc.code == 401
        assert json.loads(exc.read())["detail"]
    else:
        raise AssertionError("expected 401")
