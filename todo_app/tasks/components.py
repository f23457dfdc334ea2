"""The pieces of the task page. Accessible names here are the contract the browser tests use.

Every control has a visible or spoken name, works by keyboard, and is at least 24x24 px; nothing
depends on hover (TodoMVC's hover-only delete is the known failing we avoid).

The list renders from the change engine's ``overlay`` (confirmed rows with unconfirmed changes on
top, computed in the browser) and every control calls the engine there (``call``), so a click
repaints in the same frame whatever the network does; the server confirms later.

Why one module of about 800 lines: it is one page, and its parts are read together. The
accessible names the browser tests rely on (DESIGN.md, "The page") are spread over the row,
the toolbar, the details dialog and the chips, and each of those reads the same ``overlay``
and ``TaskRow`` and calls the same ``call`` actions; split by widget, a reader checking the
contract would open five files for one page, and the pieces would import each other. The
functions run top-down in page order (add form, row, list, toolbar, dialog, chips, board), so
a section is found by scrolling. The seam to cut first, when it grows: the details dialog
with its repeat and remind fields (``details_dialog`` to ``remind_field``, about 280 lines).
"""

from __future__ import annotations

import reflex as rx

from todo_app.recurrence import PRESETS
from todo_app.tasks.engine import TaskRow, call, overlay, task_engine
from todo_app.tasks.queries import SEARCH_MAX
from todo_app.tasks.state import FILTERS, NEW_TASK_INPUT_ID, TaskState
from todo_app.tasks.views import SORT_LABELS
from todo_app.ui.fields import field_error

PRESET_RULES = rx.Var.create(list(PRESETS.values()))

FILTER_LABELS = {"all": "All", "active": "Active", "completed": "Completed"}
FILTER_HREFS = {"all": "/", "active": "/?filter=active", "completed": "/?filter=completed"}


def new_task_form() -> rx.Component:
    return rx.form(
        rx.input(
            id=NEW_TASK_INPUT_ID,
            name="title",
            placeholder="What needs to be done?",
            aria_label="New task",
            aria_invalid=rx.cond(overlay.add_error != "", "true", "false"),
            aria_describedby="new-task-error",
            auto_focus=True,
            auto_complete="off",
            enter_key_hint="enter",
            on_change=call("setDraft", rx.Var("value"), params=("value",)),
            size="3",
            width="100%",
        ),
        quick_add_chips(),
        field_error(overlay.add_error, "new-task-error", announce=True),
        on_submit=call(
            "addFromForm", rx.Var("form_data"), NEW_TASK_INPUT_ID, params=("form_data",)
        ),
        reset_on_submit=False,
        width="100%",
    )


def _token_chip(token: rx.Var[dict]) -> rx.Component:
    label = token["label"].to(str)
    return rx.badge(
        label,
        rx.el.button(
            rx.icon("x", size=12, aria_hidden="true"),
            type="button",
            aria_label="Keep as text: " + label,
            on_click=TaskState.dismiss_token(token["start"].to(int)),
            min_width="24px",
            min_height="24px",
            display="inline-flex",
            align_items="center",
            justify_content="center",
            background="transparent",
            border="none",
            cursor="pointer",
            color="inherit",
        ),
        variant="soft",
        size="2",
        radius="full",
    )


