"""The sharing service and the access rule through the task services: invite, accept, roles,
removal, assignment; what each role may read and write."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_user
from todo_app import access
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
