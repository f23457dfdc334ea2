"""Bodies of the chat routes (``api.routes_chat``), with the chat service's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from todo_app.api.schemas import RequestBody
from todo_app.limits import CHAT_MESSAGE_MAX


class ChatIn(RequestBody):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"message": "Add buy milk, and what is due today?"}],
        },
    )

    conversation_id: UUID | None = Field(
        default=None, description="Continue this conversation; leave out to start one."
    )
    message: str = Field(min_length=1, max_length=CHAT_MESSAGE_MAX)


class ToolCallOut(BaseModel):
    name: str
    arguments: Any = Field(description="What the model sent the tool.")
    result: Any = Field(description="What the tool answered (`{error}` when it refused).")


class ChatOut(BaseModel):
    conversation_id: UUID
    response: str
    tool_calls: list[ToolCallOut]


class ConversationOut(BaseModel):
    id: UUID
    title: str
    created_at: datetime
    updated_at: datetime


class MessageOut(BaseModel):
    id: UUID
    role: str = Field(description="`user` or `assistant`")
    content: str
    tool_calls: list[ToolCallOut]
    created_at: datetime
