"""Calendar feeds over HTTP: the .ics parses, repeats expand to the right dates, all-day and
timed dues are what a calendar app expects; only the feed's own open dated tasks appear;
ETag/Last-Modified answer 304; reset and turning off make the old URL 404 at once; a list
the caller cannot see cannot be subscribed to."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import recurring_ical_events
from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.api.conftest import Account, create_list, create_task, set_time_zone
from todo_app.db import session_scope
from todo_app.models import CalendarFeed, ListMember

ICS = "text/calendar; charset=utf-8"


def _feed(client: TestClient, account: Account, list_id: str | None = None) -> dict[str, Any]:
    response = client.post("/api/feeds", json={"list_id": list_id}, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _path(feed: dict[str, Any]) -> str:
    return urlsplit(feed["url"]).path


def _calendar(client: TestClient, feed: dict[str, Any]) -> Calendar:
    response = client.get(_path(feed))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ICS
    return Calendar.from_ical(response.content)


def _events(calendar: Calendar) -> dict[str, Any]:
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_holds_dated_open_tasks_as_events(client: TestClient, alice: Account) -> None:
    set_time_zone(client, alice, "Europe/Berlin")
    day = (date.today() + timedelta(days=3)).isoformat()
    all_day = create_task(client, alice, title="Pay rent", description="Flat", due_date=day)
    create_task(client, alice, title="Call", due_date=day, due_time="09:30")
    create_task(client, alice, title="Undated")
    done = create_task(client, alice, title="Done", due_date=day)
    completed = client.patch(
        f"/api/tasks/{done['id']}", json={"completed": True}, headers=alice.headers
    )
    assert completed.status_code == 200, completed.text

    feed = _feed(client, alice)
    assert feed["list_id"] is None and feed["name"] == "Todo"
    calendar = _calendar(client, feed)
    assert str(calendar["version"]) == "2.0" and calendar["prodid"]
    assert str(calendar["x-wr-calname"]) == "Todo"
    events = _events(calendar)
    assert set(events) == {"Pay rent", "Call"}

    rent = events["Pay rent"]
    assert str(rent["uid"]) == f"{all_day['id']}@todo"
    assert str(rent["description"]) == "Flat"
    assert rent["dtstart"].params.get("VALUE") == "DATE" or type(rent.start) is date
    assert rent.start == date.fromisoformat(day)
    assert rent.end == date.fromisoformat(day) + timedelta(days=1)

    call = events["Call"]
    berlin = datetime.fromisoformat(f"{day}T09:30").replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert call.start == berlin
    assert call.start.astimezone(UTC) == berlin.astimezone(UTC)
    assert call.end > call.start
    assert calendar.walk("VTIMEZONE"), "a TZID needs its VTIMEZONE"
    assert b"alice@example.com" not in client.get(_path(feed)).content


def test_a_weekly_repeat_expands_to_the_right_dates(client: TestClient, alice: Account) -> None:
    start = date.today() + timedelta(days=(7 - date.today().weekday()) % 7 or 7)  # a Monday
    create_task(
        client,
        alice,
        title="Standup",
        due_date=start.isoformat(),
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=MO", "from_completion": False},
    )
    calendar = _calendar(client, _feed(client, alice))
    assert "FREQ=WEEKLY" in calendar.walk("VEVENT")[0]["rrule"].to_ical().decode()
    window = recurring_ical_events.of(calendar).between(start, start + timedelta(days=28))
    days = sorted(event.start for event in window)
    assert days == [start + timedelta(weeks=n) for n in range(4)]


def test_a_list_feed_holds_only_that_list(client: TestClient, alice: Account) -> None:
    day = date.today().isoformat()
    work = create_list(client, alice, "Work")
    create_list(client, alice, "Home")
    create_task(client, alice, title="In work", due_date=day, list_id=work["id"])
    create_task(client, alice, title="In inbox", due_date=day)
    feed = _feed(client, alice, work["id"])
    assert feed["name"] == "Work"
    calendar = _calendar(client, feed)
    assert str(calendar["x-wr-calname"]) == "Work"
    assert set(_events(calendar)) == {"In work"}


def test_another_user_s_tasks_never_appear(
    client: TestClient, alice: Account, bob: Account
) -> None:
    day = date.today().isoformat()
    create_task(client, alice, title="Alice's", due_date=day)
    bobs_list = create_list(client, bob, "Bob's list")
    create_task(client, bob, title="Bob's", due_date=day, list_id=bobs_list["id"])
    create_task(client, bob, title="Bob's inbox", due_date=day)
    assert set(_events(_calendar(client, _feed(client, alice)))) == {"Alice's"}
    # A list alice cannot see: as if it did not exist.
    refused = client.post("/api/feeds", json={"list_id": bobs_list["id"]}, headers=alice.headers)
    assert refused.status_code == 404
    unknown = client.post("/api/feeds", json={"list_id": str(uuid.uuid4())}, headers=alice.headers)
    assert unknown.status_code == 404
    # Nor can alice reset or turn off bob's feed.
    bobs_feed = _feed(client, bob)
    for method, path in [("POST", "/reset"), ("DELETE", "")]:
        answer = client.request(
            method, f"/api/feeds/{bobs_feed['id']}{path}", headers=alice.headers
        )
        assert answer.status_code == 404
    assert client.get("/api/feeds", headers=alice.headers).json()[0]["id"] != bobs_feed["id"]


def test_etag_last_modified_and_304(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Dentist", due_date=date.today().isoformat())
    feed = _feed(client, alice)
    first = client.get(_path(feed))
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert etag and modified

    same = client.get(_path(feed), headers={"If-None-Match": etag})
    assert same.status_code == 304 and not same.content
    assert same.headers["etag"] == etag
    since = client.get(_path(feed), headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    earlier = format_datetime(datetime(2000, 1, 1, tzinfo=UTC), usegmt=True)
    assert client.get(_path(feed), headers={"If-Modified-Since": earlier}).status_code == 200
    other = client.get(_path(feed), headers={"If-None-Match": '"other"'})
    assert other.status_code == 200

    changed = client.patch(
        f"/api/tasks/{task['id']}", json={"title": "Dentist at 3"}, headers=alice.headers
    )
    assert changed.status_code == 200
    after = client.get(_path(feed), headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after.headers["etag"] != etag
    assert "Dentist at 3" in after.text


def test_reset_and_turning_off(client: TestClient, alice: Account) -> None:
    feed = _feed(client, alice)
    assert client.get(_path(feed)).status_code == 200
    listed = client.get("/api/feeds", headers=alice.headers).json()
    assert [item["id"] for item in listed] == [feed["id"]] and listed[0]["url"] is None

    reset = client.post(f"/api/feeds/{feed['id']}/reset", headers=alice.headers)
    assert reset.status_code == 200, reset.text
    new = reset.json()
    assert new["url"] != feed["url"]
    gone = client.get(_path(feed))
    assert gone.status_code == 404 and not gone.content
    assert client.get(_path(new)).status_code == 200

    off = client.delete(f"/api/feeds/{feed['id']}", headers=alice.headers)
    assert off.status_code == 204
    assert client.get(_path(new)).status_code == 404
    assert client.get("/api/feeds", headers=alice.headers).json() == []


def test_only_a_hash_of_the_secret_is_stored(client: TestClient, alice: Account) -> None:
    feed = _feed(client, alice)
    secret = _path(feed).removeprefix("/feeds/").removesuffix(".ics")
    assert len(secret) >= 32  # 192 bits
    with session_scope() as session:
        stored = session.get(CalendarFeed, uuid.UUID(feed["id"]))
        assert stored is not None and secret not in stored.secret_hash


def test_unknown_secrets_are_404(client: TestClient) -> None:
    for path in ["/feeds/nothing.ics", "/feeds/" + "A" * 32 + ".ics", "/feeds/x%00.ics"]:
        response = client.get(path)
        assert response.status_code == 404


def test_a_shared_list_s_feed_shows_its_tasks_until_its_member_leaves(
    client: TestClient, alice: Account, bob: Account
) -> None:
    shared = create_list(client, bob, "Team")
    create_task(
        client, bob, title="Team task", due_date=date.today().isoformat(), list_id=shared["id"]
    )
    create_task(client, bob, title="Bob's own", due_date=date.today().isoformat())
    with session_scope() as session:
        session.add(ListMember(list_id=uuid.UUID(shared["id"]), user_id=alice.id, role="viewer"))
    feed = _feed(client, alice, shared["id"])
    assert set(_events(_calendar(client, feed))) == {"Team task"}
    everything = _feed(client, alice)
    assert set(_events(_calendar(client, everything))) == {"Team task"}
    with session_scope() as session:
        member = session.get(ListMember, (uuid.UUID(shared["id"]), alice.id))
        session.delete(member)
    assert client.get(_path(feed)).status_code == 404
    assert set(_events(_calendar(client, everything))) == set()


def test_repeats_with_an_end_and_from_completion(client: TestClient, alice: Account) -> None:
    set_time_zone(client, alice, "America/Los_Angeles")
    start = date.today() + timedelta(days=1)
    until = (start + timedelta(days=2)).strftime("%Y%m%d")
    create_task(
        client,
        alice,
        title="Pills",
        due_date=start.isoformat(),
        due_time="22:00",
        recurrence={"rule": f"FREQ=DAILY;UNTIL={until}", "from_completion": False},
    )
    create_task(
        client,
        alice,
        title="Water plants",
        due_date=start.isoformat(),
        recurrence={"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True},
    )
    calendar = _calendar(client, _feed(client, alice))
    window = recurring_ical_events.of(calendar).between(start, start + timedelta(days=10))
    by_title: dict[str, list[Any]] = {}
    for event in window:
        by_title.setdefault(str(event["summary"]), []).append(event.start)
    assert len(by_title["Pills"]) == 3  # UNTIL (a date) holds the last day
    assert by_title["Water plants"] == [start]  # from completion: only the next date


def test_a_task_leaving_the_feed_moves_last_modified(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Leaves", due_date=date.today().isoformat())
    feed = _feed(client, alice)
    assert client.get(_path(feed)).status_code == 200
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    with session_scope() as session:  # as if that poll were an hour ago
        stored = session.get(CalendarFeed, uuid.UUID(feed["id"]))
        assert stored is not None
        stored.changed_at = an_hour_ago
    polled = client.get(_path(feed))
    assert polled.status_code == 200
    since = polled.headers["last-modified"]
    assert client.get(_path(feed), headers={"If-Modified-Since": since}).status_code == 304

    done = client.patch(f"/api/tasks/{task['id']}", json={"completed": True}, headers=alice.headers)
    assert done.status_code == 200
    after = client.get(_path(feed), headers={"If-Modified-Since": since})
    assert after.status_code == 200
    assert "Leaves" not in after.text
    assert after.headers["last-modified"] != since
