"""Sharing on the page, in-process: the share dialog's handlers, the bell's Accept and
Decline, the navigation's shared lists, "Assigned to me", and a viewer's refusal."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from tests.factories import Account, make_account, make_task
from tests.state.harness import StateHarness, signed_in_account, state_harness
from todo_app import access
from todo_app.lists import service as lists_service
from todo_app.lists import sharing
from todo_app.lists.share_state import ShareState
from todo_app.reminders.state import BellState
from todo_app.tasks import mutations, queries
from todo_app.tasks.state import TaskState

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def tab() -> AsyncIterator[StateHarness]:
    async with state_harness() as h:
        yield h


async def sign_in(h: StateHarness, name: str) -> Account:
    return await signed_in_account(h, name)


async def test_the_owner_invites_and_the_invitee_accepts_from_the_bell(
    tab: StateHarness,
) -> None:
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")

    await tab.run(ShareState.open_share, list_id=str(home.id), name="Home")
    share = await tab.state(ShareState)
    assert share.is_open and share.manage
    assert [m["name"] for m in share.members] == ["Ann"]

    await tab.run(ShareState.invite, form_data={"email": "nope", "role": "editor"})
    assert (await tab.state(ShareState)).email_error
    await tab.run(ShareState.invite, form_data={"email": ann.email, "role": "editor"})
    assert (await tab.state(ShareState)).email_error == "You own this list already"
    await tab.run(ShareState.invite, form_data={"email": bob.email, "role": "editor"})
    share = await tab.state(ShareState)
    assert share.email_error == ""
    assert [(i["email"], i["role_label"]) for i in share.invitations] == [(bob.email, "Editor")]

    await bob_tab.run(BellState.load)
    bell = await bob_tab.state(BellState)
    invitation = next(item for item in bell.items if item["kind"] == "invitation")
    assert invitation["answerable"] and invitation["list_name"] == "Home"

    events = await bob_tab.run(BellState.accept, invitation_id=invitation["invitation_id"])
    assert bob_tab.redirects(events) == [f"/?list={home.id}"]
    lists = (await bob_tab.state(TaskState)).lists
    assert [(item["name"], item["mine"], item["owner_name"]) for item in lists] == [
        ("Home", False, "Ann")
    ]
    state = await bob_tab.state(TaskState)
    assert [item["name"] for item in state.shared_lists] == ["Home"]
    assert state.own_lists == []
    assert not any(i["answerable"] for i in (await bob_tab.state(BellState)).items)

    # The owner sees Bob as a member, changes his role and removes him.
    await tab.run(ShareState.open_share, list_id=str(home.id), name="Home")
    share = await tab.state(ShareState)
    assert share.invitations == []
    assert [(m["name"], m["role"]) for m in share.members] == [("Ann", "owner"), ("Bob", "editor")]
    await tab.run(ShareState.change_role, user_id=str(bob.id), role="viewer")
    assert (await tab.state(ShareState)).members[1]["role"] == "viewer"
    await tab.run(ShareState.change_role, user_id=str(bob.id), role="boss")
    assert (await tab.state(ShareState)).problem == sharing.ROLE_PROBLEM
    await tab.run(ShareState.remove, user_id=str(bob.id))
    assert [m["name"] for m in (await tab.state(ShareState)).members] == ["Ann"]


async def test_decline_and_withdraw(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    sharing.invite(ann.id, home.id, bob.email, "viewer")
    await bob_tab.run(BellState.load)
    item = next(i for i in (await bob_tab.state(BellState)).items if i["answerable"])
    await bob_tab.run(BellState.decline, invitation_id=item["invitation_id"])
    assert sharing.invitations_for(bob.id) == []
    assert not any(i["answerable"] for i in (await bob_tab.state(BellState)).items)

    invitation = sharing.invite(ann.id, home.id, bob.email, "viewer")
    await tab.run(ShareState.open_share, list_id=str(home.id), name="Home")
    await tab.run(ShareState.withdraw, invitation_id=str(invitation.id))
    assert (await tab.state(ShareState)).invitations == []
    # Accepting an invitation that is gone changes nothing.
    events = await bob_tab.run(BellState.accept, invitation_id=str(invitation.id))
    assert bob_tab.redirects(events) == []


async def test_a_member_sees_the_people_and_leaves(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    invitation = sharing.invite(ann.id, home.id, bob.email, "viewer")
    sharing.accept(bob.id, invitation.id)

    bob_tab.query = {"list": str(home.id)}
    await bob_tab.run(TaskState.load_tasks)
    state = await bob_tab.state(TaskState)
    assert state.view_read_only and state.read_only_lists == [str(home.id)]
    assert set(state.people) == {str(ann.id), str(bob.id)}

    await bob_tab.run(ShareState.open_share, list_id=str(home.id), name="Home")
    share = await bob_tab.state(ShareState)
    assert share.is_open and not share.manage and share.invitations == []
    events = await bob_tab.run(ShareState.leave)
    assert not (await bob_tab.state(ShareState)).is_open
    assert (await bob_tab.state(TaskState)).lists == []
    assert bob_tab.redirects(events) == ["/?view=inbox"]


async def test_a_resync_leaves_a_list_view_that_is_gone(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    sharing.accept(bob.id, sharing.invite(ann.id, home.id, bob.email, "editor").id)
    bob_tab.query = {"list": str(home.id)}
    await bob_tab.run(TaskState.load_tasks)
    assert (await bob_tab.state(TaskState)).view_kind == "list"

    sharing.remove_member(ann.id, home.id, bob.id)
    events = await bob_tab.run(TaskState.resync)
    assert (await bob_tab.state(TaskState)).lists == []
    assert bob_tab.redirects(events) == ["/?view=inbox"]


async def test_assigned_to_me_lists_the_tasks_assigned_to_the_user(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    sharing.accept(bob.id, sharing.invite(ann.id, home.id, bob.email, "editor").id)
    make_task(ann.id, "Paint", list_id=str(home.id), assignee_id=str(bob.id))
    make_task(ann.id, "Sweep", list_id=str(home.id))

    bob_tab.query = {"view": "assigned"}
    await bob_tab.run(TaskState.load_tasks)
    state = await bob_tab.state(TaskState)
    assert (state.view_kind, state.view_title) == ("assigned", "Assigned to me")
    assert [r["title"] for r in state.rows] == ["Paint"]
    assert state.rows[0]["assignee_id"] == str(bob.id)
    assert state.view_spec["assignee"] == "me"
    assert state.view_empty == "Nothing is assigned to you"


async def test_a_viewers_change_is_refused_with_the_services_reason(tab: StateHarness) -> None:
    ann = await sign_in(tab, "Ann")
    bob = await asyncio.to_thread(make_account, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    sharing.accept(bob.id, sharing.invite(ann.id, home.id, bob.email, "viewer").id)
    task = make_task(ann.id, "Soup", list_id=str(home.id))
    m = mutations.parse(
        {
            "mid": str(uuid.uuid4()),
            "kind": "set",
            "task_id": str(task.id),
            "fields": {"completed": True},
            "base_version": task.version,
        }
    )
    receipt = await asyncio.to_thread(mutations.apply, bob.id, m)
    assert (receipt.status, receipt.reason) == (mutations.REFUSED, mutations.FORBIDDEN)
    assert receipt.detail == access.VIEWER_REFUSED


async def test_a_removed_member_s_queued_changes_are_refused_with_a_reason(
    tab: StateHarness,
) -> None:
    """Changes a member's outbox still held for a list they were removed from (sent when the
    page reconnects) are each refused, and none is applied."""
    ann = await sign_in(tab, "Ann")
    bob_tab = tab.new_tab()
    bob = await sign_in(bob_tab, "Bob")
    home = lists_service.create_list(ann.id, "Home")
    invitation = sharing.invite(ann.id, home.id, bob.email, "editor")
    sharing.accept(bob.id, invitation.id)
    task = make_task(ann.id, "Milk", list_id=home.id)
    await bob_tab.run(TaskState.load_tasks)
    sharing.remove_member(ann.id, home.id, bob.id)

    queued = [
        {"mid": str(uuid.uuid4()), "kind": "set", "task_id": str(task.id),
         "fields": {"completed": True}, "base_version": task.version},
        {"mid": str(uuid.uuid4()), "kind": "create", "task_id": str(uuid.uuid4()),
         "fields": {"title": "Soap", "list_id": str(home.id)}},
        {"mid": str(uuid.uuid4()), "kind": "delete", "task_id": str(task.id)},
    ]  # fmt: skip
    await bob_tab.run(TaskState.send, uid=str(bob.id), batch=queued)
    state = await bob_tab.state(TaskState)
    answers = {c["mid"]: c for c in state.changes}
    assert [answers[m["mid"]]["status"] for m in queued] == ["refused"] * 3
    assert {answers[m["mid"]]["reason"] for m in queued} == {mutations.DELETED}
    stored = [t for t in queries.list_tasks(ann.id).items if t.list_id == home.id]
    assert [(t.title, t.completed) for t in stored] == [("Milk", False)]
