"""The change engine's browser module (assets/task_engine/) as Reflex sees it.

- ``task_engine()`` renders the engine once on the page, fed by TaskState's confirmed rows
  and changes, and sending its outbox through ``TaskState.send``;
- ``view`` is what the list renders from: ``view.tasks``, ``view.items_left``, ... are the
  overlay the browser computes (confirmed rows with unconfirmed mutations on top);
- ``call(...)`` binds a control to one of the engine's actions, run in the browser in the
  same frame as the click, before any message reaches the server.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx
from reflex.event import EventChain
from reflex.vars import FunctionVar
from reflex_base.vars.base import VarData
from reflex_base.vars.function import ArgsFunctionOperation, FunctionStringVar

from todo_app.auth.state import AuthState
from todo_app.models import TITLE_MAX
from todo_app.tasks.fields import TITLE_EMPTY, TITLE_TOO_LONG
from todo_app.tasks.state import TaskState

MODULE = "$/public/task_engine/index.js"
_IMPORT = VarData(imports={MODULE: ["engine", "useTaskView", "signOut"]})
_VIEW = VarData(imports={MODULE: ["useTaskView"]}, hooks={"const taskView = useTaskView()": None})


@dataclasses.dataclass
class TaskRow:
    """One row as the browser shows it (``tasks.state.row_of`` plus what the view adds)."""

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
    due_label: str = ""  # "Today 17:00", "Fri", "5 Dec": worked out in the browser
    overdue: bool = False


def _view(name: str, type_: Any) -> Any:
    return rx.Var(_js_expr=f"(taskView.{name})", _var_data=_VIEW).to(type_)


class View:
    """The overlay, field by field (each one a JS expression over ``useTaskView()``)."""

    tasks: rx.Var[list[TaskRow]] = _view("tasks", list[TaskRow])
    total: rx.Var[int] = _view("total", int)
    active: rx.Var[int] = _view("active", int)
    completed_count: rx.Var[int] = _view("completedCount", int)
    all_completed: rx.Var[bool] = _view("allCompleted", bool)
    items_left: rx.Var[str] = _view("itemsLeft", str)
    empty_message: rx.Var[str] = _view("emptyMessage", str)
    loading: rx.Var[bool] = _view("loading", bool)
    filter: rx.Var[str] = _view("filter", str)
    editing_id: rx.Var[str] = _view("editingId", str)
    selected_id: rx.Var[str] = _view("selectedId", str)
    shortcuts_open: rx.Var[bool] = _view("shortcutsOpen", bool)
    add_error: rx.Var[str] = _view("addError", str)
    draft: rx.Var[str] = _view("draft", str)
    edit_error: rx.Var[str] = _view("editError", str)
    details: rx.Var[TaskRow] = rx.Var(
        _js_expr='(taskView.details ?? {"tags": [], "reminders": []})', _var_data=_VIEW
    ).to(TaskRow)
    details_open: rx.Var[bool] = _view("details !== null", bool)


view = View()


def call(action: str, *args: Any, params: tuple[str, ...] = ()) -> Any:
    """An event trigger that runs ``engine.<action>(*args)`` in the browser.

    ``params`` names the trigger's own arguments (a checkbox's ``checked``, a form's
    ``form_data``), which ``args`` may use as ``rx.Var(name)``.
    """
    fn = FunctionStringVar.create(f"engine.{action}", _var_data=_IMPORT)
    return ArgsFunctionOperation.create(params, fn.call(*args)).to(FunctionVar, EventChain)


def sign_out_trigger() -> Any:
    """Sign out, asking first when changes have not been saved yet."""
    fn = FunctionStringVar.create("signOut", _var_data=_IMPORT)
    return ArgsFunctionOperation.create(
        (), fn.call(AuthState.user_id, rx.Var.create(AuthState.sign_out))
    ).to(FunctionVar, EventChain)


class TaskEngine(rx.Component):
    """The engine in the page; renders its status line ("Saving…", "Offline — …")."""

    library = MODULE
    tag = "TaskEngine"

    rows: rx.Var[list[dict[str, Any]]]
    rows_seq: rx.Var[int]
    changes: rx.Var[list[dict[str, Any]]]
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

    on_send: rx.EventHandler[lambda uid, batch: [uid, batch]]
    on_resync: rx.EventHandler[lambda: []]
    on_preview: rx.EventHandler[lambda text: [text]]


class BrowserNotifier(rx.Component):
    """Shows reminders as browser notifications; with ``show_button``, offers to allow them."""

    library = MODULE
    tag = "BrowserNotifier"

    fresh: rx.Var[list[dict[str, Any]]]
    show_button: rx.Var[bool]


class TimeZoneField(rx.Component):
    """A hidden form field holding the browser's IANA time zone (set after mounting)."""

    library = MODULE
    tag = "TimeZoneField"

    name: rx.Var[str]


def task_engine() -> rx.Component:
    return TaskEngine.create(
        rows=TaskState.rows,
        rows_seq=TaskState.rows_seq,
        changes=TaskState.changes,
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
        on_preview=TaskState.preview_quick_add,
        on_send=TaskState.send,
        on_resync=TaskState.resync,
    )
