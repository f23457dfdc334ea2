"""/account's import and download handlers, in-process (the upload itself is Reflex's
HTTP endpoint: here the file's text is set as "Preview import" leaves it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.factories import Account, make_task
from tests.state.harness import StateHarness, signed_in_account, state_harness
from todo_app.auth.account_interop import ImportState
from todo_app.interop.export import export_account

pytestmark = pytest.mark.usefixtures("db")
FIXTURE = Path(__file__).parent.parent / "fixtures" / "todoist_template.csv"


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


async def sign_in(h: StateHarness, name: str) -> Account:
    return await signed_in_account(h, name)


async def test_import_writes_the_previewed_file_and_ends_at_full_progress(
    tab: StateHarness,
) -> None:
    ann = await sign_in(tab, "Ann")
    state = await tab.state(ImportState)
    state._text, state._csv, state.previewed = FIXTURE.read_text(encoding="utf-8"), True, True
    events = await tab.run(ImportState.run_import)
    state = await tab.state(ImportState)
    assert state.progress == 100 and not state.importing and not state.previewed
    assert any("Imported 1 lists and 6 tasks" in toast for toast in tab.toasts(events))
    assert len((await asyncio.to_thread(export_account, ann.id))["tasks"]) == 6


async def test_download_sends_the_export_as_a_file(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    await asyncio.to_thread(make_task, ann.id, "Mine")
    events = await tab.run(ImportState.download)
    assert any("download" in event.name for event in events), [e.name for e in events]
