"""No request makes the server read client text for long (issue 15): long text is refused
by its length before any rule reads it, repeated filters and JSON nesting are bounded, and
each refusal is a 422 naming what was refused, fast."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Account, assert_field_error, create_list, create_task
from todo_app.api.json_guard import JSON_DEPTH_MAX, TOO_DEEP
from todo_app.tasks import list_rows as rows
from todo_app.tasks.queries import FILTER_VALUES_MAX, SEARCH_MAX, SEARCH_TOO_LONG


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    response = call()
    return response, time.perf_counter() - started


def test_a_60_kb_title_of_spaces_is_refused_at_once(client: TestClient, alice: Account) -> None:
    """It stalled the event loop for 27 s before its 422 (body validation runs on the loop)."""
    task = create_task(client, alice)
    title = "a" + " " * 60_000 + "b"
    response, seconds = _timed(
        lambda: client.patch(
            f"/api/tasks/{task['id']}", json={"title": title}, headers=alice.headers
        )
    )
    assert_field_error(response, "body", "title")
    assert f"this one has {len(title)}" in response.text
    assert seconds < 0.5
    assert client.get(f"/api/tasks/{task['id']}", headers=alice.headers).json()["title"] == "A task"


@pytest.mark.parametrize(
    "body",
    [
        {"title": "a" + "\t " * 20_000 + "b"},
        {"title": "x", "description": "a" + " \r\n" * 10_000},
        {"title": "x", "tags": ["#" + " " * 60_000]},
    ],
)
def test_long_text_in_any_field_is_refused_at_once(
    client: TestClient, alice: Account, body: dict[str, Any]
) -> None:
    response, seconds = _timed(lambda: client.post("/api/tasks", json=body, headers=alice.headers))
    assert response.status_code == 422, response.text
    assert seconds < 0.5


def test_a_search_longer_than_the_limit_is_refused_in_the_services_words(
    client: TestClient, alice: Account
) -> None:
    create_task(client, alice, title="needle " + "n" * 150)
    found = client.get("/api/tasks", params={"q": "N" * SEARCH_MAX}, headers=alice.headers)
    assert found.status_code == 200 and found.json()["total"] == 0
    assert client.get("/api/tasks", params={"q": "needle"}, headers=alice.headers).json()["total"]
    for q in ("n" * (SEARCH_MAX + 1), "n" * 20_000):
        response = client.get("/api/tasks", params={"q": q}, headers=alice.headers)
        assert_field_error(response, "query", "q")
        assert [e["msg"] for e in response.json()["detail"]] == [SEARCH_TOO_LONG]
    assert f"Search must be at most {SEARCH_MAX} characters" == SEARCH_TOO_LONG


@pytest.mark.parametrize(("name", "value"), [("tag", "home"), ("priority", "high")])
def test_a_repeated_filter_is_capped(
    client: TestClient, alice: Account, name: str, value: str
) -> None:
    """1,200 tag= parameters gave a 500 (SQLite's expression tree grew too deep)."""
    ok = client.get("/api/tasks", params={name: [value] * FILTER_VALUES_MAX}, headers=alice.headers)
    assert ok.status_code == 200, ok.text
    for count in (FILTER_VALUES_MAX + 1, 1_200):
        response = client.get("/api/tasks", params={name: [value] * count}, headers=alice.headers)
        assert_field_error(response, "query", name)
        assert f"At most {FILTER_VALUES_MAX} {name} filters" in response.text


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/auth/sign-in", "/api/auth/sign-up", "/api/tasks"])
@pytest.mark.parametrize(
    "body",
    [
        _nested(900),  # overflowed the recursion of the check: a 500 and a traceback
        _nested(30_000),  # past Python's own limit in json.loads
        '{"a": ' * (JSON_DEPTH_MAX + 1) + "1" + "}" * (JSON_DEPTH_MAX + 1),
        '{"email": "a@b.c", "password": "x", "name": ' + _nested(JSON_DEPTH_MAX) + "}",
    ],
    ids=["900", "30000", "objects", "in-a-field"],
)
def test_json_nested_too_deep_is_a_422_for_anyone(
    client: TestClient, alice: Account, path: str, body: str
) -> None:
    response = client.post(
        path, content=body, headers={"Content-Type": "application/json", **alice.headers}
    )
    assert response.status_code == 422, response.text
    assert response.json()["detail"] == [{"loc": ["body"], "msg": TOO_DEEP, "type": "value_error"}]


def test_json_up_to_the_depth_limit_reaches_the_route(client: TestClient, alice: Account) -> None:
    body = '{"title": "x", "tags": ' + _nested(JSON_DEPTH_MAX - 1) + "}"
    response = client.post(
        "/api/tasks", content=body, headers={"Content-Type": "application/json", **alice.headers}
    )
    assert response.status_code == 422 and "loc" in response.text  # the route's own words
    assert TOO_DEEP not in response.text


def test_quick_add_cannot_make_a_list_past_the_cap(
    client: TestClient, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "LISTS_MAX", 2)
    create_list(client, alice, "Work")
    create_list(client, alice, "Home")
    response = client.post("/api/tasks", json={"text": "Buy milk +Shop"}, headers=alice.headers)
    assert_field_error(response, "body", "text")
    assert "at most 2 lists" in response.text
    assert [item["name"] for item in client.get("/api/lists", headers=alice.headers).json()] == [
        "Work",
        "Home",
    ]
    assert client.get("/api/tasks", headers=alice.headers).json()["total"] == 0
