"""Calendar feeds: a secret URL a calendar app subscribes to, showing dated open tasks as
events (all of a user's tasks, or one list they may see).

The URL is the only credential, so the secret has 192 random bits and only its SHA-256 is
stored: a feed is found by hashing what the URL holds. Resetting replaces the hash (the old
URL is "not found" at once); turning off deletes the row. Who may see a list is asked of
``todo_app.access`` when the feed is made and again on every read, so a member removed from a
shared list stops seeing it through an old URL too.

The calendar is built with ``icalendar``: one VEVENT per dated open task, all-day for a date,
timed on the wall clock of the task owner's zone (with its VTIMEZONE) for a date and time,
with the task's repeat as an RRULE. It carries titles, descriptions and dates only.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from icalendar import Calendar, Event, vRecur
from sqlmodel import Session

from todo_app import access
from todo_app.db import read_scope, session_scope
from todo_app.errors import NotFound
from todo_app.models import CalendarFeed, Task, TaskList, User, utcnow
from todo_app.settings import get_settings

FEEDS_PATH = "/feeds"
FEED_NOT_FOUND = "Feed not found"
ALL_TASKS_NAME = "Todo"
PRODID = "-//Todo//Calendar feed//EN"
TIMED_LENGTH = timedelta(minutes=30)  # a due time is a moment; calendars want a span
SECRET_BYTES = 24  # 192 bits
# A secret as token_urlsafe makes it: nothing else is worth hashing and looking up.
_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")
_UNTIL = re.compile(r"UNTIL=(\d{8})(T\d{6}Z?)?")

_FEEDS: sa.Table = CalendarFeed.__table__  # type: ignore[attr-defined]
_TASKS: sa.Table = Task.__table__  # type: ignore[attr-defined]
_LISTS: sa.Table = TaskList.__table__  # type: ignore[attr-defined]
_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class FeedInfo:
    """A feed as its owner sees it. ``url`` only right after it was made or reset: the
    secret is not stored, so it cannot be shown again."""

    id: uuid.UUID
    list_id: uuid.UUID | None
    name: str
    created_at: datetime
    url: str | None = None


@dataclass(frozen=True)
class FeedBody:
    """A rendered calendar and what conditional requests compare."""

    ics: bytes
    etag: str
    last_modified: datetime


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_url(secret: str) -> str:
    """The subscription URL on this site (``TODO_PUBLIC_URL`` where set)."""
    return f"{get_settings().site_url}{FEEDS_PATH}/{secret}.ics"


def _new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return secret, _hash(secret)


def _list_name(session: Session | sa.Connection, list_id: uuid.UUID | None) -> str:
    if list_id is None:
        return ALL_TASKS_NAME
    name = session.execute(sa.select(_LISTS.c.name).where(_LISTS.c.id == list_id)).scalar()
    return name or ALL_TASKS_NAME


def _info(session: Session, feed: CalendarFeed, url: str | None = None) -> FeedInfo:
    name = _list_name(session, feed.list_id)
    return FeedInfo(feed.id, feed.list_id, name, feed.created_at, url)


def _own_feed(session: Session, user_id: uuid.UUID, feed_id: uuid.UUID) -> CalendarFeed:
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != user_id:
        raise NotFound(FEED_NOT_FOUND)
    return feed


def create_feed(user_id: uuid.UUID, list_id: uuid.UUID | None) -> FeedInfo:
    """A new feed of all the user's tasks (``list_id`` None) or of one list they may see
    (ListNotFound otherwise); the answer holds its URL, shown this once."""
    with session_scope() as session:
        if list_id is not None:
            access.on_list(session, user_id, list_id, write=False)
        secret, digest = _new_secret()
        feed = CalendarFeed(user_id=user_id, list_id=list_id, secret_hash=digest)
        session.add(feed)
        session.flush()
        return _info(session, feed, feed_url(secret))


def reset_feed(user_id: uuid.UUID, feed_id: uuid.UUID) -> FeedInfo:
    """A new secret for the feed: the old URL stops working at once."""
    with session_scope() as session:
        feed = _own_feed(session, user_id, feed_id)
        secret, feed.secret_hash = _new_secret()
        session.add(feed)
        return _info(session, feed, feed_url(secret))


def delete_feed(user_id: uuid.UUID, feed_id: uuid.UUID) -> None:
    """Turns the feed off: its URL is "not found" from now on."""
    with session_scope() as session:
        session.delete(_own_feed(session, user_id, feed_id))


def list_feeds(user_id: uuid.UUID) -> list[FeedInfo]:
    """The user's feeds, oldest first (no URLs: their secrets are not stored)."""
    query = (
        sa.select(_FEEDS.c.id, _FEEDS.c.list_id, _LISTS.c.name, _FEEDS.c.created_at)
        .select_from(_FEEDS.outerjoin(_LISTS, _LISTS.c.id == _FEEDS.c.list_id))
        .where(_FEEDS.c.user_id == user_id)
        .order_by(_FEEDS.c.created_at, _FEEDS.c.id)
    )
    with read_scope() as conn:
        rows = conn.execute(query).all()
    return [FeedInfo(r.id, r.list_id, r.name or ALL_TASKS_NAME, r.created_at) for r in rows]


# --- the calendar ----------------------------------------------------------------------


def _feed_tasks(conn: sa.Connection, feed: sa.Row) -> tuple[str, list[sa.Row]]:
    """The feed's name and its dated open tasks, each with its owner's zone; NotFound when
    the user may no longer see the feed's list."""
    if feed.list_id is not None:
        access.on_list(conn, feed.user_id, feed.list_id, write=False)
        where = _TASKS.c.list_id == feed.list_id
    else:
        shared = list(access.shared_with(conn, feed.user_id))
        where = sa.or_(_TASKS.c.owner_id == feed.user_id, _TASKS.c.list_id.in_(shared))
    query = (
        sa.select(
            _TASKS.c.id,
            _TASKS.c.title,
            _TASKS.c.description,
            _TASKS.c.due_date,
            _TASKS.c.due_time,
            _TASKS.c.recurrence,
            _TASKS.c.created_at,
            _TASKS.c.updated_at,
            _USERS.c.time_zone,
        )
        .join(_USERS, _USERS.c.id == _TASKS.c.owner_id)
        .where(where, _TASKS.c.completed.is_(False), _TASKS.c.due_date.is_not(None))
        .order_by(_TASKS.c.due_date, _TASKS.c.id)
    )
    return _list_name(conn, feed.list_id), list(conn.execute(query).all())


def _rrule(rule: str, zone: str | None) -> vRecur:
    """The task's RRULE body, its UNTIL made the kind RFC 5545 asks for beside DTSTART: a
    DATE for an all-day event (``zone`` None), a UTC time for a timed one (the end of the
    UNTIL day on the owner's wall clock, so that day's occurrence stays in)."""

    def until(match: re.Match[str]) -> str:
        day = datetime.strptime(match.group(1), "%Y%m%d").date()
        if zone is None:
            return f"UNTIL={day:%Y%m%d}"
        end = datetime.combine(day, time(23, 59, 59), ZoneInfo(zone)).astimezone(UTC)
        return f"UNTIL={end:%Y%m%dT%H%M%SZ}"

    return vRecur.from_ical(_UNTIL.sub(until, rule))


def _event(task: sa.Row) -> Event:
    event = Event()
    event.add("uid", f"{task.id}@todo")
    event.add("summary", task.title)
    if task.description:
        event.add("description", task.description)
    stamp = task.updated_at.astimezone(UTC)
    event.add("dtstamp", stamp)
    event.add("last-modified", stamp)
    event.add("created", task.created_at.astimezone(UTC))
    all_day = task.due_time is None
    if all_day:
        event.add("dtstart", task.due_date)
        event.add("dtend", task.due_date + timedelta(days=1))
    else:
        start = datetime.combine(task.due_date, task.due_time, ZoneInfo(task.time_zone))
        event.add("dtstart", start)
        event.add("dtend", start + TIMED_LENGTH)
    recurrence = task.recurrence or {}
    # A repeat counted from completion has no fixed dates ahead: only the next one is shown.
    if recurrence.get("rule") and not recurrence.get("from_completion"):
        event.add("rrule", _rrule(recurrence["rule"], None if all_day else task.time_zone))
    event.add("transp", "TRANSPARENT")  # a due task does not make its owner busy
    return event


def _render(name: str, tasks: list[sa.Row]) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    for task in tasks:
        calendar.add_component(_event(task))
    first = min((t.due_date for t in tasks), default=date.today())
    calendar.add_missing_timezones(first_date=first - timedelta(days=366))
    return calendar.to_ical()


def _changed_at(feed: sa.Row, etag: str) -> datetime:
    """When the feed's content last changed, for Last-Modified. The tasks' ``updated_at``
    cannot tell (a completed or deleted task leaves the feed and takes its time along), so
    the feed row keeps the last ETag served and when it first differed: one write per
    change, none per unchanged poll."""
    if feed.etag == etag and feed.changed_at is not None:
        return feed.changed_at
    now = utcnow()
    with session_scope() as session:
        session.execute(
            sa.update(_FEEDS).where(_FEEDS.c.id == feed.id).values(etag=etag, changed_at=now)
        )
    return now


def calendar_for(secret: str) -> FeedBody:
    """The calendar behind a feed URL's secret; NotFound for an unknown or reset secret."""
    if not _SECRET_SHAPE.fullmatch(secret):
        raise NotFound(FEED_NOT_FOUND)
    query = sa.select(
        _FEEDS.c.id, _FEEDS.c.user_id, _FEEDS.c.list_id, _FEEDS.c.etag, _FEEDS.c.changed_at
    ).where(_FEEDS.c.secret_hash == _hash(secret))
    with read_scope() as conn:
        feed = conn.execute(query).first()
        if feed is None:
            raise NotFound(FEED_NOT_FOUND)
        try:
            name, tasks = _feed_tasks(conn, feed)
        except NotFound as exc:
            raise NotFound(FEED_NOT_FOUND) from exc
    ics = _render(name, tasks)
    etag = '"' + hashlib.sha256(ics).hexdigest()[:32] + '"'
    changed = _changed_at(feed, etag)
    return FeedBody(ics, etag, changed.astimezone(UTC).replace(microsecond=0))
