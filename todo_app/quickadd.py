"""Quick add: the "New task" text -> a title and the fields it names. Pure: no Reflex, no database.

    parse("Pay rent tomorrow 9am !high #home every month", now=..., zone="Europe/Berlin")
    -> title "Pay rent", due tomorrow 09:00, priority high, tags ("home",),
       recurrence {"rule": "FREQ=MONTHLY", "from_completion": False}

Approach: hand-written token rules over whitespace-separated words, with python-dateutil
for the calendar (``relativedelta`` for "in 2 months" and weekdays, ``rrulestr`` for a
repeat's first occurrence, so the first due of "every month on the last day" is exactly
what the recurrence engine will produce from the same RRULE). Why not a library for the
English: dateparser is built to find dates in scraped pages in some 200 languages (the
contract wants whole English words only, and non-English words left alone), and brings
regex, pytz and tzlocal (the machine's zone) along; recurrent (on parsedatetime) also digs
dates out of "messy strings", writes its own RRULE dialect (``FREQ=DAILY;INTERVAL=1`` plus
a ``DTSTART`` line, not the dialog's ``FREQ=DAILY``) and reads the wall clock unless given
``now_date``. Neither reports the span each phrase came from, which the chips need. A table
of words is small, deterministic for a fixed ``now`` and zone, independent of the locale
(names come from the tables below, never ``strftime``), and takes tens of microseconds
(bench/quickadd_bench.py), so it can run on every keystroke.

Why one module of about 860 lines: it is one grammar. The word tables, the scanner, the
labels the chips show and ``_Parser`` (which alone is some 480 lines) share the spans of one
scan and the precedence of one set of rules (which word a date, a repeat or a reminder may
claim, and what stays in the title); split, each piece would import the others' private
types, and the rules below could no longer be read against one file. The outside sees two
functions, ``parse`` and ``task_fields``.

The rules, which the page's chips and the REST API's ``{"text": ...}`` share:

- A token is one or more whole words: text split on whitespace, nothing matched inside a
  word ("check money" has no Monday, "p1x" no priority, "wow!high" no priority). The last
  word of a token may carry trailing ``, . ; : ! ?`` ("tomorrow," or "#home."); they belong
  to the token. Keywords are ASCII English; any other word is left alone.
- Text in double quotes (``"..."`` or ``“...”``, the opening quote at the start of a word)
  is never parsed; the quotes are dropped from the title and the text kept. A quote with
  no partner is an ordinary character.
- ``!high`` ``!medium`` ``!low``, ``p1`` ``p2`` ``p3`` (p1 = high).
- ``#tag``: 1..40 characters, no ``#``; at least one that is not a digit ("Fix bug #123"
  keeps its issue number); at most 20 distinct tags, compared case-insensitively.
- ``+List`` (one word holding a letter, so "+49 30 1234" stays a phone number) or
  ``+"Two words"``; 1..60 characters.
- Dates: today, tomorrow, tonight (today, 19:00 unless a time is given; "tonight at 9" is
  21:00), weekday names (the next one after today), "this fri" (today if today is Friday),
  "next fri" (Friday of next week), "next week" (Monday of next week), "in 3 days",
  "in 2 weeks", "in a month", "dec 5", "5 dec", "december 5th", "5th of december" (this
  year, or next year when already past), each with an optional year ("dec 5 2027"),
  "2026-12-05", "2026-12-05T09:30"; with an optional lead word "on" or "by". "mon", "wed",
  "sat" and "sun" are also words in English or French ("sun cream", "mon ami"), so alone
  they need a lead word ("on sat", "next sun") or a time next to them ("sat 10am").
- Times: "5pm", "5:30pm", "5 pm", "17:00", "9:30", "at 9" (09:00), "at noon", "at
  midnight" (noon and midnight also straight after a date). Next to a date ("tomorrow 5pm",
  "5pm tomorrow", "dec 5 at 2pm") or anywhere on their own; a time with no date is the next
  time that clock time comes (today, or tomorrow when it has passed).
- Repeats: ``every`` (or ``every!``: counts from completion) + "day", "N days", "other
  day", "weekday", "weekend", weekday names ("monday", "mon, wed and fri"), "week", "N
  weeks" (optionally "on mon"), "month", "N months" (optionally "on the 15th", "on the
  last day", "on the 2nd tuesday", "on the last friday"), "year", "N years"; then an
  optional time ("every weekday 9:30"). Without a date, the first due is the first
  occurrence on or after today (at or after now when the repeat has a time); with a date,
  the first occurrence on or after that date.
- Reminders: "remind [me] 15m|15 min|1 hour|1h|1 day|2 weeks [before]", 0..40320 minutes,
  at most 5 distinct. They are reported whatever the due; the task service refuses them on a
  task without a due time, with its own message.
- A field takes its first token: a later "!low" after "!high", or a second date, stays in
  the title. ``ignore`` holds the start offsets of tokens the user dismissed: the token
  that would start there is left in the title, whole, and nothing inside it is parsed.
- ``title`` is the text outside the tokens, verbatim, with the whitespace around each cut
  token collapsed to one space, and trimmed. It may be empty ("tomorrow" alone); the caller
  decides what an empty title means.

Not understood (left in the title): relative times ("in 3 hours"), "next month", "this
weekend", numeric dates other than ISO ("12/5" is ambiguous), COUNT/UNTIL ("for 5 times",
"until dec 24"), non-English words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import rrulestr

from todo_app.limits import (
    DUE_YEARS,
    LIST_NAME_MAX,
    REMINDER_MINUTES_MAX,
    REMINDERS_MAX,
    TAG_MAX,
    TAGS_MAX,
)

__all__ = ["KEYWORDS", "Parsed", "Token", "parse", "task_fields"]

TONIGHT = time(19, 0)


@dataclass(frozen=True)
class Token:
    """One recognised part of the text, for the page's removable chips."""

    kind: str  # "priority" | "tag" | "list" | "due" | "repeat" | "remind"
    text: str  # exactly text[start:end]
    start: int
    end: int
    label: str  # what it means, in words


