"""Manual order at scale: a move in a list of 10 tasks against a move in a list of 10,000.

Issue 17, "Positions": "Moving one task writes one row, not the whole list ... Show in
`bench/` that a move in a list of 10,000 tasks costs the same as one in a list of 10."

What it does, in this process (no server: the move's cost is the service's, and the REST
route and the page's socket only wrap it):

- A fresh database, migrated to the newest revision (``todo_app.db.migrate``): SQLite in a
  scratch folder by default, or a fresh PostgreSQL database on 127.0.0.1:5432 with
  ``--db postgresql`` (``_common.pg_database``, dropped afterwards; ANALYZE after seeding,
  as a live database has autovacuum's statistics).
- One user with two lists, one of 10 and one of 10,000 top-level tasks (``--sizes``),
  bulk-inserted with evenly made manual-order keys (``order_keys.spread``), as the migration
  gives existing tasks.
- Before anything is timed, for each size: the statements one move issues (SQLAlchemy
  ``before_cursor_execute``) must be the same for both sizes with exactly one
  ``UPDATE tasks``, the move must change exactly one row's version, and the order must be
  the one asked for (right before the sibling named, or last). Any difference stops the run.
- The phases, each a call timed with ``perf_counter`` around it (one transaction each):
  ``before``: ``moves.move_task`` of a random task right before a random sibling;
  ``last``: the same with ``before_id`` null; ``under``: under a random sibling (last among
  its sub-tasks); ``out``: that task back out to the top level, before a random sibling
  (so the list stays flat); ``engine``: the ``move`` kind through ``mutations.apply``
  (parse not timed; its exactly-once claim and undo plan included), before a random sibling.
  Each round runs every (size, phase) once in a new random order, so drift in the machine's
  load hits every case alike; a few rounds are run first and not counted.
- Reported: n, p50, p95 and mean per (phase, size), and the ratio 10k/10 of p50 and p95 per
  phase. Exits non-zero if a phase got no samples, if any move failed, or if a check above
  failed; a ratio is reported, not judged (FLAT_MAX marks what reads as "the same").

    . .venv/bin/activate
    python bench/move_bench.py [--db sqlite|postgresql] [--sizes 10,10000] [--rounds 300]
        [--warmup 20] [--report FILE]

About 20 s on SQLite and 40 s on PostgreSQL on 2 shared vCPUs (seeding included).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import re
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import _common as c

PHASES = ("before", "last", "under", "out", "engine")
SEED = 20261207
FLAT_MAX = 1.5  # reads as "the same": the 10k figure at most this many times the 10 figure


# --- the seed -----------------------------------------------------------------------------


def seed(sizes: list[int]) -> tuple[uuid.UUID, dict[int, tuple[uuid.UUID, list[uuid.UUID]]]]:
    """One user with a list of each size; returns the user and, per size, the list's id and
    its tasks' ids in manual order."""
    import sqlalchemy as sa

    from todo_app.db import session_scope
    from todo_app.lists import service as lists_service
    from todo_app.models import Task, User, utcnow
    from todo_app.tasks import order_keys

    owner = uuid.uuid4()
    with session_scope() as session:
        session.add(User(id=owner, email="move-bench@example.com", name="Bench", password_hash="x"))  # noqa: S106
    now = utcnow()
    lists: dict[int, tuple[uuid.UUID, list[uuid.UUID]]] = {}
    for size in sizes:
        list_id = lists_service.create_list(owner, f"{size} tasks").id
        ids = [uuid.uuid4() for _ in range(size)]
        rows = [
            {
                "id": task_id,
                "owner_id": owner,
                "title": f"Task {i:05d} of {size}",
                "list_id": list_id,
                "position": key,
                "created_at": now - dt.timedelta(seconds=i),
                "updated_at": now,
                "reminders": [],
            }
            for i, (task_id, key) in enumerate(zip(ids, order_keys.spread(size), strict=True))
        ]
        with session_scope() as session:
            for start in range(0, size, 2000):
                session.execute(sa.insert(Task), rows[start : start + 2000])
        lists[size] = (list_id, ids)
    return owner, lists


