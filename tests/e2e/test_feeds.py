"""A calendar feed in Chromium: turned on in /account, its link copied, fetched on the app's
own port as a calendar holding the task; reset makes the old link 404."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_engine import api, token_of
from tests.e2e.test_tasks import sign_up


def test_add_copy_fetch_and_reset_a_feed(page: Page, server: Server) -> None:
    sign_up(page, "Feeder")
    due = (date.today() + timedelta(days=2)).isoformat()
    api(server, token_of(page), "POST", "/api/tasks", {"title": "Dentist", "due_date": due})

    page.goto("/account")
    region = page.get_by_role("region", name="Calendar feeds")
    expect(region).to_be_visible()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    region.get_by_label("Feed of").select_option(label="All tasks")
    region.get_by_role("button", name="Add feed").click()
    link = region.get_by_label("Feed link Todo")
    expect(link).to_be_visible()
    region.get_by_role("button", name="Copy link").click()
    url = link.input_value()
    assert url.startswith(f"{server.url}/feeds/") and url.endswith(".ics")
    page.wait_for_function("navigator.clipboard.readText().then(t => t.length > 0)")
    assert page.evaluate("navigator.clipboard.readText()") == url

    answer = page.request.get(url)
    assert answer.status == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    assert "SUMMARY:Dentist" in answer.text()
    assert answer.headers["etag"]

    region.get_by_role("button", name="Reset link Todo").click()
    expect(link).not_to_have_value(url)
    assert page.request.get(url).status == 404
    new_url = link.input_value()
    assert page.request.get(new_url).status == 200

    region.get_by_role("button", name="Turn off Todo").click()
    expect(region.get_by_role("button", name="Turn off Todo")).to_have_count(0)
    assert page.request.get(new_url).status == 404