@dataclass(frozen=True)
class Parsed:
    title: str
    priority: str | None
    tags: tuple[str, ...]
    list_name: str | None
    due_date: date | None
    due_time: time | None
    recurrence: dict[str, Any] | None  # {"rule": "FREQ=...", "from_completion": bool}
    reminders: tuple[int, ...]  # minutes before the due
    tokens: tuple[Token, ...]


def task_fields(parsed: Parsed) -> dict[str, Any]:
    """A reading as a task's fields in their wire form (all but the title and the list,
    whose id needs the database: ``tasks.quick_add`` finds or makes it)."""
    found: dict[str, Any] = {}
    if parsed.priority:
        found["priority"] = parsed.priority
    if parsed.tags:
        found["tags"] = list(parsed.tags)
    if parsed.due_date:
        found["due_date"] = parsed.due_date.isoformat()
    if parsed.due_time:
        found["due_time"] = parsed.due_time.strftime("%H:%M")
    if parsed.recurrence:
        found["recurrence"] = parsed.recurrence
    if parsed.reminders:
        found["reminders"] = [{"minutes_before": m} for m in parsed.reminders]
    return found


# --- word tables ------------------------------------------------------------------------

_PRIORITIES = {
    "!high": "high",
    "!medium": "medium",
    "!low": "low",
    "p1": "high",
    "p2": "medium",
    "p3": "low",
}
_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11,
    "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
_WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5,
    "sat": 5, "sunday": 6, "sun": 6,
}  # fmt: skip
_WEAK_WEEKDAYS = frozenset({"mon", "wed", "sat", "sun"})  # also everyday words
_NTH = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
    "4th": 4, "fifth": 5, "5th": 5, "last": -1,
}  # fmt: skip
_UNITS = {
    "day": "DAILY", "days": "DAILY", "week": "WEEKLY", "weeks": "WEEKLY",
    "month": "MONTHLY", "months": "MONTHLY", "year": "YEARLY", "years": "YEARLY",
}  # fmt: skip
_REMIND_UNITS = {
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "d": 1440, "day": 1440, "days": 1440,
    "w": 10080, "wk": 10080, "wks": 10080, "week": 10080, "weeks": 10080,
}  # fmt: skip
_LEADS = frozenset({"on", "by"})

