"""The MCP server through the MCP SDK's own client: streamable HTTP against a real server
(uvicorn in a thread, as tests/interop does) and stdio against ``python -m todo_app.mcp``.

    python -m pytest tests/mcp            # ./test.sh runs it on SQLite and PostgreSQL
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from sqlmodel import SQLModel

from tests.factories import PASSWORD, unique_email
from tests.interop.conftest import DavServer, start_server, tasks_of
from todo_app.auth import access_tokens
from todo_app.auth import service as auth_service
from todo_app.db import get_engine
from todo_app.mcp.server import with_mcp
from todo_app.mcp.tools import TOOLS
from todo_app.tasks import queries, writes

ROOT = Path(__file__).resolve().parents[2]
ALL = ["tasks:read", "tasks:write", "lists:read"]
READ_TOOLS = {"list_tasks", "search_tasks", "get_overview"}


@pytest.fixture(scope="module")
def server() -> Iterator[DavServer]:
    """The MCP door in front of the REST API, as the app's front doors put them."""
    from todo_app.api.app import create_api

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    access_tokens.rate_limiter.reset()
    srv = start_server(with_mcp(create_api()))
    yield srv
    srv.stop()
    SQLModel.metadata.drop_all(engine)


def make_user(name: str, scopes: list[str] = ALL) -> tuple[uuid.UUID, str]:
    user_id = auth_service.sign_up(unique_email(name.lower()), PASSWORD, name).user.id
    return user_id, access_tokens.create(user_id, "assistant", scopes, None).token


@asynccontextmanager
async def connect(url: str, token: str) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


async def call(session: ClientSession, name: str, **arguments: Any) -> dict[str, Any]:
    result = await session.call_tool(name, arguments)
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


async def refused(session: ClientSession, name: str, **arguments: Any) -> CallToolResult:
    result = await session.call_tool(name, arguments)
    assert result.is_error, result
    return result


