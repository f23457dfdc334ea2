"""Password reset by email: a single-use link, valid for 30 minutes, that sets a new password
and ends every session of the account.

Asking for a link answers the same way whether or not the email has an account (the mail
goes out from a background pool, so not even the timing differs much). Only the SHA-256 of a
token is stored: it is 256 random bits, so a fast hash is as safe as a slow one and lets the
link be found by an index. Following OWASP's forgot-password advice, a reset does not sign
anyone in: the new password is used on the sign-in page like any other.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlmodel import col, select, update

from todo_app import mail
from todo_app.auth import credentials, passwords, service, throttle
from todo_app.auth.routes import RESET_PATH
from todo_app.auth.throttle import Rule
from todo_app.db import session_scope
from todo_app.errors import InvalidInput
from todo_app.models import PasswordReset, User, utcnow
from todo_app.settings import get_settings

logger = logging.getLogger("todo_app.auth")

LIFETIME = timedelta(minutes=30)
TOKEN_BYTES = 32
TOKEN_MAX = 100  # longer than any token we issue: refused before it is hashed
# Mail costs a mailbox its peace: a few links per address, a few more per client address.
REQUESTS_PER_EMAIL = Rule("reset-email:", 3, timedelta(minutes=15))
REQUESTS_PER_IP = Rule("reset-ip:", 10, timedelta(minutes=15))
# Tokens cannot be guessed, but a client trying links by the thousand is up to no good.
BAD_LINKS_PER_IP = Rule("reset-bad:", 10, timedelta(minutes=15))

SENT = (
    "If an account exists for that email, a link to reset its password is on its way. "
    "It works once, for 30 minutes."
)
INVALID_LINK = "This reset link is invalid, used or expired. Ask for a new one."
SUBJECT = "Reset your Todo password"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def reset_url(token: str) -> str:
    """The page that takes the token, on the configured public URL (never a request's Host)."""
    return f"{get_settings().site_url}{RESET_PATH}?{urlencode({'token': token})}"


def _body(token: str) -> str:
    minutes = int(LIFETIME.total_seconds() // 60)
    return (
        "Someone, hopefully you, asked to reset the password of your Todo account.\n\n"
        f"Choose a new password here within {minutes} minutes:\n\n"
        f"{reset_url(token)}\n\n"
        "The link works once, and signs out every device signed in to your account.\n"
        "If you did not ask, ignore this mail: your password stays as it is.\n"
    )


def request_reset(email: str, *, ip: str = "") -> None:
    """Mail a reset link if ``email`` has an account; the same outcome either way.

    A malformed address is still a field error (it says nothing about any account), and a
    throttled caller gets ``Throttled`` whether or not the address exists.
    """
    clean = credentials.normalize_email(email)
    now = utcnow()
    counters = [(REQUESTS_PER_EMAIL, clean), *_per_client(REQUESTS_PER_IP, ip)]
    with session_scope() as s:
        throttle.reserve(s, counters, now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with session_scope() as s:
        user = service.find_user_in(s, clean)
        if user is None:
            logger.info("password reset asked for an unknown email ip=%r", ip[:64])
            return
        service.spend_reset_links_in(s, user.id, now)  # a new link replaces every earlier one
        s.add(
            PasswordReset(
                user_id=user.id,
                token_hash=_digest(token),
                created_at=now,
                expires_at=now + LIFETIME,
            )
        )
        address, user_id = user.email, user.id
    mail.send_later(mail.Mail(to=address, subject=SUBJECT, body=_body(token)))
    logger.info("password reset link sent user=%s ip=%r", user_id, ip[:64])


def _per_client(rule: Rule, ip: str) -> list[throttle.Counter]:
    """A counter per client address; none when the address is unknown."""
    client = throttle.client_address(ip)
    return [(rule, client)] if client else []


def _live_link(token: str, ip: str, now: datetime) -> tuple[PasswordReset, User]:
    """The unused, unexpired link this token names, with its account; else a field error.

    The try is reserved as a bad link before the lookup (so concurrent guesses cannot pass
    the limit) and taken back when the link works.
    """
    with session_scope() as s:
        attempt = throttle.reserve(s, _per_client(BAD_LINKS_PER_IP, ip), now)
    with session_scope() as s:
        row = None
        if 0 < len(token) <= TOKEN_MAX:
            row = s.exec(
                select(PasswordReset).where(PasswordReset.token_hash == _digest(token))
            ).first()
        user = s.get(User, row.user_id) if row is not None else None
        if row is not None and user is not None and row.used_at is None and row.expires_at > now:
            attempt.release(s)
            return row, user
    raise InvalidInput({"token": INVALID_LINK})


def check_link(token: str, *, ip: str = "") -> str:
    """The email of the account the link resets; ``InvalidInput`` unless the link still
    works (the page says so before any typing). Only the mailbox's owner holds the token."""
    _link, user = _live_link(token, ip, utcnow())
    return user.email


def confirm_reset(token: str, new_password: str, *, ip: str = "") -> None:
    """Set the new password and end every session; the link is spent, whatever happens next.

    The link is spent by a guarded ``UPDATE ... WHERE used_at IS NULL``, so two requests
    racing with one link cannot both reset the password.
    """
    now = utcnow()
    link, user = _live_link(token, ip, now)
    credentials.validate_password(new_password, user.email)
    new_hash = passwords.hash_password(new_password)  # outside the transaction: bcrypt is slow
    now = utcnow()
    with session_scope() as s:
        spent = s.exec(
            update(PasswordReset)
            .where(
                col(PasswordReset.id) == link.id,
                col(PasswordReset.used_at).is_(None),
                col(PasswordReset.expires_at) > now,
            )
            .values(used_at=now)
        ).rowcount
        if spent != 1:
            raise InvalidInput({"token": INVALID_LINK})
        service.spend_reset_links_in(s, user.id, now)
        s.exec(
            update(User)
            .where(col(User.id) == user.id)
            .values(password_hash=new_hash, updated_at=now)
        )
        revoked = service.revoke_sessions_in(s, user.id, keep=None, now=now)
        throttle.clear(s, user.email)  # the owner proved they hold the mailbox
    service.account_changed(user.id)
    logger.info("password reset user=%s revoked_sessions=%s", user.id, revoked)
