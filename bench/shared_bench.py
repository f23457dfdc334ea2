"""A change in a shared list: what fanning it out to its members' pages costs the server.

Issue 18, "Live in shared lists": a change in a shared list reaches every member's open task
page, each page filtered to the lists its user may see (todo_app/tasks/live.py). The filter
is built once per distinct set of lists, so ten members' pages should cost about what ten
pages of one user cost (the baseline: the owner's own pages get the entry as it is).

What it does, in this process (no server, no sockets: the fan-out's cost is ``Live``'s, and
a socket send is the same for both cases):

- **fan-out** (no database): a ``Live`` on this process's event loop with 10 fake pages
  registered through ``watch`` (``emit``: an async no-op that records what each page got).
  ``private``: the 10 pages are one user's, the change is in that user's private list (the
  baseline). ``shared``: the 10 pages are 10 members' (one each) of a list of another user's,
  the change is in that list (each page gets the filtered entry). Each sample is one change
  (a task's title and version changed, as ``TaskChange`` with its ``previous``) through
  ``live.changed`` (on the loop's thread, as a write on the loop would) and the loop until
  every page got it; timed with ``time.process_time`` (CPU of this process) and
  ``perf_counter`` (wall).
- **write** (SQLite, ``--write-rounds 0`` to skip): ``writes.update_task`` in a worker thread
  (as a REST request or the page's send runs it) with the live wiring subscribed, until the
  10 pages got the change. ``owner``: the owner retitles a task of their private list, 10
  pages of theirs open (the baseline). ``editor``: an editor retitles a task of the shared
  list (the access check reads the list's membership), 10 members' pages open.
- Before anything is timed: every page must have got every entry, once, with the row (a
  member's page: the filtered one, with nothing of another list). Each round runs every case
  once in a new random order, so drift in the machine's load hits both alike; a few rounds
  are run first and not counted.
- Reported: n, p50, p95 and mean per case, and the ratio shared/private (editor/owner) of
  p50 and mean. Exits non-zero if a case got no samples or a page missed an entry; a ratio
  is reported, not judged (TARGET marks what reads as "about the same").

    . .venv/bin/activate
    python bench/shared_bench.py [--pages 10] [--rounds 2000] [--warmup 200]
        [--write-rounds 300] [--report FILE]

About 15 s on 2 shared vCPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
import random
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import _common as c

SEED = 20261207
TARGET = 1.2  # reads as "about the same": shared at most this many times private


class Pages:
    """The fake sockets: how many entries each page got, and a wake-up when all have."""

    def __init__(self) -> None:
        self.got: dict[str, int] = {}
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.expect: tuple[set[str], int] | None = None
        self.done: asyncio.Event = asyncio.Event()

    async def emit(self, token: str, value: dict[str, Any]) -> None:
        for entry in value["changes"]:
            if entry["seq"] > self.got.get(token, 0):
                self.got[token] = entry["seq"]
                self.rows[token] = entry["rows"]
        if self.expect is not None:
            tokens, seq = self.expect
            if all(self.got.get(t, 0) >= seq for t in tokens):
                self.done.set()

    async def verify(self, token: str, user_id: str) -> Any:
        from todo_app.auth.rechecks import Trust

        return Trust(time.time(), time.time() + 3600)

    async def until(self, tokens: set[str], seq: int) -> None:
        """Until every page in ``tokens`` got its entry ``seq`` (10 s at most)."""
        self.done.clear()
        self.expect = (tokens, seq)
        if not all(self.got.get(t, 0) >= seq for t in tokens):
            await asyncio.wait_for(self.done.wait(), 10)
        self.expect = None


def trust() -> Any:
    from todo_app.auth.rechecks import Trust

    return Trust(time.time(), time.time() + 3600)


# --- fan-out: Live alone --------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """One way a change reaches 10 pages: whose the change is, and the pages to wait for."""

    name: str
    owner: uuid.UUID
    list_id: uuid.UUID
    tokens: set[str]
    seq: int = 0
    task: Any = None


def fan_out_cases(live: Any, pages: int) -> dict[str, Case]:
    """Register the pages of both cases in ``live``; each case's list holds one task."""
    from todo_app.tasks.types import TaskData

    now = dt.datetime.now(dt.UTC)
    private_owner, shared_owner = uuid.uuid4(), uuid.uuid4()
    private_list, shared_list, elsewhere = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    cases = {
        "private": Case("private", private_owner, private_list, set()),
        "shared": Case("shared", shared_owner, shared_list, set()),
    }
    for i in range(pages):
        token = f"private-{i}"
        live.watch(private_owner, token, epoch="e", trust=trust(), lists=[private_list])
        cases["private"].tokens.add(token)
        token = f"shared-{i}"
        member_own = uuid.uuid4()  # each member has a list of their own besides
        live.watch(uuid.uuid4(), token, epoch="e", trust=trust(), lists=[shared_list, member_own])
        cases["shared"].tokens.add(token)
    # Someone else's page of another list: never told.
    live.watch(uuid.uuid4(), "elsewhere", epoch="e", trust=trust(), lists=[elsewhere])
    for case in cases.values():
        case.task = TaskData(uuid.uuid4(), "Task", "", False, 1, now, now, list_id=case.list_id)
    return cases


