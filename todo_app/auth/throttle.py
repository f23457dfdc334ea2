"""Throttling: password guesses per account and client, per account, per client address; sign-ups.

The policy (README "Sign-in throttling"; OWASP ASVS 5.0 6.3.1, 4.0.3 2.2.1):

- ``PAIR_RULE``: 5 failures per account and client address in 15 minutes. One client's guesses
  stop that client only, so an attacker elsewhere cannot lock the owner out.
- ``ACCOUNT_RULE``: 100 failures per account in an hour, from anywhere (ASVS 4.0.3 2.2.1's
  ceiling): a distributed guesser gets no more. It does not apply to a client address the
  account signed in from in the last ``KNOWN_CLIENT_FOR``, so even that attack leaves the owner
  a way in from their usual places.
- ``IP_RULE``: 20 failures per client address in a minute, whatever the account.
- ``CONFIRM_RULE``: 5 wrong re-entries of the password per account in 15 minutes (deleting the
  account, changing the password), so a stolen session is no password oracle; they also count
  towards the account's ceiling, which a signed-in user is not held to.

An IPv6 client is its /64 (one host usually holds a whole /64).

Every attempt is *reserved* before the password is checked, atomically: N concurrent guesses
never get more than the limit through. ``reserve`` takes a transaction-long lock per counter
(``pg_advisory_xact_lock`` on PostgreSQL; on SQLite its first statement is the insert, which
takes the database's write lock), counts the attempt, then counts the window without it. A
reservation over a limit raises ``Throttled`` and must roll back with its transaction
(``session_scope`` does); otherwise it commits as a failure unless ``release``/``succeed`` takes
it back. Reuse for any other guessable secret (password reset, say)::

    RESET_RULE = throttle.Rule("reset:", limit=5, window=timedelta(hours=1))
    with session_scope() as s:  # its own short transaction: the locks last until commit
        attempt = throttle.reserve(s, [(RESET_RULE, email)])  # raises Throttled
    ok = check_the_secret()  # slow work outside the transaction
    if ok:
        with session_scope() as s:
            attempt.succeed(s)  # not a failure; resets the counters named in ``reset``

Rows live in ``sign_in_failures`` (not process memory), so the limits hold across workers and
restarts; each rule's window slides, and ``Retry-After`` is exact. Every function takes ``now``
so tests can move the clock. Values longer than the key column are cut.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
from sqlmodel import Session, col, delete, select

from todo_app.errors import Throttled
from todo_app.models import AuthSession, SignInFailure, User, utcnow
from todo_app.settings import get_settings

KEY_MAX = 320  # SignInFailure.key
IP_MAX = 64  # AuthSession.ip_address
PRUNE_EVERY = 32  # prune on every n-th recorded row: cheap on average, bounded table
PRUNE_LOCK = 7426002  # at most one pruner at a time on PostgreSQL (7426001: migrations)
KNOWN_CLIENT_FOR = timedelta(days=90)
KNOWN_CLIENT_ROWS = 200  # the account's newest sessions looked at


@dataclass(frozen=True)
class Rule:
    prefix: str
    limit: int
    window: timedelta


PAIR_RULE = Rule("pair:", 5, timedelta(minutes=15))
ACCOUNT_RULE = Rule("email:", 100, timedelta(hours=1))
IP_RULE = Rule("ip:", 20, timedelta(seconds=60))
CONFIRM_RULE = Rule("confirm:", 5, timedelta(minutes=15))
SIGN_UP_PREFIX = "signup:"
SIGN_UP_WINDOW = timedelta(hours=1)
# Of every rule but sign-ups: rules made elsewhere (password reset) must not outlast it.
RETENTION = max(PAIR_RULE.window, ACCOUNT_RULE.window, IP_RULE.window, CONFIRM_RULE.window)

Counter = tuple[Rule, str]  # a rule and the value it counts per (an email, an address)


@dataclass(frozen=True)
class Reservation:
    """One attempt, already counted as a failure against its counters."""

    ids: tuple[int, ...]
    reset: tuple[Counter, ...] = ()  # counters a success starts afresh

    def release(self, session: Session) -> None:
        """Take the attempt back: it did not fail."""
        if self.ids:
            session.exec(delete(SignInFailure).where(col(SignInFailure.id).in_(self.ids)))

    def succeed(self, session: Session, now: datetime | None = None) -> None:
        """The attempt was right: release it and forget the ``reset`` counters' failures."""
        self.release(session)
        for rule, value in self.reset:
            forget(session, rule, value, now)


