"""``TaskData.from_values``, the page read's constructor, makes the same task as ``TaskData()``."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, time

import pytest

from todo_app.tasks.types import TaskData

TASK = TaskData(
    id=uuid.uuid4(),
    title="Pay rent",
    description="monthly",
    completed=True,
    version=3,
    created_at=datetime(2026, 12, 1, tzinfo=UTC),
    updated_at=datetime(2026, 12, 2, tzinfo=UTC),
    list_id=uuid.uuid4(),
    priority="high",
    tags=("home",),
    due_date=date(2026, 12, 5),
    due_time=time(9, 30),
    due_at=datetime(2026, 12, 5, 9, 30, tzinfo=UTC),
    recurrence={"rule": "FREQ=MONTHLY", "from_completion": False},
    reminders=(0, 15),
)


def test_from_values_is_the_same_task() -> None:
    values = [getattr(TASK, f.name) for f in dataclasses.fields(TaskData)]
    made = TaskData.from_values(values)
    assert made == TASK and repr(made) == repr(TASK)
    assert dataclasses.asdict(made) == dataclasses.asdict(TASK)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.title = "changed"  # type: ignore[misc]


def test_from_values_skips_nothing_the_class_would_check() -> None:
    """It bypasses ``__init__``: safe only while construction checks nothing."""
    assert not hasattr(TaskData, "__post_init__")


def test_from_values_wants_every_field() -> None:
    with pytest.raises(ValueError):
        TaskData.from_values([TASK.id, TASK.title])
