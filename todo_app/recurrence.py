"""Recurring tasks: RFC 5545 repeat rules, their next date, their preview and their wording.

Pure: no Reflex, no database. python-dateutil (``rrulestr``) does every calendar computation
and ``zoneinfo`` every zone rule; this module only checks rules, chooses where a series starts
and turns dates into instants.

A task's recurrence is ``{"rule": "<RRULE body>", "from_completion": bool}``. Dates are dates:
the series is computed on the wall clock of the user's zone, so a 09:00 task stays at 09:00
across a daylight-saving change and only its UTC instant (``due_at``) moves. A date a rule
names that does not exist is skipped, as RFC 5545 says (``BYMONTHDAY=31`` skips short months;
``BYMONTHDAY=-1`` is the last day of every month).

Every search is bounded (``GAP_STEPS``): dateutil steps through the calendar one period at a
time and never stops while a rule gives nothing (its UNTIL is only compared with dates it
finds), so a rule with no date left would walk to the year 9999 (seconds, while the caller
holds the event loop or a write lock). Here a series whose next date is more than
``GAP_STEPS`` examined days away has ended; rules that can never give a date, on their own or
from the date they start on, are refused before that (``validate_recurrence``,
``check_start``).

Why one module of about 630 lines: it is one job, the repeat rules this app allows. Reading a
rule (``_parse``), stepping through it within bounds (``_Steps``, ``_metered``), the next due
and the wording (``describe``) all work on the same parsed parts and the same bounded series,
so the checker and the stepper cannot drift apart; the sections (reading and checking,
dates, words) are marked below. The first seam, if it grows: the words (``describe``, about
100 lines), which only read the parsed parts.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from itertools import islice
from typing import Any

from dateutil.rrule import DAILY, WEEKLY, YEARLY, rrule, rrulestr

from todo_app.errors import InvalidInput

RULE_MAX = 200
INTERVAL_MAX = 1000
COUNT_MAX = 1000

PRESETS: dict[str, str] = {
    "Every day": "FREQ=DAILY",
    "Every weekday": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "Every week": "FREQ=WEEKLY",
    "Every 2 weeks": "FREQ=WEEKLY;INTERVAL=2",
    "Every month": "FREQ=MONTHLY",
    "Every month on the last day": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "Every year": "FREQ=YEARLY",
}

_FIELDS = frozenset({"rule", "from_completion"})
_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_TOO_FINE = ("HOURLY", "MINUTELY", "SECONDLY")
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WORKDAYS = ("MO", "TU", "WE", "TH", "FR")
_NUMBER = re.compile(r"[+-]?\d{1,3}")
_BYDAY = re.compile(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")
# A part's allowed numbers (RFC 5545 section 3.3.10); zero is never allowed.
_NUMBERS = {
    "BYMONTHDAY": (-31, 31),
    "BYYEARDAY": (-366, 366),
    "BYWEEKNO": (-53, 53),
    "BYMONTH": (1, 12),
    "BYSETPOS": (-366, 366),
}
_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST", *_NUMBERS})
_TIME_PARTS = frozenset({"BYHOUR", "BYMINUTE", "BYSECOND"})
# How many days dateutil may examine (each day of each period it steps through) between two
# dates of a series before the series counts as ended. 4,000 covers every gap of a sensible
# rule (29 February: 8 years, 2,922 days, across 2100) and costs about 5 ms at worst (daily
# stepping, about 1 us a day); a rule whose dates are further apart than that ends there.
GAP_STEPS = 4_000
# A preview stops after this many examined days in all (a few gaps at most).
PREVIEW_STEPS = 2 * GAP_STEPS
# A rule is tried without INTERVAL, COUNT and UNTIL from here (a leap year starting a run of
# ordinary ones) to see whether it ever gives a date.
_PROBE_START = datetime(9600, 1, 1)
_END_OF_DAY = time.max

_DAY_NAMES = {
    "MO": "Monday",
    "TU": "Tuesday",
    "WE": "Wednesday",
    "TH": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SU": "Sunday",
}
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class _BadRule(ValueError):
    """A rule this module refuses; the message is the reason in words."""


class _OutOfReach(Exception):
    """A search used up its steps: the series has no date within reach."""


class _Steps:
    """The days one search may still examine, between two dates and in all."""

    def __init__(self, total: int | None = None) -> None:
        self.gap = GAP_STEPS
        self.total = total

    def spend(self, weight: int) -> None:
        self.gap -= weight
        if self.total is not None:
            self.total -= weight
            if self.total < 0:
                raise _OutOfReach
        if self.gap < 0:
            raise _OutOfReach

    def found(self) -> None:
        """A date was found: the next gap starts afresh."""
        self.gap = GAP_STEPS


class _Counted(tuple):
    """A BY part's values that charge ``steps`` each time dateutil checks a day against them."""

    steps: _Steps
    weight: int

    def __contains__(self, value: object) -> bool:
        self.steps.spend(self.weight)
        return tuple.__contains__(self, value)


