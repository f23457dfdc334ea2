"""todo_app.recurrence: repeat rules, the next due date after a completion, previews and words.

Expected dates are written out (checked against a printed calendar), and the presets are also
compared with python-dateutil itself, so a test fails if either the rule handling or the
choice of where a series starts breaks.
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta

import pytest
from dateutil.rrule import rrulestr

from todo_app import recurrence as rec
from todo_app.errors import InvalidInput
from todo_app.tasks import fields

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"


def d(text: str) -> date:
    return date.fromisoformat(text)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def nxt(
    rule: str,
    due: str,
    done: str | None = None,
    *,
    every_bang: bool = False,
    at: time | None = None,
    zone: str = "UTC",
    start: str | None = None,
    completed: int | None = None,
) -> date | None:
    """next_due with dates as text; completed on the due day unless ``done`` says otherwise."""
    return rec.next_due(
        rule,
        due_date=d(due),
        due_time=at,
        zone=zone,
        completed_on=d(done or due),
        from_completion=every_bang,
        series_start=None if start is None else d(start),
        completed=completed,
    )


def refusal(value: object) -> str:
    with pytest.raises(InvalidInput) as caught:
        rec.validate_recurrence(value)
    assert set(caught.value.fields) == {"recurrence"}
    return caught.value.fields["recurrence"]


# --- presets, against written-out dates and against dateutil --------------------------------


def test_the_presets_are_the_dialogs_seven() -> None:
    assert rec.PRESETS == {
        "Every day": "FREQ=DAILY",
        "Every weekday": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "Every week": "FREQ=WEEKLY",
        "Every 2 weeks": "FREQ=WEEKLY;INTERVAL=2",
        "Every month": "FREQ=MONTHLY",
        "Every month on the last day": "FREQ=MONTHLY;BYMONTHDAY=-1",
        "Every year": "FREQ=YEARLY",
    }


# Starting on Saturday 31 January 2026: a weekend day and a month end test the most.
PRESET_DATES = {
    "Every day": ["2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03", "2026-02-04"],
    "Every weekday": ["2026-02-02", "2026-02-03", "2026-02-04", "2026-02-05", "2026-02-06"],
    "Every week": ["2026-01-31", "2026-02-07", "2026-02-14", "2026-02-21", "2026-02-28"],
    "Every 2 weeks": ["2026-01-31", "2026-02-14", "2026-02-28", "2026-03-14", "2026-03-28"],
    # RFC 5545: "the 31st" does not exist in February or April, so those months are skipped.
    "Every month": ["2026-01-31", "2026-03-31", "2026-05-31", "2026-07-31", "2026-08-31"],
    "Every month on the last day": [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ],
    "Every year": ["2026-01-31", "2027-01-31", "2028-01-31", "2029-01-31", "2030-01-31"],
}


@pytest.mark.parametrize("label", list(rec.PRESETS))
def test_each_preset_previews_its_dates(label: str) -> None:
    rule = rec.PRESETS[label]
    assert rec.occurrences(rule, start=d("2026-01-31")) == [d(x) for x in PRESET_DATES[label]]


@pytest.mark.parametrize("label", list(rec.PRESETS))
def test_completing_a_preset_walks_its_dates(label: str) -> None:
    dates = PRESET_DATES[label]
    walk = [d(dates[0])]
    for _ in dates[1:]:
        following = rec.next_due(
            rec.PRESETS[label],
            due_date=walk[-1],
            due_time=time(9),
            zone=BERLIN,
            completed_on=walk[-1],
            from_completion=False,
            series_start=walk[0],
        )
        assert following is not None
        walk.append(following)
    assert walk == [d(x) for x in dates]


@pytest.mark.parametrize("label", list(rec.PRESETS))
@pytest.mark.parametrize("start", ["2026-01-31", "2026-03-02", "2028-02-29", "2026-12-31"])
def test_each_preset_agrees_with_dateutil(label: str, start: str) -> None:
    rule = rec.PRESETS[label]
    series = rrulestr(rule, dtstart=datetime.fromisoformat(start))
    expected = [x.date() for x in series[:6]]
    assert rec.occurrences(rule, start=d(start), count=6) == expected
    for due, following in itertools.pairwise(expected):
        assert nxt(rule, due.isoformat(), start=start) == following
        assert nxt(rule, due.isoformat(), start=start, at=time(9), zone=NEW_YORK) == following


@pytest.mark.parametrize("rule", list(rec.PRESETS.values()))
def test_each_preset_is_a_valid_stored_rule(rule: str) -> None:
    assert rec.validate_recurrence({"rule": rule, "from_completion": False}) == {
        "rule": rule,
        "from_completion": False,
    }


# --- daylight saving: the wall clock stays, the instant moves -------------------------------


@pytest.mark.parametrize(
    ("zone", "due", "following", "before", "after"),
    [
        # Berlin springs forward on 29 March 2026 and falls back on 25 October 2026.
        (BERLIN, "2026-03-28", "2026-03-29", "2026-03-28T08:00", "2026-03-29T07:00"),
        (BERLIN, "2026-10-24", "2026-10-25", "2026-10-24T07:00", "2026-10-25T08:00"),
        # New York springs forward on 8 March 2026 and falls back on 1 November 2026.
        (NEW_YORK, "2026-03-07", "2026-03-08", "2026-03-07T14:00", "2026-03-08T13:00"),
        (NEW_YORK, "2026-10-31", "2026-11-01", "2026-10-31T13:00", "2026-11-01T14:00"),
    ],
)
def test_a_daily_nine_oclock_task_stays_at_nine_across_dst(
    zone: str, due: str, following: str, before: str, after: str
) -> None:
    assert nxt("FREQ=DAILY", due, at=time(9), zone=zone) == d(following)
    assert rec.due_at(d(due), time(9), zone) == utc(before)
    assert rec.due_at(d(following), time(9), zone) == utc(after)


def test_the_contracts_berlin_example() -> None:
    following = nxt("FREQ=DAILY", "2026-03-28", at=time(9), zone=BERLIN)
    assert following == d("2026-03-29")
    assert rec.due_at(following, time(9), BERLIN) == utc("2026-03-29T07:00")  # not 08:00Z


def test_a_weekly_task_across_dst_is_a_week_on_the_wall_clock_not_168_hours() -> None:
    following = nxt("FREQ=WEEKLY", "2026-03-23", at=time(9), zone=BERLIN)
    assert following == d("2026-03-30")
    gap = rec.due_at(following, time(9), BERLIN) - rec.due_at(d("2026-03-23"), time(9), BERLIN)
    assert gap == timedelta(days=7) - timedelta(hours=1)


@pytest.mark.parametrize(
    ("zone", "day", "at", "instant"),
    [
        # A time that does not exist takes the offset before the gap (RFC 5545 3.3.5).
        (BERLIN, "2026-03-29", time(2, 30), "2026-03-29T01:30"),
        (NEW_YORK, "2026-03-08", time(2, 30), "2026-03-08T07:30"),
        # A time that happens twice is the first of the two (summer time still).
        (BERLIN, "2026-10-25", time(2, 30), "2026-10-25T00:30"),
        (NEW_YORK, "2026-11-01", time(1, 30), "2026-11-01T05:30"),
    ],
)
def test_times_in_the_dst_gap_and_overlap(zone: str, day: str, at: time, instant: str) -> None:
    assert rec.due_at(d(day), at, zone) == utc(instant)


def test_a_task_due_in_the_skipped_hour_keeps_its_day() -> None:
    # 02:30 does not exist in Berlin on 29 March; the day still does, and the task is due then.
    assert nxt("FREQ=DAILY", "2026-03-28", at=time(2, 30), zone=BERLIN) == d("2026-03-29")
    assert nxt("FREQ=DAILY", "2026-03-29", at=time(2, 30), zone=BERLIN) == d("2026-03-30")


def test_due_at_without_a_time_is_none_and_is_utc_otherwise() -> None:
    assert rec.due_at(d("2026-03-29"), None, BERLIN) is None
    instant = rec.due_at(d("2026-07-01"), time(23, 30), NEW_YORK)
    assert instant == utc("2026-07-02T03:30")
    assert instant is not None and instant.utcoffset() == timedelta(0)


@pytest.mark.parametrize("zone", [BERLIN, NEW_YORK, "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("day", ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01"])
def test_due_at_agrees_with_the_task_fields(zone: str, day: str) -> None:
    for at in (time(0), time(1, 30), time(2, 30), time(9), time(23, 59)):
        assert rec.due_at(d(day), at, zone) == fields.due_instant(d(day), at, zone)


# --- month ends and days that do not exist ----------------------------------------------------


def test_the_31st_skips_short_months() -> None:
    assert nxt("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31") == d("2026-03-31")
    assert nxt("FREQ=MONTHLY;BYMONTHDAY=31", "2026-03-31") == d("2026-05-31")
    assert nxt("FREQ=MONTHLY", "2026-01-31") == d("2026-03-31")  # not 3 March, not 28 Feb
    assert nxt("FREQ=MONTHLY;BYMONTHDAY=30", "2026-01-30") == d("2026-03-30")


def test_the_last_day_of_the_month() -> None:
    rule = "FREQ=MONTHLY;BYMONTHDAY=-1"
    assert nxt(rule, "2026-01-31") == d("2026-02-28")
    assert nxt(rule, "2026-02-28") == d("2026-03-31")  # back to the 31st, not stuck on 28
    assert nxt(rule, "2028-01-31") == d("2028-02-29")  # leap year
    assert nxt(rule, "2028-02-29") == d("2028-03-31")
    assert nxt(rule, "2026-04-30") == d("2026-05-31")


def test_the_second_to_last_day() -> None:
    assert rec.occurrences("FREQ=MONTHLY;BYMONTHDAY=-2", start=d("2026-01-01"), count=3) == [
        d("2026-01-30"),
        d("2026-02-27"),
        d("2026-03-30"),
    ]


def test_yearly_on_february_29_waits_for_a_leap_year() -> None:
    assert nxt("FREQ=YEARLY", "2024-02-29") == d("2028-02-29")
    assert rec.occurrences("FREQ=YEARLY", start=d("2024-02-29"), count=3) == [
        d("2024-02-29"),
        d("2028-02-29"),
        d("2032-02-29"),
    ]
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    assert rec.occurrences(rule, start=d("2025-01-01"), count=2) == [
        d("2028-02-29"),
        d("2032-02-29"),
    ]


def test_yearly_on_the_last_day_of_february() -> None:
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1"
    assert nxt(rule, "2027-02-28") == d("2028-02-29")
    assert nxt(rule, "2028-02-29") == d("2029-02-28")


# --- weekly on chosen days, nth weekdays ------------------------------------------------------


def test_weekly_on_monday_wednesday_friday() -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert nxt(rule, "2026-03-02") == d("2026-03-04")
    assert nxt(rule, "2026-03-04") == d("2026-03-06")
    assert nxt(rule, "2026-03-06") == d("2026-03-09")
    # A due date off the pattern (a Tuesday) moves to the next chosen day.
    assert nxt(rule, "2026-03-03") == d("2026-03-04")


def test_every_two_weeks_on_monday_keeps_its_fortnight() -> None:
    rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
    assert nxt(rule, "2026-03-02", start="2026-03-02") == d("2026-03-16")
    assert nxt(rule, "2026-03-16", start="2026-03-02") == d("2026-03-30")
    # Completed on the off week (overdue), it goes to the series' next Monday, not the next one.
    assert nxt(rule, "2026-03-02", "2026-03-17", start="2026-03-02") == d("2026-03-30")


def test_monthly_on_the_second_tuesday() -> None:
    rule = "FREQ=MONTHLY;BYDAY=2TU"
    assert nxt(rule, "2026-01-13") == d("2026-02-10")
    assert nxt(rule, "2026-02-10") == d("2026-03-10")
    assert nxt(rule, "2026-01-01") == d("2026-01-13")


def test_monthly_on_the_last_friday() -> None:
    rule = "FREQ=MONTHLY;BYDAY=-1FR"
    assert nxt(rule, "2026-01-30") == d("2026-02-27")
    assert nxt(rule, "2026-02-27") == d("2026-03-27")
    assert nxt(rule, "2026-01-01") == d("2026-01-30")


def test_a_fifth_friday_skips_months_without_one() -> None:
    assert nxt("FREQ=MONTHLY;BYDAY=5FR", "2026-01-30") == d("2026-05-29")


# --- COUNT and UNTIL ----------------------------------------------------------------------


def test_count_runs_out_counting_from_the_series_start() -> None:
    rule = "FREQ=DAILY;COUNT=3"
    assert nxt(rule, "2026-03-10", start="2026-03-10") == d("2026-03-11")
    assert nxt(rule, "2026-03-11", start="2026-03-10") == d("2026-03-12")
    assert nxt(rule, "2026-03-12", start="2026-03-10") is None
    # Without a series start the count starts at the current due date.
    assert nxt(rule, "2026-03-12") == d("2026-03-13")


def test_weekly_count() -> None:
    rule = "FREQ=WEEKLY;COUNT=4"  # 2, 9, 16, 23 March
    assert nxt(rule, "2026-03-16", start="2026-03-02") == d("2026-03-23")
    assert nxt(rule, "2026-03-23", start="2026-03-02") is None


def test_until_a_date_is_inclusive() -> None:
    rule = "FREQ=DAILY;UNTIL=20260312"
    assert nxt(rule, "2026-03-11") == d("2026-03-12")
    assert nxt(rule, "2026-03-11", at=time(23, 59), zone=BERLIN) == d("2026-03-12")
    assert nxt(rule, "2026-03-12") is None


def test_until_in_utc_compares_instants() -> None:
    # 09:00 in Berlin on 12 March is 08:00Z.
    assert nxt("FREQ=DAILY;UNTIL=20260312T080000Z", "2026-03-11", at=time(9), zone=BERLIN) == d(
        "2026-03-12"
    )
    assert nxt("FREQ=DAILY;UNTIL=20260312T075959Z", "2026-03-11", at=time(9), zone=BERLIN) is None
    # The same end is 04:00 in New York, before 09:00 on the 12th there.
    assert nxt("FREQ=DAILY;UNTIL=20260312T080000Z", "2026-03-11", at=time(9), zone=NEW_YORK) is None


def test_until_a_local_time_is_the_users_wall_clock() -> None:
    assert nxt("FREQ=DAILY;UNTIL=20260312T090000", "2026-03-11", at=time(9), zone=BERLIN) == d(
        "2026-03-12"
    )
    assert nxt("FREQ=DAILY;UNTIL=20260312T085959", "2026-03-11", at=time(9), zone=BERLIN) is None


def test_an_overdue_series_that_ran_out_completes() -> None:
    assert nxt("FREQ=DAILY;COUNT=5", "2026-11-01", "2026-12-01", start="2026-11-01") is None
    assert nxt("FREQ=DAILY;UNTIL=20261115", "2026-11-01", "2026-12-01") is None


# --- from completion (every!) -------------------------------------------------------------


def test_every_bang_counts_from_the_completion_day() -> None:
    rule = "FREQ=DAILY;INTERVAL=3"
    assert nxt(rule, "2026-03-08", "2026-03-10", every_bang=True) == d("2026-03-13")
    assert nxt(rule, "2026-03-08", "2026-03-10") == d("2026-03-11")  # the fixed schedule
    # Completed early: from the completion day too.
    assert nxt(rule, "2026-03-20", "2026-03-10", every_bang=True) == d("2026-03-13")
    assert nxt(rule, "2026-03-20", "2026-03-10") == d("2026-03-23")


def test_every_bang_week_and_chosen_days() -> None:
    # Due Monday 2 March, done Wednesday 4 March.
    assert nxt("FREQ=WEEKLY", "2026-03-02", "2026-03-04", every_bang=True) == d("2026-03-11")
    assert nxt("FREQ=WEEKLY", "2026-03-02", "2026-03-04") == d("2026-03-09")
    rule = "FREQ=WEEKLY;BYDAY=MO,WE,FR"
    assert nxt(rule, "2026-03-02", "2026-03-05", every_bang=True) == d("2026-03-06")


def test_every_bang_keeps_the_wall_clock_across_dst() -> None:
    following = nxt(
        "FREQ=DAILY", "2026-03-20", "2026-03-28", every_bang=True, at=time(9), zone=BERLIN
    )
    assert following == d("2026-03-29")
    assert rec.due_at(following, time(9), BERLIN) == utc("2026-03-29T07:00")


def test_every_bang_until() -> None:
    rule = "FREQ=DAILY;INTERVAL=3;UNTIL=20260315"
    assert nxt(rule, "2026-03-10", "2026-03-11", every_bang=True) == d("2026-03-14")
    assert nxt(rule, "2026-03-10", "2026-03-13", every_bang=True) is None


def test_every_bang_count_with_the_number_of_completions() -> None:
    rule = "FREQ=DAILY;INTERVAL=3;COUNT=3"
    assert nxt(rule, "2026-03-01", "2026-03-02", every_bang=True, completed=0) == d("2026-03-05")
    assert nxt(rule, "2026-03-05", "2026-03-09", every_bang=True, completed=1) == d("2026-03-12")
    assert nxt(rule, "2026-03-12", "2026-03-12", every_bang=True, completed=2) is None


def test_every_bang_count_without_it_ends_where_the_counted_series_ends() -> None:
    rule = "FREQ=DAILY;INTERVAL=3;COUNT=3"  # counted from 1 March: 1, 4, 7 March
    assert nxt(rule, "2026-03-01", "2026-03-03", every_bang=True, start="2026-03-01") == d(
        "2026-03-06"
    )
    assert nxt(rule, "2026-03-04", "2026-03-05", every_bang=True, start="2026-03-01") is None


def test_every_bang_is_always_after_the_completion_day() -> None:
    for rule in ("FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=-1"):
        done = d("2026-01-01")
        while done < d("2026-03-01"):
            following = nxt(rule, "2025-12-01", done.isoformat(), every_bang=True)
            assert following is not None and following > done
            done += timedelta(days=1)


# --- overdue catch-up ---------------------------------------------------------------------


def test_an_overdue_daily_task_jumps_past_today() -> None:
    assert nxt("FREQ=DAILY", "2026-11-01", "2026-12-01") == d("2026-12-02")


def test_an_overdue_weekly_task_lands_on_its_next_weekday() -> None:
    # Due Monday 2 November, done Wednesday 2 December: next Monday, 7 December.
    assert nxt("FREQ=WEEKLY", "2026-11-02", "2026-12-02") == d("2026-12-07")


def test_an_overdue_last_day_task() -> None:
    assert nxt("FREQ=MONTHLY;BYMONTHDAY=-1", "2026-08-31", "2026-11-15") == d("2026-11-30")


def test_a_next_date_of_today_is_not_past() -> None:
    # Due yesterday, done today: the date after the due date is today, which is not past.
    assert nxt("FREQ=DAILY", "2026-11-30", "2026-12-01") == d("2026-12-01")


@pytest.mark.parametrize(
    "rule", ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYDAY=2TU", "FREQ=WEEKLY"]
)
def test_the_next_date_is_never_past_and_is_the_earliest_allowed(rule: str) -> None:
    due = d("2026-11-03")
    dates = [x.date() for x in rrulestr(rule, dtstart=datetime(2026, 11, 3))[:200]]
    done = d("2026-10-20")  # early completions too
    while done < d("2027-01-31"):
        following = nxt(rule, due.isoformat(), done.isoformat())
        assert following is not None and following in dates
        assert following > due and following >= done
        after_due = next(x for x in dates if x > due)
        expected = after_due if after_due >= done else next(x for x in dates if x > done)
        assert following == expected
        done += timedelta(days=1)


# --- validate_recurrence ---------------------------------------------------------------------


def test_no_recurrence_is_none() -> None:
    assert rec.validate_recurrence(None) is None


@pytest.mark.parametrize(
    ("rule", "stored"),
    [
        ("FREQ=DAILY", "FREQ=DAILY"),
        (" freq=weekly ; byday = mo , we ", "FREQ=WEEKLY;BYDAY=MO,WE"),
        ("BYDAY=MO;FREQ=WEEKLY", "FREQ=WEEKLY;BYDAY=MO"),  # FREQ first
        ("RRULE:FREQ=DAILY", "FREQ=DAILY"),
        ("FREQ=DAILY;INTERVAL=03;", "FREQ=DAILY;INTERVAL=3"),
        ("FREQ=MONTHLY;BYDAY=+2tu", "FREQ=MONTHLY;BYDAY=2TU"),
        ("FREQ=MONTHLY;BYMONTHDAY=+05,-1", "FREQ=MONTHLY;BYMONTHDAY=5,-1"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH"),
        ("FREQ=WEEKLY;UNTIL=20261231T235959Z", "FREQ=WEEKLY;UNTIL=20261231T235959Z"),
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU",
        ),
        ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO", "FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO"),
    ],
)
def test_a_rule_is_stored_normalised(rule: str, stored: str) -> None:
    assert rec.validate_recurrence({"rule": rule}) == {"rule": stored, "from_completion": False}
    assert rec.validate_recurrence({"rule": stored})["rule"] == stored  # type: ignore[index]
    start = datetime(2026, 1, 1, tzinfo=UTC if stored.endswith("Z") else None)
    rrulestr(stored, dtstart=start)  # and dateutil reads it


def test_from_completion_is_kept() -> None:
    assert rec.validate_recurrence({"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True}) == {
        "rule": "FREQ=DAILY;INTERVAL=3",
        "from_completion": True,
    }


def test_the_length_limit() -> None:
    exactly = "FREQ=DAILY;BYMONTH=" + "1," * 90 + "1"
    assert len(exactly) == rec.RULE_MAX == 200
    assert rec.validate_recurrence({"rule": f"  {exactly}  "})["rule"] == exactly  # type: ignore[index]
    assert refusal({"rule": exactly + ",1"}) == (
        "A repeat rule must be at most 200 characters (this one has 202)"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("FREQ=DAILY", "Repeat must be an object"),
        (["FREQ=DAILY"], "Repeat must be an object"),
        (True, "Repeat must be an object"),
        ({"rule": 5}, "The repeat rule must be text"),
        ({"rule": None}, "The repeat rule must be text"),
        ({"rule": "FREQ=DAILY", "from_completion": "yes"}, "from_completion must be true or false"),
        ({"rule": "FREQ=DAILY", "from_completion": 1}, "from_completion must be true or false"),
        ({"rule": "FREQ=DAILY", "from_completion": None}, "from_completion must be true or false"),
        ({"rule": "FREQ=DAILY", "until": "2026-01-01"}, "Unknown repeat field: until"),
        ({"rule": "FREQ=DAILY", "dtstart": 1, "x": 2}, "Unknown repeat field: dtstart, x"),
        ({}, "A repeat needs a rule"),
        ({"from_completion": True}, "A repeat needs a rule"),
    ],
)
def test_wrong_shapes_and_types_are_refused(value: object, reason: str) -> None:
    assert refusal(value).startswith(reason)


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ("", "Enter a repeat rule"),
        ("   ", "Enter a repeat rule"),
        ("FREQ=DAILY;DTSTART=20260101", "must not contain DTSTART"),
        ("DTSTART:20260101T090000\nRRULE:FREQ=DAILY", "must not contain DTSTART"),
        ("FREQ=HOURLY", "at most daily (not HOURLY)"),
        ("FREQ=MINUTELY;INTERVAL=30", "at most daily (not MINUTELY)"),
        ("FREQ=SECONDLY", "at most daily (not SECONDLY)"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not allowed"),
        ("FREQ=DAILY;BYMINUTE=30", "BYMINUTE is not allowed"),
        ("FREQ=FORTNIGHTLY", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"),
        ("BYDAY=MO", "needs FREQ"),
        ("every day", "is not a rule part"),
        ("FREQ", "is not a rule part"),
        ("FREQ=", "is not a rule part"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ is given more than once"),
        ("FREQ=DAILY\nFREQ=WEEKLY", "Give one RRULE"),
        ("FREQ=DAILY\nEXDATE:20260101", "Give one RRULE"),
        ("FREQ=DAILY;BYEASTER=0", "BYEASTER is not a rule part"),
        ("FREQ=DAILY;X-NAME=1", "X-NAME is not a rule part"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL must be a whole number from 1 to 1000"),
        ("FREQ=DAILY;INTERVAL=-2", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;INTERVAL=two", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;INTERVAL=1001", "INTERVAL must be a whole number"),
        ("FREQ=DAILY;COUNT=0", "COUNT must be a whole number from 1 to 1000"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20260101", "Give COUNT or UNTIL, not both"),
        ("FREQ=DAILY;UNTIL=tomorrow", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=20260230", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=2026-03-01", "UNTIL must be a date"),
        ("FREQ=DAILY;UNTIL=20260301T250000Z", "UNTIL must be a date"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY takes weekdays"),
        ("FREQ=WEEKLY;BYDAY=MONDAY", "BYDAY takes weekdays"),
        ("FREQ=WEEKLY;BYDAY=2TU", "A numbered weekday (2TU) needs FREQ=MONTHLY"),
        ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", "A numbered weekday (1MO) needs"),
        ("FREQ=MONTHLY;BYDAY=6MO", "There is no 6MO in a month"),
        ("FREQ=MONTHLY;BYDAY=0MO", "There is no 0MO in a month"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY takes whole numbers from -31 to 31"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY takes whole numbers"),
        ("FREQ=YEARLY;BYMONTH=13", "BYMONTH takes whole numbers from 1 to 12"),
        ("FREQ=WEEKLY;WKST=XX", "WKST must be a weekday"),
        ("FREQ=WEEKLY;BYMONTHDAY=1", "BYMONTHDAY does not go with FREQ=WEEKLY"),
        ("FREQ=MONTHLY;BYYEARDAY=1", "BYYEARDAY needs FREQ=YEARLY"),
        ("FREQ=MONTHLY;BYWEEKNO=1", "BYWEEKNO needs FREQ=YEARLY"),
        ("FREQ=DAILY;BYSETPOS=1", "BYSETPOS needs another BY part"),
        ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", "This rule never gives a date"),
        ("FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31", "This rule never gives a date"),
        ("FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", "This rule never gives a date"),
    ],
)
def test_bad_rules_are_refused_in_words(rule: str, reason: str) -> None:
    assert reason in refusal({"rule": rule})


def test_a_rule_that_never_happens_is_refused_quickly() -> None:
    started = clock.perf_counter()
    assert "never" in refusal({"rule": "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=31"})
    assert clock.perf_counter() - started < 2  # dateutil alone searches to 9999: seconds


def test_the_computations_refuse_a_bad_rule_too() -> None:
    with pytest.raises(InvalidInput):
        rec.occurrences("FREQ=HOURLY", start=d("2026-01-01"))
    with pytest.raises(InvalidInput):
        nxt("FREQ=DAILY;DTSTART=20260101", "2026-01-01")


# --- occurrences (the dialog's preview) ---------------------------------------------------


def test_the_preview_shows_five_dates_from_the_start() -> None:
    assert rec.occurrences("FREQ=DAILY", start=d("2026-03-28")) == [
        d("2026-03-28"),
        d("2026-03-29"),
        d("2026-03-30"),
        d("2026-03-31"),
        d("2026-04-01"),
    ]


def test_the_preview_skips_a_start_off_the_pattern() -> None:
    # Tuesday 3 March with "every Monday": the first date is Monday 9 March.
    assert rec.occurrences("FREQ=WEEKLY;BYDAY=MO", start=d("2026-03-03"), count=2) == [
        d("2026-03-09"),
        d("2026-03-16"),
    ]


def test_the_preview_stops_where_the_series_ends() -> None:
    assert rec.occurrences("FREQ=WEEKLY;COUNT=2", start=d("2026-03-02")) == [
        d("2026-03-02"),
        d("2026-03-09"),
    ]
    assert rec.occurrences("FREQ=DAILY;UNTIL=20260304", start=d("2026-03-02")) == [
        d("2026-03-02"),
        d("2026-03-03"),
        d("2026-03-04"),
    ]
    late = rec.occurrences(
        "FREQ=DAILY;UNTIL=20260303T080000Z", start=d("2026-03-02"), due_time=time(9), zone=BERLIN
    )
    assert late == [d("2026-03-02"), d("2026-03-03")]
    early = rec.occurrences(
        "FREQ=DAILY;UNTIL=20260303T080000Z", start=d("2026-03-02"), due_time=time(10), zone=BERLIN
    )
    assert early == [d("2026-03-02")]


def test_the_preview_count() -> None:
    assert len(rec.occurrences("FREQ=DAILY", start=d("2026-03-02"), count=10)) == 10
    assert rec.occurrences("FREQ=DAILY", start=d("2026-03-02"), count=0) == []


# --- describe --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=DAILY", "Every day"),
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "Every weekday"),
        ("FREQ=DAILY;BYDAY=FR,TH,WE,TU,MO", "Every weekday"),
        ("FREQ=WEEKLY", "Every week"),
        ("FREQ=WEEKLY;INTERVAL=2", "Every 2 weeks"),
        ("FREQ=MONTHLY", "Every month"),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", "Monthly on the last day"),
        ("FREQ=YEARLY", "Every year"),
        ("FREQ=DAILY;INTERVAL=3", "Every 3 days"),
        ("FREQ=WEEKLY;BYDAY=TU", "Every Tuesday"),
        ("FREQ=WEEKLY;BYDAY=FR,MO,WE", "Every Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "Every 2 weeks on Monday"),
        ("FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,TH", "Every 3 weeks on Tuesday and Thursday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR", "Every 2 weeks on weekdays"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "Monthly on the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "Monthly on the 1st and the 15th"),
        ("FREQ=MONTHLY;BYMONTHDAY=-2", "Monthly on the 2nd to last day"),
        ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1", "Every 3 months on the 1st"),
        ("FREQ=MONTHLY;INTERVAL=6", "Every 6 months"),
        ("FREQ=MONTHLY;BYDAY=2TU", "Monthly on the 2nd Tuesday"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "Monthly on the last Friday"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "Monthly on the 1st Monday and the 3rd Monday"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=-2SU", "Every 2 months on the 2nd to last Sunday"),
        ("FREQ=YEARLY;INTERVAL=2", "Every 2 years"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "Yearly on February 29"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1", "Yearly on the last day of February"),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", "Yearly on the 4th Thursday of November"),
        ("FREQ=YEARLY;BYMONTH=3", "Yearly in March"),
        ("FREQ=DAILY;COUNT=5", "Every day, 5 times"),
        ("FREQ=WEEKLY;COUNT=1", "Every week, once"),
        ("FREQ=WEEKLY;UNTIL=20261231", "Every week, until December 31, 2026"),
        ("freq=daily", "Every day"),
    ],
)
def test_describe_words(rule: str, words: str) -> None:
    assert rec.describe(rule) == words


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (1, "1st"),
        (2, "2nd"),
        (3, "3rd"),
        (4, "4th"),
        (11, "11th"),
        (12, "12th"),
        (13, "13th"),
        (21, "21st"),
        (22, "22nd"),
        (23, "23rd"),
        (31, "31st"),
    ],
)
def test_describe_ordinals(day: int, words: str) -> None:
    assert rec.describe(f"FREQ=MONTHLY;BYMONTHDAY={day}") == f"Monthly on the {words}"


def test_describe_from_completion() -> None:
    words = rec.describe("FREQ=DAILY;INTERVAL=3", from_completion=True)
    assert words == "Every 3 days after completion"


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        (
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            "Repeats (FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1)",
        ),
        ("FREQ=YEARLY;BYWEEKNO=20", "Repeats (FREQ=YEARLY;BYWEEKNO=20)"),
        ("byday=mo;freq=monthly", "Repeats (FREQ=MONTHLY;BYDAY=MO)"),
        ("nonsense", "Repeats (nonsense)"),
    ],
)
def test_describe_falls_back_to_the_rule(rule: str, words: str) -> None:
    assert rec.describe(rule) == words


# --- purity ---------------------------------------------------------------------------------


def test_the_module_imports_no_reflex_and_no_database() -> None:
    code = (
        "import sys, todo_app.recurrence\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('reflex', 'sqlmodel', 'sqlalchemy', 'fastapi')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- bounded searches (issue 15, finding 2) -------------------------------------------------

# Rules validate_recurrence accepts whose dates, from a 2025 start, are far apart or have run
# out: the worst an accepted rule can make a search do.
WORST_ACCEPTED = [
    "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",  # from 2025: never a leap year
    "FREQ=YEARLY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",  # from 2025: odd years only
    "FREQ=DAILY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=1000;BYMONTH=2;BYMONTHDAY=29",  # once in centuries
    "FREQ=WEEKLY;INTERVAL=1000;BYMONTH=2;BYDAY=MO",
    "FREQ=MONTHLY;INTERVAL=1000;BYMONTHDAY=31",
    "FREQ=MONTHLY;INTERVAL=24;BYMONTHDAY=29",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",  # a real 8-year gap across 2100
    "FREQ=YEARLY;BYDAY=53MO",
    "FREQ=DAILY;INTERVAL=6;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=DAILY;INTERVAL=49;BYMONTH=2;BYMONTHDAY=29",  # the longest step counted as one
]


class Spent:
    """Counts the steps a search spends (recurrence._Steps.spend), whatever it is."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.steps = 0
        spend = rec._Steps.spend

        def counting(steps: rec._Steps, weight: int) -> None:
            self.steps += weight
            spend(steps, weight)

        monkeypatch.setattr(rec._Steps, "spend", counting)


