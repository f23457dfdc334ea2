"""Every open page is live: changes from another tab or from the API appear without a reload."""

from __future__ import annotations

import json
import urllib.request

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_tasks import add, sign_up

SOON = 3_000  # ms; the target is under a second on an idle machine


def test_a_change_in_one_tab_shows_in_the_other(page: Page) -> None:
    sign_up(page, "Twotabs")
    other = page.context.new_page()  # same browser: the same signed-in account
    other.goto("/")
    expect(other.get_by_text("No tasks yet")).to_be_visible()

    add(page, "from tab one")
    expect(other.get_by_role("checkbox", name="from tab one")).to_be_visible(timeout=SOON)
    expect(other.get_by_text("1 item left")).to_be_visible(timeout=SOON)

    other.get_by_role("checkbox", name="from tab one").click()
    expect(page.get_by_role("checkbox", name="from tab one")).to_be_checked(timeout=SOON)

    page.get_by_role("button", name="Delete from tab one").click()
    expect(other.get_by_role("checkbox", name="from tab one")).to_have_count(0, timeout=SOON)
    expect(other.get_by_text("No tasks yet")).to_be_visible(timeout=SOON)


def test_a_change_through_the_api_shows_on_the_page(page: Page, server: Server) -> None:
    sign_up(page, "Apilive")
    token = page.evaluate("localStorage.getItem('todo_token')")
    req = urllib.request.Request(  # noqa: S310  (the test's own local server)
        f"{server.url}/api/tasks",
        data=json.dumps({"title": "made by a script"}).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status == 201
    expect(page.get_by_role("checkbox", name="made by a script")).to_be_visible(timeout=SOON)


def test_another_account_gets_no_live_updates(page: Page, server: Server) -> None:
    sign_up(page, "Watcher")
    stranger = page.context.browser.new_context(base_url=server.url).new_page()
    sign_up(stranger, "Stranger")
    add(stranger, "stranger's secret")
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("stranger's secret")).to_have_count(0)
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    stranger.context.close()
