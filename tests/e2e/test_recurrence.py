"""Recurring tasks, quick add and reminders in Chromium."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server, screenshot
from tests.e2e.test_engine import api, saved, token_of
from tests.e2e.test_organise import open_details
from tests.e2e.test_tasks import add, sign_up


def test_a_weekly_repeat_set_in_the_dialog_moves_on_each_completion(
    page: Page, server: Server
) -> None:
    sign_up(page, "Weekly")
    add(page, "Water the plants")
    open_details(page, "Water the plants")
    start = date.today() + timedelta(days=1)
    page.get_by_label("Due date").fill(start.isoformat())
    page.get_by_label("Repeat").select_option(label="Every week")
    expect(page.get_by_text("Next: ")).to_be_visible()  # the preview of the next dates
    page.get_by_role("button", name="Save").click()
    row = page.locator("li", has=page.get_by_role("checkbox", name="Water the plants"))
    expect(row.get_by_text("Repeats")).to_be_visible()
    saved(page)

    for week in (1, 2):
        page.get_by_role("checkbox", name="Water the plants").click()
        saved(page)
        stored = api(server, token_of(page), "GET", "/api/tasks")["items"][0]
        assert not stored["completed"]  # still active...
        assert stored["due_date"] == (start + timedelta(weeks=week)).isoformat()  # ...a week on
    expect(page.get_by_role("checkbox", name="Water the plants")).not_to_be_checked()


def test_quick_add_shows_what_it_understood_and_a_part_can_be_dismissed(
    page: Page, server: Server
) -> None:
    sign_up(page, "Quick")
    field = page.get_by_label("New task")
    field.fill("Pay rent tomorrow 9am !high #home")
    chips = page.get_by_role("group", name="What quick add understood")
    expect(chips.get_by_text("#home")).to_be_visible()
    expect(chips.get_by_text("High priority", exact=False)).to_be_visible()
    chips.get_by_role("button", name="Keep as text: #home").click()
    expect(chips.get_by_text("#home")).to_have_count(0)
    screenshot(page, "quick-add-chips")
    field.press("Enter")
    expect(field).to_have_value("")
    saved(page)
    stored = api(server, token_of(page), "GET", "/api/tasks")["items"][0]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert (stored["title"], stored["priority"], stored["tags"]) == ("Pay rent #home", "high", [])
    assert (stored["due_date"], stored["due_time"]) == (tomorrow, "09:00")


def _fire_soon(server: Server, seconds: float = 2.0) -> datetime:
    """Move every planned reminder of the server's database to fire in ``seconds``."""
    at = datetime.now(UTC) + timedelta(seconds=seconds)
    engine = sa.create_engine(f"sqlite:///{server.data_dir / 'todo.db'}")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE reminders SET fire_at = :at WHERE fired_at IS NULL"),
            {"at": at.replace(tzinfo=None)},
        )
    engine.dispose()
    return at


def test_a_reminder_reaches_the_bell_and_the_browser_within_seconds(
    browser: Browser, server: Server
) -> None:
    context = browser.new_context(base_url=server.url)
    context.grant_permissions(["notifications"])
    page = context.new_page()
    page.add_init_script(
        """
        window.__shown = [];
        const Real = window.Notification;
        window.Notification = class extends Real {
          constructor(title, options) { super(title, options); window.__shown.push(title); }
        };
        Object.defineProperty(window.Notification, "permission", { get: () => "granted" });
        """
    )
    sign_up(page, "Bell")
    expect(page.get_by_role("button", name="Notifications")).to_be_visible()
    due = datetime.now(UTC) + timedelta(days=2)
    api(
        server,
        token_of(page),
        "POST",
        "/api/tasks",
        {
            "title": "Dentist",
            "due_date": due.date().isoformat(),
            "due_time": due.strftime("%H:%M"),
            "reminders": [{"minutes_before": 60}],
        },
    )
    fire_at = _fire_soon(server)
    expect(page.get_by_role("button", name="Notifications, 1 unread")).to_be_visible(timeout=8_000)
    arrived = datetime.now(UTC)
    assert (arrived - fire_at).total_seconds() < 2.5, "delivered more than 2 s after its time"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not page.evaluate("window.__shown.length"):
        time.sleep(0.1)
    assert page.evaluate("window.__shown") == ["Dentist"]
    page.get_by_role("button", name="Notifications, 1 unread").click()
    expect(page.get_by_role("dialog").get_by_text("Dentist")).to_be_visible()
    page.get_by_role("button", name="Mark read").click()
    expect(page.get_by_role("button", name="Notifications", exact=True)).to_be_visible()
    context.close()
