"""One task as one VTODO (RFC 5545), both ways: what a CalDAV client PUTs becomes our task's
fields, and a task becomes the calendar object a client GETs. Pure: no database, no Reflex.

``icalendar`` reads and writes every line (escaping, folding, TZIDs). What we do not map is
kept for the client as ``extra``: the text of a VTODO holding only those properties and
alarms, written back after ours on every render, so a client's X- properties, DTSTART,
GEO, ATTACH and alarm details survive a round trip through us. The client's VTIMEZONE for
a TZID a kept property names rides inside it too (a sub-component of that VTODO text);
render moves it back up to the calendar.

Decisions a reader would otherwise have to guess:

* Derived properties are kept only where they say more than ``completed``: PRIORITY other
  than 0/1/5/9 (written back while it still means the task's priority), STATUS IN-PROCESS
  or CANCELLED (written back while not completed), PERCENT-COMPLETE under 100 (likewise),
  COMPLETED of a completed task (its time, written back while completed).
* Completed: STATUS decides when present (COMPLETED: done; NEEDS-ACTION, IN-PROCESS,
  CANCELLED: not); without STATUS, a COMPLETED timestamp means done. Thunderbird and
  Tasks.org send STATUS and COMPLETED together and drop both when un-completing, so they
  agree; a stale COMPLETED beside STATUS:NEEDS-ACTION does not re-complete a task.
* Repeat from completion: ``X-TODO-FROM-COMPLETION:TRUE`` (ours). Tasks.org has the
  setting but does not sync it: its RRULE goes out without its internal ``FROM=COMPLETION``
  part (``RecurrenceUtils.newRRule`` strips it; tasks/tasks issue #2009 asks for an X-
  property), so there is no client form to accept.
* An RRULE our rules refuse, or one without DUE, is kept unchanged in ``extra`` (the task
  then has no repeat); once the task gets a repeat of ours, the kept one is dropped.
* Reminders: alarms before a timed DUE (see ``_reminder_minute``); the ``REMINDERS_MAX``
  closest to the due count, a further one is dropped on the next render. Every client
  alarm is kept, except one exactly as ``render`` makes it (made again from the reminder).
* A DUE whose TZID names no zone we know and has no VTIMEZONE reads as floating (the
  owner's wall clock).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Timezone, Todo, vRecur

from todo_app import recurrence as recurrence_rules
from todo_app.errors import InvalidInput
from todo_app.limits import (
    DAV_EXTRA_MAX,
    DAV_NAME_MAX,
    REMINDER_MINUTES_MAX,
    REMINDERS_MAX,
    TAGS_MAX,
)
from todo_app.tasks import fields as rules
from todo_app.tasks.types import TaskData

PRODID = "-//Todo//CalDAV//EN"
FROM_COMPLETION = "X-TODO-FROM-COMPLETION"
SORT_ORDER = "X-APPLE-SORT-ORDER"
VALID = "valid-calendar-data"
SUPPORTED = "supported-calendar-component"
RECURRENCE_ID_REASON = "Changes to single occurrences (RECURRENCE-ID) are not supported"

# PRIORITY (RFC 5545 3.8.1.9: 1 highest, 9 lowest, 0 undefined) for each of ours, and back.
_PRIORITY_OUT = {"high": 1, "medium": 5, "low": 9}
# Properties we write from the task or from the arguments, never from what a client sent.
_GENERATED = frozenset({"UID", "DTSTAMP", "CREATED", "LAST-MODIFIED"})
# Properties that are the task's fields (read into ``values``), never kept as they came.
_MAPPED = frozenset({"SUMMARY", "DESCRIPTION", "CATEGORIES", "DUE", SORT_ORDER})
# STATUS values kept for the client: they say more than "not completed" and we cannot store.
_KEPT_STATUS = frozenset({"IN-PROCESS", "CANCELLED"})
_OTHER_COMPONENTS = frozenset({"VEVENT", "VJOURNAL", "VFREEBUSY", "VAVAILABILITY"})
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Universal", "Zulu", "Etc/Zulu"})
_INTEGER = re.compile(r"[+-]?\d{1,18}")
# The base-62 digits of an order key (tasks/order_keys.py) in byte order: 0-9, A-Z, a-z.
_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SORT_ORDER_BITS = 31
_ALARM_TEXT = "Reminder"  # an alarm's DESCRIPTION when the task has no title


class BadCalendar(Exception):
    """A body we cannot take. ``precondition`` is the CalDAV precondition element's name:
    "valid-calendar-data" or "supported-calendar-component" (RFC 4791 5.3.2.1)."""

    def __init__(self, reason: str, precondition: str = VALID) -> None:
        super().__init__(reason)
        self.reason = reason
        self.precondition = precondition


@dataclass(frozen=True)
class Incoming:
    """A client's VTODO as our task's fields: ``values`` always holds every field a PUT
    replaces (an absent property is "none"), as ``fields.validate_changes`` takes them."""

    uid: str
    values: dict[str, Any]
    parent_uid: str | None
    sort_order: int | None
    extra: str


# --- reading -------------------------------------------------------------------------------


def _text_of(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadCalendar("The calendar data is not UTF-8 text") from None


def _calendar(text: str) -> Calendar:
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise BadCalendar(f"The calendar data cannot be read: {_short(exc)}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise BadCalendar("The body is not a VCALENDAR")
    return calendar


def _short(exc: Exception) -> str:
    """The first line of a parser's message, bounded: it may quote the body."""
    line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return line[:200]


