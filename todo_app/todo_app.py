"""The Reflex app: pages, theme, the REST API on the same port, and live task pages."""

import asyncio

import reflex as rx

import todo_app.models  # noqa: F401  (Reflex checks the schema against these tables)
from todo_app.api.app import api_transformer
from todo_app.api.mount import TodoApp
from todo_app.auth.pages import account_page, login_page, signup_page
from todo_app.auth.state import AuthState
from todo_app.tasks.live import live
from todo_app.tasks.pages import tasks_page
from todo_app.tasks.state import TaskState

APP_TITLE = "Todo"
APP_DESCRIPTION = "Your tasks, instantly, privately, on your own server."

# TodoApp is rx.App with the REST API's own CORS policy in front of Reflex's (see api/mount.py).
app = TodoApp(
    head_components=[rx.el.meta(name="color-scheme", content="light dark")],
    api_transformer=api_transformer,
)
app.add_page(
    tasks_page,
    route="/",
    title=f"Tasks · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=[AuthState.require_login, TaskState.load_tasks],
)
# Account pages (auth): sign-in and sign-up send a signed-in visitor on; /account is guarded.
app.add_page(
    login_page,
    route="/login",
    title=f"Sign in · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=AuthState.redirect_if_signed_in,
)
app.add_page(
    signup_page,
    route="/signup",
    title=f"Create account · {APP_TITLE}",
    description=APP_DESCRIPTION,
    on_load=AuthState.redirect_if_signed_in,
)
app.add_page(
    account_page,
    route="/account",
    title=f"Account · {APP_TITLE}",
    on_load=[AuthState.require_login, AuthState.load_account],
)


async def _refresh_tab(client_token: str) -> None:
    """Re-read one open task page, in that tab's own state, under its lock."""
    async with app.modify_state(rx.BaseStateToken(ident=client_token, cls=TaskState)) as root:
        await (await root.get_state(TaskState))._pull()


async def _tab_is_open(client_token: str) -> bool:
    manager = getattr(getattr(app, "event_namespace", None), "_token_manager", None)
    return True if manager is None else await manager.is_token_connected(client_token)


async def _start_live() -> None:
    live.start(asyncio.get_running_loop())


live.install(_refresh_tab, _tab_is_open)
app.register_lifespan_task(_start_live)
