"""One unit of work: a transaction whose task changes are announced once it has committed.

Every task write takes a session and returns the change it made; a whole write is

    with unit_of_work() as uow:
        task, change = writes.create_in(uow.session, owner_id, "Buy milk")
        uow.record(change)

and the listeners (the app's composition root subscribes the live updates) hear the change
after the commit, never before, and never when the transaction fails. The change engine
(``tasks.mutations``) runs its own transaction around the same ``*_in`` writes and
announces through ``announce``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlmodel import Session

from todo_app.db import session_scope
from todo_app.tasks.types import TaskChange

logger = logging.getLogger("todo_app.tasks")

# Called with every committed TaskChange, whichever door it came through. The app's
# composition root subscribes the live updates here; listeners must not raise.
change_listeners: list[Callable[[TaskChange], None]] = []
# Called, after the commit, with the users whose visible lists changed (a list shared with
# them, or no longer): the sharing service calls each; the composition root subscribes the
# live updates (their open pages load again). Here so the lists service need not import them.
membership_listeners: list[Callable[[list[uuid.UUID]], None]] = []


def announce_membership(user_ids: list[uuid.UUID]) -> None:
    """Tell the listeners these users' lists changed (after the commit; never raises)."""
    if not user_ids:
        return
    for listener in list(membership_listeners):
        try:
            listener(list(user_ids))
        except Exception:
            logger.exception("a membership listener failed")


def announce(change: TaskChange) -> None:
    """Tell the listeners about a committed change (after the commit, never before)."""
    if not change:
        return
    for listener in list(change_listeners):
        try:
            listener(change)
        except Exception:
            logger.exception("a change listener failed")


@dataclass
class UnitOfWork:
    session: Session
    changes: list[TaskChange] = field(default_factory=list)

    def record(self, change: TaskChange) -> None:
        """Announce ``change`` once this unit has committed."""
        self.changes.append(change)


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """A transaction (``session_scope``) that announces its recorded changes after it commits."""
    with session_scope() as session:
        uow = UnitOfWork(session)
        yield uow
    for change in uow.changes:
        announce(change)
