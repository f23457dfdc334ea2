"""Access tokens: issued claims round-trip; anything forged, stale or odd is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

import jwt
import pytest

from todo_app.auth import tokens
from todo_app.errors import Unauthenticated
from todo_app.models import utcnow
from todo_app.settings import get_settings

USER_ID = uuid.uuid4()
SESSION_ID = uuid.uuid4()


def _claims(**changes: Any) -> dict[str, Any]:
    """Valid claims, with ``changes`` applied (a value of None removes the claim)."""
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": str(USER_ID),
        "sid": str(SESSION_ID),
        "typ": "access",
        "aud": "todo",
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A token built without PyJWT, so headers PyJWT would refuse to write can be tested."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = b""
    if key is not None:
        signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _sign(claims: dict[str, Any], key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or get_settings().secret_key, algorithm=algorithm)


def _refused(token: Any) -> None:
    with pytest.raises(Unauthenticated):
        tokens.decode_token(token)


def test_issued_token_round_trips() -> None:
    issued_at = utcnow().replace(microsecond=0)
    expires_at = issued_at + timedelta(days=7)
    token = tokens.issue_token(USER_ID, SESSION_ID, expires_at, issued_at=issued_at)
    claims = tokens.decode_token(token)
    assert claims == tokens.TokenClaims(USER_ID, SESSION_ID, issued_at, expires_at)
    assert claims.issued_at.utcoffset() == timedelta(0)


def test_issued_token_carries_exactly_the_documented_claims() -> None:
    token = tokens.issue_token(USER_ID, SESSION_ID, utcnow() + timedelta(hours=1))
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    payload = jwt.decode(token, options={"verify_signature": False})
    assert set(payload) == {"sub", "sid", "typ", "aud", "iat", "exp"}
    assert (payload["typ"], payload["aud"]) == ("access", "todo")


def test_expired_token_is_refused() -> None:
    _refused(tokens.issue_token(USER_ID, SESSION_ID, utcnow() - timedelta(seconds=1)))


def test_tampered_payload_is_refused() -> None:
    token = tokens.issue_token(USER_ID, SESSION_ID, utcnow() + timedelta(hours=1))
    header, _payload, signature = token.split(".")
    forged_payload = _b64(json.dumps(_claims(sub=str(uuid.uuid4()))).encode())
    _refused(f"{header}.{forged_payload}.{signature}")


def test_token_signed_with_another_secret_is_refused() -> None:
    _refused(_sign(_claims(), key="another secret that is long enough to use!"))


def test_alg_none_is_refused() -> None:
    _refused(_hand_made({"alg": "none", "typ": "JWT"}, _claims(), key=None))
    _refused(_hand_made({"alg": "None"}, _claims(), key=None))


def test_hs512_with_the_right_secret_is_refused() -> None:
    _refused(_sign(_claims(), algorithm="HS512"))


def test_rs256_header_over_an_hmac_signature_is_refused() -> None:
    # Key confusion: a verifier trusting the header would check HMAC with the "public key".
    secret = get_settings().secret_key.encode()
    _refused(_hand_made({"alg": "RS256", "typ": "JWT"}, _claims(), key=secret))


def test_the_hand_made_builder_itself_makes_valid_hs256_tokens() -> None:
    # Guards the tests above: they fail for the header, not for a broken builder.
    secret = get_settings().secret_key.encode()
    token = _hand_made({"alg": "HS256", "typ": "JWT"}, _claims(), key=secret)
    assert tokens.decode_token(token).session_id == SESSION_ID


@pytest.mark.parametrize(
    "changes",
    [
        {"typ": "refresh"},
        {"aud": "someone-else"},
        {"sid": None},
        {"sub": None},
        {"exp": None},
        {"iat": None},
        {"aud": None},
        {"typ": None},
        {"sub": "not-a-uuid"},
        {"sid": "not-a-uuid"},
        {"sid": 12345},
        {"iat": str(int(utcnow().timestamp()))},
        {"iat": int((utcnow() + timedelta(hours=1)).timestamp())},
    ],
    ids=repr,
)
def test_wrong_or_missing_claims_are_refused(changes: dict[str, Any]) -> None:
    _refused(_sign(_claims(**changes)))


def test_the_claim_helper_makes_valid_tokens() -> None:
    assert tokens.decode_token(_sign(_claims())).user_id == USER_ID


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "a.b", "...", "é.é.é", None, 42, b"\xff"])
def test_garbage_is_refused(garbage: Any) -> None:
    _refused(garbage)


# --- a token checked once is not trusted for ever -----------------------------------------


def test_a_token_already_checked_is_refused_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    expires_at = utcnow().replace(microsecond=0) + timedelta(minutes=5)
    token = tokens.issue_token(USER_ID, SESSION_ID, expires_at)
    assert tokens.decode_token(token).expires_at == expires_at  # checked, and remembered
    monkeypatch.setattr(tokens, "utcnow", lambda: expires_at)
    _refused(token)


def test_a_token_already_checked_is_refused_under_another_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _sign(_claims())
    tokens.decode_token(token)
    settings = get_settings()
    monkeypatch.setattr(tokens, "get_settings", lambda: replace(settings, secret_key="k" * 40))
    _refused(token)
