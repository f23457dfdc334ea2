"""Security headers on every HTTP answer, and a CSP whose script hashes come from the built
pages; websocket scopes pass untouched."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.routing import Route
from starlette.types import Message

from todo_app.api.app import api_transformer
from todo_app.web.headers import SecurityHeaders, content_security_policy, script_hashes

PAGE = '<html><head><script>window.x = 1;</script><script src="/a.js"></script></head></html>'


def _sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


def _page(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


def _json(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


def _client(tmp_path: Path) -> TestClient:
    (tmp_path / "login").mkdir()
    (tmp_path / "login" / "index.html").write_text(PAGE)
    inner = Starlette(routes=[Route("/login/", _page), Route("/ping", _json)])
    return TestClient(SecurityHeaders(api_transformer(inner), html_dir=tmp_path))


def test_inline_scripts_of_the_build_are_hashed(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text(PAGE)
    assert script_hashes(tmp_path) == (_sha("window.x = 1;"),)
    assert script_hashes(tmp_path / "missing") == ()


def test_every_answer_carries_the_headers(tmp_path: Path, db: None) -> None:
    client = _client(tmp_path)
    for path in ["/login/", "/ping", "/api/openapi.json", "/api/docs", "/api/nothing"]:
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "same-origin", path
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp, path
        assert _sha("window.x = 1;") in csp, path


def test_the_policy_is_strict() -> None:
    csp = dict(
        part.split(" ", 1) for part in content_security_policy(["'sha256-x'"], "h:1").split("; ")
    )
    assert csp["default-src"] == "'self'"
    # 'unsafe-eval' for Reflex's server-sent toasts (run_script); never 'unsafe-inline'.
    assert csp["script-src"] == "'self' 'unsafe-eval' 'sha256-x'"
    assert "unsafe-inline" not in csp["script-src"]
    assert csp["connect-src"] == "'self' ws://h:1 wss://h:1"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"


def test_a_forged_host_cannot_widen_the_policy() -> None:
    csp = content_security_policy([], "evil; script-src *")
    assert "evil" not in csp
    assert "connect-src 'self';" in csp


def test_a_websocket_passes_untouched() -> None:
    seen: list[Message] = []

    async def app(scope: dict, receive: object, send: object) -> None:
        await send({"type": "websocket.accept", "headers": []})  # type: ignore[operator]

    async def send(message: Message) -> None:
        seen.append(message)

    async def receive() -> Message:
        return {"type": "websocket.connect"}

    scope = {"type": "websocket", "path": "/_event/", "headers": []}
    asyncio.run(SecurityHeaders(app)(scope, receive, send))
    assert seen == [{"type": "websocket.accept", "headers": []}]


def test_hsts_is_sent_when_the_public_url_is_https(tmp_path: Path) -> None:
    inner = Starlette(routes=[Route("/ping", _json)])
    for public_url, expected in [
        ("https://todo.example.com", "max-age=31536000"),
        ("http://todo.example.com", None),
        ("", None),  # no public URL: this machine, over http
    ]:
        app = SecurityHeaders(api_transformer(inner), html_dir=tmp_path, public_url=public_url)
        headers = TestClient(app).get("/ping").headers
        assert headers.get("strict-transport-security") == expected, public_url
        assert headers["x-frame-options"] == "DENY"
