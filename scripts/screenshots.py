"""Retake the README's screenshots: ``. .venv/bin/activate && python scripts/screenshots.py``

Starts the production server the way the browser tests do (``tests/e2e/conftest.py``'s
``Server``: ``./run.sh`` on a free port with a scratch data folder, so a fresh SQLite file),
fills one account through the REST API with lists, priorities, tags, due dates, a repeating
task, a parent with sub-tasks and a completed task, then opens the Inbox (Manual order) in
Chromium, signed in with the API's token, and writes four PNGs to ``docs/``: desktop and
phone, light and dark (the page follows the system's colour scheme).

Dates are computed from the day of the run in the account's time zone, so the page says
"Today", "Tomorrow" and "Overdue" whenever it is run. ``--out DIR`` writes elsewhere. The desktop
shots are the whole page (1280 px wide); the phone shots are one 390 x 844 screen, cut under
the last task row it shows whole. Like the browser tests, it builds the frontend in this tree
(the build holds the server's port), so do not run it while they run from the same tree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

from playwright.sync_api import Browser, ConsoleMessage, expect, sync_playwright  # noqa: E402

from tests.e2e.conftest import CHROMIUM_FLAGS, Server  # noqa: E402
from tests.services import CHROMIUM  # noqa: E402

TIME_ZONE = "Europe/London"  # the account's and the browser's, so both agree on "today"
EMAIL = "alex@example.com"
PASSWORD = "correct horse battery"  # noqa: S105  (a demo account on a scratch server)
SHOTS = {
    # name: (viewport, colour scheme)
    "screenshot.png": ({"width": 1280, "height": 800}, "light"),
    "screenshot-dark.png": ({"width": 1280, "height": 800}, "dark"),
    "screenshot-phone.png": ({"width": 390, "height": 844}, "light"),
    "screenshot-phone-dark.png": ({"width": 390, "height": 844}, "dark"),
}


# The bottom of the lowest task row that fits whole in the first screen (and a margin).
ROWS_BOTTOM_JS = """
(height) => {
  const rows = document.querySelectorAll('ul[aria-label="Tasks"] li');
  const bottoms = [...rows]
    .map((li) => li.getBoundingClientRect().bottom)
    .filter((b) => b <= height);
  return Math.min(height, Math.ceil(Math.max(0, ...bottoms)) + 12);
}
"""


class Api:
    """The REST API as the signed-up account."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.token = ""

    def __call__(self, method: str, path: str, body: dict | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        req = urllib.request.Request(  # noqa: S310  (our own local server)
            f"{self.base_url}{path}",
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers=headers,
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            raw = resp.read()
        return json.loads(raw) if raw else None

    def task(self, title: str, **fields: Any) -> dict:
        return self("POST", "/api/tasks", {"title": title, **fields})

    def complete(self, task: dict) -> None:
        self("PATCH", f"/api/tasks/{task['id']}/complete")

    def move(self, task: dict, parent_id: str | None = None) -> None:
        """Last among its siblings (``before_id`` null)."""
        body = {"parent_id": parent_id, "before_id": None}
        self("POST", f"/api/tasks/{task['id']}/move", body)


def populate(api: Api, today: date) -> None:
    """The account the screenshots show. Each group of tasks is then placed in reading order
    with the move API (each goes last), whatever the Inbox and the lists say about where new
    tasks go."""
    signed = api(
        "POST",
        "/api/auth/sign-up",
        {"email": EMAIL, "password": PASSWORD, "name": "Alex Morgan", "time_zone": TIME_ZONE},
    )
    api.token = signed["token"]

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    def tasks(rows: list[tuple[str, dict]], **common: Any) -> dict[str, dict]:
        made = {title: api.task(title, **common, **fields) for title, fields in rows}
        for task in made.values():
            api.move(task, common.get("parent_id"))
        return made

    home = api("POST", "/api/lists", {"name": "Home"})
    work = api("POST", "/api/lists", {"name": "Work"})
    groceries = api("POST", "/api/lists", {"name": "Groceries"})

    # The lists' own tasks: what the side navigation counts.
    home_rows = [
        ("Fix the dripping kitchen tap", {"priority": "medium", "tags": ["home"]}),
        ("Clear the gutters", {"due_date": day(9), "tags": ["home"]}),
    ]
    tasks(home_rows, list_id=home["id"])
    work_rows = [
        ("Prepare the Q3 review slides", {"priority": "high", "due_date": day(1)}),
        ("Reply to Priya about the budget", {"due_date": day(0)}),
        ("Book the team offsite venue", {"priority": "low"}),
    ]
    tasks(work_rows, list_id=work["id"])
    grocery_rows = [(item, {}) for item in ("Oat milk", "Eggs", "Coffee beans", "Bananas")]
    tasks(grocery_rows, list_id=groceries["id"], tags=["errands"])

    # The Inbox, top to bottom as the screenshots show it.
    water = {"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True}
    inbox = tasks(
        [
            ("Renew the car insurance", {"priority": "high", "due_date": day(-2)}),
            ("Plan Sam's birthday party", {"priority": "medium", "due_date": day(4)}),
            (
                "Call the dentist to move the check-up",
                {"priority": "medium", "due_date": day(0), "tags": ["errands"]},
            ),
            (
                "Water the plants",
                {"priority": "low", "due_date": day(1), "tags": ["home"], "recurrence": water},
            ),
            (
                "Pick up the parcel from the post office",
                {"due_date": day(2), "due_time": "17:30", "tags": ["errands"]},
            ),
            ("Back up the laptop", {"priority": "low"}),
            ("Pay the electricity bill", {"priority": "medium", "tags": ["home"]}),
        ]
    )
    api.complete(inbox["Pay the electricity bill"])
    party = tasks(
        [("Book the bowling lanes", {}), ("Send the invitations", {}), ("Order the cake", {})],
        parent_id=inbox["Plan Sam's birthday party"]["id"],
    )
    api.complete(party["Book the bowling lanes"])  # the parent reads "1/3"


def shoot(browser: Browser, server: Server, token: str, path: Path, name: str) -> list[str]:
    """One screenshot of the Inbox; returns the errors the page logged."""
    viewport, scheme = SHOTS[name]
    phone = viewport["width"] < 640
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,
        color_scheme=scheme,
        timezone_id=TIME_ZONE,
        locale="en-GB",
        has_touch=phone,
    )
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("console", on_console)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto("/login")
        page.evaluate("t => localStorage.setItem('todo_token', t)", token)
        page.goto("/?view=inbox")
        expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
        expect(page.get_by_role("checkbox", name="Order the cake", exact=True)).to_be_visible()
        # Fonts, icons and the rows' fade settle; the pointer rests off the page's controls.
        page.evaluate("document.fonts.ready.then(() => true)")
        page.mouse.move(0, 0)
        page.wait_for_timeout(800)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            raise RuntimeError(f"{name}: the page scrolls sideways ({width} px wide)")
        if phone:  # one screen, ending under the last row it shows whole
            bottom = page.evaluate(ROWS_BOTTOM_JS, viewport["height"])
            clip = {"x": 0, "y": 0, "width": viewport["width"], "height": bottom}
            page.screenshot(path=str(path), clip=clip, animations="disabled", caret="hide")
        else:  # the whole Inbox, down to its footer
            page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    finally:
        context.close()
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    server = Server()
    print(f"starting the server at {server.url} (log: {server.log_path})")
    server.start()
    try:
        api = Api(server.url)
        populate(api, datetime.now(ZoneInfo(TIME_ZONE)).date())
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
            )
            try:
                for name in SHOTS:
                    for error in shoot(browser, server, api.token, args.out / name, name):
                        print(f"warning: {name}: the page logged an error: {error}")
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
    for path in (args.out / name for name in SHOTS):
        print(
            f"{path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}"
            f"  {path.stat().st_size // 1024} KiB"
        )


if __name__ == "__main__":
    main()
