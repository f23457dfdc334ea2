"""The details dialog: every field of a task with real pickers (native date and time inputs,
selects, a tag field that suggests the user's tags), its Repeat and Remind me fields, and Save;
under them its sub-tasks and "Add sub-task" (components/subtasks.py).

The fields are labelled "Title", "Description", "List", "Priority", "Tags", "Due date",
"Due time", "Repeat" and "Remind me" (the browser tests find them by those names); a task in a
shared list also has "Assignee" (Nobody, or one of the list's people) and says who added and
who completed it ("Added by Ann · Completed by Bob"). Saving goes through the engine
(``saveDetails``), like every other change; in a list the user may only view, Save is off.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from todo_app.recurrence import PRESETS
from todo_app.tasks.components.form_field import NATIVE_INPUT, labelled_field
from todo_app.tasks.components.priority import PRIORITY_LABELS
from todo_app.tasks.components.rows import read_only
from todo_app.tasks.components.subtasks import subtasks_section
from todo_app.tasks.engine import TaskRow, call, overlay
from todo_app.tasks.state import TaskState

PRESET_RULES = rx.Var.create(list(PRESETS.values()))
REMIND_PRESETS = (
    (0, "When it is due"),
    (5, "5 minutes before"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (1440, "1 day before"),
)


def details_dialog() -> rx.Component:
    """Every field of a task, with real pickers: native date and time inputs, selects, and a
    tag field that suggests the user's tags. Keyed by task, so each opening starts fresh."""
    task = overlay.details
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Task details"),
            who_did_what(task),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="id", value=task.id),
                    labelled_field(
                        "Title",
                        rx.input(
                            id="details-title",
                            name="title",
                            default_value=task.title,
                            key=task.id,
                            width="100%",
                        ),
                    ),
                    labelled_field(
                        "Description",
                        rx.text_area(
                            id="details-description",
                            name="description",
                            default_value=task.description,
                            key=task.id + "-d",
                            rows="4",
                            width="100%",
                        ),
                    ),
                    rx.flex(
                        labelled_field(
                            "List",
                            rx.el.select(
                                rx.el.option("Inbox", value=""),
                                rx.foreach(
                                    TaskState.lists,
                                    lambda item: rx.el.option(item["name"], value=item["id"]),
                                ),
                                **_native("details-list", "list_id", task.id + "-l"),
                                default_value=rx.cond(task.list_id, task.list_id, ""),
                            ),
                        ),
                        labelled_field(
                            "Priority",
                            rx.el.select(
                                *[
                                    rx.el.option(label, value=value)
                                    for value, label in PRIORITY_LABELS.items()
                                ],
                                **_native("details-priority", "priority", task.id + "-p"),
                                default_value=task.priority,
                            ),
                        ),
                        gap="0.75rem",
                        width="100%",
                        direction=rx.breakpoints(initial="column", xs="row"),
                    ),
                    assignee_field(task),
                    labelled_field(
                        "Tags",
                        rx.el.input(
                            **_native("details-tags", "tags", task.id + "-t"),
                            default_value=task.tags.join(" "),
                            list="known-tags",
                            placeholder="home work",
                            auto_complete="off",
                        ),
                        hint="Separate tags with spaces; suggestions come from your tags.",
                    ),
                    rx.el.datalist(
                        rx.foreach(TaskState.tags, lambda tag: rx.el.option(value=tag)),
                        id="known-tags",
                    ),
                    rx.flex(
                        labelled_field(
                            "Due date",
                            rx.el.input(
                                type="date",
                                **_native("details-due-date", "due_date", task.id + "-dd"),
                                default_value=rx.cond(task.due_date, task.due_date, ""),
                            ),
                        ),
                        labelled_field(
                            "Due time",
                            rx.el.input(
                                type="time",
                                **_native("details-due-time", "due_time", task.id + "-dt"),
                                default_value=rx.cond(task.due_time, task.due_time, ""),
                            ),
                        ),
                        gap="0.75rem",
                        width="100%",
                    ),
                    repeat_field(task),
                    remind_field(task),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft")),
                        rx.button("Save", type="submit", disabled=read_only(task)),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=call("saveDetails", rx.Var("form_data"), params=("form_data",)),
                reset_on_submit=False,
            ),
            subtasks_section(task),
            max_width="34rem",
        ),
        open=overlay.details_open,
        on_open_change=call("detailsOpenChanged", rx.Var("open"), params=("open",)),
    )


def _shared(task: TaskRow) -> rx.Var[bool]:
    """The task is in a list with people besides its owner."""
    return task.list_id.bool() & TaskState.members_by_list.contains(task.list_id)


