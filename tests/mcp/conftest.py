"""The chat's tests: the REST API's fixtures (a client on empty tables, two signed-up users),
and the scripted model server with the chat pointed at it."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from tests.api.conftest import alice, api, bob, client  # noqa: F401  (fixtures)
from tests.mcp.scripted_llm import ScriptedLLM, running
from todo_app.mcp import chat
from todo_app.settings import get_settings


@pytest.fixture(scope="session")
def llm() -> Iterator[ScriptedLLM]:
    yield from running()


@pytest.fixture
def chat_on(llm: ScriptedLLM, monkeypatch: pytest.MonkeyPatch) -> ScriptedLLM:
    """The chat pointed at the scripted server."""
    llm.reset()
    settings = dataclasses.replace(
        get_settings(), llm_base_url=llm.base_url, llm_model="scripted", llm_timeout_seconds=5
    )
    monkeypatch.setattr(chat, "get_settings", lambda: settings)
    return llm
