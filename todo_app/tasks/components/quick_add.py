"""The "New task" form, and the chips of what quick add understood in the text being typed
(``!high``, ``#tag``, ``tomorrow 5pm``, ``every monday``), each of which can be dismissed
before Enter. The parsing itself is the server's (``todo_app/quickadd.py``)."""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.engine import call, overlay
from todo_app.tasks.state import NEW_TASK_INPUT_ID, TaskState
from todo_app.ui.fields import field_error


def new_task_form() -> rx.Component:
    """The field labelled "New task", focused on load; Enter adds through the engine."""
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
    """One understood part, with a button "Keep as text: <part>" that dismisses it."""
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
