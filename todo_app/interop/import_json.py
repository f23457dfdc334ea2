"""``POST /api/import``: a ``todo-export`` document (``interop.export``) into the caller's
account, in ONE transaction: every row is checked first (by the task field rules,
``tasks.fields``, never a copy), and any problem refuses the whole file with where it is,
e.g. ``("tasks", 12, "due_date")``. Nothing is written then.

Idempotent: each imported row's id is ``uuid5(<account id>, <exported id>)``, so the same
file imported twice finds its rows and skips them (a list whose name the account already
uses is that list). Bounded: ``IMPORT_TASKS_MAX`` tasks; the body cap is
``web.body_limit.IMPORT_MAX_BODY_BYTES``.

What does not travel, on purpose: the profile (the account importing keeps its own name,
email and zone; ``due_at`` is reckoned in its zone), list members (sharing needs the other
person's consent: an invitation, not a file), and an assignee other than the importing
account itself (an email is not a consent to be assigned); those become unassigned.

Rows are written in bulk (one INSERT per 1,000 tasks) rather than one ``create_in`` each:
a create reads its siblings to place the task and re-reads it, ~10 statements a task, and
an import brings its own positions. The field rules, the list rule (``list_rows.create_in``)
and the reminder planning are the services'.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from todo_app.db import session_scope
from todo_app.errors import InvalidAt, InvalidInput, ServiceError
from todo_app.limits import SUBTASK_DEPTH_MAX
from todo_app.models import Tag, Task, TaskCompletion, TaskList, TaskTag, User, utcnow
from todo_app.reminders.planning import plan_new_reminders
from todo_app.tasks import fields as rules
from todo_app.tasks import list_rows, placing
from todo_app.tasks.recurring import with_start
from todo_app.tasks.unit_of_work import announce_membership

from .export import FORMAT, VERSION

IMPORT_TASKS_MAX = 10_000
TOO_MANY_TASKS = f"An import holds at most {IMPORT_TASKS_MAX:,} tasks"
PROBLEMS_SHOWN = 50  # a broken file's first problems are enough to find the pattern
ID_MAX = 100
CHUNK = 1000
Loc = tuple[str | int, ...]
Progress = Callable[[int, int], None]


@dataclass
class Report:
    """What an import did (or, as a preview, would do)."""

    lists: int = 0
    tasks: int = 0
    skipped: int = 0  # already imported (same file again)
    unread: list[dict[str, Any]] = field(default_factory=list)  # [{line, reason}] (CSV)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "lists": self.lists,
            "tasks": self.tasks,
            "skipped": self.skipped,
            "unread": self.unread,
            "dry_run": self.dry_run,
        }


class _DryRun(Exception):
    """Rolls the preview's transaction back."""


def imported_id(owner_id: uuid.UUID, exported_id: str) -> uuid.UUID:
    """The same exported row always lands on the same id in the same account."""
    return uuid.uuid5(owner_id, exported_id)


class _Problems:
    def __init__(self) -> None:
        self.found: list[tuple[Loc, str]] = []

    def add(self, loc: Loc, message: str) -> None:
        if len(self.found) < PROBLEMS_SHOWN:
            self.found.append((loc, message))

    def of(self, loc: Loc, exc: InvalidInput) -> None:
        for name, message in exc.fields.items():
            self.add((*loc, name), message)

    def raise_any(self) -> None:
        if self.found:
            raise InvalidAt(self.found)


def _id(raw: Any) -> str | None:
    return raw if isinstance(raw, str) and 0 < len(raw) <= ID_MAX else None


def _instant(raw: Any) -> datetime:
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValueError
    value = datetime.fromisoformat(raw)
    if value.tzinfo is None:
        raise ValueError
    return value.astimezone(UTC)


class _Planned(NamedTuple):
    """What reminder planning reads of a task (``reminders.planning.Planned``)."""

    id: uuid.UUID
    completed: bool
    due_at: datetime | None
    reminders: list[int]


@dataclass
class _Row:
    index: int
    key: str
    values: dict[str, Any]
    parent: str | None
    tags: tuple[str, ...]
    completions: list[tuple[datetime, date | None]]


