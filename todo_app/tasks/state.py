"""The task page's confirmed state: what the database holds, as this tab has been told.

The page never waits for this state to paint: the browser side of the change engine
(assets/task_engine/) shows every change at once over these confirmed rows and keeps it in a
durable outbox until a change here settles it (DESIGN.md principle 3). This class holds:

- ``rows``: the confirmed list as loaded (sent once per load, not on every change);
- ``changes``: this tab's newest confirmed changes after ``rows_seq``, each a small row delta
  with the id of the mutation that caused it, how it ended (applied, refused, failed) and what
  each row it wrote was before. Each delta re-sends only these few entries, never the list; the
  browser applies each ``seq`` once and asks for ``resync`` if it ever misses one;
- ``remote``: never set here. Changes made elsewhere (another tab, device, the REST API) are
  sent straight down the socket into this var by ``tasks/live.py`` (``tasks/pushes.py``),
  without loading or locking this state; the browser merges them;
- ``total`` and ``active``: the counts of the view at the load (the tasks the URL's view and
  the search hold, whatever their status: "3 items left" on Today), from the database; the
  browser moves them as changed rows enter or leave that view.

Every handler that reads or writes tasks runs only for a live session (``@signed_in``).
``send`` is the one handler family for task mutations: it re-checks the session, then lets
``tasks.mutations`` apply each mutation through the service layer, exactly once, whatever this
tab's server-side state holds (it may have just been created after a restart).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
import uuid
from datetime import date
from typing import Any

import reflex as rx

from todo_app import access, quickadd, recurrence
from todo_app.auth.rechecks import Trust
from todo_app.auth.service import Authenticated
from todo_app.auth.state import AuthState, public, signed_in
from todo_app.db import read_scope
from todo_app.models import utcnow
from todo_app.tasks import (
    fields,
    list_rows,
    live,
    mutations,
    outbox,
    queries,
    quick_add,
    subtasks,
    views,
)
from todo_app.tasks.tags import list_tags
from todo_app.tasks.types import INBOX, TaskChange, TaskCounts, TaskPage
from todo_app.text import has_control_characters

logger = logging.getLogger("todo_app.tasks")

FILTERS = ("all", "active", "completed")
PAGE_SIZE = 50
CHANGES_KEPT = 12  # at most this many confirmed changes go with each delta (each applied once)
NEW_TASK_INPUT_ID = "new-task"


LOADED_MAX = 100_000  # the most rows a page may say it has loaded (``load_more``)


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=True)


@dataclasses.dataclass(frozen=True)
class _Context:
    """What a page load learns besides the tasks: the view, the user's today, lists, tags."""

    view: views.ViewSpec
    today: date
    lists: list[list_rows.ListData]
    tags: list[str]
    time_zone: str
    parent_titles: dict[str, str]
    inbox_add_on_top: bool
    user_id: str


