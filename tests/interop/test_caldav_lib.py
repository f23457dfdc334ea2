"""The caldav library (python-caldav, as pinned) against our CalDAV server.

Everything the client does goes through the library's own calls (discovery, calendars,
save, search, sync, complete, delete, MKCALENDAR); what the server holds is read and changed
through the services, never through our own DAV code.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from tests.interop.conftest import (
    DavServer,
    DavUser,
    make_dav_user,
    require_module,
    share,
    task_titled,
    tasks_of,
)
from todo_app.lists import service as lists
from todo_app.tasks import deletes, queries, writes
from todo_app.tasks.types import public_recurrence

try:
    import caldav
    from caldav.lib import error
except ImportError:  # the fixture below skips, or fails under CI=true
    caldav = error = None  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _caldav_installed() -> None:
    require_module("caldav")


@pytest.fixture
def connect(dav_server: DavServer) -> Iterator[Any]:
    """``connect(user)``: a DAVClient for the user, pointed at the server's well-known URL
    (what a user types is the server; the library is given RFC 6764's path below it)."""
    clients: list[caldav.DAVClient] = []

    def make(user: DavUser, url: str | None = None) -> caldav.DAVClient:
        client = caldav.DAVClient(
            url=url or f"{dav_server.url}/.well-known/caldav",
            username=user.email,
            password=user.token,
            timeout=30,
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def path_of(obj: Any) -> str:
    return str(obj.url.path)


def calendars_by_path(client: caldav.DAVClient) -> dict[str, Any]:
    return {path_of(cal): cal for cal in client.principal().calendars()}


def todo_ics(uid: str, summary: str, *lines: str) -> str:
    body = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Interop tests//EN",
            "BEGIN:VTODO",
            f"UID:{uid}",
            "DTSTAMP:20261201T120000Z",
            f"SUMMARY:{summary}",
            *lines,
            "END:VTODO",
            "END:VCALENDAR",
        ]
    )
    return body + "\r\n"


def categories(vtodo: Any) -> list[str]:
    """Every category of a VTODO, however many CATEGORIES lines hold them."""
    props = vtodo.get("CATEGORIES", [])
    props = props if isinstance(props, list) else [props]
    return sorted(str(c) for prop in props for c in prop.cats)


def the_todo(obj: Any) -> Any:
    """The VTODO of a caldav object, loaded from the server."""
    obj.load()
    return obj.icalendar_component


# --- discovery ----------------------------------------------------------------------------


def test_discovery_finds_principal_inbox_and_lists(connect: Any, alice: DavUser) -> None:
    groceries = lists.create_list(alice.id, "Groceries")
    work = lists.create_list(alice.id, "Work")
    client = connect(alice)

    principal = client.principal()

    assert path_of(principal) == f"/dav/principals/{alice.id}/"
    found = calendars_by_path(client)
    assert set(found) == {
        alice.collection(None),
        alice.collection(groceries.id),
        alice.collection(work.id),
    }
    assert found[alice.collection(groceries.id)].get_display_name() == "Groceries"
    assert found[alice.collection(work.id)].get_display_name() == "Work"
    assert found[alice.collection(None)].get_display_name()  # the Inbox has a name too
    for cal in found.values():
        assert "VTODO" in cal.get_supported_components()


def test_a_shared_list_is_in_the_members_home(connect: Any, alice: DavUser, bob: DavUser) -> None:
    shared = lists.create_list(alice.id, "Holiday")
    writes.create_task(alice.id, "Book the train", list_id=shared.id)
    lists.create_list(alice.id, "Private")
    share(alice, shared.id, bob, "editor")

    found = calendars_by_path(connect(bob))

    assert set(found) == {bob.collection(None), bob.collection(shared.id)}
    calendar = found[bob.collection(shared.id)]
    assert calendar.get_display_name() == "Holiday"
    assert [str(t.icalendar_component["SUMMARY"]) for t in calendar.todos()] == ["Book the train"]


