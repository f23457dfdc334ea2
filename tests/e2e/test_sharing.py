"""Sharing a list on the page, in Chromium, with two people in two browser contexts: the share
dialog, the bell's Accept, a viewer's page, assignment and "Assigned to me", and (with the live
fan-out to members) each person's changes on the other's open page."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_tasks import add, sign_up

LIVE = 1_000  # ms: another member's change shows on an open page within a second
SHOTS = "/tmp"  # screenshots to look at, not test artifacts


@pytest.fixture
def bob_page(browser: Browser, server: Server) -> Iterator[Page]:
    """A second person's page: its own browser context (own storage, own account)."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def new_list(page: Page, name: str) -> None:
    page.get_by_label("New list").fill(name)
    page.get_by_label("New list").press("Enter")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def open_share(page: Page, list_name: str, item: str = "Share"):
    page.get_by_role("button", name=f"Actions for list {list_name}").click()
    page.get_by_role("menuitem", name=item).click()
    dialog = page.get_by_role("dialog", name=f"Share {list_name}")
    expect(dialog).to_be_visible()
    return dialog


def invite(page: Page, list_name: str, email: str, role: str = "Editor", shot: str = "") -> None:
    dialog = open_share(page, list_name)
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_label("Role").select_option(label=role)
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog.get_by_role("button", name=f"Withdraw invitation to {email}")).to_be_visible()
    if shot:
        page.screenshot(path=f"{SHOTS}/{shot}.png")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()


def accept(page: Page, list_name: str) -> None:
    """From the bell, which heard of the invitation live (no reload)."""
    page.get_by_role("button", name=re.compile("^Notifications")).click()
    page.get_by_role("button", name=f"Accept invitation to {list_name}").click()
    expect(page).to_have_url(re.compile(r"[?&]list="))
    expect(page.get_by_role("heading", name=list_name, level=1)).to_be_visible()


def shared_list(ann: Page, bob: Page, list_name: str, role: str = "Editor") -> tuple[str, str]:
    """Ann makes ``list_name`` and shares it with Bob as ``role``; Bob accepts from the bell.
    Both pages end on the list."""
    ann_email = sign_up(ann, "Ann")
    bob_email = sign_up(bob, "Bob")
    new_list(ann, list_name)
    invite(ann, list_name, bob_email, role)
    accept(bob, list_name)
    # Ann's open page learns of Bob without a reload (the live "reload" push).
    expect(ann.locator(".list-people").first).to_be_visible(timeout=5_000)
    return ann_email, bob_email


def test_share_through_the_dialog_and_accept_from_the_bell(page: Page, bob_page: Page) -> None:
    sign_up(page, "Ann")
    bob_email = sign_up(bob_page, "Bob")
    new_list(page, "Groceries")
    dialog = open_share(page, "Groceries")
    dialog.get_by_label("Email").fill("not an email")
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog.get_by_text(re.compile("email", re.I)).last).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    invite(page, "Groceries", bob_email, "Editor", shot="share-dialog")

    accept(bob_page, "Groceries")
    nav = bob_page.get_by_role("navigation", name="Lists and views")
    expect(nav.get_by_role("heading", name="Shared with me")).to_be_visible()
    expect(nav.get_by_text("by Ann")).to_be_visible()
    bob_page.screenshot(path=f"{SHOTS}/shared-nav-member.png")

    # Ann's dialog now lists Bob as a member, with his role; no invitation left.
    dialog = open_share(page, "Groceries")
    expect(dialog.get_by_role("button", name="Remove Bob")).to_be_visible()
    expect(dialog.get_by_label("Role of Bob")).to_have_value("editor")
    expect(dialog.get_by_role("button", name=f"Withdraw invitation to {bob_email}")).to_have_count(
        0
    )
    page.screenshot(path=f"{SHOTS}/share-dialog-members.png")
    dialog.get_by_role("button", name="Done").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".list-people").first).to_be_visible()
    page.screenshot(path=f"{SHOTS}/shared-nav-owner.png")

    # Both see the list's tasks: one Ann added before, on Bob's page after a load.
    add(page, "milk")
    bob_page.reload()
    expect(bob_page.get_by_role("checkbox", name="milk")).to_be_visible()

    # At 320 px the dialog fits without horizontal scrolling.
    dialog = open_share(page, "Groceries")
    page.set_viewport_size({"width": 320, "height": 700})
    expect(dialog.get_by_role("button", name="Invite")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/share-dialog-phone.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = dialog.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320


def test_each_members_change_shows_on_the_others_open_page(page: Page, bob_page: Page) -> None:
    shared_list(page, bob_page, "Chores")
    add(page, "sweep")
    expect(bob_page.get_by_role("checkbox", name="sweep")).to_be_visible(timeout=LIVE)
    bob_page.get_by_role("checkbox", name="sweep").click()
    expect(page.get_by_role("checkbox", name="sweep")).to_be_checked(timeout=LIVE)


def test_a_removed_member_page_drops_the_list_without_a_reload(page: Page, bob_page: Page) -> None:
    shared_list(page, bob_page, "Garden")
    add(page, "weed")
    bob_page.reload()
    expect(bob_page.get_by_role("checkbox", name="weed")).to_be_visible()

    dialog = open_share(page, "Garden")
    dialog.get_by_role("button", name="Remove Bob").click()
    expect(dialog.get_by_role("button", name="Remove Bob")).to_have_count(0)

    nav = bob_page.get_by_role("navigation", name="Lists and views")
    expect(nav.get_by_role("link", name=re.compile("^Garden"))).to_have_count(0, timeout=LIVE)
    expect(bob_page.get_by_role("checkbox", name="weed")).to_have_count(0, timeout=LIVE)


def test_removal_takes_the_list_away(page: Page, bob_page: Page) -> None:
    """Without the live push: after a load, a removed member sees nothing of the list."""
    shared_list(page, bob_page, "Attic")
    add(page, "boxes")
    dialog = open_share(page, "Attic")
    dialog.get_by_role("button", name="Remove Bob").click()
    expect(dialog.get_by_role("button", name="Remove Bob")).to_have_count(0)
    bob_page.goto("/")
    nav = bob_page.get_by_role("navigation", name="Lists and views")
    expect(nav.get_by_role("link", name=re.compile("^Everything"))).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("^Attic"))).to_have_count(0)
    expect(bob_page.get_by_role("checkbox", name="boxes")).to_have_count(0)


