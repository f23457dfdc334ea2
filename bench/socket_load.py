"""Socket clients toggling their own tasks through the change engine, as pages do.

    python bench/socket_load.py [--seconds 20] [--noop-seconds 15] [--configs 1w,2w]
                                [--scenarios 200x1,100x2,20x10] [--profile 1w-200x1]
    python bench/socket_load.py --configs 1w --scenarios 20x10,20x10s   # issue 18: shared

For each configuration and scenario, a fresh production server (``./run.sh``: migrations,
then ``reflex run --env prod``) on fresh data:
  1w: one backend worker, SQLite in a scratch data folder, memory state manager (the default);
  2w: two granian workers (TODO_WORKERS=2), state in Redis (REFLEX_REDIS_URL) and a fresh
      PostgreSQL database (REFLEX_DB_URL=postgresql+psycopg://...);
  1wr: the same stores as 2w with one worker (TODO_WORKERS=1), to see what a second adds.
Scenarios are "U x T": U users, each with T tabs (socket clients), each tab with a task of its
own. Users sign up through ``POST /api/auth/sign-up`` and create their tasks through
``POST /api/tasks``. "G x N s" (e.g. ``20x10s``): G shared lists, each made by its first user
(``POST /api/lists``) with the N-1 others invited as editors
(``POST /api/lists/{id}/invitations``) and accepted (``POST /api/invitations/{id}/accept``),
each of the N users with ONE tab, whose task (``POST /api/tasks`` with the list's id) is in
the shared list. A "group" is the tabs one change must reach live: one user's tabs (U x T),
one shared list's members' tabs (G x N s); ``UxT`` and ``UxTs`` have as many tabs and
groups of the same size, so ``--scenarios 20x10,20x10s`` compares a change in a shared list
with 10 members' tabs open to one in a private list with 10 tabs of one user (issue 18: the
shared one should cost the server at most about as much).
Each tab then connects as the page does (the hydrate in the socket.io CONNECT auth, carrying
the user's ``todo_token`` localStorage value, see ``_reflex_ws.py``), and is ready once the
page's on_load (AuthState.require_login, TaskState.load_tasks) has sent its rows and
``is_hydrated``.

Two phases on the same server and the same connected tabs, every tab sending once a second
(``--rate R``: R times a second, for the capacity curve)
(tabs evenly spread over the second):
  no-op:  SignInState.toggle_password (flips one bool; no database; a one-var delta);
  toggle: TaskState.send(uid, [one "set" mutation of the tab's own task, completed
          alternating]), made as the browser's engine makes it: base_version = the version the
          tab was last told, after = the tab's newest unconfirmed mutation (or null).
Measured per event, in the client, from just before the emit:
  no-op latency:  until the update carrying show_password;
  first delta:    until the first update carrying this mid in its new ``changes`` (any
                  status). A tab's events run one after another, so "the first update after
                  the emit" may answer an earlier event: the mid is what ties an answer to it;
  confirmation:   until the update whose new ``changes`` hold this mid as "applied"
                  (TaskState.send emits nothing before its write commits, so the two coincide);
  live delta:     until each of the other tabs of its group gets the mid in its ``remote``
                  entries (sent straight to the socket by tasks/live.py); a tab of another
                  group getting it is a cross-group leak (counted; any fails the run).
Server CPU: the server's process tree (psutil), per event, idle rate subtracted; this run's
PostgreSQL backends and the Redis server (all of it: it is shared) are reported apart.
Lost changes: every task read back through ``GET /api/tasks`` (a shared list's by its owner,
``?list_id=``) must have the last ``completed`` sent and version 1 + the number sent (read
again while it still changes).
Targets: first-delta p99 <= 2 x no-op p99; confirmation p99 <= 100 ms; server CPU per change
<= 2 x per no-op; 0 lost; shared (G x N s) at most about (<= 1.2 x) the private U x T of the
same sizes in server CPU per change and live-delta p99 (both in the run: reported side by
side with the ratios). Prints Markdown tables; exits 1 when a phase got no samples (the
no-op is measured from the delta of the state whose handler it sends) or a change leaked to
another group, non-zero when something crashed.

Needs aiohttp for python-socketio's AsyncClient (pinned in requirements-dev.txt).
``--profile KEY`` also needs py-spy (pinned there too).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

if os.environ.get("BENCH_PYDEPS"):
    sys.path.append(os.environ["BENCH_PYDEPS"])

import _common as c
import psutil
from _reflex_ws import AsyncTab, state_names, var

PASSWORD = "bench password 1234"  # noqa: S105
PERIOD_S = 1.0
SHARED_TARGET = 1.2  # shared / private "about the same" (as bench/shared_bench.py's TARGET)
CONNECT_CONCURRENCY = 10
HYDRATE_TIMEOUT_S = 120
DRAIN_TIMEOUT_S = 90  # after the last send: every answer, however late (bounded)
LIVE_DRAIN_S = 15  # then the other tabs' live deltas
STORED_SETTLE_S = 60  # then the database, read back until it holds what was sent...
STORED_STABLE_S = 15  # ...or until neither it nor the answers moved for this long
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# The scaled configurations (PostgreSQL + Redis) and their worker counts: "1wr" against "2w"
# shows what a second worker adds on the same stores.
SCALED = {"1wr": 1, "2w": 2}
SERVER_ENV = {
    # Sign-ups are set-up here, not what is measured: cheap hashes, no per-address limit.
    "TODO_BCRYPT_ROUNDS": "4",
    "TODO_SIGN_UPS_PER_HOUR": "1000000",
}


# --- what is recorded ---------------------------------------------------------------------


@dataclass
class Sent:
    tab: Tab
    mid: str
    completed: bool
    t_send: float = 0.0
    first: float | None = None  # ms
    confirm: float | None = None  # ms
    status: str = ""
    reason: str = ""
    live: list[float] = field(default_factory=list)  # ms, one per other tab of the group


@dataclass
class User:
    email: str
    id: str = ""
    token: str = ""
    tabs: list[Tab] = field(default_factory=list)


@dataclass
class Tab:
    user: User
    task_id: str
    version: int  # the confirmed version this tab was last told
    completed: bool  # the last value sent (or loaded)
    sock: AsyncTab | None = None
    last_seq: int = 0
    epoch: str = ""  # the load the live entries (``remote``) are numbered for
    remote_seq: int = 0
    rows_loaded: bool = False
    resyncing: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    pending: dict[str, Sent] = field(default_factory=dict)  # unconfirmed, oldest first
    noop_waiting: collections.deque = field(default_factory=collections.deque)
    sent: list[Sent] = field(default_factory=list)
    group: Group | None = field(default=None, repr=False)


@dataclass
class Group:
    """The tabs a change of one of them must reach live: one user's, or a shared list's."""

    reader: User  # who reads its tasks back: the user, or the shared list's owner
    list_id: str = ""  # the shared list ("": the user's own tasks)
    tabs: list[Tab] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class Scenario:
    """``20x10``: 20 users x 10 tabs; ``20x10s``: 20 shared lists x 10 members, 1 tab each."""

    groups: int
    size: int  # tabs per group
    shared: bool = False

    @classmethod
    def parse(cls, text: str) -> Scenario:
        match = re.fullmatch(r"(\d+)x(\d+)(s?)", text.strip())
        if not match:
            raise SystemExit(f"bad scenario {text!r}: UxT (private) or GxNs (shared lists)")
        return cls(int(match[1]), int(match[2]), bool(match[3]))

    def __str__(self) -> str:
        return f"{self.groups}x{self.size}{'s' if self.shared else ''}"

    @property
    def label(self) -> str:
        if self.shared:
            return f"{self.groups} lists x {self.size} members"
        return f"{self.groups} users x {self.size} tabs"


@dataclass
class Phase:
    name: str
    latencies: c.Samples = field(default_factory=c.Samples)  # no-op latency or first delta
    confirm: c.Samples = field(default_factory=c.Samples)
    live: c.Samples = field(default_factory=c.Samples)
    events: int = 0
    wall_s: float = 0.0
    server_cpu_s: float = 0.0
    services_cpu_s: float = 0.0
    client_cpu_s: float = 0.0
    lag: c.Samples = field(default_factory=c.Samples)  # the load generator's loop lag, ms
    drain_s: float = 0.0  # from the last send until every answer was in
    seconds: int = 0  # of sending


@dataclass
class Result:
    config: str
    scenario: Scenario
    noop: Phase
    toggle: Phase
    idle_server_cores: float = 0.0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    unanswered: int = 0
    unanswered_tabs: int = 0
    lost: int = 0
    mismatched_tasks: int = 0
    stored_late: int = 0  # tasks right only when read again after the drain
    gaps: int = 0
    skipped: int = 0
    leaks: int = 0  # live entries of a change received by a tab of another group
    server_errors: int = 0
    hydrate_s: float = 0.0
    profile: str = ""

    @property
    def key(self) -> str:
        return f"{self.config}-{self.scenario}"


# --- the load -----------------------------------------------------------------------------


class Load:
    """One scenario's tabs: what they send and what they are told."""

    def __init__(self, url: str, groups: list[Group]) -> None:
        self.url = url
        self.groups = groups
        self.names = state_names()
        self.by_mid: dict[str, Sent] = {}
        self.phase: Phase | None = None
        self.gaps = 0
        self.skipped = 0  # change entries a tab never saw because of a gap
        self.leaks = 0  # a change's live entry received by a tab of another group
        self.resyncs: set[asyncio.Task] = set()

    def _resync(self, tab: Tab) -> None:
        if tab.resyncing:
            return
        tab.resyncing = True
        task = asyncio.get_running_loop().create_task(
            tab.sock.emit(f"{self.names['tasks']}.resync", {})
        )
        self.resyncs.add(task)
        task.add_done_callback(self.resyncs.discard)

    @property
    def tabs(self) -> list[Tab]:
        return [t for g in self.groups for t in g.tabs]

    # called by python-socketio for every update, with the receive time
    def on_update(self, sock: AsyncTab, update: dict, t_recv: float) -> None:
        tab: Tab = sock.owner  # type: ignore[attr-defined]
        delta = update.get("delta") or {}
        tasks = delta.get(self.names["tasks"])
        if tasks:
            rows = var(tasks, "rows")
            if rows is not None:
                tab.last_seq = var(tasks, "rows_seq", tab.last_seq)
                epoch = var(tasks, "epoch", tab.epoch)
                if epoch != tab.epoch:
                    tab.epoch, tab.remote_seq = epoch, 0
                for row in rows:
                    if row["id"] == tab.task_id:
                        tab.version = row["version"]
                tab.rows_loaded = True
                tab.resyncing = False
            changes = var(tasks, "changes")
            if changes:
                fresh = sorted((e for e in changes if e["seq"] > tab.last_seq),
                               key=lambda e: e["seq"])  # fmt: skip
                if fresh:
                    if fresh[0]["seq"] != tab.last_seq + 1:
                        # More changes came at once than the state keeps: as the page's
                        # engine does, ask for the whole list (TaskState.resync).
                        self.gaps += 1
                        self.skipped += fresh[0]["seq"] - tab.last_seq - 1
                        self._resync(tab)
                    tab.last_seq = fresh[-1]["seq"]
                for entry in fresh:
                    sent = tab.pending.pop(entry["mid"], None)
                    if sent is not None:
                        sent.status, sent.reason = entry["status"], entry.get("reason", "")
                        sent.first = (t_recv - sent.t_send) * 1000
                        if entry["status"] == "applied":
                            sent.confirm = sent.first
                        for row in entry.get("rows") or []:
                            if row["id"] == tab.task_id:
                                tab.version = row["version"]
                        continue
            # Changes made elsewhere: sent straight to the socket (tasks/live.py), numbered
            # per load, the last few re-sent each time; applied once each, as the page does.
            remote = var(tasks, "remote")
            if remote and remote.get("epoch") == tab.epoch:
                fresh = sorted((e for e in remote["changes"] if e["seq"] > tab.remote_seq),
                               key=lambda e: e["seq"])  # fmt: skip
                if fresh and fresh[0]["seq"] != tab.remote_seq + 1:
                    self.gaps += 1
                    self.skipped += fresh[0]["seq"] - tab.remote_seq - 1
                    self._resync(tab)
                for entry in fresh:
                    tab.remote_seq = entry["seq"]
                    origin = self.by_mid.get(entry.get("mid", ""))
                    if origin is None or origin.tab is tab:
                        continue
                    if origin.tab.group is tab.group:
                        origin.live.append((t_recv - origin.t_send) * 1000)
                    else:
                        self.leaks += 1
        noop = delta.get(self.names["noop_state"])  # the state of the handler sent
        if noop and "show_password_rx_state_" in noop and tab.noop_waiting:
            t_send = tab.noop_waiting.popleft()
            if self.phase is not None:
                self.phase.latencies.add((t_recv - t_send) * 1000)
        root = delta.get(self.names["root"])
        if root and root.get("is_hydrated_rx_state_") is True and tab.rows_loaded:
            tab.ready.set()

    async def connect_all(self) -> float:
        began = time.monotonic()
        gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

        async def one(tab: Tab) -> None:
            async with gate:
                storage = {self.names["token_var"]: tab.user.token}
                tab.sock = AsyncTab(self.url, self.names, storage, self.on_update)
                tab.sock.owner = tab  # type: ignore[attr-defined]
                await tab.sock.connect()
                await asyncio.wait_for(tab.ready.wait(), HYDRATE_TIMEOUT_S)

        await asyncio.gather(*(one(t) for t in self.tabs))
        return time.monotonic() - began

    async def close_all(self) -> None:
        async def one(tab: Tab) -> None:
            if tab.sock is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(tab.sock.close(), 5)

        await asyncio.gather(*(one(t) for t in self.tabs))

    # --- senders ---

    async def _noop(self, tab: Tab, start: float, n: int, offset: float) -> None:
        for k in range(n):
            await _sleep_until(start + offset + k * PERIOD_S)
            tab.noop_waiting.append(time.perf_counter())
            await tab.sock.emit(self.names["noop"], {})

    async def _toggle(self, tab: Tab, start: float, n: int, offset: float) -> None:
        for k in range(n):
            await _sleep_until(start + offset + k * PERIOD_S)
            completed = not tab.completed
            earlier = next(reversed(tab.pending), None)  # as engine.mutate: outbox.lastFor
            mid = str(uuid.uuid4())
            mutation = {"mid": mid, "kind": "set", "task_id": tab.task_id,
                        "fields": {"completed": completed}, "base_version": tab.version,
                        "after": earlier, "of": None}  # fmt: skip
            sent = Sent(tab, mid, completed)
            tab.pending[mid] = sent
            tab.sent.append(sent)
            tab.completed = completed
            self.by_mid[mid] = sent
            sent.t_send = time.perf_counter()
            await tab.sock.emit(self.names["send"], {"uid": tab.user.id, "batch": [mutation]})

    def _missing_live(self) -> int:
        return sum(len(t.group.tabs) - 1 - len(s.live) for t in self.tabs for s in t.sent)

    def _outstanding(self, kind: str) -> int:
        if kind == "noop":
            return sum(len(t.noop_waiting) for t in self.tabs)
        return sum(len(t.pending) for t in self.tabs)

    async def run_phase(self, kind: str, seconds: int, meter: CpuMeter) -> Phase:
        phase = Phase(kind)
        self.phase = phase
        tabs = self.tabs
        sender = self._noop if kind == "noop" else self._toggle
        lag_stop = asyncio.Event()
        lag_task = asyncio.create_task(_loop_lag(phase.lag, lag_stop))
        before = meter.snapshot()
        start = time.perf_counter() + 0.2
        sends = max(1, round(seconds / PERIOD_S))  # per tab, PERIOD_S apart
        await asyncio.gather(
            *(sender(t, start, sends, i * PERIOD_S / len(tabs)) for i, t in enumerate(tabs))
        )
        sent_all = time.monotonic()
        deadline = sent_all + DRAIN_TIMEOUT_S
        while self._outstanding(kind) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        phase.drain_s = time.monotonic() - sent_all
        deadline = time.monotonic() + LIVE_DRAIN_S
        while kind == "toggle" and self._missing_live() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # the last live deltas and their CPU
        after = meter.snapshot()
        lag_stop.set()
        await lag_task
        phase.events = sends * len(tabs)
        phase.seconds = seconds
        phase.wall_s = after.wall - before.wall
        phase.server_cpu_s = after.server - before.server
        phase.services_cpu_s = after.services - before.services
        phase.client_cpu_s = after.client - before.client
        if kind == "toggle":
            for t in tabs:
                for s in t.sent:
                    phase.latencies.add(s.first)
                    phase.confirm.add(s.confirm)
                    for ms in s.live:
                        phase.live.add(ms)
                    # A live delta that never came shows as missing ones.
                    phase.live.timeouts += len(t.group.tabs) - 1 - len(s.live)
        else:
            phase.latencies.timeouts += self._outstanding("noop")
        self.phase = None
        return phase