def test_a_wrong_token_is_refused(dav_server: DavServer, alice: DavUser) -> None:
    wrong = DavUser(alice.id, alice.email, alice.token[:-4] + "AAAA")
    client = caldav.DAVClient(
        url=f"{dav_server.url}/dav/", username=wrong.email, password=wrong.token
    )
    with pytest.raises(error.AuthorizationError) as refused:
        client.principal()
    assert refused.value.status == 401


def test_tokens_without_the_scope_a_revoked_token_and_the_password_are_refused(
    dav_server: DavServer, alice: DavUser
) -> None:
    from tests.factories import PASSWORD
    from todo_app.auth import access_tokens

    other = access_tokens.create(alice.id, "script", ["tasks:read", "tasks:write"], None)
    revoked = access_tokens.create(alice.id, "old phone", ["caldav"], None)
    access_tokens.revoke(alice.id, revoked.info.id)

    statuses = []
    for password in (other.token, revoked.token, PASSWORD):
        client = caldav.DAVClient(
            url=f"{dav_server.url}/dav/", username=alice.email, password=password
        )
        with pytest.raises(error.AuthorizationError) as refused:
            client.principal()
        statuses.append(refused.value.status)
        client.close()

    # Not a caldav token: 403 (it is valid, the scope is missing); revoked, or the account's
    # password instead of a token: 401.
    assert statuses == [403, 401, 401], statuses


# --- tasks from the client ----------------------------------------------------------------


def test_save_list_and_complete_a_todo(connect: Any, alice: DavUser) -> None:
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]

    inbox.save_todo(summary="Buy milk", due=date(2027, 1, 5), priority=5)

    task = task_titled(alice.id, "Buy milk")
    assert (task.list_id, task.completed, task.priority) == (None, False, "medium")
    assert task.due_date == date(2027, 1, 5) and task.due_time is None
    todos = inbox.todos()
    assert [str(t.icalendar_component["SUMMARY"]) for t in todos] == ["Buy milk"]

    todos[0].complete()

    assert task_titled(alice.id, "Buy milk").completed is True
    assert inbox.todos() == []  # the library asks for the pending ones only
    done = inbox.todos(include_completed=True)
    assert len(done) == 1
    vtodo = the_todo(done[0])
    assert str(vtodo["STATUS"]) == "COMPLETED" and "COMPLETED" in vtodo


def test_a_task_made_in_the_app_appears(connect: Any, alice: DavUser) -> None:
    work = lists.create_list(alice.id, "Work")
    made = writes.create_task(
        alice.id, "Write report", "Two pages", list_id=work.id, priority="high", tags=["q1"]
    )

    calendar = calendars_by_path(connect(alice))[alice.collection(work.id)]
    todos = calendar.todos()

    assert len(todos) == 1
    vtodo = the_todo(todos[0])
    assert str(vtodo["SUMMARY"]) == "Write report"
    assert str(vtodo["DESCRIPTION"]) == "Two pages"
    assert int(vtodo["PRIORITY"]) == 1
    assert categories(vtodo) == ["q1"]
    assert path_of(todos[0]).startswith(alice.collection(work.id))
    assert str(vtodo["UID"]) == str(made.id)  # a task made in the app: its id is its UID


def test_sync_collection_reports_server_changes(connect: Any, alice: DavUser) -> None:
    work = lists.create_list(alice.id, "Work")
    kept = writes.create_task(alice.id, "Kept", list_id=work.id)
    renamed = writes.create_task(alice.id, "Before", list_id=work.id)
    gone = writes.create_task(alice.id, "Gone", list_id=work.id)
    calendar = calendars_by_path(connect(alice))[alice.collection(work.id)]

    synced = calendar.get_objects_by_sync_token(load_objects=True, disable_fallback=True)

    assert not str(synced.sync_token).startswith("fake-")  # a real sync-collection
    assert sorted(str(o.icalendar_component["SUMMARY"]) for o in synced) == [
        "Before",
        "Gone",
        "Kept",
    ]
    first_token = synced.sync_token

    writes.update_task(alice.id, renamed.id, title="After")
    writes.create_task(alice.id, "New", list_id=work.id)
    deletes.delete_task(alice.id, gone.id)
    updated, deleted = synced.sync()

    assert sorted(str(o.icalendar_component["SUMMARY"]) for o in updated) == ["After", "New"]
    assert [path_of(o) for o in deleted] == [f"{alice.collection(work.id)}{gone.id}.ics"]
    assert synced.sync_token != first_token
    assert sorted(str(o.icalendar_component["SUMMARY"]) for o in synced) == [
        "After",
        "Kept",
        "New",
    ]
    # Nothing changed since: the next sync is empty.
    updated, deleted = synced.sync()
    assert (updated, deleted) == ([], [])
    assert queries.get_task(alice.id, kept.id).title == "Kept"


