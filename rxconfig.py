"""Reflex configuration. Values come from todo_app.settings, which reads the environment once."""

import os

import reflex as rx
from reflex_base.constants import DefaultPorts
from reflex_base.environment import environment

from todo_app.settings import get_settings

_settings = get_settings()

config = rx.Config(
    app_name="todo_app",
    db_url=_settings.db_url,
    # The database is the truth and state is rebuilt on load, so one worker keeps state in
    # memory; with Redis configured, several workers share it there.
    state_manager_mode="redis" if _settings.redis_url else "memory",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.SitemapPlugin(),
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium")),
    ],
)
# One origin policy (todo_app.settings.Settings.allowed_origins): Reflex's routes and its
# websocket's Origin check allow the app's own origin and TODO_CORS_ORIGINS, never Reflex's
# default '*' with credentials. Set after construction because the frontend port is only
# known once rx.Config has read REFLEX_FRONTEND_PORT (``reflex run --frontend-port``).
config.cors_allowed_origins = _settings.allowed_origins(
    config.frontend_port or DefaultPorts.FRONTEND_PORT
)

# Development: hot reload must not watch the data folder (todo_app.settings.Settings.
# hot_reload_excludes), or every SQLite write recompiles the app. Read by `reflex run` when it
# starts the backend's file watcher, after it has loaded this file; kept alongside any paths the
# developer excluded. Production and the tests never watch files, so it changes nothing there.
if _data_excludes := _settings.hot_reload_excludes():
    _reload_excludes = environment.REFLEX_HOT_RELOAD_EXCLUDE_PATHS
    _reload_excludes.set(list(dict.fromkeys([*_reload_excludes.get(), *_data_excludes])))

# Backend workers (TODO_WORKERS; todo_app.settings): granian reads GRANIAN_WORKERS when `reflex
# run --env prod` starts it, after loading this file. TODO_WORKERS is the one setting: a
# GRANIAN_WORKERS inherited from elsewhere (any process that loaded this file sets it) could
# otherwise start several workers without Redis, or one where Redis asked for more.
os.environ["GRANIAN_WORKERS"] = str(_settings.workers)

# With Redis, a worker keeps a tab's state leased between events (Reflex's opportunistic lock,
# REFLEX_OPLOCK_ENABLED) instead of locking, reading and writing it in Redis for every event: a
# tab's socket stays on one worker, so the lease is almost never contended, and another worker
# that needs the state (a reload landing elsewhere, a sign-out check) breaks it at once. The
# state is rebuilt from the database on load, so the seconds a lease holds risk nothing the
# database does not have. Measured in bench/README.md (issue 16, Redis state lease); an
# explicit REFLEX_OPLOCK_ENABLED=false turns it off.
if _settings.redis_url:
    os.environ.setdefault("REFLEX_OPLOCK_ENABLED", "true")
