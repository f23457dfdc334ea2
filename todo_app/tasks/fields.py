"""Every rule of a task's fields, once: limits, allowed values, formats, normalisation.

The task writes check every change with these (``validate_changes`` is the one list of the
fields a write may set); the REST API's request models and the page
take their limits and messages from here instead of restating them. Pure: no database.
Each ``validate_*`` returns the value as it is stored, or raises ``InvalidInput`` naming the
field and the reason in words a person reads.
"""

from __future__ import annotations

import re
import uuid
import zoneinfo
from datetime import UTC, date, datetime, time
from typing import Any, Literal, get_args

from todo_app import recurrence as recurrence_rules
from todo_app import text as text_rule
from todo_app.errors import InvalidInput
from todo_app.limits import (
    DESCRIPTION_MAX,
    DUE_YEARS,
    LIST_NAME_MAX,
    REMINDER_MINUTES_MAX,
    REMINDERS_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
)

Priority = Literal["none", "low", "medium", "high"]
PRIORITIES: tuple[str, ...] = get_args(Priority)  # stored as the index: 0 none ... 3 high

TITLE_EMPTY = "Enter a title"
# "{n}" is the length given; the page checks the same rule as the user types (one template).
TITLE_TOO_LONG = f"Title must be at most {TITLE_MAX} characters (this one has {{n}})"
DESCRIPTION_TOO_LONG = (
    f"Description must be at most {DESCRIPTION_MAX} characters (this one has {{n}})"
)
TAG_TOO_LONG = f"A tag must be at most {TAG_MAX} characters"
LIST_NAME_TOO_LONG = f"A list name must be at most {LIST_NAME_MAX} characters"

# Longest raw text (as sent, before trimming and stripping) that a rule reads at all: room
# for the whitespace, line breaks and invisible characters that normalising drops, and no
# more. Longer text is refused at once, by its length, before any pattern or loop reads it.
RAW_FACTOR = 4
TITLE_RAW_MAX = RAW_FACTOR * TITLE_MAX
DESCRIPTION_RAW_MAX = RAW_FACTOR * DESCRIPTION_MAX
TAG_RAW_MAX = RAW_FACTOR * TAG_MAX
LIST_NAME_RAW_MAX = RAW_FACTOR * LIST_NAME_MAX

# A run of whitespace holding a line break or tab becomes one space in a title. Matched as
# whole runs (``\s+``, then a look for a break inside), so each character is read once:
# ``\s*[breaks]\s*`` backtracked through every run, quadratic on "a" + " " * 60_000 + "b".
_SPACE_RUN = re.compile(r"\s+")
_TITLE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029")
_DESCRIPTION_BREAKS = re.compile(r"\r\n?|[\v\f\x1c-\x1e\x85\u2028\u2029]")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


