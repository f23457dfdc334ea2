"""The pieces of the task page. Accessible names here are the contract the browser tests use.

Every control has a visible or spoken name, works by keyboard, and is at least 24x24 px; nothing
depends on hover (TodoMVC's hover-only delete is the known failing we avoid).
"""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.state import FILTERS, NEW_TASK_INPUT_ID, TaskState, TaskView
from todo_app.ui.fields import field_error

FILTER_LABELS = {"all": "All", "active": "Active", "completed": "Completed"}
FILTER_HREFS = {"all": "/", "active": "/?filter=active", "completed": "/?filter=completed"}


def new_task_form() -> rx.Component:
    return rx.form(
        rx.input(
            id=NEW_TASK_INPUT_ID,
            name="title",
            placeholder="What needs to be done?",
            aria_label="New task",
            aria_invalid=rx.cond(TaskState.add_error != "", "true", "false"),
            aria_describedby="new-task-error",
            auto_focus=True,
            auto_complete="off",
            enter_key_hint="enter",
            size="3",
            width="100%",
        ),
        field_error(TaskState.add_error, "new-task-error", announce=True),
        on_submit=TaskState.add_task,
        reset_on_submit=False,
        width="100%",
    )


def icon_action(icon: str, label: rx.Var[str], **props: object) -> rx.Component:
    return rx.icon_button(
        rx.icon(icon, size=18, aria_hidden="true"),
        variant="ghost",
        size="2",
        aria_label=label,
        title=label,
        **props,
    )


def task_row(task: TaskView) -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            checked=task.completed,
            on_change=TaskState.toggle(task.id),
            aria_label=task.title,
            size="3",
        ),
        rx.box(
            rx.text(
                task.title,
                on_double_click=TaskState.start_edit(task.id),
                text_decoration=rx.cond(task.completed, "line-through", "none"),
                color=rx.cond(task.completed, rx.color("gray", 11), rx.color("gray", 12)),
                class_name="task-title",
            ),
            rx.cond(
                task.description != "",
                rx.text(
                    task.description, size="2", color=rx.color("gray", 11), white_space="pre-wrap"
                ),
            ),
            flex="1",
            min_width="0",
            overflow_wrap="anywhere",
        ),
        icon_action("pencil", "Edit " + task.title, on_click=TaskState.start_edit(task.id)),
        icon_action(
            "notebook-text", "Details of " + task.title, on_click=TaskState.open_details(task.id)
        ),
        icon_action(
            "trash-2",
            "Delete " + task.title,
            color_scheme="red",
            on_click=TaskState.delete(task.id),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def edit_form(task: TaskView) -> rx.Component:
    """Title edit in place: Enter or leaving the field saves, Escape cancels."""
    return rx.form(
        rx.el.input(type="hidden", name="id", value=task.id),
        rx.input(
            name="title",
            default_value=task.title,
            aria_label="Edit title",
            aria_invalid=rx.cond(TaskState.edit_error != "", "true", "false"),
            aria_describedby="edit-error",
            auto_focus=True,
            auto_complete="off",
            on_key_down=TaskState.edit_key,
            on_blur=lambda value: TaskState.save_edit({"id": task.id, "title": value}),
            size="3",
            width="100%",
        ),
        field_error(TaskState.edit_error, "edit-error", announce=True),
        on_submit=TaskState.save_edit,
        reset_on_submit=False,
        width="100%",
    )


def task_item(task: TaskView) -> rx.Component:
    return rx.el.li(
        rx.cond(TaskState.editing_id == task.id, edit_form(task), task_row(task)),
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        list_style="none",
    )


def skeleton() -> rx.Component:
    return rx.vstack(
        *[rx.skeleton(height="2.25rem", width="100%") for _ in range(4)],
        spacing="3",
        width="100%",
        aria_busy="true",
        aria_label="Loading tasks",
    )


def task_list() -> rx.Component:
    return rx.cond(
        TaskState.loading,
        skeleton(),
        rx.cond(
            TaskState.visible_tasks.length() > 0,
            rx.el.ul(
                rx.foreach(TaskState.visible_tasks, task_item),
                aria_label="Tasks",
                padding="0",
                margin="0",
                width="100%",
            ),
            rx.text(TaskState.empty_message, color=rx.color("gray", 11), padding_y="1.5rem"),
        ),
    )


def filter_link(name: str) -> rx.Component:
    selected = TaskState.filter == name
    return rx.link(
        FILTER_LABELS[name],
        href=FILTER_HREFS[name],
        aria_current=rx.cond(selected, "page", "false"),
        weight=rx.cond(selected, "bold", "regular"),
        underline=rx.cond(selected, "always", "hover"),
        padding="0.25rem 0.5rem",
    )


def footer() -> rx.Component:
    return rx.flex(
        rx.text(TaskState.items_left, role="status", size="2"),
        rx.el.nav(
            rx.hstack(*[filter_link(name) for name in FILTERS], spacing="1"),
            aria_label="Filter tasks",
        ),
        rx.cond(
            TaskState.completed_count > 0,
            rx.button(
                "Clear completed", variant="soft", size="2", on_click=TaskState.clear_completed
            ),
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="0.75rem",
        width="100%",
        padding_top="0.75rem",
    )


def search_field() -> rx.Component:
    return rx.input(
        rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
        type="search",
        value=TaskState.query,
        on_change=TaskState.search,
        placeholder="Search",
        aria_label="Search tasks",
        auto_complete="off",
        size="2",
        width="14rem",
        max_width="100%",
    )


def toolbar() -> rx.Component:
    return rx.cond(
        TaskState.total > 0,
        rx.flex(
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=TaskState.all_completed,
                        on_change=TaskState.toggle_all,
                        aria_label="Mark all complete",
                        size="3",
                    ),
                    rx.text("Mark all complete", size="2"),
                    align="center",
                    spacing="3",
                ),
                padding_y="0.5rem",
            ),
            search_field(),
            justify="between",
            align="center",
            wrap="wrap",
            gap="0.5rem 1rem",
            width="100%",
        ),
    )


def details_dialog() -> rx.Component:
    task = TaskState.details_task
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Task details"),
            rx.form(
                rx.vstack(
                    rx.el.label("Title", html_for="details-title"),
                    rx.input(
                        id="details-title", name="title", default_value=task.title, width="100%"
                    ),
                    rx.el.label("Description", html_for="details-description"),
                    rx.text_area(
                        id="details-description",
                        name="description",
                        default_value=task.description,
                        rows="5",
                        width="100%",
                    ),
                    field_error(TaskState.details_error, "details-error", announce=True),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                ),
                on_submit=TaskState.save_details,
                reset_on_submit=False,
            ),
            max_width="32rem",
        ),
        open=TaskState.details_id != "",
        on_open_change=TaskState.close_details,
    )


def load_more() -> rx.Component:
    return rx.cond(
        TaskState.has_more & ~TaskState.loading,
        rx.button("Load more", variant="outline", on_click=TaskState.load_more, width="100%"),
    )


def task_board() -> rx.Component:
    return rx.vstack(
        rx.heading("Tasks", as_="h1", size="7"),
        new_task_form(),
        toolbar(),
        task_list(),
        load_more(),
        rx.cond(TaskState.total > 0, footer()),
        details_dialog(),
        spacing="3",
        width="100%",
    )
