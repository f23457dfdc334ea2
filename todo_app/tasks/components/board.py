"""The task page's column, laid out: heading and engine status, "New task", chips, "Add tasks to"
and Sort, the toolbar, the list, the footer, and the two dialogs. ``task_board`` is what the page
(``todo_app/task_page.py``) puts in its shell."""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.components.details import details_dialog
from todo_app.tasks.components.quick_add import new_task_form
from todo_app.tasks.components.rows import task_list
from todo_app.tasks.components.shortcuts import shortcut_sheet
from todo_app.tasks.components.toolbar import (
    filter_chips,
    footer,
    load_more,
    sort_control,
    toolbar,
)
from todo_app.tasks.engine import overlay, task_engine
from todo_app.tasks.state import TaskState


def task_board(*beside_sort: rx.Component) -> rx.Component:
    """The whole task column, top to bottom in reading (and tab) order. ``beside_sort``: the
    controls other features put before Sort (the lists' "Add tasks to"), passed in by the
    page so the task layer imports none of them."""
    return rx.vstack(
        rx.hstack(
            rx.hstack(
                rx.heading(TaskState.view_title, as_="h1", size="7"),
                rx.cond(
                    TaskState.view_read_only,
                    rx.badge("View only", color_scheme="gray", variant="soft"),
                ),
                align="center",
                spacing="2",
            ),
            task_engine(),
            align="baseline",
            justify="between",
            wrap="wrap",
            width="100%",
        ),
        # A list the user may only view has no "New task" field (access.py decides who may).
        rx.cond(
            TaskState.view_read_only,
            rx.text(
                "You can view this list but not change it.",
                size="2",
                color=rx.color("gray", 11),
            ),
            new_task_form(),
        ),
        rx.flex(
            filter_chips(),
            rx.hstack(*beside_sort, sort_control(), spacing="4", wrap="wrap"),
            justify="between",
            align="start",
            gap="0.5rem",
            wrap="wrap-reverse",  # on a phone the Sort control sits above the chips
            width="100%",
        ),
        toolbar(),
        task_list(),
        load_more(),
        rx.cond(overlay.total > 0, footer()),
        details_dialog(),
        shortcut_sheet(),
        spacing="3",
        width="100%",
    )
