"""The change engine's browser module (assets/task_engine/) as Reflex sees it.

- ``task_engine()`` renders the engine once on the page, fed by TaskState's confirmed rows
  and changes, and sending its outbox through ``TaskState.send``;
- ``overlay`` is what the list renders from: ``overlay.tasks``, ``overlay.items_left``, ... are
  what the browser computes (confirmed rows with unconfirmed mutations on top), read through
  ``useTaskView()`` (assets/task_engine/views.js works out the URL's view in the browser);
- ``call(...)`` binds a control to one of the engine's actions, run in the browser in the
  same frame as the click, before any message reaches the server.

The module's path and the components any page may use (the time-zone field, the browser
notifier) are in ``ui/browser.py``; the sign-out that asks first is the navbar's
(``auth/navbar.py``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex.event import EventChain
from reflex.vars import FunctionVar
from reflex_base.vars.base import VarData
from reflex_base.vars.function import ArgsFunctionOperation

from todo_app.auth.state import AuthState
from todo_app.models import TITLE_MAX
from todo_app.tasks.fields import TITLE_EMPTY, TITLE_TOO_LONG
from todo_app.tasks.state import TaskState
from todo_app.ui.browser import MODULE, browser_function

_OVERLAY = VarData(
    imports={MODULE: ["useTaskView"]}, hooks={"const taskView = useTaskView()": None}
)


@dataclasses.dataclass
class TaskRow:
    """One row as the browser shows it (``tasks.live.page_row`` plus what the overlay adds)."""

    id: str = ""
    title: str = ""
    description: str = ""
    completed: bool = False
    version: int = 0
    created_at: str = ""
    list_id: str | None = None
    priority: str = "none"
    tags: list[str] = dataclasses.field(default_factory=list)
    due_date: str | None = None
    due_time: str | None = None
    recurrence: dict[str, Any] | None = None
    reminders: list[dict[str, int]] = dataclasses.field(default_factory=list)
    parent_id: str | None = None
    position: str = ""
    subtask_count: int = 0
    subtasks_done: int = 0
    assignee_id: str | None = None
    created_by: str | None = None
    completed_by: str | None = None
    due_label: str = ""  # "Today 17:00", "Fri", "5 Dec": worked out in the browser
    overdue: bool = False
    # The tree, as the browser arranges the view (assets/task_engine/tree.js ``arrange``):
    depth: int = 0  # indentation: shown ancestors, in Manual order
    context: str = ""  # the parent's title, when the parent is not shown above it
    collapsed: bool = False
    progress: str = ""  # "2/5" for a task with sub-tasks


def _overlay(name: str, type_: Any) -> Any:
    return rx.Var(_js_expr=f"(taskView.{name})", _var_data=_OVERLAY).to(type_)


class Overlay:
    """What the list shows, field by field: the confirmed rows with the unconfirmed changes on
    top (each field a JS expression over ``useTaskView()``)."""

    tasks: rx.Var[list[TaskRow]] = _overlay("tasks", list[TaskRow])
    loaded: rx.Var[int] = _overlay("loaded", int)
    total: rx.Var[int] = _overlay("total", int)
    active: rx.Var[int] = _overlay("active", int)
    completed_count: rx.Var[int] = _overlay("completedCount", int)
    all_completed: rx.Var[bool] = _overlay("allCompleted", bool)
    items_left: rx.Var[str] = _overlay("itemsLeft", str)
    empty_message: rx.Var[str] = _overlay("emptyMessage", str)
    loading: rx.Var[bool] = _overlay("loading", bool)
    filter: rx.Var[str] = _overlay("filter", str)
    manual: rx.Var[bool] = _overlay("manual", bool)
    # The shown rows' ids in order, and their titles by id (what drag and drop sorts and says).
    ids: rx.Var[list[str]] = _overlay("tasks.map((t) => t.id)", list[str])
    titles: rx.Var[dict[str, str]] = rx.Var(
        _js_expr="(Object.fromEntries(taskView.tasks.map((t) => [t.id, t.title])))",
        _var_data=_OVERLAY,
    ).to(dict[str, str])
    editing_id: rx.Var[str] = _overlay("editingId", str)
    selected_id: rx.Var[str] = _overlay("selectedId", str)
    shortcuts_open: rx.Var[bool] = _overlay("shortcutsOpen", bool)
    add_error: rx.Var[str] = _overlay("addError", str)
    draft: rx.Var[str] = _overlay("draft", str)
    edit_error: rx.Var[str] = _overlay("editError", str)
    details: rx.Var[TaskRow] = rx.Var(
        _js_expr='(taskView.details ?? {"tags": [], "reminders": []})', _var_data=_OVERLAY
    ).to(TaskRow)
    details_open: rx.Var[bool] = _overlay("details !== null", bool)
    details_subtasks: rx.Var[list[TaskRow]] = _overlay("detailsSubtasks", list[TaskRow])


overlay = Overlay()


def call(action: str, *args: Any, params: tuple[str, ...] = ()) -> Any:
    """An event trigger that runs ``engine.<action>(*args)`` in the browser.

    ``params`` names the trigger's own arguments (a checkbox's ``checked``, a form's
    ``form_data``), which ``args`` may use as ``rx.Var(name)``.
    """
    fn = browser_function(f"engine.{action}")
    return ArgsFunctionOperation.create(params, fn.call(*args)).to(FunctionVar, EventChain)


class TaskEngine(rx.Component):
    """The engine in the page; renders its status line ("Saving…", "Offline — …")."""

    library = MODULE
    tag = "TaskEngine"

    rows: rx.Var[list[dict[str, Any]]]
    rows_seq: rx.Var[int]
    changes: rx.Var[list[dict[str, Any]]]
    remote: rx.Var[dict[str, Any]]
    total: rx.Var[int]
    active: rx.Var[int]
    epoch: rx.Var[str]
    user_id: rx.Var[str]
    query: rx.Var[str]
    loading: rx.Var[bool]
    title_max: rx.Var[int]
    title_too_long: rx.Var[str]
    title_empty: rx.Var[str]
    spec: rx.Var[dict[str, Any]]
    defaults: rx.Var[dict[str, Any]]
    view_empty: rx.Var[str]
    time_zone: rx.Var[str]
    quick: rx.Var[dict[str, Any]]
    parent_titles: rx.Var[dict[str, str]]
    add_on_top: rx.Var[dict[str, bool]]

    on_send: rx.EventHandler[lambda uid, batch: [uid, batch]]
    on_resync: rx.EventHandler[lambda: []]
    on_preview: rx.EventHandler[lambda text: [text]]


def task_engine() -> rx.Component:
    return TaskEngine.create(
        rows=TaskState.rows,
        rows_seq=TaskState.rows_seq,
        changes=TaskState.changes,
        remote=TaskState.remote,
        total=TaskState.total,
        active=TaskState.active,
        epoch=TaskState.epoch,
        user_id=AuthState.user_id,
        query=TaskState.query,
        loading=TaskState.loading,
        title_max=TITLE_MAX,
        title_too_long=TITLE_TOO_LONG,
        title_empty=TITLE_EMPTY,
        spec=TaskState.view_spec,
        defaults=TaskState.new_defaults,
        view_empty=TaskState.view_empty,
        time_zone=TaskState.time_zone,
        quick=TaskState.quick,
        parent_titles=TaskState.parent_titles,
        add_on_top=TaskState.add_on_top,
        on_preview=TaskState.preview_quick_add,
        on_send=TaskState.send,
        on_resync=TaskState.resync,
    )
