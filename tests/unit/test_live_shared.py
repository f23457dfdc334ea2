"""Live updates in shared lists (issue 18): a change reaches every page that may see it,
each page only what its user may see, and a page whose user's lists changed loads again."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from typing import Any

import pytest

from tests.factories import make_user
from tests.services import REDIS_URL
from tests.unit.test_live import Recorder, _change, _drain, _redis_or_skip, trusted, wired
from todo_app import access
from todo_app.channels import RedisChannel
from todo_app.db import session_scope
from todo_app.models import ListMember, TaskList
from todo_app.tasks import live as live_module
from todo_app.tasks import unit_of_work, writes
from todo_app.tasks.live import CHANNEL, Live

pytestmark = pytest.mark.usefixtures("db")


def make_list(owner: uuid.UUID, *members: tuple[uuid.UUID, str]) -> uuid.UUID:
    """A list of ``owner``'s, shared with each (member, role) given."""
    list_id = uuid.uuid4()
    with session_scope() as session:
        name = f"List {list_id.hex[:8]}"
        session.add(TaskList(id=list_id, owner_id=owner, name=name, name_key=name.lower()))
        session.flush()
        for user_id, role in members:
            session.add(ListMember(list_id=list_id, user_id=user_id, role=role))
    return list_id


def open_page(live: Live, user_id: uuid.UUID, token: str) -> None:
    """A task page's load registering it, with the lists its load reads."""
    with session_scope() as session:
        lists = access.visible_lists(session, user_id)
    live.watch(user_id, token, epoch=f"e-{token}", trust=trusted(), lists=lists)


def entries(rec: Recorder, token: str) -> list[dict[str, Any]]:
    """Every entry the page took, once each, in order."""
    taken: dict[int, dict[str, Any]] = {}
    for to, value in rec.sent:
        if to == token:
            taken.update({e["seq"]: e for e in value["changes"]})
    return [taken[seq] for seq in sorted(taken)]


@pytest.fixture
def listening(monkeypatch: pytest.MonkeyPatch) -> list[Live]:
    """The service's announcements go to whichever Live the test appends here."""
    lives: list[Live] = []
    monkeypatch.setattr(
        unit_of_work, "change_listeners", [lambda change: [x.changed(change) for x in lives]]
    )
    return lives


async def test_a_change_in_a_shared_list_reaches_its_members_and_its_owner_not_others(
    listening: list[Live],
) -> None:
    owner, editor, outsider = make_user("Own"), make_user("Ed"), make_user("Out")
    shared = make_list(owner, (editor, access.EDITOR))
    make_list(outsider)  # the outsider's pages see lists too, none of them this one
    task = writes.create_task(owner, "Milk", list_id=shared)
    rec = Recorder()
    live = wired(rec)
    listening.append(live)
    for user, token in ((owner, "owner"), (editor, "editor"), (outsider, "outsider")):
        open_page(live, user, token)

    await asyncio.to_thread(writes.update_task, editor, task.id, title="Oat milk")
    await _drain(live)

    for token in ("owner", "editor"):
        (entry,) = entries(rec, token)
        assert [row["title"] for row in entry["rows"]] == ["Oat milk"]
        assert entry["was"] == {str(task.id): {"title": "Milk", "version": 1}}
    assert entries(rec, "outsider") == []


async def test_a_row_moved_out_of_a_shared_list_leaves_a_members_page_as_removed(
    listening: list[Live],
) -> None:
    owner, viewer = make_user("Own"), make_user("View")
    shared = make_list(owner, (viewer, access.VIEWER))
    private = make_list(owner)
    task = writes.create_task(owner, "Gift for Vi", list_id=shared)
    rec = Recorder()
    live = wired(rec)
    listening.append(live)
    open_page(live, owner, "owner")
    open_page(live, viewer, "viewer")

    await asyncio.to_thread(writes.update_task, owner, task.id, list_id=private)
    await _drain(live)

    (seen,) = entries(rec, "viewer")
    assert seen["rows"] == [] and seen["removed"] == [str(task.id)]
    assert seen["was"][str(task.id)]["list_id"] == str(shared)  # all it was: it counts out
    assert seen["was"][str(task.id)]["title"] == "Gift for Vi"
    assert str(private) not in str(seen)  # nothing says where it went
    (mine,) = entries(rec, "owner")
    assert [row["list_id"] for row in mine["rows"]] == [str(private)]

    # Moved back: it comes in as new, never saying where it was.
    await asyncio.to_thread(writes.update_task, owner, task.id, list_id=shared)
    await _drain(live)
    back = entries(rec, "viewer")[-1]
    assert [row["id"] for row in back["rows"]] == [str(task.id)]
    assert back["removed"] == [] and back["was"] == {str(task.id): None}


