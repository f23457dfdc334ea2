"""Clearing completed tasks never deletes an open one: a completed parent with an open task
below it (reopened since) stays, and a completed parent goes with its sub-tasks (Undo brings
them back together)."""

from __future__ import annotations

import pytest

from tests.factories import make_task, make_user
from todo_app.errors import NotFound
from todo_app.tasks import deletes, queries, writes

pytestmark = pytest.mark.usefixtures("db")


def _exists(owner, task_id) -> bool:  # type: ignore[no-untyped-def]
    try:
        queries.get_task(owner, task_id)
    except NotFound:
        return False
    return True


def test_a_completed_parent_with_an_open_sub_task_is_kept() -> None:
    owner = make_user()
    parent = make_task(owner, "Trip")
    child = make_task(owner, "Pack", parent_id=parent.id)
    writes.update_task(owner, parent.id, completed=True)  # completes the child too
    writes.update_task(owner, child.id, completed=False)  # reopened since
    deleted = deletes.clear_completed(owner)
    assert deleted == []
    assert _exists(owner, parent.id) and _exists(owner, child.id)


def test_a_completed_parent_goes_with_its_completed_sub_tasks_and_comes_back() -> None:
    owner = make_user()
    parent = make_task(owner, "Trip")
    child = make_task(owner, "Pack", parent_id=parent.id)
    grandchild = make_task(owner, "Socks", parent_id=child.id)
    other = make_task(owner, "Open, elsewhere")
    writes.update_task(owner, parent.id, completed=True)
    deleted = deletes.clear_completed(owner)
    assert {t.id for t in deleted} == {parent.id, child.id, grandchild.id}
    assert not _exists(owner, grandchild.id) and _exists(owner, other.id)
    deletes.restore_tasks(owner, deleted)
    back = queries.get_task(owner, grandchild.id)
    assert back.parent_id == child.id and back.completed
    assert queries.get_task(owner, parent.id).subtask_count == 1