async def _sleep_until(t: float) -> None:
    delay = t - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)


async def _loop_lag(samples: c.Samples, stop: asyncio.Event) -> None:
    """How late the load generator's own loop wakes up (it shares the machine)."""
    while not stop.is_set():
        t = time.perf_counter()
        await asyncio.sleep(0.05)
        samples.add((time.perf_counter() - t - 0.05) * 1000)


# --- CPU ----------------------------------------------------------------------------------


@dataclass
class CpuSnapshot:
    wall: float
    server: float
    services: float
    client: float


class CpuMeter:
    """CPU seconds of the server's process tree, of PostgreSQL + Redis, and of this process.

    Processes are listed again at every snapshot and counted per pid, so PostgreSQL backends
    forked for new connections during a phase count in full (and ended ones are lost).
    """

    def __init__(self, server: c.Server, pg_database: str = "", redis: bool = False) -> None:
        self.server = server
        self.me = psutil.Process()
        self.base: dict[int, float] = {}
        # Only this run's PostgreSQL backends ("postgres: postgres <db> 127.0.0.1(...)"); the
        # machine's other users have theirs. Redis cannot be told apart: all of it counts.
        self.pg_database = pg_database
        self.redis = redis

    @staticmethod
    def _cpu(proc: psutil.Process) -> float:
        with contextlib.suppress(psutil.Error):
            t = proc.cpu_times()
            return t.user + t.system
        return 0.0

    def _ours(self, proc: psutil.Process) -> bool:
        name = proc.info["name"] or ""
        if self.redis and name.startswith("redis-server"):
            return True
        if not self.pg_database or not name.startswith("postgres"):
            return False
        with contextlib.suppress(psutil.Error):
            return f" {self.pg_database} " in " ".join(proc.cmdline()) + " "
        return False

    def _services(self) -> dict[int, float]:
        return {p.pid: self._cpu(p) for p in psutil.process_iter(["name"]) if self._ours(p)}

    def snapshot(self) -> CpuSnapshot:
        server = sum(self._cpu(psutil.Process(pid)) for pid in self.server.pids())
        t = self.me.cpu_times()
        services = self._services()
        # Cumulative per pid: a process first seen now counts from its start.
        for pid, cpu in services.items():
            self.base[pid] = max(self.base.get(pid, 0.0), cpu)
        return CpuSnapshot(time.perf_counter(), server, sum(self.base.values()),
                           t.user + t.system)  # fmt: skip


