"""The chat (Hackathon II Phase III): ``POST /api/{user_id}/chat`` runs one turn of the
assistant (``mcp.chat``) over the caller's tasks; the conversations and their messages are
listed from the database.

As on the Hackathon form of the task routes, ``user_id`` must be the caller's own id (403
otherwise). An access token needs ``tasks:write`` to chat (``tasks:read`` to list), and the
agent gets only the tools the token's scopes allow; a sign-in gets them all. No model
configured: 503 saying which variables turn it on. The model failing: 502/503 with the
reason, and the user's message stays stored.
"""

# No ``from __future__ import annotations``: FastAPI reads the annotations at run time.
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Path
from starlette.concurrency import run_in_threadpool

from todo_app.api.deps import AccessTokenCaller, CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.routes_tasks import FORBIDDEN_MESSAGE
from todo_app.api.schemas_chat import ChatIn, ChatOut, ConversationOut, MessageOut
from todo_app.api.scopes import scope
from todo_app.mcp import chat, tools

PathUser = Annotated[UUID, Path(description="Must be the signed-in user's own id.")]
ConversationId = Annotated[UUID, Path(description="The conversation's id.")]

CHAT_ERRORS = {
    404: "No such conversation among the caller's",
    502: "The model server answered wrongly or refused; `detail` says why",
    503: "The chat is off (`detail` names the variables that turn it on), or the model "
    "server could not be reached in time",
}

router = APIRouter(
    prefix="/api/{user_id}",
    tags=["chat"],
    responses=responses(401, 403),
)


def _own(user_id: UUID, auth: CurrentAuth) -> UUID:
    if user_id != auth.user.id:
        raise HTTPException(403, FORBIDDEN_MESSAGE)
    return user_id


@router.post(
    "/chat",
    response_model=ChatOut,
    summary="Chat with the assistant",
    dependencies=[Depends(scope("tasks:write"))],
    responses=responses(404, renewing=200, described=CHAT_ERRORS)
    | {502: {"description": CHAT_ERRORS[502]}, 503: {"description": CHAT_ERRORS[503]}},
)
async def post_chat(
    user_id: PathUser, body: ChatIn, auth: CurrentAuth, pat: AccessTokenCaller
) -> ChatOut:
    """One turn: the message is stored, the assistant answers (adding, completing, changing
    or deleting tasks through the same rules as the app), and its reply and tool calls are
    stored. Leave out `conversation_id` to start a conversation; the answer names it."""
    owner = _own(user_id, auth)
    specs = tools.allowed(pat.scopes if pat is not None else None)
    try:
        answer = await chat.chat(owner, body.message, body.conversation_id, specs)
    except chat.ChatOff as exc:
        raise HTTPException(503, exc.message) from None
    except chat.ChatUnavailable as exc:
        raise HTTPException(exc.status, exc.message) from None
    return ChatOut.model_validate(answer)


@router.get(
    "/conversations",
    response_model=list[ConversationOut],
    summary="List conversations",
    dependencies=[Depends(scope("tasks:read"))],
    responses=responses(renewing=200),
    description="The caller's conversations, the most recently continued first (at most "
    f"{chat.CONVERSATIONS_MAX}).",
)
async def get_conversations(user_id: PathUser, auth: CurrentAuth) -> list[ConversationOut]:
    rows = await run_in_threadpool(chat.list_conversations, _own(user_id, auth))
    return [ConversationOut.model_validate(row) for row in rows]


@router.get(
    "/conversations/{conversation_id}/messages",
    response_model=list[MessageOut],
    summary="List a conversation's messages",
    dependencies=[Depends(scope("tasks:read"))],
    responses=responses(404, renewing=200, described=CHAT_ERRORS),
    description=f"A conversation's messages in order (its newest {chat.MESSAGES_MAX}), with "
    "the tool calls of each reply.",
)
async def get_messages(
    user_id: PathUser, conversation_id: ConversationId, auth: CurrentAuth
) -> list[MessageOut]:
    owner = _own(user_id, auth)
    rows = await run_in_threadpool(chat.list_messages, owner, conversation_id)
    return [MessageOut.model_validate(row) for row in rows]
