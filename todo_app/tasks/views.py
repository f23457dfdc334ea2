"""The task page's views, from its URL: which tasks it shows, how sorted, and what a task
added there gets. Pure (no Reflex, no database), so the URL grammar lives in one place.

``/?view=today`` (overdue and due today, soonest first), ``/?view=upcoming``,
``/?view=assigned`` (the tasks assigned to the caller, in every list they see),
``/?view=inbox`` and ``/?list=<id>`` (in the user's own order: ``sort=manual``,
depth-first), ``/?tag=home`` (repeatable: all of them), ``/?priority=high`` (repeatable: any
of them), ``/?sort=due&order=asc``,
``/?due_after=2026-12-01&due_before=2026-12-07``, with ``filter=active|completed`` and the
search on top. Anything unknown in the URL is ignored, never an error: it came from a link.

``parse_view`` reads a URL into a ``ViewSpec``; its ``spec()`` is what the browser's mirror of
this module (assets/task_engine/views.js) works from, to place unsaved tasks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode

from todo_app.errors import InvalidInput
from todo_app.tasks import fields as rules
from todo_app.tasks.types import ASSIGNEE_ME, DEFAULT_ORDER, INBOX, ORDERS, SORTS, TaskQuery

SORT_LABELS = {
    "manual": "Manual",
    "created": "Newest",
    "due": "Due date",
    "priority": "Priority",
    "title": "Title",
}
VIEW_LABELS = {
    "all": "All tasks",
    "inbox": "Inbox",
    "today": "Today",
    "upcoming": "Upcoming",
    "assigned": "Assigned to me",
}


@dataclasses.dataclass(frozen=True)
class ViewSpec:
    """What one URL asks the task page to show."""

    kind: str = "all"  # all, inbox, today, upcoming, assigned, list, tag, priority
    title: str = "All tasks"
    list_id: str | None = None
    tags: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    due_after: str | None = None
    due_before: str | None = None
    sort: str = "created"
    order: str | None = None

    def query(self, today: date, **page: Any) -> TaskQuery:
        """The service query for this view (``page``: status, q, limit, offset)."""
        due = None
        due_before, due_after = self.due_before, self.due_after
        if self.kind == "today":
            due_before = today.isoformat()  # overdue, then today's: as Todoist lists them
        elif self.kind == "upcoming":
            due = "upcoming"
        list_id = INBOX if self.kind == "inbox" else self.list_id
        return TaskQuery(
            list_id=list_id,
            assignee=ASSIGNEE_ME if self.kind == "assigned" else None,
            tag=self.tags,
            priority=self.priorities,
            due=due,
            due_before=due_before,
            due_after=due_after,
            sort=self.sort,
            order=self.order,
            **page,
        )

    def spec(self, today: date, list_order: list[str] | None = None) -> dict[str, Any]:
        """The same view for the browser, which shows unsaved tasks where they belong
        (``list_order``: the user's list ids in their order, which "Manual" follows)."""
        query = self.query(today)
        return {
            "list_order": list(list_order or []),
            "list_id": query.list_id,
            # "me": only the rows whose assignee_id is the signed-in user's id.
            "assignee": query.assignee,
            "tags": [rules.tag_key(t) for t in query.tag],
            "priorities": list(query.priority),
            "due": query.due,
            "due_before": query.due_before,
            "due_after": query.due_after,
            "today": today.isoformat(),
            "sort": self.sort,
            "descending": (self.order or DEFAULT_ORDER[self.sort]) == "desc",
        }

    def defaults(self, today: date, me: str = "") -> dict[str, Any]:
        """What a task added in this view gets, so it shows where it was added (``me``: the
        user's id, whom a task added to "Assigned to me" is for)."""
        new: dict[str, Any] = {}
        if self.kind == "assigned" and me:
            new["assignee_id"] = me
        if self.kind == "list" and self.list_id:
            new["list_id"] = self.list_id
        if self.kind == "today":
            new["due_date"] = today.isoformat()
        if self.kind == "upcoming":
            new["due_date"] = (today + timedelta(days=1)).isoformat()
        if self.tags:
            new["tags"] = list(self.tags)
        if len(self.priorities) == 1:
            new["priority"] = self.priorities[0]
        return new

    def empty_message(self) -> str:
        return {
            "today": "Nothing due today",
            "upcoming": "Nothing upcoming",
            "inbox": "Your Inbox is empty",
            "assigned": "Nothing is assigned to you",
            "list": f"No tasks in {self.title}",
            "tag": f"No tasks tagged {self.title}",
            "priority": f"No tasks with {self.title.lower()}",
        }.get(self.kind, "No tasks yet")


def with_param(query_string: str, name: str, value: str | None) -> str:
    """The page URL with one parameter set (``None``: removed), the others kept."""
    params = parse_qs(query_string or "")
    params.pop(name, None)
    if value is not None:
        params[name] = [value]
    return "/?" + urlencode(params, doseq=True) if params else "/"


def toggled(query_string: str, name: str, value: str) -> str:
    """The page URL with ``value`` added to, or taken out of, a repeatable parameter."""
    params = parse_qs(query_string or "")
    values = params.get(name, [])
    params[name] = [v for v in values if v != value] if value in values else [*values, value]
    if not params[name]:
        del params[name]
    return "/?" + urlencode(params, doseq=True) if params else "/"


def default_sort(view: str | None, list_id: str | None = None) -> str:
    """The sort a view takes unless the URL names one: the user's own order inside a list
    and the Inbox, soonest first on Today and Upcoming, else newest first."""
    if view in ("today", "upcoming"):
        return "due"
    if view == "inbox" or list_id:
        return "manual"
    return "created"


def links(query_string: str, tags: list[str], sort: str = "created") -> dict[str, str]:
    """Every link the task page offers from this URL: filters, sorts (``sort``: the view's
    default, which needs no parameter) and chips."""
    found = {
        f"filter_{name}": with_param(query_string, "filter", None if name == "all" else name)
        for name in ("all", "active", "completed")
    }
    found.update(
        {
            f"sort_{name}": with_param(query_string, "sort", None if name == sort else name)
            for name in SORTS
        }
    )
    found.update({f"priority_{p}": toggled(query_string, "priority", p) for p in rules.PRIORITIES})
    found.update({f"tag_{t}": toggled(query_string, "tag", t) for t in tags})
    return found


def valid_date(value: str) -> bool:
    return _valid(rules.validate_due_date, value)


def _valid(check: Any, value: Any) -> bool:
    try:
        check(value)
    except InvalidInput:
        return False
    return True


def parse_view(query_string: str, lists: Mapping[str, str]) -> ViewSpec:
    """The view a URL's query asks for; ``lists`` maps the user's list ids to their names."""
    params = parse_qs(query_string or "", keep_blank_values=False)

    def one(name: str) -> str | None:
        values = params.get(name)
        return values[-1] if values else None

    view = one("view")
    list_id = one("list")
    known_list = list_id if list_id and list_id in lists else None
    sort = one("sort") if one("sort") in SORTS else default_sort(view, known_list)
    order = one("order") if one("order") in ORDERS else None
    dates = {
        name: value
        for name in ("due_after", "due_before")
        if (value := one(name)) and _valid(rules.validate_due_date, value)
    }
    common = {"sort": sort, "order": order, **dates}
    tags = tuple(t for t in params.get("tag", []) if _valid(rules.validate_tag, t))[
        : rules.TAGS_MAX
    ]
    priorities = tuple(p for p in params.get("priority", []) if p in rules.PRIORITIES)
    base: dict[str, Any] = {"tags": tags, "priorities": priorities, **common}
    if known_list:
        return ViewSpec(kind="list", title=lists[known_list], list_id=known_list, **base)
    if view in ("inbox", "today", "upcoming", "assigned"):
        return ViewSpec(kind=view, title=VIEW_LABELS[view], **base)
    if tags:
        return ViewSpec(kind="tag", title=" ".join(f"#{t}" for t in tags), **base)
    if priorities:
        label = " or ".join(p.capitalize() for p in priorities)
        return ViewSpec(kind="priority", title=f"{label} priority", **base)
    return ViewSpec(**common)
