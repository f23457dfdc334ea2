"""Refuses JSON bodies that Python parses but nothing downstream can hold, with a 422.

``json.loads`` accepts a lone surrogate (``"\\udc00"``) and turns ``1e999`` or ``NaN`` into
floats that are not numbers. Either would reach a service or the database (which cannot store
the one and should not store the other), or fail while being written back into a reply. One
check at the door covers every field of every route, present and future.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOT_UNICODE = "Must be valid Unicode text (a lone surrogate such as \\udc00 is not)"
NOT_UNICODE_NAME = "A field name must be valid Unicode text (a lone surrogate is not)"
NOT_FINITE = "Must be a finite number"
# No request of this API nests deeper than about 4 (a task's reminders: body, list, object);
# 32 leaves room and keeps every later reader (pydantic, the services) far from Python's
# recursion limit. "[" * 900 + "]" * 900 overflowed it here: a 500 and a traceback.
JSON_DEPTH_MAX = 32
TOO_DEEP = f"JSON must not nest deeper than {JSON_DEPTH_MAX} levels"


def _problems(value: Any, loc: list[str | int]) -> list[dict[str, Any]]:
    """FastAPI-shaped errors for every unusable string or number in ``value``, and for
    nesting deeper than ``JSON_DEPTH_MAX``. Iterative: its depth is not Python's stack."""
    found: list[dict[str, Any]] = []
    pending: list[tuple[Any, list[str | int]]] = [(value, loc)]
    while pending:
        item, where = pending.pop()
        if isinstance(item, str):
            if not _is_unicode(item):
                found.append({"loc": where, "msg": NOT_UNICODE, "type": "value_error"})
        elif isinstance(item, float):
            if not math.isfinite(item):
                found.append({"loc": where, "msg": NOT_FINITE, "type": "value_error"})
        elif isinstance(item, list | dict):
            if len(where) - len(loc) >= JSON_DEPTH_MAX:
                return [{"loc": loc, "msg": TOO_DEEP, "type": "value_error"}]
            if isinstance(item, list):
                pending.extend((child, [*where, i]) for i, child in reversed(list(enumerate(item))))
                continue
            children = []
            for key, child in item.items():
                if not _is_unicode(key):
                    # The name itself cannot be echoed; say where it sits.
                    found.append({"loc": where, "msg": NOT_UNICODE_NAME, "type": "value_error"})
                    continue
                children.append((child, [*where, key]))
            pending.extend(reversed(children))
    return found


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _is_json(headers: Headers) -> bool:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    return content_type in {"", "application/json"} or content_type.endswith("+json")


def body_problems(body: bytes) -> list[dict[str, Any]]:
    """The problems in a JSON body; none for a body that is not JSON (FastAPI words that)."""
    try:
        parsed = json.loads(body)
    except RecursionError:  # deeper than Python's own limit: far past ours
        return [{"loc": ["body"], "msg": TOO_DEEP, "type": "value_error"}]
    except ValueError:
        return []
    return _problems(parsed, ["body"])


class JsonGuard:
    """Reads a JSON request body (already capped by ``BodyLimit``), answers 422 if it holds
    a lone surrogate or a non-finite number or nests deeper than ``JSON_DEPTH_MAX``, and
    otherwise replays it to ``app``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        if not _is_json(Headers(scope=scope)):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client left; let the app see the same.
                await self.app(scope, _replay([], message, receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problems = body_problems(body) if body else []
        if problems:
            await JSONResponse({"detail": problems}, status_code=422)(scope, receive, send)
            return
        await self.app(scope, _replay([body], None, receive), send)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive) -> Receive:
    """A ``receive`` that hands out the buffered body once, then defers to the real one."""
    pending: list[Message] = [{"type": "http.request", "body": b"".join(chunks)}]
    if last is not None:
        pending = [last]

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
