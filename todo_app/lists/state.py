"""The side navigation's lists: create, rename, reorder and delete (with Undo).

Each handler re-checks the session (``@signed_in``) and works through ``lists.service``; then it
chains ``TaskState.load_lists``, which reads the lists from the database again, so the
navigation and the details dialog's "List" choices always agree with what is stored. This
state never writes into ``TaskState``: it only names its events.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import reflex as rx

from todo_app.auth.service import Authenticated
from todo_app.auth.state import public, signed_in
from todo_app.errors import Conflict, InvalidInput, NotFound
from todo_app.lists import service
from todo_app.tasks.state import TaskState
from todo_app.tasks.types import INBOX

UNDO_MS = 8000
NEW_LIST_INPUT_ID = "new-list"
UNDO_KEPT = 20


class ListState(rx.State):
    new_list_error: str = ""
    renaming_id: str = ""
    rename_error: str = ""
    # Undo of a delete: key -> (user id, the list, the ids of the tasks it held).
    _undo: dict[str, tuple[str, service.ListData, list[uuid.UUID]]] = {}

    @rx.event
    @signed_in
    async def create_list(self, who: Authenticated, form_data: dict[str, Any]):
        name = form_data.get("name", "")
        owner = who.user.id
        try:
            created = await asyncio.to_thread(service.create_list, owner, name)
        except (InvalidInput, Conflict) as exc:
            self.new_list_error = next(iter(getattr(exc, "fields", {"": exc.message}).values()))
            return
        self.new_list_error = ""
        yield TaskState.load_lists
        yield rx.set_value(NEW_LIST_INPUT_ID, "")
        yield rx.redirect(f"/?list={created.id}")

    @rx.event
    @public
    def start_rename(self, list_id: str) -> None:
        self.renaming_id = list_id if isinstance(list_id, str) else ""
        self.rename_error = ""

    @rx.event
    @public
    def cancel_rename(self, key: Any = "Escape") -> None:
        if key == "Escape":
            self.renaming_id = ""
            self.rename_error = ""

    @rx.event
    @signed_in
    async def rename_list(self, who: Authenticated, form_data: dict[str, Any]):
        owner = who.user.id
        try:
            list_id = uuid.UUID(str(form_data.get("id", "")))
            await asyncio.to_thread(
                service.update_list, owner, list_id, name=form_data.get("name", "")
            )
        except (InvalidInput, Conflict) as exc:
            self.rename_error = next(iter(getattr(exc, "fields", {"": exc.message}).values()))
            return
        except (ValueError, NotFound):
            self.renaming_id = ""
            return
        self.renaming_id = ""
        self.rename_error = ""
        yield TaskState.load_lists
        # The heading of an open list view shows the new name after the next load.
        yield TaskState.load_tasks

    @rx.event
    @signed_in
    async def move_list(self, who: Authenticated, list_id: str, step: int):
        """Up (-1) or down (+1) one place: reordering by keyboard as well as by mouse."""
        owner = who.user.id
        lists = await asyncio.to_thread(service.list_lists, owner)
        ids = [str(item.id) for item in lists]
        if list_id not in ids or not isinstance(step, int):
            return
        position = max(0, min(len(ids) - 1, ids.index(list_id) + step))
        await asyncio.to_thread(service.update_list, owner, uuid.UUID(list_id), position=position)
        yield TaskState.load_lists

    @rx.event
    @signed_in
    async def set_new_tasks_place(self, who: Authenticated, list_id: str, place: str):
        """ "Add tasks to": "top" or "bottom" of the list ``list_id``, or of the Inbox ("inbox"),
        through the service (the API's rules)."""
        if place not in ("top", "bottom") or not isinstance(list_id, str):
            return
        owner, on_top = who.user.id, place == "top"
        try:
            if list_id == INBOX:
                await asyncio.to_thread(service.set_inbox_add_on_top, owner, on_top)
            else:
                target = uuid.UUID(list_id)
                await asyncio.to_thread(service.update_list, owner, target, add_on_top=on_top)
        except (ValueError, NotFound):
            return
        yield TaskState.load_lists

    @rx.event
    @signed_in
    async def delete_list(self, who: Authenticated, list_id: str):
        owner = who.user.id
        try:
            target = uuid.UUID(str(list_id))
            lists = await asyncio.to_thread(service.list_lists, owner)
            deleted = next(item for item in lists if item.id == target)
            moved = await asyncio.to_thread(service.delete_list, owner, target)
        except (ValueError, StopIteration, NotFound):
            return
        key = uuid.uuid4().hex
        self._undo[key] = (str(owner), deleted, moved)
        while len(self._undo) > UNDO_KEPT:
            self._undo.pop(next(iter(self._undo)))
        yield TaskState.load_lists
        n = len(moved)
        moved_text = f"; {n} task{'' if n == 1 else 's'} moved to the Inbox" if n else ""
        yield rx.toast(
            f'Deleted list "{deleted.name}"{moved_text}',
            action={"label": "Undo", "on_click": ListState.undo_delete(key)},
            duration=UNDO_MS,
        )
        yield TaskState.leave_deleted_list(str(target))

    @rx.event
    @signed_in
    async def undo_delete(self, who: Authenticated, key: str):
        entry = self._undo.pop(key, None) if isinstance(key, str) else None
        owner = who.user.id
        if entry is None or entry[0] != str(owner):
            return  # never another account's undo (a sign-out in between)
        _user, deleted, moved = entry
        try:
            await asyncio.to_thread(service.restore_list, owner, deleted, moved)
        except Conflict:
            yield rx.toast.warning(f'A list named "{deleted.name}" exists again; nothing undone.')
            return
        yield TaskState.load_lists
        yield TaskState.load_tasks