def assignee_field(task: TaskRow) -> rx.Component:
    """ "Assignee": Nobody, or one of the list's people (only in a shared list)."""
    people = TaskState.members_by_list[task.list_id.to(str)].to(list[dict[str, str]])
    return rx.cond(
        _shared(task),
        labelled_field(
            "Assignee",
            rx.el.select(
                rx.el.option("Nobody", value=""),
                rx.foreach(
                    people,
                    lambda person: rx.el.option(person["name"], value=person["user_id"]),
                ),
                **_native("details-assignee", "assignee_id", task.id + "-a"),
                default_value=rx.cond(task.assignee_id, task.assignee_id, ""),
            ),
        ),
    )


def who_did_what(task: TaskRow) -> rx.Component:
    """ "Added by Ann · Completed by Bob" in a shared list; a part not known is left out."""
    people = TaskState.people
    added = task.created_by.bool() & people.contains(task.created_by)
    done = task.completed & task.completed_by.bool() & people.contains(task.completed_by)
    return rx.cond(
        _shared(task) & (added | done),
        rx.text(
            rx.cond(added, "Added by " + people[task.created_by.to(str)]["name"].to(str), ""),
            rx.cond(added & done, " · ", ""),
            rx.cond(done, "Completed by " + people[task.completed_by.to(str)]["name"].to(str), ""),
            size="2",
            color=rx.color("gray", 11),
            class_name="task-history",
            margin_bottom="0.5rem",
        ),
    )


def _native(control_id: str, name: str, key: rx.Var[str]) -> dict[str, Any]:
    """What every native control of the dialog carries: its id (which its label names), its
    form name, a per-task React key (so a new task's details start fresh), and the style."""
    return {"id": control_id, "name": name, "key": key, "style": NATIVE_INPUT}


def repeat_field(task: TaskRow) -> rx.Component:
    """ "Repeat": the presets, or a custom RFC 5545 rule, from the due date or from completion;
    the next five dates are shown for the rule chosen."""
    rule = rx.cond(task.recurrence, task.recurrence["rule"].to(str), "")
    return rx.vstack(
        labelled_field(
            "Repeat",
            rx.el.select(
                rx.el.option("Does not repeat", value=""),
                *[rx.el.option(label, value=value) for label, value in PRESETS.items()],
                rx.el.option("Custom rule (below)", value="custom"),
                **_native("details-repeat", "repeat", task.id + "-r"),
                default_value=rx.cond(
                    PRESET_RULES.contains(rule), rule, rx.cond(rule != "", "custom", "")
                ),
                on_change=TaskState.preview_repeat,
            ),
        ),
        rx.el.details(
            rx.el.summary("Custom rule", font_size="0.8rem", cursor="pointer"),
            labelled_field(
                "Rule (RFC 5545, e.g. FREQ=MONTHLY;BYDAY=2TU)",
                rx.el.input(
                    **_native("details-rule", "repeat_rule", task.id + "-rr"),
                    default_value=rule,
                    on_blur=TaskState.preview_repeat,
                ),
            ),
        ),
        rx.el.label(
            rx.el.input(
                type="checkbox",
                name="from_completion",
                default_checked=rx.cond(
                    task.recurrence, task.recurrence["from_completion"].to(bool), False
                ),
                key=task.id + "-fc",
            ),
            " Count from when I complete it",
            font_size="0.85rem",
            display="flex",
            gap="0.35rem",
            align_items="center",
        ),
        rx.cond(
            TaskState.repeat_preview.length() > 0,
            rx.text(
                "Next: ",
                TaskState.repeat_preview.join(", "),
                size="1",
                color=rx.color("gray", 11),
                aria_live="polite",
            ),
        ),
        spacing="1",
        width="100%",
    )


def remind_field(task: TaskRow) -> rx.Component:
    """ "Remind me": the presets, before a timed due (each fires once per occurrence)."""
    chosen = task.reminders.to(list[dict])
    return rx.el.fieldset(
        rx.el.legend("Remind me", font_size="0.875rem", font_weight="500"),
        rx.flex(
            *[
                rx.el.label(
                    rx.el.input(
                        type="checkbox",
                        name=f"remind_{minutes}",
                        default_checked=chosen.contains({"minutes_before": minutes}),
                        key=task.id + f"-m{minutes}",
                    ),
                    " " + label,
                    font_size="0.85rem",
                    display="flex",
                    gap="0.3rem",
                    align_items="center",
                )
                for minutes, label in REMIND_PRESETS
            ],
            wrap="wrap",
            gap="0.4rem 1rem",
        ),
        rx.text(
            "Reminders need a due date and time.",
            id="details-remind-hint",
            size="1",
            color=rx.color("gray", 11),
        ),
        aria_describedby="details-remind-hint",
        border="none",
        padding="0",
        margin="0",
        width="100%",
    )
