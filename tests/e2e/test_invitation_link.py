"""A shared list's invitation to an address with no account, in Chromium: the mail (read
from a real SMTP server) holds a link; opening it signed out goes to sign in, on to sign up,
and back to the link, which joins the list and opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_auth_flows import PASSWORD, _at, _email
from tests.mailbox import Mailbox

pytestmark = pytest.mark.e2e

LINK = re.compile(r"(http\S+/invitation\?id=[0-9a-f-]+&token=[\w-]+)")


def test_the_mailed_link_signs_up_and_joins_the_list(
    page: Page, server: Server, server_mailbox: Mailbox
) -> None:
    owner = page.request.post(
        "/api/auth/sign-up",
        data={"email": _email(), "password": PASSWORD, "name": "Ann Owner"},
    )
    assert owner.status == 201, owner.text()
    headers = {"Authorization": f"Bearer {owner.json()['token']}"}
    made = page.request.post("/api/lists", data={"name": "Groceries"}, headers=headers)
    assert made.status == 201, made.text()
    list_id = made.json()["id"]
    page.request.post("/api/tasks", data={"title": "Oat milk", "list_id": list_id}, headers=headers)
    guest = _email()
    before = len(server_mailbox.messages)
    sent = page.request.post(
        f"/api/lists/{list_id}/invitations",
        data={"email": guest, "role": "editor"},
        headers=headers,
    )
    assert sent.status == 201, sent.text()
    (message,) = server_mailbox.wait_for(before + 1)[before:]
    assert message["To"] == guest
    body = message.get_payload(decode=True).decode()
    found = LINK.search(body)
    assert found, body
    link = found.group(1)
    assert link.startswith(server.url)

    page.goto(link)  # signed out: to sign in, with the way back
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_role("link", name=re.compile("Create (an )?account|Sign up")).click()
    page.get_by_label("Name").fill("Gus Guest")
    page.get_by_label("Email").fill(guest)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(_at(server, f"/?list={list_id}"), timeout=15_000)
    expect(page.get_by_text("Oat milk")).to_be_visible()
    screenshot(page, "invitation-joined")

    page.goto(link)  # spent: the page says why
    expect(
        page.get_by_role("alert").or_(page.get_by_text("This invitation has expired"))
    ).to_be_visible()
