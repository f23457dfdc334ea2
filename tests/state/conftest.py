"""In-process state tests: the real state tree and services, no server and no browser.

Every test drives its states through ``tests/state/harness.py`` (Reflex's real event
processor, with what a browser would receive recorded per tab).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import reflex as rx

from tests.state.harness import StateHarness, state_harness
from todo_app.auth.rechecks import Trust
from todo_app.tasks import live as live_module
from todo_app.tasks import unit_of_work
from todo_app.tasks.pushes import push_remote, verify_viewer


@pytest.fixture
async def tab(db: None) -> AsyncIterator[StateHarness]:
    """One browser tab on empty tables; ``tab.new_tab()`` opens another on the same server."""
    async with state_harness() as h:
        yield h


class HarnessApp:
    """What the live wiring needs of ``rx.App``, over a harness's tabs: an update sent to a
    tab's socket is recorded as a delta of that tab; ``modify_state`` is the state manager's."""

    def __init__(self, tab: StateHarness) -> None:
        self.tab = tab
        self.event_namespace = self

    async def emit_update(self, update: Any, token: str) -> None:
        self.tab._tabs[token].deltas.append(update.delta)

    def modify_state(self, token: Any) -> Any:
        return self.tab.manager.modify_state(rx.BaseStateToken(ident=token.ident, cls=rx.State))


@pytest.fixture
async def wired_live(tab: StateHarness, monkeypatch: pytest.MonkeyPatch) -> live_module.Live:
    """The live module wired as the composition root wires it, over the harness's tabs."""
    app: Any = HarnessApp(tab)

    async def emit(token: str, value: dict[str, Any]) -> None:
        await push_remote(app, token, value)

    async def verify(token: str, user_id: str) -> Trust | None:
        return await verify_viewer(app, token, user_id)

    live = live_module.Live(live_module.MemoryViewers())
    live.install(emit, verify)
    live.start(asyncio.get_running_loop())
    monkeypatch.setattr(live_module, "live", live)
    monkeypatch.setattr(unit_of_work, "change_listeners", [live.changed])
    return live
