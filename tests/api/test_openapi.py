"""The OpenAPI document describes the whole contract: version 3.1, the bearer scheme, every
route of DESIGN.md in both forms, examples, and the headers clients must read."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import ONE_FORM_ROUTES, TASK_ROUTES
from todo_app import recurrence
from todo_app.models import DESCRIPTION_MAX, LIST_NAME_MAX, TAG_MAX, TIME_ZONE_MAX
from todo_app.tasks import fields
from todo_app.tasks.quick_add import QUICK_ADD_MAX

PUBLIC = [
    ("post", "/api/auth/sign-up"),
    ("post", "/api/auth/sign-in"),
    ("post", "/api/auth/password-reset"),
    ("post", "/api/auth/password-reset/confirm"),
    ("get", "/feeds/{secret}.ics"),
]
SIGNED_IN = (
    [("post", "/api/auth/sign-out"), ("get", "/api/auth/session")]
    + [
        (method.lower(), f"{base}{path.replace('{task_id}', '{task_id}')}")
        for base in ("/api", "/api/{user_id}")
        for method, path, _ in TASK_ROUTES
    ]
    + [(method.lower(), path) for method, path, _ in ONE_FORM_ROUTES]
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
    assert operation["security"][0] == {"bearer": []}
    assert "401" in operation["responses"]
    assert operation["summary"]


def _token_scope(path: str, method: str) -> str | None:
    """The scope DESIGN.md gives each route family; None: closed to access tokens."""
    if path in ("/api/auth/sign-out", "/api/account") or path.startswith(
        ("/api/tokens", "/api/feeds")  # a feed's URL is a credential of its own
    ):
        return None
    if path in ("/api/export", "/api/import"):  # (and lists:read / lists:write too)
        return "tasks:read" if method == "get" else "tasks:write"
    if path == "/api/auth/session":
        return "account:read"
    if path.startswith("/api/{user_id}/c"):  # the chat and its conversations
        return "tasks:read" if method == "get" else "tasks:write"
    if path.startswith(("/api/notifications", "/api/tags")):
        return "tasks:read"
    family = "tasks" if "/tasks" in path else "lists"
    return f"{family}:{'read' if method == 'get' else 'write'}"


@pytest.mark.parametrize(("method", "path"), SIGNED_IN)
def test_each_route_names_the_access_token_scope_it_needs(
    spec: dict[str, Any], method: str, path: str
) -> None:
    operation = _operation(spec, method, path)
    needed = _token_scope(path, method)
    if needed is None:
        assert operation["security"] == [{"bearer": []}]
    else:
        assert operation["security"] == [{"bearer": []}, {"personalAccessToken": [needed]}]
        assert f"scope: `{needed}`" in operation["description"]
        assert "403" in operation["responses"]
        assert "429" in operation["responses"]


def test_the_access_token_scheme_lists_the_scopes(spec: dict[str, Any]) -> None:
    scheme = spec["components"]["securitySchemes"]["personalAccessToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    for name in ("tasks:read", "tasks:write", "lists:read", "lists:write", "account:read"):
        assert f"`{name}`" in scheme["description"]


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
        ("TaskFromText", "text"),
        ("ListCreate", "name"),
        ("ListPatch", None),
        ("AccountPatch", None),
        ("InvitationIn", "email"),
        ("RoleIn", "role"),
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
    optional = ("description", "list_id", "priority", "tags", "due_date", "due_time")
    for field in (*optional, "recurrence", "reminders"):
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


def _ref(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]


@pytest.mark.parametrize("model", ["TaskCreate", "TaskReplace", "TaskPatch"])
def test_the_repeat_and_reminder_rules_are_documented(spec: dict[str, Any], model: str) -> None:
    repeat = _property(spec, model, "recurrence")
    assert "due_date" in repeat["description"]
    rule = _ref(spec, _non_null(repeat))
    assert set(rule["properties"]) == {"rule", "from_completion"}
    assert rule["required"] == ["rule"]
    assert rule["additionalProperties"] is False
    assert rule["properties"]["rule"]["maxLength"] == recurrence.RULE_MAX
    assert rule["properties"]["from_completion"]["default"] is False
    reminders = _non_null(_property(spec, model, "reminders"))
    assert reminders["maxItems"] == fields.REMINDERS_MAX
    reminder = _ref(spec, reminders["items"])
    assert reminder["additionalProperties"] is False
    minutes = reminder["properties"]["minutes_before"]
    assert (minutes["minimum"], minutes["maximum"]) == (0, fields.REMINDER_MINUTES_MAX)


def test_create_takes_the_fields_or_a_sentence(spec: dict[str, Any]) -> None:
    body = _operation(spec, "post", "/api/tasks")["requestBody"]["content"]["application/json"]
    assert [option["$ref"].rsplit("/", 1)[-1] for option in body["schema"]["oneOf"]] == [
        "TaskCreate",
        "TaskFromText",
    ]
    text = spec["components"]["schemas"]["TaskFromText"]
    assert set(text["properties"]) == {"text", "id"}
    assert text["required"] == ["text"]
    assert text["properties"]["text"]["maxLength"] == QUICK_ADD_MAX
    assert text["additionalProperties"] is False
    hackathon = _operation(spec, "post", "/api/{user_id}/tasks")["requestBody"]
    assert hackathon["content"] == _operation(spec, "post", "/api/tasks")["requestBody"]["content"]


def test_a_task_shows_its_repeat_and_reminders(spec: dict[str, Any]) -> None:
    task = spec["components"]["schemas"]["TaskOut"]
    assert {"recurrence", "reminders"} <= set(task["required"])
    repeat = task["properties"]["recurrence"]
    assert {"type": "null"} in repeat["anyOf"]
    assert repeat["examples"]
    shown = _ref(spec, _non_null(repeat))
    assert set(shown["properties"]) == set(shown["required"]) == {"rule", "from_completion"}
    reminders = task["properties"]["reminders"]
    assert reminders["examples"]
    assert set(_ref(spec, reminders["items"])["properties"]) == {"minutes_before"}


@pytest.mark.parametrize("base", ["/api", "/api/{user_id}"])
def test_history_is_documented(spec: dict[str, Any], base: str) -> None:
    operation = _operation(spec, "get", f"{base}/tasks/{{task_id}}/history")
    assert "404" in operation["responses"]
    listing = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert listing["type"] == "array"
    entry = _ref(spec, listing["items"])
    assert set(entry["required"]) == {"completed_at", "due_date"}


def test_notifications_are_documented(spec: dict[str, Any]) -> None:
    listing = _operation(spec, "get", "/api/notifications")["responses"]["200"]
    items = listing["content"]["application/json"]["schema"]["items"]
    notification = _ref(spec, items)
    assert set(notification["required"]) == {
        *("id", "kind", "invitation_id", "task_id", "title", "fire_at", "read", "late")
    }
    read = _operation(spec, "post", "/api/notifications/{notification_id}/read")["responses"]
    assert "notification" in read["404"]["description"]
    assert _ref(spec, read["200"]["content"]["application/json"]["schema"]) == notification
    read_all = _operation(spec, "post", "/api/notifications/read-all")["responses"]["200"]
    assert _ref(spec, read_all["content"]["application/json"]["schema"])["required"] == ["updated"]


def test_sharing_is_documented(spec: dict[str, Any]) -> None:
    """Who may not is a 403 with the reason; who cannot see the list finds nothing (404)."""
    for method, path in [
        ("post", "/api/lists/{list_id}/invitations"),
        ("get", "/api/lists/{list_id}/invitations"),
        ("delete", "/api/lists/{list_id}/invitations/{invitation_id}"),
        ("patch", "/api/lists/{list_id}/members/{user_id}"),
        ("delete", "/api/lists/{list_id}/members/{user_id}"),
        ("patch", "/api/lists/{list_id}"),
        ("delete", "/api/lists/{list_id}"),
    ]:
        assert {"403", "404"} <= set(_operation(spec, method, path)["responses"]), path
    for base in ("/api", "/api/{user_id}"):
        for method, path in [
            ("post", "/tasks"),
            ("put", "/tasks/{task_id}"),
            ("patch", "/tasks/{task_id}"),
            ("patch", "/tasks/{task_id}/complete"),
            ("post", "/tasks/{task_id}/move"),
            ("delete", "/tasks/{task_id}"),
        ]:
            refused = _operation(spec, method, base + path)["responses"]["403"]
            assert "viewer" in refused["description"], path
    lists = _ref(
        spec,
        _operation(spec, "get", "/api/lists")["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["items"],
    )
    assert {"role", "members"} <= set(lists["required"])
    task = spec["components"]["schemas"]["TaskOut"]
    assert {"assignee_id", "created_by", "completed_by"} <= set(task["required"])
    for model in ("TaskCreate", "TaskReplace", "TaskPatch"):
        assert "assignee_id" in spec["components"]["schemas"][model]["properties"]
    names = {p["name"] for p in _operation(spec, "get", "/api/tasks")["parameters"]}
    assert "assignee" in names