_BYDAY = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Every word the grammar reads. A text made of other words has no token (see the tests).
KEYWORDS = frozenset(
    {*_PRIORITIES, *_MONTHS, *_WEEKDAYS, *_NTH, *_UNITS, *_REMIND_UNITS, *_LEADS}
    | {"today", "tomorrow", "tonight", "next", "this", "in", "a", "an", "at", "noon"}
    | {"midnight", "am", "pm", "every", "every!", "other", "weekday", "weekdays", "weekend"}
    | {"weekends", "the", "of", "and", "remind", "me", "before"}
)

_PUNCT = ",.;:!?"
_OPEN = '"\u201c'
_CLOSE_RE = re.compile('["\u201d]')
_NONSPACE = re.compile(r"\S+")
_DAYNUM = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?")
_YEAR = re.compile(r"[0-9]{4}")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:t([0-9]{2}):([0-9]{2}))?")
_CLOCK = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)?")
_AMOUNT = re.compile(r"([0-9]{1,5})([a-z]+)")
_NUMBER = re.compile(r"[0-9]{1,4}")


def _clean_name(name: str) -> bool:
    return not any(unicodedata.category(ch) in {"Cc", "Cs"} for ch in name)


# --- scanning ---------------------------------------------------------------------------


class _Word:
    """One whitespace-separated word, or one quoted stretch (which may hold spaces)."""

    __slots__ = ("core", "end", "key", "list_name", "punct", "quoted", "start")

    def __init__(self, start: int, end: int, core: str = "", punct: str = "") -> None:
        self.start = start
        self.end = end
        self.core = core  # the word without its trailing punctuation, as typed
        self.punct = punct  # that punctuation
        self.key = core.lower() if core.isascii() else ""  # what keywords match against
        self.quoted = False  # literal text: never part of a token
        self.list_name: str | None = None  # +"Two words"


def _scan(text: str) -> tuple[list[_Word], list[int]]:
    """The words of ``text`` and the offsets of the quote characters the title drops."""
    words: list[_Word] = []
    drops: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        plus = text[i] == "+" and i + 1 < n and text[i + 1] in _OPEN
        q = i + 1 if plus else i
        if text[q] in _OPEN and (close := _CLOSE_RE.search(text, q + 1)) is not None:
            c = close.start()
            end = _NONSPACE.match(text, c).end()  # type: ignore[union-attr]
            word = _Word(i, end)
            name = text[q + 1 : c].strip()
            if (
                plus
                and not text[c + 1 : end].strip(_PUNCT)
                and 0 < len(name) <= LIST_NAME_MAX
                and _clean_name(name)
            ):
                word.list_name = name
            else:
                word.quoted = True
                drops += (q, c)
            words.append(word)
            i = end
            continue
        end = _NONSPACE.match(text, i).end()  # type: ignore[union-attr]
        raw = text[i:end]
        if raw.lower() == "every!":
            words.append(_Word(i, end, raw))
        else:
            core = raw.rstrip(_PUNCT)
            words.append(_Word(i, end, core, raw[len(core) :]))
        i = end
    return words, drops


# --- labels -----------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _clock_label(t: time) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _date_label(day: date, today: date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "Today"
    if delta == 1:
        return "Tomorrow"
    if 2 <= delta <= 6:
        return _DAY_NAMES[day.weekday()]
    words = f"{_DAY_ABBR[day.weekday()]} {day.day} {_MONTH_ABBR[day.month - 1]}"
    return words if day.year == today.year else f"{words} {day.year}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _minutes_label(minutes: int) -> str:
    if minutes == 0:
        return "Remind at the due time"
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour")):
        if minutes % size == 0:
            n = minutes // size
            return f"Remind {n} {unit}{'' if n == 1 else 's'} before"
    return f"Remind {minutes} min before"