def text(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


# --- streamable HTTP ----------------------------------------------------------------------


async def test_a_tokens_scopes_decide_the_listed_tools(server: DavServer) -> None:
    _, read_token = make_user("Reader", ["tasks:read"])
    _, full_token = make_user("Full")
    async with connect(f"{server.url}/mcp", read_token) as session:
        listed = {tool.name for tool in (await session.list_tools()).tools}
    assert listed == READ_TOOLS
    async with connect(f"{server.url}/mcp", full_token) as session:
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
    assert set(tools) == {spec.name for spec in TOOLS}
    assert len(tools) == 12
    for spec in TOOLS:
        tool = tools[spec.name]
        assert tool.description == spec.description
        assert tool.annotations is not None
        assert tool.annotations.read_only_hint is spec.read_only
        assert "user_id" not in tool.input_schema.get("properties", {})
    assert tools["delete_task"].annotations.destructive_hint is True
    assert tools["add_task"].annotations.destructive_hint is False
    assert tools["update_task"].annotations.idempotent_hint is True
    assert tools["add_task"].input_schema["required"] == ["title"]
    assert tools["list_tasks"].input_schema["properties"]["status"]["enum"] == [
        "all",
        "pending",
        "completed",
    ]


def phase(result: dict) -> dict:
    """Phase III's three fields of a write's result (it also names its change_id)."""
    assert set(result) == {"task_id", "status", "title", "change_id"}
    return {k: result[k] for k in ("task_id", "status", "title")}


async def test_phase_three_tools_round_trip(server: DavServer) -> None:
    user_id, token = make_user("Ann")
    async with connect(f"{server.url}/mcp/", token) as session:  # with the slash too
        added = await call(session, "add_task", title="Buy milk", description="2 litres")
        task_id = added["task_id"]
        assert phase(added) == {"task_id": task_id, "status": "created", "title": "Buy milk"}
        await call(session, "add_task", title="Call mum")

        pending = await call(session, "list_tasks", status="pending")
        rows = {row["id"]: row for row in pending["tasks"]}
        assert rows[task_id]["title"] == "Buy milk"
        assert rows[task_id]["completed"] is False
        assert pending["total"] == 2

        updated = await call(session, "update_task", task_id=task_id, title="Buy oat milk")
        assert phase(updated) == {"task_id": task_id, "status": "updated", "title": "Buy oat milk"}
        done = await call(session, "complete_task", task_id=task_id)
        assert phase(done) == {"task_id": task_id, "status": "completed", "title": "Buy oat milk"}
        completed = await call(session, "list_tasks", status="completed")
        assert [row["id"] for row in completed["tasks"]] == [task_id]
        assert completed["tasks"][0]["completed"] is True

        deleted = await call(session, "delete_task", task_id=task_id)
        assert phase(deleted) == {"task_id": task_id, "status": "deleted", "title": "Buy oat milk"}
        assert len((await call(session, "list_tasks"))["tasks"]) == 1
    assert [task.title for task in tasks_of(user_id)] == ["Call mum"]
    async with connect(f"{server.url}/mcp", token) as session:  # and undone, by its change
        await call(session, "undo_change", change_id=deleted["change_id"])
    assert sorted(task.title for task in tasks_of(user_id)) == ["Buy oat milk", "Call mum"]


async def test_another_users_task_is_not_found_and_stays_as_it_was(server: DavServer) -> None:
    _, ann_token = make_user("Ann")
    bob_id, _ = make_user("Bob")
    bobs = writes.create_task(bob_id, "Bob's secret", "private")
    async with connect(f"{server.url}/mcp", ann_token) as session:
        for name, extra in (
            ("complete_task", {}),
            ("update_task", {"title": "taken over"}),
            ("delete_task", {}),
            ("uncomplete_task", {}),
        ):
            result = await refused(session, name, task_id=str(bobs.id), **extra)
            assert "not found" in text(result).lower()
        assert (await call(session, "list_tasks"))["tasks"] == []
        assert (await call(session, "search_tasks", query="secret"))["tasks"] == []
    after = queries.get_task(bob_id, bobs.id)
    assert (after.title, after.description, after.completed) == ("Bob's secret", "private", False)


async def test_service_errors_are_tool_errors_a_person_reads(server: DavServer) -> None:
    _, token = make_user("Ann")
    async with connect(f"{server.url}/mcp", token) as session:
        result = await refused(session, "add_task", title="   ")
        assert result.structured_content is not None
        assert "title" in result.structured_content["fields"]
        assert text(result) == result.structured_content["error"]
        result = await refused(session, "complete_task", task_id="not-a-uuid")
        assert "task_id" in text(result)
        result = await refused(session, "complete_task", task_id=str(uuid.uuid4()))
        assert text(result) == "Task not found"


async def test_a_read_only_token_cannot_write(server: DavServer) -> None:
    user_id, token = make_user("Reader", ["tasks:read"])
    async with connect(f"{server.url}/mcp", token) as session:
        result = await refused(session, "add_task", title="Sneaky")
        assert text(result) == "This token lacks the scope tasks:write"
        result = await refused(session, "list_lists")
        assert "lists:read" in text(result)
        assert (await call(session, "list_tasks"))["total"] == 0
    assert tasks_of(user_id) == []


async def test_no_or_a_bad_token_is_401(server: DavServer) -> None:
    user_id, token = make_user("Ann")
    revoked_id, revoked = make_user("Gone")
    access_tokens.revoke(revoked_id, access_tokens.list_tokens(revoked_id)[0].id)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    accept = {"Accept": "application/json, text/event-stream"}
    async with httpx2.AsyncClient(timeout=10) as http:
        for headers in (
            {},
            {"Authorization": "Bearer todo_pat_nonsense"},
            {"Authorization": f"Bearer {revoked}"},
            {"Authorization": f"Basic {token}"},
        ):
            answer = await http.post(f"{server.url}/mcp", json=body, headers={**accept, **headers})
            assert answer.status_code == 401, headers
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert answer.json()["detail"]
        caldav_only = access_tokens.create(user_id, "phone", ["caldav"], None).token
        answer = await http.post(
            f"{server.url}/mcp",
            json=body,
            headers={**accept, "Authorization": f"Bearer {caldav_only}"},
        )
        assert answer.status_code == 403
        assert "tasks:read" in answer.json()["detail"]


async def test_two_users_concurrent_calls_never_mix(server: DavServer) -> None:
    users = [make_user("Ann"), make_user("Bob")]

    async def work(token: str, who: str) -> set[str]:
        async with connect(f"{server.url}/mcp", token) as session:
            await asyncio.gather(
                *(call(session, "add_task", title=f"{who} {i}") for i in range(12))
            )
            listed = await call(session, "list_tasks")
            return {row["title"] for row in listed["tasks"]}

    seen = await asyncio.gather(*(work(token, f"user{n}") for n, (_, token) in enumerate(users)))
    for n, (user_id, _) in enumerate(users):
        expected = {f"user{n} {i}" for i in range(12)}
        assert seen[n] == expected
        assert {task.title for task in tasks_of(user_id)} == expected


# --- stdio --------------------------------------------------------------------------------


def stdio_env(token: str | None) -> dict[str, str]:
    env = {
        key: os.environ[key]
        for key in ("REFLEX_DB_URL", "TODO_DATA_DIR", "TODO_ENV", "PATH", "HOME")
        if key in os.environ
    }
    env.update(REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false")
    if token is not None:
        env["TODO_API_TOKEN"] = token
    return env


async def test_stdio_serves_the_tokens_user(server: DavServer) -> None:
    user_id, token = make_user("Desk")
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "todo_app.mcp"], env=stdio_env(token), cwd=ROOT
    )
    async with (
        stdio_client(params) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        names = {tool.name for tool in (await session.list_tools()).tools}
        assert names == {spec.name for spec in TOOLS}
        added = await call(session, "add_task", title="From the desktop")
        assert added["status"] == "created"
        listed = await call(session, "list_tasks", status="pending")
        assert [row["title"] for row in listed["tasks"]] == ["From the desktop"]
    assert [task.title for task in tasks_of(user_id)] == ["From the desktop"]
    assert str(tasks_of(user_id)[0].id) == added["task_id"]


def run_stdio(token: str | None) -> subprocess.CompletedProcess[str]:
    """``python -m todo_app.mcp`` run to its end (a refused token ends it at once)."""
    return subprocess.run(
        [sys.executable, "-m", "todo_app.mcp"],
        env=stdio_env(token),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("token", "message"),
    [(None, "TODO_API_TOKEN is not set"), ("todo_pat_" + "x" * 43, "not valid")],
)
def test_stdio_refuses_a_missing_or_bad_token(
    server: DavServer, token: str | None, message: str
) -> None:
    done = run_stdio(token)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert done.stdout == ""


def test_stdio_refuses_a_revoked_token(server: DavServer) -> None:
    user_id, token = make_user("Gone")
    access_tokens.revoke(user_id, access_tokens.list_tokens(user_id)[0].id)
    done = run_stdio(token)
    assert done.returncode == 2
    assert "revoked" in done.stderr


async def test_a_busy_token_is_throttled(
    server: DavServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, token = make_user("Busy")
    monkeypatch.setattr(access_tokens.rate_limiter, "limit", 1)
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {token}"}
    try:
        async with httpx2.AsyncClient(timeout=10) as http:
            await http.post(f"{server.url}/mcp", json=body, headers=headers)
            answer = await http.post(f"{server.url}/mcp", json=body, headers=headers)
        assert answer.status_code == 429
        assert int(answer.headers["retry-after"]) >= 1
    finally:
        access_tokens.rate_limiter.reset()