def next_change(case: Case) -> Any:
    """The case's task retitled (a new version), as the service announces it."""
    from todo_app.tasks.types import TaskChange

    old = case.task
    new = dataclasses.replace(old, title=f"Task v{old.version + 1}", version=old.version + 1)
    case.task = new
    return TaskChange(case.owner, upserted=(new,), previous={new.id: old})


async def fan_out(pages_n: int, rounds: int, warmup: int) -> tuple[dict[str, c.Samples], ...]:
    from todo_app.tasks.live import Live, MemoryViewers

    pages = Pages()
    live = Live(MemoryViewers())
    live.install(pages.emit, pages.verify, None)
    live.start(asyncio.get_running_loop())
    cases = fan_out_cases(live, pages_n)
    cpu = {name: c.Samples() for name in cases}
    wall = {name: c.Samples() for name in cases}
    rng = random.Random(SEED)
    for n in range(warmup + rounds):
        order = list(cases.values())
        rng.shuffle(order)
        for case in order:
            change = next_change(case)
            case.seq += 1
            started_cpu, started = time.process_time(), time.perf_counter()
            live.changed(change)
            await pages.until(case.tokens, case.seq)
            if n >= warmup:
                cpu[case.name].add((time.process_time() - started_cpu) * 1e6)
                wall[case.name].add((time.perf_counter() - started) * 1e6)
            for token in case.tokens:  # each page got this very row, and only it
                (row,) = pages.rows[token]
                if row["title"] != case.task.title or row["list_id"] != str(case.list_id):
                    raise SystemExit(f"{case.name}: page {token} got {row}")
    if "elsewhere" in pages.got:
        raise SystemExit("a page of another list was sent an entry")
    return cpu, wall


# --- the whole write, on SQLite -------------------------------------------------------------


def seed_write(pages_n: int) -> dict[str, tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]]:
    """Per case: who writes, the task, and the users whose pages are open."""
    from todo_app.db import session_scope
    from todo_app.models import ListMember, TaskList, User
    from todo_app.tasks import writes

    def user(name: str) -> uuid.UUID:
        user_id = uuid.uuid4()
        with session_scope() as session:
            email = f"{name}-{user_id.hex[:8]}@example.com"
            session.add(User(id=user_id, email=email, name=name, password_hash="x"))  # noqa: S106
        return user_id

    def make_list(owner: uuid.UUID, name: str, members: list[uuid.UUID]) -> uuid.UUID:
        list_id = uuid.uuid4()
        with session_scope() as session:
            session.add(TaskList(id=list_id, owner_id=owner, name=name, name_key=name.lower()))
            session.flush()
            for member in members:
                session.add(ListMember(list_id=list_id, user_id=member, role="editor"))
        return list_id

    owner = user("owner")
    private = make_list(owner, "Private", [])
    mine = writes.create_task(owner, "Mine", list_id=private)
    sharer = user("sharer")
    members = [user(f"member{i}") for i in range(pages_n)]
    shared = make_list(sharer, "Shared", members)
    ours = writes.create_task(sharer, "Ours", list_id=shared)
    return {
        "owner": (owner, mine.id, [owner] * pages_n),
        "editor": (members[0], ours.id, members),
    }


async def whole_write(pages_n: int, rounds: int, warmup: int) -> tuple[dict[str, c.Samples], ...]:
    from todo_app import access
    from todo_app.db import session_scope
    from todo_app.tasks import unit_of_work, writes
    from todo_app.tasks.live import Live, MemoryViewers

    seeded = seed_write(pages_n)
    pages = Pages()
    live = Live(MemoryViewers())
    live.install(pages.emit, pages.verify, None)
    live.start(asyncio.get_running_loop())
    tokens: dict[str, set[str]] = {}
    for name, (_writer, _task, viewers) in seeded.items():
        tokens[name] = set()
        for i, viewer in enumerate(viewers):
            with session_scope() as session:
                lists = access.visible_lists(session, viewer)
            token = f"{name}-{i}"
            live.watch(viewer, token, epoch="e", trust=trust(), lists=lists)
            tokens[name].add(token)
    unit_of_work.change_listeners.append(live.changed)
    cpu = {name: c.Samples() for name in seeded}
    wall = {name: c.Samples() for name in seeded}
    seqs = dict.fromkeys(seeded, 0)
    rng = random.Random(SEED)
    try:
        for n in range(warmup + rounds):
            order = list(seeded)
            rng.shuffle(order)
            for name in order:
                writer, task_id, _viewers = seeded[name]
                title = f"{name} {n}"
                seqs[name] += 1
                started_cpu, started = time.process_time(), time.perf_counter()
                await asyncio.to_thread(writes.update_task, writer, task_id, title=title)
                await pages.until(tokens[name], seqs[name])
                if n >= warmup:
                    cpu[name].add((time.process_time() - started_cpu) * 1e3)
                    wall[name].add((time.perf_counter() - started) * 1e3)
                for token in tokens[name]:
                    (row,) = pages.rows[token]
                    if row["title"] != title:
                        raise SystemExit(f"{name}: page {token} got {row}")
    finally:
        unit_of_work.change_listeners.remove(live.changed)
    return cpu, wall


