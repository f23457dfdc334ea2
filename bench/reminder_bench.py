"""The reminder scheduler with 100,000 reminders spread over a day: time per tick, delay.

Seeds one database (SQLite by default, ``--pg`` for a fresh PostgreSQL one) with N tasks,
each with one reminder, their times spread evenly over 24 hours from now. Then it runs the
scheduler's claim (``reminders.service.claim_due``) the way the lifespan task does, one tick
a second, but with the clock moved: each tick claims what fell due in the second before it,
so a few hundred ticks cover a busy stretch of the day. Reported: database time per tick
(median, p95, max), the delay from a reminder's time to its delivery (the wait for the next
tick plus the claim itself; at most TICK + claim time), and the claim's query plan, which must
use the partial index of unfired reminders, never a scan of the table.

    python bench/reminder_bench.py [--reminders 100000] [--ticks 300] [--pg]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument("--pg", action="store_true", help="a fresh PostgreSQL database")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="todo-reminder-bench-"))
    os.environ["TODO_DATA_DIR"] = str(data)
    os.environ["TODO_ENV"] = "test"
    pg = None
    if args.pg:
        from tests.services import fresh_pg_database

        pg = fresh_pg_database()
        os.environ["REFLEX_DB_URL"] = pg.__enter__()
    else:
        os.environ["REFLEX_DB_URL"] = f"sqlite:///{data}/bench.db"
    try:
        return run(args)
    finally:
        if pg is not None:
            from todo_app.db import get_engine

            get_engine().dispose()
            pg.__exit__(None, None, None)


def run(args: argparse.Namespace) -> int:
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    from todo_app.db import get_engine, session_scope
    from todo_app.models import Reminder, Task, User
    from todo_app.reminders import scheduler, service

    engine = get_engine()
    SQLModel.metadata.create_all(engine)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
    spread = timedelta(days=1) / args.reminders
    owner = uuid.uuid4()
    t0 = time.perf_counter()
    with session_scope() as s:
        s.add(User(id=owner, email="bench@example.com", name="Bench", password_hash="x"))  # noqa: S106
        s.flush()
        batch = 5_000
        for first in range(0, args.reminders, batch):
            tasks, reminders = [], []
            for i in range(first, min(first + batch, args.reminders)):
                task_id = uuid.uuid4()
                due = start + spread * i
                tasks.append(
                    {
                        "id": task_id,
                        "owner_id": owner,
                        "title": f"Task {i}",
                        "description": "",
                        "completed": False,
                        "version": 1,
                        "created_at": start,
                        "updated_at": start,
                        "priority": 0,
                        "due_date": due.date(),
                        "due_time": due.time(),
                        "due_at": due,
                        "reminders": [0],
                    }
                )
                reminders.append(
                    {
                        "id": uuid.uuid4(),
                        "task_id": task_id,
                        "owner_id": owner,
                        "minutes_before": 0,
                        "fire_at": due,
                    }
                )
            s.exec(sa.insert(Task), params=tasks)
            s.exec(sa.insert(Reminder), params=reminders)
    seeded = time.perf_counter() - t0

    per_tick: list[float] = []
    delays: list[float] = []
    delivered = 0
    # A busy stretch: ticks as far apart as the scheduler's, from the first reminder on
    # (with 100,000 a day, about 1.2 reminders fall due each second).
    step = timedelta(seconds=scheduler.TICK_SECONDS)
    for tick in range(1, args.ticks + 1):
        now = start + step * tick
        t = time.perf_counter()
        got = service.claim_due(now=now)
        took = time.perf_counter() - t
        per_tick.append(took * 1000)
        delivered += len(got)
        for n in got:
            delays.append((now - n.fire_at).total_seconds() + took)

    expected = sum(1 for i in range(args.reminders) if spread * i <= step * args.ticks)
    plan = explain(engine)
    print(f"database: {engine.url.get_backend_name()}, reminders: {args.reminders:,}")
    print(f"seeded in {seeded:.1f} s; {args.ticks} ticks; delivered {delivered} of {expected}")
    p95 = sorted(per_tick)[int(len(per_tick) * 0.95) - 1]
    print(
        f"time per tick (ms): median {statistics.median(per_tick):.2f}, p95 {p95:.2f}, "
        f"max {max(per_tick):.2f}"
    )
    if delays:
        print(
            f"delay from due to delivered (s): median {statistics.median(delays):.3f}, "
            f"max {max(delays):.3f} (tick {scheduler.TICK_SECONDS} s)"
        )
    print("claim plan:\n  " + "\n  ".join(plan))
    scans = [line for line in plan if "SCAN reminders" in line or "Seq Scan on reminders" in line]
    ok = delivered == expected and (not delays or max(delays) <= 1.0) and not scans
    print("PASS" if ok else "MISS")
    return 0 if ok else 1


def explain(engine) -> list[str]:
    """The plan of the claim's UPDATE as the scheduler runs it."""
    import sqlalchemy as sa
    from sqlmodel import col, select

    from todo_app.models import Reminder

    now = datetime.now(UTC) + timedelta(hours=1)
    due = (
        select(Reminder.id)
        .where(col(Reminder.fired_at).is_(None), col(Reminder.fire_at) <= now)
        .order_by(col(Reminder.fire_at))
        .limit(500)
    )
    stmt = (
        sa.update(Reminder)
        .where(col(Reminder.id).in_(due.scalar_subquery()), col(Reminder.fired_at).is_(None))
        .values(fired_at=now)
    )
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
            return [row[-1] for row in rows]
        rows = conn.exec_driver_sql(f"EXPLAIN {compiled}").fetchall()
        return [row[0] for row in rows]


if __name__ == "__main__":
    raise SystemExit(main())