async def test_a_members_page_never_gets_a_row_of_another_list(listening: list[Live]) -> None:
    owner, member = make_user("Own"), make_user("Mem")
    shared = make_list(owner, (member, access.EDITOR))
    private = make_list(owner)
    in_shared = writes.create_task(owner, "shared", list_id=shared)
    in_private = writes.create_task(owner, "private", list_id=private)
    in_inbox = writes.create_task(owner, "inbox")
    rec = Recorder()
    live = wired(rec)
    listening.append(live)
    open_page(live, owner, "owner")
    open_page(live, member, "member")

    await asyncio.to_thread(writes.set_all_completed, owner, True)  # one change, three lists
    await _drain(live)

    (seen,) = entries(rec, "member")
    assert [row["id"] for row in seen["rows"]] == [str(in_shared.id)]
    assert {row["list_id"] for row in seen["rows"]} == {str(shared)}
    assert set(seen["was"]) == {str(in_shared.id)} and seen["removed"] == []
    (mine,) = entries(rec, "owner")
    everything = {str(t.id) for t in (in_shared, in_private, in_inbox)}
    assert {row["id"] for row in mine["rows"]} == everything  # the owner's page: as it is

    # A change in the owner's private list alone is not even numbered for the member.
    await asyncio.to_thread(writes.update_task, owner, in_private.id, title="secret")
    await _drain(live)
    assert len(entries(rec, "member")) == 1
    assert "secret" not in str([value for token, value in rec.sent if token == "member"])
    assert entries(rec, "owner")[-1]["rows"][0]["title"] == "secret"


