"""Every open page is live: a change made in one tab, on another device or through the REST
API reaches the user's other open task pages without a reload (DESIGN.md principle 6).

How: the task service announces each committed write with the owner's id. This module keeps,
per user, the client tokens of the tabs showing their tasks (in process memory, or in Redis
when several workers share the load), and asks each of those tabs, except the one that made
the change, to re-read its list. The re-read runs in that tab's own state under its lock
(``app.modify_state``), so it merges with the tab's optimistic changes like any load does;
with Redis, Reflex routes the update to whichever worker holds the tab's socket.

Nothing here may break a write: every failure is logged and dropped.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from todo_app.settings import get_settings
from todo_app.tasks import service

logger = logging.getLogger("todo_app.live")

# The client token of the tab whose event is writing (set by TaskState, read in the service's
# thread through the copied context), so that tab is not asked to re-read its own change.
ORIGIN: contextvars.ContextVar[str] = contextvars.ContextVar("todo_live_origin", default="")
COALESCE_SECONDS = 0.05  # a burst of writes (rapid clicks) becomes one re-read per tab
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


Refresh = Callable[[str], Awaitable[Any]]
Connected = Callable[[str], Awaitable[bool]]


class Live:
    """The wiring between the service's announcements and the open tabs."""

    def __init__(self, viewers: Viewers) -> None:
        self.viewers = viewers
        self.loop: asyncio.AbstractEventLoop | None = None
        self.refresh: Refresh | None = None
        self.connected: Connected | None = None
        self._pending: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self, refresh: Refresh, connected: Connected | None = None) -> None:
        """Called once the app exists: how to re-read a tab, and how to tell if it is open."""
        self.refresh, self.connected = refresh, connected

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

    def changed(self, owner_id: uuid.UUID) -> None:
        """The service committed a change to ``owner_id``'s tasks (any thread)."""
        loop = self.loop
        if loop is None or self.refresh is None or loop.is_closed():
            return
        origin = ORIGIN.get()
        try:
            tokens = [t for t in self.viewers.tokens(str(owner_id)) if t != origin]
        except Exception:
            logger.warning("could not read the viewers", exc_info=True)
            return
        if tokens:
            loop.call_soon_threadsafe(self._schedule, str(owner_id), tokens)

    def _schedule(self, user_id: str, tokens: list[str]) -> None:
        assert self.loop is not None
        for token in tokens:
            if token in self._pending:
                continue
            self._pending.add(token)
            task = self.loop.create_task(self._push(user_id, token))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _push(self, user_id: str, token: str) -> None:
        await asyncio.sleep(COALESCE_SECONDS)
        self._pending.discard(token)
        try:
            if self.connected is not None and not await self.connected(token):
                await asyncio.to_thread(self.viewers.remove, user_id, token)
                return
            assert self.refresh is not None
            await self.refresh(token)
        except Exception:
            logger.warning("could not update an open page", exc_info=True)


def _viewers() -> Viewers:
    url = get_settings().redis_url
    return RedisViewers(url) if url else MemoryViewers()


live = Live(_viewers())
service.change_listeners.append(live.changed)
