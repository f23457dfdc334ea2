"""Personal access tokens: long-lived API tokens a user makes on /account for other programs.

A token is ``todo_pat_`` and 43 URL-safe characters (256 random bits), shown once when made;
only its SHA-256 is stored, so a leaked table or backup holds no token that works (a fast
hash is enough for 256 random bits, unlike a password). Each token carries scopes, declared
once here (``SCOPES``): the API's route checks, the account page's checkboxes and the OpenAPI
document all read them from this module. The row, not the token, says whether it is still
good, so a revocation or an expiry is refused on the very next call.

A token never manages the account (its tokens, sessions, password): those need a sign-in.
Changing the password keeps the tokens (they are separate credentials, revoked one by one);
deleting the account deletes them.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import col, select

from todo_app.auth.service import Authenticated, UserInfo
from todo_app.db import read_scope, session_scope
from todo_app.errors import Forbidden, InvalidInput, NotFound, Throttled, Unauthenticated
from todo_app.models import PersonalAccessToken, User, utcnow

logger = logging.getLogger("todo_app.auth.tokens")

PREFIX = "todo_pat_"
TOKEN_LENGTH = len(PREFIX) + 43  # secrets.token_urlsafe(32) is 43 characters
NAME_MAX = 60  # PersonalAccessToken.name
TOKENS_PER_USER_MAX = 50
IP_MAX = 64  # PersonalAccessToken.last_used_ip
# last_used_at is for the account page: minute precision spares a write per request.
LAST_USED_EVERY = timedelta(seconds=60)

# The scopes, each with what it allows: the one declaration everything else reads.
SCOPES: dict[str, str] = {
    "tasks:read": "Read tasks, tags and notifications",
    "tasks:write": "Create, change, complete and delete tasks",
    "lists:read": "Read lists, their members and invitations",
    "lists:write": "Create, change and delete lists; invite, answer invitations, manage members",
    "account:read": "Read the account (GET /api/auth/session)",
    "caldav": "Sync tasks with phone and desktop apps over CalDAV (/dav/): read and change them",
}
# Days a token may live; None: it never expires.
EXPIRY_DAYS: tuple[int | None, ...] = (30, 90, 365, None)

# A simple per-token rate limit (per process): a runaway script cannot crowd out the rest.
RATE_LIMIT = 600
RATE_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner sees it on /account (never the token itself)."""

    id: UUID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    last_used_ip: str


@dataclass(frozen=True)
class CreatedToken:
    info: TokenInfo
    token: str  # shown once


@dataclass(frozen=True)
class TokenAuth:
    """Who a token acts for and what it may do: the API's caller for a token's request."""

    auth: Authenticated
    token_id: UUID
    scopes: frozenset[str]


def lacks(name: str) -> str:
    return f"This token lacks the scope {name}"


def require_scope(pat: TokenAuth, name: str) -> None:
    """The one check of a token's scope, whichever door it came through (the REST API's
    routes, CalDAV): 403 naming the scope it lacks."""
    if name not in pat.scopes:
        raise Forbidden(lacks(name))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_access_token(bearer: str) -> bool:
    """Whether a bearer credential is a personal access token rather than a session JWT."""
    return bearer.startswith(PREFIX)


def _info(row: PersonalAccessToken) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        name=row.name,
        scopes=list(row.scopes),
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        last_used_ip=row.last_used_ip,
    )


def _validated(name: str, scopes: list[str], expires_in_days: int | None) -> tuple[str, list[str]]:
    """The trimmed name and the scopes in declaration order; every problem at once."""
    errors: dict[str, str] = {}
    name = " ".join(name.split())
    if not name:
        errors["name"] = "Give the token a name"
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters"
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        errors["scopes"] = f"Unknown scope {unknown[0][:40]!r}; one of: {', '.join(SCOPES)}"
    elif not scopes:
        errors["scopes"] = "Choose at least one scope"
    if expires_in_days not in EXPIRY_DAYS:
        errors["expires_in_days"] = "One of 30, 90, 365 or null (never)"
    if errors:
        raise InvalidInput(errors)
    return name, [s for s in SCOPES if s in scopes]


def create(
    user_id: UUID, name: str, scopes: list[str], expires_in_days: int | None
) -> CreatedToken:
    """A new token for the user; the plain token is in the answer and nowhere else."""
    name, scopes = _validated(name, scopes, expires_in_days)
    token = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    expires_at = now + timedelta(days=expires_in_days) if expires_in_days else None
    with session_scope() as s:
        if s.get(User, user_id) is None:
            raise NotFound("Account not found")
        count = s.exec(
            select(sa.func.count())
            .select_from(PersonalAccessToken)
            .where(
                col(PersonalAccessToken.user_id) == user_id,
                col(PersonalAccessToken.revoked_at).is_(None),
            )
        ).one()
        if count >= TOKENS_PER_USER_MAX:
            raise InvalidInput({"name": f"At most {TOKENS_PER_USER_MAX} tokens; revoke one"})
        row = PersonalAccessToken(
            user_id=user_id,
            name=name,
            scopes=scopes,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=expires_at,
        )
        s.add(row)
        s.flush()
        info = _info(row)
    logger.info("token created user=%s token_id=%s scopes=%s", user_id, info.id, scopes)
    return CreatedToken(info=info, token=token)


