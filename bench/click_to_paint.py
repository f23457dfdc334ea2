"""Click-to-paint of add, toggle and delete in Chromium, against the production build.

    python bench/click_to_paint.py [--rounds 30] [--delay-ms 500]

Two servers run side by side, each on a fresh PostgreSQL database:
  (a) PostgreSQL direct;
  (b) PostgreSQL through ``latency_proxy.py``, which delays every server-to-client chunk by
      ``--delay-ms`` (so every database round trip costs at least that). The product is not
      told: its REFLEX_DB_URL simply names the proxy's port.
The proxy adds no delay while server (b) starts (migrations, Reflex's schema check); the delay
is switched on before the browser opens its page, and stays on to the end.

Each action is dispatched from JS in the page and timed there with performance.now(): from
just before the dispatch until the expected DOM change is seen (MutationObserver) and the next
frame has been produced (requestAnimationFrame + a macrotask), "click-to-paint".
The baseline is a no-op-ish Reflex event round trip: click "Edit <title>" until the "Edit
title" input is attached (TaskState.start_edit: a state change, no database work); Escape
closes it again. Every action is preceded by one baseline measurement, rounds alternate
between (a) and (b), and the order of add/toggle/delete rotates, so all figures come from the
same minutes of the same noisy machine.

Server-confirmed time (context, proves the latency was injected): from the dispatch until the
bench process sees the change in the database itself (polling PostgreSQL directly, every 20 ms).

Prints tables (Markdown) and PASS/MISS; exits non-zero only when something crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import _common as c
from latency_proxy import LatencyProxy

OPS = ("add", "toggle", "delete")
TOGGLE_SEEDS = 10
PAGE_SIZE = 50  # TaskState.PAGE_SIZE: the page loads this many tasks
PASSWORD = "bench password 1234"  # noqa: S105
CONFIRM_TIMEOUT_S = 90


@dataclass
class Config:
    key: str
    label: str
    db: str
    proxied: bool
    server: c.Server | None = None
    token: str = ""
    toggle_seeds: list[tuple[str, str]] = field(default_factory=list)  # (id, title)
    delete_seeds: list[tuple[str, str]] = field(default_factory=list)
    completed: dict[str, bool] = field(default_factory=dict)
    page: object = None
    errors: list[str] = field(default_factory=list)
    base: c.Samples = field(default_factory=c.Samples)
    base_dom: c.Samples = field(default_factory=c.Samples)
    cancel: c.Samples = field(default_factory=c.Samples)
    paint: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})
    dom: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})
    confirm: dict[str, c.Samples] = field(default_factory=lambda: {op: c.Samples() for op in OPS})

    @property
    def direct_url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.db}"


class ConfirmPoller(threading.Thread):
    """Watches the databases directly and records when each dispatched write is stored."""

    def __init__(self, configs: list[Config]) -> None:
        super().__init__(name="confirm-poller", daemon=True)
        self.configs = {cfg.key: cfg for cfg in configs}
        self.pending: list[tuple[str, str, str, object, float]] = []  # cfg, op, key, want, t0
        self.lock = threading.Lock()
        self.stopping = threading.Event()

    def expect(self, cfg: Config, op: str, key: str, want: object, t0: float) -> None:
        with self.lock:
            self.pending.append((cfg.key, op, key, want, t0))

    def outstanding(self) -> int:
        with self.lock:
            return len(self.pending)

    def run(self) -> None:
        import psycopg

        conns = {
            k: psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{cfg.db}", autocommit=True)
            for k, cfg in self.configs.items()
        }
        try:
            while not self.stopping.is_set():
                with self.lock:
                    todo = list(self.pending)
                for key in {p[0] for p in todo}:
                    rows = conns[key].execute("SELECT id::text, title, completed FROM tasks")
                    by_id, titles = {}, set()
                    for tid, title, completed in rows:
                        by_id[tid] = completed
                        titles.add(title)
                    now = time.perf_counter()
                    for item in [p for p in todo if p[0] == key]:
                        _, op, k, want, t0 = item
                        done = (
                            (op == "add" and k in titles)
                            or (op == "toggle" and by_id.get(k) is want)
                            or (op == "delete" and k not in by_id)
                        )
                        if done or now - t0 > CONFIRM_TIMEOUT_S:
                            self.configs[key].confirm[op].add((now - t0) * 1000 if done else None)
                            with self.lock:
                                self.pending.remove(item)
                time.sleep(0.02)
        finally:
            for conn in conns.values():
                conn.close()


def seed(cfg: Config, rounds: int) -> None:
    """A user and its tasks, written by the product's own services (straight to the DB)."""
    from todo_app.auth import service as auth_service
    from todo_app.tasks import service as task_service

    assert cfg.server is not None
    with c.app_env(
        TODO_DATA_DIR=str(cfg.server.data_dir),
        REFLEX_DB_URL=cfg.direct_url,
        TODO_BCRYPT_ROUNDS="4",
    ):
        signed = auth_service.sign_up(f"bench-{cfg.key}@example.com", PASSWORD, "Bench")
        cfg.token = signed.token
        owner = signed.user.id
        for i in range(rounds):
            t = task_service.create_task(owner, f"bench-{cfg.key}-delete-{i:03d}")
            cfg.delete_seeds.append((str(t.id), t.title))
        for i in range(TOGGLE_SEEDS):  # newest, so on top of the list
            t = task_service.create_task(owner, f"bench-{cfg.key}-toggle-{i:02d}")
            cfg.toggle_seeds.append((str(t.id), t.title))
            cfg.completed[str(t.id)] = False


