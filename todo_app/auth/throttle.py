"""Throttling: failed sign-ins per email and per client address, and sign-ups per address.

The counters are rows in ``sign_in_failures`` (not process memory), so the limits hold across
workers and restarts. Every function takes ``now`` so tests can move the clock.

Limits are checked before the password is, so concurrent guesses can overshoot a limit by the
number of attempts in flight; each still pays a full bcrypt check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from todo_app.errors import Throttled
from todo_app.models import SignInFailure, utcnow
from todo_app.settings import get_settings

KEY_MAX = 320  # SignInFailure.key
PRUNE_EVERY = 32  # prune on every n-th recorded row: cheap on average, bounded table


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int
    window: timedelta


EMAIL_RULE = Rule("email:", 5, timedelta(minutes=15))
IP_RULE = Rule("ip:", 20, timedelta(seconds=60))
SIGN_UP_PREFIX = "signup:"
SIGN_UP_WINDOW = timedelta(hours=1)
RETENTION = max(EMAIL_RULE.window, IP_RULE.window)  # of failed sign-ins


def _keys(email: str, ip: str) -> list[tuple[Rule, str]]:
    """The counters one attempt touches; no address means no per-address counter."""
    keys = [(EMAIL_RULE, _key(EMAIL_RULE, email.strip().lower()))]
    if ip.strip():
        keys.append((IP_RULE, _key(IP_RULE, ip.strip())))
    return keys


def _key(rule: Rule, value: str) -> str:
    return (rule.prefix + value)[:KEY_MAX]


def _retry_after(session: Session, rule: Rule, key: str, now: datetime) -> int | None:
    """Seconds until ``key`` is under its limit again, or None if it is under it now."""
    recent = session.exec(
        select(SignInFailure.at)
        .where(SignInFailure.key == key, SignInFailure.at > now - rule.window)
        .order_by(col(SignInFailure.at).desc())
        .limit(rule.limit)
    ).all()
    if len(recent) < rule.limit:
        return None
    # Allowed again once the limit-th newest failure leaves the window.
    wait = (recent[-1] + rule.window - now).total_seconds()
    return max(1, math.ceil(wait))


def check(session: Session, email: str, ip: str, now: datetime | None = None) -> None:
    """Raise ``Throttled`` if this email or client address has failed too often lately."""
    now = now or utcnow()
    waits = [
        wait
        for rule, key in _keys(email, ip)
        if (wait := _retry_after(session, rule, key, now)) is not None
    ]
    if waits:
        raise Throttled(max(waits))


def record_failure(session: Session, email: str, ip: str, now: datetime | None = None) -> None:
    """Count one failed sign-in against the email and the client address."""
    now = now or utcnow()
    rows = [SignInFailure(key=key, at=now) for _rule, key in _keys(email, ip)]
    session.add_all(rows)
    session.flush()
    if any(row.id is not None and row.id % PRUNE_EVERY == 0 for row in rows):
        prune(session, now)


def note_sign_up(session: Session, ip: str, now: datetime | None = None) -> None:
    """Count a sign-up from ``ip``, or raise ``Throttled`` when it has made too many lately.

    Each sign-up costs a full bcrypt hash, so unlimited sign-ups are a cheap way to burn the
    server's CPU (and to fill the users table).
    """
    limit = get_settings().sign_ups_per_hour
    if not ip.strip() or limit == 0:
        return
    now = now or utcnow()
    rule = Rule(SIGN_UP_PREFIX, limit, SIGN_UP_WINDOW)
    key = _key(rule, ip.strip())
    wait = _retry_after(session, rule, key, now)
    if wait is not None:
        raise Throttled(wait)
    session.add(SignInFailure(key=key, at=now))


def clear(session: Session, email: str) -> None:
    """Forget an email's failures after it signs in (the address counter stays)."""
    key = _key(EMAIL_RULE, email.strip().lower())
    session.exec(delete(SignInFailure).where(col(SignInFailure.key) == key))


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete rows too old to count for their rule; returns how many went."""
    now = now or utcnow()
    sign_up = col(SignInFailure.key).startswith(SIGN_UP_PREFIX)
    expired = sa.or_(
        sa.and_(~sign_up, col(SignInFailure.at) <= now - RETENTION),
        sa.and_(sign_up, col(SignInFailure.at) <= now - SIGN_UP_WINDOW),
    )
    result = session.exec(delete(SignInFailure).where(expired))
    return result.rowcount


def count(session: Session, rule: Rule, value: str, now: datetime | None = None) -> None:
    """Count one attempt of ``rule`` for ``value``, or raise ``Throttled`` when it has had
    ``rule.limit`` in its window already. An empty value (no client address) is not counted.

    For actions that cost the server or a mailbox something whether or not they succeed
    (password-reset mail, bad reset links). ``prune`` keeps rows for ``RETENTION``, so a
    rule's window must not be longer.
    """
    if not value.strip():
        return
    now = now or utcnow()
    key = _key(rule, value.strip().lower())
    wait = _retry_after(session, rule, key, now)
    if wait is not None:
        raise Throttled(wait)
    session.add(SignInFailure(key=key, at=now))


def check_rule(session: Session, rule: Rule, value: str, now: datetime | None = None) -> None:
    """Raise ``Throttled`` if ``value`` has had ``rule.limit`` counts in the window."""
    if not value.strip():
        return
    wait = _retry_after(session, rule, _key(rule, value.strip().lower()), now or utcnow())
    if wait is not None:
        raise Throttled(wait)
