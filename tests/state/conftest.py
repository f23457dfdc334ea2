"""In-process state tests: the real state tree and services, no server and no browser.

A ``Tab`` is one browser tab's root state (so ``get_state`` works as in the app) with the
router data a page would send; handlers are called as bound methods and their yields
collected, which is what the frontend would receive as events.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import reflex as rx
from reflex.event import EventSpec
from reflex.istate.data import RouterData

from todo_app.auth.state import AuthState

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
CLIENT_IP = "203.0.113.7"


def _flatten(items: Iterable[Any]) -> list[EventSpec]:
    events: list[EventSpec] = []
    for item in items:
        if isinstance(item, list | tuple):
            events.extend(_flatten(item))
        elif item is not None:
            events.append(item)
    return events


def _event_name(spec: EventSpec) -> str:
    return spec.handler.fn.__qualname__


def _arg(spec: EventSpec, name: str) -> Any:
    return next(value._var_value for key, value in spec.args if key._js_expr == name)


def redirect_of(events: list[EventSpec]) -> str | None:
    """The path of the (last) redirect among ``events``, if any."""
    paths = [_arg(e, "path") for e in events if _event_name(e) == "_redirect"]
    return paths[-1] if paths else None


def focus_of(events: list[EventSpec]) -> str | None:
    """The id of the field the events put the cursor in, if any."""
    refs = [_arg(e, "ref") for e in events if _event_name(e) == "_set_focus"]
    return refs[-1].removeprefix("ref_") if refs else None


def toasts_of(events: list[EventSpec]) -> str:
    """The toast calls among ``events``, as the JavaScript the browser would run."""
    return " ".join(
        str(value) for e in events if _event_name(e) == "_call_function" for _, value in e.args
    )


class Tab:
    """One browser tab: its root state, its AuthState, and the page it is on."""

    def __init__(self, root: rx.State, auth: AuthState) -> None:
        self.root = root
        self.auth = auth

    def visit(self, url: str, user_agent: str = USER_AGENT, ip: str = CLIENT_IP) -> None:
        """Be on ``url`` (path and query), as the router data of the next event says."""
        parts = urlsplit(url)
        self.root.router = RouterData.from_router_data(
            {
                "pathname": parts.path,
                "asPath": url,
                "query": dict(parse_qsl(parts.query)),
                "headers": {"origin": "http://testserver", "user-agent": user_agent},
                "ip": ip,
                "token": "client-token",
                "sid": "socket-id",
            }
        )

    async def run(self, handler: Any, *args: Any) -> list[EventSpec]:
        """Run a bound handler to the end; returns every event it sent to the browser."""
        result = handler(*args)
        if inspect.isasyncgen(result):
            return _flatten([item async for item in result])
        if inspect.isawaitable(result):
            result = await result
        return _flatten([result])


async def new_tab() -> Tab:
    root = rx.State()
    return Tab(root, await root.get_state(AuthState))


@pytest.fixture
async def tab(db: None) -> Tab:
    return await new_tab()
