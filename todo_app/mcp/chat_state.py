"""/chat's state: the conversation list, the open conversation, and the reply streaming in.

Sending is two events. ``send`` (foreground, ``@signed_in``) checks the message, shows it at
once and leaves the turn in a backend-only var; ``stream_reply`` (background) takes it and
runs ``chat.chat_stream`` outside the state lock, appending each text delta and tool call
under ``async with self``, so the tab stays responsive while the model thinks. The user id
comes from the verified session, never from the browser. Every change the assistant makes
goes through the services, so the task page updates live as for any other change.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.state import AuthState, public, signed_in
from todo_app.errors import InvalidInput, NotFound, ServiceError
from todo_app.mcp import chat, tools


@dataclasses.dataclass(frozen=True)
class ToolLine:
    """One tool call as shown ("Deleted 'Buy milk'"), and the change Undo reverses ("" for a
    read, or once undone)."""

    text: str
    change_id: str = ""
    undone: bool = False


def _tool(call: dict[str, Any]) -> ToolLine:
    result = call.get("result") if isinstance(call.get("result"), dict) else {}
    return ToolLine(chat.tool_line(call), str(result.get("change_id") or ""))


@dataclasses.dataclass(frozen=True)
class ChatLine:
    """One message as shown: who said it, the words, and a line per tool call."""

    role: str
    content: str
    tools: tuple[ToolLine, ...] = ()


@dataclasses.dataclass(frozen=True)
class ConversationRow:
    id: str
    title: str


def _line(row: dict[str, Any]) -> ChatLine:
    return ChatLine(
        role=row["role"],
        content=row["content"],
        tools=tuple(_tool(call) for call in row.get("tool_calls") or ()),
    )


class ChatState(AuthState):
    """The chat page of this tab."""

    chat_enabled: bool = False
    off_message: str = chat.CHAT_OFF
    conversations: list[ConversationRow] = []
    conversation_id: str = ""
    lines: list[ChatLine] = []
    streaming: bool = False
    error: str = ""
    # The turn ``send`` accepted, for ``stream_reply`` (never sent to the browser).
    _pending: dict[str, Any] = {}

    async def _refresh_conversations(self, user_id: uuid.UUID) -> None:
        rows = await asyncio.to_thread(chat.list_conversations, user_id)
        self.conversations = [ConversationRow(str(r["id"]), r["title"]) for r in rows]

    @rx.event
    @signed_in
    async def load_chat(self, who: service.Authenticated) -> None:
        """on_load of /chat, after ``require_login``."""
        self.chat_enabled = chat.chat_settings() is not None
        self.error = ""
        if not self.streaming:
            self.lines = []
            self.conversation_id = ""
        await self._refresh_conversations(who.user.id)

    @rx.event
    @signed_in
    async def open_conversation(self, who: service.Authenticated, conversation_id: str) -> None:
        if self.streaming:
            return
        self.error = ""
        try:
            rows = await asyncio.to_thread(
                chat.list_messages, who.user.id, uuid.UUID(conversation_id)
            )
        except (NotFound, ValueError):
            self.error = "That conversation no longer exists."
            await self._refresh_conversations(who.user.id)
            return
        self.conversation_id = conversation_id
        self.lines = [_line(row) for row in rows]

    @rx.event
    @signed_in
    async def new_chat(self, who: service.Authenticated) -> None:
        if self.streaming:
            return
        self.conversation_id = ""
        self.lines = []
        self.error = ""

    @rx.event
    @signed_in
    async def send(
        self, who: service.Authenticated, form_data: dict[str, Any]
    ) -> AsyncIterator[EventSpec | None]:
        """Show the message at once and start the reply."""
        if self.streaming or not self.chat_enabled:
            return
        try:
            text = chat.clean_message(str(form_data.get("message", "")))
        except InvalidInput as exc:
            self.error = exc.fields["message"]
            return
        self.error = ""
        self.lines = [*self.lines, ChatLine("user", text), ChatLine("assistant", "")]
        self.streaming = True
        self._pending = {
            "user_id": who.user.id,
            "conversation_id": uuid.UUID(self.conversation_id) if self.conversation_id else None,
            "message": text,
        }
        yield ChatState.stream_reply

    @rx.event
    @signed_in
    async def undo(self, who: service.Authenticated, change_id: str) -> None:
        """Undo one change the assistant made, through the change engine (as the task
        page's Undo does); the task page shows it live."""
        try:
            await asyncio.to_thread(tools.undo_change, who.user.id, change_id)
        except ServiceError as exc:
            self.error = exc.message
            return
        self.error = ""
        self.lines = [
            dataclasses.replace(
                line,
                tools=tuple(
                    dataclasses.replace(t, undone=True) if t.change_id == change_id else t
                    for t in line.tools
                ),
            )
            for line in self.lines
        ]

    def _last(self, content: str = "", tool: ToolLine | None = None) -> None:
        last = self.lines[-1]
        tools = (*last.tools, tool) if tool else last.tools
        self.lines = [*self.lines[:-1], ChatLine(last.role, last.content + content, tools)]

    @rx.event(background=True)
    @public
    async def stream_reply(self) -> None:
        """The model's reply, appended as it comes (outside the state lock). Public: it acts
        only on the turn ``send`` (signed in) left in a backend-only var, for the user
        ``send`` verified; called on its own it finds none and does nothing."""
        async with self:
            pending, self._pending = self._pending, {}
        if not pending:
            return
        user_id = pending["user_id"]
        try:
            async for event in chat.chat_stream(
                user_id, pending["message"], pending["conversation_id"]
            ):
                async with self:
                    if event["type"] == "conversation":
                        self.conversation_id = str(event["conversation_id"])
                    elif event["type"] == "delta":
                        self._last(content=event["text"])
                    elif event["type"] == "tool_call":
                        self._last(tool=_tool(event))
        except chat.ChatOff as exc:
            async with self:
                self.chat_enabled = False
                self.error = exc.message
        except (chat.ChatUnavailable, NotFound, InvalidInput) as exc:
            async with self:
                self.error = exc.message
        finally:
            async with self:
                if (
                    self.lines
                    and self.lines[-1].role == "assistant"
                    and not (self.lines[-1].content or self.lines[-1].tools)
                ):
                    self.lines = self.lines[:-1]
                self.streaming = False
                await self._refresh_conversations(user_id)
