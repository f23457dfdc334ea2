"""The CalDAV server through HTTP, in process: discovery, the collections, PUT/GET/DELETE with
ETags and preconditions, the reports, sharing, and every refusal a client can meet. The real
clients (caldav, vdirsyncer, todoman) drive a real server in tests/interop/."""

from __future__ import annotations

import base64
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from icalendar import Calendar

from tests.factories import make_account, make_task
from todo_app.auth import access_tokens
from todo_app.interop.caldav import store
from todo_app.interop.caldav.app import create_dav_app
from todo_app.lists import service as lists_service
from todo_app.lists import sharing
from todo_app.tasks import deletes, queries, unit_of_work, writes
from todo_app.tasks.types import TaskChange, TaskQuery

D = "{DAV:}"
C = "{urn:ietf:params:xml:ns:caldav}"
CS = "{http://calendarserver.org/ns/}"


@dataclass(frozen=True)
class Dav:
    """A signed-in CalDAV caller."""

    client: TestClient
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        raw = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
        return {"Authorization": f"Basic {raw}"}

    @property
    def home(self) -> str:
        return f"/dav/calendars/{self.user_id}/"

    def request(self, method: str, path: str, body: str | bytes = b"", **headers: str):
        return self.client.request(method, path, content=body, headers={**self.auth, **headers})

    def propfind(self, path: str, props: str, depth: str = "0"):
        body = f'<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/"><d:prop>{props}</d:prop></d:propfind>'
        return self.request("PROPFIND", path, body, Depth=depth)

    def report(self, path: str, body: str):
        return self.request("REPORT", path, body, Depth="1")


def vtodo(uid: str, summary: str = "Buy milk", more: str = "") -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//EN",
        "BEGIN:VTODO",
        f"UID:{uid}",
        "DTSTAMP:20261207T100000Z",
        f"SUMMARY:{summary}",
        *[line for line in more.split("\n") if line],
        "END:VTODO",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines)


def responses(body: bytes) -> dict[str, ET.Element]:
    root = SafeET.fromstring(body)
    return {r.findtext(f"{D}href"): r for r in root.findall(f"{D}response")}


@pytest.fixture(scope="module")
def dav_app():
    return create_dav_app()


@pytest.fixture
def client(db: None, dav_app) -> Iterator[TestClient]:
    with TestClient(dav_app) as test_client:
        yield test_client


def caller(client: TestClient, name: str = "Ann", scopes: tuple[str, ...] = ("caldav",)) -> Dav:
    account = make_account(name)
    token = access_tokens.create(account.id, "phone", list(scopes), None).token
    return Dav(client, account.id, account.email, token)


@pytest.fixture
def ann(client: TestClient) -> Dav:
    return caller(client)


# --- discovery and authentication ------------------------------------------------------


