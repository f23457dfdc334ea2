"""The frame of every signed-in page: a navbar and one centred column.

The column is narrow (40rem) because a task list and a settings form both read best at one
line length; the navbar wraps instead of scrolling sideways at 320 px.
"""

from __future__ import annotations

import reflex as rx

from todo_app.auth.state import AuthState

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


def navbar(
    sign_out: object = None, width: str = COLUMN_WIDTH, extra: tuple[rx.Component, ...] = ()
) -> rx.Component:
    """App name (home), who is signed in, their account page, and sign-out.

    ``sign_out`` replaces the plain sign-out event (the task engine asks first when
    unsaved changes would be discarded).
    """
    return rx.el.header(
        rx.el.nav(
            rx.link(
                rx.image(src="/favicon.svg", alt="", width="24px", height="24px"),
                rx.text(APP_NAME, weight="bold", size="4"),
                href="/",
                underline="none",
                high_contrast=True,
                display="flex",
                align_items="center",
                gap="0.5rem",
            ),
            rx.hstack(
                rx.text(
                    AuthState.user_name,
                    size="2",
                    color_scheme="gray",
                    truncate=True,
                    max_width="12rem",
                    title=AuthState.user_email,
                ),
                *extra,
                rx.link("Account", href="/account", size="2"),
                rx.button(
                    "Sign out",
                    on_click=sign_out if sign_out is not None else AuthState.sign_out,
                    variant="soft",
                    size="2",
                ),
                align="center",
                spacing="3",
                min_width="0",
            ),
            aria_label="Main",
            display="flex",
            flex_wrap="wrap",
            align_items="center",
            justify_content="space-between",
            gap="0.5rem 1rem",
            max_width=width,
            margin_x="auto",
            padding="0.75rem 1rem",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        width="100%",
    )


def app_shell(
    *children: rx.Component,
    sign_out: object = None,
    sidebar: rx.Component | None = None,
    navbar_extra: tuple[rx.Component, ...] = (),
    **props,
) -> rx.Component:
    """A signed-in page: the navbar above ``children`` in the main column, with an optional
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
    width = COLUMN_WIDTH if sidebar is None else WIDE_WIDTH
    return rx.box(navbar(sign_out, width, navbar_extra), body, min_height="100vh", width="100%")