async def test_the_filtered_entry_is_built_once_for_pages_that_see_the_same_lists(
    listening: list[Live], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = make_user("Own")
    members = [make_user(f"M{i}") for i in range(10)]
    shared = make_list(owner, *((m, access.EDITOR) for m in members))
    for member in members[::2]:  # some with a list of their own besides: the same view
        make_list(member)
    task = writes.create_task(owner, "Plan", list_id=shared)
    built: list[frozenset[str]] = []
    real = live_module.filtered

    def counting(entry: dict[str, Any], lists: frozenset[str]) -> dict[str, Any]:
        built.append(lists)
        return real(entry, lists)

    monkeypatch.setattr(live_module, "filtered", counting)
    rec = Recorder()
    live = wired(rec)
    listening.append(live)
    for i, member in enumerate(members):
        open_page(live, member, f"m{i}")

    await asyncio.to_thread(writes.update_task, owner, task.id, title="Plan B")
    await _drain(live)

    assert built == [frozenset({str(shared)})]  # once, for ten pages
    for i in range(10):
        (entry,) = entries(rec, f"m{i}")
        assert entry["rows"][0]["title"] == "Plan B"


async def test_lists_changed_makes_the_named_users_pages_load_again() -> None:
    owner, gone, stays = make_user("Own"), make_user("Gone"), make_user("Stay")
    shared = make_list(owner, (gone, access.EDITOR), (stays, access.EDITOR))
    rec = Recorder()
    live = wired(rec)
    for user, token in ((gone, "gone-1"), (gone, "gone-2"), (stays, "stays"), (owner, "owner")):
        open_page(live, user, token)

    with session_scope() as session:  # the owner takes the list back from one member
        member = session.get(ListMember, (shared, gone))
        session.delete(member)
    await asyncio.to_thread(live.lists_changed, [gone])
    await _drain(live)
    for token in ("gone-1", "gone-2"):
        assert [e.get("reload") for e in entries(rec, token)] == [True]
    assert rec.sent == [(t, v) for t, v in rec.sent if t.startswith("gone")]

    # Until they load again, a change in the list reaches them no more.
    change = _change(owner, "after")
    row = dataclasses.replace(change.upserted[0], list_id=shared)
    change = dataclasses.replace(change, upserted=(row,), previous={row.id: None})
    live.changed(change)
    await _drain(live)
    assert len(entries(rec, "gone-1")) == 1
    assert entries(rec, "stays")[0]["rows"][0]["title"] == "after"
    live.lists_changed([gone])  # told twice before it loads again: one reload is enough
    await _drain(live)
    assert len(entries(rec, "gone-1")) == 1

    # Their reload registers them with what they may see now: not that list.
    sent = len(rec.sent)
    open_page(live, gone, "gone-1")
    live.changed(change)
    await _drain(live)
    assert sorted(token for token, _ in rec.sent[sent:]) == ["owner", "stays"]


async def test_a_load_that_read_its_lists_before_they_changed_is_told_to_load_again() -> None:
    user = make_user("Ann")
    rec = Recorder()
    live = wired(rec)
    as_of = live.memberships(user)
    live.lists_changed([user])  # between the load's read of its lists and its watch
    live.watch(user, "tab", epoch="e", trust=trusted(), lists=[], lists_as_of=as_of)
    live.watch(user, "fresh", epoch="e", trust=trusted(), lists=[], lists_as_of=as_of + 1)
    await _drain(live)
    assert [e.get("reload") for e in entries(rec, "tab")] == [True]  # once, though told twice
    assert entries(rec, "fresh") == []  # its lists were read after the change


def test_visible_lists_are_the_users_own_and_those_shared_with_them() -> None:
    owner, member = make_user("Own"), make_user("Mem")
    shared = make_list(owner, (member, access.VIEWER))
    own = make_list(member)
    make_list(owner)  # not the member's
    with session_scope() as session:
        assert access.visible_lists(session, member) == {shared, own}


async def test_shared_changes_and_reloads_reach_pages_on_another_worker() -> None:
    _redis_or_skip()
    one, two = Recorder(), Recorder()
    worker_one = wired(one, RedisChannel(REDIS_URL, CHANNEL))
    worker_two = wired(two, RedisChannel(REDIS_URL, CHANNEL))
    owner, member = make_user("Own"), make_user("Mem")
    shared, private = make_list(owner, (member, access.EDITOR)), make_list(owner)
    task = writes.create_task(owner, "Tea", list_id=shared)
    open_page(worker_two, member, "member")
    await asyncio.sleep(0.5)  # both listeners subscribed
    worker_one.changed(writes_change(owner, task.id, private))
    await asyncio.to_thread(worker_one.lists_changed, [member])
    for _ in range(100):
        if len(entries(two, "member")) == 2:
            break
        await asyncio.sleep(0.02)
    await _drain(worker_one, worker_two)
    moved, reload = entries(two, "member")
    assert moved["rows"] == [] and moved["removed"] == [str(task.id)]
    assert reload.get("reload") is True


def writes_change(owner: uuid.UUID, task_id: uuid.UUID, list_id: uuid.UUID) -> Any:
    """The change the service announces for moving a task (heard, not applied twice)."""
    heard: list[Any] = []
    unit_of_work.change_listeners.append(heard.append)
    try:
        writes.update_task(owner, task_id, list_id=list_id)
    finally:
        unit_of_work.change_listeners.remove(heard.append)
    return heard[0]


async def test_closed_pages_leave_their_lists_too() -> None:
    rec = Recorder(here={"open"})
    live = wired(rec)
    shared = str(uuid.uuid4())
    live.watch(uuid.uuid4(), "open", epoch="e", trust=trusted(), lists=[shared])
    for i in range(live_module.SWEEP_EVERY - 1):  # members' pages, closed since
        live.watch(uuid.uuid4(), f"closed-{i}", epoch="e", trust=trusted(), lists=[shared])
    assert live._by_list == {shared: {"open"}}
    live.watch(uuid.uuid4(), "open", epoch="e2", trust=trusted(), lists=[])  # loaded again
    assert live._by_list == {}


def test_membership_listeners_hear_the_users_and_never_break_the_caller(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    heard: list[list[uuid.UUID]] = []

    def broken(users: list[uuid.UUID]) -> None:
        raise RuntimeError("down")

    monkeypatch.setattr(unit_of_work, "membership_listeners", [broken, heard.append])
    user = uuid.uuid4()
    unit_of_work.announce_membership([user])
    assert heard == [[user]] and "a membership listener failed" in caplog.text
