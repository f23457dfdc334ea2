"""The OpenAPI document describes the whole contract: version 3.1, the bearer scheme, every
route of DESIGN.md in both forms, examples, and the headers clients must read."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ORGANISE_ROUTES, TASK_ROUTES
from todo_app.models import DESCRIPTION_MAX, LIST_NAME_MAX, TAG_MAX, TIME_ZONE_MAX
from todo_app.tasks import fields

PUBLIC = [("post", "/api/auth/sign-up"), ("post", "/api/auth/sign-in")]
SIGNED_IN = (
    [("post", "/api/auth/sign-out"), ("get", "/api/auth/session")]
    + [
        (method.lower(), f"{base}{path.replace('{task_id}', '{task_id}')}")
        for base in ("/api", "/api/{user_id}")
        for method, path, _ in TASK_ROUTES
    ]
    + [(method.lower(), path) for method, path, _ in ORGANISE_ROUTES]
)


@pytest.fixture(scope="module")
def spec(api: Any) -> dict[str, Any]:
    return TestClient(api).get("/api/openapi.json").json()


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return spec["paths"][path][method]


def test_it_is_openapi_3_1_with_title_and_version(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    assert spec["info"]["title"] == "Todo API"
    assert spec["info"]["version"]
    assert "Bearer" in spec["info"]["description"]


def test_the_bearer_scheme_is_declared(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["bearer"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_every_contract_route_is_documented_and_nothing_else(spec: dict[str, Any]) -> None:
    documented = {
        (method, path) for path, operations in spec["paths"].items() for method in operations
    }
    assert documented == set(PUBLIC + SIGNED_IN)


@pytest.mark.parametrize(("method", "path"), SIGNED_IN)
def test_signed_in_routes_require_the_bearer_scheme(
    spec: dict[str, Any], method: str, path: str
) -> None:
    operation = _operation(spec, method, path)
    assert operation["security"] == [{"bearer": []}]
    assert "401" in operation["responses"]
    assert operation["summary"]


@pytest.mark.parametrize(("method", "path"), PUBLIC)
def test_public_routes_need_no_token(spec: dict[str, Any], method: str, path: str) -> None:
    assert "security" not in _operation(spec, method, path)


def test_the_renewed_token_header_is_documented(spec: dict[str, Any]) -> None:
    listing = _operation(spec, "get", "/api/tasks")["responses"]["200"]
    assert "X-Renewed-Token" in listing["headers"]
    created = _operation(spec, "post", "/api/tasks")["responses"]["201"]
    assert "X-Renewed-Token" in created["headers"]


def test_throttling_documents_retry_after(spec: dict[str, Any]) -> None:
    throttled = _operation(spec, "post", "/api/auth/sign-in")["responses"]["429"]
    assert "Retry-After" in throttled["headers"]


def test_conflicts_on_updates_document_the_current_task(spec: dict[str, Any]) -> None:
    conflict = _operation(spec, "patch", "/api/tasks/{task_id}")["responses"]["409"]
    schema_ref = conflict["content"]["application/json"]["schema"]["$ref"]
    assert schema_ref.endswith("/StaleVersionOut")


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("SignUpIn", "email"),
        ("SignInIn", "email"),
        ("TaskCreate", "title"),
        ("TaskReplace", "title"),
        ("TaskPatch", None),
        ("ListCreate", "name"),
        ("ListPatch", None),
        ("AccountPatch", None),
    ],
)
def test_request_bodies_have_examples(spec: dict[str, Any], model: str, field: str | None) -> None:
    schema = spec["components"]["schemas"][model]
    assert schema["examples"]
    assert schema["additionalProperties"] is False
    if field:
        assert field in schema["examples"][0]


def test_the_title_limits_are_in_the_schema(spec: dict[str, Any]) -> None:
    title = spec["components"]["schemas"]["TaskCreate"]["properties"]["title"]
    assert (title["minLength"], title["maxLength"]) == (1, 200)
    limit = next(
        p for p in _operation(spec, "get", "/api/tasks")["parameters"] if p["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


def test_docs_are_served_as_html(client: TestClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/api/openapi.json" in response.text
    assert client.get("/api/redoc").status_code == 404


def _property(spec: dict[str, Any], model: str, field: str) -> dict[str, Any]:
    return spec["components"]["schemas"][model]["properties"][field]


def _non_null(schema: dict[str, Any]) -> dict[str, Any]:
    return next(option for option in schema.get("anyOf", [schema]) if option.get("type") != "null")


@pytest.mark.parametrize("model", ["TaskCreate", "TaskReplace", "TaskPatch"])
def test_the_field_rules_of_the_service_are_documented(spec: dict[str, Any], model: str) -> None:
    tags = _non_null(_property(spec, model, "tags"))
    assert tags["maxItems"] == fields.TAGS_MAX
    assert (tags["items"]["minLength"], tags["items"]["maxLength"]) == (1, TAG_MAX)
    priority = _non_null(_property(spec, model, "priority"))
    assert priority["enum"] == list(fields.PRIORITIES)
    assert _non_null(_property(spec, model, "due_date"))["format"] == "date"
    assert "HH:MM" in _property(spec, model, "due_time")["description"]
    assert _non_null(_property(spec, model, "description"))["maxLength"] == DESCRIPTION_MAX
    assert _non_null(_property(spec, model, "list_id"))["format"] == "uuid"
    # null means "no value" for every optional field.
    for field in ("description", "list_id", "priority", "tags", "due_date", "due_time"):
        options = _property(spec, model, field)["anyOf"]
        assert {"type": "null"} in options, field


def test_list_names_and_zones_are_documented(spec: dict[str, Any]) -> None:
    name = _property(spec, "ListCreate", "name")
    assert (name["minLength"], name["maxLength"]) == (1, LIST_NAME_MAX)
    zone = _property(spec, "AccountPatch", "time_zone")
    assert zone["maxLength"] == TIME_ZONE_MAX
    assert zone["examples"]


def test_a_task_shows_its_organising_fields(spec: dict[str, Any]) -> None:
    task = spec["components"]["schemas"]["TaskOut"]
    assert {"list_id", "priority", "tags", "due_date", "due_time", "due_at"} <= set(
        task["required"]
    )
    assert task["properties"]["priority"]["enum"] == list(fields.PRIORITIES)
    assert "time_zone" in spec["components"]["schemas"]["UserOut"]["properties"]


def test_list_routes_document_their_errors(spec: dict[str, Any]) -> None:
    assert "409" in _operation(spec, "post", "/api/lists")["responses"]
    patch = _operation(spec, "patch", "/api/lists/{list_id}")["responses"]
    assert {"404", "409", "422"} <= set(patch)
    assert "404" in _operation(spec, "delete", "/api/lists/{list_id}")["responses"]
    # A task's list_id naming no list of the caller's is a 404 on every write.
    for method, path in [("post", "/api/tasks"), ("put", "/api/tasks/{task_id}")]:
        assert "404" in _operation(spec, method, path)["responses"]
