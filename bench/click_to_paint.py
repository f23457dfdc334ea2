"""Click-to-paint of toggle, add and delete in Chromium, at 0 and 200 ms of round trip.

    python bench/click_to_paint.py [--rounds 20] [--rtt-ms 200] [--warmup 2]

One production server (``./run.sh``: migrations, then ``reflex run --env prod``; SQLite in a
scratch data folder). Two signed-in pages in one headless Chromium, each its own user and
browser context, each with its websocket routed through Playwright's
``page.route_web_socket``: the route connects to the real server (``connect_to_server``) and
forwards every frame both ways, holding each one ``--rtt-ms``/2 in each direction on one
page (200 ms of browser-server round trip) and 0 ms on the other (the baseline, through the
same relay code, so the relay's own cost is in both).

Each action is a real input event from Playwright (a mouse click on the task's checkbox or on
"Delete <title>"; Enter in "New task" after its text was filled in). A probe armed in the page
just before the input records, with performance.now():
  input:     the timeStamp of the trusted input event the page acts on (the click, made
             when the mouse button is released; or keydown Enter);
  DOM:       when a MutationObserver sees the expected change (aria-checked flipped, new
             checkbox, row gone);
  paint:     the next animation frame after it (requestAnimationFrame, then a macrotask: the
             frame has been produced by then). Click-to-paint = paint - input;
  confirmed: when the change engine's outbox is empty again
             (``window.todoTaskEngine.outbox.items.length === 0``): the server's answer arrived.
Rounds alternate between the two pages (order flipped every round), the order of the three
actions rotates, and each action waits for its confirmation (then a short settle) before the
next, so both pages share the same minutes of a noisy machine.

Target: per action, the 200 ms median click-to-paint <= 1.2 x the 0 ms median. Prints
Markdown tables; exits non-zero only when something crashed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import re
import sys
import time
import uuid
from dataclasses import dataclass, field

import _common as c

OPS = ("toggle", "add", "delete")
TOGGLE_SEEDS = 10
PAGE_SIZE = 50  # TaskState.PAGE_SIZE: the page loads this many tasks
PASSWORD = "bench password 1234"  # noqa: S105
ACTION_TIMEOUT_MS = 15_000
EVENT_PATH = re.compile(r"/_event/")

# window.__ctp.arm(kind, title) prepares one measurement and returns at once; the input event
# then comes from Playwright; window.__ctp.result is a promise of the figures (ms from input).
PROBE_JS = r"""
() => {
  if (window.__ctp) return;
  const q = (sel) => document.querySelector(sel);
  const checkbox = (title) =>
    q('button[role="checkbox"][aria-label="' + CSS.escape(title) + '"]');
  window.__ctp = {
    ready(title) { return !!checkbox(title) && !!window.todoTaskEngine; },
    pending() { return window.todoTaskEngine.outbox.items.length; },
    arm(kind, title, timeoutMs) {
      const engine = window.todoTaskEngine;
      if (engine.outbox.items.length) return "outbox not empty before " + kind;
      let check;
      if (kind === "toggle") {
        const box = checkbox(title);
        if (!box) return "no checkbox " + title;
        const before = box.getAttribute("aria-checked");
        check = () => {
          const b = checkbox(title);
          return !!b && b.getAttribute("aria-checked") !== before;
        };
      } else if (kind === "add") {
        check = () => !!checkbox(title);
      } else if (kind === "delete") {
        if (!checkbox(title)) return "no checkbox " + title;
        check = () => !checkbox(title);
      } else {
        return "unknown kind " + kind;
      }
      if (check()) return "already true before " + kind;
      const r = {input: null, dom: null, paint: null, confirmed: null, kind, title};
      const cleanups = [];
      const cleanup = () => { for (const f of cleanups.splice(0)) f(); };
      window.__ctp.result = new Promise((resolve) => {
        let painted = false;
        const finish = () => {
          if (painted && r.confirmed !== null) { cleanup(); resolve(r); }
        };
        const onInput = (event) => {
          if (r.input !== null || !event.isTrusted) return;
          if (event.type === "keydown" && event.key !== "Enter") return;
          r.input = event.timeStamp;
        };
        for (const type of ["click", "keydown"]) {
          window.addEventListener(type, onInput, {capture: true});
          cleanups.push(() => window.removeEventListener(type, onInput, {capture: true}));
        }
        const onConfirm = () => {
          if (r.dom === null || r.confirmed !== null) return;
          if (engine.outbox.items.length === 0) { r.confirmed = performance.now(); finish(); }
        };
        cleanups.push(engine.subscribe(onConfirm));
        const poll = setInterval(onConfirm, 4);
        cleanups.push(() => clearInterval(poll));
        const seen = () => {
          if (r.dom !== null || r.input === null || !check()) return;
          r.dom = performance.now();
          requestAnimationFrame(() => setTimeout(() => {
            r.paint = performance.now();
            painted = true;
            onConfirm();
            finish();
          }, 0));
        };
        const obs = new MutationObserver(seen);
        obs.observe(document.body,
          {subtree: true, childList: true, attributes: true, characterData: true});
        cleanups.push(() => obs.disconnect());
        const timer = setTimeout(() => { cleanup(); resolve({...r, timeout: true}); }, timeoutMs);
        cleanups.push(() => clearTimeout(timer));
      });
      return "";
    },
  };
}
"""


class Relay:
    """The page's websocket, to the real server and back, each frame held ``hold_s``."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self.connections = 0
        self.frames = {"up": 0, "down": 0}
        self.tasks: set[asyncio.Task] = set()

    def __call__(self, ws) -> None:
        loop = asyncio.get_running_loop()
        self.connections += 1
        server = ws.connect_to_server()
        for direction, source, target in (("up", ws, server), ("down", server, ws)):
            queue: asyncio.Queue = asyncio.Queue()

            def hold(message, queue=queue, direction=direction) -> None:
                self.frames[direction] += 1
                queue.put_nowait((loop.time() + self.hold_s, message))

            source.on_message(hold)
            task = loop.create_task(self._pump(queue, target))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _pump(queue: asyncio.Queue, target) -> None:
        """In order; each frame leaves ``hold_s`` after it arrived (not after the previous)."""
        loop = asyncio.get_running_loop()
        while True:
            due, message = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                target.send(message)
            except Exception:
                return  # that side has closed

    def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()


