"""The "API tokens" and "Sync with your phone" sections of /account: the tokens list, the
create form, the one-click CalDAV app password and the new token shown once (in the section
that made it). Every handler re-checks the session (``@signed_in``); the service decides the
rest."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import access_tokens, service
from todo_app.auth.devices import describe_last_seen
from todo_app.auth.forms import FormState, form_text
from todo_app.auth.state import AuthState, public, signed_in
from todo_app.errors import InvalidInput, NotFound
from todo_app.models import utcnow
from todo_app.settings import get_settings

# The expiry select's options: (value sent by the form, label); "never" is no expiry.
EXPIRY_CHOICES: list[tuple[str, str]] = [
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "A year"),
    ("never", "Never"),
]
BUSY_CREATE = "create_token"
BUSY_SYNC = "create_app_password"
# Which section made the token on show (each shows only its own): the API tokens form, or
# "Create app password" in "Sync with your phone".
MADE_BY_FORM = "api"
MADE_FOR_SYNC = "caldav"
# An app password: a token that can do nothing but sync over CalDAV. It does not expire, so a
# phone's sync does not stop one day without a word; it is revoked under "API tokens".
APP_PASSWORD_SCOPES = ["caldav"]
APP_PASSWORD_EXPIRY_DAYS: int | None = None
DAV_PATH = "/dav/"


@dataclasses.dataclass(frozen=True)
class TokenRow:
    """One line of the tokens list, ready to render."""

    id: str
    name: str
    scopes: str
    created: str
    created_iso: str
    expires: str
    last_used: str
    last_used_iso: str
    last_used_ip: str


def _day(when: datetime) -> str:
    return when.strftime("%d %b %Y")


def app_password_name(now: datetime, time_zone: str) -> str:
    """ "CalDAV (created 07 Dec 2026)", the day in the user's time zone."""
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return f"CalDAV (created {_day(now.astimezone(zone))})"


def token_row(info: access_tokens.TokenInfo, now: datetime) -> TokenRow:
    return TokenRow(
        id=str(info.id),
        name=info.name,
        scopes=", ".join(info.scopes),
        created=_day(info.created_at),
        created_iso=info.created_at.isoformat(),
        expires=f"expires {_day(info.expires_at)}" if info.expires_at else "never expires",
        last_used=describe_last_seen(info.last_used_at, now) if info.last_used_at else "Never used",
        last_used_iso=info.last_used_at.isoformat() if info.last_used_at else "",
        last_used_ip=info.last_used_ip,
    )


class TokensState(FormState, AuthState):
    """The account page's API tokens."""

    tokens: list[TokenRow] = []
    # The token just made, shown once: cleared on the next load or action.
    new_token: str = ""
    new_token_name: str = ""
    new_token_for: str = ""  # MADE_BY_FORM or MADE_FOR_SYNC: the section that shows it

    @rx.var
    def dav_url(self) -> str:
        """The CalDAV server's address to type into an app: the public URL when set (as the
        feeds' links), else this page's own origin."""
        base = get_settings().public_url or self.router.url.origin
        return base.rstrip("/") + DAV_PATH

    async def _refresh(self, user_id: UUID) -> None:
        infos = await asyncio.to_thread(access_tokens.list_tokens, user_id)
        now = utcnow()
        self.tokens = [token_row(info, now) for info in infos]

    @rx.event
    @signed_in
    async def load_tokens(self, who: service.Authenticated) -> None:
        """on_mount of the section: the list, and no token left on show from before."""
        self._reset_form()
        self.new_token = ""
        self.new_token_name = ""
        self.new_token_for = ""
        await self._refresh(who.user.id)

    @rx.event
    @signed_in
    async def create_token(
        self, who: service.Authenticated, form_data: dict
    ) -> AsyncIterator[EventSpec | None]:
        name = form_text(form_data, "token_name")
        scopes = [s for s in access_tokens.SCOPES if form_data.get(f"scope_{s}")]
        expiry = form_text(form_data, "token_expiry") or "30"
        days = None if expiry == "never" else int(expiry) if expiry.isdigit() else -1
        self._reset_form()
        self.new_token = ""
        self.busy = BUSY_CREATE
        yield
        try:
            created = await asyncio.to_thread(access_tokens.create, who.user.id, name, scopes, days)
        except InvalidInput as exc:
            fields = {
                "name": "token_name",
                "scopes": "token_scopes",
                "expires_in_days": "token_expiry",
            }
            self.busy = ""
            yield self._field_errors(
                {fields.get(k, k): v for k, v in exc.fields.items()},
                ("token_name", "token_scopes", "token_expiry"),
            )
            return
        self._show_new(created, MADE_BY_FORM)
        await self._refresh(who.user.id)

    @rx.event
    @signed_in
    async def create_app_password(
        self, who: service.Authenticated
    ) -> AsyncIterator[EventSpec | None]:
        """A token with only the ``caldav`` scope, named for the day, shown once in "Sync
        with your phone" and listed with the other tokens."""
        self._reset_form()
        self.new_token = ""
        self.busy = BUSY_SYNC
        yield
        name = app_password_name(utcnow(), who.user.time_zone)
        try:
            created = await asyncio.to_thread(
                access_tokens.create,
                who.user.id,
                name,
                list(APP_PASSWORD_SCOPES),
                APP_PASSWORD_EXPIRY_DAYS,
            )
        except InvalidInput as exc:  # e.g. the most tokens an account may have
            self.busy = ""
            yield rx.toast.error(next(iter(exc.fields.values()), "Could not make it"))
            return
        self._show_new(created, MADE_FOR_SYNC)
        await self._refresh(who.user.id)

    def _show_new(self, created: access_tokens.CreatedToken, made_for: str) -> None:
        self.busy = ""
        self.new_token = created.token
        self.new_token_name = created.info.name
        self.new_token_for = made_for

    @rx.event
    @signed_in
    async def revoke_token(
        self, who: service.Authenticated, token_id: str
    ) -> AsyncIterator[EventSpec | None]:
        self.new_token = ""
        try:
            await asyncio.to_thread(access_tokens.revoke, who.user.id, UUID(token_id))
            yield rx.toast.success("Token revoked")
        except (NotFound, ValueError):
            yield rx.toast.info("That token was already revoked")
        await self._refresh(who.user.id)

    @rx.event
    @public
    def dismiss_new_token(self) -> None:
        self.new_token = ""
