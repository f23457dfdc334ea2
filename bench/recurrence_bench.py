"""What a repeat rule costs: ``todo_app.recurrence`` on typical, worst accepted and refused rules.

Every rule a client sends goes through ``validate_recurrence`` (API, change engine, the
dialog's preview), and every completion of a recurring task through ``next_due`` while the
write transaction is open. A rule that gives no date makes dateutil step through the calendar
to the year 9999 (issue 15, finding 2). Each phase below is timed in this process and reported
as a ratio to a cheap baseline measured in the same run (validating ``FREQ=DAILY``), so the
figures compare across machines and loads. It runs against whatever ``todo_app`` sits next to
this folder, so the same file measures a checkout before and after a change: a rule the
checkout refuses goes to the "refused" phase, one it accepts to "worst accepted".

    python bench/recurrence_bench.py [--repeats 5]

Exits non-zero if a phase gets no samples (a rule list that no longer fits the code).
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from todo_app import recurrence as rec
from todo_app.errors import InvalidInput

START = date(2025, 5, 4)  # a Sunday in an ordinary year, as the probes of issue 15 used
DONE = date(2026, 6, 1)
ZONE = "Europe/Berlin"
BASELINE = "FREQ=DAILY"

TYPICAL = [
    *rec.PRESETS.values(),
    "FREQ=MONTHLY;BYDAY=2TU",
    "FREQ=MONTHLY;BYDAY=-1FR",
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR;COUNT=20",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
]
# Rules whose dates, from START, are far apart or have run out: the rule and its
# kind first (refused after the fix), then what the fixed validation still accepts.
HARD = [
    "FREQ=DAILY;INTERVAL=7;BYDAY=TU",
    "FREQ=DAILY;INTERVAL=14;BYDAY=MO",
    "FREQ=MONTHLY;INTERVAL=12;BYMONTH=3",
    "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=49;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=1000;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=WEEKLY;INTERVAL=1000;BYMONTH=2;BYDAY=MO",
    "FREQ=YEARLY;BYDAY=53MO",
]
# Rules no version refuses for length or syntax but that never (or only decades apart) give
# a date: what validation itself costs to refuse them.
NEVER = [
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31",
    "FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO",
]
LONGEST = "FREQ=YEARLY;BYMONTHDAY=" + ",".join(str(n) for n in range(1, 32))
LONGEST += ";BYMONTH=" + ",".join(str(n) for n in range(1, 13))
LONGEST = LONGEST[: rec.RULE_MAX].rstrip(",")
ONE_KB = "FREQ=DAILY;" + "BYMONTHDAY=1;" * 80


def timed(call: Callable[[], object], repeats: int) -> float:
    """The median of ``repeats`` calls, in ms (a refusal counts as a finished call)."""
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        with contextlib.suppress(InvalidInput):
            call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def accepted(rule: str) -> bool:
    try:
        rec.validate_recurrence({"rule": rule})
    except InvalidInput:
        return False
    return True


def searches(rule: str) -> Callable[[], object]:
    """Everything one accepted rule costs: preview, and a completion of each kind."""

    def run() -> None:
        rec.occurrences(rule, start=START)
        for bang in (False, True):
            rec.next_due(
                rule,
                due_date=START,
                due_time=clock_time(9),
                zone=ZONE,
                completed_on=DONE,
                from_completion=bang,
            )

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    repeats = max(args.repeats, 1)

    base = timed(lambda: [rec.validate_recurrence({"rule": BASELINE}) for _ in range(100)], 21)
    base /= 100
    print(f"Python {platform.python_version()}, {platform.machine()}; repeats {repeats}")
    print(f"baseline: validate {BASELINE!r}: {base * 1000:.1f} us (median of 21 x 100)\n")

    phases: dict[str, list[tuple[str, float]]] = {
        "typical (validate + preview + 2 completions)": [],
        "worst accepted (validate + preview + 2 completions)": [],
        "refused (validate)": [],
        "length: 200-char rule (validate + preview)": [],
        "length: 1 kB rule (validate, refused)": [],
    }
    names = list(phases)
    for rule in TYPICAL:
        cost = timed(lambda r=rule: (rec.validate_recurrence({"rule": r}), searches(r)()), repeats)
        phases[names[0]].append((rule, cost))
    for rule in HARD:
        if accepted(rule):
            # The old code spends seconds here: few repeats are enough to see it.
            cost = timed(
                lambda r=rule: (rec.validate_recurrence({"rule": r}), searches(r)()),
                min(repeats, 3),
            )
            phases[names[1]].append((rule, cost))
        else:
            phases[names[2]].append((rule, timed(lambda r=rule: accepted(r), repeats)))
    for rule in NEVER:
        if accepted(rule):
            phases[names[1]].append((rule, timed(searches(rule), min(repeats, 3))))
        else:
            phases[names[2]].append((rule, timed(lambda r=rule: accepted(r), repeats)))
    phases[names[3]].append(
        (
            LONGEST,
            timed(
                lambda: (
                    rec.validate_recurrence({"rule": LONGEST}),
                    rec.occurrences(LONGEST, start=START),
                ),
                repeats,
            ),
        )
    )
    phases[names[4]].append((ONE_KB[:40] + "...", timed(lambda: accepted(ONE_KB), repeats)))

    empty = [name for name, rows in phases.items() if not rows]
    for name, rows in phases.items():
        if not rows:
            continue
        worst = max(cost for _, cost in rows)
        print(f"## {name}: {len(rows)} rules, worst {worst:.2f} ms = {worst / base:,.0f} x base")
        for rule, cost in rows:
            print(f"  {cost:9.2f} ms  {cost / base:10,.0f} x  {rule}")
        print()
    if empty:
        print(f"FAILED: no samples in {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
