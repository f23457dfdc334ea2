"""The bell: the signed-in user's notifications on every open page, live.

Loaded with the page; a reminder that fires reaches every open tab of its owner through
``push_notifications`` (wired in the composition root), and the browser module shows it as a
browser notification where the user has allowed them.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from todo_app.auth.service import Authenticated
from todo_app.auth.state import AuthState, signed_in
from todo_app.errors import NotFound
from todo_app.reminders import service
from todo_app.reminders.service import NotificationData


def _shown(item: NotificationData, zone: str) -> dict[str, Any]:
    """A notification for the bell, its time in words where the user is ("Tue 2 Dec 09:00")."""
    local = item.fire_at.astimezone(ZoneInfo(zone))
    return {**item.to_dict(), "when": local.strftime("%a %-d %b %H:%M")}


class BellState(rx.State):
    unread: int = 0
    items: list[dict[str, Any]] = []
    # The newest notifications pushed live (the browser shows each once, by id).
    fresh: list[dict[str, Any]] = []

    async def _load(self, who: Authenticated) -> None:
        owner = who.user.id
        items, unread = await asyncio.to_thread(
            lambda: (service.list_notifications(owner), service.unread_count(owner))
        )
        self.items = [_shown(item, who.user.time_zone) for item in items]
        self.unread = unread

    @rx.event
    @signed_in
    async def load(self, who: Authenticated) -> None:
        """on_load of the task page (after the page's guard)."""
        await self._load(who)

    @rx.event
    @signed_in
    async def mark_read(self, who: Authenticated, notification_id: str) -> None:
        if not isinstance(notification_id, str):
            return
        try:
            await asyncio.to_thread(service.mark_read, who.user.id, uuid.UUID(notification_id))
        except (ValueError, NotFound):
            return
        await self._load(who)

    @rx.event
    @signed_in
    async def mark_all_read(self, who: Authenticated) -> None:
        await asyncio.to_thread(service.mark_all_read, who.user.id)
        await self._load(who)

    def _arrived(self, items: list[NotificationData], zone: str) -> None:
        new = [_shown(item, zone) for item in items]
        self.items = [*reversed(new), *self.items][: service.LIST_MAX]
        self.unread += len(new)
        self.fresh = new


async def push_notifications(
    app: rx.App, client_token: str, owner_id: uuid.UUID, items: list[NotificationData]
) -> bool:
    """One open tab of the owner gets the notifications that just fired (under its lock);
    False when the tab may no longer see them (see ``AuthState._may_receive``)."""
    async with app.modify_state(rx.BaseStateToken(ident=client_token, cls=BellState)) as root:
        auth = await root.get_state(AuthState)
        if not await auth._may_receive(str(owner_id)):
            return False
        (await root.get_state(BellState))._arrived(items, auth.time_zone)
        return True
