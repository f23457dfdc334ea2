"""The sign-up, sign-in and account pages, and the guard around every signed-in page.

Forms are real ``<form>``s (Enter submits) with ``<label for>`` on every field; errors sit
beside their fields and are tied to them with ``aria-invalid`` and ``aria-describedby``.
Browser validation is off (``novalidate``) so every message comes from the service layer,
worded one way, while ``required`` and ``type`` still tell assistive technology what to enter.
"""

from __future__ import annotations

import reflex as rx

from todo_app.auth.state import (
    BUSY_CREDENTIALS,
    BUSY_DELETE,
    BUSY_REVOKE_OTHERS,
    BUSY_SIGN_IN,
    BUSY_SIGN_UP,
    AuthState,
    SessionRow,
)
from todo_app.tasks.engine import TimeZoneField, sign_out_trigger
from todo_app.tasks.fields import time_zones
from todo_app.ui.fields import field_error
from todo_app.ui.layout import APP_NAME, SR_ONLY, app_shell

TIME_ZONES = sorted(time_zones())

APP_TAGLINE = "A fast, private todo list for everyone on your server."
AUTH_COLUMN = "24rem"


# --- building blocks --------------------------------------------------------------------


def _password_toggle() -> rx.Component:
    """Show or hide the typed password; a toggle button, so its name stays the same."""
    return rx.input.slot(
        rx.icon_button(
            rx.cond(
                AuthState.show_password,
                rx.icon("eye-off", size=18, aria_hidden="true"),
                rx.icon("eye", size=18, aria_hidden="true"),
            ),
            type="button",
            variant="ghost",
            color_scheme="gray",
            size="2",
            on_click=AuthState.toggle_password,
            aria_label="Show password",
            aria_pressed=rx.cond(AuthState.show_password, "true", "false"),
            aria_controls="password",
        ),
        side="right",
    )


def field(
    label: str,
    name: str,
    *,
    auto_complete: str,
    input_type: str = "text",
    hint: str = "",
    password_toggle: bool = False,
    required: bool = True,
    auto_capitalize: str = "none",
) -> rx.Component:
    """A labelled input with its hint and its error (from ``AuthState.errors[name]``)."""
    error = AuthState.errors.get(name, "").to(str)
    has_error = error != ""
    described_by = f"{name}-error" + (f" {name}-hint" if hint else "")
    input_type_var = (
        rx.cond(AuthState.show_password, "text", "password") if password_toggle else input_type
    )
    return rx.vstack(
        rx.el.label(label, html_for=name, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            *([_password_toggle()] if password_toggle else []),
            id=name,
            name=name,
            type=input_type_var,
            auto_complete=auto_complete,
            required=required,
            size="3",
            width="100%",
            color_scheme=rx.cond(has_error, "red", "gray"),
            aria_invalid=rx.cond(has_error, "true", "false"),
            aria_describedby=described_by,
            spell_check=False,
            auto_capitalize=auto_capitalize,
        ),
        rx.text(hint, id=f"{name}-hint", size="2", color_scheme="gray") if hint else rx.fragment(),
        field_error(error, f"{name}-error"),
        spacing="1",
        width="100%",
    )


def submit_button(label: str, busy: str, **props) -> rx.Component:
    """Disabled with a spinner while its form is working (the label stays its name)."""
    return rx.button(label, type="submit", loading=AuthState.busy == busy, **props)


def _callout(message: rx.Var, icon: str, color: str, role: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon=icon, color_scheme=color, role=role, width="100%"),
    )


def _form_error() -> rx.Component:
    return _callout(AuthState.form_error, "circle-alert", "red", "alert")