def test_a_time_range_search_finds_the_tasks_due_in_it(connect: Any, alice: DavUser) -> None:
    writes.create_task(alice.id, "January", due_date="2027-01-05")
    writes.create_task(alice.id, "January, timed", due_date="2027-01-20", due_time="18:00")
    writes.create_task(alice.id, "March", due_date="2027-03-01")
    writes.create_task(alice.id, "Done in January", due_date="2027-01-06", completed=True)
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]

    # post_filter=False: what the server's calendar-query answered, without the library's
    # own filtering after it (it asks for a day more on each side).
    found = inbox.search(
        todo=True,
        start=datetime(2027, 1, 1, tzinfo=UTC),
        end=datetime(2027, 2, 1, tzinfo=UTC),
        include_completed=True,
        post_filter=False,
    )
    # As an app asks: the pending ones (the library's own queries and filtering).
    pending = inbox.search(
        todo=True, start=datetime(2027, 1, 1, tzinfo=UTC), end=datetime(2027, 2, 1, tzinfo=UTC)
    )

    assert sorted(str(t.icalendar_component["SUMMARY"]) for t in found) == [
        "Done in January",
        "January",
        "January, timed",
    ]
    assert sorted(str(t.icalendar_component["SUMMARY"]) for t in pending) == [
        "January",
        "January, timed",
    ]


def test_a_delete_undone_on_the_page_comes_back_in_the_next_sync(
    connect: Any, alice: DavUser
) -> None:
    writes.create_task(alice.id, "Kept")
    doomed = writes.create_task(alice.id, "Deleted, then undone")
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    synced = inbox.get_objects_by_sync_token(load_objects=True, disable_fallback=True)
    href = f"{alice.collection(None)}{doomed.id}.ics"

    gone = deletes.delete_task(alice.id, doomed.id)
    updated, deleted = synced.sync()
    assert (updated, [path_of(o) for o in deleted]) == ([], [href])

    deletes.restore_tasks(alice.id, [gone])  # the page's Undo: the task as it was
    updated, deleted = synced.sync()

    assert ([path_of(o) for o in updated], deleted) == ([href], [])
    assert sorted(str(o.icalendar_component["SUMMARY"]) for o in synced) == [
        "Deleted, then undone",
        "Kept",
    ]


def test_deleting_a_todo_deletes_the_task(connect: Any, alice: DavUser) -> None:
    writes.create_task(alice.id, "Throw away")
    writes.create_task(alice.id, "Keep")
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    (doomed,) = [t for t in inbox.todos() if str(t.icalendar_component["SUMMARY"]) == "Throw away"]

    doomed.delete()

    assert [t.title for t in tasks_of(alice.id)] == ["Keep"]
    with pytest.raises(error.NotFoundError):
        doomed.load()


def test_make_calendar_creates_a_list(connect: Any, alice: DavUser) -> None:
    client = connect(alice)

    made = client.principal().make_calendar(
        name="Errands", supported_calendar_component_set=["VTODO"]
    )
    made.save_todo(summary="Post the parcel")

    (errands,) = [item for item in lists.list_lists(alice.id) if item.name == "Errands"]
    assert path_of(made).startswith(alice.home)
    assert task_titled(alice.id, "Post the parcel").list_id == errands.id
    # Listed once, under the name it was made with (at its new URL or at the list's).
    names = [cal.get_display_name() for cal in calendars_by_path(client).values()]
    assert sorted(names).count("Errands") == 1


