"""Organise at scale: ``GET /api/tasks`` for each filter and sort, and the first paint of the
views, for one user with 1,000 and one with 10,000 tasks, as ratios to the unfiltered first
page measured in the same run.

Issue 9, "Benchmark": every filtered view at most 1.5x the unfiltered one, and flat from
1,000 to 10,000 tasks ("indexes, not scans; show the query plans").

What it does:

- One production server (``./run.sh``: migrations, then ``reflex run --env prod``; from a
  private copy of the tree, see ``_common.py``), SQLite in its data folder by default, or a
  fresh PostgreSQL database with ``--db postgresql``.
- Seeds, straight into that database, one user per size (``--sizes``, default 1,000 and
  10,000) with 20 lists (service layer) and bulk inserts through the app's own tables and
  column types: tasks in 20 lists and the Inbox (10 %), 50 tags (1 to 3 per task, Zipf-like,
  through ``tags`` and ``task_tags`` exactly as ``tasks.tags.set_tags`` writes them),
  priorities none/low/medium/high 40/20/25/15 %, half with a due date within +-60 days of
  today (40 % of those with a time, ``due_at`` reckoned in the user's zone), 20 % completed.
  Both users live in the same database (one build). Every query is checked against the seed
  (its ``total`` and the ids of its first page) before anything is timed.
- ``GET /api/tasks`` (limit 50, the first page) for each case below, over one keep-alive
  connection, one request at a time; each round runs every (size, case) once in a new random
  order, so drift in the machine's load hits every case alike. p50 and p95 per case, as
  ratios to the unfiltered request of the same size, and the 10k/1k ratio of each case.
- The SQL the service sends for each case, captured in this process with SQLAlchemy's
  ``before_cursor_execute`` while calling ``tasks.queries.list_tasks`` on the seeded
  database, with its EXPLAIN QUERY PLAN (SQLite) or EXPLAIN (PostgreSQL) and the time the
  page and count statements take on their own (median of 9, raw driver). Flagged: a full
  scan of tasks, a sort of every match (temp B-tree), and a page that walks all of the
  owner's tasks in created order to find 50 that pass a filter.
- Chromium (headless, the tests' flags), signed in by putting the token in localStorage:
  from navigation start to the first task of the view being painted (its checkbox is in the
  DOM, then a frame: requestAnimationFrame + a macrotask) for ``/``, ``/?view=today`` and
  ``/?tag=<x>``; "cold" is a new browser context per load (empty cache), "warm" a new tab in
  a context that has loaded the page before (HTTP cache warm, fresh Reflex state). A hook on
  the page's WebSocket splits the time: navigation -> first frame sent, that frame -> the
  first frame naming the task (the server's hydrate + on_load), that frame -> painted. FCP is
  reported for context.

    . .venv/bin/activate
    export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
    python bench/organise_bench.py [--db sqlite|postgresql] [--sizes 1000,10000]
        [--samples 150] [--loads 10] [--analyze] [--no-browser] [--report FILE]

About 4-8 minutes on 2 shared vCPUs (API ~2 min, browser ~3.5 min, plans ~30 s; the server
starts in 10-20 s when ``.web`` holds an earlier build). Exits non-zero only when something
crashed or a query returned other rows than the seed says.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import math
import random
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import _common as c

PASSWORD = "bench password 1234"  # noqa: S105
ZONE = "Europe/Berlin"  # not UTC, so "today" is reckoned in the user's zone for real
LISTS = 20
TAGS = 50
PAGE = 50  # the API's default page size and the page's PAGE_SIZE
SEED = 20261201
FLAT_MAX = 1.5  # "flat": the 10k figure at most this many times the 1k figure
RATIO_MAX = 1.5  # the target for a filtered view against the unfiltered one

VERBS = [
    "Call", "Email", "Buy", "Fix", "Plan", "Write", "Review", "Book", "Pay", "Clean",
    "Read", "Send", "Check", "Order", "Draft", "Update", "Renew", "Sort", "Print", "Ask",
]  # fmt: skip
NOUNS = [
    "plumber", "invoice", "report", "groceries", "dentist", "slides", "budget", "tickets",
    "garden", "car", "taxes", "newsletter", "backup", "meeting notes", "birthday gift",
    "insurance", "passport", "library books", "team", "landlord",
]  # fmt: skip
TAG_NAMES = [
    "work", "home", "errands", "health", "finance", "family", "reading", "shopping", "travel",
    "admin", "calls", "email", "garden", "car", "kids", "school", "music", "sport", "cooking",
    "friends", *(f"project-{i:02d}" for i in range(TAGS - 20)),
]  # fmt: skip
RARE_TAG = TAG_NAMES[-1]


# --- the seed -----------------------------------------------------------------------------


@dataclass
class SeedTask:
    id: uuid.UUID
    title: str
    completed: bool
    created_at: dt.datetime
    list_id: uuid.UUID | None
    priority: int
    tags: tuple[str, ...]
    due_date: dt.date | None
    due_time: dt.time | None


@dataclass
class Seeded:
    size: int
    user_id: uuid.UUID
    token: str
    lists: list[uuid.UUID]
    tasks: list[SeedTask]
    today: dt.date
    seconds: float = 0.0


def _pick_tags(rng: random.Random, weights: Sequence[float]) -> tuple[str, ...]:
    want = rng.choice((1, 2, 3))
    picked: list[str] = []
    while len(picked) < want:
        name = rng.choices(TAG_NAMES, weights)[0]
        if name not in picked:
            picked.append(name)
    return tuple(picked)


def seed(size: int, rng: random.Random) -> Seeded:
    """One user with ``size`` tasks, written into the configured database (see the module)."""
    import sqlalchemy as sa

    from todo_app.auth import service as auth_service
    from todo_app.db import session_scope
    from todo_app.lists import service as lists_service
    from todo_app.models import Tag, Task, TaskTag
    from todo_app.tasks import fields as rules
    from todo_app.tasks.fields import tag_key

    began = time.monotonic()
    signed = auth_service.sign_up(
        f"organise-{size}-{uuid.uuid4().hex[:6]}@example.com", PASSWORD, "Bench", time_zone=ZONE
    )
    owner = signed.user.id
    lists = [lists_service.create_list(owner, f"List {i + 1:02d}").id for i in range(LISTS)]
    today = rules.today_in(ZONE)
    now = dt.datetime.now(dt.UTC)
    tag_ids = {name: uuid.uuid4() for name in TAG_NAMES}
    weights = [1 / (i + 1) ** 0.8 for i in range(TAGS)]
    tasks: list[SeedTask] = []
    for i in range(size):
        dated = rng.random() < 0.5
        due_date = today + dt.timedelta(days=rng.randint(-60, 60)) if dated else None
        timed = dated and rng.random() < 0.4
        due_time = dt.time(rng.randint(7, 20), rng.choice((0, 15, 30, 45))) if timed else None
        tasks.append(
            SeedTask(
                id=uuid.uuid4(),
                title=rules.validate_title(f"{rng.choice(VERBS)} {rng.choice(NOUNS)} {i:05d}"),
                completed=rng.random() < 0.2,
                created_at=now - dt.timedelta(seconds=rng.randint(60, 180 * 86_400)),
                list_id=None if rng.random() < 0.1 else rng.choice(lists),
                priority=rng.choices((0, 1, 2, 3), (40, 20, 25, 15))[0],
                tags=_pick_tags(rng, weights),
                due_date=due_date,
                due_time=due_time,
            )
        )
    task_rows = [
        {
            "id": t.id,
            "owner_id": owner,
            "title": t.title,
            "description": "Some notes about it." if i % 3 == 0 else "",
            "completed": t.completed,
            "version": 1,
            "created_at": t.created_at,
            "updated_at": t.created_at,
            "list_id": t.list_id,
            "priority": t.priority,
            "due_date": t.due_date,
            "due_time": t.due_time,
            "due_at": rules.due_instant(t.due_date, t.due_time, ZONE),
        }
        for i, t in enumerate(tasks)
    ]
    if "reminders" in Task.__table__.c:  # type: ignore[attr-defined]  (repeats and reminders)
        for row in task_rows:
            row.update(reminders=[], recurrence=None)
    tag_rows = [
        {"id": tid, "owner_id": owner, "name": rules.validate_tag(name), "name_key": tag_key(name)}
        for name, tid in tag_ids.items()
    ]
    link_rows = [
        {"task_id": t.id, "tag_id": tag_ids[name], "position": pos}
        for t in tasks
        for pos, name in enumerate(t.tags)
    ]
    with session_scope() as session:
        session.exec(sa.insert(Tag), params=tag_rows)  # type: ignore[call-overload]
        for start in range(0, len(task_rows), 2000):
            session.exec(sa.insert(Task), params=task_rows[start : start + 2000])  # type: ignore[call-overload]
        for start in range(0, len(link_rows), 5000):
            session.exec(sa.insert(TaskTag), params=link_rows[start : start + 5000])  # type: ignore[call-overload]
    seeded = Seeded(size, owner, signed.token, lists, tasks, today)
    _check_seed_with_service(seeded)
    seeded.seconds = time.monotonic() - began
    return seeded


def _check_seed_with_service(seeded: Seeded) -> None:
    """The service reads the seeded rows back as seeded (tags through their tables, due_at)."""
    from todo_app.tasks import fields as rules
    from todo_app.tasks import queries, tags

    for task in seeded.tasks[:: max(1, len(seeded.tasks) // 7)]:
        got = queries.get_task(seeded.user_id, task.id)
        assert got.tags == task.tags, (got.tags, task.tags)
        assert got.priority == rules.PRIORITIES[task.priority]
        assert got.due_date == task.due_date and got.due_time == task.due_time
        assert got.due_at == rules.due_instant(task.due_date, task.due_time, ZONE)
    names = dict(tags.list_tags(seeded.user_id))
    assert len(names) == TAGS, names


# --- the cases ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # baseline, filter, sort, view
    params: tuple[tuple[str, str], ...]


def cases(today: dt.date) -> list[Case]:
    """``<list>`` stands for the user's first list."""
    now = today.isoformat()
    ago, on = ((today + dt.timedelta(days=d)).isoformat() for d in (-7, 7))
    f, s, v = "filter", "sort", "view"
    work, home = TAG_NAMES[0], TAG_NAMES[1]
    return [
        Case("unfiltered (created desc)", "baseline", ()),
        Case("list_id=<list>", f, (("list_id", "<list>"),)),
        Case("list_id=inbox", f, (("list_id", "inbox"),)),
        Case("priority=high", f, (("priority", "high"),)),
        Case("priority=high&priority=low", f, (("priority", "high"), ("priority", "low"))),
        Case(f"tag={work} (common)", f, (("tag", work),)),
        Case(f"tag={RARE_TAG} (rare)", f, (("tag", RARE_TAG),)),
        Case(f"tag={work}&tag={home}", f, (("tag", work), ("tag", home))),
        Case("due=overdue", f, (("due", "overdue"),)),
        Case("due=today", f, (("due", "today"),)),
        Case("due=upcoming", f, (("due", "upcoming"),)),
        Case("due=none", f, (("due", "none"),)),
        Case("due_after..due_before (15 days)", f, (("due_after", ago), ("due_before", on))),
        Case("sort=created&order=asc", s, (("sort", "created"), ("order", "asc"))),
        Case("sort=due (asc)", s, (("sort", "due"),)),
        Case("sort=due&order=desc", s, (("sort", "due"), ("order", "desc"))),
        Case("sort=priority (desc)", s, (("sort", "priority"),)),
        Case("sort=priority&order=asc", s, (("sort", "priority"), ("order", "asc"))),
        Case("sort=title (asc)", s, (("sort", "title"),)),
        Case("sort=title&order=desc", s, (("sort", "title"), ("order", "desc"))),
        Case("Today view: due_before=today&sort=due", v, (("due_before", now), ("sort", "due"))),
        Case("Upcoming view: due=upcoming&sort=due", v, (("due", "upcoming"), ("sort", "due"))),
        Case("list_id=<list>&sort=due", v, (("list_id", "<list>"), ("sort", "due"))),
        Case(f"tag={work}&sort=priority", v, (("tag", work), ("sort", "priority"))),
    ]


