"""Sign-in throttling: failed attempts counted per email and per client address.

The counters are rows in ``sign_in_failures`` (not process memory), so the limits hold across
workers and restarts. Every function takes ``now`` so tests can move the clock.

Limits are checked before the password is, so concurrent guesses can overshoot a limit by the
number of attempts in flight; each still pays a full bcrypt check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from todo_app.errors import Throttled
from todo_app.models import SignInFailure, utcnow

KEY_MAX = 320  # SignInFailure.key
PRUNE_EVERY = 32  # prune on every n-th recorded row: cheap on average, bounded table


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int
    window: timedelta


EMAIL_RULE = Rule("email:", 5, timedelta(minutes=15))
IP_RULE = Rule("ip:", 20, timedelta(seconds=60))
RETENTION = max(EMAIL_RULE.window, IP_RULE.window)


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


def clear(session: Session, email: str) -> None:
    """Forget an email's failures after it signs in (the address counter stays)."""
    key = _key(EMAIL_RULE, email.strip().lower())
    session.exec(delete(SignInFailure).where(col(SignInFailure.key) == key))


def prune(session: Session, now: datetime | None = None) -> int:
    """Delete failures too old to count for any rule; returns how many went."""
    cutoff = (now or utcnow()) - RETENTION
    result = session.exec(delete(SignInFailure).where(col(SignInFailure.at) <= cutoff))
    return result.rowcount