@dataclass(frozen=True)
class _Repeat:
    freq: str
    interval: int = 1
    byday: tuple[str, ...] = ()
    bymonthday: int | None = None
    from_completion: bool = False
    at: time | None = None

    @property
    def rule(self) -> str:
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append("BYDAY=" + ",".join(self.byday))
        if self.bymonthday is not None:
            parts.append(f"BYMONTHDAY={self.bymonthday}")
        return ";".join(parts)

    @property
    def label(self) -> str:
        unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}
        n = self.interval
        every = f"Every {unit[self.freq]}" if n == 1 else f"Every {n} {unit[self.freq]}s"
        days = self.byday
        if self.freq == "WEEKLY" and days:
            names = [_DAY_NAMES[_BYDAY.index(d)] for d in days]
            if n == 1 and days == _BYDAY[:5]:
                words = "Every weekday"
            elif n == 1 and days == _BYDAY[5:]:
                words = "Every weekend"
            elif n == 1:
                words = "Every " + _and(names)
            else:
                words = f"{every} on {_and(names)}"
        elif self.freq == "MONTHLY" and self.bymonthday is not None:
            day = "last day" if self.bymonthday == -1 else _ordinal(self.bymonthday)
            words = f"{every} on the {day}"
        elif self.freq == "MONTHLY" and days:
            nth = int(days[0][:-2])
            which = "last" if nth == -1 else _ordinal(nth)
            words = f"{every} on the {which} {_DAY_NAMES[_BYDAY.index(days[0][-2:])]}"
        else:
            words = every
        if self.at is not None:
            words += f" at {_clock_label(self.at)}"
        if self.from_completion:
            words += " from completion"
        return words


# --- the parser -------------------------------------------------------------------------


@dataclass
class _When:
    """A date and/or a time, as one token found it."""

    day: date | None = None
    at: time | None = None
    explicit: bool = True  # the time said am/pm or was a 24-hour clock ("9:30" is)
    tonight: bool = False


