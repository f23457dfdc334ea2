"""The sign-up, sign-in and account pages, and the guard around every signed-in page.

Forms are real ``<form>``s (Enter submits) with ``<label for>`` on every field; errors sit
beside their fields and are tied to them with ``aria-invalid`` and ``aria-describedby``.
Browser validation is off (``novalidate``) so every message comes from the service layer,
worded one way, while ``required`` and ``type`` still tell assistive technology what to enter.
"""

from __future__ import annotations

import reflex as rx

from todo_app.auth.forms import ForgotState, FormState, ResetState, SignInState, SignUpState
from todo_app.auth.routes import FORGOT_PATH, LOGIN_PATH, SIGNUP_PATH
from todo_app.auth.state import AuthState
from todo_app.ui.browser import TimeZoneField
from todo_app.ui.fields import field_error
from todo_app.ui.layout import APP_NAME, SR_ONLY

APP_TAGLINE = "A fast, private todo list for everyone on your server."
AUTH_COLUMN = "24rem"
PASSWORD_HINT = (
    "At least 8 characters, not a common password. "  # noqa: S105  (advice, not a password)
    "A few unrelated words make a strong one."
)


# --- building blocks --------------------------------------------------------------------


def _password_toggle(form: type[FormState]) -> rx.Component:
    """Show or hide the typed password; a toggle button, so its name stays the same."""
    return rx.input.slot(
        rx.icon_button(
            rx.cond(
                form.show_password,
                rx.icon("eye-off", size=18, aria_hidden="true"),
                rx.icon("eye", size=18, aria_hidden="true"),
            ),
            type="button",
            variant="ghost",
            color_scheme="gray",
            size="2",
            on_click=form.toggle_password,
            aria_label="Show password",
            aria_pressed=rx.cond(form.show_password, "true", "false"),
            aria_controls="password",
        ),
        side="right",
    )


def field(
    form: type[FormState],
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
    """A labelled input with its hint and its error (from ``form.errors[name]``)."""
    error = form.errors.get(name, "").to(str)
    has_error = error != ""
    described_by = f"{name}-error" + (f" {name}-hint" if hint else "")
    input_type_var = (
        rx.cond(form.show_password, "text", "password") if password_toggle else input_type
    )
    return rx.vstack(
        rx.el.label(label, html_for=name, font_weight="500", font_size="var(--font-size-2)"),
        rx.input(
            *([_password_toggle(form)] if password_toggle else []),
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


def submit_button(form: type[FormState], label: str, busy: str, **props) -> rx.Component:
    """Disabled with a spinner while its form is working (the label stays its name)."""
    return rx.button(label, type="submit", loading=form.busy == busy, **props)


def callout(message: rx.Var, icon: str, color: str, role: str) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon=icon, color_scheme=color, role=role, width="100%"),
    )


def _form_error(form: type[FormState]) -> rx.Component:
    return callout(form.form_error, "circle-alert", "red", "alert")


def auth_frame(title: str, form: rx.Component, footer: rx.Component) -> rx.Component:
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
            callout(AuthState.login_notice, "info", "blue", "status"),
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


def auth_form(
    form: type[FormState],
    *fields: rx.Component,
    on_submit: rx.EventHandler,
    submit: rx.Component,
) -> rx.Component:
    return rx.form(
        rx.vstack(*fields, _form_error(form), submit, spacing="4", width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        no_validate=True,
        width="100%",
    )


def footer(question: str, link_text: str, path: str) -> rx.Component:
    return rx.text(
        question + " ",
        # Underlined: a link inside a sentence must not rely on colour alone (WCAG 1.4.1).
        rx.link(link_text, href=f"{path}{AuthState.next_query}", underline="always"),
        size="2",
        text_align="center",
    )


# --- the public pages -------------------------------------------------------------------


def login_page() -> rx.Component:
    return auth_frame(
        "Sign in",
        auth_form(
            SignInState,
            field(SignInState, "Email", "email", input_type="email", auto_complete="email"),
            field(
                SignInState,
                "Password",
                "password",
                auto_complete="current-password",
                password_toggle=True,
            ),
            on_submit=SignInState.sign_in,
            submit=submit_button(SignInState, "Sign in", "sign_in", size="3", width="100%"),
        ),
        rx.vstack(
            footer("New here?", "Create an account", SIGNUP_PATH),
            rx.link("Forgot your password?", href=FORGOT_PATH, size="2", underline="always"),
            align="center",
            spacing="2",
        ),
    )


def signup_page() -> rx.Component:
    return auth_frame(
        "Create your account",
        auth_form(
            SignUpState,
            field(
                SignUpState,
                "Name",
                "name",
                auto_complete="name",
                required=False,
                auto_capitalize="words",
            ),
            field(SignUpState, "Email", "email", input_type="email", auto_complete="email"),
            field(
                SignUpState,
                "Password",
                "password",
                auto_complete="new-password",
                hint=PASSWORD_HINT,
                password_toggle=True,
            ),
            TimeZoneField.create(name="time_zone"),
            on_submit=SignUpState.sign_up,
            submit=submit_button(SignUpState, "Create account", "sign_up", size="3", width="100%"),
        ),
        footer("Already have an account?", "Sign in", LOGIN_PATH),
    )


def forgot_page() -> rx.Component:
    return auth_frame(
        "Reset your password",
        rx.cond(
            ForgotState.sent_notice != "",
            callout(ForgotState.sent_notice, "mail-check", "green", "status"),
            auth_form(
                ForgotState,
                rx.text(
                    "Enter the email of your account, and we will mail you a link to choose a "
                    "new password.",
                    size="2",
                ),
                field(ForgotState, "Email", "email", input_type="email", auto_complete="email"),
                on_submit=ForgotState.request_link,
                submit=submit_button(
                    ForgotState, "Send reset link", "forgot", size="3", width="100%"
                ),
            ),
        ),
        footer("Remembered it?", "Sign in", LOGIN_PATH),
    )


def reset_page() -> rx.Component:
    return auth_frame(
        "Choose a new password",
        rx.cond(
            ResetState.link_error != "",
            rx.vstack(
                callout(ResetState.link_error, "circle-alert", "red", "alert"),
                rx.link("Ask for a new link", href=FORGOT_PATH, underline="always"),
                spacing="3",
                width="100%",
            ),
            auth_form(
                ResetState,
                # Not shown: password managers file the new password under this account.
                rx.el.input(
                    type="email",
                    name="username",
                    auto_complete="username",
                    value=ResetState.link_email,
                    read_only=True,
                    hidden=True,
                ),
                field(
                    ResetState,
                    "New password",
                    "password",
                    auto_complete="new-password",
                    hint=PASSWORD_HINT + " Every device will be signed out.",
                    password_toggle=True,
                ),
                on_submit=ResetState.set_password,
                submit=submit_button(
                    ResetState, "Set new password", "reset", size="3", width="100%"
                ),
            ),
        ),
        footer("Remembered it?", "Sign in", LOGIN_PATH),
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