def client_address(ip: str) -> str:
    """The address a client is counted by: IPv4 as is, IPv6 as its /64."""
    text = ip.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text[:IP_MAX]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))
    return str(address)


def _account(email: str) -> str:
    return email.strip().lower()


def _key(rule: Rule, value: str) -> str:
    return (rule.prefix + value)[:KEY_MAX]


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), signed=True)


def _hold(session: Session, keys: Sequence[str], now: datetime) -> list[SignInFailure]:
    """Lock the keys until the transaction ends and count one attempt against each."""
    if session.get_bind().dialect.name == "postgresql":
        # Sorted, so two attempts sharing keys cannot deadlock.
        for lock_id in sorted({_lock_id(key) for key in keys}):
            session.connection().execute(
                sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id}
            )
    # On SQLite this insert is the transaction's first statement (the driver begins deferred
    # transactions at the first write): the write lock is taken before anything is counted.
    rows = [SignInFailure(key=key, at=now) for key in keys]
    session.add_all(rows)
    session.flush()
    return rows


def _retry_after(
    session: Session, rule: Rule, key: str, now: datetime, exclude: Sequence[int] = ()
) -> int | None:
    """Seconds until ``key`` is under its limit again, or None if it is under it now."""
    recent = session.exec(
        select(SignInFailure.at)
        .where(
            SignInFailure.key == key,
            SignInFailure.at > now - rule.window,
            col(SignInFailure.id).not_in(exclude),
        )
        .order_by(col(SignInFailure.at).desc())
        .limit(rule.limit)
    ).all()
    if len(recent) < rule.limit:
        return None
    # Allowed again once the limit-th newest failure leaves the window. That failure can be a
    # little newer than ``now`` (an attempt that got the lock first, another worker's clock):
    # never more than the window, never 0.
    wait = (recent[-1] + rule.window - now).total_seconds()
    return min(max(1, math.ceil(wait)), math.ceil(rule.window.total_seconds()))


def _reserve(
    session: Session,
    enforced: Sequence[Counter],
    counted: Sequence[Counter],
    now: datetime,
    reset: Sequence[Counter],
) -> tuple[Reservation, dict[Rule, int]]:
    """Count the attempt against every counter; the waits of the enforced ones over limit."""
    counters = [*enforced, *counted]
    rows = _hold(session, [_key(rule, value) for rule, value in counters], now)
    ids = tuple(row.id for row in rows if row.id is not None)
    waits = {
        rule: wait
        for rule, value in enforced
        if (wait := _retry_after(session, rule, _key(rule, value), now, ids)) is not None
    }
    if any(row_id % PRUNE_EVERY == 0 for row_id in ids):
        prune(session, now, wait=False)
    return Reservation(ids=ids, reset=tuple(reset)), waits


def reserve(
    session: Session,
    counters: Sequence[Counter],
    now: datetime | None = None,
    *,
    count_only: Sequence[Counter] = (),
    reset: Sequence[Counter] = (),
) -> Reservation:
    """Count one attempt against each (rule, value), or raise ``Throttled`` if any is full.

    ``count_only`` counters take the attempt without refusing it; ``reset`` are the counters
    ``Reservation.succeed`` clears. Call it in a transaction of its own, committed before the
    slow check: its locks last until then.
    """
    now = now or utcnow()
    reservation, waits = _reserve(session, counters, count_only, now, reset)
    if waits:
        raise Throttled(max(waits.values()))
    return reservation


