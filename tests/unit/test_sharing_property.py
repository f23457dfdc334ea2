"""A stateful property test of sharing: random sequences of lists made, shared, unshared and
deleted, roles changed, tasks made, edited and moved by four users, against a model in plain
dicts of who owns which list, who is in it as what, and which task is where. After every step
each user must read exactly what the model says they may see (every view, every task by id),
and a write by someone who may not make it is refused and changes nothing; every task's
assignee can see it.

Each example starts from three lists shared at random with tasks assigned in them (``a_start``):
Hypothesis's sequences are short, and a bug needs a shared list, an assigned task and a move
or a removal in one sequence. Tasks are named by number among the live ones (``task_at``), and
the owner or a member of the list acts more often than chance (``PEOPLE``).

``test_the_property_test_catches_a_broken_rule`` runs the machine with ``access.on_task``
granting everyone, and expects it to find that out: the property has teeth.

Each example starts on empty tables (the ``db`` fixture makes them once per test; the machine
empties them per example). ``CI`` set: the examples are the same on every run.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlmodel import SQLModel

from tests.factories import make_user
from todo_app import access
from todo_app.db import get_engine, session_scope
from todo_app.errors import Conflict, Forbidden, InvalidInput, ListNotFound, NotFound
from todo_app.lists import service as lists
from todo_app.lists import sharing
from todo_app.models import Task, User
from todo_app.tasks import deletes, moves, queries, writes
from todo_app.tasks.types import TaskQuery

USERS = 4
_ON_POSTGRES = os.environ["REFLEX_DB_URL"].startswith("postgresql")
SETTINGS = settings(
    # PostgreSQL answers each of a step's ~100 reads over a socket: half as many examples
    # there keep the run near SQLite's (about 35 s); SHARING_EXAMPLES sets either.
    max_examples=int(os.environ.get("SHARING_EXAMPLES", "6" if _ON_POSTGRES else "12")),
    stateful_step_count=int(os.environ.get("SHARING_STEPS", "50")),
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TASK = st.integers(0, 31)  # SharingMachine.task_at
ROLES = st.sampled_from([access.EDITOR, access.VIEWER])
# Who acts or is assigned: anyone by index, or (more often than chance) the owner or a member
# of the list in question, so the sequences that matter are not rare.
BY_OWNER = st.sampled_from([True, True, True, False])  # mostly the owner: sharing happens
PEOPLE = st.one_of(
    st.integers(0, USERS - 1),
    st.sampled_from(["owner", "member"]),
    st.sampled_from(["owner", "member"]),
)
_TASKS = Task.__table__  # type: ignore[attr-defined]


def _empty_tables() -> None:
    with get_engine().begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


def _email(user_id: uuid.UUID) -> str:
    with session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.email


def _stored(task_id: uuid.UUID) -> Any:
    """The task's row as stored (every column), or None."""
    with get_engine().connect() as conn:
        row = conn.execute(sa.select(_TASKS).where(_TASKS.c.id == task_id)).first()
    return None if row is None else tuple(row)


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