def list_tokens(user_id: UUID) -> list[TokenInfo]:
    """The user's tokens that still work (revoked and expired ones are gone from view)."""
    now = utcnow()
    with session_scope() as s:
        rows = s.exec(
            select(PersonalAccessToken)
            .where(
                col(PersonalAccessToken.user_id) == user_id,
                col(PersonalAccessToken.revoked_at).is_(None),
                sa.or_(
                    col(PersonalAccessToken.expires_at).is_(None),
                    col(PersonalAccessToken.expires_at) > now,
                ),
            )
            .order_by(col(PersonalAccessToken.created_at).desc())
        ).all()
        return [_info(row) for row in rows]


def revoke(user_id: UUID, token_id: UUID) -> None:
    """Revoke one of the user's tokens: refused from the next call on. Another user's (or
    an unknown) token is not found."""
    with session_scope() as s:
        row = s.get(PersonalAccessToken, token_id)
        if row is None or row.user_id != user_id or row.revoked_at is not None:
            raise NotFound("Token not found")
        row.revoked_at = utcnow()
    logger.info("token revoked user=%s token_id=%s", user_id, token_id)


_TOKENS = PersonalAccessToken.__table__  # type: ignore[attr-defined]
_USERS = User.__table__  # type: ignore[attr-defined]
_TOKEN_WITH_USER = (
    sa.select(
        _TOKENS.c.id,
        _TOKENS.c.user_id,
        _TOKENS.c.scopes,
        _TOKENS.c.expires_at,
        _TOKENS.c.revoked_at,
        _TOKENS.c.last_used_at,
        _TOKENS.c.last_used_ip,
        _USERS.c.email,
        _USERS.c.name,
        _USERS.c.created_at.label("user_created_at"),
        _USERS.c.time_zone,
    )
    .join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
    .where(_TOKENS.c.token_hash == sa.bindparam("token_hash"))
)


def authenticate(token: str, ip: str = "") -> TokenAuth:
    """The user a token acts for and its scopes; ``Unauthenticated`` for an unknown, revoked
    or expired token. The last use (time and address) is written at most once a minute per
    token, so a busy script does not cost a write per call."""
    if len(token) != TOKEN_LENGTH or not is_access_token(token):
        raise Unauthenticated("This token is not valid")
    now = utcnow()
    ip = ip[:IP_MAX]
    with read_scope() as conn:
        row = conn.execute(_TOKEN_WITH_USER, {"token_hash": hash_token(token)}).first()
        if row is None or row.revoked_at is not None:
            raise Unauthenticated("This token is not valid or was revoked")
        if row.expires_at is not None and row.expires_at <= now:
            raise Unauthenticated("This token has expired")
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_EVERY:
            conn.execute(
                sa.update(_TOKENS)
                .where(_TOKENS.c.id == row.id)
                .values(last_used_at=now, last_used_ip=ip)
            )
            conn.commit()
    user = UserInfo(
        id=row.user_id,
        email=row.email,
        name=row.name,
        created_at=row.user_created_at,
        time_zone=row.time_zone,
    )
    # A token has no session: its own id stands in, and its expiry (or none).
    auth = Authenticated(
        user=user,
        session_id=row.id,
        expires_at=row.expires_at or datetime.max.replace(tzinfo=now.tzinfo),
        renewed_token=None,
    )
    return TokenAuth(auth=auth, token_id=row.id, scopes=frozenset(row.scopes))


def caller(token: str, ip: str = "") -> TokenAuth:
    """A program's request by its token, as every door takes it (the REST API, CalDAV, MCP):
    the token checked (``authenticate``), then counted against its rate limit."""
    pat = authenticate(token, ip)
    rate_limiter.hit(pat.token_id)
    return pat


class RateLimiter:
    """A fixed-window count per key, in this process: a simple guard, not an accounting."""

    def __init__(self, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.window = window_seconds
        self._counts: dict[UUID, tuple[int, int]] = {}
        self._lock = threading.Lock()

    def hit(self, key: UUID) -> None:
        """Count one request; ``Throttled`` with the seconds left once over the limit."""
        now = time.monotonic()
        window = int(now // self.window)
        with self._lock:
            if len(self._counts) > 10_000:  # old windows only; bounded memory
                self._counts = {k: v for k, v in self._counts.items() if v[0] == window}
            start, count = self._counts.get(key, (window, 0))
            if start != window:
                count = 0
            count += 1
            self._counts[key] = (window, count)
        if count > self.limit:
            retry = max(1, int((window + 1) * self.window - now))
            raise Throttled(retry)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


rate_limiter = RateLimiter(RATE_LIMIT, RATE_WINDOW_SECONDS)
