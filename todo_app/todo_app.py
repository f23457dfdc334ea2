"""The Reflex app: pages, theme, the REST API on the same port, and live task pages."""

import asyncio
import logging
import uuid
from typing import Any

import reflex as rx

import todo_app.models  # noqa: F401  (Reflex checks the schema against these tables)
from todo_app import db, log_guard, socket_guard
from todo_app.api.app import api_transformer
from todo_app.api.mount import TodoApp
from todo_app.auth import service as auth_service
from todo_app.auth.account_page import account_page
from todo_app.auth.account_state import AccountState
from todo_app.auth.forms import ForgotState, ResetState, SignInState, SignUpState
from todo_app.auth.pages import forgot_page, login_page, reset_page, signup_page
from todo_app.auth.rechecks import Trust, rechecks
from todo_app.auth.routes import (
    ACCOUNT_PATH,
    CHAT_PATH,
    FORGOT_PATH,
    HOME_PATH,
    INVITATION_PATH,
    LOGIN_PATH,
    RESET_PATH,
    SIGNUP_PATH,
)
from todo_app.auth.state import AuthState
from todo_app.interop.caldav.app import with_dav
from todo_app.lists import sharing
from todo_app.lists.invitation_page import InvitationState, invitation_page
from todo_app.mcp.chat_page import chat_page
from todo_app.mcp.chat_state import ChatState
from todo_app.mcp.server import with_mcp
from todo_app.reminders import scheduler as reminder_scheduler
from todo_app.reminders import service as reminder_service
from todo_app.reminders.service import NotificationData
from todo_app.reminders.state import BellState, push_notifications
from todo_app.task_page import tasks_page
from todo_app.tasks import mutations, unit_of_work, zone_shift
from todo_app.tasks.live import live
from todo_app.tasks.pushes import push_remote, verify_viewer
from todo_app.tasks.state import TaskState

APP_TITLE = "Todo"
APP_DESCRIPTION = "Your tasks, instantly, privately, on your own server."


def front_doors(reflex_asgi: Any) -> Any:
    """The doors for other programs on the app's own port, in front of Reflex's backend:
    the MCP server for AI assistants (``/mcp``), CalDAV (``/.well-known/caldav``, ``/dav/``),
    then the REST API and the calendar feeds."""
    return with_mcp(with_dav(api_transformer(reflex_asgi)))


# TodoApp is rx.App with the REST API's own CORS policy in front of Reflex's (see api/mount.py).
app = TodoApp(
    head_components=[rx.el.meta(name="color-scheme", content="light dark")],
    api_transformer=front_doors,
    # A browser's error report is client text: logged as one escaped, bounded line.
    frontend_exception_handler=socket_guard.frontend_exception_handler,
)
# Anyone can open the websocket: no log line carries more than a bounded, escaped amount of
# what a client sent, nor a password or token (log_guard.py), and each connection gets a
# token bucket of events (socket_guard.py).
log_guard.install_log_cap()
socket_guard.guard_socket(app)
app.add_page(
    tasks_page,
    route=HOME_PATH,
    title=f"Tasks · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=[AuthState.require_login, TaskState.load_tasks, BellState.load],
)
# Account pages (auth): sign-in and sign-up send a signed-in visitor on; /account is guarded.
app.add_page(
    login_page,
    route=LOGIN_PATH,
    title=f"Sign in · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=[AuthState.redirect_if_signed_in, SignInState.clear_form],
)
app.add_page(
    signup_page,
    route=SIGNUP_PATH,
    title=f"Create account · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=[AuthState.redirect_if_signed_in, SignUpState.clear_form],
)
# Password reset: public pages; the link itself is not tied to a browser or a session.
app.add_page(
    forgot_page,
    route=FORGOT_PATH,
    title=f"Reset password · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=ForgotState.clear_form,
)
app.add_page(
    reset_page,
    route=RESET_PATH,
    title=f"Choose a new password · {APP_TITLE}",
    on_load=ResetState.check_link,
)
app.add_page(
    account_page,
    route=ACCOUNT_PATH,
    title=f"Account · {APP_TITLE}",
    on_load=[AuthState.require_login, AccountState.load_account],
)
# The assistant over the user's tasks (off, saying how to turn it on, without TODO_LLM_*).
app.add_page(
    chat_page,
    route=CHAT_PATH,
    title=f"Chat · {APP_TITLE}",
    on_load=[AuthState.require_login, ChatState.load_chat],
)
# A shared list's mailed link: signed up or in (``next`` brings the visitor back), it joins.
app.add_page(
    invitation_page,
    route=INVITATION_PATH,
    title=f"Invitation · {APP_TITLE}",
    on_load=[AuthState.require_login, InvitationState.accept_link],
)


# --- live pages and the change engine's upkeep (wired here, not on import) ---------------


def _socket_is_here(client_token: str) -> bool:
    """Whether a tab's socket is open on this worker (live entries are sent only from there).

    Reflex 0.10 has no public question for this; its token manager is the one place that
    knows, so this adapter is the only private use.
    """
    manager = getattr(getattr(app, "event_namespace", None), "_token_manager", None)
    if manager is None:
        return True
    record = manager.token_to_socket.get(client_token)
    return record is not None and record.instance_id == manager.instance_id


async def _emit(client_token: str, value: dict[str, Any]) -> None:
    await push_remote(app, client_token, value)


async def _verify(client_token: str, user_id: str) -> Trust | None:
    return await verify_viewer(app, client_token, user_id)


async def _start_live() -> None:
    live.start(asyncio.get_running_loop())
    rechecks.start()  # with Redis: hear the other workers' account changes


async def _checkpoint_wal() -> None:
    """Every 2 s, on SQLite: copy the WAL of the writes the event loop made into the database
    file (``db.write_now`` commits without doing so, since it may fsync)."""
    if not db.can_write_now():
        return  # PostgreSQL: the event loop never writes, nothing to copy
    while True:
        await asyncio.sleep(2)
        try:
            await asyncio.to_thread(db.checkpoint)
        except Exception:
            logging.getLogger("todo_app").warning("a WAL checkpoint failed", exc_info=True)


async def _purge_mutation_log() -> None:
    """Once an hour, forget mutation outcomes no page can still be waiting for."""
    while True:
        try:
            await asyncio.to_thread(mutations.purge_log)
        except Exception:
            logging.getLogger("todo_app").warning("purging the mutation log failed", exc_info=True)
        await asyncio.sleep(3600)


def _ring(owner_id: uuid.UUID, items: list[NotificationData]) -> None:
    """A reminder fired: every open page of its owner hears it (the bell, and the browser)."""
    live.each_tab(owner_id, lambda token: push_notifications(app, token, owner_id, items))


live.install(_emit, _verify, _socket_is_here)
unit_of_work.change_listeners.append(live.changed)
unit_of_work.membership_listeners.append(live.lists_changed)  # shared or unshared: reload
auth_service.on_zone_change(zone_shift.on_time_zone_change)  # a new zone moves timed dues
# A session ended or a profile changed: the account's open pages read their session again.
auth_service.account_listeners.append(rechecks.mark)
# Deleting an account: the lists it shared tell their members, and it leaves the others.
auth_service.deletion_steps.append(sharing.account_deleted_in)
reminder_service.notification_listeners.append(_ring)
app.register_lifespan_task(_start_live)
app.register_lifespan_task(_purge_mutation_log)
app.register_lifespan_task(_checkpoint_wal)
app.register_lifespan_task(reminder_scheduler.run)
