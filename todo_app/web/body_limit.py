"""Refuses request bodies over a limit with 413, before the application reads them.

A declared ``Content-Length`` over the limit is answered at once, without reading a byte; a
body without one (chunked) is counted as it streams and cut off at the limit. Either way the
application never holds more than ``max_bytes`` of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_MAX_BODY_BYTES = 64 * 1024  # the largest valid API request is a few KiB
# An import (``POST /api/import``) carries a whole account: 10,000 tasks with long
# descriptions fit. The one route allowed more, declared where the API adds this layer.
IMPORT_MAX_BODY_BYTES = 20 * 1024 * 1024


def too_large_detail(max_bytes: int) -> str:
    """The 413 reason, with the limit a client needs to retry."""
    return f"The request body is larger than the limit of {max_bytes} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when the streamed body passes the limit. An HTTPException, so
    FastAPI's body parsing lets it through and answers 413 itself (``{"detail": ...}``)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(status_code=413, detail=too_large_detail(max_bytes))


class BodyLimit:
    """Wraps ``app`` so no HTTP request body longer than ``max_bytes`` reaches it (or, for a
    path in ``larger``, the limit given there)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int = API_MAX_BODY_BYTES,
        larger: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = dict(larger or {})

    async def _refuse(self, send: Send, max_bytes: int) -> None:
        body = json.dumps({"detail": too_large_detail(max_bytes)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    # The rest of the body is not read, so the connection cannot be reused.
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        root = scope.get("root_path", "")
        path = path[len(root) :] if root and path.startswith(root) else path
        max_bytes = self.larger.get(path.rstrip("/"), self.max_bytes)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
            await self._refuse(send, max_bytes)
            return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, max_bytes)