def resolve(case: Case, seeded: Seeded) -> list[tuple[str, str]]:
    return [(k, str(seeded.lists[0]) if v == "<list>" else v) for k, v in case.params]


def api_path(params: list[tuple[str, str]]) -> str:
    return "/api/tasks" + ("?" + urlencode(params) if params else "")


def task_query(params: list[tuple[str, str]]) -> Any:
    from todo_app.tasks.types import TaskQuery

    got: dict[str, list[str]] = defaultdict(list)
    for key, value in params:
        got[key].append(value)

    def one(key: str) -> str | None:
        return got[key][-1] if got.get(key) else None

    return TaskQuery(
        list_id=one("list_id"),
        priority=tuple(got.get("priority", ())),
        tag=tuple(got.get("tag", ())),
        due=one("due"),
        due_before=one("due_before"),
        due_after=one("due_after"),
        sort=one("sort") or "created",
        order=one("order"),
        limit=PAGE,
    )


def expected(seeded: Seeded, params: list[tuple[str, str]]) -> tuple[int, list[uuid.UUID]]:
    """What the seed says the query returns: the number of matches and the first page's ids,
    in the service's order (created desc, id desc breaking ties)."""
    from todo_app.tasks.fields import PRIORITIES
    from todo_app.tasks.types import DEFAULT_ORDER

    query = task_query(params)
    today = seeded.today
    rows = seeded.tasks
    if query.list_id == "inbox":
        rows = [t for t in rows if t.list_id is None]
    elif query.list_id:
        rows = [t for t in rows if str(t.list_id) == query.list_id]
    if query.priority:
        wanted = {PRIORITIES.index(p) for p in query.priority}
        rows = [t for t in rows if t.priority in wanted]
    for tag in query.tag:
        rows = [t for t in rows if tag.casefold() in {x.casefold() for x in t.tags}]
    dues = {
        "overdue": lambda d: d is not None and d < today,
        "today": lambda d: d == today,
        "upcoming": lambda d: d is not None and d > today,
        "none": lambda d: d is None,
    }
    if query.due:
        rows = [t for t in rows if dues[query.due](t.due_date)]
    if query.due_after:
        after = dt.date.fromisoformat(query.due_after)
        rows = [t for t in rows if t.due_date is not None and t.due_date >= after]
    if query.due_before:
        before = dt.date.fromisoformat(query.due_before)
        rows = [t for t in rows if t.due_date is not None and t.due_date <= before]
    desc = (query.order or DEFAULT_ORDER[query.sort]) == "desc"
    # Stable sorts, last key first: the tie-break (created desc, id desc), then the sort.
    ordered = sorted(rows, key=lambda t: (t.created_at, t.id.hex), reverse=True)
    if query.sort == "created":
        ordered = sorted(rows, key=lambda t: (t.created_at, t.id.hex), reverse=desc)
    elif query.sort == "priority":
        ordered.sort(key=lambda t: t.priority, reverse=desc)
    elif query.sort == "title":
        ordered.sort(key=lambda t: t.title.lower(), reverse=desc)
    elif query.sort == "due":
        ordered.sort(key=lambda t: t.due_time or dt.time(0), reverse=desc)
        ordered.sort(key=lambda t: t.due_time is None)
        ordered.sort(key=lambda t: t.due_date or dt.date.min, reverse=desc)
        ordered.sort(key=lambda t: t.due_date is None)
    return len(rows), [t.id for t in ordered[:PAGE]]