class SharingMachine(RuleBasedStateMachine):
    lists_made = Bundle("lists")

    def __init__(self) -> None:
        super().__init__()
        _empty_tables()
        self.users = [make_user(f"U{n}") for n in range(USERS)]
        self.emails = {u: _email(u) for u in self.users}
        self.list_owner: dict[uuid.UUID, uuid.UUID] = {}
        self.roles: dict[uuid.UUID, dict[uuid.UUID, str]] = {}  # list -> member -> role
        self.task_owner: dict[uuid.UUID, uuid.UUID] = {}
        self.task_list: dict[uuid.UUID, uuid.UUID | None] = {}
        self.assignee: dict[uuid.UUID, uuid.UUID | None] = {}
        self.due_today: set[uuid.UUID] = set()
        self.serial = 0
        self.gone: list[uuid.UUID] = [uuid.uuid4()]  # deleted tasks, and one that never was

    # --- the model's rule ------------------------------------------------------------------

    def role_in(self, user: uuid.UUID, list_id: uuid.UUID) -> str | None:
        if self.list_owner.get(list_id) == user:
            return access.OWNER
        return self.roles.get(list_id, {}).get(user)

    def sees(self, user: uuid.UUID, task_id: uuid.UUID) -> bool:
        if self.task_owner[task_id] == user:
            return True
        list_id = self.task_list[task_id]
        return list_id is not None and self.role_in(user, list_id) is not None

    def writes(self, user: uuid.UUID, task_id: uuid.UUID) -> bool:
        if self.task_owner[task_id] == user:
            return True
        list_id = self.task_list[task_id]
        return list_id is not None and self.role_in(user, list_id) in (access.EDITOR,)

    def may_be_assigned(self, task_owner: uuid.UUID, list_id: Any, user: uuid.UUID) -> bool:
        return user == task_owner or (list_id is not None and user in self.roles[list_id])

    def refused(self, actor: uuid.UUID, task_id: uuid.UUID) -> type[Exception]:
        return Forbidden if self.sees(actor, task_id) else NotFound

    def expect_refusal(self, error: type[Exception], task_id: uuid.UUID, call: Any) -> None:
        before = _stored(task_id)
        with pytest.raises(error):
            call()
        assert _stored(task_id) == before, "a refused write changed the task"

    def person(self, who: Any, list_id: Any, owner: Any = None) -> uuid.UUID:
        """``who`` of PEOPLE: a user by index, or the owner or a member of ``list_id``."""
        if isinstance(who, int):
            return self.users[who]
        if owner is None and list_id in self.list_owner:
            owner = self.list_owner[list_id]
        members = sorted(self.roles.get(list_id, {}), key=str)
        if who == "member" and members:
            return members[self.serial % len(members)]
        return owner if owner is not None else self.users[self.serial % USERS]

    def of_task(self, who: Any, task_id: uuid.UUID) -> uuid.UUID:
        if task_id not in self.task_owner:
            return self.person(who if isinstance(who, int) else 0, None)
        return self.person(who, self.task_list[task_id], self.task_owner[task_id])

    def title(self) -> str:
        self.serial += 1
        return f"Task {self.serial}"

    def task_at(self, n: int) -> uuid.UUID:
        """A task by number (``TASK``): mostly one that exists, sometimes one deleted or one
        that never was (every read and write of it: not found)."""
        live = list(self.task_owner)
        if n < 28 and live:
            return live[n % len(live)]
        return self.gone[n % len(self.gone)]

    # --- lists and members -----------------------------------------------------------------

    @initialize(
        target=lists_made,
        layout=st.lists(
            st.lists(st.sampled_from([None, None, access.EDITOR, access.VIEWER]), min_size=USERS),
            min_size=3,
            max_size=3,
        ),
        tasks=st.lists(st.tuples(st.integers(0, 3), st.integers(0, USERS)), max_size=8),
    )
    def a_start(self, layout: list[list[Any]], tasks: list[tuple[int, int]]) -> Any:
        """Three lists (two of user 0's, so a task can move between one owner's lists, and
        one of user 1's), shared as ``layout`` says, and ``tasks``: (a list's number, 3 for
        the owner's Inbox; whom of those who see it it is assigned to, or no one)."""
        made = []
        for n, roles in enumerate(layout):
            list_id = self.create_list(0 if n < 2 else 1)
            made.append(list_id)
            for who, role in enumerate(roles[:USERS]):
                if role is not None and self.users[who] != self.list_owner[list_id]:
                    self.share(list_id, who, role, True)
        for where, pick in tasks:
            list_id = made[where] if where < len(made) else None
            owner = self.list_owner[list_id] if list_id else self.users[0]
            audience = [owner, *sorted(self.roles.get(list_id, {}), key=str)]
            assignee = None if pick == USERS else audience[pick % len(audience)]
            task = writes.create_task(owner, self.title(), list_id=list_id, assignee_id=assignee)
            self.task_owner[task.id], self.task_list[task.id] = owner, list_id
            self.assignee[task.id] = assignee
        return multiple(*made)

    @rule(target=lists_made, who=st.integers(0, USERS - 1))
    def create_list(self, who: int) -> uuid.UUID:
        owner = self.users[who]
        self.serial += 1
        list_id = lists.create_list(owner, f"List {self.serial}").id
        self.list_owner[list_id] = owner
        self.roles[list_id] = {}
        return list_id

    @rule(list_id=lists_made, who=st.integers(0, USERS - 1), role=ROLES, by_owner=BY_OWNER)
    def share(self, list_id: uuid.UUID, who: int, role: str, by_owner: bool) -> None:
        if list_id not in self.list_owner:
            return
        owner, user = self.list_owner[list_id], self.users[who]
        actor = owner if by_owner else self.users[(who + 1) % USERS]
        if actor != owner:
            expected = Forbidden if self.role_in(actor, list_id) else ListNotFound
            with pytest.raises(expected):
                sharing.invite(actor, list_id, self.emails[user], role)
            return
        if user == owner:
            with pytest.raises(InvalidInput):
                sharing.invite(owner, list_id, self.emails[user], role)
        elif user in self.roles[list_id]:
            with pytest.raises(Conflict):
                sharing.invite(owner, list_id, self.emails[user], role)
        else:
            invitation = sharing.invite(owner, list_id, self.emails[user], role)
            sharing.accept(user, invitation.id)
            self.roles[list_id][user] = role

    @rule(
        list_id=lists_made,
        who=st.integers(0, USERS - 1),
        how=st.sampled_from(["owner", "self", "other"]),
    )
    def unshare(self, list_id: uuid.UUID, who: int, how: str) -> None:
        if list_id not in self.list_owner:
            return
        owner, user = self.list_owner[list_id], self.users[who]
        actor = {"owner": owner, "self": user, "other": self.users[(who + 1) % USERS]}[how]
        actor_role = self.role_in(actor, list_id)
        if actor_role is None:
            expected: type[Exception] | None = ListNotFound
        elif actor != user and actor_role != access.OWNER:
            expected = Forbidden
        elif user == owner:
            expected = InvalidInput
        elif user not in self.roles[list_id]:
            expected = NotFound
        else:
            expected = None
        if expected is not None:
            with pytest.raises(expected):
                sharing.remove_member(actor, list_id, user)
            return
        sharing.remove_member(actor, list_id, user)
        del self.roles[list_id][user]
        for task_id, where in self.task_list.items():
            if where == list_id and self.assignee[task_id] == user:
                self.assignee[task_id] = None

    @rule(list_id=lists_made, who=st.integers(0, USERS - 1), role=ROLES, by_owner=st.booleans())
    def change_role(self, list_id: uuid.UUID, who: int, role: str, by_owner: bool) -> None:
        if list_id not in self.list_owner:
            return
        owner, user = self.list_owner[list_id], self.users[who]
        actor = owner if by_owner else user
        if actor != owner:
            expected: type[Exception] = Forbidden if self.role_in(actor, list_id) else ListNotFound
            with pytest.raises(expected):
                sharing.change_role(actor, list_id, user, role)
        elif user not in self.roles[list_id]:
            with pytest.raises(NotFound):
                sharing.change_role(actor, list_id, user, role)
        else:
            assert sharing.change_role(actor, list_id, user, role).role == role
            self.roles[list_id][user] = role

    @rule(list_id=lists_made, who=PEOPLE)
    def delete_list(self, list_id: uuid.UUID, who: Any) -> None:
        if list_id not in self.list_owner:
            return
        actor = self.person(who, list_id)
        role = self.role_in(actor, list_id)
        if role != access.OWNER:
            with pytest.raises(Forbidden if role else ListNotFound):
                lists.delete_list(actor, list_id)
            return
        lists.delete_list(actor, list_id)
        del self.list_owner[list_id], self.roles[list_id]
        for task_id, where in self.task_list.items():
            if where == list_id:
                self.task_list[task_id] = None
                if self.assignee[task_id] != self.task_owner[task_id]:
                    self.assignee[task_id] = None  # the Inbox is its owner's alone

    # --- tasks -----------------------------------------------------------------------------

    @rule(
        who=PEOPLE,
        where=st.one_of(st.none(), lists_made),
        assign_to=st.one_of(st.none(), PEOPLE),
        due=st.booleans(),
    )
    def create_task(self, who: Any, where: Any, assign_to: Any, due: bool) -> None:
        list_id = where if where in self.list_owner else None
        actor = self.person(who, list_id)
        assignee = None if assign_to is None else self.person(assign_to, list_id)
        extra: dict[str, Any] = {"list_id": list_id, "assignee_id": assignee}
        if due:
            extra["due_date"] = _today()
        role = None if list_id is None else self.role_in(actor, list_id)
        owner = actor if list_id is None else self.list_owner[list_id]
        if list_id is not None and role is None:
            with pytest.raises(ListNotFound):
                writes.create_task(actor, self.title(), **extra)
            return
        if role == access.VIEWER:
            with pytest.raises(Forbidden):
                writes.create_task(actor, self.title(), **extra)
            return
        if assignee is not None and not self.may_be_assigned(owner, list_id, assignee):
            with pytest.raises(InvalidInput):
                writes.create_task(actor, self.title(), **extra)
            return
        task = writes.create_task(actor, self.title(), **extra)
        assert (task.list_id, task.created_by) == (list_id, actor)  # owner: the_store_is_the_model
        self.task_owner[task.id], self.task_list[task.id] = owner, list_id
        self.assignee[task.id] = assignee
        if due:
            self.due_today.add(task.id)

    @rule(
        task=TASK,
        who=PEOPLE,
        field=st.sampled_from(["title", "completed", "assignee"]),
        assign_to=st.one_of(st.none(), PEOPLE),
    )
    def edit(self, task: int, who: Any, field: str, assign_to: Any) -> None:
        task_id = self.task_at(task)
        actor = self.of_task(who, task_id)
        if field == "title":
            change: dict[str, Any] = {"title": self.title()}
        elif field == "completed":
            change = {"completed": bool(self.serial % 2)}
            self.serial += 1
        else:
            assignee = None if assign_to is None else self.of_task(assign_to, task_id)
            change = {"assignee_id": assignee}

        def call() -> Any:
            return writes.update_task(actor, task_id, **change)

        if task_id not in self.task_owner:
            with pytest.raises(NotFound):
                call()
            return
        if not self.writes(actor, task_id):
            self.expect_refusal(self.refused(actor, task_id), task_id, call)
            return
        new = change.get("assignee_id")
        owner, list_id = self.task_owner[task_id], self.task_list[task_id]
        if new is not None and not self.may_be_assigned(owner, list_id, new):
            self.expect_refusal(InvalidInput, task_id, call)
            return
        was_done = queries.get_task(owner, task_id).completed
        after = call()
        if "title" in change:
            assert after.title == change["title"]
        if "completed" in change:
            assert after.completed == change["completed"]
            if change["completed"] != was_done:  # the same value again writes nothing
                assert after.completed_by == (actor if change["completed"] else None)
        if "assignee_id" in change:
            assert after.assignee_id == new
            self.assignee[task_id] = new

    @rule(task=TASK, who=PEOPLE, assign_to=PEOPLE)
    def assign(self, task: int, who: Any, assign_to: Any) -> None:
        """``edit`` of the assignee alone, more often: assigned tasks are what a move or a
        removal must take care of."""
        self.edit(task, who, "assignee", assign_to)

    @rule(task=TASK, who=PEOPLE, before=st.one_of(st.none(), TASK))
    def move_within(self, task: int, who: Any, before: Any) -> None:
        """``move_task`` in the task's own list: before a sibling there, or last."""
        task_id = self.task_at(task)
        before = None if before is None else self.task_at(before)
        actor = self.of_task(who, task_id)
        if task_id not in self.task_owner:
            with pytest.raises(NotFound):
                moves.move_task(actor, task_id, None, None)
            return
        if before is not None and (
            before not in self.task_owner
            or before == task_id
            or self.task_owner[before] != self.task_owner[task_id]
            or self.task_list[before] != self.task_list[task_id]
        ):
            before = None
        if not self.writes(actor, task_id):
            self.expect_refusal(
                self.refused(actor, task_id),
                task_id,
                lambda: moves.move_task(actor, task_id, None, before),
            )
            return
        after = moves.move_task(actor, task_id, None, before)
        assert after.list_id == self.task_list[task_id]

    @rule(
        task=TASK,
        who=PEOPLE,
        where=st.one_of(st.none(), lists_made, st.integers(0, 3)),
    )
    def move_to_list(self, task: int, who: Any, where: Any) -> None:
        """``update_task(list_id=...)``: to another list (a number: one of the task owner's
        lists), or to the Inbox (None)."""
        task_id = self.task_at(task)
        actor = self.of_task(who, task_id)
        if isinstance(where, int):
            owner = self.task_owner.get(task_id)
            own = sorted((k for k, o in self.list_owner.items() if o == owner), key=str)
            where = own[where % len(own)] if own else None

        def call() -> Any:
            return writes.update_task(actor, task_id, list_id=where)

        if task_id not in self.task_owner:
            with pytest.raises(NotFound):
                call()
            return
        if not self.writes(actor, task_id):
            self.expect_refusal(self.refused(actor, task_id), task_id, call)
            return
        owner = self.task_owner[task_id]
        if where == self.task_list[task_id]:
            call()  # nothing to change
            return
        if where is not None and self.list_owner.get(where) != owner:
            # Not a list of the task's owner: refused with the reason if the mover sees it,
            # not found otherwise (or deleted).
            sees = self.list_owner.get(where) == actor or self.role_in(actor, where)
            self.expect_refusal(Forbidden if sees else ListNotFound, task_id, call)
            return
        if actor != owner and (where is None or self.role_in(actor, where) != access.EDITOR):
            error = Forbidden if where is None or self.role_in(actor, where) else ListNotFound
            self.expect_refusal(error, task_id, call)
            return
        after = call()
        assert after.list_id == where
        self.task_list[task_id] = where
        if not self.may_be_assigned(owner, where, self.assignee[task_id] or owner):
            self.assignee[task_id] = None  # where its assignee cannot see it: unassigned

    @rule(task=TASK, who=PEOPLE)
    def delete_task(self, task: int, who: Any) -> None:
        task_id = self.task_at(task)
        actor = self.of_task(who, task_id)
        if task_id not in self.task_owner:
            with pytest.raises(NotFound):
                deletes.delete_task(actor, task_id)
            return
        if not self.writes(actor, task_id):
            self.expect_refusal(
                self.refused(actor, task_id), task_id, lambda: deletes.delete_task(actor, task_id)
            )
            return
        assert deletes.delete_task(actor, task_id).id == task_id
        del self.task_owner[task_id], self.task_list[task_id], self.assignee[task_id]
        self.gone.append(task_id)
        self.due_today.discard(task_id)

    # --- what everyone sees, after every step ----------------------------------------------

    @invariant()
    def the_store_is_the_model(self) -> None:
        with get_engine().connect() as conn:
            rows = conn.execute(
                sa.select(_TASKS.c.id, _TASKS.c.owner_id, _TASKS.c.list_id, _TASKS.c.assignee_id)
            ).all()
        stored = {row.id: (row.owner_id, row.list_id, row.assignee_id) for row in rows}
        model = {
            t: (self.task_owner[t], self.task_list[t], self.assignee[t]) for t in self.task_owner
        }
        assert stored == model

    @invariant()
    def an_assignee_can_see_the_task(self) -> None:
        for task_id, user in self.assignee.items():
            assert user is None or self.sees(user, task_id)

    @invariant()
    def everyone_sees_exactly_what_they_may(self) -> None:
        for user in self.users:
            visible = {t for t in self.task_owner if self.sees(user, t)}

            def ids(**query: Any) -> set[uuid.UUID]:
                page = queries.list_tasks(user, query=TaskQuery(limit=100, **query))  # noqa: B023
                found = [t.id for t in page.items]
                assert len(found) == len(set(found)) == page.total
                return set(found)

            assert ids() == visible
            assert ids(q="task") == visible
            assert ids(due="today") == visible & self.due_today
            assert ids(assignee="me") == {t for t in visible if self.assignee[t] == user}
            assert ids(list_id="inbox") == {
                t for t in visible if self.task_owner[t] == user and self.task_list[t] is None
            }
            for list_id in self.list_owner:
                if self.role_in(user, list_id) is None:
                    with pytest.raises(ListNotFound):
                        ids(list_id=str(list_id))
                else:
                    assert ids(list_id=str(list_id)) == {
                        t for t in self.task_list if self.task_list[t] == list_id
                    }
            for task_id in self.task_owner:
                if task_id in visible:
                    assert queries.get_task(user, task_id).id == task_id
                else:
                    with pytest.raises(NotFound):
                        queries.get_task(user, task_id)


SharingMachine.TestCase.settings = SETTINGS


@pytest.fixture(autouse=True)
def _quiet_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    """No mail server here: the invitations' mails are not the point."""
    monkeypatch.setattr(sharing.mail, "send_later", lambda _mail: None)


@pytest.mark.usefixtures("db")
def test_sharing_property() -> None:
    run_state_machine_as_test(SharingMachine, settings=SETTINGS)


@pytest.mark.usefixtures("db")
def test_the_property_test_catches_a_broken_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anyone granted every task as its owner: the machine must notice."""

    def everyone(session: Any, user_id: uuid.UUID, task_id: uuid.UUID, *, write: bool) -> Any:
        owner = session.execute(sa.select(_TASKS.c.owner_id).where(_TASKS.c.id == task_id))
        found = owner.scalar()
        if found is None:
            raise NotFound(access.TASK_NOT_FOUND)
        return access.Grant(found, access.OWNER)

    monkeypatch.setattr(access, "on_task", everyone)
    broken = settings(
        SETTINGS,
        max_examples=50,
        phases=[Phase.generate],
        derandomize=True,
        report_multiple_bugs=False,
    )
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        run_state_machine_as_test(SharingMachine, settings=broken)
