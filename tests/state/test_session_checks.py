"""Who is signed in is asked one way, and an ended session reads nothing more.

The inventory lists every event handler of every state of the app: each is either declared
``@public`` (it needs no user) or wrapped in ``@signed_in``, and each ``@signed_in`` one is
run here with a session that was signed out elsewhere, to show that it reads and writes
nothing and empties the tab. A handler added without either mark fails the first test.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import reflex as rx

from tests.factories import make_account, make_task
from tests.state.harness import StateHarness, state_harness
from todo_app.auth import service as auth_service
from todo_app.auth.account_state import AccountState
from todo_app.auth.rechecks import RECHECK_SECONDS
from todo_app.auth.state import PUBLIC, SIGNED_IN, AuthState, app_state_classes
from todo_app.lists import service as lists_service
from todo_app.reminders.state import BellState
from todo_app.tasks import live as live_module
from todo_app.tasks import queries
from todo_app.tasks.state import TaskState

pytestmark = pytest.mark.usefixtures("db")

SECRET = "the-secret-description"


def app_handlers() -> list[tuple[type[rx.State], str, Any]]:
    """Every event handler the app itself defines (Reflex's own, like ``setvar``, aside)."""
    found = []
    for cls in app_state_classes():
        for name, handler in sorted(cls.event_handlers.items()):
            if handler.fn.__module__.startswith("todo_app."):
                found.append((cls, name, handler))
    return found


SIGNED_IN_HANDLERS = [
    pytest.param(cls, name, id=f"{cls.__name__}.{name}")
    for cls, name, handler in app_handlers()
    if getattr(handler.fn, SIGNED_IN, False)
]

# Arguments that would change something for a live session, so a handler that ran anyway
# would leave a trace in the database; any other parameter gets None.
SAMPLE_ARGS: dict[str, Any] = {
    "form_data": {
        "name": "Made while signed out",
        "time_zone": "Europe/Paris",
        "current_password": "correct horse battery",
        "new_password": "another horse battery",
        "delete_password": "correct horse battery",
        "id": "",
    },
    "uid": "",
    "batch": [],
    "text": "Buy milk tomorrow #home",
    "rule": "FREQ=DAILY",
    "query": "secret",
    "notification_id": "",
    "session_id": "",
    "list_id": "",
    "step": 1,
    "key": "",
    "start": 0,
}


def test_every_handler_is_public_or_checks_the_session() -> None:
    handlers = app_handlers()
    assert len(handlers) > 20  # the walk found the app's states
    unmarked = [
        f"{cls.__name__}.{name}"
        for cls, name, handler in handlers
        if not (getattr(handler.fn, PUBLIC, False) or getattr(handler.fn, SIGNED_IN, False))
    ]
    assert unmarked == [], "mark each handler @public or @signed_in (auth/state.py)"
    both = [
        name
        for _cls, name, h in handlers
        if getattr(h.fn, PUBLIC, False) and getattr(h.fn, SIGNED_IN, False)
    ]
    assert both == []


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


async def signed_in_tab(h: StateHarness) -> tuple[uuid.UUID, str, str]:
    """Sign this tab in, load the task page and the account page as a browser would."""
    account = await asyncio.to_thread(make_account, "Ada")
    make_task(account.id, "Private", description=SECRET)
    auth = await h.state(AuthState)
    auth.token = account.token
    await h.run(AuthState.require_login)
    await h.run(TaskState.load_tasks)
    await h.run(BellState.load)
    await h.run(AccountState.load_account)
    return account.id, account.token, account.email


async def everything_the_tab_holds(h: StateHarness) -> str:
    """Every var (backend vars too) of every state of this tab, as text to search."""
    parts = []
    for cls in app_state_classes():
        state = await h.state(cls)
        parts.append(json.dumps({n: getattr(state, n) for n in cls.__fields__}, default=str))
    return "\n".join(parts)


@pytest.mark.parametrize(("cls", "name"), SIGNED_IN_HANDLERS)
async def test_a_handler_refuses_a_session_signed_out_elsewhere(
    tab: StateHarness, cls: type[rx.State], name: str
) -> None:
    owner, token, email = await signed_in_tab(tab)
    held = await everything_the_tab_holds(tab)
    assert SECRET in held and email in held  # the tab did hold the user's data
    await asyncio.to_thread(auth_service.sign_out, token)  # e.g. POST /api/auth/sign-out

    handler = cls.event_handlers[name]
    params = list(inspect.signature(handler.fn).parameters)[1:]
    payload = {p: SAMPLE_ARGS.get(p) for p in params}
    events = await tab.run(handler, **payload)

    assert any("reason=expired" in path for path in tab.redirects(events))
    held = await everything_the_tab_holds(tab)
    assert SECRET not in held and email not in held and str(owner) not in held
    assert queries.list_tasks(owner).total == 1
    assert lists_service.list_lists(owner) == []
    assert auth_service.get_user(owner).time_zone == "UTC"


async def test_sign_out_empties_every_state_and_resync_reads_nothing(tab: StateHarness) -> None:
    owner, _token, email = await signed_in_tab(tab)
    await tab.run(AuthState.sign_out)
    held = await everything_the_tab_holds(tab)
    assert SECRET not in held and email not in held and str(owner) not in held
    await tab.run(TaskState.resync)  # an old page asking for the list again
    assert SECRET not in await everything_the_tab_holds(tab)
    assert (await tab.state(TaskState)).rows == []


async def test_a_tab_signed_out_through_the_api_receives_no_later_row(
    tab: StateHarness, wired_live: live_module.Live
) -> None:
    owner, token, _email = await signed_in_tab(tab)
    assert wired_live.viewers.tokens(str(owner)) == [tab.token]
    # The same user's other session (a phone, the API) adds a task: this tab hears of it.
    make_task(owner, "Seen live", description="first")

    await tab.until(lambda: "Seen live" in json.dumps(tab.deltas, default=str))

    await asyncio.to_thread(auth_service.sign_out, token)
    make_task(owner, "After sign-out", description=SECRET + "-later")
    await tab.until(lambda: wired_live.viewers.tokens(str(owner)) == [])
    await asyncio.sleep(0.1)
    assert SECRET + "-later" not in json.dumps(tab.deltas, default=str)
    assert SECRET not in await everything_the_tab_holds(tab)
    assert not (await tab.state(AuthState)).logged_in
    # The page's guard placeholder then mounts, and says why it is signing in again.
    events = await tab.run(AuthState.recheck_session)
    assert any("reason=expired" in path for path in tab.redirects(events))


async def test_reloading_a_page_whose_session_ended_says_so_once(tab: StateHarness) -> None:
    """The page's on_load handlers, then its guard's placeholder, all meet the dead session:
    the tab is sent to sign in once, saying why, and not again as if never signed in."""
    _owner, token, _email = await signed_in_tab(tab)
    await asyncio.to_thread(auth_service.sign_out, token)
    events = []
    for handler in (AuthState.require_login, TaskState.load_tasks, BellState.load):
        events += await tab.run(handler)
    events += await tab.run(AuthState.recheck_session)
    assert tab.redirects(events) == ["/login?next=/&reason=expired"]


async def test_a_change_reads_no_session_row_until_the_account_changes(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16: the session is read once per page, then trusted until it may have changed
    (a change announced by any worker, or ``RECHECK_SECONDS``)."""
    owner, token, _email = await signed_in_tab(tab)
    reads: list[str] = []
    real = auth_service.authenticate
    monkeypatch.setattr(
        auth_service, "authenticate", lambda t, **kw: reads.append(t) or real(t, **kw)
    )
    for i in range(5):
        await tab.run(TaskState.search, query=f"q{i}")
    assert reads == []
    await asyncio.to_thread(auth_service.update_account, owner, time_zone="Asia/Tokyo")
    await tab.run(TaskState.search, query="after the zone change")
    assert reads == [token]  # read again at once, and the page reckons in the new zone
    assert (await tab.state(AuthState)).time_zone == "Asia/Tokyo"
    auth = await tab.state(AuthState)
    auth._checked_at -= RECHECK_SECONDS  # a minute on: read again, whatever happened
    await tab.run(TaskState.search, query="a minute later")
    assert reads == [token, token]