# --- the report -----------------------------------------------------------------------------


def report(
    cpu: dict[str, c.Samples], wall: dict[str, c.Samples], base: str, other: str, unit: str
) -> tuple[str, list[str]]:
    rows, problems = [], []
    for measure, samples in (("CPU", cpu), ("wall", wall)):
        cells = [measure]
        for name in (base, other):
            s = samples[name]
            if s.n == 0:
                problems.append(f"{name} ({measure}): no samples")
            mean = sum(s.values) / s.n if s.n else float("nan")
            cells += [str(s.n), c.fmt(s.median, 1), c.fmt(s.p(95), 1), c.fmt(mean, 1)]
        a, b = samples[base], samples[other]
        p50 = b.median / a.median if a.n and b.n else float("nan")
        mean = (sum(b.values) / b.n) / (sum(a.values) / a.n) if a.n and b.n else float("nan")
        cells += [c.fmt(p50, 2), c.fmt(mean, 2), "yes" if p50 <= TARGET else "no"]
        rows.append(cells)
    header = ["per change"]
    for name in (base, other):
        header += [f"{name} n", f"{name} p50 {unit}", f"{name} p95 {unit}", f"{name} mean {unit}"]
    header += [f"p50 {other}/{base}", f"mean {other}/{base}", f"p50 <= {TARGET}"]
    return c.table(header, rows), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=10, help="open pages per case")
    parser.add_argument("--rounds", type=int, default=2000, help="fan-out samples per case")
    parser.add_argument("--warmup", type=int, default=200, help="rounds not counted")
    parser.add_argument("--write-rounds", type=int, default=300, help="0: skip the writes")
    parser.add_argument("--report", help="also write the Markdown report to this file")
    args = parser.parse_args()

    began = time.monotonic()
    scratch = c.scratch_dir("bench-shared-")
    load_before = c.loadavg()
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {load_before}", flush=True)
    problems: list[str] = []
    lines = [
        f"### Fan-out of one change to {args.pages} pages "
        f"({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, `python bench/shared_bench.py`)",
        "",
    ]
    with contextlib.ExitStack() as stack:
        env = {"TODO_ENV": "test", "TODO_DATA_DIR": str(scratch)}
        env["REFLEX_DB_URL"] = f"sqlite:///{scratch}/shared.db"
        stack.enter_context(c.app_env(**env))
        from todo_app.db import get_engine, migrate

        cpu, wall = asyncio.run(fan_out(args.pages, args.rounds, args.warmup))
        table, found = report(cpu, wall, "private", "shared", "us")
        problems += found
        lines += [
            f"`private`: {args.pages} pages of the change's owner; `shared`: {args.pages} "
            f"members' pages (one each), each sent the filtered entry. {args.rounds} rounds "
            f"after {args.warmup} not counted. Microseconds per change, from `live.changed` "
            "until every page got it.",
            "",
            table,
        ]
        if args.write_rounds:
            stack.callback(lambda: get_engine().dispose())
            migrate()
            run: Callable[[], Any] = lambda: whole_write(  # noqa: E731
                args.pages, args.write_rounds, max(args.write_rounds // 10, 5)
            )
            cpu, wall = asyncio.run(run())
            table, found = report(cpu, wall, "owner", "editor", "ms")
            problems += found
            lines += [
                "",
                f"### The whole write, on SQLite ({args.write_rounds} rounds)",
                "",
                f"`owner`: `writes.update_task` by the owner of a task in their private list, "
                f"{args.pages} of their pages open; `editor`: by an editor of a task in a list "
                f"shared with {args.pages} members, one page each. Milliseconds per write, "
                "from the call (in a worker thread) until every page got the change.",
                "",
                table,
            ]
    lines += [
        "",
        f"Machine: {c.machine()}; load average {load_before} before, {c.loadavg()} after; "
        f"{time.monotonic() - began:.0f} s in all.",
    ]
    if problems:
        lines += ["", "Problems:", "", *(f"- {p}" for p in problems)]
    text = "\n".join(lines)
    print(text)
    (scratch / "report.md").write_text(text + "\n")
    if args.report:
        with open(args.report, "w") as out:
            out.write(text + "\n")
    if problems:
        print(f"\nFAILED: {len(problems)} problem(s), see above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
