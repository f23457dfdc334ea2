"""The change engine's server side: a page's task mutations, each applied exactly once.

A mutation is self-contained (DESIGN.md principle 3): its id (made in the browser), a kind,
the task it touches, the new values of the fields it sets and the version it was based on.
It never says "toggle whatever is stored", so it means the same on any worker, after a
restart, and on a server state that has never seen the tab.

Exactly once: the mutation's id is claimed in ``task_mutations`` by the last statement of
the transaction that applies it, one INSERT that also records the outcome. A mutation sent
again (a reload, a reconnect, a second worker) fails that INSERT on its primary key, so its
transaction rolls back and it is answered with the recorded outcome instead of applying
twice. A refusal is recorded too, so the answer never changes; only an unexpected failure is
left unrecorded, so Retry may pass.

Kinds are declared in ``KINDS``: each one applies itself through the task service and
returns the plan that reverses it. Undo is one more kind, which runs a recorded plan (and so
records the plan that reverses the undo). A new field joins through
``fields.validate_changes``; a new kind is one function and one entry here.

Why one module of about 510 lines: the wire format (``parse``), the kinds and the exactly-once
log are one transaction and one answer (``Receipt``): a kind is not understood without the
claim that makes it happen once, nor the log without the kinds' undo plans. Where a page's
batch runs (the event loop or a thread) is ``tasks/outbox.py``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, col

from todo_app import db
from todo_app.db import session_scope, write_scope
from todo_app.errors import Forbidden, InvalidInput, NotFound, ServiceError, StaleVersion
from todo_app.models import TaskMutation, utcnow
from todo_app.tasks import unit_of_work, writes
from todo_app.tasks.change_kinds import (
    APPLIED,
    KINDS,
    Applied,
    Mutation,
    NothingToUndo,
    Waiting,
)
from todo_app.tasks.types import TaskChange, TaskData

logger = logging.getLogger("todo_app.tasks.mutations")

BATCH_MAX = 100  # mutations one message may carry
BUSY_RETRIES = 4  # tries again when SQLite's write lock was held past its busy timeout
MADE_AT_WINDOW = timedelta(days=7)  # how old a change's own time may be and still be used
LOG_RETENTION = timedelta(days=30)  # outcomes: how long an offline page's replay is answered
# Undo plans hold a deleted task's whole contents; Undo and Ctrl+Z are for the moment after a
# change, so the contents go after a day while the outcome stays (README: Your data).
UNDO_RETENTION = timedelta(days=1)

REFUSED = "refused"
FAILED = "failed"  # unexpected; not recorded, so the same mutation may be sent again

# Why a mutation was refused, for the page to put in words.
INVALID = "invalid"  # bad input; ``detail`` names the problem
DELETED = "deleted"  # the task is gone (or was never this user's)
STALE = "stale"  # changed elsewhere since the version it was based on
NOTHING = "nothing"  # an undo with nothing (left) to undo
FORBIDDEN = "forbidden"  # seen but not changeable (a viewer); ``detail`` is the service's reason


@dataclass(frozen=True)
class Receipt:
    """What the sender is told. ``change`` holds the rows as they are now (empty on replay)."""

    mid: str
    status: str
    reason: str = ""
    detail: str = ""
    change: TaskChange | None = None
    # A refused "stale" mutation carries the stored task, so the page shows the latest.
    current: TaskData | None = None


# --- parsing: every argument from a socket is checked before anything else ---------------


def _uuid(raw: Any, name: str) -> uuid.UUID:
    try:
        if isinstance(raw, str) and len(raw) <= 36:
            return uuid.UUID(raw)
    except ValueError:
        pass
    raise InvalidInput({name: f"{name} must be a UUID"})


def _version(raw: Any) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw < 2**31:
        raise InvalidInput({"base_version": "Version must be a whole number from 1"})
    return raw


def parse(raw: Any) -> Mutation:
    """A Mutation from the JSON a page sent; InvalidInput names what is wrong."""
    if not isinstance(raw, dict):
        raise InvalidInput({"mutation": "A mutation must be an object"})
    unknown = set(raw) - {f.name for f in dataclasses.fields(Mutation)}
    if unknown:
        raise InvalidInput({"mutation": f"Unknown key {sorted(unknown)[0]!r}"})
    kind = raw.get("kind")
    if kind not in KINDS:
        raise InvalidInput({"kind": f"Unknown kind of change {str(kind)[:20]!r}"})
    fields_ = raw.get("fields")
    fields_ = {} if fields_ is None else fields_
    if not isinstance(fields_, dict):
        raise InvalidInput({"fields": "Fields must be an object"})
    needs_task = KINDS[kind].needs_task
    return Mutation(
        mid=_uuid(raw.get("mid"), "mid"),
        kind=kind,
        task_id=_uuid(raw.get("task_id"), "task_id") if needs_task else None,
        fields=fields_,
        base_version=_version(raw.get("base_version")),
        after=_uuid(raw["after"], "after") if raw.get("after") is not None else None,
        of=_uuid(raw.get("of"), "of") if kind == "undo" else None,
        at=_made_at(raw.get("at")),
    )


def _made_at(raw: Any) -> datetime | None:
    """The page's time of the change, if believable: not ahead of this server (a few minutes
    of clock drift aside) and not older than an outage could keep a change waiting."""
    if raw is None:
        return None
    try:
        made = datetime.fromisoformat(raw) if isinstance(raw, str) and len(raw) <= 40 else None
    except ValueError:
        made = None
    if made is None or made.tzinfo is None:
        raise InvalidInput({"at": "at must be an ISO 8601 time with a zone"})
    now = utcnow()
    return made if now - MADE_AT_WINDOW <= made <= now + writes.CLOCK_SKEW else None


# --- applying -----------------------------------------------------------------------------


def _refusal(mid: str, exc: ServiceError) -> Receipt:
    if isinstance(exc, StaleVersion):
        return Receipt(mid, REFUSED, STALE, exc.message, current=exc.current)  # type: ignore[arg-type]
    if isinstance(exc, NotFound):
        return Receipt(mid, REFUSED, DELETED, exc.message)
    if isinstance(exc, NothingToUndo):
        return Receipt(mid, REFUSED, NOTHING, exc.message)
    if isinstance(exc, Forbidden):
        return Receipt(mid, REFUSED, FORBIDDEN, exc.message)
    if isinstance(exc, InvalidInput):
        return Receipt(mid, REFUSED, INVALID, next(iter(exc.fields.values()), exc.message))
    return Receipt(mid, REFUSED, INVALID, exc.message)  # any other refusal, in its words


def _recorded(owner: uuid.UUID, mid: uuid.UUID) -> Receipt | None:
    """The outcome recorded for ``mid``, if it was ever applied or refused."""
    with session_scope() as session:
        row = session.get(TaskMutation, mid)
    if row is None:
        return None
    if row.owner_id != owner:
        # Someone else's mutation id: say nothing about it.
        return Receipt(str(mid), REFUSED, INVALID, "This change id is already in use")
    return Receipt(
        str(mid), row.status, row.outcome.get("reason", ""), row.outcome.get("detail", "")
    )


def _record_refusal(owner: uuid.UUID, m: Mutation, receipt: Receipt) -> Receipt:
    try:
        with session_scope() as session:
            session.add(
                TaskMutation(
                    id=m.mid,
                    owner_id=owner,
                    kind=m.kind,
                    status=REFUSED,
                    outcome={"reason": receipt.reason, "detail": receipt.detail},
                )
            )
    except IntegrityError:
        return _recorded(owner, m.mid) or receipt
    return receipt


# The claim and its outcome, one INSERT built once (Core: this is the path every click takes).
_CLAIM = sa.insert(TaskMutation.__table__)  # type: ignore[attr-defined]


def _apply_once(owner: uuid.UUID, m: Mutation) -> Applied:
    """Apply ``m`` and record its outcome in one transaction (``write_scope``)."""
    with write_scope() as session:
        return _apply_in(session, owner, m)


def _apply_in(session: Session, owner: uuid.UUID, m: Mutation) -> Applied:
    """Apply ``m`` and record its outcome, in the caller's transaction.

    The id is claimed by the transaction's last statement, which also records the outcome:
    if ``m`` was applied already (a replay, or a second sender racing this one), that INSERT
    fails on the primary key, the whole transaction rolls back, and ``apply`` answers with the
    recorded outcome. A replay may so run its kind a second time, but never commits it."""
    applied = KINDS[m.kind].apply(session, owner, m)
    session.execute(
        _CLAIM,
        {
            "id": m.mid,
            "owner_id": owner,
            "kind": m.kind,
            "status": APPLIED,
            "outcome": {"versions": applied.versions},
            "undo": applied.undo,
            "created_at": utcnow(),
        },
    )
    return applied


# What the event loop may apply itself (``apply_now``): one task's change.
NOW_KINDS = frozenset({"create", "set", "delete"})


def apply_now(owner: uuid.UUID, m: Mutation, *, origin: str = "") -> Receipt | None:
    """On the event loop: ``m`` applied, recorded and announced now, or None.

    ``db.Busy`` when a lock is taken (nothing was done; try again in a moment). None when it
    would wait otherwise (a repeat rule to walk) or is anything but a plain success (a
    refusal, a replay, an error): nothing was committed, and ``apply``, in a thread, then
    makes and answers it in full."""
    if m.kind not in NOW_KINDS:
        return None
    try:
        with db.write_now() as session:
            applied = _apply_in(session, owner, m)
    except db.Busy:
        raise  # a lock is taken: the caller tries again shortly
    except Exception:
        return None
    change = dataclasses.replace(applied.change, mutation_id=str(m.mid), origin=origin)
    unit_of_work.announce(change)
    return Receipt(str(m.mid), APPLIED, change=change)


def _busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked" (another writer held the lock past the busy timeout)."""
    return "locked" in str(exc).lower() or "busy" in str(exc).lower()


