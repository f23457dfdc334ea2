"""The sharing service and the access rule through the task services: invite, accept, roles,
removal, assignment; what each role may read and write."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import make_user
from todo_app import access
from todo_app.auth import service as auth_service
from todo_app.db import session_scope
from todo_app.errors import Forbidden, InvalidInput, ListNotFound, NotFound
from todo_app.lists import service as lists
from todo_app.lists import sharing
from todo_app.models import User
from todo_app.reminders import service as bell
from todo_app.tasks import deletes, moves, queries, writes
from todo_app.tasks.types import TaskQuery

pytestmark = pytest.mark.usefixtures("db")


def _email(user_id: uuid.UUID) -> str:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email


def _share(owner: uuid.UUID, list_id: uuid.UUID, user: uuid.UUID, role: str) -> None:
    invitation = sharing.invite(owner, list_id, _email(user), role)
    sharing.accept(user, invitation.id)


@pytest.fixture
def team() -> dict[str, uuid.UUID]:
    ann, bob, cat, dan = (make_user(n) for n in ("Ann", "Bob", "Cat", "Dan"))
    home = lists.create_list(ann, "Home").id
    _share(ann, home, bob, "editor")
    _share(ann, home, cat, "viewer")
    return {"ann": ann, "bob": bob, "cat": cat, "dan": dan, "home": home}


def test_members_see_the_list_and_its_tasks_and_an_outsider_sees_nothing(team) -> None:
    task = writes.create_task(team["ann"], "Milk", list_id=team["home"])
    private = writes.create_task(team["ann"], "Diary")
    for who in ("bob", "cat"):
        assert queries.get_task(team[who], task.id).title == "Milk"
        page = queries.list_tasks(team[who], query=TaskQuery())
        assert [t.title for t in page.items] == ["Milk"]
        with pytest.raises(NotFound):
            queries.get_task(team[who], private.id)
        roles = {item.name: item.role for item in lists.list_lists(team[who])}
        assert roles == {"Home": "editor" if who == "bob" else "viewer"}
    with pytest.raises(NotFound):
        queries.get_task(team["dan"], task.id)
    with pytest.raises(ListNotFound):
        queries.list_tasks(team["dan"], query=TaskQuery(list_id=str(team["home"])))
    assert queries.list_tasks(team["dan"], query=TaskQuery()).items == []


def test_an_editor_changes_tasks_and_a_viewer_is_refused_with_the_reason(team) -> None:
    task = writes.create_task(team["bob"], "Bread", list_id=team["home"])
    assert task.created_by == team["bob"]
    done = writes.update_task(team["bob"], task.id, completed=True)
    assert done.completed_by == team["bob"]
    with pytest.raises(Forbidden, match="view this list"):
        writes.update_task(team["cat"], task.id, title="Cake")
    with pytest.raises(Forbidden):
        writes.create_task(team["cat"], "Cake", list_id=team["home"])
    with pytest.raises(Forbidden):
        deletes.delete_task(team["cat"], task.id)
    with pytest.raises(NotFound):
        deletes.delete_task(team["dan"], task.id)
    # The owner sees what the editor did.
    assert queries.get_task(team["ann"], task.id).completed
    # An editor cannot take the task out of the owner's lists.
    with pytest.raises(Forbidden):
        writes.update_task(team["bob"], task.id, list_id=None)
    # Nor into a list of their own: told why, not that their own list is not found.
    bobs = lists.create_list(team["bob"], "Bob's").id
    with pytest.raises(Forbidden, match="another list of the same owner"):
        writes.update_task(team["bob"], task.id, list_id=bobs)
    with pytest.raises(ListNotFound):  # a list they cannot see is still not found
        writes.update_task(team["bob"], task.id, list_id=lists.create_list(team["dan"], "D").id)
    moves.move_task(team["bob"], task.id, None, None)
    deletes.delete_task(team["bob"], task.id)
    with pytest.raises(NotFound):
        queries.get_task(team["ann"], task.id)


def test_removal_takes_effect_at_once_and_unassigns(team) -> None:
    task = writes.create_task(team["ann"], "Fix tap", list_id=team["home"], assignee_id=team["bob"])
    assert task.assignee_id == team["bob"]
    assert bell.list_notifications(team["bob"])[0].kind == "assigned"
    mine = queries.list_tasks(team["bob"], query=TaskQuery(assignee="me"))
    assert [t.id for t in mine.items] == [task.id]
    with pytest.raises(Forbidden):
        sharing.remove_member(team["cat"], team["home"], team["bob"])
    sharing.remove_member(team["ann"], team["home"], team["bob"])
    with pytest.raises(NotFound):
        queries.get_task(team["bob"], task.id)
    with pytest.raises(NotFound):
        writes.update_task(team["bob"], task.id, title="x")
    assert queries.get_task(team["ann"], task.id).assignee_id is None
    # A member leaves on their own.
    sharing.remove_member(team["cat"], team["home"], team["cat"])
    assert lists.list_lists(team["cat"]) == []


def test_assignee_must_see_the_list(team) -> None:
    task = writes.create_task(team["ann"], "Paint", list_id=team["home"])
    with pytest.raises(InvalidInput):
        writes.update_task(team["ann"], task.id, assignee_id=team["dan"])
    writes.update_task(team["ann"], task.id, assignee_id=team["cat"])


def test_invitations_wait_for_the_address_expire_and_belong_to_it(team) -> None:
    other = lists.create_list(team["ann"], "Work").id
    invitation = sharing.invite(team["ann"], other, _email(team["dan"]), "viewer")
    assert [i.id for i in sharing.invitations_for(team["dan"])] == [invitation.id]
    assert bell.list_notifications(team["dan"])[0].kind == "invitation"
    with pytest.raises(NotFound):
        sharing.accept(team["bob"], invitation.id)  # not theirs
    with pytest.raises(ListNotFound):
        queries.list_tasks(team["dan"], query=TaskQuery(list_id=str(other)))
    sharing.decline(team["dan"], invitation.id)
    assert sharing.invitations_for(team["dan"]) == []
    assert bell.list_notifications(team["dan"]) == []  # the notice went with it
    # An address with no account yet.
    waiting = sharing.invite(team["ann"], other, "newcomer@example.com", "editor")
    assert [i.email for i in sharing.invitations_of(team["ann"], other)] == [waiting.email]
    with pytest.raises(Forbidden):
        sharing.invite(team["bob"], team["home"], "x@example.com", "viewer")
    with pytest.raises(InvalidInput):
        sharing.invite(team["ann"], other, "not an email", "boss")


def test_the_access_rule_for_each_role(team) -> None:
    task = writes.create_task(team["ann"], "Milk", list_id=team["home"])
    with session_scope() as session:
        assert access.on_task(session, team["ann"], task.id, write=True).role == "owner"
        assert access.on_task(session, team["bob"], task.id, write=True).role == "editor"
        assert access.on_task(session, team["cat"], task.id, write=False).role == "viewer"
        with pytest.raises(Forbidden):
            access.on_task(session, team["cat"], task.id, write=True)
        with pytest.raises(NotFound):
            access.on_task(session, team["dan"], task.id, write=False)


def test_deleting_an_account_removes_its_lists_and_its_memberships(team) -> None:
    task = writes.create_task(team["ann"], "Fix tap", list_id=team["home"], assignee_id=team["bob"])
    garage = lists.create_list(team["bob"], "Garage").id
    _share(team["bob"], garage, team["ann"], "editor")
    mine = writes.create_task(team["bob"], "Oil", list_id=garage, assignee_id=team["ann"])
    with session_scope() as session:  # what auth's delete_account runs (deletion_steps)
        sharing.account_deleted_in(session, team["ann"])
        session.delete(session.get(User, team["ann"]))
    assert [(i.name, i.members) for i in lists.list_lists(team["bob"])] == [("Garage", ())]
    with pytest.raises(NotFound):
        queries.get_task(team["bob"], task.id)
    assert queries.get_task(team["bob"], mine.id).assignee_id is None
    assert bell.list_notifications(team["bob"])[0].kind == "list_deleted"


def test_quick_add_finds_a_shared_list_by_name_and_a_retry_finds_the_task(team) -> None:
    from todo_app.tasks import quick_add

    task_id = uuid.uuid4()
    task = quick_add.create_from_text(team["bob"], "Soap +home", task_id=task_id)
    assert task.list_id == team["home"]
    assert quick_add.create_from_text(team["bob"], "Soap +home", task_id=task_id).id == task_id
    assert [item.name for item in lists.list_lists(team["bob"])] == ["Home"]  # none made


def test_each_change_of_membership_reloads_the_pages_of_who_it_touches(team, monkeypatch) -> None:
    from todo_app.tasks import unit_of_work

    heard: list[set[uuid.UUID]] = []
    monkeypatch.setattr(unit_of_work, "membership_listeners", [lambda ids: heard.append(set(ids))])
    sharing.change_role(team["ann"], team["home"], team["cat"], "editor")
    sharing.remove_member(team["ann"], team["home"], team["bob"])
    invitation = sharing.invite(team["ann"], team["home"], _email(team["dan"]), "viewer")
    sharing.accept(team["dan"], invitation.id)
    lists.delete_list(team["ann"], team["home"])
    ann, bob, cat, dan = (team[n] for n in ("ann", "bob", "cat", "dan"))
    assert heard == [{cat}, {bob, ann, cat}, {ann, cat, dan}, {cat, dan}]


def test_a_member_s_view_names_a_sub_task_s_parent(team) -> None:
    from todo_app.tasks import subtasks

    parent = writes.create_task(team["ann"], "Party", list_id=team["home"])
    child = writes.create_task(team["bob"], "Balloons", parent_id=parent.id, due_date="2030-01-01")
    assert child.list_id == team["home"]
    page = queries.list_tasks(team["bob"], query=TaskQuery(due_after="2029-12-31"))
    assert [t.title for t in page.items] == ["Balloons"]
    assert subtasks.parent_titles(team["bob"], page.items) == {str(parent.id): "Party"}


def test_a_reminder_of_an_assigned_task_reaches_its_assignee(team) -> None:
    from datetime import timedelta

    from todo_app.models import utcnow

    soon = utcnow() + timedelta(days=1)
    writes.create_task(
        team["ann"],
        "Vet",
        list_id=team["home"],
        assignee_id=team["bob"],
        due_date=soon.date().isoformat(),
        due_time="12:00",
        reminders=[0],
    )
    delivered = bell.claim_due(now=soon + timedelta(days=1))
    assert [n.title for n in delivered] == ["Vet"]
    assert [n.title for n in bell.list_notifications(team["bob"]) if n.kind == "reminder"] == [
        "Vet"
    ]
    assert [n for n in bell.list_notifications(team["ann"]) if n.kind == "reminder"] == []


def test_an_account_made_later_needs_the_mailed_token(team, monkeypatch) -> None:
    """Addresses are not verified at sign-up: an invitation to one with no account is
    answered only with its mail's token, never by whoever signs up with the address."""
    sent: list[Any] = []
    monkeypatch.setattr(sharing.mail, "send_later", sent.append)
    invitation = sharing.invite(team["ann"], team["home"], "Eve@Example.com", "viewer")
    eve = auth_service.sign_up("eve@example.com", "correct horse battery").user.id
    assert bell.list_notifications(eve) == []
    assert sharing.invitations_for(eve) == []
    with pytest.raises(NotFound):
        sharing.accept(eve, invitation.id)
    with pytest.raises(NotFound):
        sharing.accept(eve, invitation.id, "not the token")
    (message,) = sent
    token = parse_qs(urlsplit(message.body.split("\n\n")[2]).query)["token"][0]
    sharing.accept(eve, invitation.id, token)
    assert [item.role for item in lists.list_lists(eve)] == ["viewer"]
    with pytest.raises(NotFound):  # spent
        sharing.accept(team["dan"], invitation.id, token)


