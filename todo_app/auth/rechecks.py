"""When an open page must read its session from the database again.

An open page checks its session against the database once, then trusts it for
``RECHECK_SECONDS`` (a change is then a change, not a change plus a session read). What can
end or alter a session sooner (a sign-out elsewhere, a revoked session, a password change or
reset, a deleted account, a new name or time zone) is announced by the auth service as "this
account changed"; every worker hears it and marks the account, and the account's pages then
read their session again before their next handler runs or their next live update is pushed.

One worker keeps the marks in memory. With Redis (several workers) a mark is published on a
channel every worker listens to, so no event or push costs a Redis round trip. A mark only
matters until every page would have read its session again anyway, so marks older than
``RECHECK_SECONDS`` (and a margin) are forgotten.

Nothing here may break a write: a failure to publish is logged, and the pages then read their
session again within ``RECHECK_SECONDS`` all the same.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid

from todo_app.channels import RedisChannel
from todo_app.settings import get_settings

logger = logging.getLogger("todo_app.auth")

RECHECK_SECONDS = 60.0  # the longest an open page trusts a session read without a mark
_KEPT_SECONDS = 2 * RECHECK_SECONDS
CHANNEL = "todo:account-changed"


class Rechecks:
    """The accounts whose sessions changed lately (one worker: in memory)."""

    def __init__(self) -> None:
        self._marked: dict[str, float] = {}
        self._lock = threading.Lock()

    def mark(self, user_id: uuid.UUID | str) -> None:
        """The account's sessions or profile changed (called after the commit, any thread)."""
        self._note(str(user_id))

    def _note(self, user_id: str) -> None:
        now = time.time()
        with self._lock:
            self._marked[user_id] = now
            if len(self._marked) > 1000:  # forget the marks no page can still need
                cutoff = now - _KEPT_SECONDS
                self._marked = {k: v for k, v in self._marked.items() if v > cutoff}

    def since(self, user_id: str) -> float:
        """When the account was last marked here (epoch seconds; 0 if not lately)."""
        return self._marked.get(user_id, 0.0)

    def start(self) -> None:
        """Begin hearing other workers' marks (nothing to hear with one worker)."""


class RedisRechecks(Rechecks):
    """Several workers: each mark is published, and every worker applies what it hears.
    Marks missed while a listener reconnects are covered by ``RECHECK_SECONDS``."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self._channel = RedisChannel(url, CHANNEL)

    def mark(self, user_id: uuid.UUID | str) -> None:
        self._note(str(user_id))  # this worker at once, whatever Redis does
        try:
            self._channel.publish(str(user_id).encode())
        except Exception:
            logger.warning("could not announce an account change to the other workers")

    def start(self) -> None:
        self._channel.listen(lambda data: self._note(data.decode()))


@dataclasses.dataclass(frozen=True)
class Trust:
    """A page's last read of its session: when it was taken (before the read) and when the
    session expires, both epoch seconds. The page acts on it, and is sent live rows, while
    it ``holds``."""

    checked_at: float
    expires_at: float

    def holds(self, user_id: str) -> bool:
        """Read under ``RECHECK_SECONDS`` ago, not expired, and no change of the account
        announced by any worker since."""
        now = time.time()
        return (
            now - self.checked_at < RECHECK_SECONDS
            and now < self.expires_at
            and rechecks.since(user_id) < self.checked_at
        )


def make_rechecks() -> Rechecks:
    url = get_settings().redis_url
    return RedisRechecks(url) if url else Rechecks()


rechecks = make_rechecks()
