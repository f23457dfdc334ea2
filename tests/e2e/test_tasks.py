"""The task list in Chromium against the production build: the flows people use every day."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ConsoleErrors, Server, screenshot

PASSWORD = "correct horse battery"


def sign_up(page: Page, name: str = "Ada") -> str:
    """Create a fresh account through /signup; the page ends on the task list."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("New task", exact=True)).to_be_visible()
    return email


def add(page: Page, *titles: str) -> None:
    box = page.get_by_label("New task", exact=True)
    for title in titles:
        box.fill(title)
        box.press("Enter")
        expect(page.get_by_role("checkbox", name=title, exact=True)).to_be_visible()
        expect(box).to_have_value("")


def items(page: Page) -> list[str]:
    return [t.strip() for t in page.locator("ul[aria-label='Tasks'] .task-title").all_inner_texts()]


def counter(page: Page) -> str:
    return page.get_by_text(re.compile(r"^\d+ items? left$")).inner_text()


def test_add_toggle_and_count(page: Page, console_errors: ConsoleErrors) -> None:
    sign_up(page)
    expect(page.get_by_text("No tasks yet")).to_be_visible()
    expect(page.get_by_label("New task", exact=True)).to_be_focused()
    add(page, "Buy milk", "Write report")
    assert items(page) == ["Write report", "Buy milk"]  # newest first
    expect(page.get_by_text("2 items left")).to_be_visible()

    page.get_by_role("checkbox", name="Buy milk").click()
    expect(page.get_by_role("checkbox", name="Buy milk")).to_be_checked()
    expect(page.get_by_text("1 item left")).to_be_visible()
    expect(page.get_by_role("button", name="Clear completed")).to_be_visible()

    page.get_by_label("New task", exact=True).press(
        "Enter"
    )  # empty: nothing added, and it says why
    expect(page.get_by_role("alert")).to_have_text("Enter a title")
    assert len(items(page)) == 2
    page.get_by_label("New task", exact=True).fill("x" * 201)
    page.get_by_label("New task", exact=True).press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("at most 200 characters")
    expect(page.get_by_label("New task", exact=True)).to_have_value(
        "x" * 201
    )  # the text is not lost
    screenshot(page, "tasks")
    assert console_errors == []


def test_edit_in_place(page: Page) -> None:
    sign_up(page)
    add(page, "Draft")
    page.get_by_role("button", name="Edit Draft").click()
    field = page.get_by_label("Edit title")
    expect(field).to_be_focused()
    field.fill("Final")
    field.press("Enter")  # Enter saves
    expect(page.get_by_role("checkbox", name="Final")).to_be_visible()

    page.get_by_text("Final", exact=True).dblclick()  # double-click edits too
    page.get_by_label("Edit title").fill("Discarded")
    page.get_by_label("Edit title").press("Escape")  # Escape cancels
    expect(page.get_by_label("Edit title")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="Final")).to_be_visible()

    page.get_by_role("button", name="Edit Final").click()
    page.get_by_label("Edit title").fill("Blurred")
    page.get_by_label("New task", exact=True).click()  # leaving the field saves
    expect(page.get_by_role("checkbox", name="Blurred")).to_be_visible()
    page.reload()
    expect(page.get_by_role("checkbox", name="Blurred")).to_be_visible()