# --- set-up and check through the REST API ------------------------------------------------


async def make_groups(url: str, key: str, scenario: Scenario) -> list[Group]:
    """The users, their tasks (one a tab) and, for shared lists, the lists and memberships."""
    import httpx

    n_users = scenario.groups * (scenario.size if scenario.shared else 1)
    per_user = 1 if scenario.shared else scenario.size
    users = [User(f"load-{key}-{i:03d}-{uuid.uuid4().hex[:6]}@example.com") for i in range(n_users)]
    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def call(user: User | None, path: str, body: dict | None = None) -> dict:
            auth = {"Authorization": f"Bearer {user.token}"} if user else {}
            async with gate:
                resp = await http.post(path, json=body, headers=auth)
            resp.raise_for_status()
            return resp.json()

        async def sign_up(i: int, user: User) -> None:
            body = {"email": user.email, "password": PASSWORD, "name": f"Load {i}"}
            answer = await call(None, "/api/auth/sign-up", body)
            user.id, user.token = answer["user"]["id"], answer["token"]

        async def share(k: int, group: Group, members: list[User]) -> None:
            owner = group.reader
            group.list_id = (await call(owner, "/api/lists", {"name": f"shared {k}"}))["id"]
            for member in members:
                body = {"email": member.email, "role": "editor"}
                invitation = await call(owner, f"/api/lists/{group.list_id}/invitations", body)
                await call(member, f"/api/invitations/{invitation['id']}/accept")

        async def add_tasks(user: User, group: Group) -> None:
            for j in range(per_user):
                body = {"title": f"{user.email} tab {j}"}
                if group.list_id:
                    body["list_id"] = group.list_id
                task = await call(user, "/api/tasks", body)
                tab = Tab(user, task["id"], task["version"], task["completed"], group=group)
                user.tabs.append(tab)
                group.tabs.append(tab)

        await asyncio.gather(*(sign_up(i, u) for i, u in enumerate(users)))
        if scenario.shared:
            size = scenario.size
            teams = [users[k * size : (k + 1) * size] for k in range(scenario.groups)]
            groups = [Group(team[0]) for team in teams]
            pairs = list(zip(groups, teams, strict=True))
            await asyncio.gather(*(share(k, g, team[1:]) for k, (g, team) in enumerate(pairs)))
            await asyncio.gather(*(add_tasks(u, g) for g, team in pairs for u in team))
        else:
            groups = [Group(u) for u in users]
            await asyncio.gather(*(add_tasks(g.reader, g) for g in groups))
    return groups


