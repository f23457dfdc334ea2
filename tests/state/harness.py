"""Runs the app's state classes in-process through Reflex's real event processor.

Events go through the same queue, locks and background-task machinery as in the server,
with a memory state manager; deltas and frontend events (toasts, redirects) are recorded
instead of being sent to a browser. This follows Reflex 0.10's own state tests.
"""

from __future__ import annotations

import asyncio
import traceback
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from unittest import mock
from urllib.parse import urlencode

import pytest
import reflex as rx
from reflex.istate.manager.memory import StateManagerMemory
from reflex_base.event import Event, EventHandler
from reflex_base.event.context import EventContext
from reflex_base.event.processor import BaseStateEventProcessor
from reflex_base.utils.format import format_event_handler

S = TypeVar("S", bound=rx.State)


class StateHarness:
    """One browser tab's worth of state, driven by events."""

    def __init__(self, processor: BaseStateEventProcessor, manager: StateManagerMemory) -> None:
        self.processor = processor
        self.manager = manager
        self.token = uuid.uuid4().hex
        self.deltas: list[Mapping[str, Any]] = []
        self.events: list[Event] = []
        self.path = "/"
        self.query: dict[str, str] = {}

    def router_data(self) -> dict[str, Any]:
        as_path = self.path + (f"?{urlencode(self.query)}" if self.query else "")
        return {
            "pathname": self.path,
            "asPath": as_path,
            "query": dict(self.query),
            "token": self.token,
            "sid": "sid-" + self.token,
            "ip": "127.0.0.1",
            "headers": {"user-agent": "pytest state harness", "origin": "http://test"},
        }

    async def send(self, handler: EventHandler, **payload: Any) -> None:
        """Enqueue an event the way the browser would (without waiting for it)."""
        event = Event(
            name=format_event_handler(handler),
            payload=payload,
            router_data=self.router_data(),
        )
        await self.processor.enqueue(self.token, event)

    async def idle(self, timeout: float = 10) -> None:
        """Wait until every event, chained event and background task has finished."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.processor._tasks or (self.processor._queue and self.processor._queue.qsize()):
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail(
                    f"events still running after {timeout} s: {list(self.processor._tasks)}"
                )
            await asyncio.sleep(0.005)

    async def run(self, handler: EventHandler, **payload: Any) -> None:
        await self.send(handler, **payload)
        await self.idle()

    async def until(self, predicate: Any, timeout: float = 5) -> None:
        """Wait until ``predicate()`` (sync or async) holds."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            result = predicate()
            if asyncio.iscoroutine(result):
                result = await result
            if result:
                return
            if asyncio.get_running_loop().time() > deadline:
                pytest.fail("condition not reached in time")
            await asyncio.sleep(0.005)

    async def state(self, cls: type[S]) -> S:
        """The live state instance of this tab (the memory manager hands out the real one)."""
        root = await self.manager.get_state(rx.BaseStateToken(ident=self.token, cls=rx.State))
        return await root.get_state(cls)

    def frontend_events(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name.endswith(name)]

    def toasts(self) -> list[str]:
        """The messages of every toast the handlers sent to the browser."""
        found = []
        for event in self.frontend_events("_call_function"):
            text = repr(event.payload)
            if "toast" in text:
                found.append(text)
        return found

    def redirects(self) -> list[str]:
        return [str(e.payload.get("path")) for e in self.frontend_events("_redirect")]


@asynccontextmanager
async def state_harness() -> AsyncIterator[StateHarness]:
    errors: list[str] = []

    def on_backend_exception(ex: Exception) -> None:
        errors.append("".join(traceback.format_exception(ex)))

    processor = BaseStateEventProcessor(
        backend_exception_handler=on_backend_exception, graceful_shutdown_timeout=5
    )
    manager = StateManagerMemory()
    harness = StateHarness(processor, manager)

    async def emit_delta(token: str, delta: Mapping[str, Any]) -> None:
        harness.deltas.append(delta)

    async def emit_event(token: str, *events: Event) -> None:
        harness.events.extend(events)

    with mock.patch.object(processor, "_rehydrate", new=mock.AsyncMock()):
        processor._root_context = EventContext(
            token="",
            state_manager=manager,
            enqueue_impl=processor.enqueue_many,
            emit_delta_impl=emit_delta,
            emit_event_impl=emit_event,
        )
        async with processor:
            yield harness
            await harness.idle()
        await manager.close()
    if errors:
        pytest.fail("a handler raised:\n" + "\n".join(errors))
