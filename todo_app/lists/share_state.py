"""The share dialog of one list: invite by email, the pending invitations, the members and
their roles, removal, and leaving.

Every handler re-checks the session (``@signed_in``) and goes through ``lists.sharing``, which
decides who may do what (``access.py``): the dialog offers the owner's controls only when the
service let this user read the list's invitations (``manage``), and any refusal is shown as
the service words it. After a change the lists load again (``TaskState.load_lists``), so the
navigation's member badges follow.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from todo_app import access
from todo_app.auth.service import Authenticated
from todo_app.auth.state import public, signed_in
from todo_app.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from todo_app.lists import sharing
from todo_app.tasks.list_rows import initials
from todo_app.tasks.state import TaskState

SHARE_EMAIL_ID = "share-email"
ROLE_LABELS = {access.OWNER: "Owner", access.EDITOR: "Editor", access.VIEWER: "Viewer"}


def _uuid(raw: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if isinstance(raw, str) and len(raw) <= 36 else None
    except ValueError:
        return None


class ShareState(rx.State):
    is_open: bool = False
    list_id: str = ""
    list_name: str = ""
    # The service let this user see the invitations: they own the list and may manage it.
    manage: bool = False
    members: list[dict[str, Any]] = []
    invitations: list[dict[str, Any]] = []
    email_error: str = ""
    role_error: str = ""
    problem: str = ""  # a refusal of a member change, in the service's words

    async def _read(self, who: Authenticated) -> bool:
        """The list's people and (for its owner) its invitations; False if it is gone."""
        user_id, list_id = who.user.id, _uuid(self.list_id)
        if list_id is None:
            return False

        def read() -> tuple[list[sharing.Member], list[sharing.Invitation], bool]:
            people = sharing.members(user_id, list_id)
            try:
                return people, sharing.invitations_of(user_id, list_id), True
            except (Forbidden, NotFound):
                return people, [], False

        try:
            people, pending, manage = await asyncio.to_thread(read)
        except NotFound:
            return False
        self.manage = manage
        self.members = [
            {
                **person.to_dict(),
                "initials": initials(person.name),
                "role_label": ROLE_LABELS.get(person.role, person.role),
                "is_owner": person.role == access.OWNER,
                "is_me": person.user_id == user_id,
            }
            for person in people
        ]
        self.invitations = [
            {**item.to_dict(), "role_label": ROLE_LABELS.get(item.role, item.role)}
            for item in pending
        ]
        return True

    @rx.event
    @signed_in
    async def open_share(self, who: Authenticated, list_id: str, name: str = ""):
        """Open the dialog of ``list_id`` (from the list's menu in the side navigation)."""
        self.list_id = list_id if isinstance(list_id, str) else ""
        self.list_name = name if isinstance(name, str) else ""
        self.email_error = self.role_error = self.problem = ""
        if await self._read(who):
            self.is_open = True
        else:
            self.is_open = False
            yield TaskState.load_lists

    @rx.event
    @public
    def open_changed(self, open: bool) -> None:
        self.is_open = bool(open)
        if not self.is_open:
            self.email_error = self.role_error = self.problem = ""

    @rx.event
    @signed_in
    async def invite(self, who: Authenticated, form_data: dict[str, Any]):
        list_id = _uuid(self.list_id)
        if list_id is None or not isinstance(form_data, dict):
            return
        email, role = form_data.get("email", ""), form_data.get("role", access.EDITOR)
        self.email_error = self.role_error = self.problem = ""
        try:
            await asyncio.to_thread(sharing.invite, who.user.id, list_id, email, role)
        except InvalidInput as exc:
            self.email_error = exc.fields.get("email", "")
            self.role_error = exc.fields.get("role", "")
            if not (self.email_error or self.role_error):
                self.email_error = exc.message
            return
        except Conflict as exc:
            self.email_error = exc.message
            return
        except ServiceError as exc:
            self.problem = exc.message
            return
        await self._read(who)
        yield rx.set_value(SHARE_EMAIL_ID, "")
        yield rx.toast.success(f"Invited {str(email).strip()}")

    async def _change(self, who: Authenticated, action: Any, *args: Any) -> bool:
        """Run one sharing change; a refusal is shown in the service's words."""
        self.problem = ""
        try:
            await asyncio.to_thread(action, *args)
        except InvalidInput as exc:
            self.problem = next(iter(exc.fields.values()), exc.message)
            return False
        except ServiceError as exc:
            self.problem = exc.message
            return False
        return True

    @rx.event
    @signed_in
    async def withdraw(self, who: Authenticated, invitation_id: str):
        list_id, target = _uuid(self.list_id), _uuid(invitation_id)
        if list_id is None or target is None:
            return
        await self._change(who, sharing.withdraw, who.user.id, list_id, target)
        await self._read(who)

    @rx.event
    @signed_in
    async def change_role(self, who: Authenticated, user_id: str, role: str):
        list_id, member = _uuid(self.list_id), _uuid(user_id)
        if list_id is None or member is None:
            return
        await self._change(who, sharing.change_role, who.user.id, list_id, member, role)
        await self._read(who)
        yield TaskState.load_lists

    @rx.event
    @signed_in
    async def remove(self, who: Authenticated, user_id: str):
        list_id, member = _uuid(self.list_id), _uuid(user_id)
        if list_id is None or member is None:
            return
        await self._change(who, sharing.remove_member, who.user.id, list_id, member)
        await self._read(who)
        yield TaskState.load_lists

    @rx.event
    @signed_in
    async def leave(self, who: Authenticated):
        """A member leaves the list: it goes from their navigation (and its view, if shown)."""
        list_id = _uuid(self.list_id)
        if list_id is None:
            return
        me = who.user.id
        if not await self._change(who, sharing.remove_member, me, list_id, me):
            return
        self.is_open = False
        yield TaskState.load_lists
        yield rx.toast.info(f"You left “{self.list_name}”")
        yield TaskState.leave_deleted_list(str(list_id))
