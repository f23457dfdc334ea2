"""/chat in Chromium against the production server, whose model is the scripted
OpenAI-compatible test double (tests/mcp/scripted_llm.py): a message sent, the reply and its
tool-call line shown, the conversation listed, the task really on the task page, and its
Undo reversing it there."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_auth_flows import NO_HORIZONTAL_SCROLL
from tests.mcp.scripted_llm import ScriptedLLM

PASSWORD = "correct horse battery"


def test_a_message_adds_a_task_and_the_reply_shows_its_tool_call(
    page: Page, server: Server, scripted_llm: ScriptedLLM
) -> None:
    page.goto("/signup")
    page.get_by_label("Name").fill("Cass Chat")
    page.get_by_label("Email").fill(f"chat-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/?$"))

    # The task page, open in another tab, shows what the assistant adds without a reload.
    tasks_tab = page.context.new_page()
    tasks_tab.goto("/")
    expect(tasks_tab.get_by_role("heading", level=1)).to_be_visible()

    page.get_by_role("link", name="Chat").click()
    expect(page.get_by_role("heading", name="Chat", level=1)).to_be_visible()
    conversations = page.get_by_role("list", name="Conversations")
    expect(conversations.get_by_role("listitem")).to_have_count(0)

    page.get_by_role("textbox", name="Message").fill("add Buy oat milk")
    page.get_by_role("button", name="Send").click()

    log = page.get_by_role("log", name="Messages")
    expect(log.get_by_text("Added 'Buy oat milk'", exact=True)).to_be_visible()
    expect(log.get_by_text("Added 'Buy oat milk'.", exact=True)).to_be_visible()
    expect(conversations.get_by_role("listitem")).to_have_count(1)
    expect(page.get_by_role("textbox", name="Message")).to_have_value("")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    assert_accessible(page, "/chat with a conversation")
    screenshot(page, "chat")

    expect(tasks_tab.get_by_text("Buy oat milk", exact=True)).to_be_visible()
    # Undo on the tool's line: the change engine reverses it, and the task page follows.
    log.get_by_role("button", name="Undo: Added 'Buy oat milk'").click()
    expect(log.get_by_text("Undone", exact=True)).to_be_visible()
    expect(tasks_tab.get_by_text("Buy oat milk", exact=True)).to_have_count(0)

    page.set_viewport_size({"width": 320, "height": 640})
    expect(page.get_by_role("heading", name="Chat", level=1)).to_be_visible()
    assert page.evaluate(NO_HORIZONTAL_SCROLL)
    screenshot(page, "chat-320")
