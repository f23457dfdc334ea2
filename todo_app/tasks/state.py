"""The task list's state: every change shows at once, then persists, then reconciles.

The optimistic protocol (DESIGN.md principle 3, quality-bar "Optimistic updates"):
1. a handler snapshots what it touches and applies the change under the state lock, so the
   page repaints before the database is involved;
2. the write runs in a background event, outside the lock and in a worker thread, so further
   clicks never queue behind the database; writes to one task run in order (a lock per task),
   writes to different tasks do not wait for each other;
3. on success the task is reconciled with the stored row (version, timestamps); on failure
   exactly that change is reverted, if nothing newer replaced it, and a toast offers Retry;
4. a load that finishes while writes are in flight keeps their optimistic values.
Every write re-checks the session and is scoped to its owner by the service layer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

import reflex as rx

from todo_app.auth import service as auth_service
from todo_app.auth.state import AuthState, to_login
from todo_app.errors import InvalidInput, NotFound, ServiceError, StaleVersion, Unauthenticated
from todo_app.tasks import live, service
from todo_app.tasks.service import TaskData

logger = logging.getLogger("todo_app.tasks")

FILTERS = ("all", "active", "completed")
PAGE_SIZE = 50
UNDO_MS = 8000
MEMORY = 50  # undo and retry entries kept per tab
NEW_TASK_INPUT_ID = "new-task"
T = TypeVar("T")


@dataclasses.dataclass
class TaskView:
    """A task as the page shows it (ids and times as strings, ready for the browser)."""

    id: str = ""
    title: str = ""
    description: str = ""
    completed: bool = False
    version: int = 0
    created_at: str = ""

    @classmethod
    def of(cls, task: TaskData) -> TaskView:
        return cls(
            id=str(task.id),
            title=task.title,
            description=task.description,
            completed=task.completed,
            version=task.version,
            created_at=task.created_at.isoformat(),
        )

    def as_data(self) -> TaskData:
        created = datetime.fromisoformat(self.created_at)
        return TaskData(
            id=uuid.UUID(self.id),
            title=self.title,
            description=self.description,
            completed=self.completed,
            version=self.version,
            created_at=created,
            updated_at=created,
        )


# One lock per task id: a tab's writes to the same task reach the database in click order.
# A tab's events always run in the worker that holds its socket, so a process-local lock is
# enough even with several Redis-backed workers.
_task_locks: dict[str, asyncio.Lock] = {}


class _TaskLocks:
    """Holds the locks of several tasks (sorted, so two bulk writes cannot deadlock)."""

    def __init__(self, ids: Iterable[str]) -> None:
        self.ids = sorted(set(ids))

    async def __aenter__(self) -> None:
        for task_id in self.ids:
            await _task_locks.setdefault(task_id, asyncio.Lock()).acquire()

    async def __aexit__(self, *exc: object) -> None:
        for task_id in reversed(self.ids):
            lock = _task_locks.get(task_id)
            if lock is None:
                continue
            lock.release()
            if not lock.locked() and not getattr(lock, "_waiters", None):
                _task_locks.pop(task_id, None)


class Who(NamedTuple):
    """Who acts: the session token to check, and the tab (client token) acting."""

    token: str
    tab: str


def _as_user(who: Who, work: Callable[[uuid.UUID], T]) -> T:
    """Check the session again, then do ``work`` as its user (runs in a worker thread).

    The tab is named for the live updates, so it is not asked to re-read its own change.
    """
    live.ORIGIN.set(who.tab)
    user = auth_service.authenticate(who.token, renew=False).user
    return work(user.id)


class TaskState(rx.State):
    """The signed-in user's task list as this tab shows it."""

    tasks: list[TaskView] = []
    filter: str = "all"
    query: str = ""
    loading: bool = True
    has_more: bool = False
    total: int = 0
    active: int = 0
    add_error: str = ""
    editing_id: str = ""
    edit_error: str = ""
    details_id: str = ""
    details_error: str = ""

    # Optimistic values of tasks with writes in flight (None: deleted), and how many writes.
    _local: dict[str, TaskView | None] = {}
    _in_flight: dict[str, int] = {}
    # The last version the database confirmed for each task this tab knows.
    _confirmed: dict[str, int] = {}
    # Undo material and failed changes, by the key their toast carries.
    _undo: dict[str, list[TaskData]] = {}
    _failed: dict[str, dict[str, Any]] = {}

    # ----- what the page shows -------------------------------------------------------

    @rx.var
    def visible_tasks(self) -> list[TaskView]:
        """The loaded tasks this filter and search show (a change applies before any reload)."""
        wanted = {"active": False, "completed": True}.get(self.filter)
        needle = self.query.casefold()
        return [
            t
            for t in self.tasks
            if (wanted is None or t.completed is wanted)
            and (needle in t.title.casefold() or needle in t.description.casefold())
        ]

    @rx.var
    def completed_count(self) -> int:
        return self.total - self.active

    @rx.var
    def items_left(self) -> str:
        return f"{self.active} item{'' if self.active == 1 else 's'} left"

    @rx.var
    def all_completed(self) -> bool:
        return self.total > 0 and self.active == 0

    @rx.var
    def empty_message(self) -> str:
        if self.query:
            return f'No tasks match "{self.query}"'
        if self.filter == "active":
            return "Nothing active" if self.total else "No tasks yet"
        if self.filter == "completed":
            return "Nothing completed yet" if self.total else "No tasks yet"
        return "No tasks yet"

    @rx.var
    def details_task(self) -> TaskView:
        for task in self.tasks:
            if task.id == self.details_id:
                return task
        return TaskView()

    # ----- small helpers on the list (always called under the state lock) --------------

    def _index(self, task_id: str) -> int:
        for i, task in enumerate(self.tasks):
            if task.id == task_id:
                return i
        return -1

    def _find(self, task_id: str) -> TaskView | None:
        i = self._index(task_id)
        return self.tasks[i] if i >= 0 else None

    def _count(self, task: TaskView, sign: int) -> None:
        self.total += sign
        if not task.completed:
            self.active += sign

    def _put(self, task: TaskView) -> None:
        """Replace the task in place, or insert it where newest-first order puts it."""
        i = self._index(task.id)
        if i >= 0:
            old = self.tasks[i]
            if old.completed != task.completed:
                self.active += 1 if old.completed else -1
            self.tasks[i] = task
            return
        self._count(task, +1)
        at = next(
            (j for j, t in enumerate(self.tasks) if t.created_at < task.created_at),
            len(self.tasks),
        )
        self.tasks.insert(at, task)

    def _drop(self, task_id: str) -> TaskView | None:
        i = self._index(task_id)
        if i < 0:
            return None
        task = self.tasks.pop(i)
        self._count(task, -1)
        return task

    def _begin(self, task_id: str, local: TaskView | None) -> None:
        self._local[task_id] = local
        self._in_flight[task_id] = self._in_flight.get(task_id, 0) + 1

    def _end(self, task_id: str) -> bool:
        """Count one write done; True when it was the task's last write in flight."""
        left = self._in_flight.get(task_id, 1) - 1
        if left > 0:
            self._in_flight[task_id] = left
            return False
        self._in_flight.pop(task_id, None)
        self._local.pop(task_id, None)
        return True

    def _settle(self, task_id: str, stored: TaskData) -> None:
        """A write succeeded: keep the database's version; show its values if it was the last."""
        self._confirmed[task_id] = stored.version
        if self._end(task_id) and self._index(task_id) >= 0:
            self._put(TaskView.of(stored))

    def _remember(self, store: dict[str, Any], value: Any) -> str:
        """Keep ``value`` under a new key for a toast's action; only the newest few are kept."""
        key = uuid.uuid4().hex
        store[key] = value
        while len(store) > MEMORY:
            store.pop(next(iter(store)))
        return key

    async def _token(self) -> Who:
        """Who is acting in this tab (call under the state lock)."""
        return Who((await self.get_state(AuthState)).token, self.router.session.client_token)

    async def _signed_out(self) -> rx.event.EventSpec:
        auth = await self.get_state(AuthState)
        auth._clear_session()
        return to_login(self.router.url.path or "/", reason="expired")

    # ----- loading --------------------------------------------------------------------

    @rx.event
    async def load_tasks(self):
        """on_load: the first page of the filter named in the URL, counts from the database."""
        requested = self.router.url.query_parameters.get("filter", "all")
        self.filter = requested if requested in FILTERS else "all"
        self.editing_id = ""
        auth = await self.get_state(AuthState)
        if not auth.logged_in:
            return
        self.loading = True
        yield
        async for event in self._load_page(await self._token(), offset=0):
            yield event

    async def _load_page(self, who: Who, *, offset: int):
        """Fetch one page of the current filter and the counts, and merge them in."""
        try:
            page, counts = await self._fetch(who, limit=PAGE_SIZE, offset=offset)
        except Unauthenticated:
            yield await self._signed_out()
            return
        except Exception:
            logger.exception("loading tasks failed")
            self.loading = False
            yield rx.toast.error("Could not load your tasks; reload the page to try again.")
            return
        self._show(page.items, counts, replace=offset == 0)
        self.has_more = page.total > offset + len(page.items)
        self.loading = False

    async def _fetch(
        self, who: Who, *, limit: int, offset: int
    ) -> tuple[service.TaskPage, service.TaskCounts]:
        """A page of the current filter and the counts; this tab now follows the user's changes."""
        status, query = self.filter, self.query

        def read(owner: uuid.UUID) -> tuple[service.TaskPage, service.TaskCounts]:
            live.live.watch(owner, who.tab)
            page = service.list_tasks(owner, status=status, q=query, limit=limit, offset=offset)
            return page, service.count_tasks(owner)

        return await asyncio.to_thread(_as_user, who, read)

    async def _pull(self) -> None:
        """Another tab, device or API call changed this user's tasks: re-read what is shown.

        Runs under this tab's lock (app.modify_state). Writes still in flight here keep their
        optimistic values, as in any load; a dead session is left for the tab's next action.
        """
        auth = await self.get_state(AuthState)
        if not auth.logged_in or self.loading:
            return
        shown = min(max(PAGE_SIZE, len(self.tasks)), service.PAGE_SIZE_MAX)
        try:
            page, counts = await self._fetch(await self._token(), limit=shown, offset=0)
        except Exception:
            logger.info("live update skipped", exc_info=True)
            return
        self._show(page.items, counts, replace=True)
        self.has_more = page.total > len(page.items)

    def _show(self, items: list[TaskData], counts: service.TaskCounts, *, replace: bool) -> None:
        """Merge loaded rows with the optimistic values of writes still in flight."""
        for task in items:
            self._confirmed[str(task.id)] = task.version
        views = [TaskView.of(t) for t in items if self._local.get(str(t.id), t) is not None]
        views = [self._local.get(v.id) or v for v in views]
        if replace:
            known = {v.id for v in views}
            pending = [v for v in self._local.values() if v is not None and v.id not in known]
            self.tasks = []
            self.total, self.active = 0, 0
            for view in pending:
                self._put(view)
        for view in views:
            self._put(view)
        # Counts come from the database; adjust them for writes it has not seen yet.
        self.total, self.active = counts.total, counts.active
        for task_id, local in self._local.items():
            if task_id not in self._confirmed and local is not None:
                self._count(local, +1)

    @rx.event
    async def load_more(self):
        async for event in self._load_page(await self._token(), offset=len(self.visible_tasks)):
            yield event

    @rx.event
    async def search(self, query: str):
        """Search titles and descriptions; the database searches beyond the loaded page."""
        query = " ".join(query.split())[: service.SEARCH_MAX]
        if query == self.query:
            return
        self.query = query
        async for event in self._load_page(await self._token(), offset=0):
            yield event

    # ----- add ------------------------------------------------------------------------

    @rx.event(background=True)
    async def add_task(self, form_data: dict[str, Any]):
        """Enter in "New task": validate, show the task at once, clear the field, store it."""
        try:
            title = service.validate_title(str(form_data.get("title", "")))
        except InvalidInput as exc:
            async with self:
                self.add_error = exc.fields["title"]
            return
        view = TaskView(id=str(uuid.uuid4()), title=title, created_at=datetime.now(UTC).isoformat())
        async with self:
            self.add_error = ""
        async for event in self._create(view):
            yield event

    @rx.event(background=True)
    async def create(self, task: dict[str, Any]):
        """Retry of a failed add: the same id again, so it can never duplicate."""
        async for event in self._create(TaskView(**task)):
            yield event

    async def _create(self, view: TaskView):
        async with self:
            self._put(view)
            self._begin(view.id, view)
            token = await self._token()
        yield rx.set_value(NEW_TASK_INPUT_ID, "")
        async with _TaskLocks([view.id]):
            try:
                stored = await asyncio.to_thread(
                    _as_user,
                    token,
                    lambda owner: service.create_task(
                        owner,
                        view.title,
                        view.description,
                        task_id=uuid.UUID(view.id),
                        completed=view.completed,
                        created_at=datetime.fromisoformat(view.created_at),
                    ),
                )
            except Exception as exc:
                async with self:
                    self._end(view.id)
                    self._drop(view.id)
                    payload = dataclasses.asdict(view)
                    yield await self._failure(exc, "add", f'Could not add "{view.title}"', payload)
                return
            async with self:
                self._settle(view.id, stored)

    async def _failure(self, exc: Exception, op: str, what: str, payload: Any) -> Any:
        """The event that tells the user a write failed (and offers Retry when it may help)."""
        if isinstance(exc, Unauthenticated):
            return await self._signed_out()
        if isinstance(exc, NotFound):
            return rx.toast.warning(f"{what}: it was deleted elsewhere.")
        if isinstance(exc, ServiceError):
            return rx.toast.error(f"{what}: {exc.message}")
        logger.exception("task write failed", exc_info=exc)
        key = self._remember(self._failed, {"op": op, "payload": payload})
        return rx.toast.error(
            f"{what}. Your change was undone.",
            action={"label": "Retry", "on_click": TaskState.retry(key)},
            duration=UNDO_MS,
        )

    # ----- update (toggle, edit, details) ---------------------------------------------

    @rx.event(background=True)
    async def toggle(self, task_id: str):
        async for event in self._update(task_id, lambda task: {"completed": not task.completed}):
            yield event

    @rx.event(background=True)
    async def update(self, task_id: str, changes: dict[str, Any]):
        async for event in self._update(task_id, lambda _task: changes):
            yield event

    async def _update(self, task_id: str, decide: Callable[[TaskView], dict[str, Any]]):
        """Apply the changes at once, then store them based on the version this tab knows."""
        async with self:
            before = self._find(task_id)
            if before is None:
                return
            changes = decide(before)
            after = dataclasses.replace(before, **changes)
            self._put(after)
            self._begin(task_id, after)
            token = await self._token()
        async with _TaskLocks([task_id]):
            async with self:
                expected = self._confirmed.get(task_id)
            try:
                stored = await asyncio.to_thread(
                    _as_user,
                    token,
                    lambda owner: service.update_task(
                        owner, uuid.UUID(task_id), expected_version=expected, **changes
                    ),
                )
            except StaleVersion as exc:
                async with self:
                    self._end(task_id)
                    current: TaskData = exc.current  # type: ignore[assignment]
                    self._confirmed[task_id] = current.version
                    self._put(TaskView.of(current))
                    yield rx.toast.warning(
                        f'"{before.title}" was changed elsewhere; showing the latest version.'
                    )
                return
            except Exception as exc:
                async with self:
                    last = self._end(task_id)
                    if isinstance(exc, NotFound):
                        self._drop(task_id)
                    elif (now := self._find(task_id)) is not None and now == after and last:
                        self._put(dataclasses.replace(now, **_restore(before, changes)))
                    yield await self._failure(
                        exc, "update", f'Could not save "{before.title}"', [task_id, changes]
                    )
                return
            async with self:
                self._settle(task_id, stored)

    @rx.event
    def start_edit(self, task_id: str) -> None:
        self.editing_id = task_id
        self.edit_error = ""

    @rx.event
    def cancel_edit(self) -> None:
        self.editing_id = ""
        self.edit_error = ""

    @rx.event
    def edit_key(self, key: str) -> None:
        if key == "Escape":
            self.cancel_edit()

    @rx.event
    def save_edit(self, form_data: dict[str, Any]):
        """Enter or leaving the field saves; an emptied title offers to delete the task."""
        task_id = str(form_data.get("id", ""))
        if task_id != self.editing_id or (task := self._find(task_id)) is None:
            return None
        raw = str(form_data.get("title", ""))
        if not raw.strip():
            self.editing_id = ""
            return rx.toast.warning(
                f'A task needs a title. Delete "{task.title}"?',
                action={"label": "Delete", "on_click": TaskState.delete(task_id)},
                duration=UNDO_MS,
            )
        try:
            title = service.validate_title(raw)
        except InvalidInput as exc:
            self.edit_error = exc.fields["title"]
            return None
        self.editing_id = ""
        self.edit_error = ""
        if title == task.title:
            return None
        return TaskState.update(task_id, {"title": title})

    @rx.event
    def open_details(self, task_id: str) -> None:
        self.details_id = task_id
        self.details_error = ""

    @rx.event
    def close_details(self, open_: bool = False) -> None:
        if not open_:
            self.details_id = ""
            self.details_error = ""

    @rx.event
    def save_details(self, form_data: dict[str, Any]):
        task = self._find(self.details_id)
        if task is None:
            self.details_id = ""
            return None
        try:
            title = service.validate_title(str(form_data.get("title", "")))
            description = service.validate_description(str(form_data.get("description", "")))
        except InvalidInput as exc:
            self.details_error = next(iter(exc.fields.values()))
            return None
        self.details_id = ""
        self.details_error = ""
        changes = {
            k: v
            for k, v in {"title": title, "description": description}.items()
            if getattr(task, k) != v
        }
        return TaskState.update(task.id, changes) if changes else None

    # ----- delete, clear, mark all ----------------------------------------------------

    @rx.event(background=True)
    async def delete(self, task_id: str):
        async with self:
            removed = self._drop(task_id)
            if removed is None:
                return
            self._begin(task_id, None)
            if self.editing_id == task_id:
                self.editing_id = ""
            key = self._remember(self._undo, [removed.as_data()])
            token = await self._token()
        yield rx.toast(
            f'Deleted "{removed.title}"',
            action={"label": "Undo", "on_click": TaskState.undo(key)},
            duration=UNDO_MS,
        )
        async with _TaskLocks([task_id]):
            try:
                await asyncio.to_thread(
                    _as_user, token, lambda owner: service.delete_task(owner, uuid.UUID(task_id))
                )
            except NotFound:
                async with self:
                    self._end(task_id)
                return
            except Exception as exc:
                async with self:
                    self._end(task_id)
                    self._undo.pop(key, None)
                    self._put(removed)
                    yield await self._failure(
                        exc, "delete", f'Could not delete "{removed.title}"', task_id
                    )
                return
            async with self:
                self._end(task_id)
                self._confirmed.pop(task_id, None)

    @rx.event(background=True)
    async def undo(self, key: str):
        """Put deleted tasks back, with their ids and places (restore is idempotent)."""
        async with self:
            tasks = self._undo.pop(key, [])
            if not tasks:
                return
            views = [TaskView.of(t) for t in tasks]
            for view in views:
                self._put(view)
                self._begin(view.id, view)
            token = await self._token()
        ids = [v.id for v in views]
        async with _TaskLocks(ids):
            try:
                restored = await asyncio.to_thread(
                    _as_user, token, lambda owner: service.restore_tasks(owner, tasks)
                )
            except Exception as exc:
                async with self:
                    for view in views:
                        self._end(view.id)
                        self._drop(view.id)
                    self._undo[key] = tasks
                    yield await self._failure(exc, "undo", "Could not undo", key)
                return
            async with self:
                by_id = {str(t.id): t for t in restored}
                for view in views:
                    self._settle(view.id, by_id.get(view.id) or view.as_data())

    @rx.event(background=True)
    async def clear_completed(self):
        async with self:
            removed = [t for t in self.tasks if t.completed]
            hidden = self.total - self.active - len(removed)
            for task in removed:
                self._drop(task.id)
                self._begin(task.id, None)
            # Completed tasks not loaded on this page are gone too.
            self.total -= hidden
            token = await self._token()
        ids = [t.id for t in removed]
        async with _TaskLocks(ids):
            try:
                cleared = await asyncio.to_thread(_as_user, token, service.clear_completed)
            except Exception as exc:
                async with self:
                    self.total += hidden
                    for task in removed:
                        self._end(task.id)
                        self._put(task)
                    yield await self._failure(exc, "clear", "Could not clear completed", None)
                return
            async with self:
                for task in removed:
                    self._end(task.id)
                if not cleared:
                    return
                key = self._remember(self._undo, cleared)
            n = len(cleared)
            yield rx.toast(
                f"Cleared {n} completed task{'' if n == 1 else 's'}",
                action={"label": "Undo", "on_click": TaskState.undo(key)},
                duration=UNDO_MS,
            )

    @rx.event(background=True)
    async def toggle_all(self):
        """Mark every task complete, or every task active when all already are."""
        async with self:
            completed = not self.all_completed
            before = {t.id: t for t in self.tasks if t.completed != completed}
            for task in before.values():
                after = dataclasses.replace(task, completed=completed)
                self._put(after)
                self._begin(task.id, after)
            saved_counts = (self.total, self.active)
            self.active = 0 if completed else self.total
            token = await self._token()
        async with _TaskLocks(before):
            try:
                changed = await asyncio.to_thread(
                    _as_user, token, lambda owner: service.set_all_completed(owner, completed)
                )
            except Exception as exc:
                async with self:
                    for task_id, task in before.items():
                        if self._end(task_id) and self._find(task_id) is not None:
                            self._put(task)
                    self.total, self.active = saved_counts
                    label = "complete" if completed else "active"
                    yield await self._failure(
                        exc, "toggle_all", f"Could not mark all {label}", None
                    )
                return
            async with self:
                by_id = {str(t.id): t for t in changed}
                for task_id, task in before.items():
                    stored = by_id.get(task_id)
                    self._settle(
                        task_id, stored or dataclasses.replace(task, completed=completed).as_data()
                    )

    # ----- retry ----------------------------------------------------------------------

    @rx.event
    def retry(self, key: str):
        failed = self._failed.pop(key, None)
        if failed is None:
            return None
        op, payload = failed["op"], failed.get("payload")
        if op == "add":
            return TaskState.create(payload)
        if op == "update":
            task_id, changes = payload
            return TaskState.update(task_id, changes)
        if op == "delete":
            return TaskState.delete(payload)
        if op == "undo":
            return TaskState.undo(payload)
        if op == "clear":
            return TaskState.clear_completed()
        return TaskState.toggle_all()


def _restore(before: TaskView, changes: dict[str, Any]) -> dict[str, Any]:
    return {k: getattr(before, k) for k in changes}
