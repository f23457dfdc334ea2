"""One origin policy: the app's own origin plus TODO_CORS_ORIGINS, for Reflex's routes (via
rxconfig.py) and for the REST API alike; any other origin gets no CORS headers."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from reflex.app import App
from reflex_base.config import get_config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from todo_app.api.app import api_transformer, with_api_cors
from todo_app.settings import SettingsError, get_settings, load_settings

EVIL = "https://evil.example"


def _settings(tmp_path: object, **env: str) -> object:
    return load_settings({"TODO_DATA_DIR": str(tmp_path), **env})


def test_without_a_public_url_the_own_origin_is_this_machine(tmp_path: object) -> None:
    s = _settings(tmp_path)
    assert s.allowed_origins(3000) == ("http://localhost:3000", "http://127.0.0.1:3000")


def test_a_public_url_is_the_own_origin_and_extras_follow(tmp_path: object) -> None:
    s = _settings(
        tmp_path,
        TODO_PUBLIC_URL="https://Todo.Example.com/",
        TODO_CORS_ORIGINS="https://app.example, https://todo.example.com:443",
    )
    assert s.public_url == "https://todo.example.com"
    assert s.allowed_origins(3000) == ("https://todo.example.com", "https://app.example")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TODO_PUBLIC_URL", "todo.example.com"),
        ("TODO_PUBLIC_URL", "https://todo.example.com/app"),
        ("TODO_PUBLIC_URL", "ftp://todo.example.com"),
        ("TODO_CORS_ORIGINS", "https://*.example.com"),
        ("TODO_CORS_ORIGINS", "https://a.example, null"),
        ("TODO_CORS_ORIGINS", "https://a.example:99999"),
    ],
)
def test_an_origin_that_is_not_one_stops_start_up(tmp_path: object, name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        _settings(tmp_path, **{name: value})


def test_reflex_is_configured_with_the_policy_not_its_star() -> None:
    origins = tuple(get_config().cors_allowed_origins)
    assert origins == get_settings().allowed_origins(3000)
    assert "*" not in origins


def _ping(request: Request) -> PlainTextResponse:
    return PlainTextResponse("pong")


@pytest.fixture
def reflex_backend(db: None) -> TestClient:
    """Reflex's routes behind Reflex's own CORS layer (the real ``App._add_cors``, which
    reads ``cors_allowed_origins``), with the API and our layer in front, as in production."""
    inner = Starlette(routes=[Route("/ping", _ping), Route("/_upload", _ping, methods=["POST"])])
    top = Starlette(routes=[])
    top.mount("", api_transformer(inner))
    App._add_cors(top)
    return TestClient(with_api_cors(top, get_config().cors_allowed_origins))


OWN = "http://127.0.0.1:3000"


@pytest.mark.parametrize("path", ["/ping", "/api/openapi.json"])
def test_an_evil_origin_gets_no_cors(reflex_backend: TestClient, path: str) -> None:
    response = reflex_backend.get(path, headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize("path", ["/ping", "/api/openapi.json"])
def test_the_own_origin_gets_cors(reflex_backend: TestClient, path: str) -> None:
    response = reflex_backend.get(path, headers={"Origin": OWN})
    assert response.headers["access-control-allow-origin"] == OWN


def test_an_evil_preflight_to_upload_is_refused(reflex_backend: TestClient) -> None:
    preflight = {"Origin": EVIL, "Access-Control-Request-Method": "POST"}
    response = reflex_backend.options("/_upload", headers=preflight)
    assert "access-control-allow-origin" not in response.headers
    assert response.status_code == 400  # Starlette: "Disallowed CORS origin"
    own = reflex_backend.options("/_upload", headers={**preflight, "Origin": OWN})
    assert own.headers["access-control-allow-origin"] == OWN