# --- the checks ---------------------------------------------------------------------------


def statements_of(call: Callable[[], Any]) -> list[str]:
    """The statements ``call()`` issues, as "VERB table"."""
    from sqlalchemy import event

    from todo_app.db import get_engine

    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        table = re.search(r"(?:FROM|UPDATE|INTO) (\w+)", statement)
        if table is not None:
            seen.append(f"{statement.split()[0]} {table.group(1)}")

    event.listen(get_engine(), "before_cursor_execute", listen)
    try:
        call()
    finally:
        event.remove(get_engine(), "before_cursor_execute", listen)
    return seen


def _versions(list_id: uuid.UUID) -> dict[uuid.UUID, int]:
    import sqlalchemy as sa

    from todo_app.db import session_scope
    from todo_app.models import Task

    with session_scope() as session:
        rows = session.execute(sa.select(Task.id, Task.version).where(Task.list_id == list_id))
        return {task_id: version for task_id, version in rows}


def _top_level_order(list_id: uuid.UUID) -> list[uuid.UUID]:
    import sqlalchemy as sa

    from todo_app.db import session_scope
    from todo_app.models import Task

    with session_scope() as session:
        rows = session.execute(
            sa.select(Task.id)
            .where(Task.list_id == list_id, Task.parent_id.is_(None))
            .order_by(Task.position, Task.id)
        )
        return list(rows.scalars())


def check(owner: uuid.UUID, lists: dict[int, tuple[uuid.UUID, list[uuid.UUID]]]) -> list[str]:
    """Every kind of move writes one row, issues the same statements at every size, and
    lands where asked; returns the statements of each (one line each), stops otherwise."""
    from todo_app.tasks import moves as task_moves
    from todo_app.tasks import queries

    shapes: dict[str, dict[int, list[str]]] = {}
    for size, (list_id, ids) in lists.items():

        def right_before(task: uuid.UUID, before: uuid.UUID, list_id: uuid.UUID = list_id) -> bool:
            order = _top_level_order(list_id)
            return order.index(task) + 1 == order.index(before)

        def nested(task: uuid.UUID, parent: uuid.UUID) -> bool:
            return queries.get_task(owner, task).parent_id == parent

        moves: list[tuple[str, Callable[[], Any], Callable[[], bool]]] = [
            (
                "before",
                lambda ids=ids: task_moves.move_task(owner, ids[-1], None, ids[1]),
                lambda ids=ids: right_before(ids[-1], ids[1]),
            ),
            (
                "last",
                lambda ids=ids: task_moves.move_task(owner, ids[0], None, None),
                lambda ids=ids, list_id=list_id: _top_level_order(list_id)[-1] == ids[0],
            ),
            (
                "under",
                lambda ids=ids: task_moves.move_task(owner, ids[2], ids[3], None),
                lambda ids=ids: nested(ids[2], ids[3]),
            ),
            (
                "out",
                lambda ids=ids: task_moves.move_task(owner, ids[2], None, ids[4]),
                lambda ids=ids: right_before(ids[2], ids[4]),
            ),
            (
                "engine",
                lambda ids=ids: applied(owner, ids[5], ids[1]),
                lambda ids=ids: right_before(ids[5], ids[1]),
            ),
        ]
        for name, move, landed in moves:
            versions = _versions(list_id)
            shapes.setdefault(name, {})[size] = statements_of(move)
            written = [i for i, v in _versions(list_id).items() if v != versions[i]]
            if len(written) != 1:
                raise SystemExit(f"{name} in {size:,}: {len(written)} rows written, not 1")
            if not landed():
                raise SystemExit(f"{name} in {size:,}: the task is not where it was asked to go")
    lines = []
    for name, by_size in shapes.items():
        first, *others = by_size.values()
        if any(other != first for other in others):
            raise SystemExit(f"{name}: the statements differ by size: {by_size}")
        if first.count("UPDATE tasks") != 1:
            raise SystemExit(f"{name}: {first.count('UPDATE tasks')} UPDATEs of tasks: {first}")
        lines.append(f"`{name}`: {', '.join(first)}")
    return lines


