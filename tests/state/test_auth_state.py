"""AuthState in-process: the sign-up and sign-in forms, sign-out, the page guards, /account."""

from __future__ import annotations

from datetime import timedelta

import pytest

from todo_app.auth import service
from todo_app.auth.state import (
    NOTICES,
    REASON_EXPIRED,
    describe_last_seen,
    describe_user_agent,
    safe_next,
    to_login,
)
from todo_app.errors import Unauthenticated
from todo_app.models import utcnow

from .conftest import CLIENT_IP, USER_AGENT, Tab, focus_of, new_tab, redirect_of, toasts_of

EMAIL = "ann@example.com"
PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
EXPIRED = "/login?next=/account&reason=expired"


async def _signed_up(tab: Tab, next_url: str = "/signup") -> list:
    tab.visit(next_url)
    return await tab.run(tab.auth.sign_up, {"name": "Ann", "email": EMAIL, "password": PASSWORD})


async def _signed_in(tab: Tab, url: str = "/login", password: str = PASSWORD) -> list:
    tab.visit(url)
    return await tab.run(tab.auth.sign_in, {"email": EMAIL, "password": password})


# --- sign-up ----------------------------------------------------------------------------


async def test_sign_up_shows_every_field_error_and_focuses_the_first(tab: Tab) -> None:
    tab.visit("/signup")
    events = await tab.run(
        tab.auth.sign_up, {"name": "Ann", "email": "not-an-email", "password": "short"}
    )
    assert set(tab.auth.errors) == {"email", "password"}
    assert "valid email" in tab.auth.errors["email"]
    assert "at least 8" in tab.auth.errors["password"]
    assert focus_of(events) == "email"
    assert redirect_of(events) is None
    assert tab.auth.token == "" and not tab.auth.logged_in
    assert tab.auth.busy == ""


async def test_sign_up_with_a_taken_email_says_so_beside_the_email(tab: Tab) -> None:
    await _signed_up(tab)
    other = await new_tab()
    other.visit("/signup")
    await other.run(other.auth.sign_up, {"name": "", "email": EMAIL.upper(), "password": PASSWORD})
    assert other.auth.errors == {"email": service.EMAIL_TAKEN}
    assert not other.auth.logged_in


async def test_sign_up_signs_in_and_lands_home(tab: Tab) -> None:
    events = await _signed_up(tab)
    assert redirect_of(events) == "/"
    assert tab.auth.logged_in
    assert tab.auth.user_name == "Ann" and tab.auth.user_email == EMAIL
    assert tab.auth.errors == {}
    assert service.authenticate(tab.auth.token).user.email == EMAIL


async def test_sign_up_goes_to_next(tab: Tab) -> None:
    events = await _signed_up(tab, "/signup?next=/account")
    assert redirect_of(events) == "/account"


# --- sign-in ----------------------------------------------------------------------------


async def test_sign_in_sets_the_token_and_redirects_to_next(tab: Tab) -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    events = await _signed_in(tab, "/login?next=/%3Ffilter%3Dactive")
    assert redirect_of(events) == "/?filter=active"
    assert tab.auth.logged_in
    auth = service.authenticate(tab.auth.token)
    assert str(auth.session_id) == tab.auth.session_id
    sessions = service.list_sessions(auth.user.id, auth.session_id)
    assert sessions[0].user_agent == USER_AGENT and sessions[0].ip_address == CLIENT_IP


async def test_sign_in_shows_the_spinner_while_working(tab: Tab) -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    tab.visit("/login")
    steps = tab.auth.sign_in({"email": EMAIL, "password": PASSWORD})
    await steps.__anext__()  # the first yield: the browser shows the spinner now
    assert tab.auth.busy == "sign_in"
    _ = [event async for event in steps]
    assert tab.auth.busy == ""


async def test_a_wrong_password_gets_the_generic_error(tab: Tab) -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    events = await _signed_in(tab, password="wrong password")
    assert tab.auth.form_error == "Invalid email or password"
    assert redirect_of(events) is None
    assert focus_of(events) == "password"
    assert not tab.auth.logged_in and tab.auth.token == ""


async def test_an_unknown_email_gets_the_same_generic_error(tab: Tab) -> None:
    await _signed_in(tab)
    assert tab.auth.form_error == "Invalid email or password"


async def test_empty_sign_in_fields_are_field_errors_not_attempts(tab: Tab) -> None:
    tab.visit("/login")
    events = await tab.run(tab.auth.sign_in, {"email": " ", "password": ""})
    assert set(tab.auth.errors) == {"email", "password"}
    assert focus_of(events) == "email"
    assert tab.auth.form_error == ""