class TaskState(rx.State):
    """The signed-in user's confirmed tasks, as this tab shows them."""

    rows: list[dict[str, Any]] = []
    rows_seq: int = 0
    changes: list[dict[str, Any]] = []
    # Written only by live.py, straight to the browser ({"epoch", "changes"}); see above.
    remote: dict[str, Any] = {}
    # Changes on every page load (and reconnect, which loads again): the browser then sends
    # its whole outbox again, since what it sent before may never have arrived.
    epoch: str = ""
    filter: str = "all"
    query: str = ""
    # The view the URL names (tasks/views.py), and what the browser needs to mirror it.
    view_kind: str = "all"
    view_title: str = "All tasks"
    view_empty: str = "No tasks yet"
    view_spec: dict[str, Any] = {}
    new_defaults: dict[str, Any] = {}
    sort: str = "created"
    lists: list[dict[str, Any]] = []
    # Where the Inbox's new tasks go in its manual order (each list's is in ``lists``).
    inbox_add_on_top: bool = True
    tags: list[str] = []
    # The page's links from this URL (filters, sorts, chips), and the chips that are on.
    links: dict[str, str] = {}
    chosen_tags: list[str] = []
    chosen_priorities: list[str] = []
    # The next dates of the rule chosen in the details dialog.
    repeat_preview: list[str] = []
    # Quick add: what the "New task" text means, for the chips under it (tasks/quickadd.py).
    quick: dict[str, Any] = {}
    # The titles of the parents of listed sub-tasks the page has not loaded ("in <parent>").
    parent_titles: dict[str, str] = {}
    _quick_ignore: list[tuple[int, str]] = []
    today: str = ""
    time_zone: str = "UTC"
    loading: bool = True
    has_more: bool = False
    total: int = 0
    active: int = 0

    _seq: int = 0
    _kept: tuple[tuple[float, dict[str, Any]], ...] = ()  # (when, entry) of ``changes``

    # ----- confirmed changes --------------------------------------------------------

    def _record(self, entry: dict[str, Any], change: TaskChange | None) -> None:
        """One confirmed change of this tab's, out in the next delta (the browser keeps the
        rows and the counts)."""
        self._seq += 1
        # What an earlier delta carried goes again only while recent (live.RESEND_SECONDS);
        # the entries of one event are all recorded together, after its writes. Kept as a
        # tuple: Reflex wraps lists and dicts read from a state in proxies, item by item.
        now = time.monotonic()
        cutoff = now - live.RESEND_SECONDS
        fresh = {**entry, **live.entry_of(change), "seq": self._seq}
        kept = [k for k in self._kept[-(CHANGES_KEPT - 1) :] if k[0] > cutoff]
        self._kept = (*kept, (now, fresh))
        self.changes = [e for _, e in self._kept]

    def _receive(self, receipt: mutations.Receipt) -> None:
        change = receipt.change
        if receipt.current is not None:  # refused as stale: show the stored task
            change = TaskChange(receipt.current.id, upserted=(receipt.current,))
        entry = {
            "mid": receipt.mid,
            "status": receipt.status,
            "reason": receipt.reason,
            "detail": receipt.detail,
        }
        self._record(entry, change)

    def _publish_rows(self, rows: list[dict[str, Any]]) -> None:
        """Send a new base: the whole list as loaded (a load, a search, or a resync)."""
        self._seq += 1  # a new base, even when no change came since the last one
        self.rows = _sorted(rows)
        self.rows_seq = self._seq
        self.changes, self._kept = [], ()

    # ----- sending mutations ----------------------------------------------------------

    @rx.event
    @signed_in
    async def send(self, who: Authenticated, uid: str, batch: list[Any]) -> None:
        """The browser's outbox, in order. Every mutation is answered by a change entry.

        With no live session nothing is applied; the outbox stays in this browser, keyed to
        its user, for when they sign in again.
        """
        if not isinstance(uid, str) or not isinstance(batch, list):
            return
        tab = self.router.session.client_token
        receipts = await outbox.apply(who.user.id, uid, batch, tab)
        for receipt in receipts:
            self._receive(receipt)

    @rx.event
    @signed_in
    async def resync(self, who: Authenticated):
        """The browser missed a change (more arrived at once than are kept), or was told the
        lists its user may see changed (``live.lists_changed``: a list shared with them, or
        no longer): load the lists and the view again from the database."""
        async for event in self._reload(who):
            yield event

    # ----- loading --------------------------------------------------------------------

    @rx.event
    @signed_in
    async def load_tasks(self, who: Authenticated):
        """on_load: the first page of the view and filter named in the URL, and the view's
        counts, from the database."""
        requested = self.router.url.query_parameters.get("filter", "all")
        self.filter = requested if requested in FILTERS else "all"
        # The new view at once (from the lists known so far), so the rows already here are
        # shown through it while the load runs; the load then confirms it.
        known = {item["id"]: item["name"] for item in self.lists}
        self._show_view(
            views.parse_view(self.router.url.query, known),
            fields.today_in(self.time_zone),
            list(known),
            str(who.user.id),
        )
        self.loading = True
        yield
        async for event in self._load_page(who, offset=0):
            yield event

    async def _load_page(self, who: Authenticated, *, offset: int):
        """Read a page of the view. The first page is a new base (a new epoch, and this tab
        registered for live entries before the read, so no change committed meanwhile is
        missed); a later page reaches the browser as a change entry with its rows."""
        tab = self.router.session.client_token
        status, query, url_query = self.filter, self.query, self.router.url.query
        user = who.user
        epoch = uuid.uuid4().hex if offset == 0 else self.epoch
        # What @signed_in just relied on; live entries are sent while it holds.
        trust = (await self.get_state(AuthState))._trust() or Trust(0.0, 0.0)

        def read() -> tuple[TaskPage, TaskCounts, _Context]:
            if offset == 0:
                # Every list the user may see, so changes by others in a shared one reach
                # this page too (and only those of these lists: tasks/live.py).
                as_of = live.live.memberships(user.id)
                with read_scope() as conn:
                    seen = access.visible_lists(conn, user.id)
                live.live.watch(
                    user.id, tab, epoch=epoch, trust=trust, lists=seen, lists_as_of=as_of
                )
            lists = list_rows.list_lists(user.id)
            view = views.parse_view(url_query, {str(item.id): item.name for item in lists})
            today = fields.today_in(user.time_zone)
            page = queries.list_tasks(
                user.id,
                query=view.query(today, status=status, q=query, limit=PAGE_SIZE, offset=offset),
            )
            tags = [name for name, _count in list_tags(user.id)]
            titles = subtasks.parent_titles(user.id, page.items)
            inbox_top = list_rows.inbox_adds_on_top(user.id)
            context = _Context(
                view, today, lists, tags, user.time_zone, titles, inbox_top, str(user.id)
            )
            counts = queries.count_tasks(user.id, view.query(today, q=query))
            return page, counts, context

        try:
            page, counts, context = await asyncio.to_thread(read)
        except Exception:
            logger.exception("loading tasks failed")
            self.loading = False
            yield rx.toast.error("Could not load your tasks; reload the page to try again.")
            return
        self._show_context(context)
        self.has_more = page.total > offset + len(page.items)
        self.loading = False
        if offset == 0:
            self.parent_titles = context.parent_titles
            self.epoch = epoch
            self.total, self.active = counts.total, counts.active
            self._publish_rows([live.page_row(task) for task in page.items])
        else:
            self.parent_titles = {**self.parent_titles, **context.parent_titles}
            entry = {"mid": "", "status": mutations.APPLIED, "reason": "", "detail": ""}
            self._record(entry, TaskChange(user.id, upserted=tuple(page.items)))

    def _show_view(self, view: views.ViewSpec, today: date, list_order: list[str], me: str) -> None:
        self.view_kind, self.view_title = view.kind, view.title
        self.view_empty = view.empty_message()
        self.view_spec = view.spec(today, list_order)
        self.new_defaults = view.defaults(today, me)
        self.sort = view.sort
        self.today = today.isoformat()
        self.chosen_tags = list(view.tags)
        self.chosen_priorities = list(view.priorities)

    def _show_context(self, context: _Context) -> None:
        self.time_zone = context.time_zone
        self._show_view(
            context.view, context.today, [str(item.id) for item in context.lists], context.user_id
        )
        self.tags = context.tags
        default = views.default_sort(context.view.kind, context.view.list_id)
        self.links = views.links(self.router.url.query, context.tags, default)
        self.lists = [item.to_dict() for item in context.lists]
        self.inbox_add_on_top = context.inbox_add_on_top

    @rx.event
    @signed_in
    async def load_lists(self, who: Authenticated) -> None:
        """The user's lists again, after the side navigation changed one (``ListState``)."""
        await self._load_lists(who)

    async def _load_lists(self, who: Authenticated) -> None:
        lists = await asyncio.to_thread(list_rows.list_lists, who.user.id)
        self.lists = [item.to_dict() for item in lists]
        self.inbox_add_on_top = await asyncio.to_thread(list_rows.inbox_adds_on_top, who.user.id)

    async def _reload(self, who: Authenticated):
        """The lists and the view's first page again; a list view the user lost (removed, or
        the list deleted) goes to the Inbox."""
        await self._load_lists(who)
        listed = {str(item["id"]) for item in self.lists}
        if self.view_kind == "list" and self.view_spec.get("list_id") not in listed:
            yield rx.redirect("/?view=inbox")
            return
        async for event in self._load_page(who, offset=0):
            yield event

    # ----- sharing, as the page shows it (the roles' meaning is access.py's) ----------------

    @rx.var
    def own_lists(self) -> list[dict[str, Any]]:
        return [item for item in self.lists if item.get("mine", True)]

    @rx.var
    def shared_lists(self) -> list[dict[str, Any]]:
        """The lists others shared with the user (under "Shared with me")."""
        return [item for item in self.lists if not item.get("mine", True)]

    @rx.var
    def people(self) -> dict[str, dict[str, str]]:
        """Everyone in the user's shared lists: user id -> {name, initials}."""
        found: dict[str, dict[str, str]] = {}
        for item in self.lists:
            for member in item.get("members", []):
                found[member["user_id"]] = {"name": member["name"], "initials": member["initials"]}
        return found

    @rx.var
    def members_by_list(self) -> dict[str, list[dict[str, str]]]:
        """A shared list's people (the details dialog's "Assignee" choices): list id -> people."""
        return {
            str(item["id"]): list(item.get("members", []))
            for item in self.lists
            if item.get("members")
        }

    @rx.var
    def read_only_lists(self) -> list[str]:
        """The lists the user may see but not change (``can_edit``, from access.py)."""
        return [str(item["id"]) for item in self.lists if not item.get("can_edit", True)]

    @rx.var
    def view_read_only(self) -> bool:
        """The view is a list the user may only view: no "New task" field."""
        return self.view_kind == "list" and self.view_spec.get("list_id") in self.read_only_lists

    @rx.var
    def add_on_top(self) -> dict[str, bool]:
        """Where each list's (and the Inbox's) new tasks go: list id or "inbox" -> on top."""
        places = {str(item["id"]): bool(item.get("add_on_top", True)) for item in self.lists}
        return {**places, INBOX: self.inbox_add_on_top}

    @rx.var
    def new_tasks_place(self) -> str:
        """The "Add tasks to" choice of the Inbox or list shown ("top" or "bottom"); "" elsewhere
        (and out of Manual order), where the control is hidden."""
        if self.sort != "manual" or self.view_kind not in ("inbox", "list"):
            return ""
        key = INBOX if self.view_kind == "inbox" else str(self.view_spec.get("list_id", ""))
        if key not in self.add_on_top:
            return ""
        return "top" if self.add_on_top[key] else "bottom"

    @rx.event
    @signed_in
    def leave_deleted_list(self, who: Authenticated, list_id: str):
        """A list was deleted: its own view goes to the Inbox, any other view reloads."""
        if self.view_kind == "list" and self.view_spec.get("list_id") == list_id:
            return rx.redirect("/?view=inbox")
        return TaskState.load_tasks

    @rx.event
    @signed_in
    async def load_more(self, who: Authenticated, loaded: Any):
        """The next page, after the ``loaded`` rows of this view the browser has."""
        if not isinstance(loaded, int) or isinstance(loaded, bool):
            return
        async for event in self._load_page(who, offset=min(max(loaded, 0), LOADED_MAX)):
            yield event

    async def _parse_quick(self, text: str) -> None:
        ignore = frozenset(
            start
            for start, token in self._quick_ignore
            if text[start : start + len(token)] == token
        )
        self._quick_ignore = [(s, t) for s, t in self._quick_ignore if s in ignore]
        # Client text: parsed off the event loop, so a long one stalls only this tab.
        parsed = await asyncio.to_thread(
            quickadd.parse, text, now=utcnow(), zone=self.time_zone, ignore=ignore
        )
        known = {item["name"].casefold(): item["id"] for item in self.lists}
        found = quickadd.task_fields(parsed)
        if parsed.list_name and parsed.list_name.casefold() in known:
            found["list_id"] = known[parsed.list_name.casefold()]
        self.quick = {
            "text": text,
            "title": parsed.title,
            "fields": found,
            "ignore": sorted(ignore),
            "tokens": [
                {"kind": t.kind, "label": t.label, "start": t.start, "text": t.text}
                for t in parsed.tokens
            ],
        }

    @rx.event
    @signed_in
    async def preview_quick_add(self, who: Authenticated, text: Any) -> None:
        """The "New task" text as it is typed (debounced in the browser): the chips."""
        if not isinstance(text, str) or len(text) > quick_add.QUICK_ADD_MAX:
            self.quick = {}
            return
        await self._parse_quick(text)

    @rx.event
    @signed_in
    async def dismiss_token(self, who: Authenticated, start: Any) -> None:
        """A chip dismissed: that part of the text stays in the title."""
        text = self.quick.get("text", "")
        token = next((t for t in self.quick.get("tokens", []) if t["start"] == start), None)
        if token is None:
            return
        self._quick_ignore = [*self._quick_ignore, (token["start"], token["text"])]
        await self._parse_quick(text)

    @rx.event
    @signed_in
    async def preview_repeat(self, who: Authenticated, rule: Any) -> None:
        """The next five dates of a rule, from today where the user is.

        Client text through dateutil: computed off the event loop, and bounded
        (recurrence.PREVIEW_STEPS), so no rule stalls other tabs."""
        self.repeat_preview = []
        if not isinstance(rule, str) or not rule.strip() or rule == "custom":
            return
        start = fields.today_in(self.time_zone)
        self.repeat_preview = await asyncio.to_thread(recurrence.preview_lines, rule, start)

    @rx.event
    @public
    def set_due_range(self, form_data: dict[str, Any]):
        """The "Due between" dates, into the URL (an invalid date is simply not kept)."""
        query = self.router.url.query
        for name in ("due_after", "due_before"):
            value = form_data.get(name) if isinstance(form_data, dict) else None
            valid = isinstance(value, str) and views.valid_date(value)
            query = views.with_param(query, name, value if valid else None).lstrip("/?")
        return rx.redirect("/?" + query if query else "/")

    @rx.event
    @signed_in
    async def search(self, who: Authenticated, query: Any):
        """Search titles and descriptions; the database searches beyond the loaded page."""
        if not isinstance(query, str):
            return
        query = " ".join(query.split())[: queries.SEARCH_MAX]
        if has_control_characters(query):
            yield rx.toast.warning("Search can't contain control characters.")
            return
        if query == self.query:
            return
        self.query = query
        async for event in self._load_page(who, offset=0):
            yield event
