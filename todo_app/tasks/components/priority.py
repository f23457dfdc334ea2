"""How a priority looks wherever the page shows one (the row's badge, the details dialog's
select, the filter chips): one label and one colour per priority, from the field's own list."""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.engine import TaskRow
from todo_app.tasks.fields import PRIORITIES

PRIORITY_LABELS = {name: name.capitalize() for name in PRIORITIES}  # none, low, medium, high
PRIORITY_COLORS = {"high": "red", "medium": "orange", "low": "blue"}


def priority_badge(task: TaskRow) -> rx.Component:
    """Shown for low, medium and high; read as "Priority high" (not by colour alone).

    High contrast: the soft badge's usual text (step 11 of the colour on step 3) is under
    4.5:1 at this size for blue (4.25) and orange (3.98) in light mode; step 12 passes in
    light and dark, and the tinted background still tells the priorities apart at a glance.
    """
    return rx.cond(
        task.priority != "none",
        rx.badge(
            rx.icon("flag", size=12, aria_hidden="true"),
            rx.text(task.priority, text_transform="capitalize"),
            role="img",
            aria_label="Priority " + task.priority,
            color_scheme=rx.match(task.priority, *PRIORITY_COLORS.items(), "gray"),
            variant="soft",
            high_contrast=True,
        ),
    )
