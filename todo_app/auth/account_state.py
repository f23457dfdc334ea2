"""/account: the profile's time zone, the sessions list, password change, account deletion.

One substate of ``AuthState`` for the page; every handler re-verifies the session first
(``@signed_in``), so a session revoked elsewhere a moment ago can neither read nor change the
account.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.devices import SessionRow, session_row
from todo_app.auth.forms import FormState, form_text
from todo_app.auth.routes import REASON_DELETED, login_url
from todo_app.auth.state import AuthState, public, signed_in
from todo_app.errors import InvalidInput, NotFound, Throttled
from todo_app.models import utcnow

# Which of the page's buttons is working (drives the spinners); one at a time per tab.
BUSY_CREDENTIALS = "credentials"
BUSY_DELETE = "delete_account"
BUSY_REVOKE_OTHERS = "revoke_others"


class AccountState(FormState, AuthState):
    """The account page's forms and its sessions list."""

    sessions: list[SessionRow] = []

    @rx.var
    def has_other_sessions(self) -> bool:
        return any(not row.current for row in self.sessions)

    async def _refresh_sessions(self, who: service.Authenticated) -> None:
        infos = await asyncio.to_thread(service.list_sessions, who.user.id, who.session_id)
        now = utcnow()
        self.sessions = [session_row(info, now) for info in infos]

    @rx.event
    @signed_in
    async def load_account(self, who: service.Authenticated) -> None:
        """on_load of /account, after ``require_login``."""
        self._reset_form()
        self.sessions = []
        await self._refresh_sessions(who)

    @rx.event
    @signed_in
    async def save_time_zone(
        self, who: service.Authenticated, form_data: dict
    ) -> AsyncIterator[EventSpec | None]:
        """A new zone for today, upcoming and due times (re-reckons timed dues)."""
        zone = form_text(form_data, "time_zone")
        self._reset_form()
        try:
            user = await asyncio.to_thread(service.update_account, who.user.id, time_zone=zone)
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("time_zone",))
            return
        self.time_zone = user.time_zone
        yield rx.toast.success(f"Time zone set to {user.time_zone}")

    @rx.event
    @signed_in
    async def revoke_session(
        self, who: service.Authenticated, session_id: str
    ) -> AsyncIterator[EventSpec | None]:
        try:
            await asyncio.to_thread(service.revoke_session, who.user.id, UUID(session_id))
            yield rx.toast.success("Session signed out")
        except (NotFound, ValueError):
            yield rx.toast.info("That session had already ended")
        await self._refresh_sessions(who)

    @rx.event
    @signed_in
    async def revoke_other_sessions(
        self, who: service.Authenticated
    ) -> AsyncIterator[EventSpec | None]:
        self.busy = BUSY_REVOKE_OTHERS
        yield
        try:
            count = await asyncio.to_thread(
                service.revoke_other_sessions, who.user.id, who.session_id
            )
            await self._refresh_sessions(who)
        finally:
            self.busy = ""
        yield rx.toast.success(
            f"Signed out {count} other session{'' if count == 1 else 's'}"
            if count
            else "No other sessions were signed in"
        )

    @rx.event
    @signed_in
    async def change_password(
        self, who: service.Authenticated, form_data: dict
    ) -> AsyncIterator[EventSpec | None]:
        current = form_text(form_data, "current_password")
        new = form_text(form_data, "new_password")
        self._reset_form()
        self.busy = BUSY_CREDENTIALS
        yield
        try:
            await asyncio.to_thread(
                service.change_password,
                who.user.id,
                current,
                new,
                current_session_id=who.session_id,
            )
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("current_password", "new_password"))
            return
        except Throttled as exc:
            yield self._field_errors({"current_password": exc.message}, ("current_password",))
            return
        finally:
            self.busy = ""
        await self._refresh_sessions(who)
        yield [rx.set_value("current_password", ""), rx.set_value("new_password", "")]
        yield rx.toast.success("Password changed. Your other sessions were signed out.")

    @rx.event
    @public
    def delete_dialog_changed(self, is_open: bool) -> None:
        """A reopened dialog starts clean."""
        self.errors = {}

    @rx.event
    @signed_in
    async def delete_account(
        self, who: service.Authenticated, form_data: dict
    ) -> AsyncIterator[EventSpec | None]:
        password = form_text(form_data, "delete_password")
        self._reset_form()
        self.busy = BUSY_DELETE
        yield
        try:
            await asyncio.to_thread(service.delete_account, who.user.id, password)
        except InvalidInput as exc:
            message = exc.fields.get("password", exc.message)
            yield self._field_errors({"delete_password": message}, ("delete_password",))
            return
        except Throttled as exc:
            yield self._field_errors({"delete_password": exc.message}, ("delete_password",))
            return
        finally:
            self.busy = ""
        await self._forget_here()
        yield rx.redirect(login_url(reason=REASON_DELETED), replace=True)
