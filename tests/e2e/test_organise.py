"""Organising tasks in Chromium: lists, the details dialog's pickers, views, sort, shortcuts."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_engine import api, saved, token_of
from tests.e2e.test_tasks import add, items, sign_up


def open_details(page: Page, title: str) -> None:
    page.get_by_role("button", name=f"Details of {title}").click()
    expect(page.get_by_role("dialog", name="Task details")).to_be_visible()


def test_a_list_holds_the_tasks_moved_into_it(page: Page, server) -> None:
    sign_up(page, "Lister")
    add(page, "Buy paint", "Call mum")
    page.get_by_label("New list").fill("Home")
    page.get_by_label("New list").press("Enter")
    expect(page).to_have_url(re.compile(r"/\?list=[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1, name="Home")).to_be_visible()
    expect(page.get_by_text("No tasks in Home")).to_be_visible()

    page.get_by_role("link", name="Everything").click()
    open_details(page, "Buy paint")
    page.get_by_label("List", exact=True).select_option(label="Home")
    page.get_by_role("button", name="Save").click()
    saved(page)
    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("checkbox", name="Call mum")).to_have_count(0)
    assert items(page) == ["Buy paint"]
    add(page, "Sand the door")  # added in a list view: lands in that list
    saved(page)
    page.reload()
    expect(page.get_by_role("checkbox", name="Sand the door")).to_be_visible()
    assert sorted(items(page)) == ["Buy paint", "Sand the door"]


def test_priority_tags_and_due_through_the_dialog(page: Page, server) -> None:
    sign_up(page, "Picker")
    add(page, "File taxes")
    open_details(page, "File taxes")
    page.get_by_label("Priority").select_option("high")
    page.get_by_label("Tags").fill("#money home")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    page.get_by_label("Due date").fill(tomorrow)
    page.get_by_label("Due time").fill("17:00")
    page.get_by_role("button", name="Save").click()

    row = page.locator("li", has=page.get_by_role("checkbox", name="File taxes"))
    expect(row.get_by_label("Priority high")).to_be_visible()
    expect(row.get_by_role("link", name="#money")).to_be_visible()
    expect(row.get_by_role("link", name="#home")).to_be_visible()
    expect(row.get_by_text("Tomorrow 17:00")).to_be_visible()
    saved(page)
    stored = api(server, token_of(page), "GET", "/api/tasks")["items"][0]
    assert (stored["priority"], stored["tags"], stored["due_date"], stored["due_time"]) == (
        "high",
        ["money", "home"],
        tomorrow,
        "17:00",
    )
    row.get_by_role("link", name="#money").click()
    expect(page.get_by_role("heading", level=1, name="#money")).to_be_visible()
    assert items(page) == ["File taxes"]
    screenshot(page, "organise-tag-view")


def test_today_and_upcoming_show_the_right_tasks(page: Page, server) -> None:
    sign_up(page, "Planner")
    token = token_of(page)
    today = date.today()
    for title, due in (
        ("Late", (today - timedelta(days=2)).isoformat()),
        ("Now", today.isoformat()),
        ("Soon", (today + timedelta(days=3)).isoformat()),
        ("Someday", None),
    ):
        api(server, token, "POST", "/api/tasks", {"title": title, "due_date": due})
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Late")).to_be_visible()
    assert items(page) == ["Late", "Now"]  # overdue above today's
    late = page.locator("li", has=page.get_by_role("checkbox", name="Late"))
    expect(late.get_by_text("Overdue", exact=False)).to_be_visible()
    page.get_by_role("link", name="Upcoming").click()
    expect(page.get_by_role("checkbox", name="Soon")).to_be_visible()
    assert items(page) == ["Soon"]


def test_the_counter_counts_the_view_it_stands_under(page: Page, server) -> None:
    """Issue 17: Today said "9 items left" under its 3 tasks. The counter counts the view,
    and stays right as a task is completed here and as changes arrive through the API."""
    sign_up(page, "Counter")
    token = token_of(page)
    today = date.today()
    dues = [today - timedelta(days=1), today, today, *[today + timedelta(days=2)] * 2]
    made = [
        api(server, token, "POST", "/api/tasks", {"title": f"task {i}", "due_date": due})
        for i, due in enumerate([d.isoformat() for d in dues] + [None] * 4)
    ]
    expect(page.get_by_text("9 items left")).to_be_visible()  # everything: the account
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile(r"^task \d$"))).to_have_count(3)
    expect(page.get_by_text("3 items left")).to_be_visible()

    page.get_by_role("checkbox", name="task 1").click()
    expect(page.get_by_text("2 items left")).to_be_visible()
    saved(page)
    expect(page.get_by_text("2 items left")).to_be_visible()

    # Through the API: a task due today joins the view, one moved to tomorrow leaves it, one
    # elsewhere changes nothing (the next count would be off by one if it did).
    api(server, token, "POST", "/api/tasks", {"title": "from the API", "due_date": str(today)})
    expect(page.get_by_role("checkbox", name="from the API")).to_be_visible()
    expect(page.get_by_text("3 items left")).to_be_visible()
    tomorrow = str(today + timedelta(days=1))
    api(server, token, "PATCH", f"/api/tasks/{made[2]['id']}", {"due_date": tomorrow})
    expect(page.get_by_role("checkbox", name="task 2")).to_have_count(0)
    expect(page.get_by_text("2 items left")).to_be_visible()
    api(server, token, "PATCH", f"/api/tasks/{made[8]['id']}", {"completed": True})
    api(server, token, "PATCH", f"/api/tasks/{made[0]['id']}", {"completed": True})
    expect(page.get_by_role("checkbox", name="task 0")).to_be_checked()
    expect(page.get_by_text("1 item left")).to_be_visible()
    page.reload()  # and the page agrees with the database
    expect(page.get_by_role("checkbox", name="task 0")).to_be_checked()
    expect(page.get_by_text("1 item left")).to_be_visible()


def test_sort_and_filters_survive_a_reload(page: Page, server) -> None:
    sign_up(page, "Sorter")
    token = token_of(page)
    for title, priority in (("b low", "low"), ("a high", "high"), ("c none", "none")):
        api(server, token, "POST", "/api/tasks", {"title": title, "priority": priority})
    page.reload()
    page.get_by_label("Sort").select_option(label="Priority")
    expect(page).to_have_url(f"{server.url}/?sort=priority")
    expect(page.locator("ul[aria-label='Tasks'] .task-title").first).to_have_text("a high")
    assert items(page) == ["a high", "b low", "c none"]
    page.get_by_role("button", name="High", exact=True).click()
    expect(page).to_have_url(f"{server.url}/?sort=priority&priority=high")
    expect(page.get_by_role("checkbox", name="b low")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("checkbox", name="a high")).to_be_visible()
    assert items(page) == ["a high"]
    expect(page.get_by_label("Sort")).to_have_value("priority")
    page.go_back()
    expect(page.get_by_role("checkbox", name="b low")).to_be_visible()


def test_keyboard_shortcuts_work_and_never_fire_in_a_field(page: Page) -> None:
    sign_up(page, "Keys")
    add(page, "First", "Second")
    field = page.get_by_label("New task", exact=True)
    field.fill("j x e")  # typing letters in a field is just typing
    expect(field).to_have_value("j x e")
    expect(page.get_by_role("checkbox", name="Second")).not_to_be_checked()
    field.fill("")
    page.locator("body").click()

    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_have_count(0)

    page.keyboard.press("j")  # the first row, newest first: "Second"
    expect(page.get_by_role("checkbox", name="Second")).to_be_focused()
    page.keyboard.press("x")
    expect(page.get_by_role("checkbox", name="Second")).to_be_checked()
    page.keyboard.press("j")
    expect(page.get_by_role("checkbox", name="First")).to_be_focused()
    page.keyboard.press("e")
    expect(page.get_by_label("Edit title")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("k")
    expect(page.get_by_role("checkbox", name="Second")).to_be_focused()
    page.keyboard.press("Delete")
    expect(page.get_by_role("checkbox", name="Second")).to_have_count(0)
    expect(page.get_by_role("checkbox", name="First")).to_be_focused()  # focus moves on
    page.keyboard.press("Control+z")
    expect(page.get_by_role("checkbox", name="Second")).to_be_visible()
    page.keyboard.press("/")
    expect(page.get_by_label("Search tasks")).to_be_focused()
    page.locator("body").click()
    page.keyboard.press("n")
    expect(page.get_by_label("New task", exact=True)).to_be_focused()


def test_the_navigation_is_a_drawer_at_320_px(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    sign_up(page, "Small")
    page.get_by_role("button", name="Menu").click()
    drawer = page.get_by_role("dialog", name="Lists and views")
    expect(drawer).to_be_visible()
    drawer.get_by_role("link", name="Today").click()
    expect(page.get_by_role("heading", level=1, name="Today")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"the page scrolls sideways ({width} px)"
    screenshot(page, "organise-320")


def test_focus_moves_to_the_next_task_after_a_delete_by_click(page: Page) -> None:
    sign_up(page, "Focus")
    add(page, "One", "Two", "Three")
    page.get_by_role("button", name="Delete Two").click()
    expect(page.get_by_role("checkbox", name="One")).to_be_focused()
    page.get_by_role("button", name="Delete One").click()
    expect(page.get_by_role("checkbox", name="Three")).to_be_focused()
    page.get_by_role("button", name="Delete Three").click()
    expect(page.get_by_label("New task", exact=True)).to_be_focused()