def _text(name: str, value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput({name: f"{label} must be text"})
    return value


def _typed(name: str, value: Any, label: str, raw_max: int, too_long: str) -> str:
    """Text a person wrote, without the invisible characters ``todo_app.text`` strips.

    Text longer than ``raw_max`` is refused first, with ``too_long`` (its ``{n}`` is the
    length sent), so the cost of every later step is bounded by ``raw_max``."""
    text = _text(name, value, label)
    if len(text) > raw_max:
        raise InvalidInput({name: too_long.format(n=len(text))})
    return text_rule.strip_invisible(text)


def one_line(text: str) -> str:
    """``text`` with each run of whitespace that holds a line break or tab as one space."""
    return _SPACE_RUN.sub(lambda run: " " if not _TITLE_BREAKS.isdisjoint(run[0]) else run[0], text)


def _no_controls(name: str, value: str, label: str, *, multiline: bool = False) -> None:
    if problem := text_rule.control_problem(value, label, multiline=multiline):
        raise InvalidInput({name: problem})


def validate_title(title: Any) -> str:
    """The title as stored: trimmed, one line (breaks and tabs become one space)."""
    cleaned = one_line(_typed("title", title, "Title", TITLE_RAW_MAX, TITLE_TOO_LONG)).strip()
    if not cleaned:
        raise InvalidInput({"title": TITLE_EMPTY})
    _no_controls("title", cleaned, "Title")
    if len(cleaned) > TITLE_MAX:
        raise InvalidInput({"title": TITLE_TOO_LONG.format(n=len(cleaned))})
    return cleaned


def validate_description(description: Any) -> str:
    """The description as stored: line breaks as ``\\n``, no trailing whitespace; ``None``
    is no description. Leading whitespace stays: indentation in a note can mean something."""
    raw = (
        ""
        if description is None
        else _typed(
            "description", description, "Description", DESCRIPTION_RAW_MAX, DESCRIPTION_TOO_LONG
        )
    )
    cleaned = _DESCRIPTION_BREAKS.sub("\n", raw).rstrip()
    _no_controls("description", cleaned, "Description", multiline=True)
    if len(cleaned) > DESCRIPTION_MAX:
        raise InvalidInput({"description": DESCRIPTION_TOO_LONG.format(n=len(cleaned))})
    return cleaned


def validate_completed(completed: Any) -> bool:
    if not isinstance(completed, bool):
        raise InvalidInput({"completed": "Completed must be true or false"})
    return completed


def validate_priority(priority: Any) -> int:
    """The stored rank (0 none ... 3 high) of a priority name; ``None`` is "none"."""
    if priority is None:
        return 0
    if priority not in PRIORITIES:
        raise InvalidInput({"priority": "Priority must be none, low, medium or high"})
    return PRIORITIES.index(priority)


def priority_name(rank: int) -> str:
    return PRIORITIES[rank] if 0 <= rank < len(PRIORITIES) else "none"


def tag_key(name: str) -> str:
    """Tags compare case-insensitively ("Home" and "home" are one tag)."""
    return name.casefold()


def validate_tag(name: Any) -> str:
    tag = _typed("tags", name, "A tag", TAG_RAW_MAX, TAG_TOO_LONG).strip().removeprefix("#")
    if not tag:
        raise InvalidInput({"tags": "A tag must not be empty"})
    if any(ch.isspace() or ch == "#" for ch in tag):
        raise InvalidInput({"tags": f'Tag "{tag[:TAG_MAX]}" must not contain spaces or #'})
    _no_controls("tags", tag, "A tag")
    if len(tag) > TAG_MAX:
        raise InvalidInput({"tags": TAG_TOO_LONG})
    return tag


def validate_tags(tags: Any) -> tuple[str, ...]:
    """In the order given, duplicates (case-insensitive) dropped; ``None`` is no tags."""
    if tags is None:
        return ()
    if not isinstance(tags, list | tuple):
        raise InvalidInput({"tags": "Tags must be a list of names"})
    seen: dict[str, str] = {}
    for raw in tags:
        tag = validate_tag(raw)
        seen.setdefault(tag_key(tag), tag)
    if len(seen) > TAGS_MAX:
        raise InvalidInput({"tags": f"A task can have at most {TAGS_MAX} tags"})
    return tuple(seen.values())


def validate_due_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` (a real calendar day, years 1900 to 2999), or ``None`` for no due date.

    The years are bounded so every due has an instant in every zone (9999-12-31 23:00 in a
    zone behind UTC would fall off the calendar)."""
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    else:
        text = _text("due_date", value, "Due date")
        try:
            if not _DATE.fullmatch(text):
                raise ValueError
            day = date.fromisoformat(text)
        except ValueError:
            raise InvalidInput({"due_date": "Due date must be a real date as YYYY-MM-DD"}) from None
    if not DUE_YEARS[0] <= day.year <= DUE_YEARS[1]:
        raise InvalidInput(
            {"due_date": f"Due date must be between {DUE_YEARS[0]} and {DUE_YEARS[1]}"}
        )
    return day


def validate_due_time(value: Any) -> time | None:
    """``HH:MM`` on a 24-hour clock, or ``None`` for no time."""
    if value is None or isinstance(value, time):
        return value
    text = _text("due_time", value, "Due time")
    try:
        if not _TIME.fullmatch(text):
            raise ValueError
        return time.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            {"due_time": "Due time must be a time as HH:MM (00:00 to 23:59)"}
        ) from None


def check_due(due_date: date | None, due_time: time | None) -> None:
    if due_time is not None and due_date is None:
        raise InvalidInput({"due_time": "A due time needs a due date"})


def validate_reminders(value: Any) -> tuple[int, ...]:
    """``[{"minutes_before": 15}, ...]`` (or plain minutes): at most 5, each 0..40320, kept
    sorted and without repeats; ``None`` is no reminders."""
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InvalidInput({"reminders": "Reminders must be a list"})
    minutes: set[int] = set()
    for item in value:
        raw = item.get("minutes_before") if isinstance(item, dict) else item
        if isinstance(item, dict) and set(item) - {"minutes_before"}:
            raise InvalidInput({"reminders": "A reminder has only minutes_before"})
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise InvalidInput({"reminders": "minutes_before must be a whole number"})
        if not 0 <= raw <= REMINDER_MINUTES_MAX:
            raise InvalidInput(
                {"reminders": f"minutes_before must be from 0 to {REMINDER_MINUTES_MAX} (4 weeks)"}
            )
        minutes.add(raw)
    if len(minutes) > REMINDERS_MAX:
        raise InvalidInput({"reminders": f"A task can have at most {REMINDERS_MAX} reminders"})
    return tuple(sorted(minutes))


def check_schedule(
    due_date: date | None,
    due_time: time | None,
    recurrence: dict[str, Any] | None,
    reminders: tuple[int, ...],
) -> None:
    """The rules that tie fields together: a time needs a date, a repeat needs a date,
    reminders need a timed due."""
    check_due(due_date, due_time)
    if recurrence is not None and due_date is None:
        raise InvalidInput({"recurrence": "A repeating task needs a due date"})
    if reminders and (due_date is None or due_time is None):
        raise InvalidInput({"reminders": "Reminders need a due date and time"})


def due_instant(due_date: date | None, due_time: time | None, zone: str) -> datetime | None:
    """The UTC instant of a timed due: the wall-clock time in the user's zone."""
    if due_date is None or due_time is None:
        return None
    local = datetime.combine(due_date, due_time, tzinfo=zoneinfo.ZoneInfo(zone))
    return local.astimezone(UTC)


def today_in(zone: str, now: datetime | None = None) -> date:
    """Today's date where the user is: "today", "overdue" and "upcoming" start from it."""
    return (now or datetime.now(UTC)).astimezone(zoneinfo.ZoneInfo(zone)).date()


def validate_list_name(name: Any) -> str:
    typed = _typed("name", name, "A list name", LIST_NAME_RAW_MAX, LIST_NAME_TOO_LONG)
    cleaned = " ".join(typed.split())
    if not cleaned:
        raise InvalidInput({"name": "Enter a name for the list"})
    _no_controls("name", cleaned, "A list name")
    if len(cleaned) > LIST_NAME_MAX:
        raise InvalidInput({"name": LIST_NAME_TOO_LONG})
    return cleaned


# --- a write's new values -----------------------------------------------------------------

# "Not given" in a partial update (``None`` means "no value" for the optional fields).
UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()

UPDATABLE_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "completed",
    "list_id",
    "priority",
    "tags",
    "due_date",
    "due_time",
    "recurrence",
    "reminders",
    "parent_id",
    "assignee_id",
)


def validate_recurrence(value: Any) -> dict[str, Any] | None:
    """The repeat rule (todo_app/recurrence.py checks it); the series start is the writes'."""
    if isinstance(value, dict):
        value = {k: v for k, v in value.items() if k != "start"}
    return recurrence_rules.validate_recurrence(value)


def optional_id(name: str, value: Any, message: str) -> uuid.UUID | None:
    """A UUID as sent (text), or None; else InvalidInput with ``message`` for ``name``."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    try:
        if isinstance(value, str) and len(value) <= 36:
            return uuid.UUID(value)
    except ValueError:
        pass
    raise InvalidInput({name: message})


def validate_list_id(value: Any) -> uuid.UUID | None:
    return optional_id("list_id", value, "list_id must be a list's id, or null for the Inbox")


def validate_parent_id(value: Any) -> uuid.UUID | None:
    return optional_id(
        "parent_id", value, "parent_id must be a task's id, or null for the top level"
    )


def validate_assignee_id(value: Any) -> uuid.UUID | None:
    """Who the task is for; that they may see it is the service's check (access.py)."""
    return optional_id(
        "assignee_id", value, "assignee_id must be a member's user id, or null for nobody"
    )


def validate_changes(
    *,
    title: Any = UNSET,
    description: Any = UNSET,
    completed: Any = UNSET,
    list_id: Any = UNSET,
    priority: Any = UNSET,
    tags: Any = UNSET,
    due_date: Any = UNSET,
    due_time: Any = UNSET,
    recurrence: Any = UNSET,
    reminders: Any = UNSET,
    parent_id: Any = UNSET,
    assignee_id: Any = UNSET,
) -> dict[str, Any]:
    """The new values of the fields a partial update sets, as they will be stored.

    A field left out stays as it is; ``None`` means "no value" (no description, the Inbox,
    no priority, no tags, no due date or time). This is the list of fields an update may
    set: a field joins by a keyword here and a column on Task; the REST API and the page's
    change engine both come through it.
    """
    given = {
        "title": (title, validate_title),
        "description": (description, validate_description),
        "completed": (completed, validate_completed),
        "list_id": (list_id, validate_list_id),
        "priority": (priority, lambda p: PRIORITIES[validate_priority(p)]),
        "tags": (tags, validate_tags),
        "due_date": (due_date, validate_due_date),
        "due_time": (due_time, validate_due_time),
        "recurrence": (recurrence, validate_recurrence),
        "reminders": (reminders, validate_reminders),
        "parent_id": (parent_id, validate_parent_id),
        "assignee_id": (assignee_id, validate_assignee_id),
    }
    new: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for name, (value, check) in given.items():
        if value is UNSET:
            continue
        try:
            new[name] = check(value)
        except InvalidInput as exc:
            problems.update(exc.fields)
    if problems:
        raise InvalidInput(problems)
    return new


def stored(values: dict[str, Any]) -> dict[str, Any]:
    """Column values of validated changes (a priority name is stored as its rank)."""
    return {
        k: (PRIORITIES.index(v) if k == "priority" and isinstance(v, str) else v)
        for k, v in values.items()
    }
