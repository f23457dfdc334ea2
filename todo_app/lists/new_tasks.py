"""The task page's "Add tasks to" choice, beside Sort: whether the Inbox or the list shown adds a
task on top or at the bottom of its manual order. Shown in Manual order only (the state's
``new_tasks_place`` is "" elsewhere); the list remembers it (``ListState.set_new_tasks_place``).
"""

from __future__ import annotations

import reflex as rx

from todo_app.lists.state import ListState
from todo_app.tasks.components.form_field import NATIVE_INPUT
from todo_app.tasks.state import TaskState


def new_tasks_control() -> rx.Component:
    """ "Add tasks to: Top / Bottom" of the Inbox or list shown, in Manual order: where
    the list adds a task (lists/service.py ``add_on_top``), remembered by the list."""
    return rx.cond(
        (TaskState.new_tasks_place != "") & ~TaskState.view_read_only,
        rx.hstack(
            rx.el.label("Add tasks to", html_for="new-tasks-place", font_size="0.875rem"),
            rx.el.select(
                rx.el.option("Top", value="top"),
                rx.el.option("Bottom", value="bottom"),
                id="new-tasks-place",
                value=TaskState.new_tasks_place,
                on_change=lambda place: ListState.set_new_tasks_place(
                    TaskState.view_spec["list_id"].to(str), place
                ),
                style={**NATIVE_INPUT, "width": "auto"},
            ),
            align="center",
            spacing="2",
        ),
    )
