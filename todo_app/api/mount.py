"""The Reflex app class that serves the REST API with our CORS policy, not Reflex's, and puts
the backend-wide layers (security headers) around everything Reflex serves.

Reflex wraps its whole backend, ``api_transformer`` output included, in a CORSMiddleware of
its own (``rx.Config.cors_allowed_origins``): left alone it would answer every origin on /api
with Reflex's rules. ``App.__call__`` is what the server calls to get the ASGI app, so a layer
added there is the only one outside Reflex's.
"""

from __future__ import annotations

from pathlib import Path

import reflex as rx
from reflex.utils import prerequisites
from reflex_base import constants
from reflex_base.config import get_config
from starlette.types import ASGIApp

from todo_app.api.app import with_api_cors
from todo_app.settings import get_settings
from todo_app.web.headers import SecurityHeaders


def built_pages_dir() -> Path:
    """Where the production build's pages are, as Reflex's frontend mount finds them."""
    config = get_config()
    web = prerequisites.get_web_dir() / constants.Dirs.STATIC
    return (web / config.frontend_path.strip("/")).resolve()


class TodoApp(rx.App):
    """``rx.App`` with our CORS policy in front of Reflex's for /api (Reflex's own routes keep
    Reflex's, configured in rxconfig.py from the same origin list), and security headers on
    every answer. Pass ``api_transformer=todo_app.api.app.api_transformer`` to mount the API."""

    def __call__(self) -> ASGIApp:
        backend = with_api_cors(super().__call__(), get_config().cors_allowed_origins)
        public_url = get_settings().public_url
        return SecurityHeaders(backend, html_dir=built_pages_dir(), public_url=public_url)
