"""API tokens on /account in Chromium: made with a name and scopes, shown once, used against
the REST API, and refused once revoked."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server

PASSWORD = "correct horse battery"


def _sign_up(page: Page, server: Server) -> None:
    page.goto("/signup")
    page.get_by_label("Name").fill("Tess Token")
    page.get_by_label("Email").fill(f"tokens-{uuid.uuid4().hex[:10]}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(re.escape(server.url) + r"/?$"))


def test_a_token_is_made_shown_once_used_and_revoked(page: Page, server: Server) -> None:
    _sign_up(page, server)
    page.goto("/account")
    section = page.get_by_role("region", name="API tokens")
    expect(section).to_be_visible()
    expect(section.get_by_text("No tokens yet")).to_be_visible()

    section.get_by_label("Token name").fill("Read script")
    section.get_by_label("tasks:read").check()
    section.get_by_label("Expires").select_option(label="90 days")
    section.get_by_role("button", name="Create token").click()

    shown = section.get_by_test_id("new-token")
    expect(shown).to_have_text(re.compile(r"^todo_pat_[A-Za-z0-9_-]{43}$"))
    token = shown.inner_text()
    expect(section.get_by_role("button", name="Copy token")).to_be_visible()
    expect(section.get_by_role("listitem")).to_have_count(1)
    expect(section.get_by_role("listitem")).to_contain_text("tasks:read")

    # The token and the list fit a 320 px screen.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 800})

    auth = {"Authorization": f"Bearer {token}"}
    listed = page.request.get(f"{server.url}/api/tasks", headers=auth)
    assert listed.status == 200, listed.text()
    refused = page.request.post(f"{server.url}/api/tasks", headers=auth, data={"title": "x"})
    assert refused.status == 403
    assert refused.json() == {"detail": "This token lacks the scope tasks:write"}

    # Shown once: after a reload only its name is left.
    page.reload()
    section = page.get_by_role("region", name="API tokens")
    expect(section.get_by_role("listitem")).to_have_count(1)
    expect(section.get_by_test_id("new-token")).to_have_count(0)
    expect(section.get_by_role("listitem")).to_contain_text("Last used")

    section.get_by_role("button", name="Revoke Read script").click()
    expect(section.get_by_text("No tokens yet")).to_be_visible()
    after = page.request.get(f"{server.url}/api/tasks", headers=auth)
    assert after.status == 401
