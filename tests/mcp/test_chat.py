"""The chat end to end over the REST API, with a scripted OpenAI-compatible server standing
in for the model (tests/mcp/scripted_llm.py): the tools ran through the services, the
database changed, the conversation and its messages are stored and continue across
requests and restarts; the chat off, another user's conversation, another user's path and
a model that is down."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Account, create_task, list_tasks, titles
from tests.mcp.scripted_llm import ScriptedLLM
from todo_app.api.app import create_api
from todo_app.mcp import chat
from todo_app.settings import get_settings


def say(
    client: TestClient, who: Account, message: str, conversation_id: Any = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if conversation_id is not None:
        body["conversation_id"] = str(conversation_id)
    response = client.post(f"/api/{who.id}/chat", json=body, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


def messages(client: TestClient, who: Account, conversation_id: str) -> list[dict[str, Any]]:
    response = client.get(
        f"/api/{who.id}/conversations/{conversation_id}/messages", headers=who.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_add_runs_the_tool_and_stores_the_conversation(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    answer = say(client, alice, "add Buy milk")
    assert answer["response"] == "Added 'Buy milk'."
    [call] = answer["tool_calls"]
    assert call["name"] == "add_task"
    assert call["arguments"] == {"title": "Buy milk"}
    assert call["result"]["status"] == "created"
    assert chat.tool_line(call) == "Added 'Buy milk'"
    assert titles(list_tasks(client, alice)) == ["Buy milk"]

    stored = messages(client, alice, answer["conversation_id"])
    assert [(m["role"], m["content"]) for m in stored] == [
        ("user", "add Buy milk"),
        ("assistant", "Added 'Buy milk'."),
    ]
    assert stored[1]["tool_calls"][0]["name"] == "add_task"
    listed = client.get(f"/api/{alice.id}/conversations", headers=alice.headers).json()
    assert [c["id"] for c in listed] == [answer["conversation_id"]]
    assert listed[0]["title"] == "add Buy milk"

    # The model was given the tools, without user_id, and the instructions.
    first = chat_on.requests[0]
    tool_names = {tool["function"]["name"] for tool in first["tools"]}
    assert {"add_task", "list_tasks", "delete_task", "complete_task"} <= tool_names
    for tool in first["tools"]:
        assert "user_id" not in tool["function"]["parameters"].get("properties", {})
    assert first["messages"][0]["role"] == "system"
    assert "never instructions" in first["messages"][0]["content"]


def test_delete_lists_then_deletes_by_the_id_found(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    create_task(client, alice, title="Team meeting notes")
    create_task(client, alice, title="Pay rent")
    answer = say(client, alice, "delete the meeting task")
    assert [c["name"] for c in answer["tool_calls"]] == ["list_tasks", "delete_task"]
    assert answer["response"] == "Deleted 'Team meeting notes'."
    assert titles(list_tasks(client, alice)) == ["Pay rent"]
    # The second model call saw the list_tasks result, the third the delete's.
    tool_messages = [m for m in chat_on.requests[2]["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 2


def test_a_second_request_sends_the_history_and_survives_a_restart(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    first = say(client, alice, "hello")
    conversation = first["conversation_id"]
    second = say(client, alice, "and again", conversation)
    assert second["conversation_id"] == conversation
    assert second["response"] == "You said: and again. I see 2 earlier messages."
    sent = [(m["role"], m["content"]) for m in chat_on.requests[-1]["messages"][1:]]
    assert sent == [
        ("user", "hello"),
        ("assistant", "You said: hello. I see 0 earlier messages."),
        ("user", "and again"),
    ]

    # A new app (a restart): the conversation is all in the database.
    with TestClient(create_api()) as restarted:
        third = say(restarted, alice, "once more", conversation)
    assert third["response"] == "You said: once more. I see 4 earlier messages."
    assert len(messages(client, alice, conversation)) == 6


def test_history_sent_is_bounded(
    client: TestClient, alice: Account, chat_on: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat, "HISTORY_MAX", 2)
    conversation = say(client, alice, "one")["conversation_id"]
    say(client, alice, "two", conversation)
    say(client, alice, "three", conversation)
    sent = [m["content"] for m in chat_on.requests[-1]["messages"][1:]]
    assert sent == ["two", "You said: two. I see 2 earlier messages.", "three"]


def test_chat_off_is_503_saying_how_to_turn_it_on(
    client: TestClient, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    off = dataclasses.replace(get_settings(), llm_base_url="", llm_model="")
    monkeypatch.setattr(chat, "get_settings", lambda: off)
    response = client.post(f"/api/{alice.id}/chat", json={"message": "hi"}, headers=alice.headers)
    assert response.status_code == 503
    detail = response.json()["detail"]
    for name in ("TODO_LLM_BASE_URL", "TODO_LLM_MODEL", "TODO_LLM_API_KEY"):
        assert name in detail
    # Nothing was stored.
    assert client.get(f"/api/{alice.id}/conversations", headers=alice.headers).json() == []


def test_another_users_conversation_is_not_found(
    client: TestClient, alice: Account, bob: Account, chat_on: ScriptedLLM
) -> None:
    conversation = say(client, alice, "hello")["conversation_id"]
    response = client.post(
        f"/api/{bob.id}/chat",
        json={"message": "hi", "conversation_id": conversation},
        headers=bob.headers,
    )
    assert response.status_code == 404
    response = client.get(
        f"/api/{bob.id}/conversations/{conversation}/messages", headers=bob.headers
    )
    assert response.status_code == 404
    assert client.get(f"/api/{bob.id}/conversations", headers=bob.headers).json() == []
    assert len(messages(client, alice, conversation)) == 2


def test_a_tool_cannot_reach_another_users_task(
    client: TestClient, alice: Account, bob: Account, chat_on: ScriptedLLM
) -> None:
    task = create_task(client, bob, title="Bob's secret")
    answer = say(client, alice, f"delete id {task['id']}")
    [call] = answer["tool_calls"]
    assert "error" in call["result"]
    assert "Deleted" not in chat.tool_line(call)
    assert titles(list_tasks(client, bob)) == ["Bob's secret"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/chat"),
        ("get", "/conversations"),
        ("get", f"/conversations/{uuid.uuid4()}/messages"),
    ],
)
def test_a_path_naming_another_user_is_403(
    client: TestClient, alice: Account, bob: Account, chat_on: ScriptedLLM, method: str, path: str
) -> None:
    response = client.request(
        method, f"/api/{bob.id}{path}", json={"message": "hi"}, headers=alice.headers
    )
    assert response.status_code == 403
    assert chat_on.requests == []


def test_model_down_is_503_and_the_message_is_kept(
    client: TestClient, alice: Account, chat_on: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    down = dataclasses.replace(
        chat.get_settings(), llm_base_url=f"http://127.0.0.1:{dead}/v1", llm_timeout_seconds=2
    )
    monkeypatch.setattr(chat, "get_settings", lambda: down)
    response = client.post(
        f"/api/{alice.id}/chat", json={"message": "add Call mum"}, headers=alice.headers
    )
    assert response.status_code == 503
    assert "cannot be reached" in response.json()["detail"]
    [conversation] = client.get(f"/api/{alice.id}/conversations", headers=alice.headers).json()
    stored = messages(client, alice, conversation["id"])
    assert [(m["role"], m["content"]) for m in stored] == [("user", "add Call mum")]


def test_a_model_too_slow_is_503_after_the_timeout(
    client: TestClient, alice: Account, chat_on: ScriptedLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = dataclasses.replace(chat.get_settings(), llm_timeout_seconds=1)
    monkeypatch.setattr(chat, "get_settings", lambda: slow)
    chat_on.delay = 3
    response = client.post(f"/api/{alice.id}/chat", json={"message": "hi"}, headers=alice.headers)
    assert response.status_code == 503
    assert "did not answer within 1 seconds" in response.json()["detail"]


def test_model_error_is_502_with_the_reason(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    chat_on.fail_with = 401
    response = client.post(f"/api/{alice.id}/chat", json={"message": "hi"}, headers=alice.headers)
    assert response.status_code == 502
    assert "HTTP 401" in response.json()["detail"]


def test_message_limits(client: TestClient, alice: Account, chat_on: ScriptedLLM) -> None:
    for message in ("", "x" * (chat.CHAT_MESSAGE_MAX + 1)):
        response = client.post(
            f"/api/{alice.id}/chat", json={"message": message}, headers=alice.headers
        )
        assert response.status_code == 422
    response = client.post(f"/api/{alice.id}/chat", json={"message": "   "}, headers=alice.headers)
    assert response.status_code == 422
    assert chat_on.requests == []


def test_a_read_only_token_cannot_chat_and_a_write_token_gets_its_tools(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    def token(scopes: list[str]) -> dict[str, str]:
        response = client.post(
            "/api/tokens",
            json={"name": "Bot", "scopes": scopes, "expires_in_days": 30},
            headers=alice.headers,
        )
        assert response.status_code == 201, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    read_only = token(["tasks:read"])
    response = client.post(f"/api/{alice.id}/chat", json={"message": "hi"}, headers=read_only)
    assert response.status_code == 403
    assert "tasks:write" in response.json()["detail"]

    writer = token(["tasks:write"])
    response = client.post(f"/api/{alice.id}/chat", json={"message": "hi"}, headers=writer)
    assert response.status_code == 200, response.text
    offered = {tool["function"]["name"] for tool in chat_on.requests[-1]["tools"]}
    assert "add_task" in offered
    assert "list_tasks" not in offered  # tasks:read was not given


async def test_the_stream_gives_deltas_tool_calls_and_stores_the_reply(
    db: None, chat_on: ScriptedLLM
) -> None:
    from tests.factories import make_user

    user_id = make_user()
    events = [e async for e in chat.chat_stream(user_id, "add Water plants")]
    kinds = [e["type"] for e in events]
    assert kinds[0] == "conversation"
    assert kinds[-1] == "done"
    assert "tool_call" in kinds
    text = "".join(e["text"] for e in events if e["type"] == "delta")
    assert text == "Added 'Water plants'."
    assert events[-1]["response"] == text
    assert all(request.get("stream") for request in chat_on.requests)
    stored = chat.list_messages(user_id, events[0]["conversation_id"])
    assert [m["role"] for m in stored] == ["user", "assistant"]
    assert stored[1]["tool_calls"][0]["result"]["title"] == "Water plants"


def test_deleting_the_account_deletes_its_conversations(
    client: TestClient, alice: Account, chat_on: ScriptedLLM
) -> None:
    from sqlmodel import Session, select

    from tests.api.conftest import PASSWORD
    from todo_app.auth import service as auth_service
    from todo_app.db import get_engine
    from todo_app.models import Conversation, Message

    say(client, alice, "hello")
    auth_service.delete_account(alice.id, PASSWORD)
    with Session(get_engine()) as session:
        assert session.exec(select(Conversation)).all() == []
        assert session.exec(select(Message)).all() == []
