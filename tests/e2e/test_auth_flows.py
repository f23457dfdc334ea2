"""Sign-up, sign-in, sign-out and sessions in Chromium against the production build.

Every test makes its own account (one server serves the whole session). Pages are found by
their accessible names, the contract in DESIGN.md.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.conftest import ConsoleErrors, Server, screenshot

PASSWORD = "correct horse battery"
SESSION_ENDED = "Your session has ended; please sign in again"
NO_HORIZONTAL_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

pytestmark = pytest.mark.e2e


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@example.com"


def _at(server: Server, path_and_query: str) -> re.Pattern[str]:
    """The URL of a page, with or without the trailing slash the server may add."""
    path, _, query = path_and_query.partition("?")
    pattern = re.escape(server.url + path.rstrip("/")) + "/?"
    return re.compile(pattern + (r"\?" + re.escape(query) if query else "") + "$")


def _sign_up(page: Page, server: Server, email: str, name: str = "Ann Example") -> None:
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(_at(server, "/"))


def _sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password", exact=True).press("Enter")  # a real form: Enter submits


def _open_account(page: Page) -> None:
    page.goto("/account")
    expect(page.get_by_role("heading", level=1, name="Account")).to_be_visible()


def _sessions_on_account(page: Page, count: int) -> Locator:
    """The sessions list on /account, once it shows ``count`` sessions."""
    _open_account(page)
    sessions = page.get_by_role("region", name="Sessions")
    expect(sessions.get_by_role("listitem")).to_have_count(count)
    return sessions


@contextmanager
def _signed_in_elsewhere(browser: Browser, server: Server, email: str, url: str) -> Iterator[Page]:
    """A second browser (its own storage, so its own session), signed in from ``url``."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    try:
        other = context.new_page()
        other.goto(url)
        _sign_in(other, email)
        yield other
    finally:
        context.close()


def test_sign_up_lands_home_and_a_reload_stays_signed_in(
    page: Page, server: Server, console_errors: ConsoleErrors
) -> None:
    email = _email()
    _sign_up(page, server, email, name="Ann Example")
    assert page.evaluate("localStorage.getItem('todo_token')")
    _open_account(page)
    navbar = page.get_by_role("navigation", name="Main")
    expect(navbar.get_by_text("Ann Example")).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()
    page.reload()
    expect(page).to_have_url(_at(server, "/account"))
    expect(page.get_by_role("heading", level=1, name="Account")).to_be_visible()
    expect(navbar.get_by_text("Ann Example")).to_be_visible()
    assert console_errors == []


def test_sign_up_shows_field_errors_beside_the_fields(page: Page, server: Server) -> None:
    page.goto("/signup")
    page.get_by_label("Email").fill("not-an-email")
    password = page.get_by_label("Password", exact=True)
    password.fill("short")
    password.press("Enter")
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#email-error")).to_contain_text("valid email")
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#password-error")).to_contain_text("at least 8")
    expect(email).to_be_focused()
    assert "email-error" in (email.get_attribute("aria-describedby") or "")
    expect(page).to_have_url(_at(server, "/signup"))
    screenshot(page, "signup-errors")


def test_the_password_toggle_shows_and_hides_the_password(page: Page) -> None:
    page.goto("/login")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_attribute("autocomplete", "current-password")
    expect(page.get_by_label("Email")).to_have_attribute("autocomplete", "email")
    toggle = page.get_by_role("button", name="Show password")
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(password).to_have_attribute("type", "password")


