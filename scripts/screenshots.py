"""Retake the README's screenshots: ``. .venv/bin/activate && python scripts/screenshots.py``

Starts the production server the way the browser tests do (``tests/e2e/conftest.py``'s
``Server``: ``./run.sh`` on a free port with a scratch data folder, so a fresh SQLite file),
fills one account through the REST API with lists, priorities, tags, due dates, a repeating
task, a parent with sub-tasks and a completed task, and shared lists (its Work list shared with
a second account, which is assigned a task there; a third account's Household list shared with
it), then opens the Inbox (Manual order) in Chromium, signed in with the API's token, and
writes four PNGs to ``docs/``: desktop and phone, light and dark (the page follows the
system's colour scheme). A fifth, ``screenshot-sync.png``, is the "Sync with your phone"
section of /account (desktop, light) after "Create app password", cropped to the section.
The server says its public URL is ``https://todo.example.com`` (``TODO_PUBLIC_URL``, with the
real local address allowed as an origin), so that is the server address the section shows.

Dates are computed from the day of the run in the account's time zone, so the page says
"Today", "Tomorrow" and "Overdue" whenever it is run. ``--out DIR`` writes elsewhere. The desktop
shots are the whole page (1280 px wide); the phone shots are one 390 x 844 screen, cut under
the last task row it shows whole (above the next row's controls). Like the browser tests, it
builds the frontend in this tree (the build holds the server's port), so do not run it while
they run from the same tree.
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

from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)

from tests.e2e.conftest import CHROMIUM_FLAGS, Server  # noqa: E402
from tests.services import CHROMIUM  # noqa: E402

TIME_ZONE = "Europe/London"  # the account's and the browser's, so both agree on "today"
EMAIL = "alex@example.com"
PASSWORD = "correct horse battery"  # noqa: S105  (a demo account on a scratch server)
# The people Alex shares lists with: (email, name).
SAM = ("sam@example.com", "Sam Rivera")
JO = ("jo@example.com", "Jo Park")
PUBLIC_URL = "https://todo.example.com"  # the server address "Sync with your phone" shows
SYNC_SHOT = "screenshot-sync.png"  # desktop, light: the /account section, after a password
SHOTS = {
    # name: (viewport, colour scheme)
    "screenshot.png": ({"width": 1280, "height": 800}, "light"),
    "screenshot-dark.png": ({"width": 1280, "height": 800}, "dark"),
    "screenshot-phone.png": ({"width": 390, "height": 844}, "light"),
    "screenshot-phone-dark.png": ({"width": 390, "height": 844}, "dark"),
}


# The bottom of the lowest task row that fits whole in the first screen, and a margin that
# stops short of the next row's controls (else their top edges peek in at the bottom).
ROWS_BOTTOM_JS = """
(height) => {
  const rows = [...document.querySelectorAll('ul[aria-label="Tasks"] li')];
  const bottoms = rows
    .map((li) => li.getBoundingClientRect().bottom)
    .filter((b) => b <= height);
  const bottom = Math.max(0, ...bottoms);
  const controls = [...document.querySelectorAll('ul[aria-label="Tasks"] li :is(input, button)')]
    .map((el) => el.getBoundingClientRect().top)
    .filter((top) => top > bottom);
  const limit = Math.min(bottom + 12, Math.min(Infinity, ...controls) - 2);
  return Math.min(height, Math.ceil(limit));
}
"""


class Api:
    """The REST API as the signed-up account."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.token = ""
        self.user_id = ""

    def sign_up(self, email: str, name: str) -> None:
        """A new account (same password and time zone as the demo's); this client is it."""
        body = {"email": email, "password": PASSWORD, "name": name, "time_zone": TIME_ZONE}
        signed = self("POST", "/api/auth/sign-up", body)
        self.token = signed["token"]
        self.user_id = signed["user"]["id"]

    def share(self, task_list: dict, invitee: Api, email: str, role: str) -> None:
        """The owner (this client) invites ``email``; ``invitee``, signed in as it, accepts."""
        body = {"email": email, "role": role}
        invitation = self("POST", f"/api/lists/{task_list['id']}/invitations", body)
        waiting = {i["id"] for i in invitee("GET", "/api/invitations")}
        if invitation["id"] not in waiting:
            raise RuntimeError(f"the invitation to {task_list['name']} is not waiting for {email}")
        invitee("POST", f"/api/invitations/{invitation['id']}/accept")

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
    tasks go. Alex shares Work with Sam (an editor, who is assigned a task there), and Jo
    shares Household with Alex, so the navigation shows people's initials and "Shared with
    me"; every invitation is accepted by its invitee through the API. Sam's joining leaves
    Alex one unread notification, which the bell shows."""
    api.sign_up(EMAIL, "Alex Morgan")
    sam, jo = Api(api.base_url), Api(api.base_url)
    sam.sign_up(*SAM)
    jo.sign_up(*JO)

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    def tasks(rows: list[tuple[str, dict]], by: Api = api, **common: Any) -> dict[str, dict]:
        made = {title: by.task(title, **common, **fields) for title, fields in rows}
        for task in made.values():
            by.move(task, common.get("parent_id"))
        return made

    home = api("POST", "/api/lists", {"name": "Home"})
    work = api("POST", "/api/lists", {"name": "Work"})
    groceries = api("POST", "/api/lists", {"name": "Groceries"})
    api.share(work, sam, SAM[0], "editor")  # before its tasks: one is assigned to Sam

    household = jo("POST", "/api/lists", {"name": "Household"})
    household_rows = [
        ("Book the boiler service", {"priority": "medium", "due_date": day(6)}),
        ("Take the recycling out", {"due_date": day(1)}),
        ("Buy a new shower curtain", {}),
    ]
    tasks(household_rows, by=jo, list_id=household["id"])
    jo.share(household, api, EMAIL, "editor")

    # The lists' own tasks: what the side navigation counts.
    home_rows = [
        ("Fix the dripping kitchen tap", {"priority": "medium", "tags": ["home"]}),
        ("Clear the gutters", {"due_date": day(9), "tags": ["home"]}),
    ]
    tasks(home_rows, list_id=home["id"])
    work_rows = [
        ("Prepare the Q3 review slides", {"priority": "high", "due_date": day(1)}),
        ("Reply to Priya about the budget", {"due_date": day(0)}),
        ("Book the team offsite venue", {"priority": "low", "assignee_id": sam.user_id}),
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


def signed_in_page(
    browser: Browser, server: Server, token: str, viewport: dict, scheme: str
) -> tuple[BrowserContext, Page, list[str]]:
    """A new browser context and page signed in with ``token``, and the list of errors the
    page logs (console errors and uncaught exceptions) as it goes."""
    context = browser.new_context(
        base_url=server.url,
        viewport=viewport,
        color_scheme=scheme,
        timezone_id=TIME_ZONE,
        locale="en-GB",
        has_touch=viewport["width"] < 640,
    )
    errors: list[str] = []

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            errors.append(msg.text)

    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('todo_token', t)", token)
    return context, page, errors


def settle(page: Page) -> None:
    """Fonts, icons and fades settle; the pointer rests off the page's controls."""
    page.evaluate("document.fonts.ready.then(() => true)")
    page.mouse.move(0, 0)
    page.wait_for_timeout(800)


