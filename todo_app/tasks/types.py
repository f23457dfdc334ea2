"""The task layer's values: a task as the front doors see it, a list request, a page of
results, the counts, and the change a committed write made. Pure: no database, no Reflex.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any, Literal, get_args

Status = Literal["all", "active", "completed"]
STATUSES: tuple[str, ...] = get_args(Status)
Due = Literal["overdue", "today", "upcoming", "none"]
DUES: tuple[str, ...] = get_args(Due)
Sort = Literal["manual", "created", "due", "priority", "title"]
SORTS: tuple[str, ...] = get_args(Sort)
Order = Literal["asc", "desc"]
ORDERS: tuple[str, ...] = get_args(Order)
# The direction each sort takes unless told: newest, soonest, most important, A to Z.
DEFAULT_ORDER: dict[str, str] = {
    "manual": "asc",
    "created": "desc",
    "due": "asc",
    "priority": "desc",
    "title": "asc",
}
ASSIGNEE_ME = "me"  # TaskQuery.assignee: the tasks assigned to the caller
INBOX = "inbox"  # list_id=inbox: the tasks in no list
TOP_LEVEL = "none"  # parent_id=none: the tasks that are no one's sub-task

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
OFFSET_MAX = 1_000_000

NOT_FOUND_MESSAGE = "Task not found"
STALE_MESSAGE = "This task was changed elsewhere"


def public_recurrence(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The rule as clients see it (without the series start kept for COUNT and UNTIL)."""
    if not stored:
        return None
    return {"rule": stored["rule"], "from_completion": bool(stored.get("from_completion"))}


@dataclass(frozen=True)
class TaskData:
    """One task as the front doors see it: no owner id, nothing tied to a database session."""

    id: uuid.UUID
    title: str
    description: str
    completed: bool
    version: int
    created_at: datetime
    updated_at: datetime
    list_id: uuid.UUID | None = None
    priority: str = "none"
    tags: tuple[str, ...] = ()
    due_date: date | None = None
    due_time: time | None = None
    due_at: datetime | None = None
    recurrence: dict[str, Any] | None = None
    reminders: tuple[int, ...] = ()
    parent_id: uuid.UUID | None = None
    position: str = "a0"
    # In a shared list: who it is for, who added it, who completed it (None: nobody, unknown).
    assignee_id: uuid.UUID | None = None
    created_by: uuid.UUID | None = None
    completed_by: uuid.UUID | None = None
    # Its direct sub-tasks, and how many of them are completed (counted when read).
    subtask_count: int = 0
    subtasks_done: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (str ids, ISO 8601 dates and times), for the API and for Reflex state."""
        return {
            "id": str(self.id),
            "title": self.title,
            "description": self.description,
            "completed": self.completed,
            "version": self.version,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "list_id": str(self.list_id) if self.list_id else None,
            "priority": self.priority,
            "tags": list(self.tags),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "due_time": self.due_time.strftime("%H:%M") if self.due_time else None,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "recurrence": public_recurrence(self.recurrence),
            "reminders": [{"minutes_before": m} for m in self.reminders],
            "parent_id": str(self.parent_id) if self.parent_id else None,
            "position": self.position,
            "assignee_id": _str(self.assignee_id),
            "created_by": _str(self.created_by),
            "completed_by": _str(self.completed_by),
            "subtask_count": self.subtask_count,
            "subtasks_done": self.subtasks_done,
        }

    @classmethod
    def from_values(cls, values: Sequence[Any]) -> TaskData:
        """A task from its fields' values, in field order, as a page read has them.

        Skips the frozen ``__init__``, which sets each of the 15 fields through
        ``object.__setattr__``: 1.7 us a task against 0.7, so 50 us of every 50-task page
        (bench/README.md, api_bench). Nothing is lost: the class checks nothing on
        construction (no ``__post_init__``; tests/unit/test_task_data.py holds it to that)."""
        task = _new(cls)
        task.__dict__.update(zip(_FIELD_NAMES, values, strict=True))
        return task

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> TaskData:
        """The inverse of ``to_dict`` (for rows kept in the change engine's log)."""
        optional = {
            "list_id": uuid.UUID(raw["list_id"]) if raw.get("list_id") else None,
            "priority": raw.get("priority", "none"),
            "tags": tuple(raw.get("tags", ())),
            "due_date": date.fromisoformat(raw["due_date"]) if raw.get("due_date") else None,
            "due_time": time.fromisoformat(raw["due_time"]) if raw.get("due_time") else None,
            "due_at": datetime.fromisoformat(raw["due_at"]) if raw.get("due_at") else None,
            "recurrence": raw.get("recurrence"),
            "reminders": tuple(r["minutes_before"] for r in raw.get("reminders", ())),
            "parent_id": uuid.UUID(raw["parent_id"]) if raw.get("parent_id") else None,
            "position": raw.get("position", "a0"),
            "assignee_id": _uuid_or_none(raw.get("assignee_id")),
            "created_by": _uuid_or_none(raw.get("created_by")),
            "completed_by": _uuid_or_none(raw.get("completed_by")),
            "subtask_count": raw.get("subtask_count", 0),
            "subtasks_done": raw.get("subtasks_done", 0),
        }
        return cls(
            id=uuid.UUID(raw["id"]),
            title=raw["title"],
            description=raw["description"],
            completed=raw["completed"],
            version=raw["version"],
            created_at=datetime.fromisoformat(raw["created_at"]),
            updated_at=datetime.fromisoformat(raw["updated_at"]),
            **optional,
        )


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


def _uuid_or_none(raw: Any) -> uuid.UUID | None:
    return uuid.UUID(raw) if raw else None


# The fields a task's own row holds (its tags come from their own table, its sub-task counts
# from its sub-tasks' rows).
_FIELD_NAMES = tuple(f.name for f in fields(TaskData))
_new = object.__new__
COUNTED: tuple[str, ...] = ("subtask_count", "subtasks_done")
ROW_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(TaskData) if f.name != "tags" and f.name not in COUNTED
)


