"""The task list and its rows: checkbox, title, meta line (priority, due, repeats, tags), the
row's buttons, the in-place title edit, and the skeleton shown while the first rows load.

Every row renders from the engine's ``overlay`` and every control calls the engine (``call``),
so a click repaints in the same frame. Names: the checkbox is the task's title; the buttons
are "Edit <title>", "Details of <title>" and "Delete <title>" (and on a parent "Collapse
<title>" / "Expand <title>"). A sub-task is indented by its depth (components/subtasks.py).
An assigned task shows its assignee's initials ("Assigned to <name>"). In a list the user may
only view, the checkbox is disabled and Edit and Delete are not offered.
"""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.components.dragging import drag_handle, sortable_row, sortable_tasks
from todo_app.tasks.components.priority import priority_badge
from todo_app.tasks.components.subtasks import collapse_toggle, parent_context
from todo_app.tasks.engine import TaskRow, call, overlay
from todo_app.tasks.state import TaskState
from todo_app.ui.fields import field_error
from todo_app.ui.people import initials_badge


def icon_action(icon: str, label: rx.Var[str], **props: object) -> rx.Component:
    """An icon button named ``label`` (also its tooltip), for the row's actions."""
    return rx.icon_button(
        rx.icon(icon, size=18, aria_hidden="true"),
        variant="ghost",
        size="2",
        aria_label=label,
        title=label,
        **props,
    )


def due_text(task: TaskRow) -> rx.Component:
    """ "Today 17:00", "Fri", "5 Dec"; an overdue task says "Overdue" in words and colour."""
    return rx.cond(
        task.due_label != "",
        rx.text(
            rx.icon("calendar", size=12, aria_hidden="true"),
            rx.cond(task.overdue, "Overdue · ", ""),
            task.due_label,
            size="1",
            weight=rx.cond(task.overdue, "bold", "regular"),
            color=rx.cond(task.overdue, rx.color("red", 11), rx.color("gray", 11)),
            display="inline-flex",
            align_items="center",
            gap="0.25rem",
            class_name="task-due",
        ),
    )


def read_only(task: TaskRow) -> rx.Var[bool]:
    """The task is in a list the user may only view (``TaskState.read_only_lists``)."""
    return task.list_id.bool() & TaskState.read_only_lists.contains(task.list_id)


def assignee_badge(task: TaskRow) -> rx.Component:
    """The assignee's initials, named "Assigned to <name>"."""
    known = task.assignee_id.bool() & TaskState.people.contains(task.assignee_id)
    person = TaskState.people[task.assignee_id.to(str)]
    label = "Assigned to " + person["name"].to(str)
    return rx.cond(
        known,
        initials_badge(person["initials"].to(str), label, "1.25rem", role="img", aria_label=label),
    )


def task_meta(task: TaskRow) -> rx.Component:
    """The line under the title, only when there is something to say."""
    return rx.cond(
        task.assignee_id.bool()
        | (task.priority != "none")
        | (task.due_label != "")
        | (task.tags.length() > 0)
        | task.recurrence.bool()
        | (task.subtask_count > 0)
        | (task.context != ""),
        rx.flex(
            assignee_badge(task),
            collapse_toggle(task),
            parent_context(task),
            priority_badge(task),
            due_text(task),
            rx.cond(
                task.recurrence,
                rx.text(
                    rx.icon("repeat", size=12, aria_hidden="true"),
                    "Repeats",
                    size="1",
                    color=rx.color("gray", 11),
                    display="inline-flex",
                    align_items="center",
                    gap="0.25rem",
                ),
            ),
            rx.foreach(
                task.tags,
                lambda tag: rx.link(
                    "#" + tag, href="/?tag=" + tag, size="1", class_name="task-tag"
                ),
            ),
            gap="0.5rem",
            wrap="wrap",
            align="center",
            padding_top="0.15rem",
        ),
    )


def task_row(task: TaskRow) -> rx.Component:
    """A task as read: its checkbox, text, meta line and buttons (no hover needed)."""
    return rx.hstack(
        drag_handle(task),
        rx.checkbox(
            checked=task.completed,
            on_change=call("setCompleted", task.id, rx.Var("checked"), params=("checked",)),
            aria_label=task.title,
            disabled=read_only(task),
            size="3",
            id="check-" + task.id,
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
            task_meta(task),
            flex="1",
            min_width="0",
            overflow_wrap="anywhere",
        ),
        rx.cond(
            ~read_only(task),
            icon_action("pencil", "Edit " + task.title, on_click=call("startEdit", task.id)),
        ),
        icon_action(
            "notebook-text", "Details of " + task.title, on_click=call("openDetails", task.id)
        ),
        rx.cond(
            ~read_only(task),
            icon_action(
                "trash-2",
                "Delete " + task.title,
                color_scheme="red",
                on_click=call("remove", task.id),
            ),
        ),
        align="center",
        # Tighter on a phone: the handle, the checkbox and three buttons share 320 px with
        # the title, which matters most once a sub-task is indented.
        spacing=rx.breakpoints(initial="2", sm="3"),
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
            aria_invalid=rx.cond(overlay.edit_error != "", "true", "false"),
            aria_describedby="edit-error",
            auto_focus=True,
            auto_complete="off",
            on_key_down=call("editKey", rx.Var("key"), params=("key",)),
            on_blur=call("saveTitle", task.id, rx.Var("value"), params=("value",)),
            size="3",
            width="100%",
        ),
        field_error(overlay.edit_error, "edit-error", announce=True),
        on_submit=call("saveTitleFromForm", rx.Var("form_data"), params=("form_data",)),
        reset_on_submit=False,
        width="100%",
    )


def task_item(task: TaskRow) -> rx.Component:
    """One list item: the row, or its edit form; the task j/k moved to is marked current."""
    selected = overlay.selected_id == task.id
    return sortable_row(
        task,
        rx.cond(overlay.editing_id == task.id, edit_form(task), task_row(task)),
        data_selected=rx.cond(selected, "true", "false"),
        data_task_id=task.id,  # the move keys act on the task whose row holds focus
        data_depth=task.depth,
        aria_current=rx.cond(selected, "true", "false"),
        padding="0.6rem 0.4rem",
        # A sub-task sits under its parent, one step in per level (narrower steps on a phone).
        padding_left=f"calc(0.4rem + {task.depth} * var(--subtask-indent, 1.5rem))",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        border_left=rx.cond(
            selected, f"3px solid {rx.color('accent', 9)}", "3px solid transparent"
        ),
        background_color=rx.cond(selected, rx.color("accent", 2), "transparent"),
        list_style="none",
    )


def skeleton() -> rx.Component:
    """Placeholder rows until the first rows arrive, so the page does not jump."""
    return rx.vstack(
        *[rx.skeleton(height="2.25rem", width="100%") for _ in range(4)],
        spacing="3",
        width="100%",
        aria_busy="true",
        aria_label="Loading tasks",
    )


def task_list() -> rx.Component:
    """The list named "Tasks", or the view's empty message ("No tasks yet")."""
    return rx.cond(
        overlay.loading,
        skeleton(),
        rx.cond(
            overlay.tasks.length() > 0,
            sortable_tasks(
                rx.el.ul(
                    rx.foreach(overlay.tasks, task_item),
                    aria_label="Tasks",
                    style={
                        "--subtask-indent": "1.5rem",
                        "@media (max-width: 639px)": {"--subtask-indent": "0.9rem"},
                    },
                    padding="0",
                    margin="0",
                    width="100%",
                ),
            ),
            rx.text(overlay.empty_message, color=rx.color("gray", 11), padding_y="1.5rem"),
        ),
    )
