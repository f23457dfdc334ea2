"""Property-based conformance: the API never answers 5xx, and every answer matches its own
OpenAPI document, for inputs Schemathesis derives from that document (valid and invalid).

Runs in-process (ASGI), signed in with a real token, with a fixed seed and a bounded number
of examples per operation so the run is repeatable and quick. The schema is loaded eagerly:
Schemathesis 4.32's lazy ``from_fixture`` loader breaks on pytest 9 (``Node._nodeid``).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.api.conftest import Account
from todo_app.api.app import create_api
from todo_app.auth import access_tokens

MAX_EXAMPLES = 15
SEED = 20_260_101

schema = schemathesis.openapi.from_asgi("/api/openapi.json", create_api())
schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
schema.config.seed = SEED


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    # The db fixture is per test; Hypothesis's examples share it on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_conforms_to_its_own_schema(case: schemathesis.Case, alice: Account) -> None:
    case.call_and_validate(
        headers=alice.headers, checks=[not_a_server_error, response_schema_conformance]
    )


@pytest.fixture
def all_scopes_token(alice: Account) -> dict[str, str]:
    """The headers of a personal access token of alice's holding every scope, its rate
    limit counted afresh (one operation's examples stay far below it)."""
    access_tokens.rate_limiter.reset()
    made = access_tokens.create(alice.id, "Schemathesis", list(access_tokens.SCOPES), None)
    return {"Authorization": f"Bearer {made.token}"}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_conforms_to_its_own_schema_with_an_access_token(
    case: schemathesis.Case, all_scopes_token: dict[str, str]
) -> None:
    """The same, as a program with a personal access token holding every scope: the routes it
    may not use (account management) answer their documented 403."""
    case.call_and_validate(
        headers=all_scopes_token, checks=[not_a_server_error, response_schema_conformance]
    )


# --- inputs JSON allows and nothing downstream can hold ------------------------------------
# Every string field of every request body gets a lone surrogate, every number field 1e999,
# read from the OpenAPI document so a route or field added later is covered without a word.

SURROGATE = '"\\udc00"'  # the JSON escape: json.loads makes it a lone surrogate
NOT_FINITE = ["1e999", "-1e999", "NaN", "Infinity"]
_DOC = create_api().openapi()
_PLACEHOLDER = "__edge__"


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = _DOC["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _leaves(node: dict[str, Any], path: tuple[str | int, ...] = ()) -> Iterator[tuple]:
    """(path, JSON type) of every scalar a request body can hold."""
    node = _resolve(node)
    for alternative in node.get("anyOf", []) + node.get("oneOf", []):
        yield from _leaves(alternative, path)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        for name, sub in node.get("properties", {}).items():
            yield from _leaves(sub, (*path, name))
    elif kind == "array":
        yield from _leaves(node.get("items", {}), (*path, 0))
    elif kind in {"string", "integer", "number"} and path:
        yield path, kind


def _body_fields(kinds: set[str]) -> list[tuple[str, str, tuple[str | int, ...]]]:
    found: set[tuple[str, str, tuple[str | int, ...]]] = set()
    for route, operations in _DOC["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            for path, kind in _leaves(content["application/json"]["schema"]):
                if kind in kinds:
                    found.add((method.upper(), route, path))
    return sorted(found, key=str)


def _nest(path: tuple[str | int, ...]) -> Any:
    """A body holding the placeholder at ``path`` and nothing else."""
    value: Any = _PLACEHOLDER
    for part in reversed(path):
        value = [value] if isinstance(part, int) else {part: value}
    return value


def _url(route: str, account: Account) -> str:
    url = route.replace("{user_id}", str(account.id))
    return re.sub(r"\{[a-z_]+\}", str(uuid.uuid4()), url)


STRING_FIELDS = _body_fields({"string"})
NUMBER_FIELDS = _body_fields({"integer", "number"})


def test_every_body_has_fields_to_try() -> None:
    routes = {(method, route) for method, route, _ in STRING_FIELDS}
    assert ("POST", "/api/auth/sign-in") in routes
    assert ("PATCH", "/api/{user_id}/tasks/{task_id}") in routes
    assert any(path == ("recurrence", "rule") for _, _, path in STRING_FIELDS)
    assert any(path == ("tags", 0) for _, _, path in STRING_FIELDS)
    assert NUMBER_FIELDS


def _send(client: TestClient, account: Account, method: str, route: str, raw: str) -> Any:
    return client.request(
        method,
        _url(route, account),
        content=raw.encode("ascii"),
        headers={**account.headers, "Content-Type": "application/json"},
    )


def _assert_refused_at(response: Any, path: tuple[str | int, ...]) -> None:
    assert response.status_code == 422, response.text
    response.content.decode("utf-8")  # a reply any client can read
    assert ["body", *path] in [error["loc"] for error in response.json()["detail"]]


@pytest.mark.parametrize(("method", "route", "path"), STRING_FIELDS, ids=str)
def test_a_lone_surrogate_in_any_string_field_is_a_422(
    client: TestClient, alice: Account, method: str, route: str, path: tuple[str | int, ...]
) -> None:
    raw = json.dumps(_nest(path)).replace(f'"{_PLACEHOLDER}"', SURROGATE)
    _assert_refused_at(_send(client, alice, method, route, raw), path)


@pytest.mark.parametrize(("method", "route", "path"), NUMBER_FIELDS, ids=str)
@pytest.mark.parametrize("number", NOT_FINITE)
def test_a_number_that_is_not_finite_is_a_422(
    client: TestClient,
    alice: Account,
    method: str,
    route: str,
    path: tuple[str | int, ...],
    number: str,
) -> None:
    raw = json.dumps(_nest(path)).replace(f'"{_PLACEHOLDER}"', number)
    _assert_refused_at(_send(client, alice, method, route, raw), path)


@pytest.mark.parametrize("field", ["title", "priority", "due_date", "list_id", "description"])
def test_1e999_in_a_string_or_enum_field_is_a_422(
    client: TestClient, alice: Account, field: str
) -> None:
    raw = f'{{"title": "A task", "{field}": 1e999}}'
    response = _send(client, alice, "POST", "/api/tasks", raw)
    assert response.status_code == 422, response.text
    assert ["body", field] in [error["loc"] for error in response.json()["detail"]]


OFFSET_ROUTES = [
    route
    for route, operations in _DOC["paths"].items()
    for parameter in operations.get("get", {}).get("parameters", [])
    if parameter["name"] == "offset"
]


@pytest.mark.parametrize("route", OFFSET_ROUTES)
@pytest.mark.parametrize("offset", [2**63, 2**63 - 1, 2**64, 10**40, -(2**63) - 1])
def test_a_huge_offset_is_a_422(
    client: TestClient, alice: Account, route: str, offset: int
) -> None:
    assert OFFSET_ROUTES
    response = client.get(_url(route, alice), params={"offset": offset}, headers=alice.headers)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "offset"]
    assert str(offset) not in response.text  # the rule, not the input
