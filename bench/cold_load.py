"""Cold load of the task page with 200 tasks: Largest Contentful Paint and layout shift.

Target (../shared/notes/quality-bar.md): LCP <= 2.5 s and CLS <= 0.1 on localhost.
Starts the production server the way README.md does (``./run.sh``, its own data folder, on a
free port), makes an account with 200 tasks through the REST API, then opens "/" in a new
browser context each run (no cache, no state) and reads LCP and CLS from PerformanceObserver.

    python bench/cold_load.py [--runs 5] [--tasks 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from tests.e2e.conftest import CHROMIUM_FLAGS, Server
from tests.services import CHROMIUM

OBSERVE = """
window.__lcp = 0; window.__cls = 0;
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__lcp = e.startTime })
  .observe({type: 'largest-contentful-paint', buffered: true});
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value })
  .observe({type: 'layout-shift', buffered: true});
"""


def call(server: Server, method: str, path: str, body: Any = None, token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read() or b"null")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()

    server = Server(TODO_SIGN_UPS_PER_HOUR="0")
    server.start()
    try:
        account = {"email": "cold@example.com", "password": "correct horse battery"}
        token = call(server, "POST", "/api/auth/sign-up", account)["token"]
        titles = [f"Task {i:03} with a realistic title" for i in range(args.tasks)]
        for title in titles:
            call(server, "POST", "/api/tasks", {"title": title}, token)
        newest = titles[-1]

        lcp: list[float] = []
        cls: list[float] = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
            )
            for _ in range(args.runs):
                context = browser.new_context(base_url=server.url)
                context.add_init_script(f"localStorage.setItem('todo_token', {json.dumps(token)})")
                context.add_init_script(OBSERVE)
                page = context.new_page()
                page.goto("/")
                page.get_by_role("checkbox", name=newest).wait_for()
                page.wait_for_timeout(1500)  # let late layout shifts happen
                lcp.append(page.evaluate("window.__lcp"))
                cls.append(page.evaluate("window.__cls"))
                context.close()
            browser.close()
    finally:
        server.stop()

    print(f"cold load of / with {args.tasks} tasks, {args.runs} runs")
    runs = [round(x) for x in lcp]
    print(f"LCP ms: {runs}  median {statistics.median(lcp):.0f}  max {max(lcp):.0f}")
    print(f"CLS:    {[round(x, 3) for x in cls]}  max {max(cls):.3f}")
    verdict = max(lcp) <= 2500 and max(cls) <= 0.1
    print("target LCP <= 2500 ms and CLS <= 0.1:", "PASS" if verdict else "MISS")


if __name__ == "__main__":
    main()