# --- conflicts and rights -----------------------------------------------------------------


def test_two_clients_editing_one_task_the_second_gets_412(connect: Any, alice: DavUser) -> None:
    made = writes.create_task(alice.id, "Original")
    phone = calendars_by_path(connect(alice))[alice.collection(None)]
    laptop = calendars_by_path(connect(alice))[alice.collection(None)]
    (on_phone,) = phone.todos()
    (on_laptop,) = laptop.todos()
    on_phone.load()
    on_laptop.load()
    assert on_phone.etag and on_phone.etag == on_laptop.etag
    assert not on_phone.etag.startswith("W/")  # strong: If-Match can use it

    on_phone.icalendar_component["SUMMARY"] = "From the phone"
    on_phone.save()
    on_laptop.icalendar_component["SUMMARY"] = "From the laptop"
    with pytest.raises(error.DAVError) as refused:
        on_laptop.save()

    assert refused.value.status == 412
    assert isinstance(refused.value, error.ETagMismatchError)
    assert queries.get_task(alice.id, made.id).title == "From the phone"
    # After reading it again, the laptop's change goes through.
    on_laptop.load()
    on_laptop.icalendar_component["SUMMARY"] = "From the laptop"
    on_laptop.save()
    assert queries.get_task(alice.id, made.id).title == "From the laptop"


def privileges(calendar: Any) -> set[str]:
    """The caller's DAV:current-user-privilege-set on a collection (how DAVx5 and Apple tell a
    read-only calendar), as the library reads it."""
    from caldav.elements import dav

    response = calendar._query_properties([dav.CurrentUserPrivilegeSet()], depth=0)
    privilege = "{DAV:}privilege"
    return {child.tag.split("}")[1] for p in response.tree.iter(privilege) for child in p}


def test_a_viewer_cannot_write(connect: Any, alice: DavUser, bob: DavUser) -> None:
    shared = lists.create_list(alice.id, "Read only")
    made = writes.create_task(alice.id, "Look only", list_id=shared.id)
    share(alice, shared.id, bob, "viewer")
    calendar = calendars_by_path(connect(bob))[bob.collection(shared.id)]
    (todo,) = calendar.todos()
    assert "read" in privileges(calendar)
    assert not privileges(calendar) & {"write", "write-content", "bind", "unbind", "all"}

    with pytest.raises(error.DAVError) as new_refused:
        calendar.save_todo(summary="Sneaked in")
    todo.icalendar_component["SUMMARY"] = "Changed by a viewer"
    with pytest.raises(error.DAVError) as change_refused:
        todo.save()
    with pytest.raises(error.DAVError) as delete_refused:
        todo.delete()

    assert (new_refused.value.status, change_refused.value.status) == (403, 403)
    assert delete_refused.value.status == 403
    assert [t.title for t in tasks_of(alice.id)] == ["Look only"]
    assert queries.get_task(alice.id, made.id).title == "Look only"


def test_an_editor_writes_into_the_owners_list(connect: Any, alice: DavUser, bob: DavUser) -> None:
    shared = lists.create_list(alice.id, "Together")
    share(alice, shared.id, bob, "editor")
    calendar = calendars_by_path(connect(bob))[bob.collection(shared.id)]
    assert privileges(calendar) & {"write", "write-content", "all"}

    calendar.save_todo(summary="Bob's idea")

    task = task_titled(alice.id, "Bob's idea")
    assert task.list_id == shared.id and task.created_by == bob.id


# --- what a round trip keeps --------------------------------------------------------------