def apply(owner: uuid.UUID, m: Mutation, *, origin: str = "") -> Receipt:
    """Apply ``m`` as ``owner`` unless it was already; announce what changed (runs in a thread).

    A database that is only busy is tried again (a failed change makes every change made on
    top of it wait, so a passing lock must not fail it)."""
    mid = str(m.mid)
    busy_tries = 0
    attempt = 0
    while attempt < 2:
        try:
            applied = _apply_once(owner, m)
        except ServiceError as exc:
            return _record_refusal(owner, m, _refusal(mid, exc))
        except Waiting:
            # (A replay of a recorded mutation is answered with its outcome, not told to wait.)
            return _recorded(owner, m.mid) or Receipt(
                mid, FAILED, detail="waiting for an earlier change"
            )
        except OperationalError as exc:
            if _busy(exc) and busy_tries < BUSY_RETRIES:
                busy_tries += 1
                time.sleep(0.05 * busy_tries)
                continue
            logger.exception("a task mutation failed")
            return Receipt(mid, FAILED)
        except IntegrityError:
            recorded = _recorded(owner, m.mid)
            if recorded is not None:
                return recorded
            attempt += 1
            if attempt < 2:
                continue  # a clash inside the change (a concurrent create of the same task)
            logger.exception("a task mutation failed")
            return Receipt(mid, FAILED)
        except Exception:
            logger.exception("a task mutation failed")
            return Receipt(mid, FAILED)
        change = dataclasses.replace(applied.change, mutation_id=mid, origin=origin)
        unit_of_work.announce(change)
        return Receipt(mid, APPLIED, change=change)
    return Receipt(mid, FAILED)  # pragma: no cover (the loop always returns)


def purge_log(
    older_than: timedelta = LOG_RETENTION, undo_older_than: timedelta = UNDO_RETENTION
) -> int:
    """Forget outcomes old enough that no page can still be waiting for them, and the undo
    plans (deleted contents included) of changes too old to undo; returns the rows deleted."""
    now = utcnow()
    with session_scope() as session:
        result = session.exec(
            sa.delete(TaskMutation).where(col(TaskMutation.created_at) < now - older_than)
        )
        session.exec(
            sa.update(TaskMutation)
            .where(
                col(TaskMutation.created_at) < now - undo_older_than,
                sa.cast(col(TaskMutation.undo), sa.String) != "{}",
            )
            .values(undo={})
        )
    return result.rowcount or 0