def _check_list(i: int, raw: Any, problems: _Problems) -> tuple[str, dict[str, Any]] | None:
    if not isinstance(raw, dict) or _id(raw.get("id")) is None:
        problems.add(("lists", i, "id"), "A list needs an id (text)")
        return None
    try:
        name = rules.validate_list_name(raw.get("name"))
    except InvalidInput as exc:
        problems.of(("lists", i), exc)
        return None
    position, on_top = raw.get("position", i), raw.get("add_on_top", True)
    if isinstance(position, bool) or not isinstance(position, int) or not 0 <= position < 10**6:
        problems.add(("lists", i, "position"), "position must be a whole number")
        return None
    if not isinstance(on_top, bool):
        problems.add(("lists", i, "add_on_top"), "add_on_top must be true or false")
        return None
    return raw["id"], {"name": name, "position": position, "add_on_top": on_top}


def _check_task(
    i: int, raw: Any, lists: dict[str, Any], owner_email: str, problems: _Problems
) -> _Row | None:
    loc: Loc = ("tasks", i)
    if not isinstance(raw, dict) or _id(raw.get("id")) is None:
        problems.add((*loc, "id"), "A task needs an id (text)")
        return None
    before = len(problems.found)
    recurrence = raw.get("recurrence")
    try:
        new = rules.validate_changes(
            title=raw.get("title"),
            description=raw.get("description", ""),
            completed=raw.get("completed", False),
            priority=raw.get("priority", "none"),
            tags=raw.get("tags", []),
            due_date=raw.get("due_date"),
            due_time=raw.get("due_time"),
            recurrence=recurrence,
            reminders=raw.get("reminders", []),
        )
        rules.check_schedule(new["due_date"], new["due_time"], new["recurrence"], new["reminders"])
        start = recurrence.get("start") if isinstance(recurrence, dict) else None
        start_day = rules.validate_due_date(start) if start else new["due_date"]
        new["recurrence"] = with_start(new["recurrence"], start_day)
        position = placing.checked_key(raw.get("position", "a0"))
    except InvalidInput as exc:
        problems.of(loc, exc)
        return None
    list_key = raw.get("list_id")
    if list_key is not None and (not isinstance(list_key, str) or list_key not in lists):
        problems.add((*loc, "list_id"), "list_id names no list in this file")
    parent = raw.get("parent_id")
    if parent is not None and _id(parent) is None:
        problems.add((*loc, "parent_id"), "parent_id must be a task's id in this file")
    try:
        created = _instant(raw["created_at"]) if raw.get("created_at") else utcnow()
    except ValueError:
        problems.add((*loc, "created_at"), "created_at must be an ISO 8601 time with a zone")
        created = utcnow()
    completions: list[tuple[datetime, date | None]] = []
    history = raw.get("completions", [])
    if not isinstance(history, list) or len(history) > 1000:
        problems.add((*loc, "completions"), "completions must be a list (at most 1,000)")
        history = []
    for j, done in enumerate(history):
        try:
            if not isinstance(done, dict):
                raise ValueError
            day = rules.validate_due_date(done.get("due_date"))
            completions.append((_instant(done.get("completed_at")), day))
        except (ValueError, InvalidInput):
            problems.add((*loc, "completions", j), "A completion is {completed_at, due_date}")
    assignee = raw.get("assignee")
    if len(problems.found) > before:
        return None
    return _Row(
        index=i,
        key=raw["id"],
        values={
            "title": new["title"],
            "description": new["description"],
            "completed": new["completed"],
            "priority": rules.validate_priority(new["priority"]),
            "due_date": new["due_date"],
            "due_time": new["due_time"],
            "recurrence": new["recurrence"],
            "reminders": list(new["reminders"]),
            "position": position,
            "created_at": created,
            "list_key": list_key,
            "mine": isinstance(assignee, str) and assignee.casefold() == owner_email,
        },
        parent=parent,
        tags=new["tags"],
        completions=completions,
    )