def _the_vtodo(calendar: Calendar) -> Todo:
    """The one VTODO of a calendar object resource (RFC 4791 4.1: one component type, one
    UID), or the reason it is not one we take."""
    names = {c.name for c in calendar.subcomponents}
    others = sorted(names & _OTHER_COMPONENTS)
    if others:
        raise BadCalendar(
            f"Only tasks (VTODO) can be stored here, not {', '.join(others)}", SUPPORTED
        )
    todos = [c for c in calendar.subcomponents if c.name == "VTODO"]
    if not todos:
        raise BadCalendar("The calendar data holds no task (VTODO)")
    if any("RECURRENCE-ID" in todo for todo in todos):
        raise BadCalendar(RECURRENCE_ID_REASON)
    if len(todos) > 1:
        raise BadCalendar(f"A resource holds one task (VTODO); this one has {len(todos)}")
    todo = todos[0]
    if todo.errors:
        raise BadCalendar(f"The task cannot be read: {todo.errors[0][1]}"[:300])
    return todo


def _first(component: Component, name: str) -> Any:
    value = component.get(name)
    return value[0] if isinstance(value, list) else value


def _uid(todo: Todo) -> str:
    uid = _first(todo, "UID")
    text = str(uid).strip() if uid is not None else ""
    if not text:
        raise BadCalendar("The task has no UID")
    if len(text) > DAV_NAME_MAX:
        raise BadCalendar(f"The task's UID is longer than {DAV_NAME_MAX} characters")
    return text


def _due(todo: Todo, zone: str) -> tuple[date | None, time | None]:
    """DUE as a date and a wall-clock time in ``zone`` (minutes: seconds are dropped)."""
    prop = _first(todo, "DUE")
    if prop is None:
        return None, None
    value = getattr(prop, "dt", None)
    if isinstance(value, datetime):
        try:
            local = value if value.tzinfo is None else value.astimezone(ZoneInfo(zone))
        except (OverflowError, ValueError):
            raise BadCalendar("The task's DUE is out of range") from None
        return local.date(), time(local.hour, local.minute)
    if isinstance(value, date):
        return value, None
    raise BadCalendar("The task's DUE is neither a date nor a date-time")


def _priority(todo: Todo) -> str:
    prop = _first(todo, "PRIORITY")
    try:
        rank = int(prop) if prop is not None else 0
    except (TypeError, ValueError):
        rank = 0
    if 1 <= rank <= 4:
        return "high"
    if rank == 5:
        return "medium"
    if 6 <= rank <= 9:
        return "low"
    return "none"


def _completed(todo: Todo) -> bool:
    status = _first(todo, "STATUS")
    if status is not None:
        return str(status).upper() == "COMPLETED"
    return "COMPLETED" in todo


