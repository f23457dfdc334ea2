"""Request bodies over the API's limit are refused with 413 before they are read, whether
they declare their length or stream it (chunked); nothing under the limit changes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

from tests.api.conftest import Account
from todo_app.web.body_limit import API_MAX_BODY_BYTES, BodyLimit

LIMIT = API_MAX_BODY_BYTES


def _chunks(total: int, size: int = 16 * 1024) -> Iterator[bytes]:
    """A body without Content-Length: the client sends it chunked."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


def test_the_limit_is_64_kib() -> None:
    assert LIMIT == 64 * 1024


def test_a_declared_oversize_body_is_refused_without_a_token(client: TestClient) -> None:
    body = b'{"email": "a@example.com", "password": "' + b"p" * (LIMIT + 1) + b'"}'
    response = client.post(
        "/api/auth/sign-in", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert str(LIMIT) in response.json()["detail"]
    assert "ppp" not in response.text  # nothing of the input comes back


def test_a_streamed_oversize_body_is_cut_off(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/api/tasks",
        content=_chunks(LIMIT * 4),
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert str(LIMIT) in response.json()["detail"]


def test_a_body_at_the_limit_is_read(client: TestClient, alice: Account) -> None:
    filler = "d" * (LIMIT - len('{"title": "ok", "description": ""}'))
    body = f'{{"title": "ok", "description": "{filler}"}}'.encode()
    assert len(body) == LIMIT
    response = client.post(
        "/api/tasks", content=body, headers={**alice.headers, "Content-Type": "application/json"}
    )
    # Read and judged by the field rules (a description is at most 2,000 characters).
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "description"]


def test_an_invalid_content_length_is_refused(client: TestClient) -> None:
    response = client.post("/api/auth/sign-in", content=b"{}", headers={"Content-Length": "-1"})
    assert response.status_code in {400, 413}


def _run(
    app: Any, messages: list[Message], headers: list[tuple[bytes, bytes]]
) -> tuple[list[Message], int]:
    """Drive ``app`` with these request messages; returns what it sent and how many of the
    messages it pulled."""
    sent: list[Message] = []
    pulled = 0

    async def receive() -> Message:
        nonlocal pulled
        pulled += 1
        return messages[pulled - 1] if pulled <= len(messages) else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/", "headers": headers}
    asyncio.run(app(scope, receive, send))
    return sent, pulled


def _reader() -> FastAPI:
    """An app that reads the whole body, as any JSON route does."""
    app = FastAPI()

    @app.post("/")
    async def read(body: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(body)}

    return app


def test_a_declared_length_is_refused_before_a_byte_is_read() -> None:
    limited = BodyLimit(_reader(), max_bytes=10)
    messages: list[Message] = [{"type": "http.request", "body": b"x" * 11}]
    sent, pulled = _run(limited, messages, [(b"content-length", b"11")])
    assert sent[0]["status"] == 413
    assert pulled == 0


def test_a_stream_is_not_read_past_the_limit() -> None:
    limited = BodyLimit(_reader(), max_bytes=10)
    messages: list[Message] = [
        {"type": "http.request", "body": b"x" * 6, "more_body": True} for _ in range(100)
    ]
    sent, pulled = _run(limited, messages, [(b"content-type", b"application/json")])
    assert sent[0]["status"] == 413
    assert pulled == 2  # 12 bytes seen, then it stopped
