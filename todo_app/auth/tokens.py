"""Access tokens: HS256 JWTs naming a user and the server-side session they belong to.

A token only says *which* session; whether that session is still alive is the database's call
(``service.authenticate``), so signing out works even though the token is self-contained.
Decoding is strict: one algorithm, every claim required, type and audience checked.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import jwt

from todo_app.errors import Unauthenticated
from todo_app.models import utcnow
from todo_app.settings import get_settings

ALGORITHM = "HS256"
AUDIENCE = "todo"
TOKEN_TYPE = "access"  # noqa: S105 (a claim value, not a secret)
REQUIRED_CLAIMS = ("sub", "sid", "typ", "aud", "iat", "exp")


@dataclass(frozen=True)
class TokenClaims:
    user_id: UUID
    session_id: UUID
    issued_at: datetime
    expires_at: datetime


def issue_token(
    user_id: UUID, session_id: UUID, expires_at: datetime, issued_at: datetime | None = None
) -> str:
    """A signed token for one session; ``exp`` rounds down so it never outlives the session."""
    issued_at = issued_at or utcnow()
    payload = {
        "sub": str(user_id),
        "sid": str(session_id),
        "typ": TOKEN_TYPE,
        "aud": AUDIENCE,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    return jwt.encode(payload, get_settings().secret_key, algorithm=ALGORITHM)


def decode_token(token: str) -> TokenClaims:
    """The claims of a valid token; ``Unauthenticated`` for anything else, whatever went wrong."""
    try:
        claims = _verified(get_settings().secret_key, token)
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError) as exc:
        raise Unauthenticated() from exc
    # The one check that a verified token can fail later (as PyJWT's: expired at ``exp``).
    if claims.expires_at <= utcnow():
        raise Unauthenticated()
    return claims


@functools.lru_cache(maxsize=4096)
def _verified(secret_key: str, token: str) -> TokenClaims:
    """A token checked once per key: its signature and claims give the same answer every
    time but for expiry, which ``decode_token`` checks on every call. A client sends the same
    token with every request, and checking it again cost 40 us of each (PyJWT); a refusal
    raises, so only good tokens are kept, at most 4,096 of them."""
    claims = jwt.decode(
        token,
        secret_key,
        algorithms=[ALGORITHM],
        audience=AUDIENCE,
        options={"require": list(REQUIRED_CLAIMS)},
    )
    return _to_claims(claims)


def _to_claims(claims: dict[str, Any]) -> TokenClaims:
    """Check the claims PyJWT leaves alone (typ, UUIDs, integer times) and convert them."""
    if claims["typ"] != TOKEN_TYPE:
        raise ValueError("wrong token type")
    if not all(isinstance(claims[name], str) for name in ("sub", "sid")):
        raise ValueError("sub and sid must be strings")
    # PyJWT accepts "123" as a time; we issue integers only.
    if not all(type(claims[name]) is int for name in ("iat", "exp")):
        raise ValueError("iat and exp must be integers")
    return TokenClaims(
        user_id=UUID(claims["sub"]),
        session_id=UUID(claims["sid"]),
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )
