"""The VTODO <-> task mapping of the CalDAV server (pure: no database)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Component

from todo_app.interop.caldav.vtodo import (
    RECURRENCE_ID_REASON,
    BadCalendar,
    parse,
    render,
    sort_order,
)
from todo_app.limits import DAV_EXTRA_MAX, DAV_NAME_MAX, REMINDERS_MAX
from todo_app.tasks import order_keys
from todo_app.tasks.fields import PRIORITIES, validate_changes
from todo_app.tasks.types import TaskData

ZONE = "Europe/Berlin"
CREATED = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
UPDATED = datetime(2026, 2, 6, 9, 45, 12, tzinfo=UTC)


def make(**fields: Any) -> TaskData:
    base: dict[str, Any] = {
        "id": uuid.UUID(int=1),
        "title": "Water the plants",
        "description": "",
        "completed": False,
        "version": 1,
        "created_at": CREATED,
        "updated_at": UPDATED,
    }
    return TaskData(**{**base, **fields})


def mapped(task: TaskData) -> dict[str, Any]:
    """The fields a PUT sets, as the task holds them (what parse must give back)."""
    return {
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "priority": task.priority,
        "tags": list(task.tags),
        "due_date": task.due_date,
        "due_time": task.due_time,
        "recurrence": task.recurrence,
        "reminders": list(task.reminders),
    }


def round_trip(task: TaskData, zone: str = ZONE, **kw: Any) -> Any:
    return parse(render(task, uid="uid-1", zone=zone, **kw), zone)


def vtodo(body: bytes | str) -> Component:
    text = body.decode() if isinstance(body, bytes) else body
    return Calendar.from_ical(text).walk("VTODO")[0]


def calendar(*lines: str, head: str = "") -> str:
    """A VCALENDAR around one VTODO made of ``lines`` (CRLF, as clients send)."""
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Test//EN", *head.splitlines()]
    body += ["BEGIN:VTODO", *lines, "END:VTODO", "END:VCALENDAR", ""]
    return "\r\n".join(body)


# --- render -> parse ---------------------------------------------------------------------


def test_every_field_comes_back() -> None:
    task = make(
        title='Pay rent, "now"; really: \\ ok',
        description="Line one, with commas; and semicolons\nLine two\n\n  indented \\ back",
        priority="medium",
        tags=("home", "a,b", "x;y", "back\\slash", "Ünïcode"),
        due_date=date(2026, 7, 1),
        due_time=time(9, 30),
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=MO,WE", "from_completion": False},
        reminders=(0, 15, 90, 40_320),
        position="a0V",
    )
    incoming = round_trip(task, parent_uid="parent-uid")
    assert incoming.uid == "uid-1"
    assert incoming.values == mapped(task)
    assert validate_changes(**incoming.values) == {
        **mapped(task),
        "tags": task.tags,
        "reminders": task.reminders,
    }
    assert incoming.parent_uid == "parent-uid"
    assert incoming.sort_order == sort_order("a0V")
    assert incoming.extra == ""


@pytest.mark.parametrize("priority", PRIORITIES)
def test_each_priority(priority: str) -> None:
    body = render(make(priority=priority), uid="u", zone=ZONE)
    expected = {"none": None, "low": 9, "medium": 5, "high": 1}[priority]
    assert vtodo(body).get("PRIORITY") == expected
    assert parse(body, ZONE).values["priority"] == priority


@pytest.mark.parametrize("completed", [False, True])
def test_completed(completed: bool) -> None:
    body = render(make(completed=completed), uid="u", zone=ZONE)
    todo = vtodo(body)
    assert todo["STATUS"] == ("COMPLETED" if completed else "NEEDS-ACTION")
    if completed:
        assert todo["COMPLETED"].dt == UPDATED  # no kept value: the last change
        assert todo["PERCENT-COMPLETE"] == 100
    else:
        assert "COMPLETED" not in todo and "PERCENT-COMPLETE" not in todo
    assert parse(body, ZONE).values["completed"] is completed


@pytest.mark.parametrize("from_completion", [False, True])
def test_recurrence(from_completion: bool) -> None:
    rule = {"rule": "FREQ=MONTHLY;BYMONTHDAY=-1", "from_completion": from_completion}
    task = make(due_date=date(2026, 1, 31), recurrence=rule)
    body = render(task, uid="u", zone=ZONE)
    todo = vtodo(body)
    assert todo["RRULE"].to_ical() == b"FREQ=MONTHLY;BYMONTHDAY=-1"
    assert ("X-TODO-FROM-COMPLETION" in todo) is from_completion
    assert parse(body, ZONE).values["recurrence"] == rule


def test_date_only_due() -> None:
    body = render(make(due_date=date(2026, 3, 1)), uid="u", zone=ZONE)
    assert b"DUE;VALUE=DATE:20260301\r\n" in body
    assert b"VTIMEZONE" not in body
    values = parse(body, ZONE).values
    assert (values["due_date"], values["due_time"]) == (date(2026, 3, 1), None)


@pytest.mark.parametrize(
    ("day", "offset"), [(date(2026, 3, 28), "+0100"), (date(2026, 3, 30), "+0200")]
)
def test_timed_due_on_the_owners_wall_clock_across_dst(day: date, offset: str) -> None:
    """09:00 in Berlin the day before and after the spring change: same wall clock, and
    the VTIMEZONE tells a client which offset that is."""
    body = render(make(due_date=day, due_time=time(9, 0)), uid="u", zone=ZONE)
    assert f"DUE;TZID=Europe/Berlin:{day:%Y%m%d}T090000\r\n".encode() in body
    cal = Calendar.from_ical(body.decode())
    (zone,) = cal.walk("VTIMEZONE")
    assert zone["TZID"] == ZONE
    assert cal.walk("VTODO")[0]["DUE"].dt.strftime("%z") == offset
    values = parse(body, ZONE).values
    assert (values["due_date"], values["due_time"]) == (day, time(9, 0))


def test_utc_owner_writes_utc_due() -> None:
    body = render(make(due_date=date(2026, 3, 1), due_time=time(23, 5)), uid="u", zone="UTC")
    assert b"DUE:20260301T230500Z\r\n" in body and b"VTIMEZONE" not in body
    assert parse(body, "UTC").values["due_time"] == time(23, 5)


def test_generated_reminders_and_their_alarms() -> None:
    task = make(due_date=date(2026, 5, 1), due_time=time(8, 0), reminders=(15, 60))
    body = render(task, uid="u", zone=ZONE)
    alarms = vtodo(body).walk("VALARM")
    assert [a["TRIGGER"].dt for a in alarms] == [timedelta(minutes=-15), timedelta(hours=-1)]
    assert all(a["TRIGGER"].params["RELATED"] == "END" for a in alarms)
    assert all(a["ACTION"] == "DISPLAY" and a["DESCRIPTION"] == task.title for a in alarms)
    assert b"TRIGGER;RELATED=END:-PT15M\r\n" in body
    assert parse(body, ZONE).values["reminders"] == [15, 60]


def test_render_is_deterministic_crlf_and_has_our_header() -> None:
    task = make(due_date=date(2026, 5, 1), due_time=time(8, 0), reminders=(5,), completed=True)
    first = render(task, uid="u", zone=ZONE)
    assert first == render(task, uid="u", zone=ZONE)
    assert first.count(b"\n") == first.count(b"\r\n")
    cal = Calendar.from_ical(first.decode())
    assert (cal["VERSION"], cal["PRODID"]) == ("2.0", "-//Todo//CalDAV//EN")
    todo = cal.walk("VTODO")[0]
    assert todo["DTSTAMP"].dt == todo["LAST-MODIFIED"].dt == UPDATED
    assert todo["CREATED"].dt == CREATED


# --- a property test over generated tasks --------------------------------------------------

_printable = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Cf"), max_codepoint=0x2FFF
)
_titles = st.text(_printable, min_size=1, max_size=40).map(lambda s: " ".join(s.split()) or "x")
_descriptions = st.lists(st.text(_printable, max_size=20), max_size=3).map(
    lambda lines: "\n".join(line.rstrip() for line in lines).rstrip()
)
_tag = st.text(
    st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp", "Zs", "Cf"),
        blacklist_characters="#",
        max_codepoint=0x2FFF,
    ),
    min_size=1,
    max_size=12,
)
_rules = st.sampled_from(
    ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "FREQ=MONTHLY;BYMONTHDAY=-1"]
)


@st.composite
def tasks(draw: st.DrawFn) -> TaskData:
    due_date = draw(st.none() | st.dates(date(1971, 1, 1), date(2036, 12, 31)))
    due_time = draw(st.none() | st.times().map(lambda t: time(t.hour, t.minute)))
    if due_date is None:
        due_time = None
    repeat = None
    if due_date is not None and draw(st.booleans()):
        repeat = {"rule": draw(_rules), "from_completion": draw(st.booleans())}
    reminders: tuple[int, ...] = ()
    if due_time is not None:
        minutes = draw(st.sets(st.integers(0, 40_320), max_size=REMINDERS_MAX))
        reminders = tuple(sorted(minutes))
    tags = draw(st.lists(_tag, max_size=4, unique_by=str.casefold))
    return make(
        title=draw(_titles),
        description=draw(_descriptions),
        completed=draw(st.booleans()),
        priority=draw(st.sampled_from(PRIORITIES)),
        tags=tuple(tags),
        due_date=due_date,
        due_time=due_time,
        recurrence=repeat,
        reminders=reminders,
        position=draw(st.text(st.sampled_from("0123456789ABCXYZabcxyz"), min_size=2)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(task=tasks(), zone=st.sampled_from([ZONE, "America/New_York", "UTC", "Asia/Kolkata"]))
def test_any_task_round_trips(task: TaskData, zone: str) -> None:
    incoming = parse(render(task, uid="u", zone=zone, parent_uid="p"), zone)
    assert incoming.values == mapped(task)
    assert (incoming.parent_uid, incoming.sort_order) == ("p", sort_order(task.position))
    if task.completed:  # the completion time is kept as the client's (here: ours)
        assert (
            incoming.extra == f"BEGIN:VTODO\r\nCOMPLETED:{UPDATED:%Y%m%dT%H%M%SZ}\r\nEND:VTODO\r\n"
        )
    else:
        assert incoming.extra == ""


# --- what real clients send ----------------------------------------------------------------

TASKS_ORG = calendar(
    "DTSTAMP:20260301T101010Z",
    "UID:8127512343126437123",
    "CREATED:20260301T100000Z",
    "LAST-MODIFIED:20260301T101010Z",
    "SUMMARY:Buy milk",
    "DESCRIPTION:2 litres\\, organic\\nfrom the shop",
    "PRIORITY:2",
    "STATUS:IN-PROCESS",
    "PERCENT-COMPLETE:40",
    "DTSTART;VALUE=DATE:20260302",
    "DUE;VALUE=DATE:20260305",
    "RRULE:FREQ=WEEKLY;INTERVAL=1",
    "CATEGORIES:shopping,errands",
    "RELATED-TO:1234567890",
    "X-APPLE-SORT-ORDER:-120",
    "X-OC-HIDESUBTASKS:1",
    "X-MOZ-SNOOZE-TIME:20260305T080000Z",
    "GEO:52.52;13.405",
    head="",
)


def test_tasks_org_sample() -> None:
    incoming = parse(TASKS_ORG, ZONE)
    assert incoming.uid == "8127512343126437123"
    assert incoming.values == {
        "title": "Buy milk",
        "description": "2 litres, organic\nfrom the shop",
        "completed": False,
        "priority": "high",
        "tags": ["shopping", "errands"],
        "due_date": date(2026, 3, 5),
        "due_time": None,
        "recurrence": {"rule": "FREQ=WEEKLY;INTERVAL=1", "from_completion": False},
        "reminders": [],
    }
    assert (incoming.parent_uid, incoming.sort_order) == ("1234567890", -120)
    kept = Component.from_ical(incoming.extra)
    for name in ("PRIORITY", "STATUS", "PERCENT-COMPLETE", "DTSTART", "GEO", "X-OC-HIDESUBTASKS"):
        assert name in kept
    for name in ("SUMMARY", "UID", "DTSTAMP", "DUE", "RRULE", "RELATED-TO", "CATEGORIES"):
        assert name not in kept


def test_tasks_org_sample_comes_back_as_it_was() -> None:
    """Unknown properties, the exact PRIORITY 2, IN-PROCESS and 40 % survive parse -> render."""
    incoming = parse(TASKS_ORG, ZONE)
    task = make(**{**incoming.values, "tags": tuple(incoming.values["tags"])}, position="a0")
    out = vtodo(
        render(
            task,
            uid=incoming.uid,
            zone=ZONE,
            parent_uid=incoming.parent_uid,
            extra=incoming.extra,
        )
    )
    original = vtodo(TASKS_ORG)
    for name in (
        "PRIORITY",
        "STATUS",
        "PERCENT-COMPLETE",
        "DTSTART",
        "GEO",
        "X-OC-HIDESUBTASKS",
        "X-MOZ-SNOOZE-TIME",
        "DESCRIPTION",
    ):
        assert out[name].to_ical() == original[name].to_ical(), name
        assert out[name].params == original[name].params, name
    assert out["RELATED-TO"] == "1234567890"
    assert out["RELATED-TO"].params["RELTYPE"] == "PARENT"


APPLE = calendar(
    "UID:6C1B7D42-APPLE",
    "DTSTAMP:20260102T100000Z",
    "SUMMARY:Call mum",
    "DUE;TZID=America/New_York:20260310T090000",
    "X-APPLE-SORT-ORDER:724000000",
    "STATUS:NEEDS-ACTION",
    "BEGIN:VALARM",
    "UID:ALARM-1",
    "X-WR-ALARMUID:ALARM-1",
    "TRIGGER:-PT15M",
    "ACTION:DISPLAY",
    "DESCRIPTION:Reminder",
    "END:VALARM",
    "BEGIN:VALARM",
    "X-WR-ALARMUID:ALARM-2",
    "TRIGGER;VALUE=DATE-TIME:20260310T120000Z",
    "ACTION:AUDIO",
    "X-APPLE-DEFAULT-ALARM:TRUE",
    "END:VALARM",
    head="\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:America/New_York",
            "BEGIN:DAYLIGHT",
            "DTSTART:20070311T020000",
            "TZOFFSETFROM:-0500",
            "TZOFFSETTO:-0400",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:20071104T020000",
            "TZOFFSETFROM:-0400",
            "TZOFFSETTO:-0500",
            "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    ),
)


def test_apple_reminders_sample() -> None:
    """09:00 in New York (EDT since 8 March) is 14:00 in Berlin (still CET)."""
    incoming = parse(APPLE.encode(), ZONE)
    values = incoming.values
    assert (values["due_date"], values["due_time"]) == (date(2026, 3, 10), time(14, 0))
    assert values["reminders"] == [15]  # TRIGGER relative to START, and no DTSTART: the due
    assert incoming.sort_order == 724_000_000
    kept = Component.from_ical(incoming.extra)
    assert [a["X-WR-ALARMUID"] for a in kept.walk("VALARM")] == ["ALARM-1", "ALARM-2"]


def test_apple_alarms_are_written_back_with_their_details() -> None:
    incoming = parse(APPLE, ZONE)
    task = make(
        title="Call mum",
        due_date=incoming.values["due_date"],
        due_time=incoming.values["due_time"],
        reminders=(15, 30),
    )
    alarms = vtodo(render(task, uid="u", zone=ZONE, extra=incoming.extra)).walk("VALARM")
    # 15: the client's own alarm (its UIDs kept); 30: ours; the absolute one: always.
    assert [str(a.get("X-WR-ALARMUID")) for a in alarms] == ["ALARM-1", "None", "ALARM-2"]
    assert alarms[0]["UID"] == "ALARM-1"
    assert alarms[1]["TRIGGER"].dt == timedelta(minutes=-30)
    assert alarms[2]["X-APPLE-DEFAULT-ALARM"] == "TRUE"
    # The 15-minute reminder deleted on the page: its kept alarm goes, the absolute one stays.
    gone = vtodo(
        render(
            make(due_date=task.due_date, due_time=task.due_time),
            uid="u",
            zone=ZONE,
            extra=incoming.extra,
        )
    ).walk("VALARM")
    assert [str(a["X-WR-ALARMUID"]) for a in gone] == ["ALARM-2"]


THUNDERBIRD = calendar(
    "CREATED:20260110T120000Z",
    "LAST-MODIFIED:20260111T120000Z",
    "DTSTAMP:20260111T120000Z",
    "UID:d2a1c6a4-3f0e-4a8b-9a57-1e2f3a4b5c6d",
    "SUMMARY:File taxes",
    "STATUS:COMPLETED",
    "COMPLETED:20260111T115900Z",
    "PERCENT-COMPLETE:100",
    "DUE;TZID=Asia/Tokyo:20260115T080000",
    "X-MOZ-GENERATION:3",
    "SEQUENCE:2",
    "CLASS:PRIVATE",
    "BEGIN:VALARM",
    "ACTION:DISPLAY",
    "TRIGGER;RELATED=END:-PT30M",
    "DESCRIPTION:Default Mozilla Description",
    "END:VALARM",
)


def test_thunderbird_sample() -> None:
    """08:00 in Tokyo is midnight in Berlin: the date moves too."""
    incoming = parse(THUNDERBIRD, ZONE)
    assert incoming.values["completed"] is True
    assert (incoming.values["due_date"], incoming.values["due_time"]) == (
        date(2026, 1, 15),
        time(0, 0),
    )
    assert incoming.values["reminders"] == [30]
    task = make(
        completed=True,
        due_date=date(2026, 1, 15),
        due_time=time(0, 0),
        reminders=(30,),
    )
    out = vtodo(render(task, uid=incoming.uid, zone=ZONE, extra=incoming.extra))
    assert out["COMPLETED"].dt == datetime(2026, 1, 11, 11, 59, tzinfo=UTC)  # the client's
    assert out["PERCENT-COMPLETE"] == 100 and out["STATUS"] == "COMPLETED"
    assert (out["X-MOZ-GENERATION"], out["SEQUENCE"], out["CLASS"]) == ("3", 2, "PRIVATE")
    (alarm,) = out.walk("VALARM")
    assert alarm["DESCRIPTION"] == "Default Mozilla Description"
    # Reopened on the page: no COMPLETED, no PERCENT-COMPLETE:100.
    reopened = vtodo(render(make(), uid="u", zone=ZONE, extra=incoming.extra))
    assert reopened["STATUS"] == "NEEDS-ACTION"
    assert "COMPLETED" not in reopened and "PERCENT-COMPLETE" not in reopened
    assert (
        parse(render(make(), uid="u", zone=ZONE, extra=incoming.extra), ZONE).values["completed"]
        is False
    )


TODOMAN = calendar(
    "UID:0c1b2f7e9a8d4c3b@todoman",
    "SUMMARY:Write report",
    "DESCRIPTION:Quarterly",
    "DTSTAMP:20260201T090000Z",
    "CREATED:20260201T090000Z",
    "DUE:20260203T170000Z",
    "PRIORITY:9",
    "LOCATION:Office",
    "CATEGORIES:work",
    "CATEGORIES:q1",
    "SEQUENCE:1",
)


def test_todoman_sample() -> None:
    incoming = parse(TODOMAN, ZONE)
    assert incoming.values == {
        "title": "Write report",
        "description": "Quarterly",
        "completed": False,
        "priority": "low",
        "tags": ["work", "q1"],
        "due_date": date(2026, 2, 3),
        "due_time": time(18, 0),  # 17:00 UTC is 18:00 in Berlin in winter
        "recurrence": None,
        "reminders": [],
    }
    kept = Component.from_ical(incoming.extra)
    assert (kept["LOCATION"], kept["SEQUENCE"]) == ("Office", 1)
    assert "PRIORITY" not in kept  # 9 is what we write for "low"


# --- DUE in the owner's zone ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("DUE:20260701T220000Z", (date(2026, 7, 2), time(0, 0))),  # UTC, CEST +2
        ("DUE:20260701T093015", (date(2026, 7, 1), time(9, 30))),  # floating: as written
        ("DUE;TZID=America/Los_Angeles:20261231T200000", (date(2027, 1, 1), time(5, 0))),
        ("DUE;TZID=Nowhere/Special:20260701T093000", (date(2026, 7, 1), time(9, 30))),
        ("DUE;VALUE=DATE:20260701", (date(2026, 7, 1), None)),
    ],
)
def test_due_on_the_owners_wall_clock(due: str, expected: tuple[date, time | None]) -> None:
    values = parse(calendar("UID:x", "SUMMARY:t", due), ZONE).values
    assert (values["due_date"], values["due_time"]) == expected


def test_due_in_a_zone_the_body_defines() -> None:
    zone = "\r\n".join(
        [
            "BEGIN:VTIMEZONE",
            "TZID:W. Somewhere Standard Time",
            "BEGIN:STANDARD",
            "DTSTART:16010101T000000",
            "TZOFFSETFROM:+0500",
            "TZOFFSETTO:+0500",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    )
    body = calendar(
        "UID:x",
        "DUE;TZID=W. Somewhere Standard Time:20260110T120000",
        "DTSTART;TZID=W. Somewhere Standard Time:20260110T080000",
        head=zone,
    )
    incoming = parse(body, ZONE)
    assert incoming.values["due_time"] == time(8, 0)  # 12:00 +05 is 08:00 CET
    # The kept DTSTART names that zone: its VTIMEZONE goes out with it.
    out = Calendar.from_ical(render(make(), uid="x", zone=ZONE, extra=incoming.extra).decode())
    assert [str(z["TZID"]) for z in out.walk("VTIMEZONE")] == ["W. Somewhere Standard Time"]
    assert out.walk("VTODO")[0]["DTSTART"].params["TZID"] == "W. Somewhere Standard Time"


# --- what goes to extra, and back ----------------------------------------------------------


@pytest.mark.parametrize(
    "lines",
    [
        ["DUE;VALUE=DATE:20260101", "RRULE:FREQ=HOURLY"],  # our rules refuse it
        ["DUE;VALUE=DATE:20260101", "RRULE:FREQ=DAILY", "RRULE:FREQ=WEEKLY"],
        ["RRULE:FREQ=DAILY"],  # no DUE
    ],
)
def test_a_repeat_we_cannot_take_is_kept(lines: list[str]) -> None:
    incoming = parse(calendar("UID:x", *lines), ZONE)
    assert incoming.values["recurrence"] is None
    rules = [line.removeprefix("RRULE:") for line in lines if line.startswith("RRULE")]
    kept = Component.from_ical(incoming.extra).get("RRULE")
    kept = kept if isinstance(kept, list) else [kept]
    assert [k.to_ical().decode() for k in kept] == rules
    out = vtodo(render(make(due_date=date(2026, 1, 1)), uid="x", zone=ZONE, extra=incoming.extra))
    assert "RRULE" in out
    # Given a repeat of ours on the page, the kept rule makes way.
    ours = make(
        due_date=date(2026, 1, 1), recurrence={"rule": "FREQ=YEARLY", "from_completion": False}
    )
    out = vtodo(render(ours, uid="x", zone=ZONE, extra=incoming.extra))
    assert out["RRULE"].to_ical() == b"FREQ=YEARLY"


@pytest.mark.parametrize(
    ("alarm", "minutes"),
    [
        (["TRIGGER;RELATED=END:-PT1H"], [60]),
        (["TRIGGER:-P1DT2H"], [26 * 60]),
        (["TRIGGER;RELATED=END:PT0S"], [0]),
        (["TRIGGER;RELATED=END:PT5M"], []),  # after the due
        (["TRIGGER;RELATED=END:-PT90S"], []),  # not whole minutes
        (["TRIGGER;RELATED=END:-P29D"], []),  # beyond four weeks
        (["TRIGGER;VALUE=DATE-TIME:20260101T080000Z"], []),  # absolute
        (["TRIGGER;RELATED=END:-PT5M", "ACTION:NONE"], []),  # RFC 9074: never rings
    ],
)
def test_which_alarms_are_reminders(alarm: list[str], minutes: list[int]) -> None:
    lines = ["UID:x", "DUE:20260110T090000Z", "BEGIN:VALARM", "ACTION:DISPLAY"]
    lines = [*lines[:3], *(alarm if "ACTION:NONE" in alarm else [lines[3], *alarm])]
    body = calendar(*lines, "END:VALARM")
    incoming = parse(body, ZONE)
    assert incoming.values["reminders"] == minutes
    assert len(Component.from_ical(incoming.extra).walk("VALARM")) == 1  # always kept


def test_start_related_alarm_with_dtstart_is_not_a_reminder() -> None:
    body = calendar(
        "UID:x",
        "DTSTART:20260110T080000Z",
        "DUE:20260110T090000Z",
        "BEGIN:VALARM",
        "ACTION:DISPLAY",
        "TRIGGER:-PT10M",
        "END:VALARM",
    )
    assert parse(body, ZONE).values["reminders"] == []


def test_no_reminders_without_a_timed_due_and_at_most_the_limit() -> None:
    alarms = [
        line
        for m in range(1, 8)
        for line in ("BEGIN:VALARM", "ACTION:DISPLAY", f"TRIGGER:-PT{m}M", "END:VALARM")
    ]
    assert (
        parse(calendar("UID:x", "DUE;VALUE=DATE:20260110", *alarms), ZONE).values["reminders"] == []
    )
    timed = parse(calendar("UID:x", "DUE:20260110T090000Z", *alarms), ZONE).values
    assert timed["reminders"] == [1, 2, 3, 4, 5][:REMINDERS_MAX]


def test_absent_properties_mean_none() -> None:
    incoming = parse(calendar("UID:only-a-uid"), ZONE)
    assert incoming.values == {
        "title": "",
        "description": "",
        "completed": False,
        "priority": "none",
        "tags": [],
        "due_date": None,
        "due_time": None,
        "recurrence": None,
        "reminders": [],
    }
    assert (incoming.parent_uid, incoming.sort_order, incoming.extra) == (None, None, "")


@pytest.mark.parametrize(
    ("lines", "completed"),
    [
        (["STATUS:COMPLETED"], True),
        (["COMPLETED:20260101T000000Z"], True),
        (["STATUS:NEEDS-ACTION", "COMPLETED:20260101T000000Z"], False),
        (["STATUS:CANCELLED"], False),
    ],
)
def test_completed_in(lines: list[str], completed: bool) -> None:
    assert parse(calendar("UID:x", *lines), ZONE).values["completed"] is completed


def test_other_relations_are_kept_and_a_parent_without_reltype_is_the_parent() -> None:
    incoming = parse(calendar("UID:x", "RELATED-TO;RELTYPE=SIBLING:s", "RELATED-TO:p"), ZONE)
    assert incoming.parent_uid == "p"
    kept = Component.from_ical(incoming.extra)["RELATED-TO"]
    assert (kept, kept.params["RELTYPE"]) == ("s", "SIBLING")


# --- refusals ------------------------------------------------------------------------------


def _refusal(body: bytes | str) -> BadCalendar:
    with pytest.raises(BadCalendar) as caught:
        parse(body, ZONE)
    assert caught.value.reason and str(caught.value) == caught.value.reason
    return caught.value


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfeBEGIN:VCALENDAR",
        "",
        "hello there",
        "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\n",  # never ends
        "BEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\n",  # no calendar around it
        calendar("SUMMARY:no uid"),
        calendar(f"UID:{'u' * (DAV_NAME_MAX + 1)}"),
        calendar("UID:x", "DUE:not a date"),
        calendar("UID:x").replace("BEGIN:VTODO\r\nUID:x\r\nEND:VTODO\r\n", ""),  # no VTODO
        calendar("UID:a", "END:VTODO", "BEGIN:VTODO", "UID:b"),  # two tasks
    ],
)
def test_invalid_calendar_data(body: bytes | str) -> None:
    assert _refusal(body).precondition == "valid-calendar-data"


def test_occurrence_overrides_are_refused() -> None:
    body = calendar(
        "UID:a",
        "DUE;VALUE=DATE:20260101",
        "RRULE:FREQ=DAILY",
        "END:VTODO",
        "BEGIN:VTODO",
        "UID:a",
        "RECURRENCE-ID;VALUE=DATE:20260102",
        "STATUS:COMPLETED",
    )
    refused = _refusal(body)
    assert (refused.reason, refused.precondition) == (RECURRENCE_ID_REASON, "valid-calendar-data")


@pytest.mark.parametrize("component", ["VEVENT", "VJOURNAL"])
def test_other_components_are_unsupported(component: str) -> None:
    body = calendar("UID:a").replace("VTODO", component)
    assert _refusal(body).precondition == "supported-calendar-component"


def test_too_much_kept_is_refused() -> None:
    lines = [f"X-NOTE-{i}:{'z' * 60}" for i in range(DAV_EXTRA_MAX // 60)]
    refused = _refusal(calendar("UID:x", *lines))
    assert refused.precondition == "valid-calendar-data"
    assert str(DAV_EXTRA_MAX) in refused.reason


# --- manual order --------------------------------------------------------------------------


def test_sort_order_is_monotone_and_fits_31_bits() -> None:
    keys = order_keys.spread(200)
    middle: list[str] = []
    low, high = keys[10], keys[11]
    for _ in range(60):  # inserting again and again at one spot grows the keys
        low = order_keys.between(low, high)
        middle.append(low)
    extremes = [
        "",
        "0",
        "Zzzz",
        "a0",
        "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    ]
    every = sorted({*keys, *middle, *extremes}, key=lambda k: k.encode())
    orders = [sort_order(k) for k in every]
    assert orders == sorted(orders)
    assert all(0 <= n < 2**31 for n in orders)
    assert len(set(map(sort_order, keys))) == len(keys)  # short keys stay apart
    assert max(len(k) for k in middle) > 10


@pytest.mark.parametrize(
    ("rank", "priority"),
    [(0, "none"), (1, "high"), (4, "high"), (5, "medium"), (6, "low"), (9, "low")],
)
def test_priority_in(rank: int, priority: str) -> None:
    body = calendar("UID:x", f"PRIORITY:{rank}")
    assert parse(body, ZONE).values["priority"] == priority


def test_a_stale_completion_time_is_not_kept() -> None:
    """COMPLETED beside STATUS:NEEDS-ACTION: not completed, and a later completion on the
    page is dated by that change, not by the stale time."""
    incoming = parse(calendar("UID:x", "STATUS:NEEDS-ACTION", "COMPLETED:20200101T000000Z"), ZONE)
    assert incoming.values["completed"] is False and incoming.extra == ""
    out = vtodo(render(make(completed=True), uid="x", zone=ZONE, extra=incoming.extra))
    assert out["COMPLETED"].dt == UPDATED


def test_categories_that_are_not_tags_here_are_kept_as_sent() -> None:
    """Apple and Thunderbird allow spaces in a category; our tags do not. The task is taken,
    the tags it can have are its tags, and the rest come back unchanged."""
    incoming = parse(calendar("UID:x", "SUMMARY:Milk", "CATEGORIES:home,Grocery list"), ZONE)
    assert incoming.values["tags"] == ["home"]
    out = vtodo(render(make(tags=("home",)), uid="x", zone=ZONE, extra=incoming.extra))
    cats = out["CATEGORIES"]
    names = [str(c) for prop in (cats if isinstance(cats, list) else [cats]) for c in prop.cats]
    assert names == ["home", "Grocery list"]


def test_a_kept_start_after_a_due_moved_earlier_is_left_out() -> None:
    incoming = parse(calendar("UID:x", "SUMMARY:Milk", "DTSTART;VALUE=DATE:20261210"), ZONE)
    later = vtodo(
        render(make(due_date=date(2026, 12, 12)), uid="x", zone=ZONE, extra=incoming.extra)
    )
    assert str(later["DTSTART"].to_ical().decode()) == "20261210"
    earlier = vtodo(
        render(make(due_date=date(2026, 12, 8)), uid="x", zone=ZONE, extra=incoming.extra)
    )
    assert "DTSTART" not in earlier
