"""What each parser of client text costs, from 1 kB to the largest input it accepts, and what
refusing a longer one costs (issue 15: "no client can make the server wait").

For each parser (title rule, description rule, quick add, log redaction, search, RRULE
validation and preview) and each adversarial shape (runs of spaces, ``eyJ`` repeats, many
tokens...), every size is timed on its own in this process (``perf_counter``, the median of
repeated calls within a small time budget). Sizes are 1 kB, the largest accepted input, and
64 KiB (the API's body limit) and 1 MB (a socket frame) past it, where refusing is the cost.

Each phase reports ``growth``: time(largest) / time(smallest) against size(largest) /
size(smallest). Linear growth keeps the first near the second or below (a refusal by length
is flat); ``SUPER-LINEAR`` marks a phase whose time grew more than 3 times faster than its
size (with a 1 ms noise floor). Exit status: 1 if a phase got no samples (it crashed or
never ran), 2 if any phase grew super-linearly, else 0.

    python bench/parsers_bench.py [--max-size 1000000] [--budget 0.3] [--tasks 1000]

``--max-size`` caps the sizes (to run the quadratic code of an older commit in minutes).
Search runs against a fresh SQLite database in a temporary data folder: one user with
``--tasks`` tasks, each with a 200-character title and a 2,000-character description of one
repeated letter (the worst case for LIKE '%q%'), built the way tests/conftest.py does.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Settings are read once, at first import: a throwaway data folder and database first.
_DATA = Path(tempfile.mkdtemp(prefix="todo-parsers-bench-"))
os.environ.update(
    TODO_DATA_DIR=str(_DATA),
    REFLEX_DB_URL=f"sqlite:///{_DATA}/bench.db",
    TODO_ENV="test",
    REFLEX_TELEMETRY_ENABLED="false",
    REFLEX_CHECK_LATEST_VERSION="false",
)
os.environ.pop("REFLEX_REDIS_URL", None)

import sqlalchemy as sa  # noqa: E402
from sqlmodel import SQLModel  # noqa: E402

from todo_app import log_guard, quickadd, recurrence  # noqa: E402
from todo_app.db import get_engine, session_scope  # noqa: E402
from todo_app.errors import InvalidInput  # noqa: E402
from todo_app.models import Task, User, utcnow  # noqa: E402
from todo_app.tasks import (  # noqa: E402
    fields,
    queries,
    quick_add,
)

KB = 1_000
BODY_LIMIT = 64 * 1024
FRAME = 1_000_000
GROWTH_FACTOR = 3.0  # time may grow this much faster than size before it is flagged
NOISE_S = 0.001  # below this, a phase's largest time is noise, whatever the ratio
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """``head`` + ``unit`` repeated + ``tail``, exactly ``size`` characters."""
    body = size - len(head) - len(tail)
    return head + (unit * (body // len(unit) + 1))[: max(body, 0)] + tail


@dataclass
class Row:
    size: int
    outcome: str = ""
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass
class Phase:
    name: str
    call: Callable[[str], Any]
    make: Callable[[int], str]
    sizes: list[int]
    accepted_max: int  # the largest input size the app lets through to this parser
    rows: list[Row] = field(default_factory=list)
    error: str = ""

    def run(self, budget: float, max_size: int) -> None:
        for size in sorted({s for s in self.sizes if s <= max_size}):
            text = self.make(size)
            row = Row(size)
            spent = 0.0
            while spent < budget and len(row.seconds) < 200:
                started = time.perf_counter()
                try:
                    self.call(text)
                    row.outcome = "accepted"
                except InvalidInput as exc:
                    row.outcome = "refused: " + "; ".join(exc.fields.values())[:60]
                except Exception as exc:  # a crash is a result too, reported, and no sample
                    self.error = f"{size}: {type(exc).__name__}: {exc}"[:200]
                    break
                took = time.perf_counter() - started
                row.seconds.append(took)
                spent += took
            if row.seconds:
                self.rows.append(row)

    def growth(self) -> tuple[float, float] | None:
        """Between the smallest and the largest input the app lets this parser read (all the
        sizes timed, if fewer than two of them are reachable)."""
        reachable = [row for row in self.rows if row.size <= self.accepted_max]
        rows = reachable if len(reachable) >= 2 else self.rows
        if len(rows) < 2:
            return None
        first, last = rows[0], rows[-1]
        return last.median / max(first.median, 1e-9), last.size / first.size

    def super_linear(self) -> bool:
        found = self.growth()
        if found is None:
            return False
        time_ratio, size_ratio = found
        slowest = max(row.median for row in self.rows)
        return slowest > NOISE_S and time_ratio > GROWTH_FACTOR * size_ratio


# --- the parsers --------------------------------------------------------------------------


def text_phases() -> list[Phase]:
    title_max = getattr(fields, "TITLE_RAW_MAX", None)
    description_max = getattr(fields, "DESCRIPTION_RAW_MAX", None)
    # The largest input each rule reads: its raw bound, or (before it had one) the API's body.
    title_top = title_max or BODY_LIMIT
    description_top = description_max or BODY_LIMIT
    sizes = [100, KB, BODY_LIMIT, FRAME]
    return [
        Phase(
            "title, a run of spaces",
            fields.validate_title,
            lambda n: fill(" ", n, "a", "b"),
            [*sizes, title_top],
            title_top,
        ),
        Phase(
            "title, tab and space pairs",
            fields.validate_title,
            lambda n: fill("\t ", n, "a", "b"),
            [*sizes, title_top],
            title_top,
        ),
        Phase(
            "description, CR LF and spaces",
            fields.validate_description,
            lambda n: fill(" \r\n", n, "a"),
            [*sizes, description_top],
            description_top,
        ),
        Phase(
            "description, line separators",
            fields.validate_description,
            lambda n: fill("a\u2028", n),
            [*sizes, description_top],
            description_top,
        ),
    ]


def quick_add_phases(owner: Any) -> list[Phase]:
    top = quick_add.QUICK_ADD_MAX

    def parse(text: str) -> Any:
        return quickadd.parse(text, now=NOW, zone="Europe/Berlin")

    def through_service(text: str) -> Any:
        with session_scope() as session:
            found = quick_add.fields_from_text(session, owner, text)
            session.rollback()  # a +List it made is not kept
            return found

    tokens = "tomorrow 5pm !high #home every monday remind 15m "
    return [
        # parse itself, past the service's bound too, to see how it grows.
        Phase(
            "quick add parse, many tokens", parse, lambda n: fill(tokens, n), [100, top, KB], top
        ),
        Phase(
            "quick add parse, spaces", parse, lambda n: fill(" ", n, "a", "b"), [100, top, KB], top
        ),
        Phase(
            "quick add, the service's bound",
            through_service,
            lambda n: fill(tokens, n),
            [100, top, KB, BODY_LIMIT, FRAME],
            top,
        ),
    ]


def log_phases() -> list[Phase]:
    def record(text: str) -> Any:
        made = logging.LogRecord("reflex", logging.ERROR, __file__, 1, "event %s", (text,), None)
        return log_guard.cap_record(made)

    sizes = [KB, 100 * KB, FRAME]
    return [
        Phase("log record, eyJ repeated", record, lambda n: fill("eyJ", n), sizes, FRAME),
        Phase("log record, eyJ and dots", record, lambda n: fill("eyJabcd.", n), sizes, FRAME),
        Phase("log record, open secrets", record, lambda n: fill("password='", n), sizes, FRAME),
        Phase("redact(), eyJ repeated", log_guard.redact, lambda n: fill("eyJ", n), sizes, FRAME),
        Phase(
            "redact(), keys and spaces",
            log_guard.redact,
            lambda n: fill("token   ", n),
            sizes,
            FRAME,
        ),
    ]


def make_owner(tasks: int) -> Any:
    engine = get_engine()
    SQLModel.metadata.create_all(engine)
    with session_scope() as session:
        user = User(email="bench@example.com", name="Bench", password_hash="-")  # noqa: S106
        session.add(user)
        session.flush()
        owner = user.id
    import uuid

    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "owner_id": owner,
            "title": "a" * 200,
            "description": "a" * 2000,
            "created_at": now,
            "updated_at": now,
        }
        for _ in range(tasks)
    ]
    with session_scope() as session:
        session.exec(sa.insert(Task), params=rows)  # type: ignore[call-overload]
    return owner


def search_phases(owner: Any) -> list[Phase]:
    top = queries.SEARCH_MAX

    def search(q: str) -> Any:
        return queries.list_tasks(owner, q=q, limit=50)

    # "aa...ab" against "aaaa...": LIKE '%q%' compares nearly all of q at every position.
    return [
        Phase(
            "search, page and count",
            search,
            lambda n: fill("a", n, tail="b"),
            [10, top, KB, BODY_LIMIT],
            top,
        )
    ]


def rrule_phases() -> list[Phase]:
    top = recurrence.RULE_MAX
    days = "MO,TU,WE,TH,FR,SA,SU"

    def rule(n: int) -> str:
        # A real rule padded with repeated BYMONTHDAY values up to n characters.
        return fill(",1", n, f"FREQ=MONTHLY;BYDAY={days};BYMONTHDAY=1")

    def validate(text: str) -> Any:
        return recurrence.validate_recurrence({"rule": text})

    def preview(text: str) -> Any:
        return recurrence.occurrences(text, start=date(2026, 12, 2), count=5, zone="UTC")

    # Issue 15, finding 2: from a Wednesday, every 7 days never falls on a Tuesday (refused
    # or bounded by another change; this phase only times the public function).
    never = "FREQ=DAILY;INTERVAL=7;BYDAY=TU"
    return [
        Phase("RRULE validation", validate, rule, [60, top, KB, BODY_LIMIT, FRAME], top),
        Phase("RRULE preview (occurrences)", preview, rule, [60, top, KB, BODY_LIMIT], top),
        Phase(
            "RRULE preview, weekday never reached",
            preview,
            lambda n: never,
            [len(never)],
            top,
        ),
    ]


# --- report -------------------------------------------------------------------------------


def _label(size: int) -> str:
    return f"{size / 1_000_000:g} MB" if size >= 1_000_000 else f"{size:,} B"


def report(phases: list[Phase]) -> int:
    status = 0
    for phase in phases:
        print(f"\n{phase.name} (largest accepted: {_label(phase.accepted_max)})")
        for row in phase.rows:
            median = row.median
            per_kb = median / row.size * KB * 1e6
            flag = "" if row.size <= phase.accepted_max else "  [past the limit]"
            print(
                f"  {_label(row.size):>10}  {median * 1e3:10.3f} ms  {per_kb:9.2f} us/kB  "
                f"n={len(row.seconds):<3} {row.outcome}{flag}"
            )
        if phase.error:
            print(f"  ERROR {phase.error}")
        if not phase.rows:
            print("  NO SAMPLES: this phase never completed a call")
            status = max(status, 1)
            continue
        found = phase.growth()
        if found is not None:
            time_ratio, size_ratio = found
            verdict = "SUPER-LINEAR" if phase.super_linear() else "linear or better"
            print(f"  growth: time x{time_ratio:,.1f} for size x{size_ratio:,.1f}: {verdict}")
            if phase.super_linear() and status == 0:
                status = 2
    return status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-size", type=int, default=FRAME, help="largest size timed")
    parser.add_argument("--budget", type=float, default=0.3, help="seconds per size")
    parser.add_argument("--tasks", type=int, default=1000, help="tasks the search reads")
    parser.add_argument("--only", default="", help="run only phases whose name has this")
    args = parser.parse_args()

    logging.disable(logging.CRITICAL)  # cap_record is called directly; nothing is printed
    owner = make_owner(args.tasks)
    phases = [
        *text_phases(),
        *quick_add_phases(owner),
        *log_phases(),
        *search_phases(owner),
        *rrule_phases(),
    ]
    phases = [p for p in phases if args.only.lower() in p.name.lower()]
    if not phases:
        print(f"no phase matches --only {args.only!r}", file=sys.stderr)
        return 1
    started = time.perf_counter()
    for phase in phases:
        phase.run(args.budget, args.max_size)
        print(f"ran {phase.name} ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
    print(f"python {sys.version.split()[0]}, {args.tasks} tasks, up to {_label(args.max_size)}")
    return report(phases)


if __name__ == "__main__":
    sys.exit(main())
