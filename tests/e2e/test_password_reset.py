"""Password reset in Chromium: the mailed link (read from a real SMTP server) opens /reset,
sets a new password once, signs out every session, and a second use says the link is spent."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_auth_flows import (
    NO_HORIZONTAL_SCROLL,
    PASSWORD,
    _at,
    _email,
    _sign_in,
    _signed_in_elsewhere,
)
from tests.mailbox import Mailbox

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account exists for that email, a link to reset its password is on its way."


def _sign_up_by_api(page: Page, email: str) -> None:
    """An account this page was never signed in to: a signed-in tab's /login would go
    straight on to the tasks (and a token removed from storage can be written back)."""
    made = page.request.post("/api/auth/sign-up", data={"email": email, "password": PASSWORD})
    assert made.status == 201, made.text()


def _ask_for_link(page: Page, server: Server, email: str) -> None:
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(_at(server, "/forgot"))
    # The link navigates in the page: wait for the new form, not the sign-in one's "Email".
    expect(page.get_by_role("button", name="Send reset link")).to_be_visible()
    page.get_by_label("Email").fill(email)
    expect(page.get_by_label("Email")).to_have_value(email)
    page.get_by_role("button", name="Send reset link").click()
    expect(page.get_by_role("status")).to_contain_text(SENT)


def test_a_mailed_link_resets_the_password_once_and_signs_everyone_out(
    page: Page, browser: Browser, server: Server, server_mailbox: Mailbox
) -> None:
    email = _email()
    _sign_up_by_api(page, email)
    with _signed_in_elsewhere(browser, server, email, "/login") as laptop:
        expect(laptop).to_have_url(_at(server, "/"))
        before = len(server_mailbox.messages)
        _ask_for_link(page, server, email)
        server_mailbox.wait_for(before + 1)
        url, _token = server_mailbox.link(before)
        assert url.startswith(server.url + "/reset?token=")

        page.goto(url)
        expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
        screenshot(page, "reset")
        page.get_by_label("New password").fill("short")
        page.get_by_role("button", name="Set new password").click()
        expect(page.get_by_text("Password must be at least 8 characters")).to_be_visible()
        page.get_by_label("New password").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Set new password").click()
        expect(page).to_have_url(_at(server, "/login?reason=reset"))
        expect(page.get_by_text("Your password has been changed")).to_be_visible()

        # The laptop's session ended with the reset: its next page load goes to sign in.
        laptop.goto("/account")
        expect(laptop).to_have_url(_at(server, "/login?next=/account&reason=expired"))

    _sign_in(page, email, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text("Invalid email or password")
    _sign_in(page, email, NEW_PASSWORD)
    expect(page).to_have_url(_at(server, "/"))

    page.evaluate("localStorage.removeItem('todo_token')")
    page.goto(url)
    expect(page.get_by_role("alert")).to_contain_text("This reset link is invalid, used or expired")
    page.get_by_role("link", name="Ask for a new link").click()
    expect(page).to_have_url(_at(server, "/forgot"))


def test_an_unknown_email_gets_the_same_page_and_no_mail(
    page: Page, server: Server, server_mailbox: Mailbox
) -> None:
    before = server_mailbox.quiet_for(0.3)
    _ask_for_link(page, server, _email())
    screenshot(page, "forgot-sent")
    assert server_mailbox.quiet_for(0.5) == before


def test_the_reset_pages_fit_320px(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    for path in ("/forgot", "/reset?token=nothing"):
        page.goto(path)
        expect(page.get_by_role("heading", level=2)).to_be_visible()
        assert page.evaluate(NO_HORIZONTAL_SCROLL), path


def _tab_to(page: Page, target: str) -> None:
    """Press Tab until the focused element is ``target``: a field's id, or a link's text."""
    for _ in range(20):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement?.id, document.activeElement?.textContent?.trim()]"
        )
        if target in focused:
            return
    raise AssertionError(f"Tab never reached {target!r}")


def test_the_whole_reset_by_keyboard_alone(
    page: Page, server: Server, server_mailbox: Mailbox
) -> None:
    email = _email()
    _sign_up_by_api(page, email)
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    _tab_to(page, "Forgot your password?")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Send reset link")).to_be_visible()
    _tab_to(page, "email")
    page.keyboard.type(email)
    expect(page.get_by_label("Email")).to_have_value(email)
    before = len(server_mailbox.messages)
    page.keyboard.press("Enter")  # a real form: Enter submits
    expect(page.get_by_role("status")).to_contain_text(SENT)
    server_mailbox.wait_for(before + 1)
    url, _token = server_mailbox.link(before)
    page.goto(url)
    expect(page.get_by_role("button", name="Set new password")).to_be_visible()
    _tab_to(page, "password")
    page.keyboard.type(NEW_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(_at(server, "/login?reason=reset"))
