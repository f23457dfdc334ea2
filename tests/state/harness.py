"""Runs the app's state classes in-process through Reflex's real event processor.

Events go through the same queue, locks and background-task machinery as in the server,
with a memory state manager; deltas and frontend events (toasts, redirects, focus) are
recorded per tab instead of being sent to a browser. This follows Reflex 0.10's own state
tests. A harness is one browser tab; ``new_tab()`` opens another on the same server.
"""

from __future__ import annotations

import asyncio
import traceback
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar
from unittest import mock
from urllib.parse import urlencode

import pytest
import reflex as rx
from reflex.istate.manager.memory import StateManagerMemory
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.event import Event, EventHandler
from reflex_base.event.context import EventContext
from reflex_base.event.processor import BaseStateEventProcessor
from reflex_base.utils.format import format_event_handler

S = TypeVar("S", bound=rx.State)

# What every tab's router data says about its browser, unless the test sets its own.
USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
CLIENT_IP = "203.0.113.7"


def redirects_in(events: Iterable[Event]) -> list[str]:
    """The paths of the redirects among ``events``, in order."""
    return [str(e.payload.get("path")) for e in events if e.name.endswith("_redirect")]


def toasts_in(events: Iterable[Event]) -> list[str]:
    """The toast calls among ``events``, as text holding their messages."""
    found = []
    for event in events:
        if event.name.endswith("_call_function"):
            text = repr(event.payload)
            if "toast" in text:
                found.append(text)
    return found


def focus_in(events: Iterable[Event]) -> str | None:
    """The id of the field the (last) ``set_focus`` among ``events`` puts the cursor in."""
    refs = [str(e.payload.get("ref")) for e in events if e.name.endswith("_set_focus")]
    return refs[-1].removeprefix("ref_") if refs else None


class StateHarness:
    """One browser tab's worth of state, driven by events."""

    def __init__(
        self,
        processor: BaseStateEventProcessor,
        manager: StateManagerMemory,
        tabs: dict[str, StateHarness] | None = None,
    ) -> None:
        self.processor = processor
        self.manager = manager
        self.token = uuid.uuid4().hex
        self.deltas: list[Mapping[str, Any]] = []
        self.events: list[Event] = []
        # The page this tab is on and its browser, as the router data of each event says.
        self.path = "/"
        self.query: dict[str, str] = {}
        self.user_agent = USER_AGENT
        self.client_ip = CLIENT_IP
        # Every tab of this server by token, so deltas and events reach the right one.
        self._tabs = tabs if tabs is not None else {}
        self._tabs[self.token] = self

    def new_tab(self) -> StateHarness:
        """Another browser tab on the same server (same processor and state manager)."""
        return StateHarness(self.processor, self.manager, self._tabs)

    def router_data(self) -> dict[str, Any]:
        as_path = self.path + (f"?{urlencode(self.query)}" if self.query else "")
        return {
            "pathname": self.path,
            "asPath": as_path,
            "query": dict(self.query),
            "token": self.token,
            "sid": "sid-" + self.token,
            "ip": self.client_ip,
            "headers": {"user-agent": self.user_agent, "origin": "http://test"},
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

    async def run(self, handler: EventHandler, **payload: Any) -> list[Event]:
        """Send an event and wait for everything it started; returns the frontend events
        (redirects, toasts, focus, ...) this tab received meanwhile."""
        start = len(self.events)
        await self.send(handler, **payload)
        await self.idle()
        return self.events[start:]

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

    def sent_deltas(self, cls: type[rx.State]) -> list[dict[str, Any]]:
        """The updates of ``cls`` the deltas sent to this tab, in order, by var name."""
        state_name = cls.get_full_name()
        return [
            {key.removesuffix(FIELD_MARKER): value for key, value in delta[state_name].items()}
            for delta in self.deltas
            if state_name in delta
        ]

    def frontend_events(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name.endswith(name)]

    def toasts(self, events: Iterable[Event] | None = None) -> list[str]:
        """The toasts among ``events`` (default: all this tab received), as text."""
        return toasts_in(self.events if events is None else events)

    def redirects(self, events: Iterable[Event] | None = None) -> list[str]:
        """The redirect paths among ``events`` (default: all this tab received)."""
        return redirects_in(self.events if events is None else events)

    def focus(self, events: Iterable[Event] | None = None) -> str | None:
        """The field the last ``set_focus`` among ``events`` (default: all) targets."""
        return focus_in(self.events if events is None else events)


@asynccontextmanager
async def state_harness() -> AsyncIterator[StateHarness]:
    errors: list[str] = []

    def on_backend_exception(ex: Exception) -> None:
        errors.append("".join(traceback.format_exception(ex)))

    processor = BaseStateEventProcessor(
        backend_exception_handler=on_backend_exception, graceful_shutdown_timeout=5
    )
    manager = StateManagerMemory()
    tabs: dict[str, StateHarness] = {}
    harness = StateHarness(processor, manager, tabs)

    async def emit_delta(token: str, delta: Mapping[str, Any]) -> None:
        tabs[token].deltas.append(delta)

    async def emit_event(token: str, *events: Event) -> None:
        tabs[token].events.extend(events)

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
            await harness.idle()  # every tab shares the processor: this waits for all
        await manager.close()
    if errors:
        pytest.fail("a handler raised:\n" + "\n".join(errors))


async def signed_in_account(h: StateHarness, name: str) -> Any:
    """A new account (``tests.factories.make_account``) whose session this tab holds, as a
    signed-in page's AuthState does."""
    from tests.factories import make_account
    from todo_app.auth.state import AuthState

    account = await asyncio.to_thread(make_account, name)
    auth = await h.state(AuthState)
    auth.token = auth._verified_token = account.token
    auth.user_id = str(account.id)
    return account