def shoot(browser: Browser, server: Server, token: str, path: Path, name: str) -> list[str]:
    """One screenshot of the Inbox; returns the errors the page logged."""
    viewport, scheme = SHOTS[name]
    phone = viewport["width"] < 640
    context, page, errors = signed_in_page(browser, server, token, viewport, scheme)
    try:
        page.goto("/?view=inbox")
        expect(page.get_by_role("heading", name="Inbox", level=1)).to_be_visible()
        expect(page.get_by_role("checkbox", name="Order the cake", exact=True)).to_be_visible()
        settle(page)
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


def shoot_sync(browser: Browser, server: Server, token: str, path: Path) -> list[str]:
    """The "Sync with your phone" section of /account after "Create app password" (the new
    password on show), cropped to the section; returns the errors the page logged."""
    viewport = {"width": 1280, "height": 800}
    context, page, errors = signed_in_page(browser, server, token, viewport, "light")
    try:
        page.goto("/account")
        section = page.get_by_role("region", name="Sync with your phone")
        expect(section.get_by_label("Server address")).to_have_value(f"{PUBLIC_URL}/dav/")
        expect(section.get_by_label("Username")).to_have_value(EMAIL)
        section.get_by_role("button", name="Create app password").click()
        expect(section.get_by_test_id("new-app-password")).to_contain_text("todo_pat_")
        section.scroll_into_view_if_needed()
        settle(page)
        section.screenshot(path=str(path), animations="disabled", caret="hide")
    finally:
        context.close()
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "docs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    server = Server(TODO_MAIL_TO_LOG="1")  # a public URL off this machine wants mail sent
    server.extra_env.update(TODO_PUBLIC_URL=PUBLIC_URL, TODO_CORS_ORIGINS=server.url)
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
                for error in shoot_sync(browser, server, api.token, args.out / SYNC_SHOT):
                    print(f"warning: {SYNC_SHOT}: the page logged an error: {error}")
            finally:
                browser.close()
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)
    for path in (args.out / name for name in (*SHOTS, SYNC_SHOT)):
        print(
            f"{path.relative_to(PROJECT_ROOT) if path.is_relative_to(PROJECT_ROOT) else path}"
            f"  {path.stat().st_size // 1024} KiB"
        )


if __name__ == "__main__":
    main()