def _order(rows: dict[str, _Row], problems: _Problems) -> list[_Row]:
    """Parents before their sub-tasks; a missing parent, a cycle, another list or too deep a
    tree is a problem at the sub-task."""
    depth: dict[str, int] = {}
    for row in rows.values():
        chain: list[_Row] = []
        current: _Row | None = row
        while current is not None and current.key not in depth:
            if current in chain or len(chain) > SUBTASK_DEPTH_MAX + 1:
                problems.add(("tasks", row.index, "parent_id"), "Sub-tasks form a cycle")
                return []
            chain.append(current)
            current = rows.get(current.parent) if current.parent is not None else None
            if chain[-1].parent is not None and current is None:
                problems.add(
                    ("tasks", chain[-1].index, "parent_id"),
                    "parent_id names no task in this file",
                )
                return []
        base = depth[current.key] + 1 if current is not None else 0
        for offset, item in enumerate(reversed(chain)):
            depth[item.key] = base + offset
            parent = rows.get(item.parent) if item.parent else None
            if parent is not None and parent.values["list_key"] != item.values["list_key"]:
                problems.add(("tasks", item.index, "list_id"), "A sub-task is in its parent's list")
            if depth[item.key] > SUBTASK_DEPTH_MAX:
                problems.add(
                    ("tasks", item.index, "parent_id"),
                    f"Sub-tasks go at most {SUBTASK_DEPTH_MAX} levels deep",
                )
    return sorted(rows.values(), key=lambda r: (depth[r.key], r.index))


def _existing(session: Session, model: Any, ids: list[uuid.UUID]) -> set[uuid.UUID]:
    found: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        found.update(session.exec(select(model.id).where(col(model.id).in_(part))).all())
    return found


def _tag_ids(session: Session, owner_id: uuid.UUID, names: dict[str, str]) -> dict[str, uuid.UUID]:
    """Each tag key's id, the owner's tags made where new (as ``tasks.tags.set_tags``)."""
    ids: dict[str, uuid.UUID] = {}
    keys = list(names)
    for start in range(0, len(keys), 500):
        ids.update(
            session.exec(
                select(Tag.name_key, Tag.id).where(
                    col(Tag.owner_id) == owner_id, col(Tag.name_key).in_(keys[start : start + 500])
                )
            ).all()
        )
    new = [
        {"id": uuid.uuid4(), "owner_id": owner_id, "name": name, "name_key": key}
        for key, name in names.items()
        if key not in ids
    ]
    if new:
        session.execute(sa.insert(Tag), new)
        ids.update({row["name_key"]: row["id"] for row in new})
    return ids


def _lists_in(
    session: Session,
    owner_id: uuid.UUID,
    checked: list[tuple[int, str, dict[str, Any]]],
    problems: _Problems,
    report: Report,
) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    for i, key, values in checked:
        new_id = imported_id(owner_id, "list:" + key)
        row = session.get(TaskList, new_id)
        if row is not None and row.owner_id == owner_id:
            ids[key] = new_id
            continue
        same_name = list_rows.named_in(session, owner_id, rules.tag_key(values["name"]))
        if same_name is not None:
            ids[key] = same_name
            continue
        try:
            made = list_rows.create_in(session, owner_id, values["name"], list_id=new_id)
        except ServiceError as exc:
            problems.add(("lists", i, "name"), getattr(exc, "message", str(exc)))
            continue
        made.position, made.add_on_top = values["position"], values["add_on_top"]
        ids[key] = new_id
        report.lists += 1
    session.flush()
    return ids


def import_in(
    session: Session,
    owner_id: uuid.UUID,
    document: Any,
    report: Report,
    progress: Progress | None = None,
) -> None:
    """Check the whole document, then write it; raises ``InvalidAt`` before any write."""
    problems = _Problems()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidAt([(("format",), f'This is not a "{FORMAT}" document')])
    if type(document.get("version")) is not int or document["version"] != VERSION:
        raise InvalidAt([(("version",), f"Only version {VERSION} can be imported")])
    lists, tasks = document.get("lists", []), document.get("tasks", [])
    if not isinstance(lists, list) or not isinstance(tasks, list):
        raise InvalidAt([(("tasks",), "lists and tasks must be lists")])
    if len(tasks) > IMPORT_TASKS_MAX:
        raise InvalidAt([(("tasks",), f"{TOO_MANY_TASKS}; this file has {len(tasks):,}")])
    user = session.get(User, owner_id)
    assert user is not None
    checked_lists = [
        (i, *found) for i, raw in enumerate(lists) if (found := _check_list(i, raw, problems))
    ]
    list_keys = {key: values for _, key, values in checked_lists}
    rows: dict[str, _Row] = {}
    for i, raw in enumerate(tasks):
        row = _check_task(i, raw, list_keys, user.email, problems)
        if row is not None:
            if row.key in rows:
                problems.add(("tasks", i, "id"), "Two tasks have this id")
            rows[row.key] = row
    problems.raise_any()
    ordered = _order(rows, problems)
    problems.raise_any()
    list_ids = _lists_in(session, owner_id, checked_lists, problems, report)
    problems.raise_any()
    _tasks_in(session, owner_id, user.time_zone, ordered, list_ids, report, progress)