def reserve_sign_in(
    session: Session, email: str, ip: str, now: datetime | None = None
) -> Reservation:
    """Reserve one sign-in attempt for ``email`` from ``ip`` (the module's policy)."""
    now = now or utcnow()
    account = _account(email)
    client = client_address(ip)
    # A space ends the account part: no valid email holds one (see ``clear``).
    enforced: list[Counter] = [(PAIR_RULE, f"{account} {client}")]
    if client:
        enforced.append((IP_RULE, client))
    reservation, waits = _reserve(
        session, [*enforced, (ACCOUNT_RULE, account)], (), now, reset=enforced[:1]
    )
    if ACCOUNT_RULE in waits and _is_known_client(session, account, client, now):
        del waits[ACCOUNT_RULE]
    if waits:
        raise Throttled(max(waits.values()))
    return reservation


def reserve_confirm(
    session: Session, user_id: UUID, email: str, now: datetime | None = None
) -> Reservation:
    """Reserve one re-entry of a signed-in user's password (deleting the account and such).

    Counted per account, not per address: a thief with the session can change address.
    """
    confirm: Counter = (CONFIRM_RULE, str(user_id))
    return reserve(
        session, [confirm], now, count_only=[(ACCOUNT_RULE, _account(email))], reset=[confirm]
    )


def _is_known_client(session: Session, account: str, client: str, now: datetime) -> bool:
    """Has the account signed in from this client address lately?"""
    if not client:
        return False
    addresses = session.exec(
        select(AuthSession.ip_address)
        .join(User, col(User.id) == col(AuthSession.user_id))
        .where(User.email == account, AuthSession.created_at > now - KNOWN_CLIENT_FOR)
        .order_by(col(AuthSession.created_at).desc())
        .limit(KNOWN_CLIENT_ROWS)
    ).all()
    return any(client_address(address) == client for address in addresses)


def note_sign_up(session: Session, ip: str, now: datetime | None = None) -> None:
    """Count a sign-up from ``ip``, or raise ``Throttled`` when it has made too many lately.

    Each sign-up costs a full bcrypt hash, so unlimited sign-ups are a cheap way to burn the
    server's CPU (and to fill the users table).
    """
    limit = get_settings().sign_ups_per_hour
    if not ip.strip() or limit == 0:
        return
    reserve(session, [(Rule(SIGN_UP_PREFIX, limit, SIGN_UP_WINDOW), client_address(ip))], now)


def forget(session: Session, rule: Rule, value: str, now: datetime | None = None) -> None:
    """Forget one counter's failures still in its window (older ones are the pruner's)."""
    now = now or utcnow()
    session.exec(
        delete(SignInFailure).where(
            col(SignInFailure.key) == _key(rule, value), col(SignInFailure.at) > now - rule.window
        )
    )


def clear(session: Session, email: str, now: datetime | None = None) -> None:
    """Forget every sign-in failure of an email (its account is gone); addresses' stay."""
    now = now or utcnow()
    account = _account(email)
    forget(session, ACCOUNT_RULE, account, now)
    pair = _key(PAIR_RULE, f"{account} ")
    session.exec(
        delete(SignInFailure).where(
            col(SignInFailure.key).startswith(pair, autoescape=True),
            col(SignInFailure.at) > now - RETENTION,
        )
    )


def prune(session: Session, now: datetime | None = None, *, wait: bool = True) -> int:
    """Delete rows too old to count for their rule; returns how many went.

    On PostgreSQL one pruner at a time (``wait=False``: none if another is at it).
    """
    now = now or utcnow()
    if session.get_bind().dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        got = session.connection().execute(sa.text(f"SELECT {lock}({PRUNE_LOCK})")).scalar()
        if got is False:
            return 0
    sign_up = col(SignInFailure.key).startswith(SIGN_UP_PREFIX)
    expired = sa.or_(
        sa.and_(~sign_up, col(SignInFailure.at) <= now - RETENTION),
        sa.and_(sign_up, col(SignInFailure.at) <= now - SIGN_UP_WINDOW),
    )
    result = session.exec(delete(SignInFailure).where(expired))
    return result.rowcount
