"""axe-core on every page, in light and dark mode: no serious or critical finding (WCAG 2.2 AA,
plus axe's best practices, where an unnamed dialog is reported).

The task page is checked populated (every kind of row) and with each of its popovers and
dialogs open in turn, since most of what can go wrong there only shows with data or on top.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_engine import api, token_of
from tests.e2e.test_recurrence import _fire_soon
from tests.e2e.test_tasks import add, sign_up

BLOCKING = {"serious", "critical"}
# WCAG 2.2 AA, and axe's best practices: "aria-dialog-name" (a popover that is a dialog needs
# a name) lives there. Only serious and critical findings fail a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa", "best-practice"]


def assert_accessible(page: Page, where: str) -> None:
    # The pointer is parked in a corner, so no hover style is measured by chance; toasts and
    # dialogs fade in, so measure what stays on screen.
    page.mouse.move(0, 0)
    page.wait_for_timeout(600)
    results = Axe().run(page, options={"runOnly": AXE_TAGS})
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING
    ]
    assert found == [], f"{where}:\n" + "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_have_no_serious_accessibility_findings(page: Page, scheme: str) -> None:
    page.emulate_media(color_scheme=scheme)
    page.goto("/login")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_accessible(page, f"/login ({scheme})")
    page.goto("/signup")
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    assert_accessible(page, f"/signup ({scheme})")
    page.goto("/forgot")
    expect(page.get_by_role("button", name="Send reset link")).to_be_visible()
    assert_accessible(page, f"/forgot ({scheme})")
    page.goto("/reset?token=not-a-real-one")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    assert_accessible(page, f"/reset with a bad link ({scheme})")

    sign_up(page)
    assert_accessible(page, f"/ empty ({scheme})")
    add(page, "First", "Second")
    page.get_by_role("checkbox", name="First").click()
    expect(page.get_by_role("checkbox", name="First")).to_be_checked()
    assert_accessible(page, f"/ with tasks ({scheme})")
    page.get_by_role("button", name="Details of Second").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible(page, f"/ details dialog ({scheme})")
    page.keyboard.press("Escape")

    page.goto("/account")
    expect(page.get_by_role("heading", name="Account", level=1)).to_be_visible()
    assert_accessible(page, f"/account ({scheme})")


def populate(server: Server, token: str) -> list[str]:
    """One task of every kind a row can show, through the API; returns their titles."""
    today = date.today()
    home = api(server, token, "POST", "/api/lists", {"name": "Home"})
    rows = {
        "Plain task": {},
        "Low chore": {"priority": "low", "tags": ["home"]},
        "Medium report": {
            "priority": "medium",
            "tags": ["work", "q3"],
            "description": "Numbers for the board",
            "due_date": (today + timedelta(days=3)).isoformat(),  # upcoming, with a reminder
            "due_time": "09:00",
            "reminders": [{"minutes_before": 60}],
        },
        "High call": {"priority": "high", "due_date": today.isoformat(), "due_time": "23:59"},
        "Overdue bill": {"priority": "low", "due_date": (today - timedelta(days=2)).isoformat()},
        "Weekly review": {
            "due_date": (today + timedelta(days=1)).isoformat(),
            "recurrence": {"rule": "FREQ=WEEKLY", "from_completion": False},
            "list_id": home["id"],
        },
        "Done already": {"priority": "medium", "tags": ["home"]},
    }
    for title, fields in rows.items():
        task = api(server, token, "POST", "/api/tasks", {"title": title, **fields})
        if title == "Done already":
            api(server, token, "PATCH", f"/api/tasks/{task['id']}/complete")
    # A parent with its sub-tasks (one done, one with its own): "1/2", Collapse, "in <parent>".
    hall = api(server, token, "POST", "/api/tasks", {"title": "Paint the hall"})
    sand = {"title": "Sand the walls", "parent_id": hall["id"]}
    sand = api(server, token, "POST", "/api/tasks", sand)
    tape = {"title": "Buy tape", "parent_id": hall["id"]}
    tape = api(server, token, "POST", "/api/tasks", tape)
    api(server, token, "PATCH", f"/api/tasks/{tape['id']}/complete")
    api(server, token, "POST", "/api/tasks", {"title": "Fill cracks", "parent_id": sand["id"]})
    return [*rows, "Paint the hall", "Sand the walls", "Buy tape", "Fill cracks"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_populated_task_page_with_each_popover_open(
    page: Page, server: Server, scheme: str
) -> None:
    page.emulate_media(color_scheme=scheme)
    sign_up(page, "Axe")
    titles = populate(server, token_of(page))
    _fire_soon(server)  # the reminder lands in the bell, so its list is not empty
    page.reload()
    bell = page.get_by_role("button", name="Notifications, 1 unread")
    expect(bell).to_be_visible(timeout=10_000)
    for title in titles:
        expect(page.get_by_role("checkbox", name=title, exact=True)).to_be_visible()
    for label in ("Priority low", "Priority medium", "Priority high"):
        expect(page.get_by_label(label).first).to_be_visible()
    expect(page.get_by_text("Overdue ·")).to_be_visible()
    expect(page.get_by_text("Repeats")).to_be_visible()
    expect(page.get_by_role("button", name="Collapse Paint the hall")).to_be_visible()
    expect(page.get_by_text("in Paint the hall").first).to_be_visible()
    screenshot(page, f"a11y-populated-{scheme}")
    assert_accessible(page, f"populated ({scheme})")

    bell.click()
    expect(page.get_by_role("dialog", name="Notifications")).to_be_visible()
    expect(page.get_by_role("button", name="Mark read")).to_be_visible()
    assert_accessible(page, f"Notifications popover ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Details of Weekly review").click()
    expect(page.get_by_role("dialog", name="Task details")).to_be_visible()
    assert_accessible(page, f"details dialog of a repeating task ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.get_by_role("button", name="Details of Paint the hall").click()
    expect(page.get_by_role("list", name="Sub-tasks of Paint the hall")).to_be_visible()
    assert_accessible(page, f"details dialog of a parent ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    page.locator("body").press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    assert_accessible(page, f"shortcut sheet ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_have_count(0)

    # Sort is a native <select>, not a popover: its label is checked with the page.
    page.get_by_role("button", name="Actions for list Home").click()
    expect(page.get_by_role("menu")).to_be_visible()
    assert_accessible(page, f"list actions menu ({scheme})")
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)

    page.get_by_text("Due between…").click()
    expect(page.get_by_label("From", exact=True)).to_be_visible()
    assert_accessible(page, f"due range open ({scheme})")
    page.get_by_text("Due between…").click()

    page.get_by_role("button", name="Edit Low chore").click()
    expect(page.get_by_label("Edit title")).to_be_focused()
    assert_accessible(page, f"editing a title in place ({scheme})")
    page.keyboard.press("Escape")

    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page, f"populated at 320 px ({scheme})")
    page.get_by_role("button", name="Menu").click()
    expect(page.get_by_role("dialog", name="Lists and views")).to_be_visible()
    assert_accessible(page, f"navigation drawer ({scheme})")
    page.keyboard.press("Escape")

    page.goto("/?view=inbox")  # Manual order: sub-tasks indented under their parents
    expect(page.locator("li[data-depth='2']")).to_have_count(1)
    expect(page.get_by_role("combobox", name="Add tasks to")).to_be_visible()  # beside Sort
    assert_accessible(page, f"the Inbox with sub-tasks at 320 px ({scheme})")
