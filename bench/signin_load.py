"""A signed-in client's event round trip while sign-ins at bcrypt cost 12 keep the cores busy.

    python bench/signin_load.py [--concurrency 4] [--blocks 8] [--samples 40] [--load auto]

Target (issue): "While sign-ins at bcrypt cost 12 keep both cores busy, another signed-in
client's event round trip p99 stays within 2x of its idle p99."

One production server (``./run.sh``, SQLite in a scratch data folder, TODO_BCRYPT_ROUNDS=12).
Probe: a signed-in Chromium page repeats the no-op-ish Reflex round trip of click_to_paint.py:
click "Edit <title>" until the "Edit title" input is attached (TaskState.start_edit, no database
work), then Escape until the row is back; both are timed in the page (performance.now(), from
the JS dispatch to the DOM change seen by a MutationObserver).
Load: ``--concurrency`` clients each signing in again and again with the right password (so the
throttle, which counts failures, never cuts the bcrypt work short), each waiting for its answer
before the next attempt. Through ``POST /api/auth/sign-in`` when the REST API is mounted,
otherwise through the websocket exactly as the /login form does (``SignInState.sign_in``);
``--load api|ws`` forces one.
Idle and loaded blocks alternate (idle, load, load, idle, idle, ...), so both conditions share
the same minutes of a shared, noisy machine; CPU use is sampled per block (/proc/stat via psutil
for the machine, the server's process tree for the server).

Prints tables (Markdown) and PASS/MISS; exits non-zero only when something crashed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import _common as c
import psutil

PASSWORD = "bench password 1234"  # noqa: S105
PROBE_TITLE = "probe task"
SIGN_IN_TIMEOUT_S = 60


@dataclass
class SignInStats:
    latencies: list[float] = field(default_factory=list)  # ms, successful attempts
    failures: int = 0


class SignInLoad:
    """``concurrency`` closed-loop sign-in clients, started and stopped per block."""

    def __init__(self, url: str, mode: str, users: list[str], concurrency: int) -> None:
        self.url = url
        self.mode = mode
        self.users = users
        self.concurrency = concurrency
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        self.stats = SignInStats()
        self.clients: list[object] = []
        for _ in range(concurrency):
            if mode == "api":
                import httpx

                self.clients.append(httpx.Client(base_url=url, timeout=SIGN_IN_TIMEOUT_S))
            else:
                from _reflex_ws import ReflexClient

                self.clients.append(ReflexClient(url))
        self.event_name = ""
        if mode == "ws":
            from todo_app.auth.forms import SignInState

            self.event_name = f"{SignInState.get_full_name()}.sign_in"

    def sign_in(self, client: object, email: str) -> bool:
        if self.mode == "api":
            resp = client.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
            return resp.status_code == 200
        from _reflex_ws import delta_values, has_event

        client.send(
            self.event_name, {"form_data": {"email": email, "password": PASSWORD}}, "/login"
        )
        update = client.wait_for(
            lambda u: has_event(u, "_redirect") or any(delta_values(u, "form_error")),
            SIGN_IN_TIMEOUT_S,
        )
        return update is not None and has_event(update, "_redirect")

    def _worker(self, i: int) -> None:
        client, email = self.clients[i], self.users[i % len(self.users)]
        while not self.stopping.is_set():
            t0 = time.perf_counter()
            try:
                ok = self.sign_in(client, email)
            except Exception:
                ok = False
            ms = (time.perf_counter() - t0) * 1000
            with self.lock:
                if ok:
                    self.stats.latencies.append(ms)
                else:
                    self.stats.failures += 1
            if not ok:
                time.sleep(0.2)

    def start(self) -> None:
        self.stopping.clear()
        self.threads = [
            threading.Thread(target=self._worker, args=(i,), daemon=True)
            for i in range(self.concurrency)
        ]
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(SIGN_IN_TIMEOUT_S)

    def take(self) -> SignInStats:
        with self.lock:
            stats, self.stats = self.stats, SignInStats()
        return stats

    def close(self) -> None:
        for client in self.clients:
            try:
                client.close()
            except Exception as exc:  # closing at the end; nothing to do about it
                print(f"closing a load client: {exc}", file=sys.stderr)


class CpuMeter:
    """Machine CPU busy % (all cores = 100) and the server tree's CPU in cores, per block."""

    def __init__(self, server: c.Server) -> None:
        self.procs = [psutil.Process(pid) for pid in server.pids()]

    def snapshot(self) -> tuple[float, float, float, float]:
        t = psutil.cpu_times()
        total = sum(t)
        idle = t.idle + getattr(t, "iowait", 0.0)
        proc = 0.0
        for p in self.procs:
            try:
                ct = p.cpu_times()
                proc += ct.user + ct.system
            except psutil.Error:
                pass
        return time.monotonic(), total, idle, proc

    @staticmethod
    def between(a, b) -> tuple[float, float]:
        wall, total, idle = b[0] - a[0], b[1] - a[1], b[2] - a[2]
        busy = 100 * (total - idle) / total if total > 0 else float("nan")
        return busy, (b[3] - a[3]) / wall if wall > 0 else float("nan")


