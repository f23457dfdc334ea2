"""Quick add against the database: a sentence ("Pay rent tomorrow 9am !high #home every
month") as a task's fields, read in the owner's zone, its "+List" found or made. The grammar
itself is ``todo_app.quickadd``'s (pure); the page's change engine and ``POST /api/tasks
{"text": ...}`` both come through here.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from todo_app import quickadd
from todo_app.db import session_scope
from todo_app.errors import InvalidInput
from todo_app.models import utcnow
from todo_app.tasks import list_rows
from todo_app.tasks.queries import zone_of
from todo_app.tasks.types import TaskData
from todo_app.tasks.unit_of_work import unit_of_work
from todo_app.tasks.writes import create_in, existing, find

QUICK_ADD_MAX = 500


def fields_from_text(
    session: Session, owner_id: uuid.UUID, text: Any, ignore: Any = ()
) -> dict[str, Any]:
    """Quick add: a sentence as a task's fields, read in the owner's zone; "+List" names one
    of their lists (made if new). ``ignore`` holds the start offsets of parts the user
    dismissed before pressing Enter."""
    if not isinstance(text, str) or len(text) > QUICK_ADD_MAX:
        raise InvalidInput({"text": f"Quick add text must be at most {QUICK_ADD_MAX} characters"})
    if not isinstance(ignore, list | tuple) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ignore
    ):
        raise InvalidInput({"ignore": "ignore must be a list of offsets"})
    parsed = quickadd.parse(
        text, now=utcnow(), zone=zone_of(session, owner_id), ignore=frozenset(ignore)
    )
    found = {"title": parsed.title, **quickadd.task_fields(parsed)}
    if parsed.list_name:
        # The one list rule (name, uniqueness, the cap): a refusal writes nothing.
        found["list_id"] = str(list_rows.find_or_create_in(session, owner_id, parsed.list_name))
    return found


def create_from_text(
    owner_id: uuid.UUID, text: str, *, task_id: uuid.UUID | None = None
) -> TaskData:
    """``POST /api/tasks {"text": ...}``: quick add through the REST API, same grammar."""
    try:
        with unit_of_work() as uow:
            if task_id is not None and find(uow.session, task_id) is not None:
                return existing(uow.session, task_id, owner_id)
            found = fields_from_text(uow.session, owner_id, text)
            title = found.pop("title")
            task, change = create_in(uow.session, owner_id, title, task_id=task_id, **found)
            uow.record(change)
    except IntegrityError:
        with session_scope() as session:
            if task_id is None or find(session, task_id) is None:
                raise
            return existing(session, task_id, owner_id)
    return task
