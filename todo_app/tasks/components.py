"""The pieces of the task page. Accessible names here are the contract the browser tests use.

Every control has a visible or spoken name, works by keyboard, and is at least 24x24 px; nothing
depends on hover (TodoMVC's hover-only delete is the known failing we avoid).

The list renders from the change engine's ``view`` (confirmed rows with unconfirmed changes on
top, computed in the browser) and every control calls the engine there (``call``), so a click
repaints in the same frame whatever the network does; the server confirms later.
"""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.engine import TaskRow, call, task_engine, view
from todo_app.tasks.state import FILTERS, NEW_TASK_INPUT_ID, TaskState
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
            aria_invalid=rx.cond(view.add_error != "", "true", "false"),
            aria_describedby="new-task-error",
            auto_focus=True,
            auto_complete="off",
            enter_key_hint="enter",
            size="3",
            width="100%",
        ),
        field_error(view.add_error, "new-task-error", announce=True),
        on_submit=call(
            "addFromForm", rx.Var("form_data"), NEW_TASK_INPUT_ID, params=("form_data",)
        ),
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


def task_row(task: TaskRow) -> rx.Component:
    return rx.hstack(
        rx.checkbox(
            checked=task.completed,
            on_change=call("setCompleted", task.id, rx.Var("checked"), params=("checked",)),
            aria_label=task.title,
            size="3",
        ),
        rx.box(
            rx.text(
                task.title,
                on_double_click=call("startEdit", task.id),
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
        icon_action("pencil", "Edit " + task.title, on_click=call("startEdit", task.id)),
        icon_action(
            "notebook-text", "Details of " + task.title, on_click=call("openDetails", task.id)
        ),
        icon_action(
            "trash-2",
            "Delete " + task.title,
            color_scheme="red",
            on_click=call("remove", task.id),
        ),
        align="center",
        spacing="3",
        width="100%",
    )


def edit_form(task: TaskRow) -> rx.Component:
    """Title edit in place: Enter or leaving the field saves, Escape cancels."""
    return rx.form(
        rx.el.input(type="hidden", name="id", value=task.id),
        rx.input(
            name="title",
            default_value=task.title,
            aria_label="Edit title",
            aria_invalid=rx.cond(view.edit_error != "", "true", "false"),
            aria_describedby="edit-error",
            auto_focus=True,
            auto_complete="off",
            on_key_down=call("editKey", rx.Var("key"), params=("key",)),
            on_blur=call("saveTitle", task.id, rx.Var("value"), params=("value",)),
            size="3",
            width="100%",
        ),
        field_error(view.edit_error, "edit-error", announce=True),
        on_submit=call("saveTitleFromForm", rx.Var("form_data"), params=("form_data",)),
        reset_on_submit=False,
        width="100%",
    )


def task_item(task: TaskRow) -> rx.Component:
    return rx.el.li(
        rx.cond(view.editing_id == task.id, edit_form(task), task_row(task)),
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
        view.loading,
        skeleton(),
        rx.cond(
            view.tasks.length() > 0,
            rx.el.ul(
                rx.foreach(view.tasks, task_item),
                aria_label="Tasks",
                padding="0",
                margin="0",
                width="100%",
            ),
            rx.text(view.empty_message, color=rx.color("gray", 11), padding_y="1.5rem"),
        ),
    )


def filter_link(name: str) -> rx.Component:
    selected = view.filter == name
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
        rx.text(view.items_left, role="status", size="2"),
        rx.el.nav(
            rx.hstack(*[filter_link(name) for name in FILTERS], spacing="1"),
            aria_label="Filter tasks",
        ),
        rx.cond(
            view.completed_count > 0,
            rx.button("Clear completed", variant="soft", size="2", on_click=call("clearCompleted")),
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
        default_value=TaskState.query,
        on_change=TaskState.search.debounce(250),
        placeholder="Search",
        aria_label="Search tasks",
        auto_complete="off",
        size="2",
        width="14rem",
        max_width="100%",
    )


def toolbar() -> rx.Component:
    return rx.cond(
        view.total > 0,
        rx.flex(
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=view.all_completed,
                        on_change=call("setAll", rx.Var("checked"), params=("checked",)),
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
    task = view.details
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Task details"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="id", value=task.id),
                    rx.el.label("Title", html_for="details-title"),
                    rx.input(
                        id="details-title",
                        name="title",
                        default_value=task.title,
                        key=task.id,
                        width="100%",
                    ),
                    rx.el.label("Description", html_for="details-description"),
                    rx.text_area(
                        id="details-description",
                        name="description",
                        default_value=task.description,
                        key=task.id + "-d",
                        rows="5",
                        width="100%",
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="2",
                ),
                on_submit=call("saveDetails", rx.Var("form_data"), params=("form_data",)),
                reset_on_submit=False,
            ),
            max_width="32rem",
        ),
        open=view.details_open,
        on_open_change=call("detailsOpenChanged", rx.Var("open"), params=("open",)),
    )


def load_more() -> rx.Component:
    return rx.cond(
        TaskState.has_more & ~TaskState.loading,
        rx.button("Load more", variant="outline", on_click=TaskState.load_more, width="100%"),
    )


def task_board() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading("Tasks", as_="h1", size="7"),
            task_engine(),
            align="baseline",
            justify="between",
            wrap="wrap",
            width="100%",
        ),
        new_task_form(),
        toolbar(),
        task_list(),
        load_more(),
        rx.cond(view.total > 0, footer()),
        details_dialog(),
        spacing="3",
        width="100%",
    )