async def test_sign_in_is_throttled_after_five_failures(tab: Tab) -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    for _ in range(5):
        await _signed_in(tab, password="wrong password")
    events = await _signed_in(tab)  # even the right password is refused now
    assert tab.auth.form_error.startswith("Too many attempts; try again in")
    assert redirect_of(events) is None and not tab.auth.logged_in


async def test_a_signed_in_visit_to_login_goes_on(tab: Tab) -> None:
    await _signed_up(tab)
    tab.visit("/login?next=/account")
    assert redirect_of(await tab.run(tab.auth.redirect_if_signed_in)) == "/account"
    tab.visit("/signup")
    assert redirect_of(await tab.run(tab.auth.redirect_if_signed_in)) == "/"


async def test_a_dead_token_on_login_is_dropped_quietly(tab: Tab) -> None:
    await _signed_up(tab)
    service.sign_out(tab.auth.token)
    tab.visit("/login")
    assert await tab.run(tab.auth.redirect_if_signed_in) == []
    assert tab.auth.token == ""


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


async def test_sign_in_never_redirects_off_site(tab: Tab) -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    events = await _signed_in(tab, "/login?next=//evil.com")
    assert redirect_of(events) == "/"


def test_to_login_keeps_the_path_and_query() -> None:
    spec = to_login("/?filter=active", REASON_EXPIRED)
    assert redirect_of([spec]) == "/login?next=/%3Ffilter%3Dactive&reason=expired"


async def test_the_login_page_explains_an_ended_session(tab: Tab) -> None:
    tab.visit("/login?next=/&reason=expired")
    assert tab.auth.login_notice == NOTICES[REASON_EXPIRED]
    assert tab.auth.next_query == ""
    tab.visit("/login?next=/account")
    assert tab.auth.login_notice == ""
    assert tab.auth.next_query == "?next=/account"


# --- sign-out and guards ----------------------------------------------------------------


async def test_sign_out_clears_the_token_and_ends_the_session(tab: Tab) -> None:
    await _signed_up(tab)
    token = tab.auth.token
    tab.visit("/account")
    events = await tab.run(tab.auth.sign_out)
    assert redirect_of(events) == "/login"
    assert tab.auth.token == "" and not tab.auth.logged_in
    assert tab.auth.user_name == "" and tab.auth.session_id == ""
    with pytest.raises(Unauthenticated):
        service.authenticate(token)


async def test_the_guard_sends_a_visitor_without_a_token_to_sign_in(tab: Tab) -> None:
    tab.visit("/?filter=active")
    events = await tab.run(tab.auth.require_login)
    assert redirect_of(events) == "/login?next=/%3Ffilter%3Dactive"


async def test_the_guard_verifies_a_stored_token_in_a_new_tab(tab: Tab) -> None:
    await _signed_up(tab)
    other = await new_tab()
    other.auth.token = tab.auth.token  # what hydration does with the browser's localStorage
    assert not other.auth.logged_in  # not yet verified: nothing protected is shown
    other.visit("/account")
    assert await other.run(other.auth.require_login) == []
    assert other.auth.logged_in and other.auth.user_name == "Ann"


async def test_the_guard_redirects_when_the_session_was_revoked_elsewhere(tab: Tab) -> None:
    await _signed_up(tab)
    elsewhere = service.sign_in(EMAIL, PASSWORD)
    service.revoke_other_sessions(elsewhere.user.id, elsewhere.session_id)
    tab.visit("/account")
    events = await tab.run(tab.auth.require_login)
    assert redirect_of(events) == EXPIRED
    assert tab.auth.token == "" and not tab.auth.logged_in


async def test_a_sign_out_in_another_tab_flips_logged_in_and_the_placeholder_leaves(
    tab: Tab,
) -> None:
    await _signed_up(tab)
    assert tab.auth.logged_in
    tab.auth.token = ""  # what the synced localStorage does in this tab
    assert not tab.auth.logged_in
    tab.visit("/account/")  # the placeholder mounts on the page this tab is on
    events = await tab.run(tab.auth.recheck_session)
    assert redirect_of(events) == "/login?next=/account"


async def test_the_placeholder_accepts_a_token_renewed_in_another_tab(tab: Tab) -> None:
    await _signed_up(tab)
    tab.auth.token = service.sign_in(EMAIL, PASSWORD).token  # another tab's newer token
    assert not tab.auth.logged_in
    tab.visit("/")
    assert await tab.run(tab.auth.recheck_session) == []
    assert tab.auth.logged_in


async def test_the_placeholder_leaves_the_redirect_to_whoever_signed_out_here(tab: Tab) -> None:
    await _signed_up(tab)
    tab.visit("/account")
    assert redirect_of(await tab.run(tab.auth.sign_out)) == "/login"
    # The placeholder may mount before the tab has left /account: it must not redirect to
    # /login?next=/account over the plain /login (nor drop a reason=expired).
    assert await tab.run(tab.auth.recheck_session) == []
    assert redirect_of(await tab.run(tab.auth.require_login)) == "/login?next=/account"