@dataclass
class Config:
    key: str
    label: str
    hold_s: float
    relay: Relay
    token: str = ""
    toggle_seeds: list[str] = field(default_factory=list)  # titles
    delete_seeds: list[str] = field(default_factory=list)
    page: object = None
    errors: list[str] = field(default_factory=list)
    paint: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})
    dom: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})
    confirm: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})


async def seed(url: str, cfg: Config, n_delete: int) -> None:
    """A user and its tasks, through the REST API (newest first on the page: toggles on top)."""
    import httpx

    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        resp = await http.post(
            "/api/auth/sign-up",
            json={"email": f"ctp-{cfg.key}-{uuid.uuid4().hex[:6]}@example.com",
                  "password": PASSWORD, "name": f"Bench {cfg.key}"},
        )  # fmt: skip
        resp.raise_for_status()
        cfg.token = resp.json()["token"]
        auth = {"Authorization": f"Bearer {cfg.token}"}
        for i in range(n_delete):
            title = f"ctp-{cfg.key}-delete-{i:03d}"
            (await http.post("/api/tasks", json={"title": title}, headers=auth)).raise_for_status()
            cfg.delete_seeds.append(title)
        for i in range(TOGGLE_SEEDS):
            title = f"ctp-{cfg.key}-toggle-{i:02d}"
            (await http.post("/api/tasks", json={"title": title}, headers=auth)).raise_for_status()
            cfg.toggle_seeds.append(title)