def test_sign_out_then_home_redirects_to_login(page: Page, server: Server) -> None:
    _sign_up(page, server, _email())
    _open_account(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(_at(server, "/login"))
    assert page.evaluate("localStorage.getItem('todo_token')") in ("", None)
    page.goto("/")
    expect(page).to_have_url(_at(server, "/login?next=/"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_sign_in_returns_to_the_page_asked_for(page: Page, server: Server) -> None:
    email = _email()
    _sign_up(page, server, email)
    _open_account(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(_at(server, "/login"))

    page.goto("/account")
    expect(page).to_have_url(_at(server, "/login?next=/account"))
    _sign_in(page, email, "wrong password")
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    _sign_in(page, email)
    expect(page).to_have_url(_at(server, "/account"))
    expect(page.get_by_role("heading", level=1, name="Account")).to_be_visible()

    page.goto("/login")  # signed in: the sign-in page sends us on
    expect(page).to_have_url(_at(server, "/"))


def test_protected_content_is_never_shown_before_the_redirect(page: Page, server: Server) -> None:
    page.add_init_script(
        """
        window.__sawProtected = false;
        new MutationObserver(() => {
          if (document.body && document.body.innerText.includes("Sign out everywhere else")) {
            window.__sawProtected = true;
          }
        }).observe(document, {childList: true, subtree: true, characterData: true});
        """
    )
    page.goto("/account")
    expect(page).to_have_url(_at(server, "/login?next=/account"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert page.evaluate("window.__sawProtected") is False


def test_signing_out_in_one_tab_signs_out_the_other(page: Page, server: Server) -> None:
    _sign_up(page, server, _email())
    other = page.context.new_page()  # same context: same localStorage, like two tabs
    other.goto("/account")
    expect(other.get_by_role("heading", level=1, name="Account")).to_be_visible()

    _open_account(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(_at(server, "/login"))
    # No reload and no click in the other tab: the synced token empties and it leaves.
    expect(other).to_have_url(_at(server, "/login?next=/account"), timeout=5_000)
    expect(other.get_by_text("Sign out everywhere else")).to_have_count(0)


def test_revoking_a_session_signs_that_browser_out_on_its_next_action(
    page: Page, browser: Browser, server: Server
) -> None:
    email = _email()
    _sign_up(page, server, email)
    with _signed_in_elsewhere(browser, server, email, "/login?next=/account") as other:
        expect(other.get_by_role("heading", level=1, name="Account")).to_be_visible()

        sessions = _sessions_on_account(page, count=2)
        expect(sessions.get_by_text("This device")).to_have_count(1)
        sessions.get_by_role("button", name="Revoke Chrome on Linux session").click()
        expect(sessions.get_by_role("listitem")).to_have_count(1)
        screenshot(page, "account-revoked")

        # Its next action, with no reload: the handler finds the session gone.
        other.get_by_role("button", name="Sign out everywhere else").click()
        expect(other).to_have_url(_at(server, "/login?next=/account&reason=expired"))
        expect(other.get_by_text(SESSION_ENDED)).to_be_visible()


def test_sign_out_everywhere_else_keeps_this_device(
    page: Page, browser: Browser, server: Server
) -> None:
    email = _email()
    _sign_up(page, server, email)
    with _signed_in_elsewhere(browser, server, email, "/login") as other:
        expect(other).to_have_url(_at(server, "/"))
        sessions = _sessions_on_account(page, count=2)
        page.get_by_role("button", name="Sign out everywhere else").click()
        expect(sessions.get_by_role("listitem")).to_have_count(1)
        expect(page.get_by_role("button", name="Sign out everywhere else")).to_be_disabled()
        other.reload()
        expect(other).to_have_url(_at(server, "/login?next=/&reason=expired"))


def test_change_password_and_delete_account(page: Page, server: Server) -> None:
    email = _email()
    _sign_up(page, server, email)
    _open_account(page)
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_label("New password").fill("another long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed")).to_be_visible()
    expect(page.get_by_label("Current password")).to_have_value("")

    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("alertdialog")
    dialog.get_by_label("Password").fill(PASSWORD)  # the old one: refused
    dialog.get_by_role("button", name="Delete account").click()
    expect(dialog.locator("#delete_password-error")).to_have_text("Password is incorrect")
    screenshot(page, "account-delete-dialog")
    dialog.get_by_label("Password").fill("another long passphrase")
    dialog.get_by_role("button", name="Delete account").click()
    expect(page).to_have_url(_at(server, "/login?reason=deleted"))
    expect(page.get_by_text("Your account has been deleted")).to_be_visible()
    _sign_in(page, email, "another long passphrase")
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")


def test_pages_look_right_light_dark_and_at_320px(page: Page, server: Server) -> None:
    page.goto("/login?next=/&reason=expired")
    expect(page.get_by_role("heading", level=1, name="Todo")).to_be_visible()
    expect(
        page.get_by_text("A fast, private todo list for everyone on your server.")
    ).to_be_visible()
    screenshot(page, "login")
    page.goto("/signup")
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    screenshot(page, "signup")
    page.emulate_media(color_scheme="dark")
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    screenshot(page, "login-dark")
    page.emulate_media(color_scheme="light")

    _sign_up(page, server, _email(), name="Ann Example")
    _open_account(page)
    expect(page.get_by_text("This device")).to_be_visible()
    page.wait_for_load_state("networkidle")
    screenshot(page, "account")

    page.set_viewport_size({"width": 320, "height": 640})
    for path, name in (
        ("/account", "account-320"),
        ("/login", "login-320"),
        ("/signup", "signup-320"),
    ):
        if path != "/account":
            page.evaluate("localStorage.removeItem('todo_token')")
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL), path
        screenshot(page, name)
