"""What routes need to know about the caller: the bearer token, who it belongs to, where the
request came from.

A dependency that reads the database (``current_auth``) is a plain ``def``: FastAPI runs it
in its thread pool, so the lookup never blocks the event loop. The others are ``async def``:
they do no I/O, and each plain ``def`` costs a hop to a worker thread and back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from todo_app.auth import service as auth_service
from todo_app.auth import tokens
from todo_app.errors import Unauthenticated

RENEWED_TOKEN_HEADER = "X-Renewed-Token"  # noqa: S105 (a header name)
_RENEWED_TOKEN_STATE = "renewed_token"  # noqa: S105 (a request.state key)

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


def current_auth(
    request: Request, token: Annotated[str, Depends(bearer_token)]
) -> auth_service.Authenticated:
    """The caller, if the token's session is alive; 401 otherwise."""
    auth = auth_service.authenticate(token)
    hand_over_renewed_token(request, auth)
    return auth


async def token_claims(token: Annotated[str, Depends(bearer_token)]) -> tokens.TokenClaims:
    """The token's claims if it is ours and unexpired; 401 otherwise. Its session is not
    checked yet: a route taking this must check it (``auth_service.read_signed_in``)."""
    return tokens.decode_token(token)


BearerToken = Annotated[str, Depends(bearer_token)]
CurrentAuth = Annotated[auth_service.Authenticated, Depends(current_auth)]
TokenClaims = Annotated[tokens.TokenClaims, Depends(token_claims)]


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
