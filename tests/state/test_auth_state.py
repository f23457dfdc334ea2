"""AuthState in-process: the sign-up and sign-in forms, sign-out, the page guards, /account.

Every event goes through Reflex's real event processor (tests/state/harness.py); what the
browser would receive (redirects, focus, toasts, deltas) is what the tests look at.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from reflex_base.event import Event

from tests.factories import PASSWORD, make_account
from tests.state.harness import CLIENT_IP, USER_AGENT, StateHarness, redirects_in
from todo_app.auth import service
from todo_app.auth.account_state import AccountState
from todo_app.auth.devices import describe_last_seen, describe_user_agent
from todo_app.auth.forms import SignInState, SignUpState
from todo_app.auth.routes import NOTICES, REASON_EXPIRED, safe_next
from todo_app.auth.state import AuthState, to_login
from todo_app.errors import Throttled, Unauthenticated
from todo_app.models import utcnow

EMAIL = "ann@example.com"
NEW_PASSWORD = "a brand new passphrase"
EXPIRED = "/login?next=/account&reason=expired"


async def _signed_up(tab: StateHarness, query: dict[str, str] | None = None) -> list[Event]:
    """Sign up as Ann through this tab's sign-up form (so the session is this browser's)."""
    tab.path, tab.query = "/signup", query or {}
    return await tab.run(
        SignUpState.sign_up, form_data={"name": "Ann", "email": EMAIL, "password": PASSWORD}
    )


async def _signed_in(
    tab: StateHarness, query: dict[str, str] | None = None, password: str = PASSWORD
) -> list[Event]:
    tab.path, tab.query = "/login", query or {}
    return await tab.run(SignInState.sign_in, form_data={"email": EMAIL, "password": password})


def _toasted(tab: StateHarness, events: list[Event], message: str) -> bool:
    return any(message in toast for toast in tab.toasts(events))


# --- sign-up ----------------------------------------------------------------------------


async def test_sign_up_shows_every_field_error_and_focuses_the_first(tab: StateHarness) -> None:
    tab.path = "/signup"
    events = await tab.run(
        SignUpState.sign_up,
        form_data={"name": "Ann", "email": "not-an-email", "password": "short"},
    )
    auth = await tab.state(SignUpState)
    assert set(auth.errors) == {"email", "password"}
    assert "valid email" in auth.errors["email"]
    assert "at least 8" in auth.errors["password"]
    assert tab.focus(events) == "email"
    assert tab.redirects(events) == []
    assert auth.token == "" and not auth.logged_in
    assert auth.busy == ""


async def test_sign_up_with_a_taken_email_says_so_beside_the_email(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    tab.path = "/signup"
    await tab.run(
        SignUpState.sign_up,
        form_data={"name": "", "email": EMAIL.upper(), "password": "not the same passphrase"},
    )
    auth = await tab.state(SignUpState)
    assert auth.errors == {"email": service.EMAIL_TAKEN}
    assert not auth.logged_in


async def test_signing_up_again_with_the_same_password_signs_in(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    tab.path = "/signup"
    events = await tab.run(
        SignUpState.sign_up, form_data={"name": "", "email": EMAIL, "password": PASSWORD}
    )
    assert tab.redirects(events) == ["/"]
    assert (await tab.state(SignUpState)).logged_in


async def test_a_throttled_sign_up_says_so_above_the_button(
    tab: StateHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    def throttled(*args: Any, **kwargs: Any) -> None:
        raise Throttled(60)

    monkeypatch.setattr(service.throttle, "note_sign_up", throttled)
    tab.path = "/signup"
    await tab.run(SignUpState.sign_up, form_data={"name": "", "email": EMAIL, "password": PASSWORD})
    auth = await tab.state(SignUpState)
    assert auth.form_error.startswith("Too many attempts") and auth.busy == ""


async def test_sign_up_signs_in_and_lands_home(tab: StateHarness) -> None:
    events = await _signed_up(tab)
    assert tab.redirects(events) == ["/"]
    auth = await tab.state(SignUpState)
    assert auth.logged_in
    assert auth.user_name == "Ann" and auth.user_email == EMAIL
    assert auth.errors == {}
    assert service.authenticate(auth.token).user.email == EMAIL


async def test_sign_up_goes_to_next(tab: StateHarness) -> None:
    events = await _signed_up(tab, {"next": "/account"})
    assert tab.redirects(events) == ["/account"]


# --- sign-in ----------------------------------------------------------------------------


async def test_sign_in_sets_the_token_and_redirects_to_next(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    events = await _signed_in(tab, {"next": "/?filter=active"})
    assert tab.redirects(events) == ["/?filter=active"]
    state = await tab.state(AuthState)
    assert state.logged_in
    auth = service.authenticate(state.token)
    assert str(auth.session_id) == state.session_id
    sessions = service.list_sessions(auth.user.id, auth.session_id)
    [this_tab] = [info for info in sessions if info.current]
    assert this_tab.user_agent == USER_AGENT and this_tab.ip_address == CLIENT_IP


async def test_sign_in_shows_the_spinner_while_working(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    await _signed_in(tab)
    updates = tab.sent_deltas(SignInState)
    assert [update["busy"] for update in updates if "busy" in update] == ["sign_in", ""]
    spinner = next(update for update in updates if "busy" in update)
    assert "token" not in spinner  # the browser showed the spinner before the work was done
    auth = await tab.state(SignInState)
    assert auth.busy == "" and auth.logged_in


async def test_a_wrong_password_gets_the_generic_error(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    events = await _signed_in(tab, password="wrong password")
    auth = await tab.state(SignInState)
    assert auth.form_error == "Invalid email or password"
    assert tab.redirects(events) == []
    assert tab.focus(events) == "password"
    assert not auth.logged_in and auth.token == ""


async def test_an_unknown_email_gets_the_same_generic_error(tab: StateHarness) -> None:
    await _signed_in(tab)
    assert (await tab.state(SignInState)).form_error == "Invalid email or password"


async def test_empty_sign_in_fields_are_field_errors_not_attempts(tab: StateHarness) -> None:
    tab.path = "/login"
    events = await tab.run(SignInState.sign_in, form_data={"email": " ", "password": ""})
    auth = await tab.state(SignInState)
    assert set(auth.errors) == {"email", "password"}
    assert tab.focus(events) == "email"
    assert auth.form_error == ""


async def test_sign_in_is_throttled_after_five_failures(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    for _ in range(5):
        await _signed_in(tab, password="wrong password")
    events = await _signed_in(tab)  # even the right password is refused now
    auth = await tab.state(SignInState)
    assert auth.form_error.startswith("Too many attempts; try again in")
    assert tab.redirects(events) == [] and not auth.logged_in


async def test_a_signed_in_visit_to_login_goes_on(tab: StateHarness) -> None:
    await _signed_up(tab)
    tab.path, tab.query = "/login", {"next": "/account"}
    assert tab.redirects(await tab.run(AuthState.redirect_if_signed_in)) == ["/account"]
    tab.path, tab.query = "/signup", {}
    assert tab.redirects(await tab.run(AuthState.redirect_if_signed_in)) == ["/"]


async def test_a_dead_token_on_login_is_dropped_quietly(tab: StateHarness) -> None:
    await _signed_up(tab)
    service.sign_out((await tab.state(AuthState)).token)
    tab.path, tab.query = "/login", {}
    assert await tab.run(AuthState.redirect_if_signed_in) == []
    assert (await tab.state(AuthState)).token == ""


# --- next -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/account", "/account"),
        ("/?filter=active", "/?filter=active"),
        ("//evil.com", "/"),
        ("//evil.com/path", "/"),
        ("/\\evil.com", "/"),
        ("https://evil.com/", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.com", "/"),
        ("evil.com", "/"),
        ("/login?next=/login", "/"),
        ("/signup/", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_allows_only_same_site_paths(raw: str | None, expected: str) -> None:
    assert safe_next(raw) == expected


async def test_sign_in_never_redirects_off_site(tab: StateHarness) -> None:
    make_account("Ann", EMAIL)
    events = await _signed_in(tab, {"next": "//evil.com"})
    assert tab.redirects(events) == ["/"]


def test_to_login_keeps_the_path_and_query() -> None:
    events = Event.from_event_type(to_login("/?filter=active", REASON_EXPIRED))
    assert redirects_in(events) == ["/login?next=/%3Ffilter%3Dactive&reason=expired"]


async def test_the_login_page_explains_an_ended_session(tab: StateHarness) -> None:
    tab.path, tab.query = "/login", {"next": "/", "reason": "expired"}
    await tab.run(AuthState.redirect_if_signed_in)  # the page's on_load brings its URL
    auth = await tab.state(AuthState)
    assert auth.login_notice == NOTICES[REASON_EXPIRED]
    assert auth.next_query == ""
    tab.query = {"next": "/account"}
    await tab.run(AuthState.redirect_if_signed_in)
    auth = await tab.state(AuthState)
    assert auth.login_notice == ""
    assert auth.next_query == "?next=/account"


# --- sign-out and guards ----------------------------------------------------------------


async def test_sign_out_clears_the_token_and_ends_the_session(tab: StateHarness) -> None:
    await _signed_up(tab)
    token = (await tab.state(AuthState)).token
    tab.path, tab.query = "/account", {}
    events = await tab.run(AuthState.sign_out)
    assert tab.redirects(events) == ["/login"]
    auth = await tab.state(AuthState)
    assert auth.token == "" and not auth.logged_in
    assert auth.user_name == "" and auth.session_id == ""
    with pytest.raises(Unauthenticated):
        service.authenticate(token)


async def test_the_guard_sends_a_visitor_without_a_token_to_sign_in(tab: StateHarness) -> None:
    tab.path, tab.query = "/", {"filter": "active"}
    events = await tab.run(AuthState.require_login)
    assert tab.redirects(events) == ["/login?next=/%3Ffilter%3Dactive"]


async def test_the_guard_verifies_a_stored_token_in_a_new_tab(tab: StateHarness) -> None:
    await _signed_up(tab)
    other = tab.new_tab()
    other_auth = await other.state(AuthState)
    # What hydration does with the browser's localStorage:
    other_auth.token = (await tab.state(AuthState)).token
    assert not other_auth.logged_in  # not yet verified: nothing protected is shown
    other.path = "/account"
    assert await other.run(AuthState.require_login) == []
    other_auth = await other.state(AuthState)
    assert other_auth.logged_in and other_auth.user_name == "Ann"


async def test_the_guard_redirects_when_the_session_was_revoked_elsewhere(
    tab: StateHarness,
) -> None:
    await _signed_up(tab)
    elsewhere = service.sign_in(EMAIL, PASSWORD)
    service.revoke_other_sessions(elsewhere.user.id, elsewhere.session_id)
    tab.path, tab.query = "/account", {}
    events = await tab.run(AuthState.require_login)
    assert tab.redirects(events) == [EXPIRED]
    auth = await tab.state(AuthState)
    assert auth.token == "" and not auth.logged_in


async def test_a_sign_out_in_another_tab_flips_logged_in_and_the_placeholder_leaves(
    tab: StateHarness,
) -> None:
    await _signed_up(tab)
    auth = await tab.state(AuthState)
    assert auth.logged_in
    auth.token = ""  # what the synced localStorage does in this tab
    assert not auth.logged_in
    tab.path, tab.query = "/account/", {}  # the placeholder mounts on the page this tab is on
    events = await tab.run(AuthState.recheck_session)
    assert tab.redirects(events) == ["/login?next=/account"]


async def test_the_placeholder_accepts_a_token_renewed_in_another_tab(tab: StateHarness) -> None:
    await _signed_up(tab)
    auth = await tab.state(AuthState)
    auth.token = service.sign_in(EMAIL, PASSWORD).token  # another tab's newer token
    assert not auth.logged_in
    tab.path, tab.query = "/", {}
    assert await tab.run(AuthState.recheck_session) == []
    assert (await tab.state(AuthState)).logged_in


async def test_the_placeholder_leaves_the_redirect_to_whoever_signed_out_here(
    tab: StateHarness,
) -> None:
    await _signed_up(tab)
    tab.path, tab.query = "/account", {}
    assert tab.redirects(await tab.run(AuthState.sign_out)) == ["/login"]
    # The placeholder may mount before the tab has left /account: it must not redirect to
    # /login?next=/account over the plain /login (nor drop a reason=expired).
    assert await tab.run(AuthState.recheck_session) == []
    assert tab.redirects(await tab.run(AuthState.require_login)) == ["/login?next=/account"]


async def test_a_guard_event_from_a_page_already_left_is_ignored(tab: StateHarness) -> None:
    tab.path = "/login"
    assert await tab.run(AuthState.require_login) == []


# --- /account ---------------------------------------------------------------------------


async def _on_account(tab: StateHarness) -> None:
    await _signed_up(tab)
    tab.path, tab.query = "/account", {}
    assert await tab.run(AuthState.require_login) == []
    await tab.run(AccountState.load_account)


async def test_the_account_page_lists_sessions_with_this_device(tab: StateHarness) -> None:
    await _on_account(tab)
    laptop = tab.new_tab()  # Ann signs in from another browser too
    laptop.user_agent = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
    laptop.client_ip = "198.51.100.1"
    assert (await _signed_in(laptop)) != [] and (await laptop.state(AccountState)).logged_in
    await tab.run(AccountState.load_account)
    auth = await tab.state(AccountState)
    rows = {row.device: row for row in auth.sessions}
    assert set(rows) == {"Chrome on Linux", "Firefox on Windows"}
    assert rows["Chrome on Linux"].current and not rows["Firefox on Windows"].current
    assert rows["Firefox on Windows"].last_seen == "Active now"
    assert rows["Firefox on Windows"].ip_address == "198.51.100.1"
    assert auth.has_other_sessions


async def test_revoke_one_session_and_then_all_others(tab: StateHarness) -> None:
    await _on_account(tab)
    first = service.sign_in(EMAIL, PASSWORD)
    second = service.sign_in(EMAIL, PASSWORD)
    await tab.run(AccountState.load_account)
    events = await tab.run(AccountState.revoke_session, session_id=str(first.session_id))
    assert _toasted(tab, events, "Session signed out")
    assert len((await tab.state(AccountState)).sessions) == 2
    events = await tab.run(AccountState.revoke_other_sessions)
    assert _toasted(tab, events, "Signed out 1 other session")
    assert [row.current for row in (await tab.state(AccountState)).sessions] == [True]
    with pytest.raises(Unauthenticated):
        service.authenticate(second.token)
    events = await tab.run(AccountState.revoke_session, session_id=str(first.session_id))
    assert _toasted(tab, events, "already ended")


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        ("revoke_other_sessions", {}),
        ("revoke_session", {"session_id": "other"}),
        (
            "change_password",
            {"form_data": {"current_password": PASSWORD, "new_password": NEW_PASSWORD}},
        ),
        ("delete_account", {"form_data": {"delete_password": PASSWORD}}),
    ],
)
async def test_account_actions_of_a_revoked_session_go_to_sign_in(
    tab: StateHarness, action: str, payload: dict[str, Any]
) -> None:
    await _on_account(tab)
    other = service.sign_in(EMAIL, PASSWORD)
    service.revoke_other_sessions(other.user.id, other.session_id)  # ends this tab's session
    payload = {
        key: str(other.session_id) if value == "other" else value for key, value in payload.items()
    }
    events = await tab.run(getattr(AccountState, action), **payload)
    assert tab.redirects(events) == [EXPIRED]
    auth = await tab.state(AuthState)
    assert auth.token == "" and not auth.logged_in
    assert service.authenticate(other.token)  # nothing was done on the dead session's behalf
    assert service.sign_in(EMAIL, PASSWORD)  # the password is unchanged, the account is there


async def test_change_password_errors_sit_beside_the_fields(tab: StateHarness) -> None:
    await _on_account(tab)
    events = await tab.run(
        AccountState.change_password,
        form_data={"current_password": "wrong password", "new_password": "short"},
    )
    assert set((await tab.state(AccountState)).errors) == {"current_password", "new_password"}
    assert tab.focus(events) == "current_password"


async def test_change_password_keeps_this_session_and_ends_the_others(tab: StateHarness) -> None:
    await _on_account(tab)
    other = service.sign_in(EMAIL, PASSWORD)
    events = await tab.run(
        AccountState.change_password,
        form_data={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    auth = await tab.state(AccountState)
    assert auth.errors == {}
    assert _toasted(tab, events, "Password changed")
    assert auth.logged_in and service.authenticate(auth.token)
    with pytest.raises(Unauthenticated):
        service.authenticate(other.token)
    assert service.sign_in(EMAIL, NEW_PASSWORD)


async def test_delete_account_asks_for_the_password(tab: StateHarness) -> None:
    await _on_account(tab)
    events = await tab.run(
        AccountState.delete_account, form_data={"delete_password": "wrong password"}
    )
    auth = await tab.state(AccountState)
    assert auth.errors == {"delete_password": "Password is incorrect"}
    assert tab.focus(events) == "delete_password"
    assert auth.logged_in
    events = await tab.run(AccountState.delete_account, form_data={"delete_password": PASSWORD})
    assert tab.redirects(events) == ["/login?reason=deleted"]
    auth = await tab.state(AccountState)
    assert auth.token == "" and not auth.logged_in
    tab.path, tab.query = "/login", {"reason": "deleted"}
    await tab.run(AuthState.redirect_if_signed_in)  # the sign-in page's on_load
    assert (await tab.state(AccountState)).login_notice == "Your account has been deleted"


# --- the sessions list's wording --------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (USER_AGENT, "Chrome on Linux"),
        (
            "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36",
            "Chrome on Linux",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:128.0) Firefox/128.0",
            "Firefox on macOS",
        ),
        ("python-httpx/0.28.1", "python-httpx"),
        ("curl/8.5.0", "curl"),
        ("", "Unknown device"),
    ],
)
def test_describe_user_agent(user_agent: str, expected: str) -> None:
    assert describe_user_agent(user_agent) == expected


@pytest.mark.parametrize(
    ("ago", "expected"),
    [
        (timedelta(seconds=5), "Active now"),
        (timedelta(minutes=2), "2 minutes ago"),
        (timedelta(hours=1, minutes=5), "1 hour ago"),
        (timedelta(days=3), "3 days ago"),
        (timedelta(seconds=-30), "Active now"),  # a clock a little ahead
    ],
)
def test_describe_last_seen(ago: timedelta, expected: str) -> None:
    now = utcnow()
    assert describe_last_seen(now - ago, now) == expected
