"""The public auth forms, one substate each: sign-in and sign-up.

Each form's errors, whole-form message and spinner belong to its own substate (as
reflex-local-auth splits ``LoginState`` and ``RegistrationState``), so a message from one form
never shows in another. ``FormState`` is the part they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.state import AuthState
from todo_app.errors import Conflict, InvalidCredentials, InvalidInput, Throttled
from todo_app.tasks.fields import time_zones


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
    def toggle_password(self) -> None:
        self.show_password = not self.show_password

    @rx.event
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
