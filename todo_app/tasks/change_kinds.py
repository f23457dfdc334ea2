"""The kinds of change the engine knows, declared in ``KINDS``: each applies itself through
the task services inside the caller's transaction and returns the plan that reverses it.
Undo is one more kind, which runs a recorded plan (and so records the plan that reverses the
undo). A new field joins through ``fields.validate_changes``; a new kind is one function and
one entry in ``KINDS``. Parsing a page's message and the exactly-once log around a kind are
``tasks/mutations.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from todo_app.errors import InvalidInput, NotFound, ServiceError, StaleVersion
from todo_app.models import Task, TaskMutation
from todo_app.tasks import deletes, moves, placing, quick_add, writes
from todo_app.tasks.fields import (
    TITLE_EMPTY,
    UPDATABLE_FIELDS,
    validate_changes,
    validate_parent_id,
)
from todo_app.tasks.types import TaskChange, TaskData

APPLIED = "applied"

# {"restore": [row dicts], "set": [{id, fields, version, position?}], "delete": [task ids]}
Plan = dict[str, list[Any]]


@dataclass(frozen=True)
class Mutation:
    mid: uuid.UUID
    kind: str
    task_id: uuid.UUID | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    base_version: int | None = None
    # The mutation this one was made on top of (same task, same page, still unconfirmed then):
    # its recorded version is the version this one expects.
    after: uuid.UUID | None = None
    of: uuid.UUID | None = None  # undo: the mutation to reverse
    # When the user made it (the page's clock): a task keeps its place in the list from the
    # moment it was added, however late the server hears of it (see ``_made_at``).
    at: datetime | None = None


@dataclass
class Applied:
    change: TaskChange
    undo: Plan
    versions: dict[str, int]


def _fields(mutation: Mutation, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The fields a mutation sets, as the service will store them."""
    unknown = set(mutation.fields) - set(allowed)
    if unknown:
        raise InvalidInput({"fields": f"Unknown field {sorted(unknown)[0]!r}"})
    return validate_changes(**mutation.fields)


def _wire(task: TaskData, names: Any) -> dict[str, Any]:
    """Fields of ``task`` as JSON (they go into the recorded undo plan)."""
    values = task.to_dict()
    return {name: values[name] for name in names}


# --- the kinds ----------------------------------------------------------------------------


def _versions(change: TaskChange) -> dict[str, int]:
    return {str(task.id): task.version for task in change.upserted}


