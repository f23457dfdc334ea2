"""The keyboard shortcut sheet that ``?`` opens. The keys themselves are handled in the
browser (assets/task_engine/, ``Engine.key``); this lists them, and must say the same."""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.engine import call, overlay

# What the keyboard does; none fires while typing in a field.
SHORTCUTS = (
    ("?", "Show these shortcuts"),
    ("n or q", "New task"),
    ("/", "Search"),
    ("j / k", "Next / previous task"),
    ("x", "Complete or reopen the task"),
    ("e", "Edit the task's title"),
    ("Delete", "Delete the task (with Undo)"),
    ("Alt+↑ / Alt+↓", "Move the task up / down (Manual order)"),
    ("Ctrl+]", "Make it a sub-task of the task above"),
    ("Ctrl+[", "Move it out one level"),
    ("Ctrl+Z", "Undo your last change"),
)


def shortcut_sheet() -> rx.Component:
    """A dialog named "Keyboard shortcuts"; the engine holds whether it is open."""
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
