"""The Reflex app class that serves the REST API with our CORS policy, not Reflex's.

Reflex wraps its whole backend, ``api_transformer`` output included, in a CORSMiddleware of
its own (``rx.Config.cors_allowed_origins``, default ``*`` with credentials): with a plain
``rx.App`` every origin would be allowed on /api. ``App.__call__`` is what the server calls
to get the ASGI app, so a layer added there is the only one outside Reflex's.
"""

from __future__ import annotations

import reflex as rx
from starlette.types import ASGIApp

from todo_app.api.app import with_api_cors


class TodoApp(rx.App):
    """``rx.App`` with our CORS policy in front of Reflex's for /api; Reflex's own routes keep
    Reflex's. Pass ``api_transformer=todo_app.api.app.api_transformer`` to mount the API."""

    def __call__(self) -> ASGIApp:
        return with_api_cors(super().__call__())