class _Parser:
    def __init__(self, text: str, local: datetime, ignore: frozenset[int]) -> None:
        self.text = text
        self.today = local.date()
        self.now = local.replace(tzinfo=None, second=0, microsecond=0)
        self.ignore = ignore
        self.words, self.drops = _scan(text)
        self.n = len(self.words)
        self.s = 0  # the word the current match started at

    # Each matcher takes a word index and returns (index after the match, value) or None.

    def k(self, j: int, sep: bool = False) -> str | None:
        """Word j's key, if a token starting at self.s may reach it: a quoted word, or a word
        after one that ends in punctuation (except "," between weekdays) ends a token."""
        if j >= self.n:
            return None
        word = self.words[j]
        if word.quoted or word.list_name is not None:
            return None
        if j > self.s:
            punct = self.words[j - 1].punct
            if punct and not (sep and punct == ","):
                return None
        return word.key

    def number(self, j: int, lo: int, hi: int) -> int | None:
        key = self.k(j)
        if key is None:
            return None
        if key in ("a", "an"):
            return 1 if lo <= 1 <= hi else None
        if _NUMBER.fullmatch(key) and lo <= (value := int(key)) <= hi:
            return value
        return None

    def match(self, i: int) -> tuple[int, str, Any] | None:
        self.s = i
        word = self.words[i]
        if word.quoted:
            return None
        if word.list_name is not None:
            return i + 1, "list", word.list_name
        key = word.key
        if key in _PRIORITIES:
            return i + 1, "priority", _PRIORITIES[key]
        core = word.core
        if core.startswith("#"):
            name = core[1:]
            if (
                0 < len(name) <= TAG_MAX
                and "#" not in name
                and not name.isdigit()
                and not any(ch in name for ch in '"\u201c\u201d')
                and _clean_name(name)
            ):
                return i + 1, "tag", name
            return None
        if core.startswith("+"):
            name = core[1:]
            if (
                0 < len(name) <= LIST_NAME_MAX
                and any(ch.isalpha() for ch in name)
                and not any(ch in name for ch in '"\u201c\u201d')
                and _clean_name(name)
            ):
                return i + 1, "list", name
            return None
        if key in ("every", "every!"):
            found = self.repeat(i)
            return None if found is None else (found[0], "repeat", found[1])
        if key == "remind":
            found = self.remind(i)
            return None if found is None else (found[0], "remind", found[1])
        found = self.when(i)
        return None if found is None else (found[0], "due", found[1])

    # --- dates and times

    def clock(self, j: int, bare: bool, named: bool) -> tuple[int, time, bool] | None:
        """A clock time at word j: (end, time, explicit). ``bare``: "9" alone is 09:00
        (after "at"); ``named``: "noon" and "midnight"."""
        key = self.k(j)
        if key is None:
            return None
        if named and key in ("noon", "midnight"):
            return j + 1, time(12 if key == "noon" else 0, 0), True
        m = _CLOCK.fullmatch(key)
        if not m:
            return None
        hour, minute = int(m[1]), int(m[2] or 0)
        meridiem, end = m[3], j + 1
        if meridiem is None and (after := self.k(j + 1)) in ("am", "pm"):
            meridiem, end = after, j + 2
        if minute > 59:
            return None
        if meridiem is not None:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
            return end, time(hour, minute), True
        if hour > 23 or (m[2] is None and not bare):
            return None
        return end, time(hour, minute), m[2] is not None

    def at_time(self, j: int, named: bool) -> tuple[int, time, bool] | None:
        """ "at 9", "at 5pm", "5pm", "17:00"."""
        if self.k(j) == "at":
            return self.clock(j + 1, bare=True, named=True)
        return self.clock(j, bare=False, named=named)

    def valid(self, year: int, month: int, day: int) -> date | None:
        if not DUE_YEARS[0] <= year <= DUE_YEARS[1]:
            return None
        try:
            return date(year, month, day)
        except ValueError:
            return None

    def month_day(self, month: int, day: int, j: int) -> tuple[int, date] | None:
        """Month and day with an optional year at word j; without one, the next such day."""
        year_key = self.k(j)
        if year_key is not None and _YEAR.fullmatch(year_key):
            found = self.valid(int(year_key), month, day)
            if found is not None:
                return j + 1, found
        for year in range(self.today.year, self.today.year + 9):  # Feb 29 waits for a leap year
            found = self.valid(year, month, day)
            if found is not None and found >= self.today:
                return j, found
        return None

    def date(self, j: int, lead: bool) -> tuple[int, _When, bool] | None:
        """A date at word j: (end, when, weak). ``weak``: a weekday abbreviation that is
        also a common word, which counts only with a lead word or a time next to it."""
        key = self.k(j)
        if key is None:
            return None
        today = self.today
        if key == "today":
            return j + 1, _When(today), False
        if key == "tomorrow":
            return j + 1, _When(today + timedelta(days=1)), False
        if key == "tonight":
            return j + 1, _When(today, tonight=True), False
        if key in ("next", "this"):
            after = self.k(j + 1)
            monday = today + relativedelta(weekday=0, days=1)  # Monday of next week
            if key == "next" and after == "week":
                return j + 2, _When(monday), False
            if after in _WEEKDAYS:
                weekday = _WEEKDAYS[after]
                if key == "next":
                    return j + 2, _When(monday + timedelta(days=weekday)), False
                return j + 2, _When(today + relativedelta(weekday=weekday)), False
            return None
        if key in _WEEKDAYS:
            day = today + relativedelta(days=1, weekday=_WEEKDAYS[key])
            return j + 1, _When(day), key in _WEAK_WEEKDAYS and not lead
        if key == "in":
            n = self.number(j + 1, 1, 9999)
            unit = self.k(j + 2)
            if n is None or unit not in _UNITS:
                return None
            step = {"DAILY": "days", "WEEKLY": "weeks", "MONTHLY": "months", "YEARLY": "years"}
            try:
                day = today + relativedelta(**{step[_UNITS[unit]]: n})
            except (OverflowError, ValueError):
                return None
            if day.year > DUE_YEARS[1]:
                return None
            return j + 3, _When(day), False
        if key in _MONTHS:
            num = self.k(j + 1)
            m = _DAYNUM.fullmatch(num) if num is not None else None
            if m:
                found = self.month_day(_MONTHS[key], int(m[1]), j + 2)
                if found is not None:
                    return found[0], _When(found[1]), False
            return None
        m = _DAYNUM.fullmatch(key)
        if m:
            after = self.k(j + 1)
            end = j + 2
            if after == "of":
                after, end = self.k(j + 2), j + 3
            if after in _MONTHS:
                found = self.month_day(_MONTHS[after], int(m[1]), end)
                if found is not None:
                    return found[0], _When(found[1]), False
            return None
        m = _ISO.fullmatch(key)
        if m:
            found = self.valid(int(m[1]), int(m[2]), int(m[3]))
            if found is None:
                return None
            if m[4] is None:
                return j + 1, _When(found), False
            hour, minute = int(m[4]), int(m[5])
            if hour > 23 or minute > 59:
                return None
            return j + 1, _When(found, time(hour, minute)), False
        return None

    def when(self, i: int) -> tuple[int, _When] | None:
        lead = self.k(i) in _LEADS
        found = self.date(i + 1 if lead else i, lead)
        if found is not None:
            end, when, weak = found
            if when.at is None:
                clock = self.at_time(end, named=True)
                if clock is not None:
                    end, when.at, when.explicit = clock
            if weak and when.at is None:
                return None
            return end, self.evening(when)
        if lead:
            return None
        clock = self.at_time(i, named=False)
        if clock is None:
            return None
        end, at, explicit = clock
        when = _When(None, at, explicit)
        lead = self.k(end) in _LEADS
        found = self.date(end + 1 if lead else end, lead=True)
        if found is not None and found[1].at is None:
            end, when.day, when.tonight = found[0], found[1].day, found[1].tonight
        return end, self.evening(when)

    @staticmethod
    def evening(when: _When) -> _When:
        """ "tonight at 9" is 21:00."""
        if when.tonight and when.at is not None and not when.explicit and when.at.hour < 12:
            when.at = when.at.replace(hour=when.at.hour + 12)
            when.explicit = True
        return when

    # --- repeats and reminders

    def weekdays(self, j: int) -> tuple[int, tuple[str, ...]] | None:
        """ "monday", "mon, wed and fri", "mon,wed,fri": in week order."""
        key = self.k(j)
        if key is None:
            return None
        parts = key.split(",")
        if not all(part in _WEEKDAYS for part in parts):
            return None
        days = {_WEEKDAYS[part] for part in parts}
        end = j + 1
        while True:
            after = self.k(end, sep=True)
            if after in _WEEKDAYS and self.words[end - 1].punct == ",":
                days.add(_WEEKDAYS[after])
                end += 1
            elif after == "and" and self.k(end + 1) in _WEEKDAYS:
                days.add(_WEEKDAYS[self.k(end + 1)])  # type: ignore[index]
                end += 2
            else:
                break
        return end, tuple(_BYDAY[d] for d in sorted(days))

    def repeat(self, i: int) -> tuple[int, _Repeat] | None:
        from_completion = self.k(i) == "every!"
        j = i + 1
        key = self.k(j)
        interval = 1
        if key == "other":
            interval, j = 2, j + 1
        elif (n := self.number(j, 1, 999)) is not None and key not in ("a", "an"):
            interval, j = n, j + 1
        key = self.k(j)
        if key is None:
            return None
        rep: _Repeat | None = None
        if key in _UNITS:
            freq = _UNITS[key]
            j += 1
            rep = _Repeat(freq, interval)
            if freq == "WEEKLY" and self.k(j) == "on":
                days = self.weekdays(j + 1)
                if days is not None:
                    j, rep = days[0], _Repeat(freq, interval, days[1])
            elif freq == "MONTHLY" and self.k(j) == "on" and self.k(j + 1) == "the":
                which = self.k(j + 2)
                day_m = _DAYNUM.fullmatch(which) if which is not None else None
                weekday = self.k(j + 3)
                if which in _NTH and weekday in _WEEKDAYS:
                    code = f"{_NTH[which]}{_BYDAY[_WEEKDAYS[weekday]]}"
                    j, rep = j + 4, _Repeat(freq, interval, (code,))
                elif which == "last" and weekday == "day":
                    j, rep = j + 4, _Repeat(freq, interval, bymonthday=-1)
                elif day_m and 1 <= int(day_m[1]) <= 31:
                    j, rep = j + 3, _Repeat(freq, interval, bymonthday=int(day_m[1]))
        elif interval == 1 and key in ("weekday", "weekdays"):
            j, rep = j + 1, _Repeat("WEEKLY", byday=_BYDAY[:5])
        elif interval == 1 and key in ("weekend", "weekends"):
            j, rep = j + 1, _Repeat("WEEKLY", byday=_BYDAY[5:])
        elif interval == 1 and (days := self.weekdays(j)) is not None:
            j, rep = days[0], _Repeat("WEEKLY", byday=days[1])
        if rep is None:
            return None
        at = None
        clock = self.at_time(j, named=True)
        if clock is not None:
            j, at = clock[0], clock[1]
        return j, _Repeat(rep.freq, rep.interval, rep.byday, rep.bymonthday, from_completion, at)

    def remind(self, i: int) -> tuple[int, int] | None:
        j = i + 1
        if self.k(j) == "me":
            j += 1
        key = self.k(j)
        if key is None:
            return None
        m = _AMOUNT.fullmatch(key)
        if m and m[2] in _REMIND_UNITS:
            minutes, j = int(m[1]) * _REMIND_UNITS[m[2]], j + 1
        else:
            n = self.number(j, 0, 99999)
            unit = self.k(j + 1)
            if n is None or unit not in _REMIND_UNITS:
                return None
            minutes, j = n * _REMIND_UNITS[unit], j + 2
        if minutes > REMINDER_MINUTES_MAX:
            return None
        if self.k(j) == "before":
            j += 1
        return j, minutes

    # --- the whole text

    def run(self) -> Parsed:
        words = self.words
        found: list[tuple[int, int, str, Any]] = []  # (start, end, kind, value)
        priority: str | None = None
        list_name: str | None = None
        tags: dict[str, str] = {}
        reminders: list[int] = []
        day: _When | None = None  # the token that gave the date
        clock: _When | None = None  # the token that gave the time (a due token)
        repeat: _Repeat | None = None
        i = 0
        while i < self.n:
            hit = self.match(i)
            if hit is None:
                i += 1
                continue
            end, kind, value = hit
            start = words[i].start
            i = end
            if start in self.ignore:
                continue  # dismissed: the whole token stays in the title
            has_time = clock is not None or (repeat is not None and repeat.at is not None)
            if kind == "priority":
                if priority is not None:
                    continue
                priority = value
            elif kind == "tag":
                key = value.casefold()
                if key not in tags:
                    if len(tags) >= TAGS_MAX:
                        continue
                    tags[key] = value
            elif kind == "list":
                if list_name is not None:
                    continue
                list_name = value
            elif kind == "remind":
                if value not in reminders:
                    if len(reminders) >= REMINDERS_MAX:
                        continue
                    reminders.append(value)
            elif kind == "repeat":
                if repeat is not None or (value.at is not None and has_time):
                    continue
                repeat = value
            else:  # due
                if (value.day is not None and day is not None) or (
                    value.at is not None and has_time
                ):
                    continue
                if value.day is not None:
                    day = value
                if value.at is not None:
                    clock = value
            found.append((start, words[end - 1].end, kind, value))

        due_date, due_time = self.resolve(day, clock, repeat)
        tokens = tuple(
            Token(kind, self.text[a:b], a, b, self.label(kind, value, day, repeat, due_date))
            for a, b, kind, value in found
        )
        recurrence = (
            None
            if repeat is None
            else {"rule": repeat.rule, "from_completion": repeat.from_completion}
        )
        return Parsed(
            title=self.title(found),
            priority=priority,
            tags=tuple(tags.values()),
            list_name=list_name,
            due_date=due_date,
            due_time=due_time,
            recurrence=recurrence,
            reminders=tuple(reminders),
            tokens=tokens,
        )

    def resolve(
        self, day: _When | None, clock: _When | None, repeat: _Repeat | None
    ) -> tuple[date | None, time | None]:
        at = clock.at if clock is not None else repeat.at if repeat is not None else None
        if day is not None and day.tonight:
            if at is None:
                at = TONIGHT
            elif clock is not None and clock is not day:
                at = self.evening(_When(None, at, clock.explicit, tonight=True)).at
        if repeat is not None:
            if day is not None:
                start = datetime.combine(day.day, at or time())  # type: ignore[arg-type]
                after = start
            else:
                start = datetime.combine(self.today, at or time())
                after = self.now if at is not None else start
            first = rrulestr(repeat.rule, dtstart=start).after(after, inc=True)
            return (first.date() if first is not None else start.date()), at
        if day is not None:
            return day.day, at
        if at is not None:
            today_at = datetime.combine(self.today, at)
            return (self.today if today_at >= self.now else self.today + timedelta(days=1)), at
        return None, None

    def label(
        self,
        kind: str,
        value: Any,
        day: _When | None,
        repeat: _Repeat | None,
        due_date: date | None,
    ) -> str:
        if kind == "priority":
            return f"{value.capitalize()} priority"
        if kind == "tag":
            return f"#{value}"
        if kind == "list":
            return f"+{value}"
        if kind == "remind":
            return _minutes_label(value)
        if kind == "repeat":
            return value.label
        when: _When = value
        if when.day is not None:
            words = _date_label(when.day, self.today)
            at = when.at if when.at is not None else TONIGHT if when.tonight else None
            return words if at is None else f"{words} {_clock_label(at)}"
        at = when.at
        assert at is not None
        if day is None and repeat is None and due_date is not None:  # this time made the due
            return f"{_date_label(due_date, self.today)} {_clock_label(at)}"
        if day is not None and day.tonight:
            at = self.evening(_When(None, at, when.explicit, tonight=True)).at or at
        return f"At {_clock_label(at)}"

    def title(self, found: list[tuple[int, int, str, Any]]) -> str:
        text = self.text
        drops = set(self.drops)
        pieces: list[str] = []
        pos = 0
        cuts = [(a, b) for a, b, _, _ in found] + [(len(text), len(text))]
        for index, (a, b) in enumerate(cuts):
            piece = text[pos:a]
            if drops:
                piece = "".join(ch for n, ch in enumerate(piece, pos) if n not in drops)
            if index > 0:
                piece = piece.lstrip()
            if index < len(cuts) - 1:
                piece = piece.rstrip()
            if piece:
                pieces.append(piece)
            pos = b
        return " ".join(pieces).strip()


def parse(text: str, *, now: datetime, zone: str, ignore: frozenset[int] = frozenset()) -> Parsed:
    """The title and fields of a quick-add ``text``, with dates resolved relative to ``now``
    (an aware datetime) in the IANA ``zone``. ``ignore``: start offsets of dismissed tokens.

    Raises ValueError for a naive ``now``, and zoneinfo.ZoneInfoNotFoundError (a KeyError)
    for an unknown zone."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return _Parser(text, now.astimezone(ZoneInfo(zone)), frozenset(ignore)).run()
