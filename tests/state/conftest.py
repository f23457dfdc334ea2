"""In-process state tests: the real state tree and services, no server and no browser.

Every test drives its states through ``tests/state/harness.py`` (Reflex's real event
processor, with what a browser would receive recorded per tab).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.state.harness import StateHarness, state_harness


@pytest.fixture
async def tab(db: None) -> AsyncIterator[StateHarness]:
    """One browser tab on empty tables; ``tab.new_tab()`` opens another on the same server."""
    async with state_harness() as h:
        yield h