def _metered(series: rrule, steps: _Steps) -> rrule:
    """``series`` with a step counter on the first filter dateutil checks for every day.

    The one dateutil internal this app relies on (python-dateutil 2.9 ``rrule._iter``): every
    day of every period is checked against ``_bymonth`` first when it is set, else against
    ``_byweekday``. Setting all twelve months, or all seven weekdays, filters nothing, so the
    dates are the same. A yearly rule with numbered weekdays and no BYMONTH reads ``_bymonth``
    to know its ranges, so it gets the weekday filter instead (BYWEEKNO, which dateutil checks
    before weekdays, never goes with numbered weekdays here). tests/unit/test_recurrence.py
    pins this: a rule with no date left must run out of steps.

    A daily or weekly step of a long INTERVAL also costs dateutil a loop over every month it
    skips, so each examined day of such a rule counts one more step per 50 days skipped."""
    weight = 1 + series._interval // 50 if series._freq in (DAILY, WEEKLY) else 1
    if series._bymonth:
        months: tuple[int, ...] = series._bymonth
    elif not (series._freq == YEARLY and series._bynweekday):
        months = tuple(range(1, 13))
    else:
        counted = _Counted(series._byweekday or range(7))
        counted.steps, counted.weight = steps, weight
        series._byweekday = counted
        return series
    counted = _Counted(months)
    counted.steps, counted.weight = steps, weight
    series._bymonth = counted
    return series


def _dates(series: rrule, steps: _Steps) -> Iterator[datetime]:
    """The series' dates in order, until the steps run out (then it has ended)."""
    found = iter(_metered(series, steps))
    while True:
        try:
            date_ = next(found)
        except (StopIteration, _OutOfReach):
            return
        steps.found()
        yield date_


# --- reading and checking a rule ----------------------------------------------------------


def _numbers(key: str, value: str) -> list[int]:
    low, high = _NUMBERS[key]
    out = []
    for item in value.split(","):
        item = item.strip()
        if not _NUMBER.fullmatch(item) or not (low <= int(item) <= high) or int(item) == 0:
            raise _BadRule(f"{key} takes whole numbers from {low} to {high}, not 0 (got {item!r})")
        out.append(int(item))
    return out


def _check_byday(value: str, freq: str, has_weekno: bool, has_month: bool) -> str:
    out = []
    for item in value.split(","):
        item = item.strip()
        match = _BYDAY.fullmatch(item)
        if not match:
            raise _BadRule(f"BYDAY takes weekdays such as MO, 2TU or -1FR (got {item!r})")
        nth, day = match.groups()
        if nth is None:
            out.append(day)
            continue
        n = int(nth)
        if freq not in ("MONTHLY", "YEARLY") or has_weekno:
            raise _BadRule(
                f"A numbered weekday ({item}) needs FREQ=MONTHLY or FREQ=YEARLY without BYWEEKNO"
            )
        # With BYMONTH a yearly numbered weekday counts within each month (RFC 5545).
        limit = 5 if freq == "MONTHLY" or has_month else 53
        if n == 0 or abs(n) > limit:
            raise _BadRule(f"There is no {item} in a {'month' if limit == 5 else 'year'}")
        out.append(f"{n}{day}")
    return ",".join(out)


def _check_until(value: str) -> str:
    match = _UNTIL.fullmatch(value)
    try:
        if not match:
            raise ValueError
        day, clock, _zulu = match.groups()
        datetime.strptime(day + (clock or "000000"), "%Y%m%d%H%M%S")
    except ValueError:
        raise _BadRule(
            "UNTIL must be a date as YYYYMMDD, or a time as YYYYMMDDTHHMMSS (Z for UTC)"
        ) from None
    return value