async def check_stored(url: str, groups: list[Group], result: Result) -> None:
    """Compare every task as stored with what its tab sent (read again while it still moves)."""
    import httpx

    gate = asyncio.Semaphore(4)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def read(group: Group) -> dict[str, tuple[int, bool]]:
            # A shared list's tasks, all of them, as its owner sees them.
            params = {"limit": 100, **({"list_id": group.list_id} if group.list_id else {})}
            async with gate:
                resp = await http.get(
                    "/api/tasks", params=params,
                    headers={"Authorization": f"Bearer {group.reader.token}"},
                )  # fmt: skip
                resp.raise_for_status()
                return {t["id"]: (t["version"], t["completed"]) for t in resp.json()["items"]}

        def answered() -> int:
            return sum(1 for g in groups for t in g.tabs for s in t.sent if s.status)

        began = time.monotonic()
        last: dict[str, tuple[int, bool]] = {}
        last_answered = answered()
        last_change = began
        first_wrong = None
        while True:
            stored: dict[str, tuple[int, bool]] = {}
            for part in await asyncio.gather(*(read(g) for g in groups)):
                stored.update(part)
            wrong = [
                t for g in groups for t in g.tabs
                if stored.get(t.task_id) != (1 + len(t.sent), t.completed)
            ]  # fmt: skip
            if first_wrong is None:
                first_wrong = len(wrong)
            now = time.monotonic()
            if stored != last or answered() != last_answered:
                last, last_answered, last_change = stored, answered(), now
            if not wrong or now - last_change > STORED_STABLE_S or now - began > STORED_SETTLE_S:
                break
            await asyncio.sleep(2)
    result.stored_late = first_wrong - len(wrong)
    for tab in wrong:
        version, completed = stored.get(tab.task_id, (0, not tab.completed))
        short = max(0, 1 + len(tab.sent) - version)
        result.lost += short or int(completed != tab.completed)
        result.mismatched_tasks += 1
    for tab in (t for g in groups for t in g.tabs):
        for s in tab.sent:
            if s.status:
                result.statuses[f"{s.status}{'/' + s.reason if s.reason else ''}"] += 1
            else:
                result.unanswered += 1
        result.unanswered_tabs += any(not s.status for s in tab.sent)