def test_delete_and_undo(page: Page) -> None:
    sign_up(page)
    add(page, "Keep", "Oops")
    page.get_by_role("button", name="Delete Oops").click()
    expect(page.get_by_role("checkbox", name="Oops")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("checkbox", name="Oops")).to_be_visible()
    assert items(page) == ["Oops", "Keep"]  # back in its place
    page.reload()
    expect(page.get_by_role("checkbox", name="Oops")).to_be_visible()

    page.get_by_role("button", name="Delete Oops").click()
    expect(page.get_by_role("checkbox", name="Oops")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("checkbox", name="Keep")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Oops")).to_have_count(0)


def test_mark_all_and_clear_completed(page: Page) -> None:
    sign_up(page)
    add(page, "a", "b", "c")
    page.get_by_role("checkbox", name="Mark all complete").click()
    for title in "abc":
        expect(page.get_by_role("checkbox", name=title, exact=True)).to_be_checked()
    expect(page.get_by_text("0 items left")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Mark all complete")).to_be_checked()

    page.get_by_role("checkbox", name="b", exact=True).click()  # the toggle stays in step
    expect(page.get_by_role("checkbox", name="Mark all complete")).not_to_be_checked()

    page.get_by_role("button", name="Clear completed").click()
    assert_items = lambda: items(page)  # noqa: E731
    expect(page.get_by_role("checkbox", name="a", exact=True)).to_have_count(0)
    assert assert_items() == ["b"]
    expect(page.get_by_role("button", name="Clear completed")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("checkbox", name="a", exact=True)).to_be_visible()
    page.reload()
    expect(page.get_by_role("checkbox", name="c", exact=True)).to_be_checked()
    assert sorted(items(page)) == ["a", "b", "c"]


def test_filters_survive_reload_and_back(page: Page) -> None:
    sign_up(page)
    add(page, "open", "done")
    page.get_by_role("checkbox", name="done").click()
    expect(page.get_by_role("checkbox", name="done")).to_be_checked()

    page.get_by_role("link", name="Active").click()
    expect(page).to_have_url(re.compile(r"/\?filter=active$"))
    expect(page.get_by_role("checkbox", name="done")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="open")).to_be_visible()
    page.reload()
    expect(page.get_by_role("checkbox", name="open")).to_be_visible()
    expect(page.get_by_role("checkbox", name="done")).to_have_count(0)

    page.get_by_role("link", name="Completed").click()
    expect(page).to_have_url(re.compile(r"/\?filter=completed$"))
    expect(page.get_by_role("checkbox", name="done")).to_be_visible()
    expect(page.get_by_role("checkbox", name="open")).to_have_count(0)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?filter=active$"))
    expect(page.get_by_role("checkbox", name="open")).to_be_visible()
    expect(page.get_by_role("checkbox", name="done")).to_have_count(0)
    page.get_by_role("link", name="All").click()
    expect(page.get_by_role("checkbox", name="done")).to_be_visible()
    expect(page.get_by_role("checkbox", name="open")).to_be_visible()


def test_keyboard_only(page: Page) -> None:
    sign_up(page)
    page.keyboard.type("Typed")
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Typed")).to_be_visible()
    page.get_by_role("checkbox", name="Typed").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("checkbox", name="Typed")).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Edit Typed")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Edit title")).to_be_focused()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Delete Typed").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Typed")).to_have_count(0)


def test_tasks_survive_a_server_restart_and_stay_private(
    page: Page, browser: Browser, server: Server
) -> None:
    sign_up(page, "Owner")
    add(page, "private one", "private two")
    page.get_by_role("checkbox", name="private one").click()
    expect(page.get_by_role("checkbox", name="private one")).to_be_checked()

    server.restart()
    page.reload()
    expect(page.get_by_role("checkbox", name="private one")).to_be_checked()
    expect(page.get_by_role("checkbox", name="private two")).not_to_be_checked()
    expect(page.get_by_text("1 item left")).to_be_visible()

    other = browser.new_context(base_url=server.url).new_page()
    sign_up(other, "Stranger")
    expect(other.get_by_text("No tasks yet")).to_be_visible()
    assert items(other) == []
    expect(other.get_by_text("private", exact=False)).to_have_count(0)
    other.context.close()


def test_small_screen_has_no_horizontal_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 700})
    sign_up(page)
    add(page, "A rather long task title that should wrap on a small phone screen nicely")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "tasks-320")


def test_search(page: Page) -> None:
    sign_up(page)
    add(page, "Buy oat milk", "Call the bank", "Milk the cow")
    page.get_by_label("Search tasks").fill("milk")
    expect(page.get_by_role("checkbox", name="Call the bank")).to_have_count(0)
    assert sorted(items(page)) == ["Buy oat milk", "Milk the cow"]
    expect(page.get_by_text("2 items left")).to_be_visible()  # what the search finds
    page.get_by_label("Search tasks").fill("nothing like this")
    expect(page.get_by_text('No tasks match "nothing like this"')).to_be_visible()
    page.get_by_label("Search tasks").fill("")
    expect(page.get_by_role("checkbox", name="Call the bank")).to_be_visible()
