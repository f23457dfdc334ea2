"""Who is signed in, for the pages: the browser's token and the server's word on it.

The token lives in ``localStorage`` (synced across the browser's tabs); the state also keeps
the token it last verified against the session row. ``logged_in`` is true only when the two
match, so a sign-out in another tab (which empties the synced token here) hides protected
content at once, and a token swapped in by another tab is shown nothing until verified.

The forms live in substates, one per form (``auth/forms.py``, ``auth/account_state.py``), so
one form's errors and spinner never show in another. Every service call is bcrypt or
database work: it runs in a worker thread (``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode
from uuid import UUID

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.routes import (
    AUTH_PATHS,
    HOME_PATH,
    LOGIN_PATH,
    NOTICES,
    REASON_EXPIRED,
    login_url,
    safe_next,
)
from todo_app.errors import Unauthenticated


def to_login(next_path: str, reason: str = "") -> EventSpec:
    """Go to the sign-in page, which comes back to ``next_path`` afterwards.

    ``reason="expired"`` makes the page say the session has ended.
    """
    return rx.redirect(login_url(next_path, reason), replace=True)


class AuthState(rx.State):
    """The signed-in user of this tab, and the guards of the signed-in pages."""

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
        """The ``?next=`` to carry between the public pages ("" for home)."""
        target = safe_next(self.router.url.query_parameters.get("next"))
        return "" if target == HOME_PATH else "?" + urlencode({"next": target}, safe="/")

    # --- helpers for this state and its form substates (plain methods, not events) -------

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

    # --- page guards ---------------------------------------------------------------------

    async def _guard(self) -> EventSpec | None:
        """Verify this tab's session; the way to sign in if there is none."""
        if self.router.url.path.rstrip("/") in AUTH_PATHS:
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
        """on_load of the public pages: a signed-in visitor goes straight on."""
        if not self.token:
            return None
        if await self._verify() is None:
            self._clear_session()  # a dead token: drop it quietly and let them sign in
            return None
        return self._go_next()

    @rx.event
    async def sign_out(self) -> EventSpec:
        """End the session on the server, then forget it in every tab of this browser."""
        token = self.token
        if token:
            await asyncio.to_thread(service.sign_out, token)
        self._clear_session()
        return rx.redirect(LOGIN_PATH, replace=True)
