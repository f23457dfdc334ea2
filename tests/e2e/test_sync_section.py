"""/account's "Sync with your phone" in Chromium: the server address and the username to
type into a CalDAV app, and "Create app password", shown once there and listed under API
tokens as a token with only the caldav scope."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server

PASSWORD = "correct horse battery"


def test_the_sync_section_gives_address_username_and_an_app_password(
    page: Page, server: Server
) -> None:
    email = f"sync-{uuid.uuid4().hex[:10]}@example.com"
    page.goto("/signup")
    page.get_by_label("Name").fill("Sam Sync")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/?$"))

    page.goto("/account")
    sync = page.get_by_role("region", name="Sync with your phone")
    expect(sync).to_be_visible()
    expect(sync.get_by_label("Server address")).to_have_value(server.url + "/dav/")
    expect(sync.get_by_label("Username")).to_have_value(email)

    sync.get_by_role("button", name="Create app password").click()
    shown = sync.get_by_test_id("new-app-password")
    expect(shown).to_have_text(re.compile(r"^todo_pat_[A-Za-z0-9_-]{43}$"))
    expect(sync.get_by_role("button", name="Copy app password")).to_be_visible()
    token = shown.inner_text()

    tokens = page.get_by_role("region", name="API tokens")
    expect(tokens.get_by_test_id("new-token")).to_have_count(0)  # shown in one place only
    expect(tokens.get_by_role("listitem")).to_have_count(1)
    expect(tokens.get_by_role("listitem")).to_contain_text("CalDAV (created ")
    expect(tokens.get_by_role("listitem")).to_contain_text("never expires")

    # A working token that may do nothing but CalDAV: the REST API names the scope it lacks.
    refused = page.request.get(
        f"{server.url}/api/tasks", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status == 403, refused.text()
    assert refused.json() == {"detail": "This token lacks the scope tasks:read"}

    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
