"""How the API sits in Reflex's backend: /api goes to FastAPI and everything else to Reflex,
and on /api our CORS policy decides, not the one Reflex wraps around its whole backend."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest
from fastapi.testclient import TestClient
from reflex.app import App
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from tests.api.conftest import old_token, sign_up
from todo_app.api.app import api_transformer, with_api_cors
from todo_app.api.mount import TodoApp

LISTED = "https://app.example"
UNLISTED = "https://evil.example"


def _reflex_page(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"reflex {request.url.path}")


def _reflex_backend(started: list[str] | None = None) -> Starlette:
    """Reflex's backend as ``App.__call__`` builds it: its routes, our transformer, its
    lifespan, and its own CORS middleware (the real ``App._add_cors``, so
    ``cors_allowed_origins``) around it all."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        (started if started is not None else []).append("reflex")
        yield

    inner = Starlette(routes=[Route("/{path:path}", _reflex_page)])
    top = Starlette(routes=[Mount("", api_transformer(inner))], lifespan=lifespan)
    App._add_cors(top)
    return top


@pytest.fixture
def backend(db: None) -> Iterator[TestClient]:
    with TestClient(with_api_cors(_reflex_backend(), origins=[LISTED])) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/ping", "/_health", "/", "/login/", "/_event/", "/apis", "/docs"]
)
def test_other_paths_reach_reflex(backend: TestClient, path: str) -> None:
    response = backend.get(path)
    assert response.status_code == 200
    assert response.text == f"reflex {path}"


@pytest.mark.parametrize("path", ["/api/openapi.json", "/api/tasks", "/api", "/api/nothing"])
def test_api_paths_reach_fastapi(backend: TestClient, path: str) -> None:
    response = backend.get(path)
    assert response.headers["content-type"] == "application/json"
    assert "reflex" not in response.text


def _cors(response: object) -> dict[str, str]:
    headers = response.headers  # type: ignore[attr-defined]
    return {k: v for k, v in headers.items() if k.startswith("access-control-")}


def test_reflex_s_lifespan_still_runs(db: None) -> None:
    started: list[str] = []
    with TestClient(with_api_cors(_reflex_backend(started), origins=[LISTED])):
        assert started == ["reflex"]


def test_an_unlisted_origin_gets_no_cors_on_the_api(backend: TestClient) -> None:
    response = backend.get("/api/tasks", headers={"Origin": UNLISTED})
    assert response.status_code == 401
    assert "access-control-allow-origin" not in _cors(response)
    assert "access-control-allow-credentials" not in _cors(response)
    preflight = backend.options(
        "/api/tasks",
        headers={"Origin": UNLISTED, "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in _cors(preflight)


def test_a_listed_origin_gets_our_policy(backend: TestClient) -> None:
    response = backend.get("/api/tasks", headers={"Origin": LISTED})
    assert response.headers["access-control-allow-origin"] == LISTED
    assert "X-Renewed-Token" in response.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in _cors(response)
    preflight = backend.options(
        "/api/tasks",
        headers={
            "Origin": LISTED,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == LISTED
    assert "Authorization" in preflight.headers["access-control-allow-headers"]


def test_reflex_routes_keep_reflex_s_own_cors(backend: TestClient) -> None:
    """Reflex's routes are answered by Reflex's CORS layer, configured by rxconfig.py with the
    app's origin policy (no longer Reflex's default '*'; see test_edge_origins.py)."""
    response = backend.get("/ping", headers={"Origin": UNLISTED})
    assert "access-control-allow-origin" not in response.headers


def test_renewed_tokens_survive_the_layers(backend: TestClient) -> None:
    account = sign_up(backend, "layers@example.com")
    response = backend.get("/api/tasks", headers={"Authorization": f"Bearer {old_token(account)}"})
    assert response.status_code == 200
    assert response.headers["x-renewed-token"]


def test_no_origins_configured_means_no_cors_on_the_api(db: None) -> None:
    with TestClient(with_api_cors(_reflex_backend(), origins=())) as client:
        for origin in (LISTED, UNLISTED):
            response = client.get("/api/tasks", headers={"Origin": origin})
            assert "access-control-allow-origin" not in _cors(response)


def test_todo_app_puts_our_layer_outside_reflex_s(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = _reflex_backend()

    def reflex_call(self: App) -> ASGIApp:
        return backend

    monkeypatch.setattr(App, "__call__", reflex_call)
    asgi = object.__new__(TodoApp)()  # skip App's set-up: only __call__ is under test
    with TestClient(asgi) as client:
        response = client.get("/api/openapi.json", headers={"Origin": UNLISTED})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in _cors(response)