def every_search(rule: str, start: date) -> None:
    """validate, preview, both kinds of completion and the start check of one rule."""
    rec.validate_recurrence({"rule": rule})
    rec.occurrences(rule, start=start)
    for bang in (False, True):
        rec.next_due(
            rule,
            due_date=start,
            due_time=time(9),
            zone=BERLIN,
            completed_on=start + timedelta(days=400),
            from_completion=bang,
        )
    with contextlib.suppress(InvalidInput):  # refused or not, it must be quick
        rec.check_start(rule, start)


def test_the_issues_rule_is_refused_with_the_weekly_rule_to_use() -> None:
    # Every 7 days lands on the start's weekday only: BYDAY=TU gave no date unless started on
    # a Tuesday, and dateutil searched to the year 9999 for one (1.8 s on the event loop).
    reason = refusal({"rule": "FREQ=DAILY;INTERVAL=7;BYDAY=TU"})
    assert "use FREQ=WEEKLY;INTERVAL=1;BYDAY=" in reason
    assert "FREQ=WEEKLY;INTERVAL=2" in refusal({"rule": "FREQ=DAILY;INTERVAL=14;BYDAY=MO,FR"})
    assert "FREQ=YEARLY;INTERVAL=1" in refusal({"rule": "FREQ=MONTHLY;INTERVAL=12;BYMONTH=3"})
    # Intervals that do reach every weekday (every month) stay allowed.
    assert rec.validate_recurrence({"rule": "FREQ=DAILY;INTERVAL=3;BYDAY=TU"}) is not None
    assert rec.validate_recurrence({"rule": "FREQ=MONTHLY;INTERVAL=5;BYMONTH=3"}) is not None