async def open_page(browser, url: str, cfg: Config) -> None:
    context = await browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(60_000)
    page.on("pageerror", lambda exc: cfg.errors.append(str(exc)))
    await page.route_web_socket(EVENT_PATH, cfg.relay)
    await page.goto("/login")
    await page.evaluate("t => localStorage.setItem('todo_token', t)", cfg.token)
    await page.goto("/")
    await page.evaluate(PROBE_JS)
    await page.wait_for_function(
        "t => window.__ctp.ready(t)", arg=cfg.toggle_seeds[-1], timeout=120_000
    )
    if not cfg.relay.connections or not cfg.relay.frames["down"]:
        raise RuntimeError(f"page {cfg.key}: its websocket did not go through the relay")
    cfg.page = page


async def act(cfg: Config, op: str, title: str) -> dict:
    page = cfg.page
    target = None
    if op == "add":
        await page.fill('input[aria-label="New task"]', title)
    else:
        if op == "toggle":
            target = page.locator(f'button[role="checkbox"][aria-label="{title}"]')
        else:
            target = page.locator(f'button[aria-label="Delete {title}"]')
        # Mid-screen, clear of the toasts (bottom right), before the probe is armed.
        await target.evaluate("e => e.scrollIntoView({block: 'center'})")
        await asyncio.sleep(0.05)
    armed = await page.evaluate(
        "([k, t, ms]) => window.__ctp.arm(k, t, ms)", [op, title, ACTION_TIMEOUT_MS]
    )
    if armed:
        raise RuntimeError(f"{cfg.key} {op} {title!r}: {armed}")
    if target is not None:
        await target.click()
    else:
        await page.keyboard.press("Enter")
    result = await page.evaluate("() => window.__ctp.result")
    if result.get("timeout"):
        print(f"  timeout: {cfg.key} {op} {title!r}: {result}", flush=True)
    return result


async def one_round(cfg: Config, i: int, idx: int, settle_s: float, record: bool) -> None:
    ops = OPS[i % 3 :] + OPS[: i % 3]
    for op in ops:
        if op == "toggle":
            title = cfg.toggle_seeds[i % TOGGLE_SEEDS]
        elif op == "add":
            title = f"ctp-{cfg.key}-add-{i:03d}-{uuid.uuid4().hex[:4]}"
        else:
            title = cfg.delete_seeds[idx]
        r = await act(cfg, op, title)
        if record:
            t0 = r["input"]
            ms = lambda t, t0=t0: None if t is None or t0 is None else t - t0  # noqa: E731
            cfg.paint[op].add(ms(r["paint"]))
            cfg.dom[op].add(ms(r["dom"]))
            cfg.confirm[op].add(ms(r["confirmed"]))
        if r.get("timeout"):  # let the outbox empty before the next action
            with contextlib.suppress(Exception):
                await cfg.page.wait_for_function("() => window.__ctp.pending() === 0",
                                                 timeout=30_000)  # fmt: skip
        await asyncio.sleep(settle_s)


def report(configs: list[Config], target: float) -> tuple[str, bool]:
    base, slow = configs
    header = ["action", "round trip", "n", "paint median", "paint p95", "DOM median",
              "confirmed median", "confirmed p95"]  # fmt: skip
    rows = []
    for op in OPS:
        for cfg in configs:
            s = cfg.paint[op]
            n = f"{s.n}" + (f" ({s.timeouts} timed out)" if s.timeouts else "")
            rows.append([op, cfg.label, n, c.fmt(s.median), c.fmt(s.p(95)),
                         c.fmt(cfg.dom[op].median), c.fmt(cfg.confirm[op].median),
                         c.fmt(cfg.confirm[op].p(95))])  # fmt: skip
    out = ["Click-to-paint (input event → next frame showing the change) and confirmation"
           " (input → outbox empty), ms:\n", c.table(header, rows)]  # fmt: skip

    header = ["action", f"{slow.label} / {base.label} median", "p95 ratio", "verdict"]
    rows, ok_all = [], True
    for op in OPS:
        ratio = slow.paint[op].median / base.paint[op].median
        ok = ratio <= target and not (slow.paint[op].timeouts or base.paint[op].timeouts)
        ok_all &= ok
        rows.append([op, c.fmt(ratio, 2), c.fmt(slow.paint[op].p(95) / base.paint[op].p(95), 2),
                     "PASS" if ok else "MISS"])  # fmt: skip
    out += ["\nClick-to-paint ratio:\n", c.table(header, rows)]
    out.append(f"\nPASS per action: median ratio <= {target}, no timeouts.")
    floor = 2 * slow.hold_s * 1000
    injected = all(min(slow.confirm[op].values, default=0) >= floor for op in OPS)
    out.append(
        f"Round trip really injected (every {slow.label} confirmation >= {floor:.0f} ms): "
        + ("yes" if injected else "NO")
    )
    out.append(f"\nRESULT: {'PASS' if ok_all else 'MISS'}")
    return "\n".join(out), ok_all


