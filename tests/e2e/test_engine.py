"""The change engine in Chromium: paint before the network, a durable outbox, rollback, replay.

The page's websocket is routed through Playwright (``route_web_socket``), so a test can hold
every frame and prove the page changed before anything reached the server.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

from playwright.sync_api import Browser, Page, WebSocketRoute, expect
from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_tasks import add, items, sign_up


class HeldSocket:
    """Forwards the page's websocket frames, or holds them (both ways) while ``hold`` is set."""

    def __init__(self) -> None:
        self.hold = False
        self.lock = threading.Lock()
        self.held: list[tuple[Any, str | bytes]] = []
        self.sent_while_held = 0

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda message: self._pass(server, message))
        server.on_message(lambda message: self._pass(ws, message))

    def _pass(self, target: Any, message: str | bytes) -> None:
        with self.lock:
            if self.hold:
                self.held.append((target, message))
                return
        target.send(message)

    def release(self) -> None:
        with self.lock:
            self.hold = False
            held, self.held = self.held, []
        for target, message in held:
            target.send(message)

    def client_events_held(self) -> int:
        """Event frames from the page (socket.io "42/_event,[...]"), not pings."""
        with self.lock:
            return sum(1 for _, m in self.held if isinstance(m, str) and m.startswith("42/_event"))


def routed_page(browser: Browser, server: Server) -> tuple[Page, HeldSocket]:
    context = browser.new_context(base_url=server.url)
    socket = HeldSocket()
    page = context.new_page()
    page.route_web_socket("**/_event/**", socket.route)
    page.set_default_timeout(10_000)
    return page, socket


def api(server: Server, token: str, method: str, path: str, body: dict | None = None) -> Any:
    req = urllib.request.Request(  # noqa: S310
        f"{server.url}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        raw = resp.read()
    return json.loads(raw) if raw else None


def back_online(page: Page) -> None:
    """Open the task page once the server is back. Chromium's error page reloads itself when
    the network returns, which may cut into our own navigation: then that load is the one."""
    for _ in range(3):
        try:
            page.goto("/")
            return
        except PlaywrightError as exc:
            if "interrupted by another navigation" not in str(exc):
                raise
            page.wait_for_load_state()
    page.goto("/")


def token_of(page: Page) -> str:
    return page.evaluate("localStorage.getItem('todo_token')")


def saved(page: Page, timeout_ms: float = 15_000) -> None:
    """Wait until the server has confirmed every change the page made."""
    page.wait_for_function(
        "window.todoTaskEngine && window.todoTaskEngine.outbox.items.length === 0",
        timeout=timeout_ms,
    )


def outbox_size(page: Page) -> int:
    return page.evaluate("window.todoTaskEngine.outbox.items.length")


def test_a_click_paints_before_any_frame_reaches_the_server(
    browser: Browser, server: Server
) -> None:
    page, socket = routed_page(browser, server)
    sign_up(page, "Held")
    add(page, "Buy milk")
    saved(page)

    socket.hold = True
    page.get_by_role("checkbox", name="Buy milk").click()
    expect(page.get_by_role("checkbox", name="Buy milk")).to_be_checked()
    expect(page.get_by_text("0 items left")).to_be_visible()
    add(page, "Write report")  # the add paints too, and the field clears
    page.get_by_role("button", name="Delete Write report").click()
    expect(page.get_by_role("checkbox", name="Write report")).to_have_count(0)
    assert socket.client_events_held() >= 1  # the page did send: nothing got through
    tasks = api(server, token_of(page), "GET", "/api/tasks")
    assert [(t["title"], t["completed"]) for t in tasks["items"]] == [("Buy milk", False)]
    expect(page.get_by_text("Saving…")).to_be_visible()  # waiting, and it says so

    socket.release()
    saved(page)
    tasks = api(server, token_of(page), "GET", "/api/tasks")
    assert [(t["title"], t["completed"]) for t in tasks["items"]] == [("Buy milk", True)]
    expect(page.get_by_text("Saving…")).to_have_count(0)
    page.context.close()


def test_a_change_refused_as_stale_rolls_back_and_shows_the_latest(
    browser: Browser, server: Server
) -> None:
    page, socket = routed_page(browser, server)
    sign_up(page, "Stale")
    add(page, "Report", "Keep me")
    saved(page)
    task = next(
        t
        for t in api(server, token_of(page), "GET", "/api/tasks")["items"]
        if t["title"] == "Report"
    )

    socket.hold = True  # this page hears nothing of the next change...
    api(server, token_of(page), "PATCH", f"/api/tasks/{task['id']}", {"title": "Report v2"})
    page.get_by_role("checkbox", name="Report").click()  # ...and toggles the old version
    page.get_by_role("checkbox", name="Keep me").click()  # a second, valid change
    expect(page.get_by_role("checkbox", name="Report")).to_be_checked()
    socket.release()

    expect(page.get_by_text("changed elsewhere; showing the latest version")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Report v2")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Keep me")).to_be_checked()  # the other one stays
    saved(page)
    stored = {
        t["title"]: t["completed"]
        for t in api(server, token_of(page), "GET", "/api/tasks")["items"]
    }
    assert stored == {"Report v2": False, "Keep me": True}
    page.context.close()


