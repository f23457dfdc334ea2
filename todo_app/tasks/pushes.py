"""The live module's two ways into an open task page (wired in todo_app/todo_app.py): send it
entries without touching its state, and read its session again under its lock."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.constants.state import FIELD_MARKER

from todo_app.auth.rechecks import Trust
from todo_app.auth.state import AuthState
from todo_app.tasks.state import TaskState


async def push_remote(app: rx.App, client_token: str, value: dict[str, Any]) -> None:
    """Send one open page the live entries ``tasks/live.py`` has for it, into ``remote``.

    A delta of that one var, straight to the tab's socket (on whichever worker holds it):
    the tab's state is not loaded, locked or stored. Reflex 0.10 has no public way to send a
    var's value without its state; the delta's shape (state name, var name + FIELD_MARKER)
    is what its own ``build_delta`` sends, and this adapter is the one place that knows it.
    """
    delta = {TaskState.get_full_name(): {"remote" + FIELD_MARKER: value}}
    namespace = app.event_namespace
    if namespace is not None:
        await namespace.emit_update(StateUpdate(delta=delta), client_token)


async def verify_viewer(app: rx.App, client_token: str, user_id: str) -> Trust | None:
    """Read an open page's session again before it is sent more of ``user_id``'s rows
    (under the tab's lock). None when it may no longer see them: it has then been emptied."""
    async with app.modify_state(rx.BaseStateToken(ident=client_token, cls=AuthState)) as root:
        auth = await root.get_state(AuthState)
        if not await auth._may_receive(user_id):
            return None
        # Never None after a verified read; if it were, the next send would verify again.
        return auth._trust() or Trust(0.0, 0.0)
