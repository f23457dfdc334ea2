"""The production server sends its security headers and CSP on pages, assets and /api, the
built frontend (and /api/docs) runs under that CSP without a single violation, and Reflex's
routes answer CORS only for the app's own origin."""

from __future__ import annotations

import json
import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import Server

PAGES = ["/", "/login", "/signup", "/forgot", "/reset?token=x", "/account", "/api/docs"]
EVIL = "https://evil.example"
# Records every CSP violation from the first script on, in the page's own realm.
VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""


def _head(server: Server, path: str, **headers: str) -> dict[str, str]:
    req = urllib.request.Request(f"{server.url}{path}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        resp.read()
        return {k.lower(): v for k, v in resp.headers.items()}


def _asset(server: Server) -> str:
    with urllib.request.urlopen(f"{server.url}/login/", timeout=10) as resp:  # noqa: S310
        html = resp.read().decode()
    return re.findall(r'src="(/assets/[^"]+\.js)"|href="(/assets/[^"]+\.js)"', html)[0][1]


@pytest.mark.parametrize("path", ["/", "/login/", "/api/openapi.json", "/ping", "asset"])
def test_headers_on_pages_assets_and_api(server: Server, path: str) -> None:
    headers = _head(server, _asset(server) if path == "asset" else path)
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    csp = headers["content-security-policy"]
    for directive in [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]:
        assert directive in csp
    assert "'sha256-" in csp  # the build's inline scripts, hashed
    script_src = csp.split("script-src ", 1)[1].split(";", 1)[0]
    assert "'unsafe-inline'" not in script_src


def _sign_in(server: Server, page: Page) -> None:
    body = json.dumps(
        {"email": f"csp-{uuid.uuid4().hex[:8]}@example.com", "password": "correct horse battery"}
    ).encode()
    req = urllib.request.Request(  # noqa: S310
        f"{server.url}/api/auth/sign-up", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        token = json.loads(resp.read())["token"]
    page.goto("/login")
    page.evaluate("token => localStorage.setItem('todo_token', token)", token)


def test_no_csp_violation_on_any_page(server: Server, page: Page) -> None:
    refused: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if "Refused to" in msg.text or "Content Security Policy" in msg.text:
            refused.append(msg.text)

    page.on("console", on_console)
    page.add_init_script(VIOLATIONS)
    _sign_in(server, page)
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        if path == "/":
            # The page is live: the websocket connected and a change went through it.
            field = page.get_by_label("New task")
            field.fill("Under the CSP")
            field.press("Enter")
            expect(page.get_by_role("checkbox", name="Under the CSP")).to_be_visible()
            # A server-sent toast (Reflex evaluates its script): the Undo after a delete.
            page.get_by_role("button", name="Delete Under the CSP").click()
            expect(page.get_by_role("button", name="Undo")).to_be_visible()
        if path == "/api/docs":
            expect(page.get_by_text("/api/tasks").first).to_be_visible()
        page.wait_for_timeout(300)
        violations = page.evaluate("window.__csp")
        assert violations == [], (path, violations)
    assert refused == []


@pytest.mark.parametrize("path", ["/ping", "/_health", "/api/openapi.json"])
def test_an_evil_origin_gets_no_cors(server: Server, path: str) -> None:
    assert "access-control-allow-origin" not in _head(server, path, Origin=EVIL)
    own = _head(server, path, Origin=server.url)
    assert own["access-control-allow-origin"] == server.url