def test_a_round_trip_keeps_every_mapped_field_a_parent_and_unknown_properties(
    dav_server: DavServer, connect: Any
) -> None:
    paris = make_dav_user("Paula", zone="Europe/Paris")
    work = lists.create_list(paris.id, "Work")
    calendar = calendars_by_path(connect(paris))[paris.collection(work.id)]
    parent_uid = f"parent-{uuid.uuid4()}@interop.test"
    child_uid = f"child-{uuid.uuid4()}@interop.test"

    calendar.save_todo(ical=todo_ics(parent_uid, "Plan the trip", "DUE;VALUE=DATE:20270110"))
    calendar.save_todo(
        ical=todo_ics(
            child_uid,
            "Book the hotel",
            "DESCRIPTION:Near the station\\, with breakfast",
            "PRIORITY:1",
            "CATEGORIES:travel,booking",
            "DUE;TZID=Europe/Paris:20270105T093000",
            "RRULE:FREQ=WEEKLY;BYDAY=TU",
            "X-TODO-FROM-COMPLETION:TRUE",
            f"RELATED-TO;RELTYPE=PARENT:{parent_uid}",
            "X-APPLE-SORT-ORDER:12345",
            "X-INTEROP-COLOR:#ff8800",
            "GEO:48.85;2.35",
            "URL:https://example.com/hotel",
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            "DESCRIPTION:Reminder",
            "TRIGGER;RELATED=END:-PT15M",
            "END:VALARM",
        )
    )

    parent = task_titled(paris.id, "Plan the trip")
    child = task_titled(paris.id, "Book the hotel")
    assert child.description == "Near the station, with breakfast"
    assert child.priority == "high"
    assert sorted(child.tags) == ["booking", "travel"]
    assert (child.due_date, child.due_time) == (date(2027, 1, 5), time(9, 30))
    assert public_recurrence(child.recurrence) == {
        "rule": "FREQ=WEEKLY;BYDAY=TU",
        "from_completion": True,
    }
    assert child.reminders == (15,)
    assert child.parent_id == parent.id and child.list_id == work.id

    # A change made in the app keeps what the client sent and we do not map.
    writes.update_task(paris.id, child.id, title="Book the hotel (done soon)")
    by_uid = {str(t.icalendar_component["UID"]): t for t in calendar.todos()}
    vtodo = the_todo(by_uid[child_uid])

    assert str(vtodo["SUMMARY"]) == "Book the hotel (done soon)"
    assert str(vtodo["DESCRIPTION"]) == "Near the station, with breakfast"
    assert int(vtodo["PRIORITY"]) == 1
    assert categories(vtodo) == ["booking", "travel"]
    due = vtodo["DUE"]
    assert due.params.get("TZID") == "Europe/Paris"
    assert due.dt.replace(tzinfo=None).isoformat() == "2027-01-05T09:30:00"
    assert vtodo["RRULE"].to_ical().decode() == "FREQ=WEEKLY;BYDAY=TU"
    assert str(vtodo["X-TODO-FROM-COMPLETION"]).upper() == "TRUE"
    assert str(vtodo["RELATED-TO"]) == parent_uid
    assert str(vtodo["RELATED-TO"].params.get("RELTYPE", "PARENT")) == "PARENT"
    assert str(vtodo["X-INTEROP-COLOR"]) == "#ff8800"
    assert (vtodo["GEO"].latitude, vtodo["GEO"].longitude) == (48.85, 2.35)
    assert str(vtodo["URL"]) == "https://example.com/hotel"
    alarms = [c for c in vtodo.subcomponents if c.name == "VALARM"]
    assert len(alarms) == 1
    trigger = alarms[0]["TRIGGER"]
    assert trigger.dt.total_seconds() == -15 * 60
    assert str(trigger.params.get("RELATED", "END")) == "END"
    parent_todo = the_todo(by_uid[parent_uid])
    assert parent_todo["DUE"].to_ical().decode() == "20270110"


def test_completing_a_repeating_todo_moves_it_to_the_next_date(
    connect: Any, alice: DavUser
) -> None:
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    uid = f"weekly-{uuid.uuid4()}@interop.test"
    inbox.save_todo(
        ical=todo_ics(uid, "Water the plants", "DUE;VALUE=DATE:20270105", "RRULE:FREQ=WEEKLY")
    )
    (todo,) = inbox.todos()

    todo.complete()  # STATUS:COMPLETED and COMPLETED, as most clients do

    task = task_titled(alice.id, "Water the plants")
    assert task.completed is False
    assert task.due_date == date(2027, 1, 12)
    assert len(queries.history(alice.id, task.id)) == 1
    vtodo = the_todo(todo)
    assert str(vtodo.get("STATUS", "NEEDS-ACTION")) == "NEEDS-ACTION"
    assert vtodo["DUE"].to_ical().decode() == "20270112"