def _parse(rule: str) -> dict[str, str]:
    """The rule's parts, checked and normalised, FREQ first (as RFC 5545 asks of writers)."""
    text = rule.strip()
    if not text:
        raise _BadRule("Enter a repeat rule such as FREQ=WEEKLY")
    if len(text) > RULE_MAX:
        raise _BadRule(
            f"A repeat rule must be at most {RULE_MAX} characters (this one has {len(text)})"
        )
    text = text.upper()
    if "DTSTART" in text:
        raise _BadRule("A repeat rule must not contain DTSTART: it starts at the task's due date")
    text = text.removeprefix("RRULE:").strip()
    if ":" in text or "\n" in text or "\r" in text:
        raise _BadRule("Give one RRULE, without the RRULE: prefix or other lines")
    raw: dict[str, str] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), ",".join(v.strip() for v in value.split(","))
        if not sep or not key or not value:
            raise _BadRule(f"{part.strip()!r} is not a rule part such as FREQ=WEEKLY")
        if key in raw:
            raise _BadRule(f"{key} is given more than once")
        if key in _TIME_PARTS:
            raise _BadRule(f"{key} is not allowed: the time of day comes from the due time")
        if key not in _PARTS:
            raise _BadRule(f"{key} is not a rule part a repeat can use")
        raw[key] = value

    freq = raw.get("FREQ")
    if freq is None:
        raise _BadRule("A repeat rule needs FREQ: DAILY, WEEKLY, MONTHLY or YEARLY")
    if freq in _TOO_FINE:
        raise _BadRule(
            f"A task repeats at most daily (not {freq}); the time of day comes from the due time"
        )
    if freq not in _FREQS:
        raise _BadRule("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")

    parts = {"FREQ": freq}
    for key, value in raw.items():
        if key == "FREQ":
            continue
        if key in ("INTERVAL", "COUNT"):
            limit = INTERVAL_MAX if key == "INTERVAL" else COUNT_MAX
            if not value.isdigit() or not 1 <= int(value) <= limit:
                raise _BadRule(f"{key} must be a whole number from 1 to {limit}")
            parts[key] = str(int(value))
        elif key == "UNTIL":
            parts[key] = _check_until(value)
        elif key == "WKST":
            if value not in _WEEKDAYS:
                raise _BadRule("WKST must be a weekday: MO, TU, WE, TH, FR, SA or SU")
            parts[key] = value
        elif key == "BYDAY":
            parts[key] = _check_byday(value, freq, "BYWEEKNO" in raw, "BYMONTH" in raw)
        else:
            parts[key] = ",".join(str(n) for n in _numbers(key, value))

    # What RFC 5545 (section 3.3.10) rules out, so each rule means one thing.
    if "COUNT" in parts and "UNTIL" in parts:
        raise _BadRule("Give COUNT or UNTIL, not both")
    if "BYMONTHDAY" in parts and freq == "WEEKLY":
        raise _BadRule("BYMONTHDAY does not go with FREQ=WEEKLY")
    if "BYYEARDAY" in parts and freq != "YEARLY":
        raise _BadRule("BYYEARDAY needs FREQ=YEARLY")
    if "BYWEEKNO" in parts and freq != "YEARLY":
        raise _BadRule("BYWEEKNO needs FREQ=YEARLY")
    if "BYSETPOS" in parts and not any(k.startswith("BY") and k != "BYSETPOS" for k in parts):
        raise _BadRule("BYSETPOS needs another BY part (such as BYDAY) to pick from")
    return parts


def _text(parts: dict[str, str]) -> str:
    return ";".join(f"{key}={value}" for key, value in parts.items())


def _series(
    parts: dict[str, str], *, start: date, due_time: time | None, zone: str, count: bool = True
) -> rrule:
    """The dateutil series of ``parts`` starting on ``start`` at the due time in ``zone``.

    DTSTART carries the zone, so each occurrence keeps the wall-clock time and UNTIL compares
    as RFC 5545 says: a date is inclusive, a time without Z is local, one with Z is UTC."""
    tz = zoneinfo.ZoneInfo(zone)
    body = {k: v for k, v in parts.items() if k != "UNTIL" and (count or k != "COUNT")}
    series = rrulestr(_text(body), dtstart=datetime.combine(start, due_time or time(0), tz))
    if "UNTIL" not in parts:
        return series
    day, clock, zulu = _UNTIL.fullmatch(parts["UNTIL"]).groups()  # type: ignore[union-attr]
    if clock is None:
        until = datetime.combine(datetime.strptime(day, "%Y%m%d").date(), _END_OF_DAY, tz)
    else:
        naive = datetime.strptime(day + clock, "%Y%m%d%H%M%S")
        until = naive.replace(tzinfo=UTC if zulu else tz)
    return series.replace(until=until)