def one_round(cfg: Config, i: int, poller: ConfirmPoller, settle_s: float, record: bool) -> None:
    page = cfg.page
    _edit_id, edit_title = cfg.toggle_seeds[(i + 3) % TOGGLE_SEEDS]
    ops = OPS[i % 3 :] + OPS[: i % 3]
    for op in ops:
        # Baseline: Edit -> input attached; then Escape -> row back (timed, not the baseline).
        r = c.measure(page, "edit", edit_title)
        if record:
            cfg.base.add(r["paint"])
            cfg.base_dom.add(r["dom"])
        r = c.measure(page, "cancel", edit_title)
        if record:
            cfg.cancel.add(r["paint"])
        time.sleep(settle_s)

        if op == "add":
            key = title = f"bench-{cfg.key}-add-{i:03d}-{uuid.uuid4().hex[:4]}"
            want: object = True
        elif op == "toggle":
            key, title = cfg.toggle_seeds[i % TOGGLE_SEEDS]
            want = not cfg.completed[key]
            cfg.completed[key] = want
        else:
            key, title = cfg.delete_seeds[i]
            want = None
        t0 = time.perf_counter()
        r = c.measure(page, op, title)
        if record:
            cfg.paint[op].add(r["paint"])
            cfg.dom[op].add(r["dom"])
            poller.expect(cfg, op, key, want, t0)
        time.sleep(settle_s)


