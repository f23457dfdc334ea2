"""/account: the profile, password change, the sessions list, data, feeds, phone sync, API
tokens and account deletion."""

from __future__ import annotations

import reflex as rx

from todo_app.auth.account_interop import interop_sections
from todo_app.auth.account_state import (
    BUSY_CREDENTIALS,
    BUSY_DELETE,
    BUSY_REVOKE_OTHERS,
    AccountState,
)
from todo_app.auth.devices import SessionRow
from todo_app.auth.navbar import signed_in_shell
from todo_app.auth.pages import field, protected, submit_button
from todo_app.auth.sync_section import sync_section
from todo_app.auth.tokens_section import tokens_section
from todo_app.interop.feeds_section import calendar_feeds_section
from todo_app.ui.fields import field_error
from todo_app.ui.layout import settings_row, titled_section
from todo_app.zones import time_zones

TIME_ZONES = sorted(time_zones())


# --- /account ---------------------------------------------------------------------------


def _profile() -> rx.Component:
    return titled_section(
        "Profile",
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label("Name"),
                rx.data_list.value(AccountState.user_name, word_break="break-word"),
            ),
            rx.data_list.item(
                rx.data_list.label("Email"),
                rx.data_list.value(AccountState.user_email, word_break="break-all"),
            ),
            orientation={"initial": "vertical", "sm": "horizontal"},
        ),
        rx.form(
            rx.vstack(
                rx.el.label(
                    "Time zone",
                    html_for="time_zone",
                    font_weight="500",
                    font_size="var(--font-size-2)",
                ),
                rx.text(
                    "Today, Upcoming and due times are reckoned in it.",
                    id="time_zone-hint",
                    size="2",
                    color_scheme="gray",
                ),
                rx.hstack(
                    rx.input(
                        id="time_zone",
                        name="time_zone",
                        default_value=AccountState.time_zone,
                        key=AccountState.time_zone,
                        list="time-zones",
                        auto_complete="off",
                        aria_describedby="time_zone-error time_zone-hint",
                        aria_invalid=rx.cond(
                            AccountState.errors.get("time_zone", "").to(str) != "", "true", "false"
                        ),
                        size="3",
                        flex="1",
                        # Narrower than a long zone's name, it wraps the button below it
                        # instead of cutting the name ("Europe/Londor" on a phone).
                        min_width="14rem",
                    ),
                    rx.button("Save time zone", type="submit", size="3", variant="soft"),
                    width="100%",
                    wrap="wrap",
                ),
                rx.el.datalist(*[rx.el.option(value=zone) for zone in TIME_ZONES], id="time-zones"),
                field_error(AccountState.errors.get("time_zone", "").to(str), "time_zone-error"),
                spacing="2",
                width="100%",
                margin_top="1rem",
            ),
            on_submit=AccountState.save_time_zone,
            reset_on_submit=False,
        ),
    )


def _change_password() -> rx.Component:
    return titled_section(
        "Change password",
        rx.form(
            rx.vstack(
                field(
                    AccountState,
                    "Current password",
                    "current_password",
                    auto_complete="current-password",
                    input_type="password",
                ),
                field(
                    AccountState,
                    "New password",
                    "new_password",
                    auto_complete="new-password",
                    input_type="password",
                    hint="At least 8 characters, not a common password. "
                    "Your other sessions will be signed out.",
                ),
                submit_button(AccountState, "Change password", BUSY_CREDENTIALS, size="2"),
                spacing="3",
                width="100%",
            ),
            on_submit=AccountState.change_password,
            reset_on_submit=False,
            no_validate=True,
            width="100%",
        ),
    )


def _session_item(row: SessionRow) -> rx.Component:
    return settings_row(
        rx.vstack(
            rx.hstack(
                rx.text(row.device, weight="medium"),
                rx.cond(row.current, rx.badge("This device", color_scheme="green")),
                align="center",
                wrap="wrap",
                spacing="2",
            ),
            rx.text(
                rx.el.time(row.last_seen, date_time=row.last_seen_iso),
                rx.cond(row.ip_address != "", " · " + row.ip_address, ""),
                size="2",
                color_scheme="gray",
            ),
            spacing="1",
            min_width="0",
        ),
        rx.cond(
            row.current,
            rx.fragment(),
            rx.button(
                "Revoke",
                on_click=AccountState.revoke_session(row.id),
                variant="soft",
                color_scheme="red",
                size="2",
                aria_label="Revoke " + row.device + " session",
            ),
        ),
    )


def _sessions() -> rx.Component:
    return titled_section(
        "Sessions",
        rx.text(
            "Where your account is signed in. Revoke any session you do not recognise.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.ul(
            rx.foreach(AccountState.sessions, _session_item),
            list_style="none",
            padding="0",
            margin="0",
            width="100%",
        ),
        rx.button(
            "Sign out everywhere else",
            on_click=AccountState.revoke_other_sessions,
            loading=AccountState.busy == BUSY_REVOKE_OTHERS,
            disabled=~AccountState.has_other_sessions,
            variant="outline",
            size="2",
        ),
    )


def _delete_account() -> rx.Component:
    return titled_section(
        "Delete account",
        rx.text(
            "Deletes your account, all your tasks and every session, at once and for good.",
            size="2",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.trigger(
                rx.button("Delete account", color_scheme="red", variant="soft", size="2"),
            ),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete your account?"),
                rx.alert_dialog.description(
                    "Your tasks and sessions are deleted too. This cannot be undone. "
                    "Enter your password to confirm.",
                    size="2",
                ),
                rx.form(
                    rx.vstack(
                        field(
                            AccountState,
                            "Password",
                            "delete_password",
                            auto_complete="current-password",
                            input_type="password",
                        ),
                        rx.flex(
                            rx.alert_dialog.cancel(
                                rx.button(
                                    "Cancel", type="button", variant="soft", color_scheme="gray"
                                ),
                            ),
                            submit_button(
                                AccountState,
                                "Delete account",
                                BUSY_DELETE,
                                color_scheme="red",
                                size="2",
                            ),
                            justify="end",
                            gap="3",
                            wrap="wrap",
                            width="100%",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=AccountState.delete_account,
                    reset_on_submit=False,
                    no_validate=True,
                    margin_top="1rem",
                ),
                max_width="28rem",
            ),
            on_open_change=AccountState.delete_dialog_changed,
        ),
    )


def account_page() -> rx.Component:
    return protected(
        signed_in_shell(
            rx.vstack(
                rx.heading("Account", as_="h1", size="7"),
                _profile(),
                _change_password(),
                _sessions(),
                interop_sections(),
                calendar_feeds_section(),
                sync_section(),
                tokens_section(),
                _delete_account(),
                spacing="5",
                width="100%",
            ),
        )
    )
