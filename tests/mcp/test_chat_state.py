"""/chat's state in-process (Reflex's real event processor, tests/state/harness.py) against
the scripted model server: a message shows at once, the reply streams in as several deltas
from a background task, each tool call becomes a line, the task is really added, the
conversation is listed and can be reopened; with the chat off the page says how to turn it
on, and a model that is down leaves the message shown with the reason."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator

import pytest

from tests.mcp.scripted_llm import ScriptedLLM
from tests.state.harness import StateHarness, signed_in_account, state_harness
from todo_app.mcp import chat
from todo_app.mcp.chat_state import ChatLine, ChatState
from todo_app.tasks import queries

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        h.path = "/chat"
        yield h


async def test_a_reply_streams_in_with_its_tool_calls(
    tab: StateHarness, chat_on: ScriptedLLM
) -> None:
    ann = await signed_in_account(tab, "Ann")
    await tab.run(ChatState.load_chat)
    state = await tab.state(ChatState)
    assert state.chat_enabled
    assert state.conversations == []

    await tab.run(ChatState.send, form_data={"message": "add Buy milk"})

    state = await tab.state(ChatState)
    assert not state.streaming
    assert state.error == ""
    [asked, answered] = state.lines
    assert asked == ChatLine("user", "add Buy milk")
    assert (answered.role, answered.content) == ("assistant", "Added 'Buy milk'.")
    [added] = answered.tools
    assert (added.text, added.undone) == ("Added 'Buy milk'", False)
    assert added.change_id  # the change the Undo button reverses
    # Streamed: the reply reached the browser in several deltas.
    texts = [
        line.content
        for delta in tab.sent_deltas(ChatState)
        for key, lines in delta.items()
        if key.startswith("lines")
        for line in lines
        if line.role == "assistant"
    ]
    assert len(set(texts)) > 2
    page = await asyncio.to_thread(queries.list_tasks, ann.id)
    assert [t.title for t in page.items] == ["Buy milk"]

    # Undo on the tool's line reverses the change through the engine, and says so.
    await tab.run(ChatState.undo, change_id=added.change_id)
    state = await tab.state(ChatState)
    assert state.lines[-1].tools[0].undone
    page = await asyncio.to_thread(queries.list_tasks, ann.id)
    assert page.items == []
    [row] = state.conversations
    assert row.title == "add Buy milk"
    assert state.conversation_id == row.id

    # A fresh visit, then reopening the conversation from the list.
    await tab.run(ChatState.load_chat)
    assert (await tab.state(ChatState)).lines == []
    await tab.run(ChatState.open_conversation, conversation_id=row.id)
    assert [line.role for line in (await tab.state(ChatState)).lines] == ["user", "assistant"]


async def test_chat_off_says_how_to_turn_it_on(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = dataclasses.replace(chat.get_settings(), llm_base_url="", llm_model="")
    monkeypatch.setattr(chat, "get_settings", lambda: off)
    await signed_in_account(tab, "Ann")
    await tab.run(ChatState.load_chat)
    state = await tab.state(ChatState)
    assert not state.chat_enabled
    assert "TODO_LLM_BASE_URL" in state.off_message
    await tab.run(ChatState.send, form_data={"message": "hello"})
    assert (await tab.state(ChatState)).lines == []


async def test_a_model_that_is_down_keeps_the_message_and_says_why(
    tab: StateHarness, chat_on: ScriptedLLM
) -> None:
    await signed_in_account(tab, "Ann")
    await tab.run(ChatState.load_chat)
    chat_on.fail_with = 500
    await tab.run(ChatState.send, form_data={"message": "hello"})
    state = await tab.state(ChatState)
    assert not state.streaming
    assert state.lines == [ChatLine("user", "hello")]
    assert "HTTP 500" in state.error
    assert len(state.conversations) == 1
