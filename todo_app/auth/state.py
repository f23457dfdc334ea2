"""Who is signed in, for the pages: the browser's token and the server's word on it.

The token lives in ``localStorage`` (synced across the browser's tabs); the state also keeps
the token it last verified against the session row. ``logged_in`` is true only when the two
match, so a sign-out in another tab (which empties the synced token here) hides protected
content at once, and a token swapped in by another tab is shown nothing until verified.

Every service call is bcrypt or database work: it runs in a worker thread
(``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import datetime
from urllib.parse import urlencode, urlsplit
from uuid import UUID

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Throttled,
    Unauthenticated,
)
from todo_app.models import utcnow
from todo_app.tasks.fields import time_zones

LOGIN_PATH = "/login"
SIGNUP_PATH = "/signup"
HOME_PATH = "/"
# Pages a "next" must never point back to: signing in would loop.
_AUTH_PATHS = frozenset({LOGIN_PATH, SIGNUP_PATH})

REASON_EXPIRED = "expired"
REASON_DELETED = "deleted"
NOTICES = {
    REASON_EXPIRED: Unauthenticated().message,
    REASON_DELETED: "Your account has been deleted",
}

# Which form or button is working (drives the spinners); one at a time per tab.
BUSY_SIGN_IN = "sign_in"
BUSY_SIGN_UP = "sign_up"
BUSY_CREDENTIALS = "credentials"
BUSY_DELETE = "delete_account"
BUSY_REVOKE_OTHERS = "revoke_others"


def safe_next(raw: str | None) -> str:
    """A same-site path to go to after signing in; anything else becomes "/".

    Only a relative path is accepted: "//host" and "/\\host" are read by browsers as other
    sites (an open redirect), and control characters can smuggle either past a check.
    """
    if (
        not raw
        or not raw.startswith("/")
        or raw.startswith("//")
        or "\\" in raw
        or any(ord(char) < 32 or ord(char) == 127 for char in raw)
    ):
        return HOME_PATH
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path.rstrip("/") in _AUTH_PATHS:
        return HOME_PATH
    return raw


def _login_url(next_path: str = "", reason: str = "") -> str:
    query = {"next": safe_next(next_path)} if next_path else {}
    if reason:
        query["reason"] = reason
    return f"{LOGIN_PATH}?{urlencode(query, safe='/')}" if query else LOGIN_PATH


def to_login(next_path: str, reason: str = "") -> EventSpec:
    """Go to the sign-in page, which comes back to ``next_path`` afterwards.

    ``reason="expired"`` makes the page say the session has ended.
    """
    return rx.redirect(_login_url(next_path, reason), replace=True)


# --- the sessions list ------------------------------------------------------------------

_BROWSERS = (  # first match wins: Edge and Opera also say "Chrome/", Chrome says "Safari/"
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (  # first match wins: iOS and Android also say "Mac OS X" and "Linux"
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_PRODUCT = re.compile(r"[A-Za-z][\w.-]*")


def _first(table: tuple[tuple[str, str], ...], user_agent: str) -> str | None:
    return next((label for key, label in table if key in user_agent), None)


def describe_user_agent(user_agent: str) -> str:
    """A short name for the device a session came from, like "Chrome on Linux"."""
    browser, system = _first(_BROWSERS, user_agent), _first(_SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"Browser on {system}"
    if browser:
        return browser
    # An API client ("curl/8.5", "python-httpx/0.28"): its product name says most.
    product = _PRODUCT.match(user_agent.strip())
    return product.group(0)[:40] if product else "Unknown device"


def describe_last_seen(when: datetime, now: datetime) -> str:
    """How long ago, in words a person reads at a glance."""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return "Active now"
    unit, size = next(
        (unit, size)
        for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60))
        if seconds >= size
    )
    count = seconds // size
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


@dataclasses.dataclass(frozen=True)
class SessionRow:
    """One line of the sessions list, ready to render."""

    id: str
    device: str
    last_seen: str
    last_seen_iso: str
    ip_address: str
    current: bool


def _session_row(info: service.SessionInfo, now: datetime) -> SessionRow:
    return SessionRow(
        id=str(info.id),
        device=describe_user_agent(info.user_agent),
        last_seen=describe_last_seen(info.last_seen_at, now),
        last_seen_iso=info.last_seen_at.isoformat(),
        ip_address=info.ip_address,
        current=info.current,
    )


def _text(form_data: dict, key: str) -> str:
    value = form_data.get(key, "")
    return value if isinstance(value, str) else ""


class AuthState(rx.State):
    """The signed-in user of this tab, the auth forms and the account page."""

    token: str = rx.LocalStorage("", name="todo_token", sync=True)
    # The token last confirmed against its session row; never sent to the browser.
    _verified_token: str = ""
    # Set when this tab dropped its session itself; whatever did so also sent the tab to
    # sign in, so the placeholder that then mounts must not redirect again (its URL would
    # lose "reason=" or gain a "next=" back to a page just left).
    _signed_out_here: bool = False
    user_id: str = ""
    user_name: str = ""
    user_email: str = ""
    session_id: str = ""
    time_zone: str = "UTC"

    # Forms: field name -> message, a message for the whole form, and what is working.
    errors: dict[str, str] = {}
    form_error: str = ""
    busy: str = ""
    show_password: bool = False

    # /account
    sessions: list[SessionRow] = []

    @rx.var
    def logged_in(self) -> bool:
        """Signed in as far as the server knows: the stored token is the verified one."""
        return bool(self.token) and self.token == self._verified_token

    @rx.var
    def login_notice(self) -> str:
        """Why the sign-in page was shown (``?reason=``), in words."""
        return NOTICES.get(self.router.url.query_parameters.get("reason", ""), "")

    @rx.var
    def next_query(self) -> str:
        """The ``?next=`` to carry between the sign-in and sign-up pages ("" for home)."""
        target = safe_next(self.router.url.query_parameters.get("next"))
        return "" if target == HOME_PATH else "?" + urlencode({"next": target}, safe="/")

    @rx.var
    def has_other_sessions(self) -> bool:
        return any(not row.current for row in self.sessions)

    # --- helpers (plain methods, not events) ---------------------------------------------

    def _go_next(self) -> EventSpec:
        """On to the page the visitor asked for (``?next=``, same-site only), or home."""
        return rx.redirect(safe_next(self.router.url.query_parameters.get("next")), replace=True)

    def _clear_session(self) -> None:
        """Forget the signed-in user here; the emptied token also signs out the other tabs."""
        self.token = ""
        self._verified_token = ""
        self._signed_out_here = True
        self.user_id = ""
        self.user_name = ""
        self.user_email = ""
        self.session_id = ""
        self.sessions = []

    def _remember(self, user: service.UserInfo, session_id: UUID, token: str) -> None:
        self.token = token
        self._verified_token = token
        self._signed_out_here = False
        self.user_id = str(user.id)
        self.user_name = user.name
        self.user_email = user.email
        self.time_zone = user.time_zone
        self.session_id = str(session_id)

    def _current_path(self) -> str:
        """This page's path and query, without the trailing slash the server may add."""
        url = self.router.url
        return (url.path.rstrip("/") or HOME_PATH) + (f"?{url.query}" if url.query else "")

    def _client(self) -> dict[str, str]:
        """What the sessions list and the throttle know about this browser."""
        return {
            "user_agent": self.router.headers.user_agent,
            "ip": self.router.session.client_ip,
        }

    def _expired(self) -> EventSpec:
        """Local auth dropped, and off to sign in again, back here afterwards."""
        self._clear_session()
        return to_login(self._current_path(), REASON_EXPIRED)

    def _reset_form(self) -> None:
        self.errors = {}
        self.form_error = ""
        self.busy = ""
        self.show_password = False

    async def _verify(self) -> service.Authenticated | None:
        """Check the token against its session row now; None if there is no live session.

        A renewed token replaces the stored one (and so reaches the other tabs).
        """
        token = self.token
        if not token:
            return None
        try:
            auth = await asyncio.to_thread(service.authenticate, token, renew=True)
        except Unauthenticated:
            return None
        self._remember(auth.user, auth.session_id, auth.renewed_token or token)
        return auth

    def _field_errors(self, errors: dict[str, str], focus_order: tuple[str, ...]) -> EventSpec:
        """Show the errors beside their fields and put the cursor in the first one."""
        self.errors = errors
        first = next((name for name in focus_order if name in errors), focus_order[0])
        return rx.set_focus(first)

    # --- page guards ---------------------------------------------------------------------

    async def _guard(self) -> EventSpec | None:
        """Verify this tab's session; the way to sign in if there is none."""
        if self.router.url.path.rstrip("/") in _AUTH_PATHS:
            return None  # a late guard event from a page already left for sign-in
        if not self.token:
            self._clear_session()
            return to_login(self._current_path())
        if await self._verify() is None:
            return self._expired()
        return None

    @rx.event
    async def require_login(self) -> EventSpec | None:
        """on_load of every protected page (first in its on_load list)."""
        return await self._guard()

    @rx.event
    async def recheck_session(self) -> EventSpec | None:
        """on_mount of the guard's placeholder, which shows when ``logged_in`` turns false:
        another tab signed out, or swapped in a token not yet verified here."""
        if self._signed_out_here:
            return None
        return await self._guard()

    @rx.event
    async def redirect_if_signed_in(self) -> EventSpec | None:
        """on_load of /login and /signup: a signed-in visitor goes straight on."""
        self._reset_form()
        if not self.token:
            return None
        if await self._verify() is None:
            self._clear_session()  # a dead token: drop it quietly and let them sign in
            return None
        return self._go_next()

    # --- sign-up, sign-in, sign-out ------------------------------------------------------

    @rx.event
    def toggle_password(self) -> None:
        self.show_password = not self.show_password

    @rx.event
    async def sign_up(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        email, password = _text(form_data, "email"), _text(form_data, "password")
        name = _text(form_data, "name")
        # The browser's zone (a hidden field); one it does not know of leaves UTC.
        zone = _text(form_data, "time_zone")
        zone = zone if zone in time_zones() else None
        self._reset_form()
        self.busy = BUSY_SIGN_UP
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
        finally:
            self.busy = ""
        self._remember(signed_in.user, signed_in.session_id, signed_in.token)
        yield self._go_next()

    @rx.event
    async def save_time_zone(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        """/account: a new zone for today, upcoming and due times (re-reckons timed dues)."""
        zone = _text(form_data, "time_zone")
        self._reset_form()
        if await self._verify() is None:
            yield self._expired()
            return
        try:
            user = await asyncio.to_thread(
                service.update_account, UUID(self.user_id), time_zone=zone
            )
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("time_zone",))
            return
        self.time_zone = user.time_zone
        yield rx.toast.success(f"Time zone set to {user.time_zone}")

    @rx.event
    async def sign_in(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        email, password = _text(form_data, "email"), _text(form_data, "password")
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
        self.busy = BUSY_SIGN_IN
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

    @rx.event
    async def sign_out(self) -> EventSpec:
        """End the session on the server, then forget it in every tab of this browser."""
        token = self.token
        if token:
            await asyncio.to_thread(service.sign_out, token)
        self._clear_session()
        return rx.redirect(LOGIN_PATH, replace=True)

    # --- /account ------------------------------------------------------------------------

    async def _refresh_sessions(self) -> None:
        infos = await asyncio.to_thread(
            service.list_sessions, UUID(self.user_id), UUID(self.session_id)
        )
        now = utcnow()
        self.sessions = [_session_row(info, now) for info in infos]

    @rx.event
    async def load_account(self) -> None:
        """on_load of /account, after ``require_login`` has verified the session."""
        self._reset_form()
        if self.logged_in:
            await self._refresh_sessions()

    @rx.event
    async def revoke_session(self, session_id: str) -> AsyncIterator[EventSpec | None]:
        if await self._verify() is None:
            yield self._expired()
            return
        try:
            await asyncio.to_thread(service.revoke_session, UUID(self.user_id), UUID(session_id))
            yield rx.toast.success("Session signed out")
        except (NotFound, ValueError):
            yield rx.toast.info("That session had already ended")
        await self._refresh_sessions()

    @rx.event
    async def revoke_other_sessions(self) -> AsyncIterator[EventSpec | None]:
        if await self._verify() is None:
            yield self._expired()
            return
        self.busy = BUSY_REVOKE_OTHERS
        yield
        try:
            count = await asyncio.to_thread(
                service.revoke_other_sessions, UUID(self.user_id), UUID(self.session_id)
            )
            await self._refresh_sessions()
        finally:
            self.busy = ""
        yield rx.toast.success(
            f"Signed out {count} other session{'' if count == 1 else 's'}"
            if count
            else "No other sessions were signed in"
        )

    @rx.event
    async def change_password(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        current, new = _text(form_data, "current_password"), _text(form_data, "new_password")
        self._reset_form()
        if await self._verify() is None:
            yield self._expired()
            return
        self.busy = BUSY_CREDENTIALS
        yield
        try:
            await asyncio.to_thread(
                service.change_password,
                UUID(self.user_id),
                current,
                new,
                current_session_id=UUID(self.session_id),
            )
        except InvalidInput as exc:
            yield self._field_errors(exc.fields, ("current_password", "new_password"))
            return
        except Throttled as exc:
            yield self._field_errors({"current_password": exc.message}, ("current_password",))
            return
        finally:
            self.busy = ""
        await self._refresh_sessions()
        yield [rx.set_value("current_password", ""), rx.set_value("new_password", "")]
        yield rx.toast.success("Password changed. Your other sessions were signed out.")

    @rx.event
    def delete_dialog_changed(self, is_open: bool) -> None:
        """A reopened dialog starts clean."""
        self.errors = {}

    @rx.event
    async def delete_account(self, form_data: dict) -> AsyncIterator[EventSpec | None]:
        password = _text(form_data, "delete_password")
        self._reset_form()
        if await self._verify() is None:
            yield self._expired()
            return
        self.busy = BUSY_DELETE
        yield
        try:
            await asyncio.to_thread(service.delete_account, UUID(self.user_id), password)
        except InvalidInput as exc:
            message = exc.fields.get("password", exc.message)
            yield self._field_errors({"delete_password": message}, ("delete_password",))
            return
        except Throttled as exc:
            yield self._field_errors({"delete_password": exc.message}, ("delete_password",))
            return
        finally:
            self.busy = ""
        self._clear_session()
        yield rx.redirect(_login_url(reason=REASON_DELETED), replace=True)
