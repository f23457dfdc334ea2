"""A scripted OpenAI-compatible chat-completions server, for tests only.

It is NOT a model and is never shipped or used as one: it answers ``POST
/v1/chat/completions`` (plain JSON, or SSE when ``stream`` is true) by following a fixed
script on the last user message, so the chat can be tested end to end with no model
reachable. Every request it receives is kept in ``requests`` for tests to assert on.

The script, on the last user message (and the tool results that followed it):
- ``add <title>``: a tool call ``add_task {title}``; then the text ``Added '<title>'.``
- ``delete the <word> task``: a tool call ``list_tasks {}``; then, from the tool result, a
  tool call ``delete_task {task_id}`` for the task whose title contains ``<word>``; then the
  text ``Deleted '<title>'.`` (or ``No task matches`` when none does)
- ``complete <word>``: the same with ``complete_task``
- ``delete id <id>``: a tool call ``delete_task {task_id: <id>}``; then the tool's answer as text
- anything else: ``You said: <message>. I see <n> earlier messages.``

``fail_with``: answer every request with that HTTP status instead; ``delay``: seconds to
wait before answering (a model too slow for the app's timeout).
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

MODEL = "scripted-test-double"


def _after_last_user(messages: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], int]:
    """The last user message, what came after it, and how many messages came before it."""
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            content = messages[index].get("content")
            if isinstance(content, list):  # content parts
                content = " ".join(part.get("text", "") for part in content)
            return str(content or ""), messages[index + 1 :], index
    return "", [], 0


def _tool_results(after: list[dict[str, Any]]) -> list[Any]:
    results = []
    for message in after:
        if message.get("role") == "tool":
            try:
                results.append(json.loads(message.get("content") or "null"))
            except ValueError:
                results.append(message.get("content"))
    return results


def _find_and(verb_tool: str, word: str, results: list[Any]) -> dict[str, Any]:
    if not results:
        return {"tool": "list_tasks", "arguments": {}}
    if len(results) == 1:
        tasks = results[0].get("tasks", []) if isinstance(results[0], dict) else []
        match = next((t for t in tasks if word.lower() in t["title"].lower()), None)
        if match is None:
            return {"text": f"No task matches '{word}'."}
        return {"tool": verb_tool, "arguments": {"task_id": match["id"]}}
    done = results[-1]
    if "error" in done:
        return {"text": f"That did not work: {done['error']}"}
    word = "Deleted" if verb_tool == "delete_task" else "Completed"
    return {"text": f"{word} '{done['title']}'."}


def script(body: dict[str, Any]) -> dict[str, Any]:
    """The next step: ``{"text": ...}`` or ``{"tool": name, "arguments": {...}}``."""
    messages = body.get("messages", [])
    said, after, before = _after_last_user(messages)
    results = _tool_results(after)
    lower = said.lower().strip()
    if lower.startswith("add "):
        title = said.strip()[4:]
        if not results:
            return {"tool": "add_task", "arguments": {"title": title}}
        return {"text": f"Added '{results[-1].get('title', title)}'."}
    if lower.startswith("delete id "):
        if not results:
            return {"tool": "delete_task", "arguments": {"task_id": said.strip()[10:]}}
        return {"text": json.dumps(results[-1])}
    if lower.startswith("delete the ") and lower.endswith(" task"):
        return _find_and("delete_task", said.strip()[11:-5], results)
    if lower.startswith("complete "):
        return _find_and("complete_task", said.strip()[9:], results)
    earlier = sum(1 for m in messages[:before] if m.get("role") in ("user", "assistant"))
    return {"text": f"You said: {said}. I see {earlier} earlier messages."}


def _message(step: dict[str, Any], call_id: str) -> dict[str, Any]:
    if "text" in step:
        return {"role": "assistant", "content": step["text"]}
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": step["tool"], "arguments": json.dumps(step["arguments"])},
            }
        ],
    }


USAGE = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}


class ScriptedLLM:
    """The server, run in a thread on a free port: ``base_url`` is its ``/v1``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_with: int | None = None
        self.delay = 0.0
        self._calls = 0
        app = Starlette(routes=[Route("/v1/chat/completions", self._complete, methods=["POST"])])
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> ScriptedLLM:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the scripted LLM server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def reset(self) -> None:
        self.requests.clear()
        self.fail_with = None
        self.delay = 0.0

    async def _complete(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append(body)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with is not None:
            return JSONResponse(
                {"error": {"message": "scripted failure", "type": "server_error"}},
                status_code=self.fail_with,
            )
        self._calls += 1
        step = script(body)
        call_id = f"call_{self._calls}"
        message = _message(step, call_id)
        finish = "stop" if "text" in step else "tool_calls"
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": f"chatcmpl-{self._calls}",
                    "object": "chat.completion",
                    "created": int(time.time()),
                    "model": MODEL,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                    "usage": USAGE,
                }
            )
        return StreamingResponse(self._chunks(message, finish), media_type="text/event-stream")

    async def _chunks(self, message: dict[str, Any], finish: str) -> AsyncIterator[str]:
        def chunk(delta: dict[str, Any], reason: str | None = None, **extra: Any) -> str:
            data = {
                "id": f"chatcmpl-{self._calls}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": MODEL,
                "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
                **extra,
            }
            return f"data: {json.dumps(data)}\n\n"

        yield chunk({"role": "assistant", "content": ""})
        if message.get("content"):
            text = message["content"]
            for start in range(0, len(text), 8):  # several deltas, as a model streams
                yield chunk({"content": text[start : start + 8]})
        for index, call in enumerate(message.get("tool_calls", [])):
            yield chunk({"tool_calls": [{"index": index, **call}]})
        yield chunk({}, finish)
        final = {
            "id": f"chatcmpl-{self._calls}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": MODEL,
            "choices": [],
            "usage": USAGE,
        }
        yield f"data: {json.dumps(final)}\n\n"
        yield "data: [DONE]\n\n"


def running() -> Iterator[ScriptedLLM]:
    """For a fixture: a started server, stopped afterwards."""
    server = ScriptedLLM().start()
    try:
        yield server
    finally:
        server.stop()
