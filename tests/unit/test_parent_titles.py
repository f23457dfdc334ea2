"""The page's context for a sub-task listed without its parent (tasks/subtasks.py
``parent_titles``): the parent's title, read once for a page, the owner's tasks only."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from todo_app.tasks.subtasks import parent_titles
from todo_app.tasks.writes import create_task


@pytest.mark.usefixtures("db")
def test_only_parents_not_on_the_page_are_read_and_only_the_owners() -> None:
    ann, bob = make_user("ann"), make_user("bob")
    paint = create_task(ann, "Paint the hall")
    tape = create_task(ann, "Buy tape", parent_id=paint.id)
    sand = create_task(ann, "Sand", parent_id=paint.id)
    assert parent_titles(ann, [tape, sand]) == {str(paint.id): "Paint the hall"}
    assert parent_titles(ann, [paint, tape]) == {}  # the parent is listed: nothing to add
    assert parent_titles(bob, [tape]) == {}  # another account's parent: nothing
    assert parent_titles(ann, []) == {}