async def run(args: argparse.Namespace) -> int:
    from playwright.async_api import async_playwright

    started = time.monotonic()
    scratch = c.scratch_dir("bench-click-to-paint-")
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {c.loadavg()}", flush=True)
    hold = args.rtt_ms / 2000
    configs = [
        Config("rtt0", "0 ms", 0.0, Relay(0.0)),
        Config(f"rtt{args.rtt_ms:.0f}", f"{args.rtt_ms:.0f} ms", hold, Relay(hold)),
    ]
    server = c.Server("ctp", scratch, {"TODO_BCRYPT_ROUNDS": "4"})
    try:
        print(f"server up at {server.url} in {server.start():.1f} s", flush=True)
        for cfg in configs:
            await seed(server.url, cfg, args.rounds + args.warmup)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=c.CHROMIUM, headless=True, args=c.CHROMIUM_FLAGS
            )
            try:
                for cfg in configs:
                    t = time.monotonic()
                    await open_page(browser, server.url, cfg)
                    print(f"page {cfg.label} ready in {time.monotonic() - t:.1f} s", flush=True)
                total = args.warmup + args.rounds
                for i in range(total):
                    record = i >= args.warmup
                    # Delete seeds are used in order; warm-up rounds use the last ones.
                    idx = i - args.warmup if record else args.rounds + i
                    for cfg in configs if i % 2 == 0 else configs[::-1]:
                        await one_round(cfg, i, idx, args.settle_ms / 1000, record)
                    if (i + 1) % 5 == 0:
                        print(f"  round {i + 1}/{total}", flush=True)
            finally:
                for cfg in configs:
                    cfg.relay.close()
                await browser.close()
    except BaseException:
        print(f"--- server log tail ---\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()
        c.remove_trees(scratch)

    text, _ok = report(configs, args.target)
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"\n## click_to_paint, {stamp}\nmachine: {c.machine()}; load average after: {c.loadavg()}"
    )
    print(f"rounds: {args.rounds} (+{args.warmup} warm-up) per action per round trip, "
          f"settle {args.settle_ms:.0f} ms")  # fmt: skip
    for cfg in configs:
        print(f"relay {cfg.label}: {cfg.relay.connections} socket(s), frames {cfg.relay.frames}")
    print(text)
    if any(cfg.errors for cfg in configs):
        print(f"page errors: { {cfg.key: cfg.errors for cfg in configs} }")
    raw = {
        cfg.key: {k: {op: getattr(cfg, k)[op].values for op in OPS}
                  for k in ("paint", "dom", "confirm")}
        for cfg in configs
    }  # fmt: skip
    out = scratch / "click_to_paint.json"
    out.write_text(json.dumps(raw, indent=1))
    print(f"\nraw samples: {out}\ntotal time: {time.monotonic() - started:.0f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rtt-ms", type=float, default=200.0)
    parser.add_argument("--settle-ms", type=float, default=150.0)
    parser.add_argument("--target", type=float, default=1.2)
    args = parser.parse_args()
    if args.rounds + args.warmup + TOGGLE_SEEDS > PAGE_SIZE:
        parser.error(f"rounds + warmup must be at most {PAGE_SIZE - TOGGLE_SEEDS}")
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