# --- one scenario -------------------------------------------------------------------------


def _idle_cores(meter: CpuMeter, seconds: float) -> float:
    a = meter.snapshot()
    time.sleep(seconds)
    b = meter.snapshot()
    return (b.server - a.server) / (b.wall - a.wall)


def _profile_start(py_spy: str, server: c.Server, seconds: int, out: Path):
    return subprocess.Popen(
        [py_spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--nonblocking",
         "--rate", "67", "--duration", str(seconds), "--format", "raw", "--output", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip


# Where a sample's stack passes (substring of any frame), for the profile summary.
PROFILE_PARTS = [
    ("event loop waiting (epoll)", "leaf:EpollSelector.select (selectors.py"),
    ("thread-pool workers waiting for work", "leaf:_worker (concurrent/futures/thread.py"),
    ("TaskState.send (the handler)", "TaskState.send (todo_app/tasks/state.py"),
    ("session check: auth.service.authenticate", "authenticate (todo_app/auth/service.py"),
    ("mutations.apply (claim + write + commit)", "apply (todo_app/tasks/mutations.py"),
    ("writes.write_in (the versioned UPDATE)", "write_in (todo_app/tasks/writes.py"),
    ("live.changed (viewer lookup, scheduling)", "changed (todo_app/tasks/live.py"),
    ("live._send (straight to each page's socket)", "_send (todo_app/tasks/live.py"),
    ("SQLAlchemy, anywhere", "(sqlalchemy/"),
    ("DB driver: cursor execute", "do_execute (sqlalchemy/engine/default.py"),
    ("SQLAlchemy commit", "Session.commit (sqlalchemy/orm/session.py"),
    ("Redis client", "(redis/"),
    ("pickle (Redis state)", "pickle"),
    ("Reflex event processor", "(reflex_base/event/processor/"),
    ("Reflex delta: get_delta / _resolve_delta", "delta ("),
    ("socket.io / engine.io", "(socketio/"),
    ("json", "(json/"),
    ("thread pool hand-off (submit, wake-up)", "ThreadPoolExecutor.submit"),
    ("bcrypt", "bcrypt"),
]
_GENERIC = ("threading.py", "concurrent/futures/", "asyncio/", "multiprocessing/", "click/",
            "granian/", "reflex/reflex.py", "reflex/utils/exec.py", "selectors.py",
            "contextlib.py", "<module>")  # fmt: skip


def summarize_profile(path: Path, top: int = 20) -> str:
    """What share of py-spy's samples (raw, collapsed stacks) pass through what."""
    parts: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        for label, needle in PROFILE_PARTS:
            if needle.startswith("leaf:"):
                if frames and frames[-1].startswith(needle[5:]):
                    parts[label] += n
            elif any(needle in f for f in frames):
                parts[label] += n
        names = []
        for frame in frames:
            func, _, where = frame.partition(" (")
            module = where.split(":")[0].rsplit("site-packages/", 1)[-1]
            names.append(f"{func} ({module})")
        for name in set(names):
            if not any(g in name for g in _GENERIC):
                inclusive[name] += n
        if names:
            own[names[-1]] += n
    if not total:
        return "(no samples)"
    busy = (
        total - parts["event loop waiting (epoll)"] - parts["thread-pool workers waiting for work"]
    )
    pct = lambda n: c.fmt(100 * n / total)  # noqa: E731
    out = [f"{total} samples of the workers' threads, {busy} not waiting (in epoll or for work).\n"]
    rows = [[pct(parts[label]), label] for label, _ in PROFILE_PARTS]
    out += ["Samples through:\n", c.table(["% of samples", "part"], rows)]
    rows = [[pct(n), name] for name, n in inclusive.most_common(top)]
    out += ["\nInclusive, by function (framework loops left out):\n",
            c.table(["%", "function"], rows)]  # fmt: skip
    rows = [[pct(n), name] for name, n in own.most_common(top)]
    out += ["\nSelf:\n", c.table(["%", "function"], rows)]
    return "\n".join(out)


async def run_scenario(server: c.Server, config: str, scenario: Scenario,
                       args: argparse.Namespace) -> Result:  # fmt: skip
    key = f"{config}-{scenario}"
    t0 = time.monotonic()
    groups = await make_groups(server.url, key, scenario)
    tabs_n = scenario.groups * scenario.size
    print(f"  {scenario.label}: {tabs_n} tasks in {time.monotonic() - t0:.1f} s", flush=True)
    load = Load(server.url, groups)
    db_url = server.extra_env.get("REFLEX_DB_URL", "")
    meter = CpuMeter(server, db_url.rsplit("/", 1)[-1] if db_url else "", "REFLEX_REDIS_URL"
                     in server.extra_env)  # fmt: skip
    try:
        hydrate_s = await load.connect_all()
        print(f"  {tabs_n} tabs hydrated in {hydrate_s:.1f} s", flush=True)
        await asyncio.sleep(2)
        idle = await asyncio.to_thread(_idle_cores, meter, 3.0)
        noop = await load.run_phase("noop", args.noop_seconds, meter)
        print(f"  no-op phase: p99 {c.fmt(noop.latencies.p(99))} ms", flush=True)
        await asyncio.sleep(1)
        profiler = None
        if key in args.profile.split(","):
            profile_path = server.data_dir.parent / f"profile-{key}.txt"
            profiler = _profile_start(args.py_spy, server, max(5, args.seconds - 4), profile_path)
        toggle = await load.run_phase("toggle", args.seconds, meter)
        print(
            f"  toggle phase: first delta p99 {c.fmt(toggle.latencies.p(99))} ms, confirmation"
            f" p99 {c.fmt(toggle.confirm.p(99))} ms",
            flush=True,
        )
        result = Result(config, scenario, noop, toggle, idle, hydrate_s=hydrate_s)
        result.gaps, result.skipped, result.leaks = load.gaps, load.skipped, load.leaks
        if profiler is not None:
            profiler.wait(120)
            result.profile = summarize_profile(profile_path)
            print(f"  profile: {profile_path}", flush=True)
        await check_stored(server.url, groups, result)
    finally:
        await load.close_all()
    return result


# --- the run ------------------------------------------------------------------------------


def start_fresh(server: c.Server, scratch: Path, key: str, env: dict[str, str]) -> None:
    """Point the (already copied) tree at fresh data and start it."""
    server.data_dir = scratch / f"data-{key}"
    server.data_dir.mkdir(parents=True, exist_ok=True)
    server.log_path = scratch / f"server-{key}.log"
    server.extra_env = {**SERVER_ENV, **env}
    print(f"server {key}: up in {server.start():.1f} s ({server.url})", flush=True)


def server_errors(server: c.Server) -> int:
    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return -1
    return text.count("Traceback")


def _per_event_ms(r: Result, p: Phase) -> float:
    """Server CPU per event of a phase, ms, the idle rate subtracted."""
    return (p.server_cpu_s - r.idle_server_cores * p.wall_s) * 1000 / max(1, p.events)


def compare(results: list[Result]) -> str:
    """Each shared scenario beside the private one of the same sizes (issue 18)."""
    header = ["config", "private", "shared", "server CPU ms per change private / shared",
              "ratio", "live delta p99 private / shared", "ratio",
              "first delta p99 private / shared", "confirm p99 private / shared",
              f"about the same (both <= {SHARED_TARGET})"]  # fmt: skip
    rows = []
    for r in results:
        if not r.scenario.shared:
            continue
        twin = Scenario(r.scenario.groups, r.scenario.size)
        base = next((b for b in results if b.config == r.config and b.scenario == twin), None)
        if base is None:
            rows.append([r.config, f"({twin} not run)", str(r.scenario)] + ["-"] * 7)
            continue
        cpu = (_per_event_ms(base, base.toggle), _per_event_ms(r, r.toggle))
        live = (base.toggle.live.p(99), r.toggle.live.p(99))
        ratios = (cpu[1] / cpu[0], live[1] / live[0])
        rows.append([
            r.config, base.scenario.label, r.scenario.label,
            f"{c.fmt(cpu[0], 2)} / {c.fmt(cpu[1], 2)}", c.fmt(ratios[0], 2),
            f"{c.fmt(live[0])} / {c.fmt(live[1])}", c.fmt(ratios[1], 2),
            f"{c.fmt(base.toggle.latencies.p(99))} / {c.fmt(r.toggle.latencies.p(99))}",
            f"{c.fmt(base.toggle.confirm.p(99))} / {c.fmt(r.toggle.confirm.p(99))}",
            "yes" if all(x <= SHARED_TARGET for x in ratios) else "no",
        ])  # fmt: skip
    return c.table(header, rows)


def report(results: list[Result]) -> str:
    out = []
    header = ["config", "scenario", "changes", "no-op p50 / p99", "first delta p50 / p99",
              "p99 ratio", "confirm p50 / p99", "live delta p50 / p99",
              "load-gen lag p99"]  # fmt: skip
    rows = []
    for r in results:
        n, t = r.noop.latencies, r.toggle
        miss = f" ({t.confirm.timeouts} unconfirmed)" if t.confirm.timeouts else ""
        live = (
            f"{c.fmt(t.live.median)} / {c.fmt(t.live.p(99))}" if r.scenario.size > 1 else "-"
        ) + (f" ({t.live.timeouts} missing)" if t.live.timeouts > 0 else "")
        rows.append([
            r.config, r.scenario.label, f"{t.events}{miss}",
            f"{c.fmt(n.median)} / {c.fmt(n.p(99))}",
            f"{c.fmt(t.latencies.median)} / {c.fmt(t.latencies.p(99))}",
            c.fmt(t.latencies.p(99) / n.p(99), 2),
            f"{c.fmt(t.confirm.median)} / {c.fmt(t.confirm.p(99))}", live,
            f"{c.fmt(max(r.noop.lag.p(99), t.lag.p(99)))}",
        ])  # fmt: skip
    out.append("Latency, ms (client-side, from just before the emit):\n")
    out.append(c.table(header, rows))

    header = ["config", "scenario", "server idle cores", "server cores no-op / toggle",
              "server CPU ms per no-op", "per change", "ratio", "PG + Redis ms per change",
              "load-gen cores (toggle)"]  # fmt: skip
    rows = []
    for r in results:
        noop_ms, change_ms = _per_event_ms(r, r.noop), _per_event_ms(r, r.toggle)
        rows.append([
            r.config, r.scenario.label, c.fmt(r.idle_server_cores, 3),
            f"{c.fmt(r.noop.server_cpu_s / r.noop.wall_s, 2)} / "
            f"{c.fmt(r.toggle.server_cpu_s / r.toggle.wall_s, 2)}",
            c.fmt(noop_ms, 2), c.fmt(change_ms, 2), c.fmt(change_ms / noop_ms, 1),
            c.fmt(r.toggle.services_cpu_s * 1000 / max(1, r.toggle.events), 2),
            c.fmt(r.toggle.client_cpu_s / r.toggle.wall_s, 2),
        ])  # fmt: skip
    out.append("\nCPU (idle rate subtracted; phase = sending + draining):\n")
    out.append(c.table(header, rows))

    header = ["config", "scenario", "sent", "answers", "unanswered", "answers drained in",
              "changes/s served", "lost (DB)", "tasks not as sent", "tasks stored late",
              "seq gaps (entries skipped)", "cross-group leaks", "server tracebacks",
              "verdict"]  # fmt: skip
    rows = []
    for r in results:
        t = r.toggle
        ratio = t.latencies.p(99) / r.noop.latencies.p(99)
        noop_ms, change_ms = _per_event_ms(r, r.noop), _per_event_ms(r, t)
        checks = {
            "first-delta": ratio <= 2,
            "confirm": t.confirm.p(99) <= 100 and not t.confirm.timeouts,
            "cpu": change_ms <= 2 * noop_ms,
            "lost": r.lost == 0 and r.unanswered == 0 and r.mismatched_tasks == 0,
            "leak": r.leaks == 0,
        }
        verdict = (
            "PASS"
            if all(checks.values())
            else "MISS " + ", ".join(k for k, ok in checks.items() if not ok)
        )
        answers = ", ".join(f"{k} {v}" for k, v in sorted(r.statuses.items()))
        rows.append([r.config, r.scenario.label, str(t.events), answers,
                     f"{r.unanswered} ({r.unanswered_tabs} tabs)" if r.unanswered else "0",
                     f"{t.drain_s:.1f} s",
                     f"{t.events / (t.seconds + t.drain_s):.0f}", str(r.lost),
                     str(r.mismatched_tasks), str(r.stored_late), f"{r.gaps} ({r.skipped})",
                     str(r.leaks), str(r.server_errors), verdict])  # fmt: skip
    out.append("\nChanges sent and stored (GET /api/tasks after the run):\n")
    out.append(c.table(header, rows))
    out.append(
        "\nTargets: first-delta p99 <= 2 x no-op p99; confirmation p99 <= 100 ms; server CPU"
        " per change <= 2 x per no-op; 0 lost; no change reaching another group's tab."
    )
    if any(r.scenario.shared for r in results):
        out.append(
            "\nA change in a shared list (G lists x N members, 1 tab each) against one in a"
            " private list (G users x N tabs), same server configuration; ratio = shared /"
            " private:\n"
        )
        out.append(compare(results))
    for r in results:
        if r.profile:
            out.append(f"\nProfile of the server during {r.key}'s toggle phase (py-spy):\n")
            out.append(r.profile)
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="toggle phase length")
    parser.add_argument("--noop-seconds", type=int, default=15)
    parser.add_argument("--configs", default="1w,2w")
    parser.add_argument("--rate", type=float, default=1.0,
                        help="events a second per tab (200 tabs at 3: 600 changes/s)")  # fmt: skip
    parser.add_argument("--scenarios", default="200x1,100x2,20x10",
                        help="UxT: U users x T tabs; GxNs: G shared lists x N members, a tab"
                        " each (20x10,20x10s: issue 18's comparison)")  # fmt: skip
    parser.add_argument("--profile", default="",
                        help="e.g. 1w-200x1,2w-20x10s: py-spy those toggle phases")  # fmt: skip
    parser.add_argument("--py-spy", default=shutil.which("py-spy") or "py-spy")
    args = parser.parse_args()
    global PERIOD_S
    PERIOD_S = 1.0 / args.rate
    scenarios = [Scenario.parse(s) for s in args.scenarios.split(",")]
    configs = args.configs.split(",")

    started = time.monotonic()
    scratch = c.scratch_dir("bench-socket-load-")
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {c.loadavg()}", flush=True)
    server = c.Server("load", scratch, {})
    results: list[Result] = []
    try:
        for config in configs:
            for scenario in scenarios:
                key = f"{config}-{scenario}"
                with contextlib.ExitStack() as stack:
                    env: dict[str, str] = {}
                    if config in SCALED:
                        db = stack.enter_context(c.pg_database("bench_load"))
                        env = {
                            "TODO_WORKERS": str(SCALED[config]),
                            "REFLEX_REDIS_URL": REDIS_URL,
                            "REFLEX_DB_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}",
                        }
                    start_fresh(server, scratch, key, env)
                    try:
                        workers = len(server.pids()) - 1
                        print(f"  {workers} process(es) under the server's root", flush=True)
                        result = asyncio.run(run_scenario(server, config, scenario, args))
                        result.server_errors = server_errors(server)
                        results.append(result)
                    except BaseException:
                        print(f"--- server log tail ---\n{server.tail()}", file=sys.stderr)
                        raise
                    finally:
                        server.stop()
                print(f"  done at {time.monotonic() - started:.0f} s", flush=True)
    finally:
        server.stop()
        c.remove_trees(scratch)

    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    print(f"\n## socket_load, {stamp}\nmachine: {c.machine()}; load average after: {c.loadavg()}")
    print(
        f"toggle phase {args.seconds} s, no-op phase {args.noop_seconds} s, "
        f"{args.rate:g} event/s per tab"
    )
    print(report(results))
    raw = [
        {"key": r.key, "noop": r.noop.latencies.values, "first": r.toggle.latencies.values,
         "confirm": r.toggle.confirm.values, "live": r.toggle.live.values}
        for r in results
    ]  # fmt: skip
    out = scratch / "socket_load.json"
    out.write_text(json.dumps(raw))
    print(f"\nraw samples: {out}\ntotal time: {time.monotonic() - started:.0f} s")
    empty = [
        f"{r.key} {phase}"
        for r in results
        for phase, samples in (
            ("no-op", r.noop.latencies),
            ("first delta", r.toggle.latencies),
            ("confirmation", r.toggle.confirm),
            ("live delta", r.toggle.live if r.scenario.size > 1 else c.Samples([0.0])),
        )
        if samples.n == 0
    ]
    failed = 0
    if empty:
        print(f"NO SAMPLES: {', '.join(empty)}: the phase measured nothing", file=sys.stderr)
        failed = 1
    leaked = [f"{r.key}: {r.leaks}" for r in results if r.leaks]
    if leaked:
        print(
            f"CROSS-GROUP LEAK: a change reached a tab of another group ({', '.join(leaked)})",
            file=sys.stderr,
        )
        failed = 1
    return failed


if __name__ == "__main__":
    sys.exit(main())