def test_changes_made_during_an_outage_survive_a_reload_and_are_stored_once(
    page: Page, server: Server
) -> None:
    sign_up(page, "Outage")
    add(page, "Toggle me", "Edit me", "Delete me")
    saved(page)
    token = token_of(page)

    server.stop()
    page.get_by_role("checkbox", name="Toggle me").click()
    add(page, "Added offline")
    page.get_by_role("button", name="Edit Edit me").click()
    page.get_by_label("Edit title").fill("Edited offline")
    page.get_by_label("Edit title").press("Enter")
    page.get_by_role("button", name="Delete Delete me").click()
    expect(page.get_by_text("Offline — 4 changes waiting")).to_be_visible()
    assert items(page) == ["Added offline", "Edited offline", "Toggle me"]
    screenshot(page, "engine-offline")

    try:  # the browser reloads into the outage: nothing can load, nothing is lost
        page.reload(timeout=5_000)
    except Exception:
        screenshot(page, "engine-reload-in-outage")
    assert "Added offline" in json.dumps(page.context.storage_state())  # still in the outbox

    server.start()
    back_online(page)
    expect(page.get_by_role("checkbox", name="Toggle me")).to_be_checked()
    saved(page)
    assert items(page) == ["Added offline", "Edited offline", "Toggle me"]

    stored = api(server, token, "GET", "/api/tasks")["items"]
    by_title = {t["title"]: t for t in stored}
    assert sorted(by_title) == ["Added offline", "Edited offline", "Toggle me"]
    assert len(stored) == 3  # the add, replayed after the reload, made one task
    assert by_title["Toggle me"]["completed"] and by_title["Toggle me"]["version"] == 2
    assert by_title["Edited offline"]["version"] == 2
    page.reload()  # and what the page shows is what is stored
    expect(page.get_by_role("checkbox", name="Toggle me")).to_be_checked()
    assert items(page) == ["Added offline", "Edited offline", "Toggle me"]


def test_two_tabs_converge(page: Page) -> None:
    sign_up(page, "Twins")
    add(page, "Shared")
    other = page.context.new_page()
    other.goto("/")
    expect(other.get_by_role("checkbox", name="Shared")).to_be_visible()

    page.get_by_role("checkbox", name="Shared").click()
    expect(other.get_by_role("checkbox", name="Shared")).to_be_checked()
    add(other, "From the other tab")
    expect(page.get_by_role("checkbox", name="From the other tab")).to_be_visible()
    other.get_by_role("button", name="Delete Shared").click()
    expect(page.get_by_role("checkbox", name="Shared")).to_have_count(0)
    expect(page.get_by_text("1 item left")).to_be_visible()
    expect(other.get_by_text("1 item left")).to_be_visible()


def test_delete_undo_and_ctrl_z(page: Page, server: Server) -> None:
    sign_up(page, "Undo")
    add(page, "Precious")
    page.get_by_role("button", name="Delete Precious").click()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("checkbox", name="Precious")).to_be_visible()
    page.get_by_role("checkbox", name="Precious").click()
    page.locator("body").press("Control+z")
    expect(page.get_by_role("checkbox", name="Precious")).not_to_be_checked()
    saved(page)
    stored = api(server, token_of(page), "GET", "/api/tasks")["items"]
    assert [(t["title"], t["completed"]) for t in stored] == [("Precious", False)]


def test_sign_out_asks_before_discarding_unsaved_changes(page: Page, server: Server) -> None:
    sign_up(page, "Leaving")
    server.stop()
    try:
        add(page, "Unsaved")
        answers: list[str] = []

        def dismiss(dialog: Any) -> None:
            answers.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("checkbox", name="Unsaved")).to_be_visible()  # still here
        assert answers and "not been saved" in answers[0]
        assert outbox_size(page) == 1
    finally:
        server.start()