@dataclass(frozen=True)
class TaskPage:
    """One page of a list; ``total`` counts every matching task, so pagers know the end."""

    items: list[TaskData]
    total: int


@dataclass(frozen=True)
class TaskCounts:
    total: int
    active: int
    completed: int


@dataclass(frozen=True)
class TaskQuery:
    """What a list request asks for; every filter combines with AND."""

    status: str = "all"
    q: str = ""
    list_id: str | None = None  # a list's UUID, or "inbox"
    priority: tuple[str, ...] = ()  # any of these
    tag: tuple[str, ...] = ()  # all of these
    due: str | None = None
    due_before: str | None = None  # inclusive, YYYY-MM-DD
    due_after: str | None = None
    parent_id: str | None = None  # a task's UUID (its sub-tasks), or "none" (top level)
    assignee: str | None = None  # "me": the tasks assigned to the caller
    sort: str = "created"
    order: str | None = None
    limit: int = PAGE_SIZE_DEFAULT
    offset: int = 0


@dataclass(frozen=True)
class TaskChange:
    """What one committed write did to an owner's tasks: the rows as they are now, the ids
    that are gone, and what each of them was before. Open pages apply it as it is (no
    re-read), and count a row in or out of the view they show by its two values.

    ``previous`` maps each row the write touched to its value before (None: it did not
    exist). A change without it is a read (rows sent as they are: a page's "Load more", the
    stored row of a stale refusal): it moves no count. ``mutation_id`` names the page
    mutation that caused it (empty for the REST API), and ``origin`` the tab that sent it,
    which already knows the outcome.
    """

    owner_id: uuid.UUID
    upserted: tuple[TaskData, ...] = ()
    removed: tuple[uuid.UUID, ...] = ()
    previous: Mapping[uuid.UUID, TaskData | None] = dataclasses.field(default_factory=dict)
    mutation_id: str = ""
    origin: str = ""

    def __bool__(self) -> bool:
        return bool(self.upserted or self.removed)

    def transitions(self) -> list[tuple[TaskData | None, TaskData | None]]:
        """Each written row as (before, now); None for absent."""
        now = {task.id: task for task in self.upserted}
        return [(old, now.get(task_id)) for task_id, old in self.previous.items()]

    @property
    def total_delta(self) -> int:
        """How the owner's number of tasks moved."""
        return sum((new is not None) - (old is not None) for old, new in self.transitions())

    @property
    def active_delta(self) -> int:
        """How the owner's number of open tasks moved."""
        return sum(_open(new) - _open(old) for old, new in self.transitions())

    def merged(self, other: TaskChange) -> TaskChange:
        """Both changes as one (``other`` after ``self``), for writes made in one unit."""
        gone = {*self.removed, *other.removed}
        newer = {task.id for task in other.upserted}
        upserted = [t for t in self.upserted if t.id not in newer and t.id not in gone]
        return dataclasses.replace(
            self,
            upserted=(*upserted, *(t for t in other.upserted if t.id not in gone)),
            removed=tuple(gone),
            previous={**other.previous, **self.previous},  # each row as it was before both
        )


def _open(task: TaskData | None) -> int:
    return int(task is not None and not task.completed)


def change_between(
    owner_id: uuid.UUID,
    before: Iterable[TaskData | None],
    after: Iterable[TaskData | None],
) -> TaskChange:
    """The change from each row's old value to its new one (None: absent)."""
    upserted: list[TaskData] = []
    removed: list[uuid.UUID] = []
    previous: dict[uuid.UUID, TaskData | None] = {}
    for old, new in zip(before, after, strict=True):
        if new is not None:
            upserted.append(new)
            previous[new.id] = old
        elif old is not None:
            removed.append(old.id)
            previous[old.id] = old
    return TaskChange(owner_id, tuple(upserted), tuple(removed), previous)
