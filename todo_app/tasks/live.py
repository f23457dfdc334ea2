"""Every open page is live: a change made in one tab, on another device or through the REST
API reaches the user's other open task pages as the changed rows (DESIGN.md principle 6).

How: the task service announces each committed write as a ``TaskChange`` (the rows as they
are now, the ids removed, how the counts moved). This module keeps, per user, the client
tokens of the tabs showing their tasks (in process memory, or in Redis when several workers
share the load), and hands the change to each of those tabs except the one that made it.
Nothing is read from the database for this: each tab gets the same small delta. A burst of
changes (rapid clicks) reaches a tab as one update.

The composition root (todo_app/todo_app.py) wires it: ``service.change_listeners`` gets
``live.changed``, and ``install`` names how to push to a tab and how to tell it is open. With
Redis, Reflex routes each update to whichever worker holds the tab's socket.

Nothing here may break a write: every failure is logged and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from todo_app.settings import get_settings
from todo_app.tasks.types import TaskChange

logger = logging.getLogger("todo_app.live")

COALESCE_SECONDS = 0.02  # changes within this window reach a tab as one update
VIEWER_TTL_SECONDS = 7 * 86_400


class Viewers(Protocol):
    def add(self, user_id: str, token: str) -> None: ...
    def remove(self, user_id: str, token: str) -> None: ...
    def tokens(self, user_id: str) -> list[str]: ...


class MemoryViewers:
    """One worker: the tabs it serves are all it needs to know."""

    def __init__(self) -> None:
        self._by_user: dict[str, dict[str, float]] = {}
        self._lock = threading.Lock()

    def add(self, user_id: str, token: str) -> None:
        with self._lock:
            self._by_user.setdefault(user_id, {})[token] = time.time()

    def remove(self, user_id: str, token: str) -> None:
        with self._lock:
            tokens = self._by_user.get(user_id, {})
            tokens.pop(token, None)
            if not tokens:
                self._by_user.pop(user_id, None)

    def tokens(self, user_id: str) -> list[str]:
        cutoff = time.time() - VIEWER_TTL_SECONDS
        with self._lock:
            tokens = self._by_user.get(user_id, {})
            return [t for t, seen in tokens.items() if seen > cutoff]


class RedisViewers:
    """Several workers: a sorted set per user (token -> last load), shared through Redis."""

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    @staticmethod
    def _key(user_id: str) -> str:
        return f"todo:viewers:{user_id}"

    def add(self, user_id: str, token: str) -> None:
        key = self._key(user_id)
        pipe = self._redis.pipeline()
        pipe.zadd(key, {token: time.time()})
        pipe.expire(key, VIEWER_TTL_SECONDS)
        pipe.execute()

    def remove(self, user_id: str, token: str) -> None:
        self._redis.zrem(self._key(user_id), token)

    def tokens(self, user_id: str) -> list[str]:
        key = self._key(user_id)
        self._redis.zremrangebyscore(key, "-inf", time.time() - VIEWER_TTL_SECONDS)
        return [t.decode() for t in self._redis.zrange(key, 0, -1)]


# A push answers False when the tab may no longer see the user's rows (its session ended):
# the tab is then forgotten as a viewer.
Push = Callable[[str, list[TaskChange]], Awaitable[bool | None]]
Connected = Callable[[str], Awaitable[bool]]


class Live:
    """The wiring between the service's announcements and the open tabs."""

    def __init__(self, viewers: Viewers) -> None:
        self.viewers = viewers
        self.loop: asyncio.AbstractEventLoop | None = None
        self.push: Push | None = None
        self.connected: Connected | None = None
        self._pending: dict[str, list[TaskChange]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self, push: Push, connected: Connected | None = None) -> None:
        """Called once the app exists: how to update a tab, and how to tell if it is open."""
        self.push, self.connected = push, connected

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server's event loop at start-up (a lifespan task)."""
        self.loop = loop

    def watch(self, user_id: uuid.UUID, token: str) -> None:
        """This tab shows ``user_id``'s tasks (runs in a worker thread, beside the load)."""
        if token:
            try:
                self.viewers.add(str(user_id), token)
            except Exception:
                logger.warning("could not record a viewer", exc_info=True)

    def changed(self, change: TaskChange) -> None:
        """The service committed ``change`` (called from any thread)."""
        loop = self.loop
        if loop is None or self.push is None or loop.is_closed():
            return
        try:
            tokens = [t for t in self.viewers.tokens(str(change.owner_id)) if t != change.origin]
        except Exception:
            logger.warning("could not read the viewers", exc_info=True)
            return
        if tokens:
            loop.call_soon_threadsafe(self._schedule, str(change.owner_id), tokens, change)

    def _schedule(self, user_id: str, tokens: list[str], change: TaskChange) -> None:
        assert self.loop is not None
        for token in tokens:
            waiting = self._pending.get(token)
            if waiting is not None:
                waiting.append(change)  # joins the update already on its way
                continue
            self._pending[token] = [change]
            task = self.loop.create_task(self._deliver(user_id, token))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def each_tab(self, user_id: uuid.UUID, make: Callable[[str], Awaitable[bool | None]]) -> None:
        """Run ``make(token)`` on the server's loop for each open tab of the user (any thread);
        a tab for which it answers False is forgotten as a viewer."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return
        try:
            tokens = self.viewers.tokens(str(user_id))
        except Exception:
            logger.warning("could not read the viewers", exc_info=True)
            return

        async def guarded(token: str) -> None:
            try:
                if await make(token) is False:
                    await asyncio.to_thread(self.viewers.remove, str(user_id), token)
            except Exception:
                logger.warning("could not update an open page", exc_info=True)

        for token in tokens:
            asyncio.run_coroutine_threadsafe(guarded(token), loop)

    async def _deliver(self, user_id: str, token: str) -> None:
        await asyncio.sleep(COALESCE_SECONDS)
        changes = self._pending.pop(token, [])
        try:
            if self.connected is not None and not await self.connected(token):
                await asyncio.to_thread(self.viewers.remove, user_id, token)
                return
            assert self.push is not None
            if await self.push(token, changes) is False:
                await asyncio.to_thread(self.viewers.remove, user_id, token)
        except Exception:
            logger.warning("could not update an open page", exc_info=True)


def make_live() -> Live:
    url = get_settings().redis_url
    return Live(RedisViewers(url) if url else MemoryViewers())


live = make_live()