def applied(owner: uuid.UUID, task_id: uuid.UUID, before_id: uuid.UUID | None) -> None:
    """The ``move`` kind through the engine, parsed first (not part of what ``engine`` times
    in the rounds: see ``_engine``)."""
    from todo_app.tasks import mutations

    m = mutations.parse(
        {
            "mid": str(uuid.uuid4()),
            "kind": "move",
            "task_id": str(task_id),
            "fields": {"parent_id": None, "before_id": str(before_id) if before_id else None},
        }
    )
    receipt = mutations.apply(owner, m)
    if receipt.status != mutations.APPLIED:
        raise RuntimeError(f"move kind: {receipt}")


# --- the rounds ---------------------------------------------------------------------------


class Runner:
    """One (size, phase) sample at a time, timed; failures are counted, never hidden."""

    def __init__(self, owner: uuid.UUID, lists: dict[int, tuple[uuid.UUID, list[uuid.UUID]]]):
        from todo_app.tasks import moves as task_moves
        from todo_app.tasks import mutations

        self.owner = owner
        self.lists = lists
        self.task_moves = task_moves
        self.mutations = mutations
        self.rng = random.Random(SEED)
        self.samples: dict[tuple[str, int], c.Samples] = {}
        self.errors: dict[tuple[str, int], list[str]] = {}
        self.nested: dict[int, uuid.UUID | None] = dict.fromkeys(lists)

    def _two(self, size: int) -> tuple[uuid.UUID, uuid.UUID]:
        ids = self.lists[size][1]
        task, other = self.rng.sample(ids, 2)
        return task, other

    def _time(self, phase: str, size: int, call: Callable[[], Any], record: bool) -> None:
        try:
            started = time.perf_counter()
            call()
            ms = (time.perf_counter() - started) * 1000
        except Exception as exc:  # counted and reported: a failed move is a finding
            self.errors.setdefault((phase, size), []).append(repr(exc)[:200])
            return
        if record:
            self.samples.setdefault((phase, size), c.Samples()).add(ms)

    def run(self, phase: str, size: int, record: bool) -> None:
        owner, task_moves = self.owner, self.task_moves
        if phase in ("under", "out"):
            # "under" nests a task; the next "out" of this size takes it back to the top level
            # (a round runs both; whichever comes first decides for this round).
            nested = self.nested[size]
            if nested is None:
                task, parent = self._two(size)
                self._time(
                    "under", size, lambda: task_moves.move_task(owner, task, parent, None), record
                )
                self.nested[size] = task
            else:
                task, before = nested, self._two(size)[0]
                while before == task:
                    before = self._two(size)[0]
                self._time(
                    "out", size, lambda: task_moves.move_task(owner, task, None, before), record
                )
                self.nested[size] = None
            return
        task, other = self._two(size)
        if self.nested[size] in (task, other):
            return self.run(phase, size, record)  # a nested task is not a top-level sibling
        if phase == "before":
            self._time(phase, size, lambda: task_moves.move_task(owner, task, None, other), record)
        elif phase == "last":
            self._time(phase, size, lambda: task_moves.move_task(owner, task, None, None), record)
        elif phase == "engine":
            m = self.mutations.parse(
                {
                    "mid": str(uuid.uuid4()),
                    "kind": "move",
                    "task_id": str(task),
                    "fields": {"parent_id": None, "before_id": str(other)},
                }
            )

            def engine() -> None:
                receipt = self.mutations.apply(owner, m)
                if receipt.status != self.mutations.APPLIED:
                    raise RuntimeError(f"{receipt.status} {receipt.reason} {receipt.detail}")

            self._time(phase, size, engine, record)
        else:
            raise AssertionError(phase)


def rounds(runner: Runner, sizes: list[int], count: int, record: bool) -> None:
    for _ in range(count):
        # "under" and "out" alternate per size: both run in every round, in either order.
        pairs = [(phase, size) for size in sizes for phase in PHASES]
        runner.rng.shuffle(pairs)
        for phase, size in pairs:
            runner.run(phase, size, record)


# --- the report ---------------------------------------------------------------------------


