"""A person's initials in a small round badge: the share dialog, the side navigation's shared
lists and an assigned task's row all show people the same way."""

from __future__ import annotations

from typing import Any

import reflex as rx


def initials_badge(
    initials: rx.Var[str] | str,
    name: rx.Var[str] | str,
    size: str = "1.5rem",
    **props: Any,
) -> rx.Component:
    """``initials`` in a badge whose tooltip is ``name`` (pass ``role="img"`` and an
    ``aria_label`` where the badge alone says who it is)."""
    return rx.box(
        initials,
        title=name,
        width=size,
        height=size,
        min_width=size,
        border_radius="9999px",
        background_color=rx.color("accent", 4),
        color=rx.color("accent", 11),
        font_size="0.65rem",
        font_weight="600",
        display="inline-flex",
        align_items="center",
        justify_content="center",
        line_height="1",
        **props,
    )
