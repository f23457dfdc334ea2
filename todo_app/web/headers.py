"""Security headers on every HTTP answer of the backend: pages, their assets, /api, /ping.

In production (``reflex run --env prod``) the backend also serves the built frontend (Reflex
mounts ``.web/build/client`` as its catch-all route), so one ASGI layer around the whole
backend reaches the HTML, the JS assets and the API alike. Websocket scopes pass untouched.

The CSP is as strict as the built frontend allows:

- scripts: ``'self'`` plus the SHA-256 of each inline script in the prerendered pages (React
  Router's hydration context and Reflex's theme script). The pages are static files, so the
  hashes are read from them once at start-up and hold for that build. ``'unsafe-eval'`` is
  needed because Reflex shows every server-sent toast (``rx.toast``, the Undo toast, "Password
  changed") by sending its JavaScript as a string that the page evaluates (``run_script``;
  found by the browser tests: without it the toasts silently fail). What is evaluated comes
  only from our own server over our own websocket; ``'unsafe-inline'`` stays off, so markup
  injected into a page still cannot run.
- styles: ``'self' 'unsafe-inline'``. Emotion, Reflex's CSS-in-JS, writes ``<style>``
  elements while the page runs, with content that follows the state, so no hash can cover
  them and Reflex offers no nonce. Inline style cannot run code.
- connect: ``'self'`` and the websocket (ws/wss) of the host the page came from.

HSTS (``Strict-Transport-Security: max-age=31536000``, one year) is sent when
``TODO_PUBLIC_URL`` is https: the app is then served over TLS, often by a proxy in front, so
the scheme the backend sees says nothing. Browsers ignore the header over plain http, so a
visit through http://localhost is unaffected. No ``includeSubDomains``: the public URL names
this app's host only, and the app cannot know that every host under it speaks https (the
header would lock an http-only sibling out for a year); a deployer who knows can add it at
the proxy. No ``preload`` either: that is a request to browser vendors, not a default.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)
# A Host header we are willing to repeat inside the CSP (no spaces, quotes or semicolons).
_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")

FIXED_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"


def fixed_headers(public_url: str) -> dict[str, str]:
    """The headers every answer carries; HSTS only when the app's public URL is https."""
    if public_url.lower().startswith("https://"):
        return {**FIXED_HEADERS, "Strict-Transport-Security": HSTS}
    return dict(FIXED_HEADERS)


def script_hashes(html_dir: Path | None) -> tuple[str, ...]:
    """``'sha256-...'`` sources for every inline script of the built pages, in a stable order."""
    if html_dir is None or not html_dir.is_dir():
        return ()
    found: set[str] = set()
    for page in html_dir.rglob("*.html"):
        for body in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
            found.add(f"'sha256-{digest}'")
    return tuple(sorted(found))


def content_security_policy(hashes: Iterable[str], host: str | None) -> str:
    """The CSP for a page served to ``host`` (the request's Host header)."""
    connect = ["'self'"]
    if host and _SAFE_HOST.match(host):
        connect += [f"ws://{host}", f"wss://{host}"]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-eval'", *hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": connect,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


class SecurityHeaders:
    """Adds the CSP and the fixed headers to every HTTP answer that lacks them."""

    def __init__(self, app: ASGIApp, html_dir: Path | None = None, *, public_url: str = "") -> None:
        self.app = app
        self.hashes = script_hashes(html_dir)
        self.fixed = fixed_headers(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = content_security_policy(self.hashes, Headers(scope=scope).get("host"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in {**self.fixed, "Content-Security-Policy": csp}.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
