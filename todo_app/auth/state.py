"""Who is signed in, for the pages: the browser's token and the server's word on it.

The token lives in ``localStorage`` (synced across the browser's tabs); the state also keeps
the token it last verified against the session row. ``logged_in`` is true only when the two
match, so a sign-out in another tab (which empties the synced token here) hides protected
content at once, and a token swapped in by another tab is shown nothing until verified.

The forms live in substates, one per form (``auth/forms.py``, ``auth/account_state.py``), so
one form's errors and spinner never show in another. Every service call is bcrypt or
database work: it runs in a worker thread (``asyncio.to_thread``), never on the event loop.

Who is signed in is asked one way: every handler that reads or writes user data is wrapped in
``@signed_in``, which checks this tab's token against its session row before the handler runs
and hands it the ``Authenticated`` user. A dead session (signed out elsewhere, revoked,
expired, a password changed or reset) runs nothing: ``_end_session`` empties every state of the
tab, so no row of the previous user is left to read, and the tab goes to sign in. Handlers
that need no user (the sign-in forms, a dialog's open/close) say so with ``@public``;
``tests/state/test_session_checks.py`` holds every handler of the app to one or the other.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import inspect
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar
from urllib.parse import urlencode
from uuid import UUID

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.rechecks import Trust
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

F = TypeVar("F", bound=Callable[..., Any])
SIGNED_IN = "_todo_signed_in"  # the marks the handler inventory test reads
PUBLIC = "_todo_public"


def to_login(next_path: str, reason: str = "") -> EventSpec:
    """Go to the sign-in page, which comes back to ``next_path`` afterwards.

    ``reason="expired"`` makes the page say the session has ended.
    """
    return rx.redirect(login_url(next_path, reason), replace=True)


def public(handler: F) -> F:
    """Mark a handler that needs no signed-in user (a sign-in form, a dialog opening)."""
    setattr(handler, PUBLIC, True)
    return handler


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
    # The last read of the session row (``_verify``), trusted until ``_session_is_fresh``
    # says otherwise: the token it was for, when it was taken (epoch seconds, before the
    # read), and what it said (the user, and when the session expires).
    _checked_token: str = ""
    _checked_at: float = 0.0
    _who: Any = None

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

    def _remember(self, user: service.UserInfo, session_id: UUID, token: str) -> None:
        # Assigned only when changed: each assignment would re-send the var in the delta of
        # every checked event.
        values = {
            "token": token,
            "_verified_token": token,
            "_signed_out_here": False,
            "user_id": str(user.id),
            "user_name": user.name,
            "user_email": user.email,
            "time_zone": user.time_zone,
            "session_id": str(session_id),
        }
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)

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

    async def _clear_tab(self) -> None:
        """Empty every state of this tab: nothing of the previous user is left to read.

        Every state class of the app is reset, not only the ones known to hold user data, so
        a state added later cannot keep the previous user's rows by being forgotten here.
        """
        auth = await self.get_state(AuthState)
        sent_to_sign_in = auth._signed_out_here  # not user data: what the tab already did
        for cls in app_state_classes():
            (await self.get_state(cls)).reset()
        auth._signed_out_here = sent_to_sign_in

    async def _forget_here(self) -> None:
        """This tab ended its session itself (and sends itself to sign in): empty it, and keep
        the placeholder that then mounts from redirecting again."""
        await self._clear_tab()
        (await self.get_state(AuthState))._signed_out_here = True

    async def _end_session(self, reason: str = REASON_EXPIRED) -> EventSpec:
        """The session is over: empty the tab, and to sign in, back here afterwards."""
        path = self._current_path()
        await self._forget_here()
        return to_login(path, reason)

    async def _may_receive(self, user_id: str) -> bool:
        """Whether a live push of ``user_id``'s rows may reach this tab: the tab shows that
        user, and the session it last verified is still alive. If the session has ended the
        tab is emptied here, so the page's guard sends it to sign in.
        """
        token = self._verified_token
        if not token or self.user_id != user_id:
            return False
        if self._session_is_fresh(token):
            return True
        checked_at = time.time()
        if await asyncio.to_thread(service.session_is_live, token):
            if token == self._checked_token:  # what ``_who`` says still holds
                self._checked_at = checked_at
            return True
        stored = self.token
        await self._clear_tab()
        # The dead token stays in the browser for the guard's check, which then says the
        # session has ended (rather than asking to sign in as if never signed in).
        self.token = stored
        return False

    def _session_is_fresh(self, token: str) -> bool:
        """Whether the last read of this token's session may still be trusted
        (``Trust.holds``: recent, unexpired, and no change of the account announced since)."""
        trust = self._trust()
        return token == self._checked_token and trust is not None and trust.holds(self.user_id)

    def _trust(self) -> Trust | None:
        """The last read of this tab's session, as live pushes check it (None: never read)."""
        if self._who is None:
            return None
        return Trust(self._checked_at, self._who.expires_at.timestamp())

    async def _verify(self, *, reread: bool = False) -> service.Authenticated | None:
        """The live session of this tab's token; None if there is none.

        Read from the session row once, then trusted while fresh (``_session_is_fresh``), so
        a change costs no session read; ``reread`` reads it now whatever (page loads). A
        renewed token replaces the stored one (and so reaches the other tabs).
        """
        token = self.token
        if not token:
            return None
        if not reread and self._session_is_fresh(token):
            return self._who
        checked_at = time.time()  # before the read: a change announced during it counts
        try:
            auth = await asyncio.to_thread(service.authenticate, token, renew=True)
        except Unauthenticated:
            return None
        current = auth.renewed_token or token
        self._remember(auth.user, auth.session_id, current)
        self._checked_token, self._checked_at = current, checked_at
        self._who = dataclasses.replace(auth, renewed_token=None)
        return auth

    # --- page guards ---------------------------------------------------------------------

    async def _guard(self) -> EventSpec | None:
        """Verify this tab's session; the way to sign in if there is none."""
        if self.router.url.path.rstrip("/") in AUTH_PATHS:
            return None  # a late guard event from a page already left for sign-in
        if not self.token:
            return await self._end_session(reason="")
        if await self._verify(reread=True) is None:
            return await self._end_session()
        return None

    @rx.event
    @public
    async def require_login(self) -> EventSpec | None:
        """on_load of every protected page (first in its on_load list)."""
        return await self._guard()

    @rx.event
    @public
    async def recheck_session(self) -> EventSpec | None:
        """on_mount of the guard's placeholder, which shows when ``logged_in`` turns false:
        another tab signed out, or swapped in a token not yet verified here."""
        if self._signed_out_here:
            return None
        return await self._guard()

    @rx.event
    @public
    async def redirect_if_signed_in(self) -> EventSpec | None:
        """on_load of the public pages: a signed-in visitor goes straight on."""
        if not self.token:
            return None
        if await self._verify(reread=True) is None:
            await self._clear_tab()  # a dead token: drop it quietly and let them sign in
            return None
        return self._go_next()

    @rx.event
    @public
    async def sign_out(self) -> EventSpec:
        """End the session on the server, then forget it (and every state of this tab) in
        every tab of this browser."""
        token = self.token
        if token:
            await asyncio.to_thread(service.sign_out, token)
        await self._forget_here()
        return rx.redirect(LOGIN_PATH, replace=True)