def test_a_task_moved_where_its_assignee_cannot_see_it_is_unassigned(team) -> None:
    """The property test's rule that an assignee can see their task (test_sharing_property.py):
    the assignee stayed on a task moved out of the shared list (with its sub-tasks), or left
    in the owner's Inbox by the list's deletion."""
    work = lists.create_list(team["ann"], "Work").id
    task = writes.create_task(team["ann"], "Fix tap", list_id=team["home"], assignee_id=team["bob"])
    sub = writes.create_task(team["ann"], "Buy washer", parent_id=task.id, assignee_id=team["cat"])
    mine = writes.create_task(team["ann"], "Call", list_id=team["home"], assignee_id=team["ann"])
    moved = writes.update_task(team["ann"], task.id, list_id=work)
    assert moved.assignee_id is None
    assert queries.get_task(team["ann"], sub.id).assignee_id is None  # it followed its parent
    assert queries.list_tasks(team["bob"], query=TaskQuery(assignee="me")).items == []
    # Into another list its assignee can see: kept.
    _share(team["ann"], work, team["bob"], "viewer")
    writes.update_task(team["ann"], task.id, assignee_id=team["bob"])
    assert writes.update_task(team["ann"], task.id, list_id=team["home"]).assignee_id == team["bob"]
    lists.delete_list(team["ann"], team["home"])
    assert queries.get_task(team["ann"], task.id).assignee_id is None
    assert queries.get_task(team["ann"], mine.id).assignee_id == team["ann"]
