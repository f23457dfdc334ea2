"""``GET /api/tasks`` writes its answer without the response models (``task_list_json``); it
must be exactly what ``TaskList`` (the documented schema) makes of the same page."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from todo_app.api.schemas_tasks import TaskList, task_list_json
from todo_app.tasks.types import TaskData, TaskPage

CREATED = datetime(2026, 12, 1, 8, 30, 5, 123456, tzinfo=UTC)

TASKS = {
    "bare": TaskData(
        id=uuid.UUID(int=1),
        title="Buy milk",
        description="",
        completed=False,
        version=1,
        created_at=CREATED.replace(microsecond=0),
        updated_at=CREATED,
    ),
    "every field": TaskData(
        id=uuid.uuid4(),
        title="Pay rent",
        description="Before the 5th\nor else",
        completed=True,
        version=7,
        created_at=CREATED,
        updated_at=CREATED + timedelta(days=3, microseconds=1),
        list_id=uuid.uuid4(),
        priority="high",
        tags=("home", "Bills"),
        due_date=date(2026, 12, 5),
        due_time=time(9, 5),
        due_at=datetime(2026, 12, 5, 8, 5, tzinfo=UTC),
        recurrence={"rule": "FREQ=MONTHLY", "from_completion": False, "dtstart": "2026-12-05"},
        reminders=(0, 15, 1440),
    ),
    "text to escape": TaskData(
        id=uuid.uuid4(),
        title='Quote " backslash \\ slash / tab\tend',
        description="control \x01\x1f del \x7f line\u2028sep é 日本 🎉 <script>&amp;",
        completed=False,
        version=2,
        created_at=CREATED,
        updated_at=CREATED,
        priority="low",
        tags=("ünïcode", "#x"),
        due_date=date(2027, 1, 1),
        recurrence={"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": 1},
    ),
    "another offset": TaskData(
        id=uuid.uuid4(),
        title="t",
        description="d",
        completed=False,
        version=3,
        # The service hands out UTC; an aware time in another zone still comes out as the
        # models write it.
        created_at=CREATED.astimezone(timezone(timedelta(hours=5, minutes=30))),
        updated_at=CREATED,
        due_date=date(2026, 12, 5),
        due_time=time(23, 59, 59),
        due_at=datetime(2026, 12, 5, 23, 59, tzinfo=UTC),
    ),
}


PAGES = {"empty": [], **{name: [task] for name, task in TASKS.items()}, "all": [*TASKS.values()]}


@pytest.mark.parametrize("name", PAGES)
def test_the_fast_answer_is_the_models_answer_byte_for_byte(name: str) -> None:
    items = PAGES[name]
    page = TaskPage(items=items, total=len(items) + 40)
    expected = TaskList.model_validate(page).model_dump_json().encode()
    assert task_list_json(page) == expected
    assert json.loads(task_list_json(page))["total"] == len(items) + 40