def _reachable(parts: dict[str, str]) -> None:
    """Refuse a rule whose BY parts its INTERVAL can never (or only decades apart) reach."""
    # An interval of whole weeks (days) or whole years (months) always lands on the weekday
    # (month) it starts on, so BYDAY (BYMONTH) could only ever keep that one: a rule like
    # FREQ=DAILY;INTERVAL=7;BYDAY=TU gives no date at all unless started on a Tuesday.
    freq, interval = parts["FREQ"], int(parts.get("INTERVAL", "1"))
    if freq == "DAILY" and interval % 7 == 0 and "BYDAY" in parts:
        raise _BadRule(
            f"With FREQ=DAILY, an INTERVAL of {interval} always lands on the same weekday, so "
            f"BYDAY can't pick days: use FREQ=WEEKLY;INTERVAL={interval // 7};BYDAY=..."
        )
    if freq == "MONTHLY" and interval % 12 == 0 and "BYMONTH" in parts:
        raise _BadRule(
            f"With FREQ=MONTHLY, an INTERVAL of {interval} always lands in the same month, so "
            f"BYMONTH can't pick months: use FREQ=YEARLY;INTERVAL={interval // 12};BYMONTH=..."
        )
    probe = {k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL", "INTERVAL")}
    if next(_dates(rrulestr(_text(probe), dtstart=_PROBE_START), _Steps()), None) is None:
        raise _BadRule(
            "This rule never gives a date (or gives one only decades apart, too rarely to repeat)"
        )


def _checked(rule: str, *, strict: bool = True) -> dict[str, str]:
    """The parts of a rule dateutil reads and (``strict``) that gives dates within reach.

    Not ``strict`` is for rules already stored, which may predate a refusal: their searches
    are bounded all the same, and one that finds nothing ends the series.

    The probe drops INTERVAL, COUNT and UNTIL and looks for a date within ``GAP_STEPS`` days
    of a fixed start: a pattern with no date there (``BYMONTH=2;BYMONTHDAY=30``) either has
    none at all or has dates too far apart to be a task's repeat (29 February on a Monday:
    once in 28 years); both are refused."""
    parts = _parse(rule)
    try:
        _series(parts, start=date(2000, 1, 1), due_time=None, zone="UTC")
    except (ValueError, TypeError, KeyError, OverflowError):
        raise _BadRule("This is not a repeat rule that can be read") from None
    if strict:
        _reachable(parts)
    return parts


def _read(rule: str, *, strict: bool = True) -> dict[str, str]:
    if not isinstance(rule, str):
        raise InvalidInput({"recurrence": "The repeat rule must be text"})
    try:
        return _checked(rule, strict=strict)
    except _BadRule as bad:
        raise InvalidInput({"recurrence": str(bad)}) from None


def validate_recurrence(value: Any) -> dict | None:
    """``{"rule": <normalised RRULE body>, "from_completion": bool}`` as stored, or ``None``.

    The rule is an RFC 5545 RRULE without the ``RRULE:`` prefix: parts upper-cased and trimmed,
    FREQ first, numbers written plainly. Refused: DTSTART (the series starts at the due date),
    a FREQ finer than DAILY and BYHOUR/BYMINUTE/BYSECOND (the time comes from the due time),
    rules longer than ``RULE_MAX``, what RFC 5545 rules out, and rules that never give a date."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidInput(
            {"recurrence": 'Repeat must be an object such as {"rule": "FREQ=DAILY"}'}
        )
    unknown = sorted(str(key) for key in value if key not in _FIELDS)
    if unknown:
        raise InvalidInput({"recurrence": f"Unknown repeat field: {', '.join(unknown)}"})
    if "rule" not in value:
        raise InvalidInput({"recurrence": "A repeat needs a rule such as FREQ=WEEKLY"})
    from_completion = value.get("from_completion", False)
    if not isinstance(from_completion, bool):
        raise InvalidInput({"recurrence": "from_completion must be true or false"})
    return {"rule": _text(_read(value["rule"])), "from_completion": from_completion}


# --- dates ---------------------------------------------------------------------------------


def _first_after(series: rrule, day: date, zone: str, steps: _Steps) -> date | None:
    """The first date of the series after ``day`` (the whole day: never ``day`` itself), or
    ``None`` when there is none within reach."""
    end = datetime.combine(day, _END_OF_DAY, zoneinfo.ZoneInfo(zone))
    return next((found.date() for found in _dates(series, steps) if found > end), None)


def next_due(
    rule: str,
    *,
    due_date: date,
    due_time: time | None,
    zone: str,
    completed_on: date,
    from_completion: bool,
    series_start: date | None = None,
    completed: int | None = None,
) -> date | None:
    """The task's next due date once completed on ``completed_on`` (a date in ``zone``).

    ``from_completion`` false: the first date of the series after ``due_date``; if that date is
    already past (before ``completed_on``), the first date after ``completed_on`` instead, so
    an overdue task never lands in the past. ``from_completion`` true (Todoist's ``every!``):
    the rule counted afresh from the completion day, its first date after that day.

    The series starts at ``series_start`` (the task's first due date; ``due_date`` if not
    given): COUNT counts from there, UNTIL is a fixed end. ``None`` means the rule has no
    further date and the task completes for good; so does a next date more than
    ``GAP_STEPS`` examined days away (the search is bounded). For ``from_completion`` each
    completion restarts the count, so COUNT needs ``completed``, the completions of this
    series before this one: COUNT is then the number of times in all. Without it COUNT ends
    the series on the last date it would have had counted from ``series_start``. A stored rule
    is read as it was accepted (``_checked`` not ``strict``): one refused since still ends.
    """
    parts = _read(rule, strict=False)
    start = series_start or due_date
    steps = _Steps()
    if not from_completion:
        series = _series(parts, start=start, due_time=due_time, zone=zone)
        following = _first_after(series, due_date, zone, steps)
        if following is not None and following < completed_on:
            following = _first_after(series, completed_on, zone, steps)
        return following

    if "COUNT" in parts and completed is not None and completed + 1 >= int(parts["COUNT"]):
        return None
    series = _series(parts, start=completed_on, due_time=due_time, zone=zone, count=False)
    following = _first_after(series, completed_on, zone, steps)
    if following is not None and "COUNT" in parts and completed is None:
        # Still inside the counted series if one of its dates falls on or after ``following``
        # (walked only that far, not to its end).
        counted = _series(parts, start=start, due_time=due_time, zone=zone)
        if not any(found.date() >= following for found in _dates(counted, steps)):
            return None
    return following


def occurrences(
    rule: str,
    *,
    start: date,
    count: int = 5,
    due_time: time | None = None,
    zone: str = "UTC",
) -> list[date]:
    """The first ``count`` dates of the series that starts on ``start`` (included when the rule
    gives it), for the dialog's preview. Fewer when COUNT or UNTIL ends the series, or when
    the next date is out of reach (the preview examines at most ``PREVIEW_STEPS`` days)."""
    parts = _read(rule)
    series = _series(parts, start=start, due_time=due_time, zone=zone)
    found = _dates(series, _Steps(total=PREVIEW_STEPS))
    return [day.date() for day in islice(found, max(count, 0))]


def preview_lines(rule: str, start: date) -> list[str]:
    """The details dialog's lines for a rule a person typed: its next five dates from
    ``start`` ("Tue 2 Dec"), or the reason it is refused (which says what would work)."""
    try:
        checked = validate_recurrence({"rule": rule, "from_completion": False})
    except InvalidInput as exc:
        return [next(iter(exc.fields.values()), "not a rule this app understands")]
    assert checked is not None
    return [day.strftime("%a %-d %b") for day in occurrences(checked["rule"], start=start)]


def check_start(rule: str, start: date) -> None:
    """Refuse (``InvalidInput`` on ``recurrence``) a rule that, started on ``start``, would
    never repeat: no date after ``start`` within ``GAP_STEPS`` days (COUNT and UNTIL aside,
    which end a series on purpose). ``validate_recurrence`` cannot know the start, and some
    rules give dates from one start and none from another:
    ``FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29`` started in 2025 only visits years
    that are never leap years."""
    parts = _read(rule)
    body = {k: v for k, v in parts.items() if k not in ("COUNT", "UNTIL")}
    series = _series(body, start=start, due_time=None, zone="UTC")
    if _first_after(series, start, "UTC", _Steps()) is None:
        raise InvalidInput(
            {
                "recurrence": f"This rule gives no date after {start.isoformat()}, its start: "
                "its INTERVAL never reaches the days its BY parts pick"
            }
        )


def due_at(due_date: date, due_time: time | None, zone: str) -> datetime | None:
    """The UTC instant of a due date and wall-clock time in ``zone``; ``None`` without a time.

    A time that does not exist (in the hour skipped in spring) is read with the offset before
    the gap, and one that happens twice (autumn) is the first, as RFC 5545 section 3.3.5 says:
    that is Python's ``fold=0``."""
    if due_time is None:
        return None
    return datetime.combine(due_date, due_time, zoneinfo.ZoneInfo(zone)).astimezone(UTC)


# --- words ---------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _from_end(n: int) -> str:
    return "last" if n == -1 else f"{_ordinal(-n)} to last"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _month_day(n: int) -> str:
    return f"the {_ordinal(n)}" if n > 0 else f"the {_from_end(n)} day"


def _nth_weekday(item: str) -> str:
    nth, day = _BYDAY.fullmatch(item).groups()  # type: ignore[union-attr]
    n = int(nth)
    return f"the {_ordinal(n) if n > 0 else _from_end(n)} {_DAY_NAMES[day]}"


def _every(interval: int, unit: str) -> str:
    return f"Every {unit}" if interval == 1 else f"Every {interval} {unit}s"


def _phrase(parts: dict[str, str]) -> str | None:
    """Words for the common shapes of a rule, or ``None`` for the rest."""
    freq = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    by = {k: v.split(",") for k, v in parts.items() if k.startswith("BY")}
    days = by.pop("BYDAY", None)
    plain_days = days is not None and all(d in _WEEKDAYS for d in days)
    workdays = plain_days and sorted(days or [], key=_WEEKDAYS.index) == list(_WORKDAYS)

    if freq in ("DAILY", "WEEKLY") and not by:
        unit = "day" if freq == "DAILY" else "week"
        if days is None:
            return _every(interval, unit)
        if not plain_days or (freq == "DAILY" and interval != 1):
            return None
        if workdays:
            return "Every weekday" if interval == 1 else f"{_every(interval, 'week')} on weekdays"
        names = [_DAY_NAMES[d] for d in sorted(days, key=_WEEKDAYS.index)]
        if interval == 1:
            return f"Every {_join(names)}"
        return f"{_every(interval, 'week')} on {_join(names)}"

    if freq == "MONTHLY":
        lead = "Monthly" if interval == 1 else _every(interval, "month")
        monthdays = by.pop("BYMONTHDAY", None)
        if by or (days and monthdays):
            return None
        if monthdays:
            return f"{lead} on {_join([_month_day(int(n)) for n in monthdays])}"
        if days:
            if any(d in _WEEKDAYS for d in days):
                return None  # "every Monday of the month" and mixes: no short words
            return f"{lead} on {_join([_nth_weekday(d) for d in days])}"
        return _every(interval, "month")

    if freq == "YEARLY":
        lead = "Yearly" if interval == 1 else _every(interval, "year")
        months = by.pop("BYMONTH", None)
        monthdays = by.pop("BYMONTHDAY", None)
        if not (by or days or months or monthdays):
            return _every(interval, "year")
        if by or not months or len(months) != 1:
            return None
        month = _MONTH_NAMES[int(months[0]) - 1]
        if days is None and monthdays is None:
            return f"{lead} in {month}"
        if days is None and monthdays is not None and len(monthdays) == 1:
            n = int(monthdays[0])
            if n > 0:
                return f"{lead} on {month} {n}"
            return f"{lead} on the {_from_end(n)} day of {month}"
        if monthdays is None and days is not None and len(days) == 1 and not plain_days:
            return f"{lead} on {_nth_weekday(days[0])} of {month}"
    return None


def describe(rule: str, *, from_completion: bool = False) -> str:
    """Plain English for a rule ("Every weekday", "Monthly on the last day", "Every 2 weeks on
    Monday"), or "Repeats (<rule>)" for shapes it has no words for."""
    try:
        parts = _parse(rule) if isinstance(rule, str) else None
    except _BadRule:
        parts = None
    if parts is None:
        return f"Repeats ({rule})"
    words = _phrase(parts)
    if words is None:
        return f"Repeats ({_text(parts)})"
    if from_completion:
        words += " after completion"
    if "COUNT" in parts:
        times = int(parts["COUNT"])
        words += ", once" if times == 1 else f", {times} times"
    if "UNTIL" in parts:
        end = datetime.strptime(parts["UNTIL"][:8], "%Y%m%d")
        words += f", until {_MONTH_NAMES[end.month - 1]} {end.day}, {end.year}"
    return words
