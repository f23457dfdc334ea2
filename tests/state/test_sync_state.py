"""/account's "Sync with your phone", in-process: "Create app password" makes a token with
only the ``caldav`` scope that signs a CalDAV app in, shows it once in that section (not under
API tokens), lists it with the other tokens, where it is revoked; the server address is the
public URL or the page's origin, plus ``/dav/``."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from tests.state.harness import StateHarness, signed_in_account, state_harness
from todo_app.auth import access_tokens, tokens_state
from todo_app.auth.tokens_state import (
    MADE_BY_FORM,
    MADE_FOR_SYNC,
    TokensState,
    app_password_name,
)
from todo_app.errors import Unauthenticated
from todo_app.settings import get_settings

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        h.path = "/account"
        yield h


async def test_create_app_password_makes_a_caldav_only_token_that_works_and_is_listed(
    tab: StateHarness,
) -> None:
    ann = await signed_in_account(tab, "Ann")
    await tab.run(TokensState.load_tokens)
    assert (await tab.state(TokensState)).tokens == []

    events = await tab.run(TokensState.create_app_password)

    state = await tab.state(TokensState)
    assert not tab.toasts(events)
    assert state.busy == ""
    assert state.new_token_for == MADE_FOR_SYNC  # shown in "Sync with your phone" only
    assert state.new_token_name.startswith("CalDAV (created ")
    auth = await asyncio.to_thread(access_tokens.authenticate, state.new_token)
    assert auth.auth.user.id == ann.id
    assert auth.auth.user.email == ann.email  # the username the section shows
    assert auth.scopes == frozenset({"caldav"})

    [info] = await asyncio.to_thread(access_tokens.list_tokens, ann.id)
    assert info.scopes == ["caldav"]
    assert info.expires_at is None
    [row] = state.tokens  # in the API tokens list at once
    assert (row.id, row.name, row.scopes) == (str(info.id), state.new_token_name, "caldav")
    assert row.expires == "never expires"

    # Revocable there, like any token.
    shown = state.new_token
    events = await tab.run(TokensState.revoke_token, token_id=row.id)
    assert any("Token revoked" in toast for toast in tab.toasts(events))
    assert (await tab.state(TokensState)).tokens == []
    with pytest.raises(Unauthenticated):
        await asyncio.to_thread(access_tokens.authenticate, shown)


async def test_a_token_from_the_form_is_shown_under_api_tokens_not_under_sync(
    tab: StateHarness,
) -> None:
    await signed_in_account(tab, "Ann")
    await tab.run(TokensState.create_app_password)
    await tab.run(
        TokensState.create_token,
        form_data={"token_name": "Script", "scope_tasks:read": "on", "token_expiry": "30"},
    )
    state = await tab.state(TokensState)
    assert state.new_token_for == MADE_BY_FORM and state.new_token_name == "Script"
    assert sorted(row.scopes for row in state.tokens) == ["caldav", "tasks:read"]
    await tab.run(TokensState.load_tokens)  # shown once: gone on the next load
    state = await tab.state(TokensState)
    assert (state.new_token, state.new_token_for) == ("", "")
    assert len(state.tokens) == 2


async def test_signed_out_no_app_password_is_made(tab: StateHarness) -> None:
    ann = await signed_in_account(tab, "Ann")
    auth = await tab.state(TokensState)
    auth.token = auth._verified_token = "not-a-session"
    await tab.run(TokensState.create_app_password)
    assert await asyncio.to_thread(access_tokens.list_tokens, ann.id) == []
    assert (await tab.state(TokensState)).new_token == ""


async def test_the_server_address_is_the_page_origin_plus_dav(tab: StateHarness) -> None:
    await signed_in_account(tab, "Ann")
    await tab.run(TokensState.load_tokens)
    assert (await tab.state(TokensState)).dav_url == "http://test/dav/"


async def test_the_server_address_is_the_public_url_when_set(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = dataclasses.replace(get_settings(), public_url="https://todo.example.com")
    monkeypatch.setattr(tokens_state, "get_settings", lambda: settings)
    await signed_in_account(tab, "Ann")
    await tab.run(TokensState.load_tokens)
    assert (await tab.state(TokensState)).dav_url == "https://todo.example.com/dav/"


def test_the_name_carries_the_day_in_the_users_time_zone() -> None:
    late = datetime(2026, 12, 7, 23, 30, tzinfo=UTC)
    assert app_password_name(late, "UTC") == "CalDAV (created 07 Dec 2026)"
    assert app_password_name(late, "Pacific/Auckland") == "CalDAV (created 08 Dec 2026)"
    assert app_password_name(late, "Not/AZone") == "CalDAV (created 07 Dec 2026)"