def _create(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    given = dict(m.fields)
    text, ignore = given.pop("text", None), given.pop("ignore", ())
    if text is not None:
        # Quick add: the server parses the sentence itself (the page's preview came from the
        # same parser); what the page guessed for the title is only what it showed meanwhile.
        given.pop("title", None)
        given = {**quick_add.fields_from_text(session, owner, text, ignore), **given}
    _fields(Mutation(m.mid, m.kind, fields=given), UPDATABLE_FIELDS)
    if "title" not in given:
        raise InvalidInput({"title": TITLE_EMPTY})
    assert m.task_id is not None
    task, change = writes.create_in(
        session,
        owner,
        given.pop("title"),
        given.pop("description", ""),
        task_id=m.task_id,
        completed=given.pop("completed", False),
        created_at=m.at,
        **given,
    )
    return Applied(change, {"delete": [str(task.id)]}, {str(task.id): task.version})


_LOG: sa.Table = TaskMutation.__table__  # type: ignore[attr-defined]
_OUTCOME = sa.select(_LOG.c.owner_id, _LOG.c.status, _LOG.c.outcome).where(
    _LOG.c.id == sa.bindparam("mid")
)


def _expected_version(session: Session, owner: uuid.UUID, m: Mutation) -> int | None:
    """The version ``m`` was based on: what the mutation it followed left, if that applied."""
    if m.after is not None:
        earlier = session.execute(_OUTCOME, {"mid": m.after}).first()
        if earlier is None:
            # The change this one was made on top of has no outcome yet (it failed for a
            # passing reason and was not recorded): this one waits for it instead of being
            # judged against a version it was never meant for.
            raise Waiting()
        if earlier.owner_id == owner and earlier.status == APPLIED:
            version = earlier.outcome.get("versions", {}).get(str(m.task_id))
            if version is not None:
                return int(version)
    return m.base_version


class Waiting(Exception):
    """A mutation whose predecessor has no outcome: it fails for now (unrecorded), so it is
    sent again after its predecessor, instead of being refused for a stale version."""


def _set(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    new = _fields(m, UPDATABLE_FIELDS)
    assert m.task_id is not None
    written = writes.write_in(
        session, owner, m.task_id, lambda _task: new, _expected_version(session, owner, m)
    )
    # Exactly what the write changed, which can be more than was asked (clearing the date
    # clears its time; completing a recurring task moves its due date instead; completing
    # a parent completes its sub-tasks, and one Undo opens them again).
    undo = _undo_steps((written.before, written.after), written.below)
    return Applied(written.change, undo, _versions(written.change))


def _undo_steps(task: tuple[TaskData, TaskData], below: list[tuple[TaskData, TaskData]]) -> Plan:
    """The plan that puts a written task (before, after) and the sub-tasks its write changed
    (``below``) back as they were: one step each, the sub-tasks' first (the task's own step
    may take them back to its old list, which would make theirs stale). A task whose place
    changed gets its parent, list and key back in its one step (two steps would make the
    second stale). A sub-task's step never names its list: its list follows its parent's,
    and a list named alone would take it out of its parent."""
    steps: list[dict[str, Any]] = []
    pairs = [*((pair, True) for pair in below), (task, False)]
    for (before, after), is_below in pairs:
        names = [
            name
            for name in writes.changed_fields(before, after)
            if not (is_below and name == "list_id")
        ]
        step: dict[str, Any] = {
            "id": str(after.id),
            "fields": _wire(before, names),
            "version": after.version,
        }
        place = ("position", "parent_id", "list_id")
        if not is_below and _wire(before, place) != _wire(after, place):
            step["fields"].update(_wire(before, ("parent_id", "list_id")))
            step["position"] = before.position
        if step["fields"]:
            steps.append(step)
    return {"set": steps} if steps else {}


def _place_step(task: TaskData, version: int) -> dict[str, Any]:
    parent = str(task.parent_id) if task.parent_id else None
    return {"id": str(task.id), "parent_id": parent, "position": task.position, "version": version}


def _deleted(deleted: list[TaskData], change: TaskChange) -> Applied:
    return Applied(change, {"restore": [t.to_dict() for t in deleted]}, {})


def _delete(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    assert m.task_id is not None
    return _deleted(*deletes.delete_one_in(session, owner, m.task_id))


def _clear_completed(session: Session, owner: uuid.UUID, _m: Mutation) -> Applied:
    return _deleted(*deletes.clear_completed_in(session, owner))


def _set_all(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    completed = _fields(m, ("completed",)).get("completed")
    if completed is None:
        raise InvalidInput({"completed": "Completed must be true or false"})
    before, after, change = writes.set_all_in(session, owner, completed)
    undo = [
        {"id": str(a.id), "fields": _wire(b, writes.changed_fields(b, a)), "version": a.version}
        for b, a in zip(before, after, strict=True)
    ]
    return Applied(change, {"set": undo}, _versions(change))


def _run_plan(session: Session, owner: uuid.UUID, plan: Plan) -> Applied:
    """Carry out a recorded plan; returns the plan that reverses it (so undo can be undone)."""
    change, inverse = TaskChange(owner), {"restore": [], "set": [], "place": [], "delete": []}
    if plan.get("restore"):
        rows = [TaskData.from_dict(row) for row in plan["restore"]]
        restored, restored_change = deletes.restore_in(session, owner, rows)
        change = change.merged(restored_change)
        inverse["delete"] += [str(t.id) for t in restored]
    for step in plan.get("set", []):
        values = validate_changes(**step["fields"])
        if "position" in step:
            values["position"] = placing.checked_key(step["position"])
        try:
            written = writes.write_in(
                session, owner, uuid.UUID(step["id"]), lambda _task, v=values: v, step["version"]
            )
        except (NotFound, StaleVersion, InvalidInput):
            continue  # changed, moved or deleted since, or its old parent is gone
        change = change.merged(written.change)
        for kind, steps in _undo_steps((written.before, written.after), written.below).items():
            inverse[kind] += steps
    # (A "place" step: plans recorded before a place went back in its task's "set" step.)
    for step in plan.get("place", []):
        try:
            written = writes.write_in(
                session,
                owner,
                uuid.UUID(step["id"]),
                lambda _task, s=step: {
                    "parent_id": validate_parent_id(s["parent_id"]),
                    "position": placing.checked_key(s["position"]),
                },
                step["version"],
            )
        except (NotFound, StaleVersion, InvalidInput):
            continue  # moved, changed or deleted since, or its old parent is gone
        change = change.merged(written.change)
        inverse["place"].append(_place_step(written.before, written.after.version))
    if plan.get("delete"):
        ids = [uuid.UUID(task_id) for task_id in plan["delete"]]
        deleted, deleted_change = deletes.delete_where_in(session, owner, col(Task.id).in_(ids))
        change = change.merged(deleted_change)
        inverse["restore"] += [t.to_dict() for t in deleted]
    return Applied(change, {k: v for k, v in inverse.items() if v}, _versions(change))


def _move(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    """``fields``: ``parent_id`` (None: top level) and ``before_id`` (None: last)."""
    unknown = set(m.fields) - {"parent_id", "before_id"}
    if unknown:
        raise InvalidInput({"fields": f"Unknown field {sorted(unknown)[0]!r}"})
    assert m.task_id is not None
    # Asked only for its wait: a move made on top of an unrecorded change waits for it. The
    # version is not checked (``moves.move_in``: a move never conflicts with an edit).
    _expected_version(session, owner, m)
    written = moves.move_in(
        session,
        owner,
        m.task_id,
        validate_parent_id(m.fields.get("parent_id")),
        placing.validate_before_id(m.fields.get("before_id")),
    )
    return Applied(
        written.change,
        _undo_steps((written.before, written.after), written.below),
        _versions(written.change),
    )


def _undo(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    original = session.get(TaskMutation, m.of)
    if original is None or original.owner_id != owner or not original.undo:
        raise NothingToUndo()
    applied = _run_plan(session, owner, original.undo)
    if not applied.change:
        raise NothingToUndo()
    return applied


class NothingToUndo(ServiceError):
    def __init__(self) -> None:
        super().__init__("Nothing to undo")


@dataclass(frozen=True)
class Kind:
    apply: Callable[[Session, uuid.UUID, Mutation], Applied]
    needs_task: bool


KINDS: dict[str, Kind] = {
    "create": Kind(_create, needs_task=True),
    "set": Kind(_set, needs_task=True),
    "delete": Kind(_delete, needs_task=True),
    "set_all": Kind(_set_all, needs_task=False),
    "clear_completed": Kind(_clear_completed, needs_task=False),
    "undo": Kind(_undo, needs_task=False),
    "move": Kind(_move, needs_task=True),
}
