"""Drag and drop of task rows, as Reflex sees the browser module's dnd-kit components
(assets/task_engine/dnd.js): the list's wrapper, a row, and the row's "Move <title>" handle.

Why dnd-kit: a maintained React library whose keyboard sensor and announcements are the
accessible pattern the page needs (Space or Enter picks up, arrows move, Space or Enter
drops, Escape cancels, a live region says each step), with mouse and touch besides. Pinned
here (``lib_dependencies``), so Reflex installs exactly these into the frontend build and
reflex.lock/ records them. A drop calls the engine's ``dropOn``: one "move" mutation, like the
move keys.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from todo_app.tasks.engine import TaskRow, call, overlay
from todo_app.ui.browser import MODULE

DND_PACKAGES = ["@dnd-kit/core@6.3.1", "@dnd-kit/sortable@10.0.0", "@dnd-kit/utilities@3.2.2"]


class SortableTasks(rx.Component):
    """The list's drag-and-drop context: sensors, announcements, and the drop."""

    library = MODULE
    tag = "SortableTasks"
    lib_dependencies: list[str] = DND_PACKAGES

    ids: rx.Var[list[str]]
    titles: rx.Var[dict[str, str]]

    on_move: rx.EventHandler[lambda task_id, over_id: [task_id, over_id]]


class SortableRow(rx.Component):
    """One ``<li>`` that moves while its task is dragged."""

    library = MODULE
    tag = "SortableRow"

    task_id: rx.Var[str]
    disabled: rx.Var[bool]


class DragHandle(rx.Component):
    """The row's "Move <title>" button; a drag starts only here."""

    library = MODULE
    tag = "DragHandle"

    label: rx.Var[str]


def sortable_tasks(*children: rx.Component) -> rx.Component:
    return SortableTasks.create(
        *children,
        ids=overlay.ids,
        titles=overlay.titles,
        on_move=call("dropOn", rx.Var("task_id"), rx.Var("over_id"), params=("task_id", "over_id")),
    )


def sortable_row(task: TaskRow, *children: rx.Component, **props: Any) -> rx.Component:
    return SortableRow.create(
        *children, task_id=task.id, disabled=~overlay.manual, key=task.id, **props
    )


def drag_handle(task: TaskRow) -> rx.Component:
    """Shown only in Manual order, where a place in the list means something."""
    return rx.cond(
        overlay.manual,
        DragHandle.create(
            rx.icon("grip-vertical", size=18, aria_hidden="true"), label="Move " + task.title
        ),
    )
