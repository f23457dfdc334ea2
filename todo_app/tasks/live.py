"""Every open page is live: a change made in one tab, on another device or through the REST
API reaches the other open task pages of everyone who may see it, as the changed rows
(DESIGN.md principle 6).

How: the task service announces each committed write as a ``TaskChange``. This module turns
it into one wire entry (the rows as they are now, the ids removed, what they were before),
once, and sends it straight down the socket of each open task page that may see its rows
(the owner's, and those of the members of a shared list it touched) except the one that
made it. No tab's server-side state is loaded, locked or stored for this: the
page merges the rows itself (assets/task_engine/confirmed.js, ``Confirmed.takeRemote``).

- **One fan-out per change.** Each worker keeps, in memory, the task pages whose sockets it
  holds (registered by the page's load, ``watch``). With Redis (several workers) a change is
  published once on a channel every worker listens to, and each worker sends it to its own
  pages: one Redis round trip per change, whatever the number of tabs.
- **Shared lists.** A change is the data owner's (the list's owner), but every member of a
  list it touched sees it too. Each page is registered under its user and under every list
  the user could see at its load (their own and those shared with them: ``watch(lists=)``).
  A change goes to the owner's pages as it is, and to the other pages under the lists it
  touched (where its rows are and were) filtered to what that page's user may see
  (``filtered``: built once per distinct set of those lists, not once per page); a row the
  owner moved out of a shared list reaches the members' pages as removed. On Redis the
  change's message names the lists touched, so each worker does the same for its pages.
- **When a user's lists change** (shared with them, or no longer), ``lists_changed`` (one of
  ``unit_of_work.membership_listeners``, called by the sharing service) sends each of their
  open pages, on every worker, an entry ``{"reload": true}``: the browser loads its list
  again, as on a gap (assets/task_engine/confirmed.js), and that load registers the page
  with its new lists.
  Until then the page gets only its user's own rows. A load that read its lists just before
  such a change and registered just after it (``memberships``) is told to load again at once.
- **In order, nothing missed.** A page is registered before its load reads, so a change
  committed after the read finds it. Each page numbers the entries it is sent (``seq``, per load:
  ``epoch``). An update carries every entry not sent yet (up to ``KEPT``) and re-sends those
  sent in the last ``RESEND_SECONDS``, so the browser applies each once, in order, even when
  React folds two updates into one render; a gap makes the page load its list again. Changes
  that arrive while an update is on its way (or while the page's session is read again) go
  together in the next one, without waiting for a timer.
- **Only to who may see it.** A page is sent rows only while the session it last verified
  may still be trusted (``auth/rechecks.py``: read less than a minute ago, not expired, no
  change announced for the account since); otherwise ``verify`` reads the session again
  first (through the tab's state), and a page whose session ended is emptied and forgotten.

The composition root (todo_app/todo_app.py) wires it: the unit of work's ``change_listeners``
get ``live.changed``, its ``membership_listeners`` ``live.lists_changed``;
``install`` names how to send to a page, how to verify one, and how to
tell that a page's socket is on this worker. Nothing here may break a write: every failure is
logged and dropped.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import json
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from todo_app.auth.rechecks import Trust
from todo_app.channels import RedisChannel
from todo_app.settings import get_settings
from todo_app.tasks.types import TaskChange, TaskData

logger = logging.getLogger("todo_app.live")

KEPT = 200  # entries kept per page for its next update (more unsent than this: a gap)
# An entry already sent goes again only this long: React folds updates that arrive together
# into one render (the page would miss all but the last), never ones seconds apart.
RESEND_SECONDS = 2.0
VIEWER_TTL_SECONDS = 7 * 86_400
CHANNEL = "todo:task-changes"
SWEEP_EVERY = 256  # page loads between two sweeps for closed pages


def recent(kept: Iterable[tuple[float, dict[str, Any]]], sent: int) -> list[dict[str, Any]]:
    """The entries an update carries: every one not sent yet, and the ones sent in the last
    ``RESEND_SECONDS`` (so a page whose renders folded two updates still gets each)."""
    cutoff = time.monotonic() - RESEND_SECONDS
    return [entry for at, entry in kept if entry["seq"] > sent or at > cutoff]


def page_row(task: TaskData) -> dict[str, Any]:
    """A task as the page renders it (no update time: the page does not show it)."""
    values = task.to_dict()
    del values["updated_at"]
    return values


def entry_of(change: TaskChange | None) -> dict[str, Any]:
    """A committed change as the page applies it (the same for its own and others' changes):
    the rows as they are now, the ids removed, and ``was``: what each written row was before
    (None: it did not exist; for a row still there, only the fields that changed).

    Why ``was``: the page counts the tasks of the view it shows ("3 items left" on Today), and
    a row may enter or leave that view. The page cannot know a row's old value itself (it
    may never have loaded it), and each page's view is its own, so the entry says what the
    row was and the page decides (assets/task_engine/confirmed.js)."""
    if change is None:
        return {"rows": [], "removed": [], "was": {}}
    rows = [page_row(task) for task in change.upserted]
    now = {task.id: row for task, row in zip(change.upserted, rows, strict=True)}
    was: dict[str, dict[str, Any] | None] = {}
    for task_id, old in change.previous.items():
        before = None if old is None else page_row(old)
        after = now.get(task_id)
        if before is not None and after is not None:
            before = {name: value for name, value in before.items() if after.get(name) != value}
        was[str(task_id)] = before
    return {
        "rows": rows,
        "removed": [str(task_id) for task_id in change.removed],
        "was": was,
    }


# How to send a page its entries (``TaskState.remote``); how to read a page's session again
# (None: it may no longer see the user's rows); whether a page's socket is on this worker.
Emit = Callable[[str, dict[str, Any]], Awaitable[None]]
Verify = Callable[[str, str], Awaitable[Trust | None]]
Here = Callable[[str], bool]


_CARRIED = object()  # an upserted row with no ``was``: a read, its list unchanged


def filtered(entry: dict[str, Any], lists: frozenset[str]) -> dict[str, Any]:
    """``entry`` as a page that may see only the tasks of ``lists`` (a member's page) has it.

    A row goes only while it is in one of them. A row that was in one and is now elsewhere
    (its owner moved it to a list of theirs this page may not see) goes as removed, with all
    of what it was (so the page counts it out); a row that comes in from elsewhere goes as
    new (``was`` None: the page may not learn where it was). A removed id goes only if its
    row was in one of them; ``was`` keeps only the ids sent. Pure: on any worker, from the
    entry alone."""
    before_all: dict[str, Any] = entry["was"]
    rows: list[dict[str, Any]] = []
    removed: list[str] = []
    was: dict[str, dict[str, Any] | None] = {}
    for row in entry["rows"]:
        key = row["id"]
        before = before_all.get(key, _CARRIED)
        if before is _CARRIED:
            old_list = row["list_id"]
        else:
            old_list = None if before is None else before.get("list_id", row["list_id"])
        if row["list_id"] in lists:
            rows.append(row)
            if before is not _CARRIED:
                was[key] = before if old_list in lists else None
        elif old_list in lists:  # it left this page's lists
            removed.append(key)
            was[key] = {**row, **before}
    for key in entry["removed"]:
        before = before_all.get(key)
        if before is not None and before.get("list_id") in lists:
            removed.append(key)
            was[key] = before
    return {**entry, "rows": rows, "removed": removed, "was": was}


def touched_lists(change: TaskChange) -> list[str]:
    """The lists a change wrote in: where its rows are now and where they were before."""
    touched = {task.list_id for task in change.upserted}
    touched.update(old.list_id for old in change.previous.values() if old is not None)
    touched.discard(None)
    return [str(list_id) for list_id in touched]


@dataclasses.dataclass(eq=False)
class _Page:
    """One open task page on this worker, since its last load."""

    token: str
    user_id: str
    epoch: str
    trust: Trust
    lists: frozenset[str] = frozenset()  # every list its user could see at its load
    reloading: bool = False  # told to load again (once is enough: it then watches anew)
    lists_as_of: int | None = None  # its user's ``memberships`` when its lists were read
    seq: int = 0  # entries numbered for this page so far
    sent: int = 0  # the highest seq sent
    busy: bool = False  # an update is on its way
    recent: collections.deque[tuple[float, dict[str, Any]]] = dataclasses.field(
        default_factory=lambda: collections.deque(maxlen=KEPT)
    )  # (when it was numbered, the entry)


class Viewers(Protocol):
    """Every open page of a user, on any worker (for the rare pushes that need the tab's
    state, such as a reminder's bell)."""

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


class Channel(Protocol):
    """How one worker's changes reach the others (nothing to do with one worker)."""

    def publish(self, message: bytes) -> None: ...
    def listen(self, hear: Callable[[bytes], None]) -> None: ...


class Live:
    """The wiring between the service's announcements and the open pages."""

    def __init__(self, viewers: Viewers, channel: Channel | None = None) -> None:
        self.viewers = viewers
        self.channel = channel
        self.instance = ""  # this worker, to skip its own published changes (see start)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.emit: Emit | None = None
        self.verify: Verify | None = None
        self.here: Here | None = None
        # The pages, registered by watch (in a worker thread, before the load's read) under
        # the lock, so a change committed after that read always finds its page.
        self._pages: dict[str, _Page] = {}
        self._by_user: dict[str, set[str]] = {}
        self._by_list: dict[str, set[str]] = {}
        # Per user: how many times their lists changed (``lists_changed``), so a load that read
        # its lists before the change and registered after it is told to load again.
        self._memberships: collections.Counter[str] = collections.Counter()
        self._lock = threading.Lock()
        self._loads = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def install(self, emit: Emit, verify: Verify, here: Here | None = None) -> None:
        """Called once the app exists: how to send to a page, verify one, and find one."""
        self.emit, self.verify, self.here = emit, verify, here

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Called on the server's event loop at start-up (a lifespan task), in each worker:
        the workers may be forked from one process that imported this module, so each names
        itself only here."""
        self.loop = loop
        self.instance = uuid.uuid4().hex
        if self.channel is not None:
            self.channel.listen(self._heard)

    # ----- pages ----------------------------------------------------------------------

    def memberships(self, user_id: uuid.UUID) -> int:
        """How many times ``user_id``'s lists have changed so far: read before the lists a
        load passes to ``watch`` (as ``lists_as_of``)."""
        with self._lock:
            return self._memberships[str(user_id)]

    def watch(
        self,
        user_id: uuid.UUID,
        token: str,
        *,
        epoch: str,
        trust: Trust,
        lists: Iterable[uuid.UUID | str] = frozenset(),
        lists_as_of: int | None = None,
    ) -> None:
        """This page (re)loads ``user_id``'s tasks as ``epoch`` (any thread, before the read);
        ``lists``: every list the user may see (their own and those shared with them), whose
        changes by others it is told too.

        Entries are numbered afresh for the new epoch; the page takes them once its load
        has arrived. If the user's lists changed since ``lists_as_of`` (``memberships``),
        the lists read may be stale: the page is told at once to load again."""
        if not token:
            return
        try:
            self.viewers.add(str(user_id), token)
        except Exception:
            logger.warning("could not record a viewer", exc_info=True)
        page = _Page(token, str(user_id), epoch, trust, frozenset(str(x) for x in lists))
        with self._lock:
            old = self._pages.get(token)
            if old is not None:
                self._unlink(old)
            self._pages[token] = page
            self._by_user.setdefault(page.user_id, set()).add(token)
            for list_id in page.lists:
                self._by_list.setdefault(list_id, set()).add(token)
            page.lists_as_of = lists_as_of
            stale = lists_as_of is not None and self._memberships[page.user_id] != lists_as_of
            self._loads += 1
            if self._loads % SWEEP_EVERY == 0:
                self._sweep()
        if stale:
            self._on_loop(self._tell_reload, [page])

    def _sweep(self) -> None:
        """Forget the pages whose sockets are gone (under the lock). A page is otherwise
        forgotten only when a change for it finds its socket closed, and a user who never
        changes anything again would keep theirs."""
        if self.here is None:
            return
        for gone in [p for t, p in self._pages.items() if not self.here(t)]:
            del self._pages[gone.token]
            self._unlink(gone)

    def _forget(self, page: _Page) -> None:
        with self._lock:
            if self._pages.get(page.token) is page:
                del self._pages[page.token]
                self._unlink(page)

    def _unlink(self, page: _Page) -> None:
        tokens = self._by_user.get(page.user_id, set())
        tokens.discard(page.token)
        if not tokens:
            self._by_user.pop(page.user_id, None)
        self._unlink_lists(page)

    def _unlink_lists(self, page: _Page) -> None:
        for list_id in page.lists:
            tokens = self._by_list.get(list_id, set())
            tokens.discard(page.token)
            if not tokens:
                self._by_list.pop(list_id, None)

    # ----- changes --------------------------------------------------------------------

    def changed(self, change: TaskChange) -> None:
        """The service committed ``change`` (called from any thread, after the commit)."""
        if self.loop is None or self.emit is None:
            return
        user_id = str(change.owner_id)
        lists = touched_lists(change)
        with self._lock:
            others_here = bool(self._tokens(user_id, lists) - {change.origin})
        if not others_here and self.channel is None:
            return  # nobody else to tell: not even a wake-up of the event loop
        entry = entry_of(change)
        entry["mid"] = change.mutation_id
        if others_here:
            self._on_loop(self._fan_out, user_id, change.origin, entry, lists)
        if self.channel is not None:
            message = {"from": self.instance, "user": user_id, "origin": change.origin}
            message["lists"] = lists
            self._publish({**message, "entry": entry})

    def lists_changed(self, user_ids: list[uuid.UUID]) -> None:
        """The lists these users may see changed (shared with them, or no longer): their open
        task pages, on every worker, load again (any thread, after the commit)."""
        users = [str(user_id) for user_id in user_ids]
        if not users:
            return
        counts = self._bump(users)
        if self.loop is None or self.emit is None:
            return
        self._on_loop(self._reload, counts)
        if self.channel is not None:
            self._publish({"from": self.instance, "kind": "reload", "users": users})

    def _bump(self, users: list[str]) -> dict[str, int]:
        """Count a change of these users' lists; their counts now."""
        with self._lock:
            self._memberships.update(users)
            return {user: self._memberships[user] for user in users}

    def _publish(self, message: dict[str, Any]) -> None:
        assert self.channel is not None
        try:
            self.channel.publish(json.dumps(message).encode())
        except Exception:
            logger.warning("could not announce a change to the other workers", exc_info=True)

    def _heard(self, data: bytes) -> None:
        """Another worker's change (on the listener thread)."""
        try:
            message = json.loads(data)
            if message["from"] == self.instance:
                return
            if message.get("kind") == "reload":
                self._on_loop(self._reload, self._bump(message["users"]))
                return
            user, origin, entry = message["user"], message["origin"], message["entry"]
            self._on_loop(self._fan_out, user, origin, entry, message.get("lists", []))
        except Exception:
            logger.warning("could not read a change from the channel", exc_info=True)

    def _tokens(self, user_id: str, lists: Iterable[str]) -> set[str]:
        """The pages of the data's owner and of everyone who sees a list touched (under the
        lock)."""
        tokens = set(self._by_user.get(user_id, ()))
        for list_id in lists:
            tokens.update(self._by_list.get(list_id, ()))
        return tokens

    def _on_loop(self, callback: Callable[..., None], *args: Any) -> None:
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(callback, *args)

    def _fan_out(self, user_id: str, origin: str, entry: dict[str, Any], lists: list[str]) -> None:
        """Number ``entry`` for each page that may see some of it: the owner's as it is, the
        others' filtered to their lists (once per distinct set of lists touched that a page
        sees, however many pages share it)."""
        with self._lock:
            tokens = self._tokens(user_id, lists)
            tokens.discard(origin)  # the page that made it has its answer already
            pages = [self._pages[t] for t in tokens]
        touched = frozenset(lists)
        views: dict[frozenset[str], dict[str, Any]] = {}
        for page in pages:
            try:
                if page.user_id == user_id:
                    self._number(page, entry)
                    continue
                seen = page.lists & touched
                view = views.get(seen)
                if view is None:
                    view = views[seen] = filtered(entry, seen)
                if view["rows"] or view["removed"]:
                    self._number(page, view)
            except Exception:
                logger.warning("could not update an open page", exc_info=True)

    def _number(self, page: _Page, entry: dict[str, Any]) -> None:
        """Give the page its next entry, and send it unless an update is on its way."""
        assert self.loop is not None
        page.seq += 1
        page.recent.append((time.monotonic(), {**entry, "seq": page.seq}))
        if not page.busy:
            page.busy = True
            task = self.loop.create_task(self._send(page))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _reload(self, counts: dict[str, int]) -> None:
        """Tell these users' pages here to load again (``{"reload": true}``: the browser
        loads its list again, as on a gap, and the load watches with the new lists). Until
        then they are told about their own rows only. ``counts``: each user's
        ``memberships`` with this change; a page whose lists were read after it is spared."""
        with self._lock:
            pages = [
                page
                for user, count in counts.items()
                for page in (self._pages[t] for t in self._by_user.get(user, ()))
                if page.lists_as_of is None or page.lists_as_of < count
            ]
        self._tell_reload(pages)

    def _tell_reload(self, pages: list[_Page]) -> None:
        with self._lock:  # a page loaded again meanwhile has its new lists already
            pages = [p for p in pages if self._pages.get(p.token) is p and not p.reloading]
            for page in pages:
                self._unlink_lists(page)
                page.lists, page.reloading = frozenset(), True
        for page in pages:
            self._number(page, {"reload": True})

    async def _send(self, page: _Page) -> None:
        """Send the page what it has not had yet; whatever arrives meanwhile goes next."""
        assert self.emit is not None and self.verify is not None
        try:
            while page.sent < page.seq and self._pages.get(page.token) is page:
                if self.here is not None and not self.here(page.token):
                    self._forget(page)  # closed, or now served by another worker
                    return
                if not page.trust.holds(page.user_id):
                    trust = await self.verify(page.token, page.user_id)
                    if trust is None:
                        self._forget(page)
                        await asyncio.to_thread(self.viewers.remove, page.user_id, page.token)
                        return
                    page.trust = trust
                entries = recent(page.recent, page.sent)
                page.sent = entries[-1]["seq"]
                await self.emit(page.token, {"epoch": page.epoch, "changes": entries})
        except Exception:
            logger.warning("could not update an open page", exc_info=True)
        finally:
            page.busy = False

    # ----- the rare pushes that need a tab's state ------------------------------------

    def each_tab(self, user_id: uuid.UUID, make: Callable[[str], Awaitable[bool | None]]) -> None:
        """Run ``make(token)`` on the server's loop for each open tab of the user, on any
        worker (any thread); a tab for which it answers False is forgotten as a viewer."""
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


def make_live() -> Live:
    url = get_settings().redis_url
    if url:
        # Changes missed while a worker's listener reconnects reach its pages at their next
        # load (a reconnect loads again).
        return Live(RedisViewers(url), RedisChannel(url, CHANNEL))
    return Live(MemoryViewers())


live = make_live()
