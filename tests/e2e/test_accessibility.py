"""axe-core on every page, in light and dark mode: no serious or critical finding (WCAG 2.2 AA)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.e2e.test_tasks import add, sign_up

BLOCKING = {"serious", "critical"}


def assert_accessible(page: Page, where: str) -> None:
    # Toasts fade in; measure what stays on screen.
    page.wait_for_timeout(600)
    results = Axe().run(page, options={"runOnly": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]})
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
