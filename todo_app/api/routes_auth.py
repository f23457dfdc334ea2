"""Sign-up, sign-in, sign-out and the current session.

Each route is one call into ``auth.service``; its errors become HTTP answers in
``api.errors``. Routes are plain ``def`` so bcrypt runs in FastAPI's thread pool.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from todo_app.api.deps import BearerToken, CurrentAuth, CurrentClient, SessionOnly
from todo_app.api.errors import responses
from todo_app.api.schemas_auth import (
    AuthOut,
    CurrentSessionOut,
    NoticeOut,
    PasswordResetConfirmIn,
    PasswordResetIn,
    SessionOut,
    SignInIn,
    SignUpIn,
    UserOut,
)
from todo_app.api.scopes import scope
from todo_app.auth import reset
from todo_app.auth import service as auth_service
from todo_app.auth.throttle import ACCOUNT_RULE, IP_RULE, PAIR_RULE

router = APIRouter(prefix="/api/auth", tags=["auth"])

_TOO_MANY_RESETS = "Too many reset requests; wait `Retry-After` seconds"
_TOO_MANY_BAD_LINKS = "Too many bad reset links; wait `Retry-After` seconds"

_SIGN_IN_DESCRIPTION = (
    "Starts a new session. A wrong password and an unknown email get the same 401.\n\n"
    f"After {PAIR_RULE.limit} failures for one email from one address within "
    f"{PAIR_RULE.window.total_seconds() / 60:g} minutes, {ACCOUNT_RULE.limit} for one email "
    f"from anywhere within {ACCOUNT_RULE.window.total_seconds() / 3600:g} hour (not for an "
    f"address the account signed in from lately), or {IP_RULE.limit} from one address "
    f"within {IP_RULE.window.total_seconds():g} seconds, the answer is 429 with `Retry-After`."
)


@router.post(
    "/sign-up",
    status_code=201,
    response_model=AuthOut,
    summary="Create an account",
    responses=responses(409, 429),
)
def sign_up(body: SignUpIn, client: CurrentClient) -> auth_service.SignedIn:
    """Creates the account and signs it in: the answer holds a token ready to use.

    For an email that already has an account (compared case-insensitively), that account's
    own password signs it in (throttled like sign-in, 429 included); any other password is a
    409 that only says the email cannot be used, and the owner is mailed a notice. 422 lists
    every invalid field;
    429 with `Retry-After` when one client address has created too many accounts within an
    hour (`TODO_SIGN_UPS_PER_HOUR`, 20 by default). `time_zone` is `UTC` unless given
    (change it later with `PATCH /api/account`).
    """
    return auth_service.sign_up(
        body.email,
        body.password,
        body.name,
        user_agent=client.user_agent,
        ip=client.ip,
        time_zone=body.time_zone,
    )


@router.post(
    "/sign-in",
    response_model=AuthOut,
    summary="Sign in",
    description=_SIGN_IN_DESCRIPTION,
    responses=responses(401, 429),
)
def sign_in(body: SignInIn, client: CurrentClient) -> auth_service.SignedIn:
    return auth_service.sign_in(
        body.email, body.password, user_agent=client.user_agent, ip=client.ip
    )


@router.post(
    "/sign-out",
    status_code=204,
    summary="Sign out",
    responses=responses(401, 403),
    dependencies=[SessionOnly],
)
def sign_out(token: BearerToken) -> None:
    """Ends the token's session on the server: the token is refused from then on.

    Idempotent: a token that has already ended (or was never valid) also gets 204, as in
    OAuth token revocation (RFC 7009), since the client can do nothing else about it.
    401 only when no bearer token is sent.
    """
    auth_service.sign_out(token)


@router.get(
    "/session",
    response_model=SessionOut,
    summary="Who am I",
    responses=responses(401, 403, renewing=200),
    dependencies=[Depends(scope("account:read"))],
)
def current_session(auth: CurrentAuth) -> SessionOut:
    """The signed-in user (with their `time_zone`) and the session the token belongs to;
    401 once it has ended."""
    return SessionOut(
        user=UserOut.model_validate(auth.user),
        session=CurrentSessionOut(id=auth.session_id, expires_at=auth.expires_at),
    )


@router.post(
    "/password-reset",
    status_code=202,
    response_model=NoticeOut,
    summary="Ask for a password-reset link",
    responses=responses(
        429, described={429: "Too many reset requests; wait `Retry-After` seconds"}
    ),
)
def request_password_reset(body: PasswordResetIn, client: CurrentClient) -> NoticeOut:
    """Mails a single-use link, valid for 30 minutes, if the email has an account.

    The answer is the same 202 whether or not it has one, so this route cannot tell anyone
    which emails are registered. 422 only for a malformed email; 429 with `Retry-After`
    after a few requests for one email, or more from one address, within 15 minutes.
    """
    reset.request_reset(body.email, ip=client.ip)
    return NoticeOut(detail=reset.SENT)


@router.post(
    "/password-reset/confirm",
    status_code=204,
    summary="Set a new password with a reset link",
    responses=responses(
        429, described={429: "Too many bad reset links; wait `Retry-After` seconds"}
    ),
)
def confirm_password_reset(body: PasswordResetConfirmIn, client: CurrentClient) -> None:
    """Sets the new password and signs out every session of the account. The link's token
    works once: a used, expired or unknown token is a 422 on `token`; a weak password is a
    422 on `password` (the link still works then). Sign in afterwards with the new password.
    """
    reset.confirm_reset(body.token, body.password, ip=client.ip)
