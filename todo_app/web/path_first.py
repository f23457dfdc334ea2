"""One door in front of the rest: the HTTP requests whose path it claims go to it, every other
request (and every lifespan or websocket scope) goes on. CalDAV and the MCP server sit in
front of the REST API and Reflex this way (``todo_app.py``'s ``front_doors``)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send


class PathFirst:
    def __init__(self, claims: Callable[[str], bool], door: ASGIApp, fallback: ASGIApp) -> None:
        self.claims = claims
        self.door = door
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        mine = scope["type"] == "http" and self.claims(scope["path"])
        await (self.door if mine else self.fallback)(scope, receive, send)