def test_a_member_leaves_from_the_dialog(page: Page, bob_page: Page) -> None:
    shared_list(page, bob_page, "Trip")
    dialog = open_share(bob_page, "Trip", item="Members")
    expect(dialog.get_by_role("button", name="Invite")).to_have_count(0)
    dialog.get_by_role("button", name="Leave list").click()
    expect(dialog).to_be_hidden()
    nav = bob_page.get_by_role("navigation", name="Lists and views")
    expect(nav.get_by_role("link", name=re.compile("^Trip"))).to_have_count(0)


def test_a_viewer_has_no_add_field(page: Page, bob_page: Page) -> None:
    shared_list(page, bob_page, "Recipes", role="Viewer")
    add(page, "soup")
    bob_page.reload()
    expect(bob_page.get_by_role("checkbox", name="soup")).to_be_visible()
    expect(bob_page.get_by_label("New task", exact=True)).to_have_count(0)
    expect(bob_page.get_by_text("View only").first).to_be_visible()
    expect(bob_page.get_by_role("checkbox", name="soup")).to_be_disabled()
    expect(bob_page.get_by_role("button", name="Delete soup")).to_have_count(0)
    expect(bob_page.get_by_label("Mark all complete")).to_have_count(0)
    bob_page.screenshot(path=f"{SHOTS}/viewer-page.png")


def test_assignment_shows_the_badge_and_assigned_to_me(page: Page, bob_page: Page) -> None:
    shared_list(page, bob_page, "House")
    add(page, "paint fence")
    page.get_by_role("button", name="Details of paint fence").click()
    details = page.get_by_role("dialog", name="Task details")
    expect(details.get_by_text("Added by Ann")).to_be_visible()
    details.get_by_label("Assignee").select_option(label="Bob")
    details.get_by_role("button", name="Save").click()
    expect(page.get_by_role("img", name="Assigned to Bob")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/assigned-row.png")

    bob_page.goto("/?view=assigned")
    expect(bob_page.get_by_role("heading", name="Assigned to me", level=1)).to_be_visible()
    expect(bob_page.get_by_role("checkbox", name="paint fence")).to_be_visible()
    bob_page.get_by_role("checkbox", name="paint fence").click()
    expect(bob_page.get_by_role("checkbox", name="paint fence")).to_be_checked()

    # Ann's Assigned to me holds nothing; her details say who completed it.
    page.goto("/?view=assigned")
    expect(page.get_by_text("Nothing is assigned to you")).to_be_visible()
    page.goto("/")
    page.get_by_role("button", name="Details of paint fence").click()
    expect(page.get_by_text("Added by Ann · Completed by Bob")).to_be_visible()
    page.screenshot(path=f"{SHOTS}/who-did-what.png")