def _auth_frame(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
    """The public pages: what the app is, then one card with one form."""
    return rx.el.main(
        rx.vstack(
            rx.vstack(
                rx.image(src="/favicon.svg", alt="", width="48px", height="48px"),
                rx.heading(APP_NAME, as_="h1", size="8"),
                rx.text(APP_TAGLINE, size="3", color_scheme="gray"),
                align="center",
                text_align="center",
                spacing="2",
            ),
            _callout(AuthState.login_notice, "info", "blue", "status"),
            rx.card(
                rx.vstack(
                    rx.heading(title, as_="h2", size="5"),
                    form,
                    spacing="4",
                    width="100%",
                ),
                size="3",
                width="100%",
            ),
            footer,
            spacing="5",
            align="center",
            width="100%",
            max_width=AUTH_COLUMN,
        ),
        display="flex",
        justify_content="center",
        min_height="100vh",
        padding="3rem 1rem",
    )


def _auth_form(
    *fields: rx.Component, on_submit: rx.EventHandler, submit: rx.Component
) -> rx.Component:
    return rx.form(
        rx.vstack(*fields, _form_error(), submit, spacing="4", width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )


def _footer(question: str, link_text: str, path: str) -> rx.Component:
    return rx.text(
        question + " ",
        # Underlined: a link inside a sentence must not rely on colour alone (WCAG 1.4.1).
        rx.link(link_text, href=f"{path}{AuthState.next_query}", underline="always"),
        size="2",
        text_align="center",
    )


# --- the public pages -------------------------------------------------------------------


def login_page() -> rx.Component:
    return _auth_frame(
        "Sign in",
        _auth_form(
            field("Email", "email", input_type="email", auto_complete="email"),
            field("Password", "password", auto_complete="current-password", password_toggle=True),
            on_submit=AuthState.sign_in,
            submit=submit_button("Sign in", BUSY_SIGN_IN, size="3", width="100%"),
        ),
        _footer("New here?", "Create an account", "/signup"),
    )


def signup_page() -> rx.Component:
    return _auth_frame(
        "Create your account",
        _auth_form(
            field("Name", "name", auto_complete="name", required=False, auto_capitalize="words"),
            field("Email", "email", input_type="email", auto_complete="email"),
            field(
                "Password",
                "password",
                auto_complete="new-password",
                hint="At least 8 characters. A few unrelated words make a strong one.",
                password_toggle=True,
            ),
            TimeZoneField.create(name="time_zone"),
            on_submit=AuthState.sign_up,
            submit=submit_button("Create account", BUSY_SIGN_UP, size="3", width="100%"),
        ),
        _footer("Already have an account?", "Sign in", "/login"),
    )


# --- the guard --------------------------------------------------------------------------


def protected(content: rx.Component) -> rx.Component:
    """``content`` only for a verified session; until then (or after a sign-out in another
    tab) a spinner whose mount re-checks the session and sends the visitor to sign in.

    The guard is ``logged_in`` alone, not ``is_hydrated``: navigating within the page (a
    filter link) resets ``is_hydrated`` and would blank the page on every click.
    """
    return rx.cond(
        AuthState.logged_in,
        content,
        rx.center(
            rx.spinner(size="3"),
            rx.el.span("Loading…", style=SR_ONLY),
            role="status",
            on_mount=AuthState.recheck_session,
            min_height="60vh",
            width="100%",
        ),
    )


# --- /account ---------------------------------------------------------------------------


def _section(title: str, *children: rx.Component, **props) -> rx.Component:
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


def _profile() -> rx.Component:
    return _section(
        "Profile",
        rx.data_list.root(
            rx.data_list.item(
                rx.data_list.label("Name"),
                rx.data_list.value(AuthState.user_name, word_break="break-word"),
            ),
            rx.data_list.item(
                rx.data_list.label("Email"),
                rx.data_list.value(AuthState.user_email, word_break="break-all"),
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
                        default_value=AuthState.time_zone,
                        key=AuthState.time_zone,
                        list="time-zones",
                        auto_complete="off",
                        aria_describedby="time_zone-error time_zone-hint",
                        aria_invalid=rx.cond(
                            AuthState.errors.get("time_zone", "").to(str) != "", "true", "false"
                        ),
                        size="3",
                        flex="1",
                    ),
                    rx.button("Save time zone", type="submit", size="3", variant="soft"),
                    width="100%",
                    wrap="wrap",
                ),
                rx.el.datalist(*[rx.el.option(value=zone) for zone in TIME_ZONES], id="time-zones"),
                field_error(AuthState.errors.get("time_zone", "").to(str), "time_zone-error"),
                spacing="2",
                width="100%",
                margin_top="1rem",
            ),
            on_submit=AuthState.save_time_zone,
            reset_on_submit=False,
        ),
    )


def _change_password() -> rx.Component:
    return _section(
        "Change password",
        rx.form(
            rx.vstack(
                field(
                    "Current password",
                    "current_password",
                    auto_complete="current-password",
                    input_type="password",
                ),
                field(
                    "New password",
                    "new_password",
                    auto_complete="new-password",
                    input_type="password",
                    hint="At least 8 characters. Your other sessions will be signed out.",
                ),
                submit_button("Change password", BUSY_CREDENTIALS, size="2"),
                spacing="3",
                width="100%",
            ),
            on_submit=AuthState.change_password,
            reset_on_submit=False,
            no_validate=True,
            width="100%",
        ),
    )


def _session_item(row: SessionRow) -> rx.Component:
    return rx.el.li(
        rx.flex(
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
                    on_click=AuthState.revoke_session(row.id),
                    variant="soft",
                    color_scheme="red",
                    size="2",
                    aria_label="Revoke " + row.device + " session",
                ),
            ),
            justify="between",
            align="center",
            gap="3",
            wrap="wrap",
        ),
        padding_y="0.75rem",
        border_top="1px solid var(--gray-a4)",
    )


def _sessions() -> rx.Component:
    return _section(
        "Sessions",
        rx.text(
            "Where your account is signed in. Revoke any session you do not recognise.",
            size="2",
            color_scheme="gray",
        ),
        rx.el.ul(
            rx.foreach(AuthState.sessions, _session_item),
            list_style="none",
            padding="0",
            margin="0",
            width="100%",
        ),
        rx.button(
            "Sign out everywhere else",
            on_click=AuthState.revoke_other_sessions,
            loading=AuthState.busy == BUSY_REVOKE_OTHERS,
            disabled=~AuthState.has_other_sessions,
            variant="outline",
            size="2",
        ),
    )


def _delete_account() -> rx.Component:
    return _section(
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
                                "Delete account", BUSY_DELETE, color_scheme="red", size="2"
                            ),
                            justify="end",
                            gap="3",
                            wrap="wrap",
                            width="100%",
                        ),
                        spacing="4",
                        width="100%",
                    ),
                    on_submit=AuthState.delete_account,
                    reset_on_submit=False,
                    no_validate=True,
                    margin_top="1rem",
                ),
                max_width="28rem",
            ),
            on_open_change=AuthState.delete_dialog_changed,
        ),
    )


def account_page() -> rx.Component:
    return protected(
        app_shell(
            rx.vstack(
                rx.heading("Account", as_="h1", size="7"),
                _profile(),
                _change_password(),
                _sessions(),
                _delete_account(),
                spacing="5",
                width="100%",
            ),
            sign_out=sign_out_trigger(),
        )
    )