def app_state_classes() -> list[type[rx.State]]:
    """Every state class of this app (not Reflex's own), parents before their substates."""
    found: list[type[rx.State]] = []
    stack: list[type[rx.State]] = [rx.State]
    while stack:
        cls = stack.pop()
        for sub in sorted(cls.get_substates(), key=lambda c: c.get_full_name()):
            if sub.__module__.startswith("todo_app."):
                found.append(sub)
            stack.append(sub)
    return found


def signed_in(handler: Callable[..., Any]) -> Callable[..., AsyncIterator[Any]]:
    """Run ``handler(self, who, *args)`` only for a live session (``who``: the
    ``service.Authenticated`` user, checked against its session row now).

    Without one, nothing of the handler runs: every state of the tab is emptied and the tab
    goes to sign in. The browser sees the handler's own arguments (``who`` is dropped from
    the signature Reflex reads). Whatever the handler is (plain, coroutine, generator), the
    wrapper is an async generator that yields what it returns or yields.
    """
    signature = inspect.signature(handler)
    self_param, who_param, *rest = signature.parameters.values()

    @functools.wraps(handler)
    async def checked(self: rx.State, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        auth = await self.get_state(AuthState)
        who = await auth._verify()
        if who is None:
            if auth.token:  # a session that ended: say so on the way to sign in
                yield await auth._end_session()
            else:  # none here (signed out in another tab): the page's guard redirects
                await auth._clear_tab()
            return
        result = handler(self, who, *args, **kwargs)
        if inspect.isasyncgen(result):
            async for event in result:
                yield event
        elif inspect.isgenerator(result):
            for event in result:
                yield event
        else:
            if inspect.isawaitable(result):
                result = await result
            if result is not None:
                yield result

    checked.__signature__ = signature.replace(parameters=[self_param, *rest])  # type: ignore[attr-defined]
    checked.__annotations__ = {
        k: v for k, v in handler.__annotations__.items() if k != who_param.name
    }
    setattr(checked, SIGNED_IN, True)
    return checked
