"""The bell: the signed-in user's notifications on every open page, live.

Loaded with the page; a reminder that fires reaches every open tab of its owner through
``push_notifications`` (wired in the composition root), and the browser module shows it as a
browser notification where the user has allowed them. An invitation to a shared list is
answered here ("Accept" / "Decline", through ``lists.sharing``); accepting loads the lists
and shows the list joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from todo_app.auth.service import Authenticated
from todo_app.auth.state import AuthState, signed_in
from todo_app.errors import NotFound
from todo_app.lists import sharing
from todo_app.reminders import service
from todo_app.reminders.service import NotificationData
from todo_app.tasks.state import TaskState

Invited = dict[str, tuple[str, str]]  # invitation id -> (list id, list name)


def _invited(user_id: uuid.UUID) -> Invited:
    """The invitations waiting for the user, by id (what an invitation notice answers)."""
    return {str(i.id): (str(i.list_id), i.list_name) for i in sharing.invitations_for(user_id)}


def _shown(item: NotificationData, zone: str, invited: Invited | None = None) -> dict[str, Any]:
    """A notification for the bell, its time in words where the user is ("Tue 2 Dec 09:00");
    an invitation still open carries its list (``list_id``, ``list_name``) for its buttons."""
    local = item.fire_at.astimezone(ZoneInfo(zone))
    open_invitation = (invited or {}).get(str(item.invitation_id or ""))
    list_id, list_name = open_invitation or ("", "")
    return {
        **item.to_dict(),
        "when": local.strftime("%a %-d %b %H:%M"),
        "answerable": open_invitation is not None,
        "list_id": list_id,
        "list_name": list_name,
    }


class BellState(rx.State):
    unread: int = 0
    items: list[dict[str, Any]] = []
    # The newest notifications pushed live (the browser shows each once, by id).
    fresh: list[dict[str, Any]] = []

    async def _load(self, who: Authenticated) -> None:
        owner = who.user.id
        items, unread, invited = await asyncio.to_thread(
            lambda: (
                service.list_notifications(owner),
                service.unread_count(owner),
                _invited(owner),
            )
        )
        self.items = [_shown(item, who.user.time_zone, invited) for item in items]
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

    @rx.event
    @signed_in
    async def accept(self, who: Authenticated, invitation_id: str):
        """Join the list; the lists load again and the page shows the list joined."""
        target = _invitation_item(self.items, invitation_id)
        if target is None:
            return
        try:
            await asyncio.to_thread(sharing.accept, who.user.id, uuid.UUID(target["invitation_id"]))
        except NotFound:
            await self._load(who)
            yield rx.toast.warning("This invitation is no longer open.")
            return
        await self._load(who)
        yield TaskState.load_lists
        yield rx.toast.success(f"You joined “{target['list_name']}”")
        yield rx.redirect(f"/?list={target['list_id']}")

    @rx.event
    @signed_in
    async def decline(self, who: Authenticated, invitation_id: str):
        target = _invitation_item(self.items, invitation_id)
        if target is None:
            return
        with contextlib.suppress(NotFound):  # answered elsewhere meanwhile: nothing to do
            await asyncio.to_thread(
                sharing.decline, who.user.id, uuid.UUID(target["invitation_id"])
            )
        await self._load(who)

    def _arrived(
        self, items: list[NotificationData], zone: str, invited: Invited | None = None
    ) -> None:
        new = [_shown(item, zone, invited) for item in items]
        self.items = [*reversed(new), *self.items][: service.LIST_MAX]
        self.unread += len(new)
        self.fresh = new


def _invitation_item(items: list[dict[str, Any]], invitation_id: Any) -> dict[str, Any] | None:
    """The bell's open invitation of this id (the page names it; the service checks it)."""
    if not isinstance(invitation_id, str):
        return None
    return next(
        (
            item
            for item in items
            if item.get("invitation_id") == invitation_id and item.get("answerable")
        ),
        None,
    )


async def push_notifications(
    app: rx.App, client_token: str, owner_id: uuid.UUID, items: list[NotificationData]
) -> bool:
    """One open tab of the owner gets the notifications that just fired (under its lock);
    False when the tab may no longer see them (see ``AuthState._may_receive``)."""
    invited: Invited = {}
    if any(item.kind == "invitation" for item in items):
        invited = await asyncio.to_thread(_invited, owner_id)
    async with app.modify_state(rx.BaseStateToken(ident=client_token, cls=BellState)) as root:
        auth = await root.get_state(AuthState)
        if not await auth._may_receive(str(owner_id)):
            return False
        (await root.get_state(BellState))._arrived(items, auth.time_zone, invited)
        return True