@dataclass
class Condition:
    name: str
    edit: c.Samples = field(default_factory=c.Samples)
    cancel: c.Samples = field(default_factory=c.Samples)
    edit_paint: c.Samples = field(default_factory=c.Samples)
    busy: list[float] = field(default_factory=list)
    server_cores: list[float] = field(default_factory=list)
    seconds: float = 0.0
    sign_ins: SignInStats = field(default_factory=SignInStats)


def detect_mode(url: str, email: str) -> str:
    import httpx

    try:
        resp = httpx.post(
            f"{url}/api/auth/sign-in", json={"email": email, "password": PASSWORD}, timeout=30
        )
    except httpx.HTTPError:
        return "ws"
    return "api" if resp.status_code == 200 and "token" in resp.text else "ws"


def report(conds: dict[str, Condition], args, mode: str) -> tuple[str, bool]:
    idle, load = conds["idle"], conds["load"]
    out = ["Probe round trips (JS dispatch → DOM change), ms:\n"]
    header = ["condition", "round trip", "n", "p50", "p95", "p99", "max"]
    rows = []
    for label, attr in (("Edit → input", "edit"), ("Escape → row back", "cancel")):
        for cond in (idle, load):
            s: c.Samples = getattr(cond, attr)
            mx = max(s.values) if s.values else float("nan")
            n = f"{s.n}" + (f" ({s.timeouts} timed out)" if s.timeouts else "")
            rows.append([cond.name, label, n, c.fmt(s.p(50)), c.fmt(s.p(95)), c.fmt(s.p(99)),
                         c.fmt(mx)])  # fmt: skip
    out.append(c.table(header, rows))

    out.append("\nWhat the load did (per condition, over its blocks):\n")
    header = ["condition", "machine CPU busy %", "server CPU (cores)", "sign-ins/s",
              "sign-in p50 ms", "sign-in p99 ms", "failed"]  # fmt: skip
    rows = []
    for cond in (idle, load):
        si = cond.sign_ins
        rate = len(si.latencies) / cond.seconds if cond.seconds else 0.0
        rows.append(
            [
                cond.name,
                f"{c.fmt(c.percentile(cond.busy, 50), 0)} (min {c.fmt(min(cond.busy), 0)})",
                c.fmt(c.percentile(cond.server_cores, 50), 2),
                c.fmt(rate, 2),
                c.fmt(c.percentile(si.latencies, 50), 0),
                c.fmt(c.percentile(si.latencies, 99), 0),
                str(si.failures),
            ]
        )
    out.append(c.table(header, rows))

    ratio = load.edit.p(99) / idle.edit.p(99)
    ratio_cancel = load.cancel.p(99) / idle.cancel.p(99)
    ratio_p50 = load.edit.p(50) / idle.edit.p(50)
    ok = ratio <= 2.0 and load.edit.timeouts == 0
    out.append(
        f"\np99(load)/p99(idle), Edit → input: {ratio:.2f} "
        f"(Escape → row back: {ratio_cancel:.2f}; p50 ratio: {ratio_p50:.2f}; "
        f"next-frame p99 ratio: {load.edit_paint.p(99) / idle.edit_paint.p(99):.2f})"
    )
    out.append(f"Target ≤ 2.00: {'PASS' if ok else 'MISS'}")
    out.append(f"\nRESULT: {'PASS' if ok else 'MISS'}")
    return "\n".join(out), ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=4, help="sign-ins in flight")
    parser.add_argument("--blocks", type=int, default=8, help="idle/load block pairs")
    parser.add_argument("--samples", type=int, default=40, help="probe samples per block")
    parser.add_argument("--bcrypt-rounds", type=int, default=12)
    parser.add_argument("--load", choices=("auto", "api", "ws"), default="auto")
    parser.add_argument("--ramp-s", type=float, default=1.5, help="load running before sampling")
    parser.add_argument("--gap-ms", type=float, default=30.0, help="pause between probe samples")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    scratch = c.scratch_dir("bench-signin-load-")
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {c.loadavg()}", flush=True)
    server = c.Server("signin", scratch, {"TODO_BCRYPT_ROUNDS": str(args.bcrypt_rounds)})
    conds = {"idle": Condition("idle"), "load": Condition(f"{args.concurrency} sign-ins")}
    load: SignInLoad | None = None
    mode = args.load
    try:
        c.start_all([server])
        users = [f"load-{i}@example.com" for i in range(args.concurrency)]
        with c.app_env(
            TODO_DATA_DIR=str(server.data_dir), TODO_BCRYPT_ROUNDS=str(args.bcrypt_rounds)
        ):
            from todo_app.auth import service as auth_service
            from todo_app.tasks import writes

            probe = auth_service.sign_up("probe@example.com", PASSWORD, "Probe")
            for title in ("another task", PROBE_TITLE):
                writes.create_task(probe.user.id, title)
            for email in users:  # at the server's cost, so no sign-in has to rehash
                auth_service.sign_up(email, PASSWORD, "Load")
            if mode == "auto":
                mode = detect_mode(server.url, users[0])
            print(f"load through: {'POST /api/auth/sign-in' if mode == 'api' else 'websocket'}")
            load = SignInLoad(server.url, mode, users, args.concurrency)
        meter = CpuMeter(server)
        with c.sync_playwright_browser(sync_playwright) as browser:
            page, page_errors = c.open_signed_in(browser, server.url, probe.token, PROBE_TITLE, 60)
            for _ in range(10):  # warm-up
                c.measure(page, "edit", PROBE_TITLE)
                c.measure(page, "cancel", PROBE_TITLE)
            for blk in range(args.blocks * 2):
                # idle, load, load, idle, idle, load, ...: each condition gets both positions.
                loaded = (blk % 4) in (1, 2)
                cond = conds["load"] if loaded else conds["idle"]
                if loaded:
                    load.start()
                    time.sleep(args.ramp_s)
                load.take()
                before = meter.snapshot()
                for _ in range(args.samples):
                    r = c.measure(page, "edit", PROBE_TITLE)
                    cond.edit.add(r["dom"])
                    cond.edit_paint.add(r["paint"])
                    r = c.measure(page, "cancel", PROBE_TITLE)
                    cond.cancel.add(r["dom"])
                    time.sleep(args.gap_ms / 1000)
                after = meter.snapshot()
                stats = load.take()
                cond.sign_ins.latencies += stats.latencies
                cond.sign_ins.failures += stats.failures
                busy, cores = meter.between(before, after)
                cond.busy.append(busy)
                cond.server_cores.append(cores)
                cond.seconds += after[0] - before[0]
                if loaded:
                    load.stop()
                    time.sleep(1.0)  # let the last answers drain
                print(
                    f"  block {blk + 1}/{args.blocks * 2} {cond.name}: "
                    f"p50 {c.fmt(cond.edit.p(50))} ms, CPU {busy:.0f}%, server {cores:.2f} cores",
                    flush=True,
                )
    except BaseException:
        print(f"--- server log tail ---\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        if load is not None:
            load.stopping.set()
            load.close()
        server.stop()
        c.remove_trees(scratch)

    text, _ok = report(conds, args, mode)
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"\n## signin_load, {stamp}\nmachine: {c.machine()}; load average after: {c.loadavg()}")
    print(
        f"bcrypt cost {args.bcrypt_rounds}; load: {args.concurrency} concurrent sign-ins through "
        f"{'POST /api/auth/sign-in' if mode == 'api' else 'the websocket (SignInState.sign_in)'}; "
        f"{args.blocks} idle and {args.blocks} loaded blocks of {args.samples} probe samples"
    )
    print(text)
    if page_errors:
        print(f"page errors: {page_errors}")
    raw = {
        name: {
            "edit": cond.edit.values,
            "edit_paint": cond.edit_paint.values,
            "cancel": cond.cancel.values,
            "busy": cond.busy,
            "server_cores": cond.server_cores,
            "sign_in_ms": cond.sign_ins.latencies,
        }
        for name, cond in conds.items()
    }
    out = Path(scratch) / "signin_load.json"
    out.write_text(json.dumps(raw, indent=1))
    print(f"\nraw samples: {out}\ntotal time: {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
