"""Sub-tasks on the page: a parent's progress ("2/5") and its "Collapse <title>" / "Expand
<title>" button, the "in <parent>" line of a sub-task listed without its parent, and the
details dialog's "Sub-tasks" section with its "Add sub-task" field.

Why apart from rows.py and details.py: the tree is one concern that both the row and the
dialog show; the rules themselves (what is hidden, indented, whose a row is) are worked out
in the browser (assets/task_engine/tree.js ``arrange``) and read here from the overlay.
"""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.components.form_field import labelled_field
from todo_app.tasks.engine import TaskRow, call, overlay

SUBTASK_INPUT_ID = "new-subtask"


def collapse_toggle(task: TaskRow) -> rx.Component:
    """A parent's toggle, named "Collapse <title>" or "Expand <title>", and its progress."""
    return rx.cond(
        task.subtask_count > 0,
        rx.hstack(
            rx.icon_button(
                rx.icon(
                    rx.cond(task.collapsed, "chevron-right", "chevron-down"),
                    size=14,
                    aria_hidden="true",
                ),
                variant="ghost",
                size="1",
                aria_label=rx.cond(task.collapsed, "Expand ", "Collapse ") + task.title,
                title=rx.cond(task.collapsed, "Expand ", "Collapse ") + task.title,
                aria_expanded=rx.cond(task.collapsed, "false", "true"),
                on_click=call("toggleCollapsed", task.id),
            ),
            rx.text(
                task.progress,
                size="1",
                color=rx.color("gray", 11),
                title="Sub-tasks done",
                class_name="task-progress",
            ),
            spacing="1",
            align="center",
        ),
    )


def parent_context(task: TaskRow) -> rx.Component:
    """ "in Paint the hall": whose sub-task this is, when its parent is not shown above it."""
    return rx.cond(
        task.context != "",
        rx.text(
            rx.icon("corner-down-right", size=12, aria_hidden="true"),
            "in " + task.context,
            size="1",
            color=rx.color("gray", 11),
            display="inline-flex",
            align_items="center",
            gap="0.25rem",
            class_name="task-context",
        ),
    )


def _subtask_line(sub: TaskRow) -> rx.Component:
    return rx.el.li(
        rx.text(
            sub.title,
            text_decoration=rx.cond(sub.completed, "line-through", "none"),
            color=rx.cond(sub.completed, rx.color("gray", 11), rx.color("gray", 12)),
            size="2",
        ),
        overflow_wrap="anywhere",
    )


def subtasks_section(task: TaskRow) -> rx.Component:
    """The open task's sub-tasks and "Add sub-task" (a field and a button; quick add's words
    work in it). Its own form: it must not save the dialog's fields."""
    return rx.vstack(
        rx.separator(size="4"),
        rx.hstack(
            rx.heading("Sub-tasks", as_="h3", size="3"),
            rx.cond(task.subtask_count > 0, rx.text(task.progress, size="2")),
            align="baseline",
            spacing="2",
        ),
        rx.cond(
            overlay.details_subtasks.length() > 0,
            rx.el.ul(
                rx.foreach(overlay.details_subtasks, _subtask_line),
                aria_label="Sub-tasks of " + task.title,
                padding_left="1.25rem",
                margin="0",
            ),
        ),
        rx.form(
            rx.el.input(type="hidden", name="parent_id", value=task.id),
            rx.hstack(
                rx.box(
                    labelled_field(
                        "Add sub-task",
                        rx.input(
                            id=SUBTASK_INPUT_ID,
                            name="title",
                            placeholder="A step of this task",
                            auto_complete="off",
                            width="100%",
                        ),
                    ),
                    flex="1",
                    min_width="0",
                ),
                rx.button("Add sub-task", type="submit", variant="soft"),
                align="end",
                spacing="2",
                width="100%",
            ),
            on_submit=call(
                "addSubtaskFromForm",
                rx.Var("form_data"),
                SUBTASK_INPUT_ID,
                params=("form_data",),
            ),
            reset_on_submit=False,
            width="100%",
        ),
        spacing="2",
        width="100%",
        margin_top="0.75rem",
    )
