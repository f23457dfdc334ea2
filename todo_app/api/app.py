"""The REST API as a FastAPI app, and the ASGI plumbing that puts it in Reflex's backend.

Same accounts and tasks as the pages, through the same services; OpenAPI 3.1 at
``/api/openapi.json``, Swagger UI at ``/api/docs``. ``todo_app.api.mount.TodoApp`` puts the
pieces together (this module does not import Reflex, so the API and its tests load fast).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_app.api import (
    routes_account,
    routes_auth,
    routes_chat,
    routes_feeds,
    routes_interop,
    routes_lists,
    routes_notifications,
    routes_sharing,
    routes_tags,
    routes_tasks,
    routes_tokens,
)
from todo_app.api.deps import RENEWED_TOKEN_HEADER, RenewedTokenMiddleware
from todo_app.api.docs import install_docs
from todo_app.api.errors import install_error_handlers
from todo_app.api.json_guard import JsonGuard
from todo_app.api.scopes import install_scope_docs
from todo_app.auth.access_tokens import RATE_LIMIT
from todo_app.web.body_limit import API_MAX_BODY_BYTES, IMPORT_MAX_BODY_BYTES, BodyLimit

API_PREFIX = "/api"
# Calendar feeds (``/feeds/<secret>.ics``) are served by the same FastAPI app, on the app's port.
FEEDS_PREFIX = "/feeds/"
API_VERSION = "1.0.0"
API_DESCRIPTION = f"""\
The accounts, tasks and lists of the Todo app, for other programs.

**Signing in.** `POST /api/auth/sign-up` or `/api/auth/sign-in` answers with a `token`; send it
as `Authorization: Bearer <token>`. A token is renewed while it is used: when an answer carries
`{RENEWED_TOKEN_HEADER}`, use that token from then on. `POST /api/auth/sign-out` ends it.

**Personal access tokens.** For a script, make a token on the account page (or
`POST /api/tokens`) with the scopes it needs, and send it the same way:
`Authorization: Bearer todo_pat_...`. Each operation names the scope it needs; without it the
answer is 403 naming the scope. A revoked or expired token is a 401 at once. A token never
manages the account (tokens, sessions, password, sign-out). Each token may make
{RATE_LIMIT} requests a minute (then 429 with `Retry-After`).

