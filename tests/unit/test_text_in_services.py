"""The text rule (todo_app.text) on every way a task, list or account is written: the task
service, quick add, the page's change engine, the lists service and the auth service."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest

from tests.factories import PASSWORD, make_task, make_user
from todo_app.auth import service as auth_service
from todo_app.errors import Conflict, InvalidInput
from todo_app.lists import service as lists
from todo_app.tasks import deletes, mutations, queries, quick_add, writes
from todo_app.tasks.mutations import APPLIED, INVALID, REFUSED
from todo_app.tasks.types import TaskQuery

pytestmark = pytest.mark.usefixtures("db")

RLO = "\u202e"
ZWSP = "\u200b"


def apply(owner: uuid.UUID, kind: str, task_id: uuid.UUID, **extra: Any) -> mutations.Receipt:
    raw = {"mid": str(uuid.uuid4()), "kind": kind, "task_id": str(task_id), **extra}
    return mutations.apply(owner, mutations.parse(raw))


def test_the_task_service_stores_titles_without_bidi_controls() -> None:
    owner = make_user()
    task = writes.create_task(owner, f"a{RLO}b", f"note{ZWSP}\n\u2067two\u2069")
    assert (task.title, task.description) == ("ab", "note\ntwo")
    changed = writes.update_task(owner, task.id, title=f"{ZWSP}c{RLO}d")
    assert changed.title == "cd"
    assert queries.get_task(owner, task.id).title == "cd"
    assert queries.list_tasks(owner, query=TaskQuery(q=f"c{ZWSP}d")).total == 1


def test_quick_add_strips_them_from_the_title_tags_and_list() -> None:
    owner = make_user()
    task = quick_add.create_from_text(owner, f"a{RLO}b #wo{ZWSP}rk +Ho{RLO}me")
    assert (task.title, task.tags) == ("ab", ("work",))
    assert [(row.id, row.name) for row in lists.list_lists(owner)] == [(task.list_id, "Home")]


def test_the_page_s_create_and_set_mutations_strip_them_too() -> None:
    owner = make_user()
    typed, quick = uuid.uuid4(), uuid.uuid4()
    assert apply(owner, "create", typed, fields={"title": f"a{RLO}b"}).status == APPLIED
    assert apply(owner, "create", quick, fields={"text": f"c{ZWSP}d #x{RLO}y"}).status == APPLIED
    assert queries.get_task(owner, typed).title == "ab"
    assert (queries.get_task(owner, quick).title, queries.get_task(owner, quick).tags) == (
        "cd",
        ("xy",),
    )
    refused = apply(owner, "set", typed, fields={"title": "bell\x07"}, base_version=1)
    assert (refused.status, refused.reason) == (REFUSED, INVALID)
    assert refused.detail == "Title must not contain control characters"
    assert queries.get_task(owner, typed).title == "ab"


def test_list_names_are_stripped_and_a_look_alike_is_the_same_name() -> None:
    owner = make_user()
    made = lists.create_list(owner, f"Wo{RLO}rk")
    assert made.name == "Work"
    with pytest.raises(Conflict):
        lists.create_list(owner, f"W{ZWSP}ork")
    assert lists.update_list(owner, made.id, name=f"Job{ZWSP}s").name == "Jobs"


def test_restoring_a_task_checks_its_text_like_new_input() -> None:
    owner = make_user()
    task = make_task(owner, "Keep")
    deletes.delete_task(owner, task.id)
    tampered = dataclasses.replace(task, title=f"Ke{RLO}ep")
    assert [t.title for t in deletes.restore_tasks(owner, [tampered])] == ["Keep"]


def test_account_names_are_stripped_at_sign_up_and_on_change() -> None:
    signed = auth_service.sign_up("ann@example.com", PASSWORD, f"A{RLO}nn{ZWSP}")
    assert signed.user.name == "Ann"
    assert auth_service.update_account(signed.user.id, name=f"Ann{ZWSP} Lee").name == "Ann Lee"
    with pytest.raises(InvalidInput) as caught:
        auth_service.update_account(signed.user.id, name="Ann\x1b[31m")
    assert caught.value.fields == {"name": "Name must not contain control characters"}
