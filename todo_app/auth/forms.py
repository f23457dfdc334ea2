"""The public auth forms, one substate each: sign-in, sign-up, and the password reset.

Each form's errors, whole-form message and spinner belong to its own substate (as
reflex-local-auth splits ``LoginState`` and ``RegistrationState``), so a message from one form
never shows in another. ``FormState`` is the part they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import reset, service
from todo_app.auth.routes import REASON_RESET, login_url
from todo_app.auth.state import AuthState, public
from todo_app.errors import Conflict, InvalidCredentials, InvalidInput, Throttled
from todo_app.zones import time_zones


def form_text(form_data: dict, key: str) -> str:
    """A submitted field as text; a missing or non-text value is empty."""
    value = form_data.get(key, "")
    return value if isinstance(value, str) else ""


class FormState(rx.State, mixin=True):
    """What every form shows: field name -> message, a message for the whole form, and which
    of its buttons is working (drives the spinners)."""

    errors: dict[str, str] = {}
    form_error: str = ""
    busy: str = ""
    show_password: bool = False

    @rx.event
    @public
    def toggle_password(self) -> None:
        self.show_password = not self.show_password

    @rx.event
    @public
    def clear_form(self) -> None:
        """on_load of the form's page: it opens clean, whatever was left from a last visit."""
        self._reset_form()

    def _reset_form(self) -> None:
        self.errors = {}
        self.form_error = ""
        self.busy = ""
        self.show_password = False

    def _field_errors(self, errors: dict[str, str], focus_order: tuple[str, ...]) -> EventSpec:
        """Show the errors beside their fields and put the cursor in the first one."""
        self.errors = errors
        first = next((name for name in focus_order if name in errors), focus_order[0])
        return rx.set_focus(first)


class SignInState(FormState, AuthState):
    """/login."""

    @rx.event
    @public
    async def sign_in(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        email, password = form_text(form_data, "email"), form_text(form_data, "password")
        self._reset_form()
        missing = {
            key: message
            for key, value, message in (
                ("email", email.strip(), "Enter your email address"),
                ("password", password, "Enter your password"),
            )
            if not value
        }
        if missing:
            yield self._field_errors(missing, ("email", "password"))
            return
        self.busy = "sign_in"
        yield
        try:
            signed_in = await asyncio.to_thread(service.sign_in, email, password, **self._client())
        except (InvalidCredentials, Throttled) as exc:
            self.form_error = exc.message
            yield rx.set_focus("password")
            return
        finally:
            self.busy = ""
        self._remember(signed_in.user, signed_in.session_id, signed_in.token)
        yield self._go_next()


class SignUpState(FormState, AuthState):
    """/signup."""

    @rx.event
    @public
    async def sign_up(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        email, password = form_text(form_data, "email"), form_text(form_data, "password")
        name = form_text(form_data, "name")
        # The browser's zone (a hidden field); one it does not know of leaves UTC.
        zone = form_text(form_data, "time_zone")
        zone = zone if zone in time_zones() else None
        self._reset_form()
        self.busy = "sign_up"
        yield
        try:
            signed_in = await asyncio.to_thread(
                service.sign_up, email, password, name, time_zone=zone, **self._client()
            )
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("name", "email", "password"))
            return
        except Conflict as exc:
            yield self._field_errors({"email": exc.message}, ("email",))
            return
        except Throttled as exc:
            self.form_error = exc.message
            return
        finally:
            self.busy = ""
        self._remember(signed_in.user, signed_in.session_id, signed_in.token)
        yield self._go_next()


class ForgotState(FormState, AuthState):
    """/forgot: ask for a reset link. The page then says the same, whoever the email is."""

    sent_notice: str = ""

    @rx.event
    @public
    def clear_form(self) -> None:
        self._reset_form()
        self.sent_notice = ""

    @rx.event
    @public
    async def request_link(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        email = form_text(form_data, "email")
        self._reset_form()
        self.sent_notice = ""
        if not email.strip():
            yield self._field_errors({"email": "Enter your email address"}, ("email",))
            return
        self.busy = "forgot"
        yield
        try:
            await asyncio.to_thread(reset.request_reset, email, ip=self._client()["ip"])
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("email",))
            return
        except Throttled as exc:
            self.form_error = exc.message
            return
        finally:
            self.busy = ""
        self.sent_notice = reset.SENT


class ResetState(FormState, AuthState):
    """/reset?token=…: choose a new password. The link is checked on arrival, so a used or
    expired one says so before anything is typed."""

    link_error: str = ""
    # The account's email, for password managers to file the new password under.
    link_email: str = ""

    def _token(self) -> str:
        return self.router.url.query_parameters.get("token", "")

    @rx.event
    @public
    async def check_link(self) -> None:
        """on_load of /reset."""
        self._reset_form()
        self.link_error = ""
        self.link_email = ""
        try:
            self.link_email = await asyncio.to_thread(
                reset.check_link, self._token(), ip=self._client()["ip"]
            )
        except InvalidInput as exc:
            self.link_error = exc.fields.get("token", reset.INVALID_LINK)
        except Throttled as exc:
            self.link_error = exc.message

    @rx.event
    @public
    async def set_password(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        password = form_text(form_data, "password")
        self._reset_form()
        self.busy = "reset"
        yield
        try:
            await asyncio.to_thread(
                reset.confirm_reset, self._token(), password, ip=self._client()["ip"]
            )
        except InvalidInput as exc:
            if "token" in exc.fields:
                self.link_error = exc.fields["token"]
                return
            yield self._field_errors(exc.fields, ("password",))
            return
        except Throttled as exc:
            self.form_error = exc.message
            return
        finally:
            self.busy = ""
        # Every session ended, this browser's too: sign in again with the new password.
        await self._forget_here()
        yield rx.redirect(login_url(reason=REASON_RESET), replace=True)