def _tasks_in(
    session: Session,
    owner_id: uuid.UUID,
    zone: str,
    ordered: list[_Row],
    list_ids: dict[str, uuid.UUID],
    report: Report,
    progress: Progress | None,
) -> None:
    ids = {row.key: imported_id(owner_id, "task:" + row.key) for row in ordered}
    there = _existing(session, Task, list(ids.values()))
    fresh = [row for row in ordered if ids[row.key] not in there]
    report.skipped += len(ordered) - len(fresh)
    now = utcnow()
    tag_names = {rules.tag_key(t): t for row in fresh for t in row.tags}
    tag_ids = _tag_ids(session, owner_id, tag_names) if tag_names else {}
    timed: list[uuid.UUID] = []
    for start in range(0, len(fresh), CHUNK):
        part = fresh[start : start + CHUNK]
        values, links, history = [], [], []
        for row in part:
            v, task_id = row.values, ids[row.key]
            values.append(
                {
                    "id": task_id,
                    "owner_id": owner_id,
                    "title": v["title"],
                    "description": v["description"],
                    "completed": v["completed"],
                    "version": 1,
                    "created_at": v["created_at"],
                    "updated_at": now,
                    "list_id": list_ids.get(v["list_key"]) if v["list_key"] else None,
                    "parent_id": ids[row.parent] if row.parent else None,
                    "position": v["position"],
                    "priority": v["priority"],
                    "due_date": v["due_date"],
                    "due_time": v["due_time"],
                    "due_at": rules.due_instant(v["due_date"], v["due_time"], zone),
                    "recurrence": v["recurrence"],
                    "reminders": v["reminders"],
                    "assignee_id": owner_id if v["mine"] else None,
                    "created_by": owner_id,
                    "completed_by": owner_id if v["completed"] else None,
                }
            )
            links += [
                {"task_id": task_id, "tag_id": tag_ids[rules.tag_key(t)], "position": n}
                for n, t in enumerate(row.tags)
            ]
            history += [
                {"id": uuid.uuid4(), "task_id": task_id, "owner_id": owner_id,
                 "completed_at": at, "due_date": day}
                for at, day in row.completions
            ]  # fmt: skip
            if v["reminders"] and not v["completed"]:
                timed.append(_Planned(task_id, False, values[-1]["due_at"], v["reminders"]))
        # Core executemany on the session's connection: the ORM's bulk path costs 3x as much.
        connection = session.connection()
        connection.execute(Task.__table__.insert(), values)
        if links:
            connection.execute(TaskTag.__table__.insert(), links)
        if history:
            connection.execute(TaskCompletion.__table__.insert(), history)
        report.tasks += len(part)
        if progress is not None:
            progress(report.tasks, len(fresh))
    plan_new_reminders(session, owner_id, timed)


def import_document(
    owner_id: uuid.UUID,
    document: Any,
    *,
    dry_run: bool = False,
    report: Report | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import (or, ``dry_run``, preview: the same checks and writes, rolled back).

    The same file imported twice at once: one transaction inserts a row the other is about
    to insert; the loser's whole transaction rolls back and runs again, now skipping it."""
    unread = report.unread if report is not None else []
    for attempt in range(2):
        report = Report(unread=list(unread), dry_run=dry_run)
        try:
            with session_scope() as session:
                import_in(session, owner_id, document, report, progress)
                if dry_run:
                    raise _DryRun
        except _DryRun:
            return report
        except IntegrityError:
            if attempt:
                raise
            continue
        break
    announce_membership([owner_id])  # open pages load again (one reload, not 10,000 deltas)
    return report