def _tags(todo: Todo) -> tuple[list[str], list[str]]:
    """The categories that are tags here, and the rest (``Grocery list``: our tags have no
    spaces), which are kept as sent rather than refusing the task."""
    props = todo.get("CATEGORIES")
    if props is None:
        return [], []
    names: list[str] = []
    for prop in props if isinstance(props, list) else [props]:
        names.extend(str(cat).strip() for cat in getattr(prop, "cats", [prop]))
    tags: list[str] = []
    kept: list[str] = []
    for name in filter(None, names):
        try:
            rules.validate_tag(name)
        except InvalidInput:
            kept.append(name)
            continue
        (tags if len(tags) < TAGS_MAX else kept).append(name)
    return tags, kept


def _is_parent(prop: Any) -> bool:
    return str(getattr(prop, "params", {}).get("RELTYPE", "PARENT")).upper() == "PARENT"


def _sort_order_of(todo: Todo) -> int | None:
    raw = str(_first(todo, SORT_ORDER) or "").strip()
    return int(raw) if _INTEGER.fullmatch(raw) else None


def _reminder_minute(alarm: Component, *, timed_due: bool, has_dtstart: bool) -> int | None:
    """The minutes before the due an alarm rings, when it is one of our reminders: a task
    with a timed DUE, a TRIGGER that is a duration of whole minutes, 0 to
    ``REMINDER_MINUTES_MAX`` before the due, related to END (for a VTODO, DUE) or to START
    when there is no DTSTART (clients write that meaning the due). ``None`` otherwise
    (absolute, after the due, ACTION:NONE of RFC 9074...): such an alarm is the client's."""
    if not timed_due or alarm.name != "VALARM":
        return None
    trigger = _first(alarm, "TRIGGER")
    action = str(_first(alarm, "ACTION") or "").upper()
    delta = getattr(trigger, "dt", None)
    if action == "NONE" or not isinstance(delta, timedelta):
        return None
    related = str(trigger.params.get("RELATED", "START")).upper()
    if not (related == "END" or (related == "START" and not has_dtstart)):
        return None
    seconds = -delta.total_seconds()
    if seconds < 0 or seconds % 60:
        return None
    minutes = int(seconds // 60)
    return minutes if minutes <= REMINDER_MINUTES_MAX else None


def _recurrence(todo: Todo, has_due: bool) -> tuple[dict[str, Any] | None, list[tuple[str, Any]]]:
    """The task's repeat from RRULE (and ours X-TODO-FROM-COMPLETION), or ``None`` and the
    properties to keep as they came: a rule we refuse is the client's, not an error."""
    rules = todo.get("RRULE")
    marks = todo.get(FROM_COMPLETION)
    rule_props = rules if isinstance(rules, list) else [rules] if rules is not None else []
    mark_props = marks if isinstance(marks, list) else [marks] if marks is not None else []
    kept = [("RRULE", p) for p in rule_props] + [(FROM_COMPLETION, p) for p in mark_props]
    if not rule_props:
        return None, kept
    if not has_due or len(rule_props) > 1:
        return None, kept
    from_completion = any(str(p).strip().upper() == "TRUE" for p in mark_props)
    try:
        body = rule_props[0].to_ical().decode()
        checked = recurrence_rules.validate_recurrence(
            {"rule": body, "from_completion": from_completion}
        )
    except (InvalidInput, ValueError, TypeError, UnicodeDecodeError):
        return None, kept
    return checked, []


def parse(body: bytes | str, zone: str) -> Incoming:
    """A PUT body as the task's new fields; ``zone`` is the owner's IANA zone, whose wall
    clock a timed DUE is read on. Raises ``BadCalendar`` for a body we cannot take; the
    fields themselves (title length...) are the service's to check."""
    calendar = _calendar(_text_of(body))
    todo = _the_vtodo(calendar)
    uid = _uid(todo)
    due_date, due_time = _due(todo, zone)
    recurrence, kept_repeat = _recurrence(todo, due_date is not None)
    has_dtstart = "DTSTART" in todo
    completed = _completed(todo)

    extra = Todo()
    parent_uid: str | None = None
    for name, prop in todo.property_items(recursive=False):
        if name in ("BEGIN", "END") or name in _GENERATED or name in _MAPPED:
            continue
        if name in ("RRULE", FROM_COMPLETION):
            continue  # kept_repeat, below
        if name == "RELATED-TO" and _is_parent(prop):
            parent_uid = parent_uid or str(prop).strip() or None
            continue
        if name == "STATUS" and str(prop).upper() not in _KEPT_STATUS:
            continue
        if name == "PRIORITY" and _int_or_none(prop) in (0, 1, 5, 9):
            continue  # what we would write anyway
        if name == "PERCENT-COMPLETE" and _int_or_none(prop) == 100:
            continue  # written when completed, dropped when not
        if name == "COMPLETED" and not completed:
            continue  # a stale one would date a later completion
        extra.add(name, prop)
    for name, prop in kept_repeat:
        extra.add(name, prop)

    tags, other_categories = _tags(todo)
    if other_categories:
        extra.add("CATEGORIES", other_categories)
    title = str(_first(todo, "SUMMARY") or "")
    minutes: set[int] = set()
    for sub in todo.subcomponents:
        minute = _reminder_minute(sub, timed_due=due_time is not None, has_dtstart=has_dtstart)
        if minute is not None:
            minutes.add(minute)
        if minute is None or not _is_ours(sub, title):
            extra.add_component(sub)
    _keep_time_zones(calendar, extra)

    values: dict[str, Any] = {
        "title": title,
        "description": str(_first(todo, "DESCRIPTION") or ""),
        "completed": completed,
        "priority": _priority(todo),
        "tags": tags,
        "due_date": due_date,
        "due_time": due_time,
        "recurrence": recurrence,
        "reminders": sorted(minutes)[:REMINDERS_MAX],
    }
    return Incoming(uid, values, parent_uid, _sort_order_of(todo), _extra_text(extra))


def _is_ours(alarm: Component, title: str) -> bool:
    """Whether an alarm is one ``render`` generates (nothing to keep: it is made again
    from the reminder, with the title as it is then)."""
    names = {name for name, _ in alarm.property_items(recursive=False)} - {"BEGIN", "END"}
    trigger = _first(alarm, "TRIGGER")
    return (
        names == {"ACTION", "DESCRIPTION", "TRIGGER"}
        and not alarm.subcomponents
        and str(alarm["ACTION"]).upper() == "DISPLAY"
        and str(alarm["DESCRIPTION"]) == (title or _ALARM_TEXT)
        and dict(trigger.params) == {"RELATED": "END"}
    )


def _int_or_none(prop: Any) -> int | None:
    try:
        return int(prop)
    except (TypeError, ValueError):
        return None


def _tzids(component: Component) -> set[str]:
    found = {
        str(prop.params["TZID"])
        for _, prop in component.property_items(recursive=True)
        if hasattr(prop, "params") and "TZID" in prop.params
    }
    return found


def _keep_time_zones(calendar: Calendar, extra: Todo) -> None:
    """The client's VTIMEZONE for each TZID a kept property names (a DTSTART in
    "W. Europe Standard Time"), inside ``extra``: render moves them back to the calendar."""
    wanted = _tzids(extra)
    for zone in calendar.walk("VTIMEZONE"):
        if str(zone.get("TZID")) in wanted:
            extra.add_component(zone)


def _extra_text(extra: Todo) -> str:
    names = {name for name, _ in extra.property_items(recursive=False)}
    if names <= {"BEGIN", "END"} and not extra.subcomponents:
        return ""
    text = extra.to_ical(sorted=False).decode()
    if len(text) > DAV_EXTRA_MAX:
        raise BadCalendar(
            f"The task carries more than {DAV_EXTRA_MAX} characters of properties this "
            "server does not use"
        )
    return text


# --- writing -------------------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    stamp = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return stamp.astimezone(UTC).replace(microsecond=0)


def _kept(extra: str) -> Todo:
    if not extra:
        return Todo()
    component = Component.from_ical(extra)
    if component.name != "VTODO":
        raise ValueError("extra must be a VTODO's text")
    return component


def _rrule(rule: str) -> vRecur:
    return vRecur.from_ical(rule)


def _alarms(
    task: TaskData, kept: Todo, has_dtstart: bool
) -> tuple[list[Component], list[Component]]:
    """The VALARMs to write (for each reminder, the client's alarm at that minute if it kept
    one, else ours; then every kept alarm that was never a reminder), and the kept
    VTIMEZONEs. A kept alarm at a minute that is no longer a reminder was deleted here."""
    timed = task.due_time is not None and task.due_date is not None
    by_minute: dict[int, list[Component]] = {}
    others: list[Component] = []
    zones: list[Component] = []
    for sub in kept.subcomponents:
        if sub.name == "VTIMEZONE":
            zones.append(sub)
            continue
        minute = _reminder_minute(sub, timed_due=timed, has_dtstart=has_dtstart)
        if minute is None:
            others.append(sub)
        else:
            by_minute.setdefault(minute, []).append(sub)
    out: list[Component] = []
    for minute in sorted(set(task.reminders)) if timed else []:
        if minute in by_minute:
            out.extend(by_minute[minute])
            continue
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", task.title or _ALARM_TEXT)
        alarm.add("trigger", timedelta(minutes=-minute), parameters={"RELATED": "END"})
        out.append(alarm)
    return out + others, zones


def _add_status(todo: Todo, task: TaskData, kept: Todo) -> None:
    """STATUS, COMPLETED and PERCENT-COMPLETE, which follow from ``task.completed``."""
    kept_status = _first(kept, "STATUS")
    kept_done = _first(kept, "COMPLETED")
    kept_percent = _int_or_none(_first(kept, "PERCENT-COMPLETE"))
    if task.completed:
        todo.add("status", "COMPLETED")
        if kept_done is not None:
            todo.add("completed", kept_done)
        else:
            todo.add("completed", _utc(task.updated_at))
        todo.add("percent-complete", 100)
        return
    todo.add("status", str(kept_status) if kept_status is not None else "NEEDS-ACTION")
    if kept_percent is not None and kept_percent < 100:
        todo.add("percent-complete", kept_percent)


def _add_due(todo: Todo, task: TaskData, zone: str) -> bool:
    """DUE; whether it names ``zone`` (then the calendar needs its VTIMEZONE)."""
    if task.due_date is None:
        return False
    if task.due_time is None:
        todo.add("due", task.due_date)
        return False
    if zone in _UTC_ZONES:
        todo.add("due", datetime.combine(task.due_date, task.due_time, UTC))
        return False
    todo.add("due", datetime.combine(task.due_date, task.due_time, ZoneInfo(zone)))
    return True


@functools.lru_cache(maxsize=256)
def _zone_years(zone: str, year: int) -> Timezone:
    """``zone`` as a VTIMEZONE, with its transitions from the year before the due's to 2038
    or three years past it (a repeat's next dates), as the calendar feeds write it. Made
    once per zone and year (building one costs a millisecond); never changed after."""
    last = max(Timezone.DEFAULT_LAST_DATE, date(min(year + 3, 9999), 1, 1))
    return Timezone.from_tzid(zone, first_date=date(max(year - 1, 1), 1, 1), last_date=last)


def _starts_after_due(prop: Any, task: TaskData) -> bool:
    start = getattr(prop, "dt", None)
    if task.due_date is None or not isinstance(start, date):
        return False
    return (start.date() if isinstance(start, datetime) else start) > task.due_date


def render(
    task: TaskData, *, uid: str, zone: str, parent_uid: str | None = None, extra: str = ""
) -> bytes:
    """The task as a VCALENDAR with its one VTODO (``calendar_of``), as text. The owner's
    VTIMEZONE is written once per zone and span of years and put in as text: it is most of
    the work of writing a timed task."""
    calendar, own_zone = _build(task, uid=uid, zone=zone, parent_uid=parent_uid, extra=extra)
    text: bytes = calendar.to_ical(sorted=False)
    if own_zone is None:
        return text
    at = min(i for i in (text.find(b"BEGIN:VTIMEZONE"), text.find(b"BEGIN:VTODO")) if i >= 0)
    return text[:at] + _zone_text(*own_zone) + text[at:]


def calendar_of(
    task: TaskData, *, uid: str, zone: str, parent_uid: str | None = None, extra: str = ""
) -> Calendar:
    """The task as a VCALENDAR object (a calendar-query's filters test it)."""
    calendar, own_zone = _build(task, uid=uid, zone=zone, parent_uid=parent_uid, extra=extra)
    if own_zone is not None:
        calendar.subcomponents.insert(0, _zone_years(*own_zone))
    return calendar


@functools.lru_cache(maxsize=256)
def _zone_text(zone: str, year: int) -> bytes:
    text: bytes = _zone_years(zone, year).to_ical(sorted=False)
    return text


def _build(
    task: TaskData, *, uid: str, zone: str, parent_uid: str | None, extra: str
) -> tuple[Calendar, tuple[str, int] | None]:
    """The calendar without the owner's VTIMEZONE, and that zone (with the due's year) when
    the DUE names it. The same inputs give the same calendar: no "now" (DTSTAMP is
    ``updated_at``)."""
    kept = _kept(extra)
    has_dtstart = "DTSTART" in kept
    todo = Todo()
    todo.add("uid", uid)
    todo.add("dtstamp", _utc(task.updated_at))
    todo.add("created", _utc(task.created_at))
    todo.add("last-modified", _utc(task.updated_at))
    todo.add("summary", task.title)
    if task.description:
        todo.add("description", task.description)
    _add_status(todo, task, kept)
    if task.priority in _PRIORITY_OUT:
        kept_rank = _first(kept, "PRIORITY")
        same = kept_rank is not None and _priority(_only("PRIORITY", kept_rank)) == task.priority
        todo.add("priority", int(kept_rank) if same else _PRIORITY_OUT[task.priority])
    if task.tags:
        todo.add("categories", list(task.tags))
    names_zone = _add_due(todo, task, zone)
    repeat = task.recurrence if task.recurrence and task.due_date is not None else None
    if repeat:
        todo.add("rrule", _rrule(repeat["rule"]))
        if repeat.get("from_completion"):
            todo.add(FROM_COMPLETION, "TRUE")
    if parent_uid:
        todo.add("related-to", parent_uid, parameters={"RELTYPE": "PARENT"})
    todo.add(SORT_ORDER, str(sort_order(task.position)))

    derived = {"STATUS", "COMPLETED", "PERCENT-COMPLETE", "PRIORITY"}
    if repeat:
        derived |= {"RRULE", FROM_COMPLETION}
    for name, prop in kept.property_items(recursive=False):
        if name in ("BEGIN", "END") or name in derived:
            continue
        if name == "DTSTART" and _starts_after_due(prop, task):
            continue  # the due moved before it on the page: a VTODO must not end before it starts
        todo.add(name, prop)
    alarms, zones = _alarms(task, kept, has_dtstart)
    for alarm in alarms:
        todo.add_component(alarm)

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    have = {str(z.get("TZID")) for z in zones}
    own_zone = None
    if names_zone and zone not in have and task.due_date is not None:
        own_zone = (zone, task.due_date.year)
    for kept_zone in zones:
        calendar.add_component(kept_zone)
    calendar.add_component(todo)
    if extra:  # a kept property may name a zone the client did not define
        if own_zone is not None:
            calendar.subcomponents.insert(0, _zone_years(*own_zone))
            own_zone = None
        calendar.add_missing_timezones()
    return calendar, own_zone


def _only(name: str, prop: Any) -> Todo:
    """A VTODO with one property, to read it with the same code as an incoming one."""
    holder = Todo()
    holder.add(name, prop)
    return holder


# --- manual order --------------------------------------------------------------------------


def sort_order(position: str) -> int:
    """X-APPLE-SORT-ORDER for a manual-order key: the key read as a base-62 fraction
    (0.d1d2d3...) scaled to ``0 <= n < 2**31``, so it fits every client's signed 32-bit
    integer. Monotone for keys over the base-62 digits (every key ``order_keys`` makes):
    ``a < b`` bytewise gives ``sort_order(a) <= sort_order(b)``; keys that first differ
    after about five characters may get the same number (the clients' own tie-break)."""
    numerator = 0
    for char in position:
        index = _DIGITS.find(char)
        numerator = numerator * 62 + (index if index >= 0 else 61)
    return (numerator << SORT_ORDER_BITS) // 62 ** len(position)