# --- the REST API -------------------------------------------------------------------------


class Api:
    """One keep-alive connection; ``get`` returns (ms, parsed body); the parse is not timed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(self, path: str, token: str) -> tuple[float, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        for attempt in range(2):
            try:
                start = time.perf_counter()
                self.conn.request("GET", path, headers=headers)
                response = self.conn.getresponse()
                body = response.read()
                ms = (time.perf_counter() - start) * 1000
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return ms, json.loads(body)

    def patch_zone(self, token: str, zone: str) -> None:
        self.conn.request(
            "PATCH",
            "/api/account",
            body=json.dumps({"time_zone": zone}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200 or json.loads(body).get("time_zone") != zone:
            raise RuntimeError(f"PATCH /api/account: {response.status} {body[:300]!r}")


def verify(
    api: Api, users: dict[int, Seeded], the_cases: list[Case], sortable_titles: bool
) -> dict:
    """Every case returns what the seed says; returns {(size, case): total}."""
    totals: dict[tuple[int, str], int] = {}
    problems = []
    for size, seeded in users.items():
        for case in the_cases:
            params = resolve(case, seeded)
            _ms, body = api.get(api_path(params), seeded.token)
            total, first = expected(seeded, params)
            got = [uuid.UUID(item["id"]) for item in body["items"]]
            totals[(size, case.name)] = body["total"]
            if body["total"] != total:
                problems.append(f"{size} {case.name}: total {body['total']}, seed says {total}")
            elif got != first and (sortable_titles or "title" not in case.name):
                problems.append(f"{size} {case.name}: first page differs from the seed's order")
    if problems:
        raise SystemExit("the API disagrees with the seed:\n  " + "\n  ".join(problems))
    return totals


def measure_api(
    api: Api, users: dict[int, Seeded], the_cases: list[Case], samples: int, budget_s: float,
    rng: random.Random,
) -> dict[tuple[int, str], c.Samples]:  # fmt: skip
    """Rounds of every (size, case) once, in a new random order each round."""
    results: dict[tuple[int, str], c.Samples] = defaultdict(c.Samples)
    pairs = [(size, case) for size in users for case in the_cases]
    paths = {(s, k.name): api_path(resolve(k, users[s])) for s, k in pairs}
    for _ in range(3):  # warm-up: caches, the thread pool, the connection
        for size, case in pairs:
            api.get(paths[(size, case.name)], users[size].token)
    began = time.monotonic()
    for n in range(samples):
        if time.monotonic() - began > budget_s:
            print(f"  API time budget ({budget_s:.0f} s) reached after {n} rounds", flush=True)
            break
        rng.shuffle(pairs)
        for size, case in pairs:
            ms, _body = api.get(paths[(size, case.name)], users[size].token)
            results[(size, case.name)].add(ms)
        if (n + 1) % 20 == 0:
            print(f"  API round {n + 1}/{samples} ({time.monotonic() - began:.0f} s)", flush=True)
    return results


# --- the SQL and its plans ----------------------------------------------------------------


@dataclass
class Sql:
    statement: str
    params: Any
    plan: list[str] = field(default_factory=list)
    ms: float = math.nan


@dataclass
class CaseSql:
    page: Sql
    count: Sql
    tags: Sql | None
    service_ms: float
    flags: list[str] = field(default_factory=list)


@contextlib.contextmanager
def captured_sql() -> Iterator[list[tuple[str, Any]]]:
    import sqlalchemy as sa

    from todo_app.db import get_engine

    seen: list[tuple[str, Any]] = []

    def hook(_conn, _cursor, statement, parameters, _context, executemany):  # type: ignore[no-untyped-def]
        if not executemany:
            seen.append((statement, parameters))

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", hook)


def _sqlite_plan(conn: Any, statement: str, params: Any) -> list[str]:
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    depth: dict[int, int] = {0: -1}
    out = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        out.append("  " * depth[node] + str(detail))
    return out


def _pg_plan(conn: Any, statement: str, params: Any) -> list[str]:
    return [r[0] for r in conn.exec_driver_sql("EXPLAIN " + statement, params).all()]


def _time_sql(conn: Any, statement: str, params: Any, repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        conn.exec_driver_sql(statement, params).all()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def flags_of(case: Case, page: list[str], count: list[str], dialect: str) -> list[str]:
    """What in a plan makes it grow with the number of tasks."""
    flags = []
    both = {"page": page, "count": count}
    for which, plan in both.items():
        text = "\n".join(plan)
        if dialect == "sqlite":
            if any(line.strip().startswith("SCAN tasks") for line in plan):
                flags.append(f"{which}: FULL SCAN of tasks")
            if "USE TEMP B-TREE FOR ORDER BY" in text:
                flags.append(f"{which}: sorts every match (temp B-tree)")
            elif "USE TEMP B-TREE FOR RIGHT PART OF ORDER BY" in text:
                flags.append(f"{which}: sorts within index groups (temp B-tree, right part)")
        else:
            if "Seq Scan on tasks" in text:
                flags.append(f"{which}: FULL SCAN of tasks (Seq Scan)")
            nodes = [line.strip().removeprefix("->").strip() for line in plan]
            if which == "page" and any(n.startswith("Sort  (") for n in nodes):
                flags.append(f"{which}: sorts every match")
    filtered = case.kind != "baseline" and any(k not in ("sort", "order") for k, _ in case.params)
    for which, plan in both.items():
        walks = any("ix_tasks_owner_created (owner_id=?)" in line for line in plan)
        if dialect == "sqlite" and filtered and walks:
            flags.append(f"{which}: walks all the owner's tasks (created index), filtering each")
    return flags


def explain_all(users: dict[int, Seeded], the_cases: list[Case]) -> dict[tuple[int, str], CaseSql]:
    from todo_app.db import get_engine
    from todo_app.tasks import queries

    engine = get_engine()
    dialect = engine.dialect.name
    out: dict[tuple[int, str], CaseSql] = {}
    for size, seeded in users.items():
        for case in the_cases:
            query = task_query(resolve(case, seeded))
            with captured_sql() as seen:
                queries.list_tasks(seeded.user_id, query=query)
            page = next(Sql(s, p) for s, p in seen if "FROM tasks" in s and "LIMIT" in s)
            count = next(Sql(s, p) for s, p in seen if "count(*)" in s and "FROM tasks" in s)
            tags = next((Sql(s, p) for s, p in seen if "FROM task_tags" in s), None)
            times = []
            for _ in range(9):
                start = time.perf_counter()
                queries.list_tasks(seeded.user_id, query=query)
                times.append((time.perf_counter() - start) * 1000)
            with engine.connect() as conn:
                for sql in (page, count, tags):
                    if sql is None:
                        continue
                    plan = _sqlite_plan if dialect == "sqlite" else _pg_plan
                    sql.plan = plan(conn, sql.statement, sql.params)
                    sql.ms = _time_sql(conn, sql.statement, sql.params)
            out[(size, case.name)] = CaseSql(
                page, count, tags, statistics.median(times),
                flags_of(case, page.plan, count.plan, dialect),
            )  # fmt: skip
    return out


# --- Chromium -----------------------------------------------------------------------------

# At document start: when the wanted task's checkbox first shows up, then the frame after it.
FIRST_PAINT_JS = r"""
(() => {
  const want = __WANT__[location.pathname + location.search];
  window.__fp = {want: want || null};
  if (!want) return;
  const sel = 'button[role="checkbox"][aria-label="' + CSS.escape(want) + '"]';
  const seen = () => {
    if (window.__fp.dom || !document.querySelector(sel)) return;
    window.__fp.dom = performance.now();
    obs.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__fp.paint = performance.now(); }, 0));
  };
  const obs = new MutationObserver(seen);
  obs.observe(document, {subtree: true, childList: true, attributes: true});
  // The websocket: first frame sent (socket.io CONNECT, which carries the hydrate) and the
  // first frame received that names the wanted task (the delta with the view's rows).
  const Socket = window.WebSocket;
  window.WebSocket = class extends Socket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (e) => {
        if (!window.__fp.ws_rows && typeof e.data === "string" && e.data.includes(want))
          window.__fp.ws_rows = performance.now();
      });
    }
    send(data) {
      if (!window.__fp.ws_sent) window.__fp.ws_sent = performance.now();
      return super.send(data);
    }
  };
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries())
        if (e.name === "first-contentful-paint") window.__fp.fcp = e.startTime;
    }).observe({type: "paint", buffered: true});
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) window.__fp.lcp = e.startTime;
    }).observe({type: "largest-contentful-paint", buffered: true});
  } catch (e) {}
})();
"""


@dataclass
class Paint:
    paint: c.Samples = field(default_factory=c.Samples)
    dom: c.Samples = field(default_factory=c.Samples)
    fcp: c.Samples = field(default_factory=c.Samples)
    sent: c.Samples = field(default_factory=c.Samples)  # navigation -> first websocket frame
    server: c.Samples = field(default_factory=c.Samples)  # first frame -> the rows' delta
    render: c.Samples = field(default_factory=c.Samples)  # the rows' delta -> painted
    lcp: c.Samples = field(default_factory=c.Samples)


def page_urls() -> list[str]:
    return ["/", "/?view=today", f"/?tag={TAG_NAMES[0]}"]


def first_titles(api: Api, seeded: Seeded) -> dict[str, str]:
    """The first task each URL's view shows, from the API's equivalent of the view."""
    views = {
        "/": [],
        "/?view=today": [("due_before", seeded.today.isoformat()), ("sort", "due")],
        f"/?tag={TAG_NAMES[0]}": [("tag", TAG_NAMES[0])],
    }
    return {
        url: api.get(api_path(p), seeded.token)[1]["items"][0]["title"] for url, p in views.items()
    }


def _one_load(
    context: Any, base: str, url: str, timeout_s: float, errors: list[str]
) -> dict | None:
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(base + url, wait_until="commit", timeout=timeout_s * 1000)
        page.wait_for_function("window.__fp && window.__fp.paint", timeout=timeout_s * 1000)
        page.wait_for_timeout(150)  # LCP entries still queued
        return page.evaluate("window.__fp")
    except Exception as exc:  # a timeout is a missing sample, reported
        print(f"  load {url} failed: {str(exc).splitlines()[0]}", flush=True)
        return None
    finally:
        page.close()


def measure_paint(
    server_url: str, users: dict[int, Seeded], titles: dict[int, dict[str, str]], loads: int,
    budget_s: float, rng: random.Random,
) -> tuple[dict[tuple[str, int, str], Paint], list[str]]:  # fmt: skip
    from playwright.sync_api import sync_playwright

    results: dict[tuple[str, int, str], Paint] = defaultdict(Paint)
    errors: list[str] = []

    def new_context(browser: Any, seeded: Seeded) -> Any:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_init_script(f"localStorage.setItem('todo_token', {json.dumps(seeded.token)})")
        context.add_init_script(FIRST_PAINT_JS.replace("__WANT__", json.dumps(titles[seeded.size])))
        return context

    with c.sync_playwright_browser(sync_playwright) as browser:
        warm = {}
        for size, seeded in users.items():
            warm[size] = new_context(browser, seeded)
            for url in page_urls():  # fills the HTTP cache; not recorded
                _one_load(warm[size], server_url, url, 90, errors)
        began = time.monotonic()
        for n in range(loads):
            if time.monotonic() - began > budget_s:
                print(f"  browser time budget ({budget_s:.0f} s) reached after {n} rounds")
                break
            plan = [
                (mode, size, url)
                for mode in ("cold", "warm")
                for size in users
                for url in page_urls()
            ]
            rng.shuffle(plan)
            for mode, size, url in plan:
                if mode == "cold":
                    context = new_context(browser, users[size])
                    got = _one_load(context, server_url, url, 60, errors)
                    context.close()
                else:
                    got = _one_load(warm[size], server_url, url, 60, errors)
                r = results[(mode, size, url)]
                r.paint.add(got.get("paint") if got else None)
                r.dom.add(got.get("dom") if got else None)
                if got and got.get("fcp") is not None:
                    r.fcp.add(got["fcp"])
                if got and got.get("lcp") is not None:
                    r.lcp.add(got["lcp"])
                if got and got.get("ws_sent") and got.get("ws_rows"):
                    r.sent.add(got["ws_sent"])
                    r.server.add(got["ws_rows"] - got["ws_sent"])
                    r.render.add(got["paint"] - got["ws_rows"])
            print(f"  browser round {n + 1}/{loads} ({time.monotonic() - began:.0f} s)", flush=True)
        for context in warm.values():
            context.close()
    return results, errors


# --- the report ---------------------------------------------------------------------------


def _ratio(a: float, b: float) -> float:
    return a / b if b and not math.isnan(a) and not math.isnan(b) else math.nan


def report(
    args: argparse.Namespace, users: dict[int, Seeded], the_cases: list[Case], totals: dict,
    api: dict, sql: dict, paint: dict, paint_errors: list[str], notes: list[str],
) -> tuple[str, list[str]]:  # fmt: skip
    sizes = sorted(users)
    small, big = sizes[0], sizes[-1]
    base = the_cases[0].name
    out: list[str] = []
    misses: list[str] = []
    out.append(f"### `GET /api/tasks`, first page (limit {PAGE}), ms per request, one at a time")
    out.append("")
    header = ["case"]
    for size in sizes:
        header += [f"{size:,} matches", f"{size:,} p50", f"{size:,} p95"]
        header += [f"{size:,} p50 x base", f"{size:,} p95 x base"]
    header += [
        f"p50 {big // 1000}k/{small // 1000}k",
        f"p95 {big // 1000}k/{small // 1000}k",
        "verdict (p95)",
        "same on p50",
    ]
    rows = []
    for case in the_cases:
        row = [case.name]
        ok = ok50 = True
        for size in sizes:
            s = api[(size, case.name)]
            b = api[(size, base)]
            r = _ratio(s.p(95), b.p(95))
            r50 = _ratio(s.median, b.median)
            row += [f"{totals[(size, case.name)]:,}", c.fmt(s.median), c.fmt(s.p(95))]
            row += [c.fmt(r50, 2), c.fmt(r, 2)]
            ok &= case.kind == "baseline" or r <= RATIO_MAX
            ok50 &= case.kind == "baseline" or r50 <= RATIO_MAX
        flat50 = _ratio(api[(big, case.name)].median, api[(small, case.name)].median)
        flat = _ratio(api[(big, case.name)].p(95), api[(small, case.name)].p(95))
        ok &= flat <= FLAT_MAX
        ok50 &= flat50 <= FLAT_MAX
        row += [c.fmt(flat50, 2), c.fmt(flat, 2), "PASS" if ok else "MISS"]
        row.append("PASS" if ok50 else "MISS")
        if not ok:
            misses.append(case.name)
        rows.append(row)
    out.append(c.table(header, rows))
    n = {api[k].n for k in api}
    out.append("")
    out.append(
        f"Samples per cell: {', '.join(map(str, sorted(n)))}. `x base` = this case's p50 or p95 "
        f"/ the unfiltered one of the same size (target: p95 <= {RATIO_MAX}); "
        f"`{big // 1000}k/{small // 1000}k` "
        f"= the same case at {big:,} tasks / at {small:,} (flat: <= {FLAT_MAX}, our reading of "
        f'"flat"). PASS needs both; the target is on p95, "same on p50" applies both rules to '
        f"the medians, which a shared machine disturbs less. {len(misses)} of "
        f"{len(the_cases)} cases MISS on p95."
    )
    out.append("")
    out.append("### Where the time goes: in-process, the seeded database (median ms)")
    out.append("")
    header = ["case"]
    for size in sizes:
        header += [f"{size:,} list_tasks", f"{size:,} page SQL", f"{size:,} count SQL"]
    header += ["plan flags"]
    rows = []
    for case in the_cases:
        row = [case.name]
        for size in sizes:
            x = sql[(size, case.name)]
            row += [c.fmt(x.service_ms, 2), c.fmt(x.page.ms, 2), c.fmt(x.count.ms, 2)]
        row.append("; ".join(sql[(big, case.name)].flags) or "index only")
        rows.append(row)
    out.append(c.table(header, rows))
    out.append("")
    out.append(
        "`list_tasks` is the whole service call (zone lookup, page, count, the page's tags), "
        "without HTTP or authentication; page/count SQL are the two statements alone."
    )
    if paint:
        out.append("")
        out.append("### First paint of the task list in Chromium (ms from navigation start)")
        out.append("")
        header = ["load", "tasks", "URL", "n", "paint p50", "paint p95", "x `/` p50", "x `/` p95",
                  "FCP p50", "nav→ws p50", "ws→rows p50", "x `/`", "rows→paint p50"]  # fmt: skip
        rows = []
        for mode in ("cold", "warm"):
            for size in sizes:
                root = paint[(mode, size, "/")]
                for url in page_urls():
                    p = paint[(mode, size, url)]
                    failed = f" ({p.paint.timeouts} failed)" if p.paint.timeouts else ""
                    rows.append([
                        mode, f"{size:,}", f"`{url}`", f"{p.paint.n}{failed}",
                        c.fmt(p.paint.median, 0), c.fmt(p.paint.p(95), 0),
                        c.fmt(_ratio(p.paint.median, root.paint.median), 2),
                        c.fmt(_ratio(p.paint.p(95), root.paint.p(95)), 2),
                        c.fmt(p.fcp.median, 0), c.fmt(p.sent.median, 0),
                        c.fmt(p.server.median, 0),
                        c.fmt(_ratio(p.server.median, root.server.median), 2),
                        c.fmt(p.render.median, 0),
                    ])  # fmt: skip
        out.append(c.table(header, rows))
        out.append("")
        out.append(
            "paint: navigation start -> the view's first task painted. Its parts (medians): "
            "nav→ws, navigation -> the first websocket frame sent (bundle, React, the socket); "
            "ws→rows, that frame -> the first frame received naming the task (hydrate and the "
            "on_load event on the server: session check, lists, the page, tags, counts); "
            "rows→paint, that frame -> painted (React renders the rows). `x /` after ws→rows "
            "is its ratio to `/`."
        )
        out.append("")
        header = (
            ["load", "URL"]
            + [f"p50 {s:,}" for s in sizes]
            + [f"{big // 1000}k/{small // 1000}k p50", "x `/` <= 1.5 and flat"]
        )
        rows = []
        for mode in ("cold", "warm"):
            for url in page_urls():
                meds = [paint[(mode, s, url)].paint.median for s in sizes]
                ok = (
                    all(
                        _ratio(
                            paint[(mode, s, url)].paint.median, paint[(mode, s, "/")].paint.median
                        )
                        <= RATIO_MAX
                        for s in sizes
                    )
                    and _ratio(meds[-1], meds[0]) <= FLAT_MAX
                )
                flat = c.fmt(_ratio(meds[-1], meds[0]), 2)
                cells = [c.fmt(m, 0) for m in meds]
                rows.append([mode, f"`{url}`", *cells, flat, "PASS" if ok else "MISS"])
                if not ok:
                    misses.append(f"paint {mode} {url}")
        out.append(c.table(header, rows))
        if paint_errors:
            out.append(f"\nPage errors: {len(paint_errors)}; first: {paint_errors[0][:200]}")
    out.append("")
    out.append(f"### Query plans of the {big:,}-task user (the page query, then its count)")
    out.append("")
    for case in the_cases:
        x = sql[(big, case.name)]
        small_x = sql[(small, case.name)]
        same = small_x.page.plan == x.page.plan and small_x.count.plan == x.count.plan
        out.append(
            f"**{case.name}**"
            + ("" if same else f" (the {small:,}-task user's plan differs, shown after)")
        )
        out.append("")
        out.append("    page:  " + "\n           ".join(x.page.plan))
        out.append("    count: " + "\n           ".join(x.count.plan))
        if not same:
            out.append(f"    {small:,} page:  " + "\n                 ".join(small_x.page.plan))
            out.append(f"    {small:,} count: " + "\n                 ".join(small_x.count.plan))
        out.append("")
    tags = sql[(big, base)].tags
    if tags is not None:
        out.append("**the page's tags (every case)**")
        out.append("")
        out.append("    " + "\n    ".join(tags.plan))
        out.append("")
    out.append("SQL of the unfiltered page as the service sends it:")
    out.append("")
    out.append("    " + " ".join(sql[(big, base)].page.statement.split()))
    out.append("")
    if notes:
        out.append("Notes: " + " ".join(notes))
    return "\n".join(out), misses


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", default="1000,10000", help="tasks per user, comma-separated")
    parser.add_argument("--samples", type=int, default=150, help="API requests per (size, case)")
    parser.add_argument("--api-budget-s", type=float, default=300, help="cap on the API part")
    parser.add_argument("--loads", type=int, default=10, help="page loads per (mode, size, URL)")
    parser.add_argument("--paint-budget-s", type=float, default=240, help="cap on the browser part")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--analyze", action="store_true", help="SQLite: run ANALYZE after seeding (not the app's)"
    )
    parser.add_argument("--report", help="also write the Markdown report to this file")
    args = parser.parse_args()
    sizes = sorted({int(x) for x in args.sizes.split(",")})
    if len(sizes) < 2:
        parser.error("--sizes needs two sizes to compare")

    started = time.monotonic()
    rng = random.Random(SEED)
    scratch = c.scratch_dir("bench-organise-")
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {c.loadavg()}", flush=True)
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        env = {"TODO_BCRYPT_ROUNDS": "4", "TODO_SIGN_UPS_PER_HOUR": "0"}
        if args.db == "postgresql":
            name = stack.enter_context(c.pg_database("bench_organise"))
            env["REFLEX_DB_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        server = c.Server("organise", scratch, env)
        stack.callback(c.remove_trees, scratch)
        stack.callback(server.stop)
        stack.enter_context(c.app_env(TODO_DATA_DIR=str(server.data_dir), **env))
        from todo_app.db import get_engine, migrate

        migrate()  # before the server starts, so seeding can run while it builds
        failed: list[BaseException] = []

        def start() -> None:
            try:
                c.start_all([server])
            except BaseException as exc:  # reported by the main thread
                failed.append(exc)

        starter = threading.Thread(target=start, daemon=True)
        try:
            starter.start()
            users: dict[int, Seeded] = {}
            for size in sizes:
                users[size] = seed(size, rng)
                print(f"seeded {size:,} tasks in {users[size].seconds:.1f} s", flush=True)
            if args.db == "postgresql" or args.analyze:
                with get_engine().begin() as conn:  # a live database has autovacuum's statistics
                    conn.exec_driver_sql("ANALYZE")
                notes.append(f"{args.db}: ANALYZE was run after seeding (planner statistics).")
            else:
                notes.append(
                    "SQLite: no ANALYZE (the app never runs it), so the planner has no statistics."
                )
            starter.join(c.START_TIMEOUT_S + 30)
            if starter.is_alive() or failed:
                raise RuntimeError(f"the server did not start: {failed}; see {server.log_path}")
            api = Api(server.port)
            for seeded in users.values():  # through the API once: the route the page uses
                api.patch_zone(seeded.token, ZONE)
            the_cases = cases(users[sizes[0]].today)
            if any(s.today != users[sizes[0]].today for s in users.values()):
                raise SystemExit("the day changed while seeding; run again")
            totals = verify(api, users, the_cases, sortable_titles=args.db == "sqlite")
            print(f"all {len(the_cases)} cases return what the seed says", flush=True)
            api_results = measure_api(api, users, the_cases, args.samples, args.api_budget_s, rng)
            paint: dict = {}
            paint_errors: list[str] = []
            if not args.no_browser:
                titles = {size: first_titles(api, seeded) for size, seeded in users.items()}
                paint, paint_errors = measure_paint(
                    server.url, users, titles, args.loads, args.paint_budget_s, rng
                )
            print("explaining the queries", flush=True)
            sql = explain_all(users, the_cases)
        except BaseException:
            print(f"--- server log tail ---\n{server.tail()}", file=sys.stderr)
            raise
        finally:
            get_engine().dispose()

    text, misses = report(
        args, users, the_cases, totals, api_results, sql, paint, paint_errors, notes
    )
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    command = "python bench/organise_bench.py " + " ".join(sys.argv[1:])
    head = (
        f"## organise_bench, {stamp}, {args.db}\n\nmachine: {c.machine()}; load average after: "
        f"{c.loadavg()}; run took {time.monotonic() - started:.0f} s\n\n    {command.strip()}\n"
    )
    full = head + "\n" + text + "\n\nMISSES: " + (", ".join(misses) if misses else "none") + "\n"
    print("\n" + full)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as out:
            out.write(full)
    (scratch / "report.md").write_text(full, encoding="utf-8")
    print(f"report also in {scratch / 'report.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