def test_a_numbered_weekday_within_a_month_is_at_most_the_fifth() -> None:
    # dateutil raised IndexError on this (a 500), instead of a reason.
    assert "There is no 53MO in a month" in refusal({"rule": "FREQ=YEARLY;BYMONTH=2;BYDAY=53MO"})


@pytest.mark.parametrize("rule", WORST_ACCEPTED)
def test_the_worst_accepted_rules_are_cheap(rule: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spent = Spent(monkeypatch)
    started = clock.perf_counter()
    every_search(rule, d("2025-05-04"))
    elapsed = clock.perf_counter() - started
    # One preview, two completions (each at most a walk to the completion day and a gap),
    # one start check: a bounded number of steps, whatever the rule.
    assert spent.steps <= rec.PREVIEW_STEPS + 5 * rec.GAP_STEPS
    assert elapsed < 0.25  # seconds before the bound (see bench/recurrence_bench.py)


def test_a_series_with_no_date_left_ends_within_its_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    # This pins the dateutil internal the bound relies on (recurrence._metered): if dateutil
    # stopped checking days against the counted filter, no step would be spent here.
    spent = Spent(monkeypatch)
    rule = "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"
    assert rec.occurrences(rule, start=d("2025-01-01")) == []
    assert nxt(rule, "2025-01-01") is None  # completes for good
    assert rec.GAP_STEPS <= spent.steps <= rec.PREVIEW_STEPS + rec.GAP_STEPS + 1000


@pytest.mark.parametrize(
    "rule",
    ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYDAY=-1FR", "FREQ=YEARLY;BYDAY=20MO"],
)
def test_counting_steps_changes_no_date(rule: str) -> None:
    start = datetime(2026, 3, 2)
    expected = [day.date() for day in itertools.islice(rrulestr(rule, dtstart=start), 5)]
    assert rec.occurrences(rule, start=start.date()) == expected


def test_leap_days_still_repeat_across_a_skipped_century() -> None:
    rule = "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29"
    assert nxt(rule, "2096-02-29") == d("2104-02-29")  # 2100 is not a leap year
    assert rec.occurrences(rule, start=d("2095-01-01"), count=2) == [
        d("2096-02-29"),
        d("2104-02-29"),
    ]


def test_dates_decades_apart_are_refused() -> None:
    # 29 February on a Monday: once in 28 years or more, too rare to be a repeat.
    reason = refusal({"rule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO"})
    assert "decades apart" in reason


def test_a_rule_that_never_reaches_a_date_from_its_start_is_refused_there() -> None:
    rule = "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29"
    rec.check_start(rule, d("2028-02-29"))  # leap years only: fine
    with pytest.raises(InvalidInput) as caught:
        rec.check_start(rule, d("2025-03-01"))
    assert "gives no date after 2025-03-01" in caught.value.fields["recurrence"]
    rec.check_start("FREQ=DAILY;COUNT=1", d("2025-03-01"))  # ending on purpose is fine
