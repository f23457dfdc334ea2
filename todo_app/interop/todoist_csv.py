"""Todoist's CSV template (``POST /api/import`` with ``Content-Type: text/csv``) read as a
``todo-export`` document, then imported by ``interop.import_json`` like any other.

The format is Todoist's "Format a CSV file to import into Todoist" help article
(todoist.com/help/articles/format-a-csv-file-to-import-into-todoist-UVUXTmm6): columns
``TYPE, CONTENT, DESCRIPTION, PRIORITY, INDENT, AUTHOR, RESPONSIBLE, DATE, DATE_LANG,
TIMEZONE, DURATION, DURATION_UNIT, DEADLINE, DEADLINE_LANG``; ``TYPE`` is ``task``,
``section`` or ``note`` (a comment on the task in the row above).

- A ``section`` becomes a list: a section groups and orders tasks, as a list does, and a
  task is in one of each; a tag would lose that. Tasks before any section go to the Inbox.
- ``INDENT`` 1..4: 1 is top level, 2 a sub-task of the last task at 1, and so on.
- ``PRIORITY``: in the CSV, 1 is p1, the highest, and 4 is p4, no priority (the article;
  Todoist's REST API counts the other way, 4 = p1). p1 high, p2 medium, p3 low, p4 none; an
  empty cell is none here (the article says p1, which would make every plain row urgent).
- ``@label`` words in ``CONTENT`` become tags.
- ``DATE`` is read by our own quick-add grammar (``todo_app.quickadd``) in the account's
  zone: "tomorrow 5pm", "every monday". A date it cannot read stays in the description
  ("Date: ...") and is listed in the report's ``unread`` with its line.
- A ``note`` is added to its task's description. AUTHOR, RESPONSIBLE, DURATION and
  DEADLINE have no field here and are not read.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import datetime
from typing import Any

from todo_app import quickadd
from todo_app.db import read_scope
from todo_app.errors import InvalidAt
from todo_app.limits import DESCRIPTION_MAX, SUBTASK_DEPTH_MAX
from todo_app.models import User, utcnow
from todo_app.tasks import order_keys

from .export import FORMAT, VERSION
from .import_json import IMPORT_TASKS_MAX, Progress, Report, import_document

_LABEL = re.compile(r"(?<!\S)@([^\s@#]{1,60})(?!\S)")
PRIORITIES = {"1": "high", "2": "medium", "3": "low", "4": "none", "": "none"}
DATE_MAX = 200  # longer than any date a person writes; longer text is not parsed
csv.field_size_limit(DESCRIPTION_MAX * 8)


def _description(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def read_template(text: str, *, zone: str, now: datetime) -> tuple[dict[str, Any], list[dict]]:
    """The CSV as a ``todo-export`` document, and the lines it could not read."""
    lists: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    unread: list[dict[str, Any]] = []
    parents: list[dict[str, Any]] = []  # the last task at each indent
    section: str | None = None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if reader.fieldnames is None or "CONTENT" not in reader.fieldnames:
        return _document(lists, tasks), [{"line": 1, "reason": "No TYPE,CONTENT header"}]
    rows: list[tuple[int, dict[Any, Any]]] = []
    try:
        for raw in reader:
            rows.append((reader.line_num, raw))
    except csv.Error as exc:  # a NUL byte, a field over the size limit
        raise InvalidAt([(("line", reader.line_num), f"Not a readable CSV line: {exc}")]) from None
    for line, raw in rows:
        row = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        kind, content = row.get("TYPE", "").lower(), row.get("CONTENT", "")
        if not kind and not content:
            continue  # Todoist's template separates sections with empty rows
        if kind == "section":
            section = f"line-{line}"
            lists.append({"id": section, "name": content, "position": len(lists)})
            parents = []
        elif kind == "note":
            if not parents:
                unread.append({"line": line, "reason": "A note with no task above it"})
            else:
                task = parents[-1]
                task["description"] = _description(task["description"], content)
        elif kind == "task":
            if len(tasks) >= IMPORT_TASKS_MAX + 1:
                break  # the import refuses past the cap; no need to read further
            task = _task(row, line, zone, now, unread)
            task["list_id"] = section
            indent = row.get("INDENT", "") or "1"
            level = int(indent) - 1 if indent.isdigit() and 1 <= int(indent) <= 5 else 0
            level = min(level, len(parents), SUBTASK_DEPTH_MAX)
            task["parent_id"] = parents[level - 1]["id"] if level else None
            parents = [*parents[:level], task]
            tasks.append(task)
        else:
            unread.append({"line": line, "reason": f'Unknown TYPE "{kind[:20]}"'})
    return _document(lists, tasks), unread


def _task(
    row: dict[str, str], line: int, zone: str, now: datetime, unread: list[dict]
) -> dict[str, Any]:
    content = row.get("CONTENT", "")
    tags = _LABEL.findall(content)
    title = " ".join(_LABEL.sub(" ", content).split()) or content
    task: dict[str, Any] = {
        "id": f"line-{line}",
        "title": title,
        "description": row.get("DESCRIPTION", ""),
        "priority": PRIORITIES.get(row.get("PRIORITY", ""), "none"),
        "tags": tags,
    }
    when = row.get("DATE", "")
    if when:
        parsed = (
            quickadd.parse(when[:DATE_MAX], now=now, zone=zone) if len(when) <= DATE_MAX else None
        )
        if parsed is None or parsed.title or parsed.due_date is None:
            task["description"] = _description(task["description"], f"Date: {when}")
            unread.append({"line": line, "reason": f'Could not read the date "{when[:60]}"'})
        else:
            task["due_date"] = parsed.due_date.isoformat()
            task["due_time"] = parsed.due_time.strftime("%H:%M") if parsed.due_time else None
            task["recurrence"] = parsed.recurrence
    return task


def _document(lists: list[dict[str, Any]], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Manual-order keys in file order, so siblings keep the order of their lines."""
    for task, key in zip(tasks, order_keys.spread(len(tasks)), strict=True):
        task["position"] = key
    return {"format": FORMAT, "version": VERSION, "lists": lists, "tasks": tasks}


def import_todoist(
    owner_id: uuid.UUID, text: str, *, dry_run: bool = False, progress: Progress | None = None
) -> Report:
    """Read the CSV in the account's zone, then import it (atomic, idempotent by line)."""
    with read_scope() as connection:
        zone = connection.execute(
            User.__table__.select()
            .with_only_columns(User.__table__.c.time_zone)
            .where(User.__table__.c.id == owner_id)
        ).scalar_one()
    document, unread = read_template(text, zone=zone, now=utcnow())
    return import_document(
        owner_id, document, dry_run=dry_run, report=Report(unread=unread), progress=progress
    )