def report(configs: list[Config], delay_ms: float) -> tuple[str, bool]:
    a, b = configs
    out = []
    header = ["config", "action", "n", "median ms", "p95 ms", "p99 ms", "x baseline median",
              "DOM-change median ms"]  # fmt: skip
    rows = []
    for cfg in configs:
        base = cfg.base.median
        measured = [("baseline: Edit → input", cfg.base, cfg.base_dom)]
        measured += [(op, cfg.paint[op], cfg.dom[op]) for op in OPS]
        measured += [("(Escape → row back)", cfg.cancel, None)]
        for name, s, dom in measured:
            n = f"{s.n}" + (f" ({s.timeouts} timed out)" if s.timeouts else "")
            rows.append(
                [cfg.label, name, n, c.fmt(s.median), c.fmt(s.p(95)), c.fmt(s.p(99)),
                 c.fmt(s.median / base, 2), c.fmt(dom.median) if dom else "-"]
            )  # fmt: skip
    out.append("Click-to-paint (dispatch → DOM change → next frame):\n")
    out.append(c.table(header, rows))

    header = ["action", "(b)/(a) median", "(b)/(a) p95", "(b)/(a) of x baseline", "verdict"]
    rows, ok_all = [], True
    for op in OPS:
        ra = a.paint[op].median / a.base.median
        rb = b.paint[op].median / b.base.median
        med = b.paint[op].median / a.paint[op].median
        ok = (
            med <= 1.5
            and b.paint[op].p(95) < delay_ms
            and b.paint[op].timeouts == 0
            and a.paint[op].timeouts == 0
        )
        ok_all &= ok
        rows.append(
            [op, c.fmt(med, 2), c.fmt(b.paint[op].p(95) / a.paint[op].p(95), 2), c.fmt(rb / ra, 2),
             "PASS" if ok else "MISS"]
        )  # fmt: skip
    base_ratio = b.base.median / a.base.median
    rows.append(["baseline", c.fmt(base_ratio, 2), c.fmt(b.base.p(95) / a.base.p(95), 2), "-", ""])
    out.append(f"\nWith {delay_ms:.0f} ms per database round trip, (b), against (a):\n")
    out.append(c.table(header, rows))
    out.append(
        f"\nPASS per action: (b) median ≤ 1.5 x (a) median, (b) p95 < {delay_ms:.0f} ms "
        "(no database round trip can hide in it), no timeouts."
    )

    header = ["config", "action", "n", "median ms", "p95 ms", "max ms"]
    rows = []
    injected = True
    for cfg in configs:
        for op in OPS:
            s = cfg.confirm[op]
            rows.append(
                [cfg.label, op, f"{s.n}" + (f" ({s.timeouts} not seen)" if s.timeouts else ""),
                 c.fmt(s.median), c.fmt(s.p(95)), c.fmt(max(s.values, default=float("nan")))]
            )  # fmt: skip
            if cfg is b and not (s.values and min(s.values) >= delay_ms):
                injected = False
    out.append("\nServer-confirmed (dispatch → change visible in PostgreSQL), for context:\n")
    out.append(c.table(header, rows))
    out.append(
        f"\nLatency really injected in (b) (every confirmation ≥ {delay_ms:.0f} ms): "
        + ("yes" if injected else "NO")
    )
    out.append(f"\nRESULT: {'PASS' if ok_all else 'MISS'}")
    return "\n".join(out), ok_all


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--delay-ms", type=float, default=500.0)
    parser.add_argument("--settle-ms", type=float, default=80.0)
    args = parser.parse_args()
    if args.rounds + args.warmup + TOGGLE_SEEDS > PAGE_SIZE:
        parser.error(f"rounds + warmup must be at most {PAGE_SIZE - TOGGLE_SEEDS}")

    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    scratch = c.scratch_dir("bench-click-to-paint-")
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {c.loadavg()}", flush=True)
    proxy = LatencyProxy(("127.0.0.1", 5432), delay_s=0.0)
    proxy.start()
    configs: list[Config] = []
    poller: ConfirmPoller | None = None
    try:
        with c.pg_database("bench_ctp_a") as db_a, c.pg_database("bench_ctp_b") as db_b:
            a = Config("a", "(a) PostgreSQL direct", db_a, proxied=False)
            b = Config("b", f"(b) +{args.delay_ms:.0f} ms/round trip", db_b, proxied=True)
            configs = [a, b]
            for cfg in configs:
                port = proxy.port if cfg.proxied else 5432
                cfg.server = c.Server(
                    cfg.key,
                    scratch,
                    {"REFLEX_DB_URL": f"postgresql+psycopg://postgres@127.0.0.1:{port}/{cfg.db}"},
                )
            c.start_all([cfg.server for cfg in configs])
            for cfg in configs:
                seed(cfg, args.rounds + args.warmup)
            proxy.delay_s = args.delay_ms / 1000
            poller = ConfirmPoller(configs)
            poller.start()
            with c.sync_playwright_browser(sync_playwright) as browser:
                for cfg in configs:
                    t = time.monotonic()
                    cfg.page, cfg.errors = c.open_signed_in(
                        browser, cfg.server.url, cfg.token, cfg.toggle_seeds[-1][1], 120
                    )
                    print(f"page {cfg.label} ready in {time.monotonic() - t:.1f} s", flush=True)
                settle = args.settle_ms / 1000
                total = args.warmup + args.rounds
                for i in range(total):
                    record = i >= args.warmup
                    for cfg in configs if i % 2 == 0 else configs[::-1]:
                        # Delete seeds are used in order; warm-up rounds use the last ones.
                        idx = i - args.warmup if record else args.rounds + i
                        one_round(cfg, idx, poller, settle, record)
                    if (i + 1) % 10 == 0:
                        print(f"  round {i + 1}/{total}", flush=True)
                deadline = time.monotonic() + CONFIRM_TIMEOUT_S
                while poller.outstanding() and time.monotonic() < deadline:
                    time.sleep(0.2)
                poller.stopping.set()
                poller.join(5)
                page_errors = {cfg.key: list(cfg.errors) for cfg in configs}
    except BaseException:
        for cfg in configs:
            if cfg.server is not None:
                print(f"--- server {cfg.key} log tail ---\n{cfg.server.tail()}", file=sys.stderr)
        raise
    finally:
        if poller is not None:
            poller.stopping.set()
        for cfg in configs:
            if cfg.server is not None:
                cfg.server.stop()
        proxy.stop()
        c.remove_trees(scratch)

    text, _ok = report(configs, args.delay_ms)
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(
        f"\n## click_to_paint, {stamp}\nmachine: {c.machine()}; load average after: {c.loadavg()}"
    )
    print(f"rounds: {args.rounds} (+{args.warmup} warm-up), settle {args.settle_ms:.0f} ms")
    print(f"proxy: {proxy.connections} connections, {proxy.chunks_delayed} chunks delayed")
    print(text)
    if any(page_errors.values()):
        print(f"page errors: {page_errors}")
    raw = {
        cfg.key: {
            "baseline": cfg.base.values,
            "baseline_dom": cfg.base_dom.values,
            "cancel": cfg.cancel.values,
            "paint": {op: cfg.paint[op].values for op in OPS},
            "dom": {op: cfg.dom[op].values for op in OPS},
            "confirm": {op: cfg.confirm[op].values for op in OPS},
        }
        for cfg in configs
    }
    out = Path(scratch) / "click_to_paint.json"
    out.write_text(json.dumps(raw, indent=1))
    print(f"\nraw samples: {out}\ntotal time: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