def test_the_librarys_own_handling_of_a_repeating_todo(connect: Any, alice: DavUser) -> None:
    """``complete(handle_rrule=True)`` (mode "safe"): the library saves a new, completed copy
    without the rule, then the original moved to a next date of its own reckoning (a week
    from now: it counts from a DTSTART it sets to now). The server must keep one open
    repeating task at the date the library sent, and the completed copy."""
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    uid = f"weekly-{uuid.uuid4()}@interop.test"
    inbox.save_todo(
        ical=todo_ics(uid, "Take the bins out", "DUE;VALUE=DATE:20270105", "RRULE:FREQ=WEEKLY")
    )
    (todo,) = inbox.todos()

    todo.complete(handle_rrule=True)

    sent_due = todo.icalendar_component["DUE"].dt.astimezone(UTC)
    bins = [t for t in tasks_of(alice.id) if t.title == "Take the bins out"]
    open_ones = [t for t in bins if not t.completed]
    assert len(open_ones) == 1, bins
    assert open_ones[0].due_date == sent_due.date()
    assert open_ones[0].due_time == sent_due.time().replace(second=0, microsecond=0)
    assert public_recurrence(open_ones[0].recurrence) == {
        "rule": "FREQ=WEEKLY",
        "from_completion": False,
    }
    assert [t.due_date for t in bins if t.completed] == [date(2027, 1, 5)]


# --- more of what apps send -----------------------------------------------------------------


def test_uncompleting_a_todo_reopens_the_task(connect: Any, alice: DavUser) -> None:
    made = writes.create_task(alice.id, "Reopen me", completed=True)
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    (todo,) = inbox.todos(include_completed=True)

    todo.uncomplete()

    assert queries.get_task(alice.id, made.id).completed is False
    vtodo = the_todo(todo)
    assert str(vtodo["STATUS"]) == "NEEDS-ACTION" and "COMPLETED" not in vtodo


def test_a_sub_task_sent_before_its_parent_finds_it(connect: Any, alice: DavUser) -> None:
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]
    parent_uid = f"late-parent-{uuid.uuid4()}"

    inbox.save_todo(
        ical=todo_ics(f"early-child-{uuid.uuid4()}", "Early child", f"RELATED-TO:{parent_uid}")
    )
    assert task_titled(alice.id, "Early child").parent_id is None  # no parent yet
    inbox.save_todo(ical=todo_ics(parent_uid, "Late parent"))

    parent = task_titled(alice.id, "Late parent")
    assert task_titled(alice.id, "Early child").parent_id == parent.id
    by_summary = {str(t.icalendar_component["SUMMARY"]): t for t in inbox.todos()}
    assert str(the_todo(by_summary["Early child"])["RELATED-TO"]) == parent_uid


def test_a_due_in_another_zone_is_read_in_the_owners_zone(
    dav_server: DavServer, connect: Any
) -> None:
    paris = make_dav_user("Pierre", zone="Europe/Paris")
    inbox = calendars_by_path(connect(paris))[paris.collection(None)]

    inbox.save_todo(
        ical=todo_ics(
            f"ny-{uuid.uuid4()}", "Call New York", "DUE;TZID=America/New_York:20270105T093000"
        )
    )

    task = task_titled(paris.id, "Call New York")
    assert (task.due_date, task.due_time) == (date(2027, 1, 5), time(15, 30))
    assert task.due_at == datetime(2027, 1, 5, 14, 30, tzinfo=UTC)
    (todo,) = inbox.todos()
    due = the_todo(todo)["DUE"]
    assert due.dt.astimezone(UTC) == datetime(2027, 1, 5, 14, 30, tzinfo=UTC)