async def test_a_guard_event_from_a_page_already_left_is_ignored(tab: Tab) -> None:
    tab.visit("/login")
    assert await tab.run(tab.auth.require_login) == []


# --- /account ---------------------------------------------------------------------------


async def _on_account(tab: Tab) -> None:
    await _signed_up(tab)
    tab.visit("/account")
    assert await tab.run(tab.auth.require_login) == []
    await tab.run(tab.auth.load_account)


async def test_the_account_page_lists_sessions_with_this_device(tab: Tab) -> None:
    firefox = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
    await _on_account(tab)
    service.sign_in(EMAIL, PASSWORD, user_agent=firefox, ip="198.51.100.1")
    await tab.run(tab.auth.load_account)
    rows = {row.device: row for row in tab.auth.sessions}
    assert set(rows) == {"Chrome on Linux", "Firefox on Windows"}
    assert rows["Chrome on Linux"].current and not rows["Firefox on Windows"].current
    assert rows["Firefox on Windows"].last_seen == "Active now"
    assert tab.auth.has_other_sessions


async def test_revoke_one_session_and_then_all_others(tab: Tab) -> None:
    await _on_account(tab)
    first = service.sign_in(EMAIL, PASSWORD)
    second = service.sign_in(EMAIL, PASSWORD)
    await tab.run(tab.auth.load_account)
    events = await tab.run(tab.auth.revoke_session, str(first.session_id))
    assert "Session signed out" in toasts_of(events)
    assert len(tab.auth.sessions) == 2
    events = await tab.run(tab.auth.revoke_other_sessions)
    assert "Signed out 1 other session" in toasts_of(events)
    assert [row.current for row in tab.auth.sessions] == [True]
    with pytest.raises(Unauthenticated):
        service.authenticate(second.token)
    events = await tab.run(tab.auth.revoke_session, str(first.session_id))
    assert "already ended" in toasts_of(events)


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("revoke_other_sessions", ()),
        ("revoke_session", ("other",)),
        ("change_password", ({"current_password": PASSWORD, "new_password": NEW_PASSWORD},)),
        ("delete_account", ({"delete_password": PASSWORD},)),
    ],
)
async def test_account_actions_of_a_revoked_session_go_to_sign_in(
    tab: Tab, action: str, args: tuple
) -> None:
    await _on_account(tab)
    other = service.sign_in(EMAIL, PASSWORD)
    service.revoke_other_sessions(other.user.id, other.session_id)  # ends this tab's session
    args = tuple(str(other.session_id) if arg == "other" else arg for arg in args)
    events = await tab.run(getattr(tab.auth, action), *args)
    assert redirect_of(events) == EXPIRED
    assert tab.auth.token == "" and not tab.auth.logged_in
    assert service.authenticate(other.token)  # nothing was done on the dead session's behalf
    assert service.sign_in(EMAIL, PASSWORD)  # the password is unchanged, the account is there


async def test_change_password_errors_sit_beside_the_fields(tab: Tab) -> None:
    await _on_account(tab)
    events = await tab.run(
        tab.auth.change_password, {"current_password": "wrong password", "new_password": "short"}
    )
    assert set(tab.auth.errors) == {"current_password", "new_password"}
    assert focus_of(events) == "current_password"


async def test_change_password_keeps_this_session_and_ends_the_others(tab: Tab) -> None:
    await _on_account(tab)
    other = service.sign_in(EMAIL, PASSWORD)
    events = await tab.run(
        tab.auth.change_password, {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert tab.auth.errors == {}
    assert "Password changed" in toasts_of(events)
    assert tab.auth.logged_in and service.authenticate(tab.auth.token)
    with pytest.raises(Unauthenticated):
        service.authenticate(other.token)
    assert service.sign_in(EMAIL, NEW_PASSWORD)


async def test_delete_account_asks_for_the_password(tab: Tab) -> None:
    await _on_account(tab)
    events = await tab.run(tab.auth.delete_account, {"delete_password": "wrong password"})
    assert tab.auth.errors == {"delete_password": "Password is incorrect"}
    assert focus_of(events) == "delete_password"
    assert tab.auth.logged_in
    events = await tab.run(tab.auth.delete_account, {"delete_password": PASSWORD})
    assert redirect_of(events) == "/login?reason=deleted"
    assert tab.auth.token == "" and not tab.auth.logged_in
    tab.visit("/login?reason=deleted")
    assert tab.auth.login_notice == "Your account has been deleted"


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
