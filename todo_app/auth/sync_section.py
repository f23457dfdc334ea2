"""The "Sync with your phone" section of /account: what to type into a CalDAV app (the
server address and the username) and "Create app password", a token with only the ``caldav``
scope, shown once through the API tokens section's own piece (``new_token_callout``) and
listed, revocable, with the other tokens. ``TokensState`` holds it all, so the new password
is in the tokens list at once; the list loads when the API tokens section mounts."""

from __future__ import annotations

import reflex as rx

from todo_app.auth.tokens_section import new_token_callout
from todo_app.auth.tokens_state import BUSY_SYNC, MADE_FOR_SYNC, TokensState
from todo_app.ui.layout import titled_section

# The README's section with every app's settings step by step.
README_SECTION = 'the README, "Sync with your phone"'

# (app, where its settings go), shown under "Settings for each app".
APP_STEPS: list[tuple[str, str]] = [
    (
        "DAVx5 + Tasks.org (Android)",
        'In DAVx5: add an account with "Login with URL and user name"; pick the task '
        "lists to sync. Tasks.org then shows them.",
    ),
    (
        "Apple Reminders (iPhone, iPad, Mac)",
        "Settings -> Calendar (or Reminders) -> Accounts -> Add Account -> Other -> "
        "Add CalDAV Account; the server is this site's host name. iOS needs HTTPS.",
    ),
    (
        "Thunderbird",
        "New Calendar -> On the Network; the tasks appear in the Tasks tab.",
    ),
]


def _copyable(
    label: str, field_id: str, value: rx.Var, copy_name: str, copied: str
) -> rx.Component:
    """A read-only field named by its label, with a button that copies it (``copy_name``
    must not contain the label, or the button would be found by the field's label too)."""
    return rx.vstack(
        rx.el.label(label, html_for=field_id, font_weight="500", font_size="var(--font-size-2)"),
        rx.hstack(
            rx.input(
                id=field_id,
                value=value,
                read_only=True,
                size="2",
                flex="1",
                min_width="0",
            ),
            rx.button(
                "Copy",
                type="button",
                on_click=[rx.set_clipboard(value), rx.toast.success(copied)],
                size="2",
                variant="soft",
                aria_label=copy_name,
            ),
            width="100%",
        ),
        spacing="1",
        width="100%",
    )


def _app_steps() -> rx.Component:
    return rx.el.details(
        rx.el.summary("Settings for each app", font_size="var(--font-size-2)", cursor="pointer"),
        rx.el.ul(
            *[
                rx.el.li(
                    rx.text(rx.el.strong(app), ": ", steps, size="2"),
                    margin_top="0.5rem",
                )
                for app, steps in APP_STEPS
            ],
            rx.el.li(
                rx.text(
                    "Everywhere: the username is your email and the password an app "
                    "password. Step-by-step settings (and the command line) are in "
                    f"{README_SECTION}.",
                    size="2",
                ),
                margin_top="0.5rem",
            ),
            padding_left="1.25rem",
            margin="0",
        ),
        width="100%",
    )


def sync_section() -> rx.Component:
    """The /account section (its own region, named by its heading)."""
    return titled_section(
        "Sync with your phone",
        rx.text(
            "Your lists and the Inbox sync both ways with task apps that speak CalDAV: "
            "DAVx5 with Tasks.org on Android, Apple Reminders, Thunderbird. Lists shared "
            "with you show up too (read-only where you are a viewer).",
            size="2",
            color_scheme="gray",
        ),
        _copyable(
            "Server address",
            "dav_server_address",
            TokensState.dav_url,
            "Copy address",
            "Address copied",
        ),
        _copyable(
            "Username", "dav_username", TokensState.user_email, "Copy email", "Username copied"
        ),
        rx.text(
            "For the password, make an app password: it can only sync tasks, never sign in "
            "here, and does not expire. It is listed under API tokens, where you can revoke it.",
            size="2",
            color_scheme="gray",
        ),
        new_token_callout(
            MADE_FOR_SYNC,
            what="Your app password",
            copy_label="Copy app password",
            copied="App password copied",
            field_name="App password",
            test_id="new-app-password",
            use="Type it as the password in your app.",
        ),
        rx.button(
            "Create app password",
            type="button",
            on_click=TokensState.create_app_password,
            loading=TokensState.busy == BUSY_SYNC,
            size="2",
            align_self="start",
        ),
        _app_steps(),
    )