def test_text_with_escapes_and_non_ascii_round_trips(connect: Any, alice: DavUser) -> None:
    title = "Café; crème, brûlée 🍮 \\ done"
    description = "Line one\nLine two; with, punctuation\nand a backslash \\"
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]

    inbox.save_todo(summary=title, description=description, categories=["déjà vu", "x,y"])

    task = task_titled(alice.id, title)
    assert task.description == description
    (todo,) = inbox.todos()
    vtodo = the_todo(todo)
    assert str(vtodo["SUMMARY"]) == title
    assert str(vtodo["DESCRIPTION"]) == description
    # "déjà vu" is no tag here (a space): kept as sent, on a CATEGORIES line of its own
    assert categories(vtodo) == ["déjà vu", "x,y"]


def test_an_event_is_refused_in_a_task_list(connect: Any, alice: DavUser) -> None:
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]

    with pytest.raises(error.DAVError) as refused:
        inbox.save_event(
            dtstart=datetime(2027, 1, 5, 9, tzinfo=UTC),
            dtend=datetime(2027, 1, 5, 10, tzinfo=UTC),
            summary="A meeting",
        )

    assert refused.value.status == 403
    assert any("supported-calendar-component" in p for p in refused.value.preconditions)
    assert tasks_of(alice.id) == []


def test_an_unknown_sync_token_is_refused_as_rfc_6578_says(connect: Any, alice: DavUser) -> None:
    writes.create_task(alice.id, "Anything")
    inbox = calendars_by_path(connect(alice))[alice.collection(None)]

    with pytest.raises(error.DAVError) as refused:
        inbox.get_objects_by_sync_token("http://todo.invalid/sync/nope", disable_fallback=True)
    # Without disable_fallback the library starts over with a full sync, as apps do.
    again = inbox.get_objects_by_sync_token("http://todo.invalid/sync/nope", load_objects=True)

    assert refused.value.status == 403
    assert any("valid-sync-token" in p for p in refused.value.preconditions)
    assert [str(o.icalendar_component["SUMMARY"]) for o in again] == ["Anything"]


def test_deleting_a_calendar_deletes_the_list(connect: Any, alice: DavUser) -> None:
    client = connect(alice)
    made = client.principal().make_calendar(
        name="Short-lived", supported_calendar_component_set=["VTODO"]
    )
    made.save_todo(summary="Inside it")

    made.delete()

    assert [item.name for item in lists.list_lists(alice.id)] == []
    names = [cal.get_display_name() for cal in calendars_by_path(client).values()]
    assert "Short-lived" not in names
    # What was in it is where the app puts a deleted list's tasks: none is lost silently.
    assert [t.title for t in tasks_of(alice.id)] in ([], ["Inside it"])


@pytest.mark.parametrize(
    "order",
    ["delete first", "put first"],
)
def test_a_parent_moved_by_delete_and_put_keeps_its_sub_task(
    connect: Any, alice: DavUser, order: str
) -> None:
    """How vdirsyncer moves a file to another folder (todoman's ``move``): DELETE from one
    collection and PUT (same UID, If-None-Match: *) into the other. It syncs collections
    concurrently, so either may reach the server first; the sub-task, whose resource the
    client does not touch, must end up under the parent again either way."""
    work = lists.create_list(alice.id, "Work")
    parent = writes.create_task(alice.id, "Parent")
    writes.create_task(alice.id, "Child", parent_id=parent.id)
    found = calendars_by_path(connect(alice))
    inbox, target = found[alice.collection(None)], found[alice.collection(work.id)]
    by_summary = {str(t.icalendar_component["SUMMARY"]): t for t in inbox.todos()}
    old = by_summary["Parent"]
    old.load()
    text = old.data

    if order == "delete first":
        old.delete()
    target.save_todo(ical=text, no_overwrite=True)
    if order == "put first":
        old.delete()

    moved, child = task_titled(alice.id, "Parent"), task_titled(alice.id, "Child")
    assert moved.list_id == work.id
    assert (child.parent_id, child.list_id) == (moved.id, work.id)
