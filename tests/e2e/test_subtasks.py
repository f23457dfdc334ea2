"""Sub-tasks and manual order in Chromium: adding a sub-task from the details dialog, the
indented rows and their "1/2", a parent's completion with one Undo, collapse across a
reload, the move keys (Alt+ArrowUp/Down, Ctrl+], Ctrl+[) reaching the server, a reload and
another tab, and the page with sub-tasks in light, dark and at 320 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_engine import api, saved, token_of
from tests.e2e.test_tasks import sign_up

INBOX = "/?view=inbox"
SOON = 5_000  # ms, for another tab to show a change


def titles(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("ul[aria-label='Tasks'] .task-title").all_inner_texts()]


def row(page: Page, title: str) -> Any:
    checkbox = page.get_by_role("checkbox", name=title, exact=True)
    return page.locator("ul[aria-label='Tasks'] > li", has=checkbox)


def make(server: Server, token: str, title: str, parent: dict | None = None, **fields: Any) -> dict:
    body = {"title": title, **fields}
    if parent:
        body["parent_id"] = parent["id"]
    return api(server, token, "POST", "/api/tasks", body)


def inbox_order(server: Server, token: str) -> list[str]:
    page = api(server, token, "GET", "/api/tasks?list_id=inbox&sort=manual")
    return [t["title"] for t in page["items"]]


def open_inbox(page: Page, *expected: str) -> None:
    page.goto(INBOX)
    for title in expected:
        expect(page.get_by_role("checkbox", name=title, exact=True)).to_be_visible()


def test_a_sub_task_added_in_the_details_dialog_sits_under_its_parent(
    page: Page, server: Server
) -> None:
    sign_up(page, "Nester")
    page.goto(INBOX)
    page.get_by_label("New task", exact=True).fill("Paint the hall")
    page.get_by_label("New task", exact=True).press("Enter")
    page.get_by_role("button", name="Details of Paint the hall").click()
    dialog = page.get_by_role("dialog", name="Task details")
    dialog.get_by_label("Add sub-task").fill("Buy tape")
    dialog.get_by_role("button", name="Add sub-task").click()
    expect(dialog.get_by_label("Add sub-task")).to_have_value("")
    dialog.get_by_label("Add sub-task").fill("Sand the walls !high")  # quick add's words work
    dialog.get_by_label("Add sub-task").press("Enter")
    expect(dialog.get_by_role("list", name="Sub-tasks of Paint the hall")).to_contain_text(
        "Sand the walls"
    )
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    expect(row(page, "Sand the walls").get_by_label("Priority high")).to_be_visible()
    assert titles(page) == ["Paint the hall", "Buy tape", "Sand the walls"]
    expect(row(page, "Buy tape")).to_have_attribute("data-depth", "1")
    expect(row(page, "Paint the hall")).to_have_attribute("data-depth", "0")
    page.get_by_role("checkbox", name="Buy tape").click()
    expect(row(page, "Paint the hall").get_by_text("1/2", exact=True)).to_be_visible()
    saved(page)

    parent = next(
        t for t in api(server, token_of(page), "GET", "/api/tasks")["items"]
        if t["title"] == "Paint the hall"
    )  # fmt: skip
    assert (parent["subtask_count"], parent["subtasks_done"]) == (2, 1)
    page.reload()
    expect(row(page, "Paint the hall").get_by_text("1/2", exact=True)).to_be_visible()
    assert titles(page) == ["Paint the hall", "Buy tape", "Sand the walls"]


def test_completing_a_parent_completes_its_sub_tasks_and_one_undo_reopens_them(
    page: Page, server: Server
) -> None:
    sign_up(page, "Closer")
    token = token_of(page)
    trip = make(server, token, "Plan trip")
    make(server, token, "Book hotel", trip)
    make(server, token, "Pack", trip)
    open_inbox(page, "Plan trip", "Book hotel", "Pack")

    page.get_by_role("checkbox", name="Plan trip").click()
    for title in ("Plan trip", "Book hotel", "Pack"):
        expect(page.get_by_role("checkbox", name=title)).to_be_checked()
    saved(page)
    stored = api(server, token, "GET", "/api/tasks")["items"]
    assert all(t["completed"] for t in stored)

    page.keyboard.press("Control+z")  # focus is on the checkbox: not a field
    for title in ("Plan trip", "Book hotel", "Pack"):
        expect(page.get_by_role("checkbox", name=title)).not_to_be_checked()
    saved(page)
    stored = api(server, token, "GET", "/api/tasks")["items"]
    assert not any(t["completed"] for t in stored)


def test_a_collapsed_parent_stays_collapsed_after_a_reload(page: Page, server: Server) -> None:
    sign_up(page, "Folder")
    token = token_of(page)
    hall = make(server, token, "Paint the hall")
    make(server, token, "Buy tape", hall)
    open_inbox(page, "Paint the hall", "Buy tape")

    page.get_by_role("button", name="Collapse Paint the hall").click()
    expect(page.get_by_role("checkbox", name="Buy tape")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("button", name="Expand Paint the hall")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Buy tape")).to_have_count(0)
    page.get_by_role("button", name="Expand Paint the hall").click()
    expect(page.get_by_role("checkbox", name="Buy tape")).to_be_visible()
    expect(page.get_by_role("button", name="Collapse Paint the hall")).to_be_visible()


def test_alt_arrow_down_moves_a_task_for_good_and_another_tab_sees_it(
    page: Page, server: Server
) -> None:
    sign_up(page, "Mover")
    token = token_of(page)
    for title in ("Three", "Two", "One"):  # the Inbox adds on top: One, Two, Three
        make(server, token, title)
    open_inbox(page, "One", "Two", "Three")
    assert titles(page) == ["One", "Two", "Three"]
    other = page.context.new_page()
    open_inbox(other, "One", "Two", "Three")

    page.get_by_role("checkbox", name="One").focus()
    page.keyboard.press("Alt+ArrowDown")
    assert titles(page) == ["Two", "One", "Three"]  # painted at once
    expect(page.get_by_role("checkbox", name="One")).to_be_focused()
    page.keyboard.press("Alt+ArrowDown")
    assert titles(page) == ["Two", "Three", "One"]
    saved(page)
    assert inbox_order(server, token) == ["Two", "Three", "One"]
    expect(other.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(
        ["Two", "Three", "One"], timeout=SOON
    )
    page.reload()
    expect(page.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(["Two", "Three", "One"])

    page.get_by_role("checkbox", name="One").focus()
    page.keyboard.press("Alt+ArrowUp")
    assert titles(page) == ["Two", "One", "Three"]
    page.keyboard.press("Control+z")  # a move is undone like any change
    assert titles(page) == ["Two", "Three", "One"]
    saved(page)
    assert inbox_order(server, token) == ["Two", "Three", "One"]


def test_ctrl_bracket_nests_under_the_task_above_and_back_out(page: Page, server: Server) -> None:
    sign_up(page, "Indenter")
    token = token_of(page)
    for title in ("Buy tape", "Paint the hall"):
        make(server, token, title)
    open_inbox(page, "Paint the hall", "Buy tape")

    page.get_by_role("checkbox", name="Buy tape").focus()
    page.keyboard.press("Control+]")
    expect(row(page, "Buy tape")).to_have_attribute("data-depth", "1")
    expect(row(page, "Paint the hall").get_by_text("0/1", exact=True)).to_be_visible()
    saved(page)
    tape = next(
        t for t in api(server, token, "GET", "/api/tasks")["items"] if t["title"] == "Buy tape"
    )
    hall = next(
        t for t in api(server, token, "GET", "/api/tasks")["items"] if t["title"] != "Buy tape"
    )
    assert tape["parent_id"] == hall["id"]
    page.reload()
    expect(row(page, "Buy tape")).to_have_attribute("data-depth", "1")

    page.get_by_role("checkbox", name="Buy tape").focus()
    page.keyboard.press("Control+[")
    expect(row(page, "Buy tape")).to_have_attribute("data-depth", "0")
    assert titles(page) == ["Paint the hall", "Buy tape"]
    saved(page)
    assert api(server, token, "GET", f"/api/tasks/{tape['id']}")["parent_id"] is None


def test_the_keys_do_nothing_while_typing_in_a_field(page: Page, server: Server) -> None:
    sign_up(page, "Typist")
    token = token_of(page)
    for title in ("B", "A"):
        make(server, token, title)
    open_inbox(page, "A", "B")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("j")  # A is chosen (the move keys act on it), then typing elsewhere
    expect(page.get_by_role("checkbox", name="A", exact=True)).to_be_focused()
    page.get_by_label("New task", exact=True).focus()
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Control+]")
    assert titles(page) == ["A", "B"]
    expect(row(page, "A")).to_have_attribute("data-depth", "0")
    page.get_by_role("checkbox", name="A", exact=True).focus()  # out of the field, they work
    page.keyboard.press("Alt+ArrowDown")
    assert titles(page) == ["B", "A"]


def test_a_sub_task_in_another_view_names_its_parent(page: Page, server: Server) -> None:
    sign_up(page, "Context")
    token = token_of(page)
    hall = make(server, token, "Paint the hall")
    make(server, token, "Buy tape", hall, tags=["shop"])
    page.goto("/?tag=shop")
    expect(page.get_by_role("checkbox", name="Buy tape")).to_be_visible()
    expect(row(page, "Buy tape").get_by_text("in Paint the hall")).to_be_visible()
    screenshot(page, "subtasks-context-tag")


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 320), ("dark", 320)]
)
def test_the_page_with_sub_tasks_looks_right(
    page: Page, server: Server, scheme: str, width: int
) -> None:
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": width, "height": 800})
    sign_up(page, "Shots")
    token = token_of(page)
    make(server, token, "Call the plumber about the leak", priority="high")
    hall = make(server, token, "Paint the hall")
    make(server, token, "Buy tape and brushes", hall, priority="medium")
    sand = make(server, token, "Sand the walls", hall)
    make(server, token, "Fill the cracks first", sand, tags=["diy"])
    done = make(server, token, "Pick a colour", hall)
    api(server, token, "PATCH", f"/api/tasks/{done['id']}/complete")
    make(server, token, "Plan trip", due_date="2030-01-05")
    open_inbox(page, "Paint the hall", "Fill the cracks first")
    expect(row(page, "Fill the cracks first")).to_have_attribute("data-depth", "2")
    expect(row(page, "Paint the hall").get_by_text("1/3", exact=True)).to_be_visible()
    no_scroll = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_scroll, "the page scrolls sideways"
    screenshot(page, f"subtasks-{scheme}-{width}")


def live_region(page: Page) -> Any:
    return page.locator("[id^='DndLiveRegion']")


def step(page: Page, key: str, announced: str, unhandled: str) -> None:
    """Press ``key`` while dragging and wait for ``announced``. dnd-kit's keyboard sensor
    listens from a moment after the pick-up (longer while a cancelled drag still animates
    back on a loaded machine): a key pressed before that leaves ``unhandled`` on the live
    region, and is pressed again, as a person would. A key that was handled is never
    repeated, so a row never moves two steps for one."""
    for _ in range(4):
        page.keyboard.press(key)
        try:
            expect(live_region(page)).to_have_text(announced, timeout=1500)
            return
        except AssertionError:
            if live_region(page).inner_text().strip() != unhandled:
                raise
    expect(live_region(page)).to_have_text(announced)


def test_a_row_dragged_by_its_handle_with_the_mouse_moves_for_good(
    page: Page, server: Server
) -> None:
    sign_up(page, "Dragger")
    token = token_of(page)
    for title in ("Three", "Two", "One"):
        make(server, token, title)
    open_inbox(page, "One", "Two", "Three")
    handle = page.get_by_role("button", name="Move One")
    target = row(page, "Three").bounding_box()
    assert target is not None
    handle.hover()
    page.mouse.down()
    page.mouse.move(target["x"] + 40, target["y"] + target["height"] * 0.75, steps=12)
    page.mouse.up()
    expect(page.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(["Two", "Three", "One"])
    saved(page)
    assert inbox_order(server, token) == ["Two", "Three", "One"]
    page.keyboard.press("Control+z")
    expect(page.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(["One", "Two", "Three"])


def test_a_row_moves_by_keyboard_through_its_handle_and_each_step_is_announced(
    page: Page, server: Server
) -> None:
    sign_up(page, "Keydrag")
    token = token_of(page)
    for title in ("Three", "Two", "One"):
        make(server, token, title)
    open_inbox(page, "One", "Two", "Three")
    handle = page.get_by_role("button", name="Move One")
    expect(handle).to_have_attribute("aria-roledescription", "sortable")
    picked = 'Picked up "One".'
    handle.focus()
    page.keyboard.press("Space")
    expect(live_region(page)).to_have_text(picked)
    step(page, "ArrowDown", '"One" is over "Two".', picked)
    page.keyboard.press("Escape")  # cancelled: nothing moves
    expect(live_region(page)).to_contain_text("cancelled")
    assert titles(page) == ["One", "Two", "Three"]

    handle.focus()
    page.keyboard.press("Space")
    expect(live_region(page)).to_have_text(picked)
    step(page, "ArrowDown", '"One" is over "Two".', picked)
    page.keyboard.press("ArrowDown")
    expect(live_region(page)).to_have_text('"One" is over "Three".')
    page.keyboard.press("Space")
    expect(live_region(page)).to_have_text('"One" was dropped at "Three".')
    expect(page.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(["Two", "Three", "One"])
    saved(page)
    assert inbox_order(server, token) == ["Two", "Three", "One"]


def test_outside_manual_order_rows_have_no_handle(page: Page, server: Server) -> None:
    sign_up(page, "Nohandle")
    make(server, token_of(page), "Only")
    page.goto("/")  # everything, newest first
    expect(page.get_by_role("checkbox", name="Only")).to_be_visible()
    expect(page.get_by_role("button", name="Move Only")).to_have_count(0)
    page.goto(INBOX)
    expect(page.get_by_role("button", name="Move Only")).to_be_visible()


def test_a_row_dragged_by_touch_moves(browser: Browser, server: Server) -> None:
    context = browser.new_context(
        base_url=server.url, viewport={"width": 390, "height": 800}, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        sign_up(page, "Toucher")
        token = token_of(page)
        for title in ("Three", "Two", "One"):
            make(server, token, title)
        open_inbox(page, "One", "Two", "Three")
        start = page.get_by_role("button", name="Move One").bounding_box()
        target = row(page, "Three").bounding_box()
        assert start is not None and target is not None
        x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
        to_y = target["y"] + target["height"] * 0.75
        cdp = context.new_cdp_session(page)

        def touch(kind: str, at_y: float) -> None:
            points = [] if kind == "touchEnd" else [{"x": x, "y": at_y}]
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

        touch("touchStart", y)
        page.wait_for_timeout(350)  # a short press picks it up (a quick swipe scrolls)
        for step in range(1, 13):
            touch("touchMove", y + (to_y - y) * step / 12)
            page.wait_for_timeout(16)
        touch("touchEnd", to_y)
        expect(page.locator("ul[aria-label='Tasks'] .task-title")).to_have_text(
            ["Two", "Three", "One"]
        )
        saved(page)
        assert inbox_order(server, token) == ["Two", "Three", "One"]
    finally:
        context.close()