def quick_add_chips() -> rx.Component:
    """What quick add understood in the text being typed; each part can be dismissed."""
    shown = (TaskState.quick["text"].to(str) == overlay.draft) & (overlay.draft != "")
    tokens = TaskState.quick["tokens"].to(list[dict])
    return rx.cond(
        shown & (tokens.length() > 0),
        rx.flex(
            rx.text("Understood:", size="1", color=rx.color("gray", 11)),
            rx.foreach(tokens, _token_chip),
            gap="0.35rem",
            wrap="wrap",
            align="center",
            padding_top="0.35rem",
            aria_live="polite",
            aria_label="What quick add understood",
            role="group",
        ),
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


PRIORITY_COLORS = {"high": "red", "medium": "orange", "low": "blue"}


def priority_badge(task: TaskRow) -> rx.Component:
    """Shown for low, medium and high; read as "Priority high" (not by colour alone)."""
    return rx.cond(
        task.priority != "none",
        rx.badge(
            rx.icon("flag", size=12, aria_hidden="true"),
            rx.text(task.priority, text_transform="capitalize"),
            role="img",
            aria_label="Priority " + task.priority,
            color_scheme=rx.match(task.priority, *PRIORITY_COLORS.items(), "gray"),
            variant="soft",
        ),
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


def task_meta(task: TaskRow) -> rx.Component:
    return rx.cond(
        (task.priority != "none")
        | (task.due_label != "")
        | (task.tags.length() > 0)
        | task.recurrence.bool(),
        rx.flex(
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
    return rx.hstack(
        rx.checkbox(
            checked=task.completed,
            on_change=call("setCompleted", task.id, rx.Var("checked"), params=("checked",)),
            aria_label=task.title,
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
    selected = overlay.selected_id == task.id
    return rx.el.li(
        rx.cond(overlay.editing_id == task.id, edit_form(task), task_row(task)),
        data_selected=rx.cond(selected, "true", "false"),
        aria_current=rx.cond(selected, "true", "false"),
        padding="0.6rem 0.4rem",
        border_bottom=f"1px solid {rx.color('gray', 5)}",
        border_left=rx.cond(
            selected, f"3px solid {rx.color('accent', 9)}", "3px solid transparent"
        ),
        background_color=rx.cond(selected, rx.color("accent", 2), "transparent"),
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
        overlay.loading,
        skeleton(),
        rx.cond(
            overlay.tasks.length() > 0,
            rx.el.ul(
                rx.foreach(overlay.tasks, task_item),
                aria_label="Tasks",
                padding="0",
                margin="0",
                width="100%",
            ),
            rx.text(overlay.empty_message, color=rx.color("gray", 11), padding_y="1.5rem"),
        ),
    )


def filter_link(name: str) -> rx.Component:
    selected = overlay.filter == name
    return rx.link(
        FILTER_LABELS[name],
        href=TaskState.links.get(f"filter_{name}", FILTER_HREFS[name]),
        aria_current=rx.cond(selected, "page", "false"),
        weight=rx.cond(selected, "bold", "regular"),
        underline=rx.cond(selected, "always", "hover"),
        padding="0.25rem 0.5rem",
    )


def footer() -> rx.Component:
    return rx.flex(
        rx.text(overlay.items_left, role="status", size="2"),
        rx.el.nav(
            rx.hstack(*[filter_link(name) for name in FILTERS], spacing="1"),
            aria_label="Filter tasks",
        ),
        rx.cond(
            overlay.completed_count > 0,
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
        id="search-tasks",
        max_length=SEARCH_MAX,  # the service's limit; the state cuts to it as well
        auto_complete="off",
        size="2",
        width="14rem",
        max_width="100%",
    )


def toolbar() -> rx.Component:
    # The counts are the view's, search included: a search that finds nothing keeps its field.
    return rx.cond(
        (overlay.total > 0) | (TaskState.query != ""),
        rx.flex(
            rx.el.label(
                rx.hstack(
                    rx.checkbox(
                        checked=overlay.all_completed,
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


def _field(label: str, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=html_for, font_size="0.875rem", font_weight="500"),
        control,
        spacing="1",
        width="100%",
    )


NATIVE_INPUT = {
    "padding": "0.4rem 0.5rem",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "min_height": "2rem",
    "width": "100%",
}


def details_dialog() -> rx.Component:
    """Every field of a task, with real pickers: native date and time inputs, selects, and a
    tag field that suggests the user's tags. Keyed by task, so each opening starts fresh."""
    task = overlay.details
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Task details"),
            rx.form(
                rx.vstack(
                    rx.el.input(type="hidden", name="id", value=task.id),
                    _field(
                        "Title",
                        rx.input(
                            id="details-title",
                            name="title",
                            default_value=task.title,
                            key=task.id,
                            width="100%",
                        ),
                        "details-title",
                    ),
                    _field(
                        "Description",
                        rx.text_area(
                            id="details-description",
                            name="description",
                            default_value=task.description,
                            key=task.id + "-d",
                            rows="4",
                            width="100%",
                        ),
                        "details-description",
                    ),
                    rx.flex(
                        _field(
                            "List",
                            rx.el.select(
                                rx.el.option("Inbox", value=""),
                                rx.foreach(
                                    TaskState.lists,
                                    lambda item: rx.el.option(item["name"], value=item["id"]),
                                ),
                                id="details-list",
                                name="list_id",
                                default_value=rx.cond(task.list_id, task.list_id, ""),
                                key=task.id + "-l",
                                style=NATIVE_INPUT,
                            ),
                            "details-list",
                        ),
                        _field(
                            "Priority",
                            rx.el.select(
                                *[
                                    rx.el.option(label, value=value)
                                    for value, label in PRIORITY_LABELS.items()
                                ],
                                id="details-priority",
                                name="priority",
                                default_value=task.priority,
                                key=task.id + "-p",
                                style=NATIVE_INPUT,
                            ),
                            "details-priority",
                        ),
                        gap="0.75rem",
                        width="100%",
                        direction=rx.breakpoints(initial="column", xs="row"),
                    ),
                    _field(
                        "Tags",
                        rx.el.input(
                            id="details-tags",
                            name="tags",
                            default_value=task.tags.join(" "),
                            key=task.id + "-t",
                            list="known-tags",
                            placeholder="home work",
                            auto_complete="off",
                            aria_describedby="details-tags-hint",
                            style=NATIVE_INPUT,
                        ),
                        "details-tags",
                    ),
                    rx.text(
                        "Separate tags with spaces; suggestions come from your tags.",
                        id="details-tags-hint",
                        size="1",
                        color=rx.color("gray", 11),
                    ),
                    rx.el.datalist(
                        rx.foreach(TaskState.tags, lambda tag: rx.el.option(value=tag)),
                        id="known-tags",
                    ),
                    rx.flex(
                        _field(
                            "Due date",
                            rx.el.input(
                                type="date",
                                id="details-due-date",
                                name="due_date",
                                default_value=rx.cond(task.due_date, task.due_date, ""),
                                key=task.id + "-dd",
                                style=NATIVE_INPUT,
                            ),
                            "details-due-date",
                        ),
                        _field(
                            "Due time",
                            rx.el.input(
                                type="time",
                                id="details-due-time",
                                name="due_time",
                                default_value=rx.cond(task.due_time, task.due_time, ""),
                                key=task.id + "-dt",
                                style=NATIVE_INPUT,
                            ),
                            "details-due-time",
                        ),
                        gap="0.75rem",
                        width="100%",
                    ),
                    repeat_field(task),
                    remind_field(task),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", type="button", variant="soft")),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=call("saveDetails", rx.Var("form_data"), params=("form_data",)),
                reset_on_submit=False,
            ),
            max_width="34rem",
        ),
        open=overlay.details_open,
        on_open_change=call("detailsOpenChanged", rx.Var("open"), params=("open",)),
    )


PRIORITY_LABELS = {"none": "None", "low": "Low", "medium": "Medium", "high": "High"}
REMIND_PRESETS = (
    (0, "When it is due"),
    (5, "5 minutes before"),
    (15, "15 minutes before"),
    (30, "30 minutes before"),
    (60, "1 hour before"),
    (1440, "1 day before"),
)


def repeat_field(task: TaskRow) -> rx.Component:
    """ "Repeat": the presets, or a custom RFC 5545 rule, from the due date or from completion;
    the next five dates are shown for the rule chosen."""
    rule = rx.cond(task.recurrence, task.recurrence["rule"].to(str), "")
    return rx.vstack(
        _field(
            "Repeat",
            rx.el.select(
                rx.el.option("Does not repeat", value=""),
                *[rx.el.option(label, value=value) for label, value in PRESETS.items()],
                rx.el.option("Custom rule (below)", value="custom"),
                id="details-repeat",
                name="repeat",
                default_value=rx.cond(
                    PRESET_RULES.contains(rule), rule, rx.cond(rule != "", "custom", "")
                ),
                key=task.id + "-r",
                on_change=TaskState.preview_repeat,
                style=NATIVE_INPUT,
            ),
            "details-repeat",
        ),
        rx.el.details(
            rx.el.summary("Custom rule", font_size="0.8rem", cursor="pointer"),
            rx.el.label(
                "Rule (RFC 5545, e.g. FREQ=MONTHLY;BYDAY=2TU)",
                html_for="details-rule",
                font_size="0.75rem",
            ),
            rx.el.input(
                id="details-rule",
                name="repeat_rule",
                default_value=rule,
                key=task.id + "-rr",
                on_blur=TaskState.preview_repeat,
                style=NATIVE_INPUT,
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
        rx.text("Reminders need a due date and time.", size="1", color=rx.color("gray", 11)),
        border="none",
        padding="0",
        margin="0",
        width="100%",
    )


# What the keyboard does (assets/task_engine/core.js, Engine.key); none fires in a field.
SHORTCUTS = (
    ("?", "Show these shortcuts"),
    ("n or q", "New task"),
    ("/", "Search"),
    ("j / k", "Next / previous task"),
    ("x", "Complete or reopen the task"),
    ("e", "Edit the task's title"),
    ("Delete", "Delete the task (with Undo)"),
    ("Ctrl+Z", "Undo your last change"),
)


def shortcut_sheet() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Keyboard shortcuts"),
            rx.dialog.description(
                "They work anywhere on this page except while you type in a field.", size="2"
            ),
            rx.el.dl(
                *[
                    rx.fragment(
                        rx.el.dt(rx.el.kbd(keys), font_family="monospace", font_weight="600"),
                        rx.el.dd(what, margin="0 0 0.5rem 0"),
                    )
                    for keys, what in SHORTCUTS
                ],
                display="grid",
                grid_template_columns="auto 1fr",
                gap="0.25rem 1rem",
                margin_top="1rem",
            ),
            rx.dialog.close(rx.button("Close", variant="soft", margin_top="0.5rem")),
            max_width="26rem",
        ),
        open=overlay.shortcuts_open,
        on_open_change=call("setShortcutsOpen", rx.Var("open"), params=("open",)),
    )


def sort_control() -> rx.Component:
    """Newest, Due date, Priority, Title; the choice lives in the URL (``?sort=due``)."""
    return rx.hstack(
        rx.el.label("Sort", html_for="sort-tasks", font_size="0.875rem"),
        rx.el.select(
            *[rx.el.option(label, value=name) for name, label in SORT_LABELS.items()],
            id="sort-tasks",
            value=TaskState.sort,
            on_change=lambda value: rx.redirect(TaskState.links["sort_" + value]),
            style={**NATIVE_INPUT, "width": "auto"},
        ),
        align="center",
        spacing="2",
    )


def chip(label: rx.Var[str] | str, href: rx.Var[str], on: rx.Var[bool]) -> rx.Component:
    return rx.link(
        label,
        href=href,
        aria_pressed=rx.cond(on, "true", "false"),
        role="button",
        size="1",
        underline="none",
        padding="0.2rem 0.6rem",
        border_radius="999px",
        border=rx.cond(on, f"1px solid {rx.color('accent', 9)}", "1px solid var(--gray-a7)"),
        background_color=rx.cond(on, rx.color("accent", 3), "transparent"),
        min_height="24px",
        display="inline-flex",
        align_items="center",
    )


def filter_chips() -> rx.Component:
    """Priority and tag chips (each one a link that turns its filter on or off)."""
    return rx.flex(
        *[
            chip(
                PRIORITY_LABELS[p],
                TaskState.links[f"priority_{p}"],
                TaskState.chosen_priorities.contains(p),
            )
            for p in ("high", "medium", "low")
        ],
        rx.foreach(
            TaskState.tags,
            lambda tag: chip(
                "#" + tag, TaskState.links["tag_" + tag], TaskState.chosen_tags.contains(tag)
            ),
        ),
        rx.el.details(
            rx.el.summary(
                "Due between…",
                cursor="pointer",
                font_size="0.8rem",
                color=rx.color("accent", 11),
                padding="0.2rem 0.4rem",
                min_height="24px",
            ),
            rx.el.form(
                rx.el.label("From", html_for="due-after", font_size="0.75rem"),
                rx.el.input(
                    type="date",
                    id="due-after",
                    name="due_after",
                    default_value=TaskState.view_spec["due_after"].to(str),
                    style={**NATIVE_INPUT, "width": "auto", "min_height": "1.75rem"},
                ),
                rx.el.label("To", html_for="due-before", font_size="0.75rem"),
                rx.el.input(
                    type="date",
                    id="due-before",
                    name="due_before",
                    default_value=TaskState.view_spec["due_before"].to(str),
                    style={**NATIVE_INPUT, "width": "auto", "min_height": "1.75rem"},
                ),
                rx.button("Apply", type="submit", size="1", variant="soft"),
                on_submit=TaskState.set_due_range,
                display="flex",
                align_items="center",
                gap="0.35rem",
                flex_wrap="wrap",
                padding_top="0.35rem",
                aria_label="Due between",
            ),
        ),
        gap="0.4rem",
        wrap="wrap",
        align="center",
        flex="1 1 18rem",
        aria_label="Filters",
        role="group",
    )


def load_more() -> rx.Component:
    return rx.cond(
        TaskState.has_more & ~TaskState.loading,
        rx.button(
            "Load more",
            variant="outline",
            on_click=TaskState.load_more(overlay.loaded),
            width="100%",
        ),
    )


def task_board() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(TaskState.view_title, as_="h1", size="7"),
            task_engine(),
            align="baseline",
            justify="between",
            wrap="wrap",
            width="100%",
        ),
        new_task_form(),
        rx.flex(
            filter_chips(),
            sort_control(),
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