def test_well_known_redirects_to_the_server(client: TestClient) -> None:
    response = client.request("PROPFIND", "/.well-known/caldav", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/dav/"


def test_discovery_leads_from_the_root_to_the_calendar_home(ann: Dav) -> None:
    root = ann.propfind("/dav/", "<d:current-user-principal/>")
    assert root.status_code == 207
    principal = SafeET.fromstring(root.content).find(f".//{D}current-user-principal/{D}href").text
    assert principal == f"/dav/principals/{ann.user_id}/"
    found = ann.propfind(principal, "<c:calendar-home-set/><c:calendar-user-address-set/>")
    home = SafeET.fromstring(found.content).find(f".//{C}calendar-home-set/{D}href").text
    assert home == ann.home
    assert f"mailto:{ann.email}" in found.text


def test_no_credentials_get_401_with_the_realm(client: TestClient) -> None:
    response = client.request("PROPFIND", "/dav/", headers={"Depth": "0"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


def test_the_wrong_email_or_token_gets_401(ann: Dav, client: TestClient) -> None:
    other = base64.b64encode(f"someone@example.com:{ann.token}".encode()).decode()
    response = client.request("PROPFIND", "/dav/", headers={"Authorization": f"Basic {other}"})
    assert response.status_code == 401
    bad = base64.b64encode(f"{ann.email}:todo_pat_{'x' * 43}".encode()).decode()
    response = client.request("PROPFIND", "/dav/", headers={"Authorization": f"Basic {bad}"})
    assert response.status_code == 401


def test_a_token_without_the_caldav_scope_is_refused_with_the_reason(client: TestClient) -> None:
    reader = caller(client, scopes=("tasks:read",))
    response = reader.propfind("/dav/", "<d:current-user-principal/>")
    assert response.status_code == 403
    assert b"lacks the scope caldav" in response.content


def test_another_users_home_is_not_found(ann: Dav, client: TestClient) -> None:
    bob = caller(client, "Bob")
    assert ann.propfind(bob.home, "<d:displayname/>").status_code == 404
    assert ann.propfind(f"/dav/principals/{bob.user_id}/", "<d:displayname/>").status_code == 404


# --- collections ---------------------------------------------------------------------------


def test_the_home_lists_the_inbox_and_each_list_as_vtodo_calendars(ann: Dav) -> None:
    work = lists_service.create_list(ann.user_id, "Work")
    found = ann.propfind(
        ann.home,
        "<d:displayname/><d:resourcetype/><c:supported-calendar-component-set/><cs:getctag/>",
        depth="1",
    )
    assert found.status_code == 207
    by_href = responses(found.content)
    inbox, listed = by_href[f"{ann.home}inbox/"], by_href[f"{ann.home}{work.id}/"]
    assert inbox.findtext(f".//{D}displayname") == "Inbox"
    assert listed.findtext(f".//{D}displayname") == "Work"
    assert listed.find(f".//{D}resourcetype/{C}calendar") is not None
    assert [c.get("name") for c in listed.iter(f"{C}comp")] == ["VTODO"]


def test_mkcalendar_makes_a_list(ann: Dav) -> None:
    body = (
        '<c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop>'
        "<d:displayname>Garden</d:displayname></d:prop></d:set></c:mkcalendar>"
    )
    segment = str(uuid.uuid4())
    response = ann.request("MKCALENDAR", f"{ann.home}{segment}/", body)
    assert response.status_code == 201
    assert [(str(row.id), row.name) for row in lists_service.list_lists(ann.user_id)] == [
        (segment, "Garden")
    ]
    again = ann.request("MKCALENDAR", f"{ann.home}{segment}/", body)
    assert again.status_code == 405


def test_mkcalendar_under_a_plain_name_keeps_that_address(ann: Dav) -> None:
    assert ann.request("MKCALENDAR", f"{ann.home}errands/").status_code == 201
    put = ann.request(
        "PUT", f"{ann.home}errands/a.ics", vtodo("a"), **{"Content-Type": "text/calendar"}
    )
    assert put.status_code == 201
    [task] = queries.list_tasks(ann.user_id).items
    assert task.list_id == lists_service.list_lists(ann.user_id)[0].id


# --- objects -------------------------------------------------------------------------------


def test_put_get_round_trip_and_etags(ann: Dav) -> None:
    path = f"{ann.home}inbox/milk-1.ics"
    more = "X-CLIENT-THING;P=1:kept\nPRIORITY:1\nCATEGORIES:home,shop"
    created = ann.request("PUT", path, vtodo("milk-1", more=more), **{"If-None-Match": "*"})
    assert created.status_code == 201
    got = ann.request("GET", path)
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("text/calendar")
    todo = Calendar.from_ical(got.content).walk("VTODO")[0]
    assert str(todo["UID"]) == "milk-1"
    assert str(todo["SUMMARY"]) == "Buy milk"
    assert str(todo["X-CLIENT-THING"]) == "kept"
    assert todo["X-CLIENT-THING"].params["P"] == "1"
    [task] = queries.list_tasks(ann.user_id).items
    assert (task.title, task.priority, task.tags) == ("Buy milk", "high", ("home", "shop"))
    etag = got.headers["etag"]
    assert etag.startswith('"')
    # Same ETag until something changes; a change on the page changes it.
    assert ann.request("GET", path).headers["etag"] == etag
    writes.update_task(ann.user_id, task.id, title="Buy oat milk")
    assert ann.request("GET", path).headers["etag"] != etag


def test_a_stale_if_match_gets_412_and_nothing_is_lost(ann: Dav) -> None:
    path = f"{ann.home}inbox/t.ics"
    ann.request("PUT", path, vtodo("t"))
    etag = ann.request("GET", path).headers["etag"]
    first = ann.request("PUT", path, vtodo("t", "First edit"), **{"If-Match": etag})
    assert first.status_code == 204
    second = ann.request("PUT", path, vtodo("t", "Second edit"), **{"If-Match": etag})
    assert second.status_code == 412
    [task] = queries.list_tasks(ann.user_id).items
    assert task.title == "First edit"
    assert ann.request("DELETE", path, **{"If-Match": etag}).status_code == 412
    assert (
        ann.request("PUT", path, vtodo("t", "Again"), **{"If-None-Match": "*"}).status_code == 412
    )


def test_a_task_made_on_the_page_is_its_id(ann: Dav) -> None:
    task = make_task(ann.user_id, "From the page")
    got = ann.request("GET", f"{ann.home}inbox/{task.id}.ics")
    assert got.status_code == 200
    assert str(Calendar.from_ical(got.content).walk("VTODO")[0]["UID"]) == str(task.id)


def test_delete_removes_the_task(ann: Dav) -> None:
    path = f"{ann.home}inbox/gone.ics"
    ann.request("PUT", path, vtodo("gone"))
    assert ann.request("DELETE", path).status_code == 204
    assert queries.list_tasks(ann.user_id).items == []
    assert ann.request("GET", path).status_code == 404


def test_the_same_uid_twice_in_a_collection_is_a_uid_conflict(ann: Dav) -> None:
    ann.request("PUT", f"{ann.home}inbox/one.ics", vtodo("same"))
    response = ann.request("PUT", f"{ann.home}inbox/two.ics", vtodo("same"))
    assert response.status_code == 403
    assert b"no-uid-conflict" in response.content
    assert f"{ann.home}inbox/one.ics".encode() in response.content


def test_a_subtask_uploaded_before_its_parent_is_adopted(ann: Dav) -> None:
    child = vtodo("child", "Child", "RELATED-TO;RELTYPE=PARENT:parent")
    assert ann.request("PUT", f"{ann.home}inbox/child.ics", child).status_code == 201
    assert (
        ann.request("PUT", f"{ann.home}inbox/parent.ics", vtodo("parent", "Parent")).status_code
        == 201
    )
    tasks = {t.title: t for t in queries.list_tasks(ann.user_id).items}
    assert tasks["Child"].parent_id == tasks["Parent"].id
    got = Calendar.from_ical(ann.request("GET", f"{ann.home}inbox/child.ics").content)
    assert str(got.walk("VTODO")[0]["RELATED-TO"]) == "parent"


def test_completing_a_recurring_task_moves_it_to_the_next_date(ann: Dav) -> None:
    path = f"{ann.home}inbox/weekly.ics"
    more = "DUE;VALUE=DATE:20261207\nRRULE:FREQ=WEEKLY"
    ann.request("PUT", path, vtodo("weekly", "Bins", more))
    done = more + "\nSTATUS:COMPLETED\nCOMPLETED:20261207T120000Z"
    response = ann.request("PUT", path, vtodo("weekly", "Bins", done))
    assert response.status_code == 204
    assert "etag" not in response.headers  # stored differs from what was sent
    [task] = queries.list_tasks(ann.user_id).items
    assert (task.completed, str(task.due_date)) == (False, "2026-12-14")


def test_bad_data_is_refused_with_the_reason(ann: Dav) -> None:
    path = f"{ann.home}inbox/bad.ics"
    not_ical = ann.request("PUT", path, "hello")
    assert not_ical.status_code == 403
    assert b"valid-calendar-data" in not_ical.content
    event = vtodo("e").replace("VTODO", "VEVENT")
    assert b"supported-calendar-component" in ann.request("PUT", path, event).content
    long_title = ann.request("PUT", path, vtodo("bad", "x" * 500))
    assert long_title.status_code == 403
    assert b"Title must be at most" in long_title.content
    wrong_type = ann.request("PUT", path, vtodo("bad"), **{"Content-Type": "application/json"})
    assert wrong_type.status_code == 415
    assert queries.list_tasks(ann.user_id).items == []


def test_a_body_over_the_limit_is_413(ann: Dav) -> None:
    response = ann.request("PUT", f"{ann.home}inbox/big.ics", b"x" * 1_000_001)
    assert response.status_code == 413


def test_an_object_over_its_size_is_refused_before_it_is_read(ann: Dav) -> None:
    big = vtodo("big", "Big", "X-PAD:" + "y" * 130_000)
    response = ann.request("PUT", f"{ann.home}inbox/big.ics", big)
    assert response.status_code == 403
    assert b"max-resource-size" in response.content
    assert queries.list_tasks(ann.user_id).items == []


def test_xml_with_entities_is_refused(ann: Dav) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        '<d:propfind xmlns:d="DAV:"><d:prop>&a;</d:prop></d:propfind>'
    )
    response = ann.request("PROPFIND", "/dav/", bomb, Depth="0")
    assert response.status_code == 400


# --- reports -------------------------------------------------------------------------------


def test_multiget_returns_the_asked_objects_and_404_for_the_rest(ann: Dav) -> None:
    for uid in ("a", "b"):
        ann.request("PUT", f"{ann.home}inbox/{uid}.ics", vtodo(uid, uid.upper()))
    body = f"""<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/><c:calendar-data/></d:prop>
      <d:href>{ann.home}inbox/a.ics</d:href><d:href>{ann.home}inbox/nope.ics</d:href>
    </c:calendar-multiget>"""
    found = responses(ann.report(f"{ann.home}inbox/", body).content)
    assert "SUMMARY:A" in found[f"{ann.home}inbox/a.ics"].findtext(f".//{C}calendar-data")
    assert "404" in found[f"{ann.home}inbox/nope.ics"].findtext(f"{D}status")


def test_calendar_query_for_open_tasks(ann: Dav) -> None:
    ann.request("PUT", f"{ann.home}inbox/open.ics", vtodo("open", "Open"))
    done = "STATUS:COMPLETED\nCOMPLETED:20261207T120000Z"
    ann.request("PUT", f"{ann.home}inbox/done.ics", vtodo("done", "Done", done))
    body = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
        <c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter>
        <c:prop-filter name="STATUS">
          <c:text-match negate-condition="yes">CANCELLED</c:text-match>
        </c:prop-filter>
      </c:comp-filter></c:comp-filter></c:filter>
    </c:calendar-query>"""
    found = responses(ann.report(f"{ann.home}inbox/", body).content)
    assert list(found) == [f"{ann.home}inbox/open.ics"]


def test_calendar_query_by_time_range_of_the_due(ann: Dav) -> None:
    ann.request(
        "PUT", f"{ann.home}inbox/soon.ics", vtodo("soon", "Soon", "DUE;VALUE=DATE:20261210")
    )
    ann.request(
        "PUT", f"{ann.home}inbox/later.ics", vtodo("later", "Later", "DUE;VALUE=DATE:20270110")
    )
    body = """<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <d:prop><d:getetag/></d:prop>
      <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO">
        <c:time-range start="20261207T000000Z" end="20261214T000000Z"/>
      </c:comp-filter></c:comp-filter></c:filter>
    </c:calendar-query>"""
    found = responses(ann.report(f"{ann.home}inbox/", body).content)
    assert list(found) == [f"{ann.home}inbox/soon.ics"]


def _sync(dav: Dav, path: str, token: str) -> tuple[dict[str, ET.Element], str]:
    body = f"""<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
      <d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
    response = dav.report(path, body)
    assert response.status_code == 207, response.text
    root = SafeET.fromstring(response.content)
    return responses(response.content), root.findtext(f"{D}sync-token")


def test_sync_collection_reports_changes_and_removals_since_a_token(ann: Dav) -> None:
    inbox = f"{ann.home}inbox/"
    ann.request("PUT", f"{inbox}a.ics", vtodo("a"))
    ann.request("PUT", f"{inbox}b.ics", vtodo("b"))
    first, token = _sync(ann, inbox, "")
    assert set(first) == {f"{inbox}a.ics", f"{inbox}b.ics"}
    same, again = _sync(ann, inbox, token)
    assert (same, again) == ({}, token)
    # A change on the page, a deletion, a task moved out to a list, and a new task.
    work = lists_service.create_list(ann.user_id, "Work")
    made = make_task(ann.user_id, "New on the page")
    ann.request("DELETE", f"{inbox}b.ics")
    moved = ann.request("GET", f"{inbox}a.ics")
    assert moved.status_code == 200
    [a_task] = [t for t in queries.list_tasks(ann.user_id).items if t.id != made.id]
    writes.update_task(ann.user_id, a_task.id, list_id=work.id)
    changed, newer = _sync(ann, inbox, token)
    assert newer != token
    assert f"{inbox}{made.id}.ics" in changed
    assert "404" in changed[f"{inbox}b.ics"].findtext(f"{D}status")
    assert "404" in changed[f"{inbox}a.ics"].findtext(f"{D}status")
    work_sync, _ = _sync(ann, f"{ann.home}{work.id}/", "")
    assert list(work_sync) == [f"{ann.home}{work.id}/a.ics"]


def test_an_unknown_sync_token_asks_for_a_new_sync(ann: Dav) -> None:
    token = "urn:x-todo:sync:" + "0" * 32
    body = f"""<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
      <d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""
    response = ann.report(f"{ann.home}inbox/", body)
    assert response.status_code == 403
    assert b"valid-sync-token" in response.content


# --- sharing -------------------------------------------------------------------------------


def _share(owner: Dav, member: Dav, role: str) -> uuid.UUID:
    listed = lists_service.create_list(owner.user_id, f"Shared {role}")
    invitation = sharing.invite(owner.user_id, listed.id, member.email, role)
    sharing.accept(member.user_id, invitation.id)
    return listed.id


def test_a_shared_list_shows_for_a_member_and_a_viewer_cannot_write(
    ann: Dav, client: TestClient
) -> None:
    bob = caller(client, "Bob")
    list_id = _share(ann, bob, "viewer")
    task = make_task(ann.user_id, "Shared task", list_id=list_id)
    found = responses(
        bob.propfind(bob.home, "<d:displayname/><d:current-user-privilege-set/>", "1").content
    )
    mine = found[f"{bob.home}{list_id}/"]
    assert mine.findtext(f".//{D}displayname") == "Shared viewer"
    assert mine.find(f".//{D}privilege/{D}write") is None
    path = f"{bob.home}{list_id}/{task.id}.ics"
    assert bob.request("GET", path).status_code == 200
    refused = bob.request("PUT", path, vtodo(str(task.id), "Changed"))
    assert refused.status_code == 403
    assert b"ask its owner" in refused.content
    assert bob.request("DELETE", path).status_code == 403
    assert queries.get_task(ann.user_id, task.id).title == "Shared task"


def test_an_editor_writes_into_the_owners_list(ann: Dav, client: TestClient) -> None:
    bob = caller(client, "Bob")
    list_id = _share(ann, bob, "editor")
    response = bob.request("PUT", f"{bob.home}{list_id}/x.ics", vtodo("x", "From Bob"))
    assert response.status_code == 201
    [task] = queries.list_tasks(ann.user_id, query=TaskQuery(list_id=str(list_id))).items
    assert task.title == "From Bob"


def test_a_list_not_shared_with_the_caller_is_not_found(ann: Dav, client: TestClient) -> None:
    bob = caller(client, "Bob")
    private = lists_service.create_list(ann.user_id, "Private")
    assert bob.propfind(f"{bob.home}{private.id}/", "<d:displayname/>").status_code == 404
    assert bob.request("PUT", f"{bob.home}{private.id}/x.ics", vtodo("x")).status_code == 404


def test_caldav_writes_are_announced_to_the_open_pages(ann: Dav) -> None:
    """The same unit of work as every door: the live updates hear each committed change."""
    heard: list[TaskChange] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        path = f"{ann.home}inbox/live.ics"
        ann.request("PUT", path, vtodo("live", "From the phone"))
        ann.request("PUT", path, vtodo("live", "Changed on the phone"))
        ann.request("DELETE", path)
        refused = ann.request("PUT", path, vtodo("live", "x" * 500))
        assert refused.status_code == 403
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    titles = [[t.title for t in change.upserted] for change in heard]
    assert titles == [["From the phone"], ["Changed on the phone"], []]
    assert heard[2].removed and len(heard) == 3  # nothing announced for the refused write


def test_a_client_that_makes_the_next_occurrence_itself_completes_the_old_one(ann: Dav) -> None:
    """todoman (and caldav's complete(handle_rrule=True)) write the next occurrence as a new
    task and the old one as completed without its RRULE: that is a plain completion."""
    path = f"{ann.home}inbox/plants.ics"
    repeating = "DUE;VALUE=DATE:20270105\nRRULE:FREQ=WEEKLY"
    ann.request("PUT", path, vtodo("plants", "Water the plants", repeating))
    done = "DUE;VALUE=DATE:20270105\nSTATUS:COMPLETED\nCOMPLETED:20261207T195445Z"
    assert ann.request("PUT", path, vtodo("plants", "Water the plants", done)).status_code == 204
    [task] = queries.list_tasks(ann.user_id).items
    assert (task.completed, str(task.due_date), task.recurrence) == (True, "2027-01-05", None)


def test_deleting_a_parent_keeps_its_subtasks_for_when_it_comes_back(ann: Dav) -> None:
    """A client moving a parent to another list deletes it here and puts it there."""
    ann.request("PUT", f"{ann.home}inbox/p.ics", vtodo("p", "Parent"))
    ann.request("PUT", f"{ann.home}inbox/c.ics", vtodo("c", "Child", "RELATED-TO:p"))
    assert ann.request("DELETE", f"{ann.home}inbox/p.ics").status_code == 204
    [child] = queries.list_tasks(ann.user_id).items
    assert (child.title, child.parent_id) == ("Child", None)
    got = Calendar.from_ical(ann.request("GET", f"{ann.home}inbox/c.ics").content)
    assert str(got.walk("VTODO")[0]["RELATED-TO"]) == "p"  # the client's link, kept
    # The parent comes back, in another list (todoman's "move"): the child goes under it,
    # into its list, as a sub-task always is.
    work = lists_service.create_list(ann.user_id, "Work")
    ann.request("PUT", f"{ann.home}{work.id}/p.ics", vtodo("p", "Parent"))
    tasks = {t.title: t for t in queries.list_tasks(ann.user_id).items}
    assert tasks["Child"].parent_id == tasks["Parent"].id
    assert tasks["Child"].list_id == work.id


def _ctag(dav: Dav, path: str) -> str:
    found = dav.propfind(path, "<cs:getctag/>")
    return SafeET.fromstring(found.content).findtext(f".//{CS}getctag")


def test_the_ctag_moves_with_every_kind_of_change(ann: Dav) -> None:
    """The collection's state is kept between polls and read again when its fingerprint
    moves: each change below must show."""
    inbox = f"{ann.home}inbox/"
    ann.request("PUT", f"{inbox}a.ics", vtodo("a", "A", "X-KEPT:1"))
    seen = [_ctag(ann, inbox)]
    assert _ctag(ann, inbox) == seen[-1]  # nothing changed: the same

    def changed() -> None:
        now = _ctag(ann, inbox)
        assert now != seen[-1]  # (an empty Inbox twice has the same ctag: the same content)
        seen.append(now)

    ann.request("PUT", f"{inbox}a.ics", vtodo("a", "A", "X-KEPT:2"))  # only a kept property
    changed()
    [task] = queries.list_tasks(ann.user_id).items
    writes.update_task(ann.user_id, task.id, tags=["home"])  # on the page
    changed()
    deleted = deletes.delete_task(ann.user_id, task.id)
    changed()
    deletes.restore_tasks(ann.user_id, [deleted])  # Undo
    changed()
    made = make_task(ann.user_id, "Another")
    changed()
    work = lists_service.create_list(ann.user_id, "Work")
    writes.update_task(ann.user_id, task.id, list_id=work.id)  # moved out
    changed()
    writes.update_task(ann.user_id, made.id, title="Another, renamed")
    changed()
    # Brought up to date a change at a time, the state is what a full read makes of it.
    coll = store.collection(ann.user_id, "inbox")
    kept = store.state(coll)
    store._cache.clear()  # (what a new process would read)
    assert store.state(coll) == kept


def test_a_listing_of_etags_matches_the_objects(ann: Dav) -> None:
    for uid in ("a", "b"):
        ann.request("PUT", f"{ann.home}inbox/{uid}.ics", vtodo(uid))
    listed = responses(ann.propfind(f"{ann.home}inbox/", "<d:getetag/>", "1").content)
    for name in ("a.ics", "b.ics"):
        href = f"{ann.home}inbox/{name}"
        assert listed[href].findtext(f".//{D}getetag") == ann.request("GET", href).headers["etag"]
