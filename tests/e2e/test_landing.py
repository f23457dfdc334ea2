"""The production build serves the landing page in a real browser."""

from __future__ import annotations

import re
import urllib.request

from playwright.sync_api import Page, expect

from tests.e2e.conftest import ConsoleErrors, Server, screenshot


def test_ping_and_health(server: Server) -> None:
    with urllib.request.urlopen(f"{server.url}/ping", timeout=5) as resp:  # noqa: S310
        assert resp.read() == b'"pong"'


def test_landing_page(page: Page, console_errors: ConsoleErrors) -> None:
    """An anonymous visit to "/" lands on sign-in, which says what the app is."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/?\?next=(/|%2F)$"))
    expect(page).to_have_title(re.compile("Todo"))
    expect(page.get_by_role("heading", level=1, name="Todo")).to_be_visible()
    expect(page.get_by_text("A fast, private todo list")).to_be_visible()
    page.wait_for_load_state("networkidle")
    path = screenshot(page, "landing")
    assert path.stat().st_size > 1000
    assert console_errors == []


def test_landing_follows_dark_system_theme(page: Page) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Todo")).to_be_visible()
    background = page.evaluate(
        "getComputedStyle(document.querySelector('.radix-themes')).backgroundColor"
    )
    # Radix's dark page background is near-black; the light one is white.
    channels = [int(c) for c in background[background.index("(") + 1 : -1].split(",")[:3]]
    assert max(channels) < 80, background
    screenshot(page, "landing-dark")


def test_landing_has_no_horizontal_scroll_at_320px(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Todo")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_favicon_is_the_apps_own(server: Server) -> None:
    from todo_app.settings import PROJECT_ROOT

    with urllib.request.urlopen(f"{server.url}/favicon.ico", timeout=5) as resp:  # noqa: S310
        served = resp.read()
    assert served[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert served == (PROJECT_ROOT / "assets" / "favicon.ico").read_bytes()
