"""vdirsyncer (a CalDAV collection to a folder of .ics files and back) and todoman (the
command-line todo list that reads that folder), as pinned, against our CalDAV server.

Each program runs as its own process, with a config file in the test's folder and its own
HOME; the configs are README's ("Sync with your phone": ``url = .../dav/``, displaynames
through ``metasync``, todoman reading the folder), with ``collections = ["from a", "from
b"]``. One test gives vdirsyncer the bare server URL instead: it then finds the principal
through ``/.well-known/caldav``, the calendar home, then the collections.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

import icalendar
import pytest

from tests.interop.conftest import (
    DavServer,
    DavUser,
    require_program,
    run_program,
    task_titled,
    tasks_of,
)
from todo_app.lists import service as lists
from todo_app.tasks import queries, writes
from todo_app.tasks.types import public_recurrence

VDIRSYNCER_CONFIG = """\
[general]
status_path = "{root}/status/"

[pair todo]
a = "todo_local"
b = "todo_remote"
collections = ["from a", "from b"]
metadata = ["displayname"]
conflict_resolution = "b wins"

[storage todo_local]
type = "filesystem"
path = "{root}/calendars/"
fileext = ".ics"

[storage todo_remote]
type = "caldav"
url = "{url}"
username = "{username}"
password = "{password}"
item_types = ["VTODO"]
"""

TODOMAN_CONFIG = """\
path = "{root}/calendars/*"
date_format = "%Y-%m-%d"
time_format = "%H:%M"
default_list = "Inbox"
default_due = 0
"""


@dataclass
class Sync:
    """A vdirsyncer pair (the user's server collections and ``calendars/`` here), and the
    todoman config that reads the folder."""

    root: Path
    user: DavUser
    server_url: str

    def configure(self, url: str) -> None:
        """Both configs, vdirsyncer's pointed at ``url``."""
        values = {
            "root": self.root,
            "url": url,
            "username": self.user.email,
            "password": self.user.token,
        }
        (self.root / "vdirsyncer.conf").write_text(VDIRSYNCER_CONFIG.format(**values))
        (self.root / "todoman.py").write_text(TODOMAN_CONFIG.format(**values))

    def start(self) -> str:
        """README's first run: discover, metasync, sync; the discovery's output."""
        found = self.vdirsyncer("discover")
        self.vdirsyncer("metasync")
        self.sync()
        return found

    @property
    def calendars(self) -> Path:
        return self.root / "calendars"

    def vdirsyncer(self, *args: str) -> str:
        program = require_program("vdirsyncer")
        config = self.root / "vdirsyncer.conf"
        # discover asks before it makes each missing local folder: yes to all
        answers = "y\n" * 20 if args[:1] == ("discover",) else ""
        result = run_program([program, "-c", config, *args], home=self.root, stdin=answers)
        return result.stdout + result.stderr

    def sync(self) -> str:
        return self.vdirsyncer("sync")

    def todo(self, *args: str) -> str:
        program = require_program("todo")
        config = self.root / "todoman.py"
        return run_program([program, "--config", config, *args], home=self.root).stdout

    def todo_list(self) -> list[dict[str, object]]:
        return json.loads(self.todo("--porcelain", "list", "--status", "ANY"))

    def local_todos(self, collection: str) -> dict[str, icalendar.Todo]:
        """The folder's VTODOs by SUMMARY."""
        found: dict[str, icalendar.Todo] = {}
        for path in sorted((self.calendars / collection).glob("*.ics")):
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
            for todo in calendar.walk("VTODO"):
                found[str(todo["SUMMARY"])] = todo
        return found

    def local_file(self, collection: str, summary: str) -> Path:
        for path in sorted((self.calendars / collection).glob("*.ics")):
            calendar = icalendar.Calendar.from_ical(path.read_bytes())
            if any(str(t["SUMMARY"]) == summary for t in calendar.walk("VTODO")):
                return path
        raise AssertionError(f"no local file with SUMMARY {summary!r} in {collection}")


@pytest.fixture
def synced(tmp_path: Path, dav_server: DavServer, alice: DavUser) -> Sync:
    """Alice's pair, configured as README says (not yet discovered)."""
    require_program("vdirsyncer")
    pair = Sync(tmp_path, alice, dav_server.url)
    pair.configure(f"{dav_server.url}/dav/")
    (tmp_path / "status").mkdir()
    (tmp_path / "calendars").mkdir()
    return pair


# --- vdirsyncer ---------------------------------------------------------------------------


def test_vdirsyncer_discovers_from_the_bare_url_and_syncs_the_lists(
    synced: Sync, alice: DavUser
) -> None:
    work = lists.create_list(alice.id, "Work")
    report = writes.create_task(
        alice.id, "Write report", "Two pages", list_id=work.id, priority="low", tags=["q1"]
    )
    milk = writes.create_task(alice.id, "Buy milk", due_date="2027-01-05")
    synced.configure(synced.server_url)  # http://127.0.0.1:<port>, no path

    output = synced.start()

    assert str(work.id) in output and "inbox" in output
    assert sorted(p.name for p in synced.calendars.iterdir()) == sorted(["inbox", str(work.id)])
    assert {p.name for p in (synced.calendars / str(work.id)).iterdir()} == {
        "displayname",
        f"{report.id}.ics",
    }
    assert (synced.calendars / str(work.id) / "displayname").read_text().strip() == "Work"
    inbox = synced.local_todos("inbox")
    assert list(inbox) == ["Buy milk"]
    assert str(inbox["Buy milk"]["UID"]) == str(milk.id)
    assert inbox["Buy milk"]["DUE"].to_ical().decode() == "20270105"
    work_todo = synced.local_todos(str(work.id))["Write report"]
    assert str(work_todo["DESCRIPTION"]) == "Two pages"
    assert int(work_todo["PRIORITY"]) == 9
    assert [str(c) for c in work_todo["CATEGORIES"].cats] == ["q1"]


def test_a_local_edit_syncs_back_and_server_changes_sync_down(synced: Sync, alice: DavUser) -> None:
    made = writes.create_task(alice.id, "Call the plumber")
    synced.start()
    path = synced.local_file("inbox", "Call the plumber")

    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    (todo,) = calendar.walk("VTODO")
    todo["SUMMARY"] = "Call the plumber today"
    todo.add("PRIORITY", 1)
    todo.add("X-LOCAL-NOTE", "kept by the server")
    path.write_bytes(calendar.to_ical())
    synced.sync()

    task = queries.get_task(alice.id, made.id)
    assert (task.title, task.priority) == ("Call the plumber today", "high")

    writes.update_task(alice.id, made.id, description="Ask for a quote")
    added = writes.create_task(alice.id, "Made on the page")
    synced.sync()

    inbox = synced.local_todos("inbox")
    assert sorted(inbox) == ["Call the plumber today", "Made on the page"]
    assert str(inbox["Call the plumber today"]["DESCRIPTION"]) == "Ask for a quote"
    assert str(inbox["Call the plumber today"]["X-LOCAL-NOTE"]) == "kept by the server"
    assert (synced.calendars / "inbox" / f"{added.id}.ics").exists()


def test_a_local_new_file_and_a_local_delete_reach_the_server(synced: Sync, alice: DavUser) -> None:
    doomed = writes.create_task(alice.id, "Old idea")
    synced.start()
    uid = f"local-{uuid.uuid4()}"
    (synced.calendars / "inbox" / f"{uid}.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Interop tests//EN\r\n"
        f"BEGIN:VTODO\r\nUID:{uid}\r\nDTSTAMP:20261201T120000Z\r\n"
        "SUMMARY:Written in an editor\r\nDUE;VALUE=DATE:20270301\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )
    synced.local_file("inbox", "Old idea").unlink()

    synced.sync()

    assert [t.title for t in tasks_of(alice.id)] == ["Written in an editor"]
    assert task_titled(alice.id, "Written in an editor").due_date == date(2027, 3, 1)
    assert doomed.id not in {t.id for t in tasks_of(alice.id)}
    synced.sync()  # and nothing comes back down
    assert sorted(synced.local_todos("inbox")) == ["Written in an editor"]


# --- todoman ------------------------------------------------------------------------------


def test_todoman_lists_and_completes_through_vdirsyncer(synced: Sync, alice: DavUser) -> None:
    require_program("todo")
    work = lists.create_list(alice.id, "Work")
    report = writes.create_task(alice.id, "Write report", list_id=work.id, due_date="2027-02-01")
    writes.create_task(alice.id, "Buy milk", priority="high")
    synced.start()

    listed = {item["summary"]: item for item in synced.todo_list()}

    assert sorted(listed) == ["Buy milk", "Write report"]
    assert listed["Write report"]["list"] == "Work"  # the displayname, after metasync
    assert listed["Buy milk"]["list"] == "Inbox"
    assert listed["Buy milk"]["priority"] == 1
    assert listed["Write report"]["completed"] is False

    synced.todo("done", str(listed["Write report"]["id"]))
    synced.sync()

    assert queries.get_task(alice.id, report.id).completed is True
    assert queries.get_task(alice.id, report.id).due_date == date(2027, 2, 1)
    assert {i["summary"]: i["completed"] for i in synced.todo_list()} == {
        "Buy milk": False,
        "Write report": True,
    }


def test_todoman_new_tasks_reach_the_server(synced: Sync, alice: DavUser) -> None:
    """README's example, with more fields: ``todo new --list <name>``, then a sync."""
    require_program("todo")
    work = lists.create_list(alice.id, "Work")
    synced.start()

    synced.todo("new", "--list", "Inbox", "Buy bread")
    synced.todo(
        "new", "--list", "Work", "--due", "2027-01-05 09:30", "--priority", "high",
        "-c", "office", "Send the invoice",
    )  # fmt: skip
    synced.sync()

    bread = task_titled(alice.id, "Buy bread")
    assert (bread.list_id, bread.completed, bread.due_date) == (None, False, None)
    invoice = task_titled(alice.id, "Send the invoice")
    assert invoice.list_id == work.id
    assert (invoice.due_date, invoice.due_time) == (date(2027, 1, 5), time(9, 30))
    assert (invoice.priority, invoice.tags) == ("high", ("office",))
    # Synced down again, nothing doubles.
    synced.sync()
    assert sorted(i["summary"] for i in synced.todo_list()) == ["Buy bread", "Send the invoice"]


def test_todoman_completing_a_repeating_task(synced: Sync, alice: DavUser) -> None:
    """todoman completes a repeating task its own way: the old VTODO loses its RRULE and is
    COMPLETED, and a new VTODO (new UID) carries the rule from the next date. After a sync
    the server must end with one open task at the next date, repeating, and the completion
    recorded: never two open copies."""
    require_program("todo")
    writes.create_task(
        alice.id,
        "Water the plants",
        due_date="2027-01-05",
        recurrence={"rule": "FREQ=WEEKLY", "from_completion": False},
    )
    synced.start()
    (item,) = synced.todo_list()
    assert item["recurring"] is True

    synced.todo("done", str(item["id"]))
    synced.sync()

    plants = [t for t in tasks_of(alice.id) if t.title == "Water the plants"]
    open_ones = [t for t in plants if not t.completed]
    assert len(open_ones) == 1, plants
    assert open_ones[0].due_date == date(2027, 1, 12)
    assert public_recurrence(open_ones[0].recurrence) == {
        "rule": "FREQ=WEEKLY",
        "from_completion": False,
    }
    done_ones = [t for t in plants if t.completed]
    history = [h for t in plants for h in queries.history(alice.id, t.id)]
    assert done_ones or history  # the completion of Jan 5 is kept somewhere
    # Synced down again, todoman shows one open "Water the plants".
    synced.sync()
    listed = [i for i in synced.todo_list() if i["summary"] == "Water the plants"]
    assert [i["completed"] for i in listed].count(False) == 1


def test_todoman_moves_a_task_to_another_list(synced: Sync, alice: DavUser) -> None:
    """``todo move``: the file leaves one folder for another, so vdirsyncer DELETEs it from
    one collection, then PUTs it (same UID, If-None-Match: *) into the other: a new task on
    the server, in the new list (the old one is gone first, so it cannot be moved)."""
    require_program("todo")
    work = lists.create_list(alice.id, "Work")
    writes.create_task(alice.id, "Read the contract")
    writes.create_task(alice.id, "Stays")  # vdirsyncer refuses to empty a collection
    synced.start()
    (item,) = [i for i in synced.todo_list() if i["summary"] == "Read the contract"]

    synced.todo("move", "--list", "Work", str(item["id"]))
    synced.sync()

    moved = task_titled(alice.id, "Read the contract")
    assert moved.list_id == work.id
    synced.sync()
    assert sorted((i["summary"], i["list"]) for i in synced.todo_list()) == [
        ("Read the contract", "Work"),
        ("Stays", "Inbox"),
    ]


def test_todoman_moving_a_parent_keeps_its_sub_task(synced: Sync, alice: DavUser) -> None:
    """The same move for a task with a sub-task: the sub-task's resource is not touched by
    the client (its RELATED-TO still names the parent's UID, which comes back in the other
    list in the same sync), so it must not be lost on the server nor, after the next sync,
    in the folder. (vdirsyncer syncs the two collections concurrently, so the DELETE and
    the PUT reach the server in either order; that the sub-task is back under its parent on
    the server is checked in both orders by test_caldav_lib.py's
    test_a_parent_moved_by_delete_and_put_keeps_its_sub_task.)"""
    require_program("todo")
    work = lists.create_list(alice.id, "Work")
    parent = writes.create_task(alice.id, "Parent")
    writes.create_task(alice.id, "Child", parent_id=parent.id)
    writes.create_task(alice.id, "Stays")
    synced.start()
    (item,) = [i for i in synced.todo_list() if i["summary"] == "Parent"]

    synced.todo("move", "--list", "Work", str(item["id"]))
    synced.sync()
    synced.sync()

    assert sorted(t.title for t in tasks_of(alice.id)) == ["Child", "Parent", "Stays"]
    assert task_titled(alice.id, "Parent").list_id == work.id
    assert sorted(i["summary"] for i in synced.todo_list()) == ["Child", "Parent", "Stays"]
    # In the Inbox's folder or, back under its parent, in Work's: still naming its parent.
    (child,) = [
        todo
        for folder in ("inbox", str(work.id))
        for summary, todo in synced.local_todos(folder).items()
        if summary == "Child"
    ]
    assert str(child["RELATED-TO"]) == str(parent.id)


def test_a_local_folder_becomes_a_list(synced: Sync, alice: DavUser) -> None:
    """``collections = ["from a", ...]``: a folder made locally is made on the server by
    ``vdirsyncer discover`` (it asks; yes), then synced."""
    synced.start()
    folder = synced.calendars / "groceries"
    folder.mkdir()
    (folder / "apples.ics").write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Interop tests//EN\r\n"
        "BEGIN:VTODO\r\nUID:apples\r\nDTSTAMP:20261201T120000Z\r\nSUMMARY:Apples\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )

    synced.vdirsyncer("discover")
    synced.sync()

    apples = task_titled(alice.id, "Apples")
    (made,) = [item for item in lists.list_lists(alice.id) if item.id == apples.list_id]
    assert made.name == "groceries"


def test_displaynames_sync_both_ways_with_metasync(synced: Sync, alice: DavUser) -> None:
    """``metadata = ["displayname"]``: a list renamed in the app is renamed in the folder by
    ``vdirsyncer metasync``, and a name changed in the folder renames the list (PROPPATCH)."""
    work = lists.create_list(alice.id, "Work")
    home = lists.create_list(alice.id, "Home")
    synced.start()

    lists.update_list(alice.id, work.id, name="Office")
    (synced.calendars / str(home.id) / "displayname").write_text("House")
    synced.vdirsyncer("metasync")

    names = {item.id: item.name for item in lists.list_lists(alice.id)}
    assert (names[work.id], names[home.id]) == ("Office", "House")
    assert (synced.calendars / str(work.id) / "displayname").read_text().strip() == "Office"


def test_todoman_deletes_a_task(synced: Sync, alice: DavUser) -> None:
    require_program("todo")
    writes.create_task(alice.id, "Keep me")
    doomed = writes.create_task(alice.id, "Delete me")
    synced.start()
    (item,) = [i for i in synced.todo_list() if i["summary"] == "Delete me"]

    synced.todo("delete", "--yes", str(item["id"]))
    synced.sync()

    assert [t.title for t in tasks_of(alice.id)] == ["Keep me"]
    assert doomed.id not in {t.id for t in tasks_of(alice.id)}
