"""The MCP server on the app's own port (``/mcp``, in front of Reflex's backend in the
production server): a task an assistant adds through the MCP SDK's client appears on the
open page without a reload, and a tick on the page is what the assistant reads next."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_live import SOON, _api
from tests.e2e.test_tasks import sign_up


async def _calls(url: str, token: str, calls: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    headers = {"Authorization": f"Bearer {token}"}
    answers: list[Any] = []
    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(url, http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for name, arguments in calls:
            result = await session.call_tool(name, arguments)
            assert not result.is_error, result.content
            answers.append(result.structured_content)
    return answers


def mcp(server: Server, token: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """The calls over streamable HTTP, in a thread of their own: Playwright's sync API keeps
    an event loop running in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _calls(f"{server.url}/mcp", token, list(calls))).result()


def test_an_assistants_task_reaches_the_open_page(page: Page, server: Server) -> None:
    sign_up(page, "Assistant")
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    session = page.evaluate("localStorage.getItem('todo_token')")
    created = _api(
        server,
        "/api/tokens",
        {"name": "assistant", "scopes": ["tasks:read", "tasks:write"], "expires_in_days": 30},
        session,
    )

    [added] = mcp(server, created["token"], ("add_task", {"title": "Asked the assistant"}))
    assert added["status"] == "created"
    row = page.get_by_role("checkbox", name="Asked the assistant")
    expect(row).to_be_visible(timeout=SOON)

    row.click()
    expect(row).to_be_checked()
    [done] = mcp(server, created["token"], ("list_tasks", {"status": "completed"}))
    assert [(t["id"], t["completed"]) for t in done["tasks"]] == [(added["task_id"], True)]
