"""A move whose new key happens to equal the task's old one (found by the page's Ctrl+[):
the task still goes where the move says, not where a new task would."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from todo_app.tasks.moves import move_task
from todo_app.tasks.queries import get_task
from todo_app.tasks.writes import create_task


@pytest.mark.usefixtures("db")
def test_out_of_a_parent_to_the_end_with_the_same_key_goes_last() -> None:
    ann = make_user("ann")
    tape = create_task(ann, "Buy tape")  # the Inbox adds on top: "a0"
    hall = create_task(ann, "Paint the hall")  # before it: "Zz"
    nested = move_task(ann, tape.id, hall.id, None)  # its parent's first sub-task: "a0"
    assert (nested.parent_id, nested.position) == (hall.id, tape.position)
    out = move_task(ann, tape.id, None, None)  # last at the top level: "a0" again
    assert out.parent_id is None
    assert out.position > get_task(ann, hall.id).position
