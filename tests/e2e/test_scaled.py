"""The scaled configuration: PostgreSQL and Redis, several backend workers, one port.

Started exactly like the default server (``./run.sh``), with ``REFLEX_DB_URL`` and
``REFLEX_REDIS_URL`` set. Reflex then runs several granian workers that share state through
Redis, so a tab's events, API calls and page loads land on different processes.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator

import psutil
import pytest
import redis
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import Server
from tests.e2e.test_tasks import PASSWORD, add, sign_up
from tests.services import REDIS_URL, fresh_pg_database, missing


@pytest.fixture(scope="module")
def scaled_server(server: Server) -> Iterator[Server]:
    """Stops the shared server while this one runs: both would build into the same .web/."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    with fresh_pg_database() as db_url:
        server.stop()
        scaled = Server(REFLEX_DB_URL=db_url, REFLEX_REDIS_URL=REDIS_URL, TODO_WORKERS="2")
        try:
            scaled.start()
            yield scaled
        finally:
            scaled.stop()
            server.start()


def _workers(scaled: Server) -> int:
    assert scaled.process is not None
    # run.sh execs `reflex run`, whose direct children are the backend worker processes.
    parent = psutil.Process(scaled.process.pid)
    return sum("reflex" in " ".join(p.cmdline()) for p in parent.children())


def test_several_workers_serve_one_session(scaled_server: Server, browser: Browser) -> None:
    # TODO_WORKERS reaches granian (Reflex's own default would be 2 x cores + 1). Granian
    # starts its workers one after another, so the second may still be coming up.
    deadline = time.monotonic() + 20
    while _workers(scaled_server) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers(scaled_server) == 2, "Redis and TODO_WORKERS=2 should start two workers"
    page = browser.new_context(base_url=scaled_server.url).new_page()
    sign_up(page, "Scaled")
    add(page, "on postgres", "via redis")
    page.get_by_role("checkbox", name="via redis").click()
    expect(page.get_by_role("checkbox", name="via redis")).to_be_checked()
    page.reload()
    expect(page.get_by_role("checkbox", name="via redis")).to_be_checked()
    expect(page.get_by_text("1 item left")).to_be_visible()

    # The same account through the REST API, which any worker may answer.
    token = page.evaluate("localStorage.getItem('todo_token')")
    for _ in range(10):
        req = urllib.request.Request(  # noqa: S310
            f"{scaled_server.url}/api/tasks", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            body = json.loads(resp.read())
        assert body["total"] == 2

    # Live updates cross workers: the other tab's socket may be held by another process.
    other = page.context.new_page()
    other.goto("/")
    expect(other.get_by_role("checkbox", name="on postgres")).to_be_visible()
    add(page, "seen everywhere")
    expect(other.get_by_role("checkbox", name="seen everywhere")).to_be_visible(timeout=5_000)

    # Rapid toggles in one tab, a delete in the other: both converge, each change stored once.
    for _ in range(4):
        other.get_by_role("checkbox", name="on postgres").click()
    other.get_by_role("checkbox", name="on postgres").click()  # five clicks: checked
    page.get_by_role("button", name="Delete seen everywhere").click()
    expect(page.get_by_role("checkbox", name="on postgres")).to_be_checked(timeout=5_000)
    expect(other.get_by_role("checkbox", name="seen everywhere")).to_have_count(0)
    for tab in (page, other):
        tab.wait_for_function("window.todoTaskEngine.outbox.items.length === 0")
    req = urllib.request.Request(  # noqa: S310
        f"{scaled_server.url}/api/tasks", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        stored = {t["title"]: t for t in json.loads(resp.read())["items"]}
    assert sorted(stored) == ["on postgres", "via redis"]
    assert stored["on postgres"]["completed"] and stored["on postgres"]["version"] == 6
    page.context.close()


def test_a_sign_out_reaches_the_pages_on_every_worker(
    scaled_server: Server, browser: Browser
) -> None:
    """Pages trust a session read until the account changes; with several workers the change
    is announced over Redis, so whichever worker pushes next knows the session ended."""
    laptop = browser.new_context(base_url=scaled_server.url).new_page()
    frames: list[str] = []
    laptop.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    email = sign_up(laptop, "Workers")
    add(laptop, "a warm-up change")  # this page's session is now read and trusted
    phone = browser.new_context(base_url=scaled_server.url).new_page()
    phone.goto("/login")
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    expect(phone.get_by_label("New task")).to_be_visible()
    add(phone, "from the phone")
    expect(laptop.get_by_role("checkbox", name="from the phone")).to_be_visible(timeout=5_000)

    token = laptop.evaluate("localStorage.getItem('todo_token')")
    req = urllib.request.Request(  # noqa: S310  (any worker may answer)
        f"{scaled_server.url}/api/auth/sign-out",
        method="POST",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
        assert resp.status == 204
    add(phone, "after the laptop signed out")
    expect(laptop).to_have_url(re.compile(r"/login\?next=/&reason=expired$"), timeout=5_000)
    assert not any("after the laptop signed out" in frame for frame in frames)
    laptop.context.close()
    phone.context.close()