def report(runner: Runner, sizes: list[int]) -> tuple[str, list[str]]:
    small, large = sizes[0], sizes[-1]
    rows, problems = [], []
    for phase in PHASES:
        cells = [f"`{phase}`"]
        for size in (small, large):
            s = runner.samples.get((phase, size), c.Samples())
            if s.n == 0:
                problems.append(f"{phase} at {size:,} tasks: no samples")
            mean = sum(s.values) / s.n if s.n else float("nan")
            cells += [str(s.n), c.fmt(s.median, 2), c.fmt(s.p(95), 2), c.fmt(mean, 2)]
        a = runner.samples.get((phase, small), c.Samples())
        b = runner.samples.get((phase, large), c.Samples())
        p50 = b.median / a.median if a.n and b.n else float("nan")
        p95 = b.p(95) / a.p(95) if a.n and b.n else float("nan")
        verdict = "same" if p50 <= FLAT_MAX else "grows"
        cells += [c.fmt(p50, 2), c.fmt(p95, 2), verdict]
        rows.append(cells)
    for (phase, size), errors in runner.errors.items():
        problems.append(f"{phase} at {size:,} tasks: {len(errors)} failed, e.g. {errors[0]}")
    header = ["phase"]
    for size in (small, large):
        header += [f"{size:,} n", f"{size:,} p50 ms", f"{size:,} p95 ms", f"{size:,} mean ms"]
    header += [f"p50 {large:,}/{small:,}", f"p95 {large:,}/{small:,}", "p50 verdict"]
    return c.table(header, rows), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--sizes", default="10,10000")
    parser.add_argument("--rounds", type=int, default=300, help="samples per (size, phase)")
    parser.add_argument("--warmup", type=int, default=20, help="rounds not counted")
    parser.add_argument("--report", help="also write the Markdown report to this file")
    args = parser.parse_args()
    sizes = sorted({int(x) for x in args.sizes.split(",")})
    if len(sizes) != 2 or sizes[0] < 7:
        parser.error("--sizes needs two sizes to compare, each of at least 7 tasks")

    began = time.monotonic()
    scratch = c.scratch_dir("bench-move-")
    load_before = c.loadavg()
    print(f"scratch: {scratch}\nmachine: {c.machine()}\nload average: {load_before}", flush=True)
    with contextlib.ExitStack() as stack:
        env = {"TODO_ENV": "test", "TODO_DATA_DIR": str(scratch)}
        if args.db == "postgresql":
            name = stack.enter_context(c.pg_database("bench_move"))
            env["REFLEX_DB_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        else:
            env["REFLEX_DB_URL"] = f"sqlite:///{scratch}/move.db"
        stack.enter_context(c.app_env(**env))
        from todo_app.db import get_engine, migrate

        stack.callback(lambda: get_engine().dispose())
        migrate()
        seeded = time.monotonic()
        owner, lists = seed(sizes)
        if args.db == "postgresql":
            with get_engine().begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        print(f"seeded {' and '.join(f'{s:,}' for s in sizes)} tasks in "
              f"{time.monotonic() - seeded:.1f} s", flush=True)  # fmt: skip
        statements = check(owner, lists)
        print("checked: one row, the same statements at both sizes, the order asked for")
        runner = Runner(owner, lists)
        rounds(runner, sizes, args.warmup, record=False)
        runner.errors.clear()
        timed = time.monotonic()
        rounds(runner, sizes, args.rounds, record=True)
        seconds = time.monotonic() - timed
    table, problems = report(runner, sizes)
    dialect = "PostgreSQL" if args.db == "postgresql" else "SQLite"
    lines = [
        f"### {dialect} ({dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"`python bench/move_bench.py{' --db postgresql' if args.db == 'postgresql' else ''}`, "
        f"{time.monotonic() - began:.0f} s)",
        "",
        f"Machine: {c.machine()}; load average {load_before} before, {c.loadavg()} after; "
        f"{args.rounds} rounds ({seconds:.1f} s timed) after {args.warmup} not counted.",
        "",
        table,
        "",
        "Statements per move (the same at both sizes):",
        "",
        *(f"- {line}" for line in statements),
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
