"""What routes need to know about the caller: the bearer token, who it belongs to, where the
request came from.

A dependency that reads the database (``current_auth``) is a plain ``def``: FastAPI runs it
in its thread pool, so the lookup never blocks the event loop. The others are ``async def``:
they do no I/O, and each plain ``def`` costs a hop to a worker thread and back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_app.auth import access_tokens, tokens
from todo_app.auth import service as auth_service
from todo_app.errors import Forbidden, Unauthenticated

logger = logging.getLogger("todo_app.api")

RENEWED_TOKEN_HEADER = "X-Renewed-Token"  # noqa: S105 (a header name)
_RENEWED_TOKEN_STATE = "renewed_token"  # noqa: S105 (a request.state key)
_SCOPE_CHECKED_STATE = "token_scope_checked"
NO_ACCOUNT_MANAGEMENT = "Personal access tokens cannot manage the account"
NOT_FOR_TOKENS = "Personal access tokens cannot use this route"

bearer_scheme = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="The `token` from sign-up or sign-in. When it is renewed, the answer carries "
    f"the new one in `{RENEWED_TOKEN_HEADER}`: use that from then on.",
    # Our own 401 (with WWW-Authenticate) rather than FastAPI's.
    auto_error=False,
)


async def bearer_token(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> str:
    """The raw token; a missing header or another scheme is a 401."""
    if credentials is None:
        raise Unauthenticated("Sign in first: send the header Authorization: Bearer <token>")
    return credentials.credentials


def hand_over_renewed_token(request: Request, auth: auth_service.Authenticated) -> None:
    """Have ``RenewedTokenMiddleware`` send a renewed token with the answer, whatever it is."""
    if auth.renewed_token:
        setattr(request.state, _RENEWED_TOKEN_STATE, auth.renewed_token)


async def access_token_caller(
    request: Request, token: Annotated[str, Depends(bearer_token)]
) -> access_tokens.TokenAuth | None:
    """For a personal access token (``todo_pat_...``), who it acts for and its scopes,
    throttled per token and logged by the token's id (never the token); None for a session
    JWT. FastAPI runs this once per request however many dependencies ask for it."""
    if not access_tokens.is_access_token(token):
        return None
    ip = request.client.host if request.client else ""
    pat = await run_in_threadpool(access_tokens.caller, token, ip)
    logger.info("api %s %s token_id=%s", request.method, request.url.path, pat.token_id)
    return pat


AccessTokenCaller = Annotated[access_tokens.TokenAuth | None, Depends(access_token_caller)]


def mark_scope_checked(request: Request) -> None:
    """A route's scope was checked for this token (``api.scopes``): it may go on."""
    setattr(request.state, _SCOPE_CHECKED_STATE, True)


def _token_auth(request: Request, pat: access_tokens.TokenAuth) -> auth_service.Authenticated:
    """A token's caller, for a route that declared the scope it needs; any other route is
    closed to tokens, so a route that forgets to declare one is safe."""
    if not getattr(request.state, _SCOPE_CHECKED_STATE, False):
        raise Forbidden(NOT_FOR_TOKENS)
    return pat.auth


def current_auth(
    request: Request, token: Annotated[str, Depends(bearer_token)], pat: AccessTokenCaller
) -> auth_service.Authenticated:
    """The caller, if the token's session (or the access token) is alive; 401 otherwise."""
    if pat is not None:
        return _token_auth(request, pat)
    auth = auth_service.authenticate(token)
    hand_over_renewed_token(request, auth)
    return auth


async def token_claims(
    request: Request, token: Annotated[str, Depends(bearer_token)], pat: AccessTokenCaller
) -> tokens.TokenClaims | auth_service.Authenticated:
    """The token's claims if it is ours and unexpired; 401 otherwise. Its session is not
    checked yet: a route taking this must check it (``auth_service.read_signed_in``). An
    access token is checked already: its caller is the answer."""
    if pat is not None:
        return _token_auth(request, pat)
    return tokens.decode_token(token)


async def session_only(pat: AccessTokenCaller) -> None:
    """For the routes that manage the account (its tokens, sessions, sign-out): a sign-in
    only, never an access token."""
    if pat is not None:
        raise Forbidden(NO_ACCOUNT_MANAGEMENT)


BearerToken = Annotated[str, Depends(bearer_token)]
CurrentAuth = Annotated[auth_service.Authenticated, Depends(current_auth)]
TokenClaims = Annotated[tokens.TokenClaims | auth_service.Authenticated, Depends(token_claims)]
SessionOnly = Depends(session_only)


@dataclass(frozen=True)
class Client:
    """Where a request came from: recorded on the session and used to throttle sign-in."""

    user_agent: str
    ip: str


async def client_info(request: Request) -> Client:
    # Behind a reverse proxy this is the proxy's address unless the server is told to trust
    # X-Forwarded-For (uvicorn/granian --forwarded-allow-ips).
    host = request.client.host if request.client else ""
    return Client(user_agent=request.headers.get("user-agent", ""), ip=host)


CurrentClient = Annotated[Client, Depends(client_info)]


class RenewedTokenMiddleware:
    """Hands a renewed token to the client on every answer, errors included.

    A dependency can only set headers on a successful answer; a renewal followed by a 404
    would otherwise be lost (harmless, but then the client renews again next time).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_token(message: Message) -> None:
            token = state.get(_RENEWED_TOKEN_STATE)
            if message["type"] == "http.response.start" and token:
                MutableHeaders(scope=message)[RENEWED_TOKEN_HEADER] = token
            await send(message)

        await self.app(scope, receive, send_with_token)
