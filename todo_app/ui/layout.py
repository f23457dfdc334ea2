"""The frame of every signed-in page: a header above one centred column.

The column is narrow (40rem) because a task list and a settings form both read best at one
line length. The header (the navbar, ``auth/navbar.py``) is handed in, so this module knows
nothing of who is signed in.
"""

from __future__ import annotations

import reflex as rx

APP_NAME = "Todo"
COLUMN_WIDTH = "40rem"
WIDE_WIDTH = "58rem"  # the column and a side navigation
# Read by screen readers, not drawn (the usual "visually hidden" recipe).
SR_ONLY = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "overflow": "hidden",
    "clip": "rect(0 0 0 0)",
    "white_space": "nowrap",
}


def column_width(has_sidebar: bool) -> str:
    """The width the header and the body share."""
    return WIDE_WIDTH if has_sidebar else COLUMN_WIDTH


def app_shell(
    *children: rx.Component,
    header: rx.Component,
    sidebar: rx.Component | None = None,
    **props,
) -> rx.Component:
    """A signed-in page: ``header`` above ``children`` in the main column, with an optional
    ``sidebar`` beside it (the page decides how it folds away on narrow screens)."""
    main = rx.el.main(
        *children,
        max_width=COLUMN_WIDTH,
        width="100%",
        margin_x="auto" if sidebar is None else "0",
        padding="1.5rem 1rem 3rem",
        min_width="0",
        flex="1",
        **props,
    )
    body = (
        main
        if sidebar is None
        else rx.box(
            sidebar,
            main,
            display="flex",
            gap="1.5rem",
            max_width=WIDE_WIDTH,
            margin_x="auto",
            padding_x="0.5rem",
            width="100%",
        )
    )
    return rx.box(header, body, min_height="100vh", width="100%")


def titled_section(title: str, *children: rx.Component, **props) -> rx.Component:
    """A card of a settings page: a region named by its heading (``title``), as screen
    readers and tests find it (``get_by_role("region", name=title)``)."""
    heading_id = title.lower().replace(" ", "-") + "-heading"
    return rx.el.section(
        rx.card(
            rx.vstack(
                rx.heading(title, as_="h2", size="4", id=heading_id),
                *children,
                spacing="3",
                width="100%",
            ),
            size="2",
            width="100%",
        ),
        aria_labelledby=heading_id,
        width="100%",
        **props,
    )


def settings_row(*children: rx.Component) -> rx.Component:
    """One row of a settings list (a session, a token, a feed): what it is on the left, its
    actions on the right, wrapping under it on a narrow screen."""
    return rx.el.li(
        rx.flex(*children, justify="between", align="center", gap="3", wrap="wrap"),
        padding_y="0.75rem",
        border_top="1px solid var(--gray-a4)",
    )
