"""Where a new task goes in Chromium (issue 17, "Add tasks to: Top / Bottom"): a list
set to "Bottom" shows a new task last before the server has heard of it (the page's
websocket is held, test_engine.py ``routed_page``), keeps it last once confirmed and after a
reload, and the Inbox keeps its own "Top"."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_engine import api, routed_page, saved, token_of
from tests.e2e.test_tasks import items, sign_up

INBOX = "/?view=inbox"


def shown(page: Page, *titles: str) -> None:
    for title in titles:
        expect(page.get_by_role("checkbox", name=title, exact=True)).to_be_visible()


def list_order(server: Server, token: str, list_id: str) -> list[str]:
    page = api(server, token, "GET", f"/api/tasks?list_id={list_id}&sort=manual")
    return [t["title"] for t in page["items"]]


def test_a_list_set_to_the_bottom_adds_last_and_the_inbox_stays_on_top(
    browser: Browser, server: Server
) -> None:
    page, socket = routed_page(browser, server)
    sign_up(page, "Bottom")
    token = token_of(page)
    home = api(server, token, "POST", "/api/lists", {"name": "Home"})
    for title in ("Second", "First"):  # on top, as a list starts: First, Second
        api(server, token, "POST", "/api/tasks", {"title": title, "list_id": home["id"]})
    api(server, token, "POST", "/api/tasks", {"title": "Old inbox task"})

    page.goto(f"/?list={home['id']}")
    shown(page, "First", "Second")
    choice = page.get_by_role("combobox", name="Add tasks to")
    expect(choice).to_have_value("top")
    choice.select_option(label="Bottom")
    expect(choice).to_have_value("bottom")
    page.wait_for_function(
        f"window.todoTaskEngine && window.todoTaskEngine.addOnTop[{home['id']!r}] === false"
    )
    assert api(server, token, "GET", "/api/lists")[0]["add_on_top"] is False

    socket.hold = True  # nothing reaches the server: the place shown is the page's own
    box = page.get_by_label("New task", exact=True)
    box.fill("Third")
    box.press("Enter")
    shown(page, "Third")
    assert items(page) == ["First", "Second", "Third"]
    assert socket.client_events_held() >= 1
    socket.release()
    saved(page)
    assert items(page) == ["First", "Second", "Third"]
    assert list_order(server, token, home["id"]) == ["First", "Second", "Third"]

    page.reload()
    shown(page, "Third")
    assert items(page) == ["First", "Second", "Third"]
    expect(page.get_by_role("combobox", name="Add tasks to")).to_have_value("bottom")
    screenshot(page, "add-position-list-bottom")

    page.goto(INBOX)
    shown(page, "Old inbox task")
    expect(page.get_by_role("combobox", name="Add tasks to")).to_have_value("top")
    box.fill("New inbox task")
    box.press("Enter")
    shown(page, "New inbox task")
    assert items(page) == ["New inbox task", "Old inbox task"]
    saved(page)
    assert api(server, token, "GET", "/api/lists/inbox")["add_on_top"] is True
    assert list_order(server, token, "inbox") == ["New inbox task", "Old inbox task"]

    page.goto(f"{INBOX}&sort=due")  # only in Manual order
    shown(page, "Old inbox task")
    expect(page.get_by_role("combobox", name="Add tasks to")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"sort=due"))
    page.context.close()