**Errors** are `{{"detail": ...}}`. An invalid field is a 422 whose `detail` lists
`{{loc, msg, type}}` (and `ctx` with the limit, where there is one), the same shape FastAPI
uses, worded as the app words it; what was sent is never echoed. A request body over
{API_MAX_BODY_BYTES // 1024} KiB (`POST /api/import`: {IMPORT_MAX_BODY_BYTES // 2**20} MB) is
refused with 413. Text must be valid Unicode (a lone
surrogate is a 422) and numbers finite. Another user's
task or list is a 404, never a 403, also when a task names it as its `list_id`; a 403 (with
the reason) is only ever for what the caller can see but not do, in a list shared with them.

**Fields.** The API accepts exactly what the app accepts: a title is trimmed and its line
breaks become spaces before its length is checked. In a request, `null` for an optional field
means "no value" (a `null` description clears it, a `null` `list_id` is the Inbox); an
unknown field is refused.

**Organising.** Tasks carry a `list_id` (`GET /api/lists`), a `priority`, `tags`
(`GET /api/tags`) and a due `due_date` with an optional `due_time`, wall-clock values in the
user's `time_zone` (`PATCH /api/account`); `due_at` is the UTC instant of a timed due.
`GET /api/tasks` filters by list, priority (repeat for any of several), tag (repeat for all
of them), due (`overdue`, `today`, `upcoming`, `none`, reckoned in the user's zone) and due
range, and sorts by `created`, `due`, `priority` or `title`; every filter combines.

**Repeats and reminders.** A task with a due date may repeat: `recurrence` is
`{{"rule": "<RFC 5545 RRULE>", "from_completion": false}}`. Completing it records the
completion (`GET /api/tasks/{{id}}/history`) and moves the same task to its next occurrence,
still active; the wall-clock time stays fixed across daylight-saving changes. A task with a
due time may carry up to 5 `reminders` (`{{"minutes_before": 15}}`); each creates one
notification when it falls due (`GET /api/notifications`), again for every occurrence.

**Sharing.** The owner of a list invites an address as `editor` or `viewer`
(`POST /api/lists/{{list_id}}/invitations`); the invitee answers it
(`GET /api/invitations`, `POST /api/invitations/{{id}}/accept` or `decline`). `GET /api/lists`
gives the caller's `role` in each list and its `members`; the owner changes roles and removes
members (`PATCH`/`DELETE /api/lists/{{list_id}}/members/{{user_id}}`), and a member leaves by
removing themselves. A viewer reads the list's tasks, and any change is a 403 with the reason;
someone not in the list finds nothing (404). Tasks carry `assignee_id` (a member or the
owner; `GET /api/tasks?assignee=me`), `created_by` and `completed_by`.

**Quick add.** `POST /api/tasks` also takes `{{"text": "Pay rent tomorrow 9am !high #home
every month"}}`, read the way the app's New task field reads it, in the user's time zone.

**Concurrency.** Every task has a `version`. Send it with a change to have the change refused
(409, with the stored task in `current`) if someone changed the task in the meantime.

**Two forms.** Every `/api/tasks...` route also exists as `/api/{{user_id}}/tasks...` (the
Hackathon II form), where `user_id` must be the caller's own id (403 otherwise).
"""


def create_api() -> FastAPI:
    """The API itself. CORS is applied in front of it by ``with_api_cors`` (see there)."""
    api = FastAPI(
        title="Todo API",
        version=API_VERSION,
        description=API_DESCRIPTION,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_docs(api, f"{API_PREFIX}/docs")
    api.include_router(routes_auth.router)
    api.include_router(routes_account.router)
    api.include_router(routes_tasks.router)
    api.include_router(routes_tasks.hackathon_router)
    api.include_router(routes_lists.router)
    api.include_router(routes_sharing.router)
    api.include_router(routes_tags.router)
    api.include_router(routes_notifications.router)
    api.include_router(routes_interop.router)
    api.include_router(routes_feeds.router)
    api.include_router(routes_feeds.public_router)
    api.include_router(routes_tokens.router)
    api.include_router(routes_chat.router)
    install_scope_docs(api)
    install_error_handlers(api)
    api.add_middleware(RenewedTokenMiddleware)
    api.add_middleware(JsonGuard)
    # Last added is outermost: the size is checked before anything reads the body.
    api.add_middleware(
        BodyLimit,
        max_bytes=API_MAX_BODY_BYTES,
        larger={routes_interop.IMPORT_PATH: IMPORT_MAX_BODY_BYTES},
    )
    return api


def _route_path(scope: Scope) -> str:
    """The path as routing sees it (without the server's root path, as Starlette does)."""
    path: str = scope["path"]
    root = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def is_api_request(scope: Scope) -> bool:
    """An HTTP request for /api or below, or for a calendar feed (lifespan and websocket
    scopes are Reflex's)."""
    if scope["type"] != "http":
        return False
    path = _route_path(scope)
    return path == API_PREFIX or path.startswith((f"{API_PREFIX}/", FEEDS_PREFIX))


class ApiFirst:
    """Sends ``/api`` and everything under it (and ``/feeds/``) to the REST API, every other
    request (pages, ``/_event``, ``/ping``, ``/_health``, lifespan) to ``fallback``."""

    def __init__(self, api: ASGIApp, fallback: ASGIApp) -> None:
        self.api = api
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = self.api if is_api_request(scope) else self.fallback
        await target(scope, receive, send)


def api_transformer(reflex_asgi: ASGIApp) -> ASGIApp:
    """For ``rx.App(api_transformer=...)``: the API inside Reflex's backend, so requests run
    with Reflex's contexts like its own routes.

    A callable rather than the FastAPI instance: given an instance, Reflex would add another
    CORS middleware of its own to it.
    """
    return ApiFirst(create_api(), reflex_asgi)


class _WithoutOrigin:
    """Passes the request on without its ``Origin`` header.

    Reflex wraps its whole backend in a CORSMiddleware of its own (``cors_allowed_origins``,
    default ``*`` with credentials), which would answer every origin on /api too. Once our
    policy has handled an API request, the layers below must not see where it came from.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name != b"origin"]
        await self.app({**scope, "headers": headers}, receive, send)


def api_cors(app: ASGIApp, origins: Sequence[str]) -> ASGIApp:
    """Our CORS policy: only the listed origins, bearer tokens (no cookies), and the headers
    a client must read. No origins: no CORS at all (same-origin only)."""
    if not origins:
        return app
    return CORSMiddleware(
        app,
        allow_origins=list(origins),
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=[RENEWED_TOKEN_HEADER, "Retry-After", "Location"],
        allow_credentials=False,
    )


def with_api_cors(reflex_top: ASGIApp, origins: Sequence[str]) -> ASGIApp:
    """Wraps the whole backend so /api requests meet our CORS policy and only ours.

    ``origins`` is the app's one origin list (``Settings.allowed_origins``, which rxconfig.py
    also gives Reflex): the API differs from Reflex's routes in what it allows (bearer
    tokens, no cookies), not in whom."""
    return ApiFirst(api_cors(_WithoutOrigin(reflex_top), origins), reflex_top)
