"""The navbar of every signed-in page: the app's name, who is signed in, and sign-out.

It lives with auth because it shows the session; ``ui/layout.py`` only frames it. Sign-out
runs in the browser first (``signOut`` in assets/task_engine/index.js): it asks before
unsaved task changes of this account would be discarded, then sends ``AuthState.sign_out``.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventChain
from reflex.vars import FunctionVar
from reflex_base.vars.function import ArgsFunctionOperation

from todo_app.auth.routes import ACCOUNT_PATH, CHAT_PATH, HOME_PATH
from todo_app.auth.state import AuthState
from todo_app.ui.browser import browser_function
from todo_app.ui.layout import APP_NAME, app_shell, column_width


def sign_out_trigger() -> Any:
    """Sign out, asking first when changes have not been saved yet."""
    return ArgsFunctionOperation.create(
        (),
        browser_function("signOut").call(AuthState.user_id, rx.Var.create(AuthState.sign_out)),
    ).to(FunctionVar, EventChain)


def navbar(width: str, extra: tuple[rx.Component, ...] = ()) -> rx.Component:
    """App name (home), who is signed in, their account page, and sign-out."""
    return rx.el.header(
        rx.el.nav(
            rx.link(
                rx.image(src="/favicon.svg", alt="", width="24px", height="24px"),
                rx.text(APP_NAME, weight="bold", size="4"),
                href=HOME_PATH,
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
                rx.link("Chat", href=CHAT_PATH, size="2"),
                rx.link("Account", href=ACCOUNT_PATH, size="2"),
                rx.button(
                    "Sign out",
                    on_click=sign_out_trigger(),
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


def signed_in_shell(
    *children: rx.Component,
    sidebar: rx.Component | None = None,
    navbar_extra: tuple[rx.Component, ...] = (),
    **props,
) -> rx.Component:
    """``app_shell`` with the navbar as its header."""
    header = navbar(column_width(sidebar is not None), navbar_extra)
    return app_shell(*children, header=header, sidebar=sidebar, **props)
