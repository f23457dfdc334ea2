"""Every open page is live: changes from another tab or from the API appear without a reload."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_tasks import PASSWORD, add, sign_up

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


def _api(server: Server, path: str, body: dict[str, Any], token: str = "") -> Any:
    """POST to the test's own server; the JSON answer (None for 204)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(  # noqa: S310  (the test's own local server)
        f"{server.url}{path}", data=json.dumps(body).encode(), method="POST", headers=headers
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status in (200, 201, 204), resp.status
        return json.loads(resp.read()) if resp.status != 204 else None


def test_a_change_through_the_api_shows_on_the_page(page: Page, server: Server) -> None:
    sign_up(page, "Apilive")
    token = page.evaluate("localStorage.getItem('todo_token')")
    _api(server, "/api/tasks", {"title": "made by a script"}, token)
    expect(page.get_by_role("checkbox", name="made by a script")).to_be_visible(timeout=SOON)


def test_a_page_signed_out_through_the_api_receives_no_later_task(
    page: Page, server: Server
) -> None:
    """Issue 15: the tab of a session ended elsewhere kept receiving every new row."""
    frames: list[str] = []  # everything the server sent this page over its websocket
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda frame: frames.append(str(frame))),
    )
    email = sign_up(page, "Revoked")
    token = page.evaluate("localStorage.getItem('todo_token')")
    phone = _api(server, "/api/auth/sign-in", {"email": email, "password": PASSWORD})["token"]
    _api(server, "/api/tasks", {"title": "before the sign-out"}, phone)
    expect(page.get_by_role("checkbox", name="before the sign-out")).to_be_visible(timeout=SOON)

    _api(server, "/api/auth/sign-out", {}, token)  # this page's session, ended elsewhere
    later = {"title": "after the sign-out", "description": "the pin is 4711"}
    _api(server, "/api/tasks", later, phone)
    expect(page).to_have_url(re.compile(r"/login\?next=/&reason=expired$"), timeout=SOON)
    expect(page.get_by_text("Your session has ended")).to_be_visible()
    assert any("before the sign-out" in frame for frame in frames)  # the socket was heard
    assert not any("4711" in frame or "after the sign-out" in frame for frame in frames)
    assert "4711" not in page.content()


def test_another_account_gets_no_live_updates(page: Page, server: Server) -> None:
    sign_up(page, "Watcher")
    stranger = page.context.browser.new_context(base_url=server.url).new_page()
    sign_up(stranger, "Stranger")
    add(stranger, "stranger's secret")
    page.wait_for_timeout(1_000)
    expect(page.get_by_text("stranger's secret")).to_have_count(0)
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    stranger.context.close()


def test_load_more_goes_on_from_what_the_page_has_after_live_changes(
    page: Page, server: Server
) -> None:
    """The page says how many rows of its view it has: a row deleted elsewhere meanwhile
    neither skips a task on the next page nor shows one twice."""
    sign_up(page, "Pages")
    token = page.evaluate("localStorage.getItem('todo_token')")
    ids = [_api(server, "/api/tasks", {"title": f"task {i:02}"}, token)["id"] for i in range(60)]
    page.reload()
    boxes = page.get_by_role("checkbox", name=re.compile(r"^task \d\d$"))
    expect(boxes).to_have_count(50)  # task 59 .. task 10, newest first
    req = urllib.request.Request(  # noqa: S310  (the test's own local server)
        f"{server.url}/api/tasks/{ids[30]}",
        method="DELETE",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status == 204
    expect(boxes).to_have_count(49, timeout=SOON)
    page.get_by_role("button", name="Load more").click()
    expect(boxes).to_have_count(59)
    shown = [boxes.nth(i).get_attribute("aria-label") for i in range(59)]
    assert sorted(shown) == sorted(f"task {i:02}" for i in range(60) if i != 30)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)


def test_a_burst_of_changes_from_elsewhere_all_arrive_once(page: Page, server: Server) -> None:
    """Fifteen creates through the API in a row: every row arrives, once, and the count moves
    once per task (whether React folded updates together or the page reloaded on a gap)."""
    sign_up(page, "Burst")
    token = page.evaluate("localStorage.getItem('todo_token')")
    for i in range(15):
        _api(server, "/api/tasks", {"title": f"burst {i:02}"}, token)
    boxes = page.get_by_role("checkbox", name=re.compile(r"^burst \d\d$"))
    expect(boxes).to_have_count(15, timeout=SOON)
    expect(page.get_by_text("15 items left")).to_be_visible(timeout=SOON)
    page.reload()  # and the page agrees with the database
    expect(boxes).to_have_count(15)
    expect(page.get_by_text("15 items left")).to_be_visible()
