"""Accounts and sign-in sessions: the one place that decides who is signed in.

Plain synchronous functions over ``session_scope()``; the REST API calls them from its thread
pool and the Reflex states through ``asyncio.to_thread``. They raise ``todo_app.errors``
exceptions, never HTTP or UI errors. bcrypt work is done outside database transactions, so a
slow hash never holds a connection or a lock.

Every token names a row in ``auth_sessions``; the row, not the token, says whether the
sign-in is still valid, so sign-out and revocation take effect at once.

Why one module of about 640 lines: every function here starts, checks, renews or ends rows of
``auth_sessions`` for one account, under one set of rules: sign-up and sign-in start one, a
password change or an account deletion ends the others, and each tells ``account_changed``
after the commit. Kept together, those rules sit beside the one check (``authenticate``) that
relies on them. What is not about sessions is elsewhere: what a valid email, password and name
are (``credentials.py``), hashing (``passwords.py``), tokens (``tokens.py``), the throttle
(``throttle.py``) and reset links (``reset.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select, update
from sqlmodel.sql.expression import SelectOfScalar

from todo_app import mail
from todo_app.auth import passwords, throttle, tokens
from todo_app.auth.credentials import (
    normalize_email,
    password_problem,
    validate_name,
    validate_password,
)
from todo_app.auth.routes import FORGOT_PATH
from todo_app.db import read_scope, session_scope
from todo_app.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Throttled,
    Unauthenticated,
)
from todo_app.models import (
    EMAIL_MAX,
    AuthSession,
    Conversation,
    Message,
    PasswordReset,
    PersonalAccessToken,
    Task,
    User,
    utcnow,
)
from todo_app.settings import get_settings
from todo_app.zones import validate_time_zone

logger = logging.getLogger("todo_app.auth")

USER_AGENT_MAX = 300  # AuthSession.user_agent
IP_MAX = 64  # AuthSession.ip_address
# last_seen_at is for the sessions list; minute precision spares a write per request.
LAST_SEEN_EVERY = timedelta(seconds=60)

EMAIL_TAKEN = (
    "This email cannot be used for a new account. If it is yours, sign in or reset your password."
)
# Mail to an address's owner when someone signs up with it: one per quarter hour at most.
SIGN_UP_NOTICE = throttle.Rule("signup-notice:", 1, timedelta(minutes=15))
T = TypeVar("T")

# What else follows a new time zone, run inside the transaction that stores it: each hook
# gets (session, user_id, zone) and may return what to run once that transaction has
# committed. The app's composition root wires the tasks' re-reckoned dues here, so this
# service knows nothing of tasks.
ZoneHook = Callable[[Session, UUID, str], Callable[[], None] | None]
zone_hooks: list[ZoneHook] = []


def on_zone_change(hook: ZoneHook) -> None:
    """Run ``hook`` whenever an account's time zone changes (once, however often wired)."""
    if hook not in zone_hooks:
        zone_hooks.append(hook)


# Told, after the commit, of every account whose sessions ended or whose profile changed (a
# sign-out, a revoked session, a password change or reset, a deletion, a new name or zone),
# so that open pages, which trust a session read for a while, read theirs again at once
# (``auth/rechecks.py``). Wired in the composition root.
account_listeners: list[Callable[[UUID], None]] = []
# Steps of an account's deletion, in its transaction before its rows go (the shared lists
# tell their members; wired in the composition root, as the lists sit above accounts).
deletion_steps: list[Callable[[Session, UUID], None]] = []


def account_changed(user_id: UUID) -> None:
    """Tell the listeners; a listener's failure never undoes what was committed."""
    for listener in list(account_listeners):
        try:
            listener(user_id)
        except Exception:
            logger.warning("an account-change listener failed", exc_info=True)


@dataclass(frozen=True)
class UserInfo:
    id: UUID
    email: str
    name: str
    created_at: datetime
    time_zone: str = "UTC"


@dataclass(frozen=True)
class SessionInfo:
    id: UUID
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str
    ip_address: str
    current: bool


@dataclass(frozen=True)
class SignedIn:
    user: UserInfo
    session_id: UUID
    token: str
    expires_at: datetime


@dataclass(frozen=True)
class Authenticated:
    user: UserInfo
    session_id: UUID
    expires_at: datetime
    # Set when the token was replaced by a fresh one; the caller must hand it to the client.
    renewed_token: str | None


def _collect(errors: dict[str, str], check: Callable[[], T]) -> T | None:
    """Run one validator, gathering its field errors so the form can show them all at once."""
    try:
        return check()
    except InvalidInput as exc:
        errors.update(exc.fields)
        return None


# --- helpers ----------------------------------------------------------------------------


def _for_log(value: str) -> str:
    """Untrusted text made safe for one log line (quoted, escaped, bounded)."""
    return repr(value[:EMAIL_MAX])


def _user_info(user: User) -> UserInfo:
    return UserInfo(
        id=user.id,
        email=user.email,
        name=user.name,
        created_at=user.created_at,
        time_zone=user.time_zone,
    )


def _session_info(row: AuthSession, current_session_id: UUID | None) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        user_agent=row.user_agent,
        ip_address=row.ip_address,
        current=row.id == current_session_id,
    )


def find_user_in(s: Session, email: str) -> User | None:
    return s.exec(select(User).where(User.email == email)).first()


def _load_user(user_id: UUID) -> User:
    with session_scope() as s:
        user = s.get(User, user_id)
    if user is None:
        raise NotFound("Account not found")
    return user


def _expiry(created_at: datetime, now: datetime) -> datetime:
    """Idle timeout from now, never past the absolute limit counted from sign-in."""
    settings = get_settings()
    return min(
        now + timedelta(seconds=settings.token_ttl_seconds),
        created_at + timedelta(seconds=settings.token_max_age_seconds),
    )


def _is_live(row: AuthSession, now: datetime) -> bool:
    return row.revoked_at is None and row.expires_at > now


def _live_sessions(user_id: UUID, now: datetime) -> SelectOfScalar[AuthSession]:
    return select(AuthSession).where(
        AuthSession.user_id == user_id,
        col(AuthSession.revoked_at).is_(None),
        AuthSession.expires_at > now,
    )


def _start_session(s: Session, user: User, user_agent: str, ip: str) -> SignedIn:
    """A new session row and its token: every sign-in gets its own (never reused)."""
    now = utcnow()
    row = AuthSession(
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=_expiry(now, now),
        user_agent=user_agent[:USER_AGENT_MAX],
        ip_address=ip[:IP_MAX],
    )
    s.add(row)
    token = tokens.issue_token(user.id, row.id, row.expires_at, issued_at=now)
    return SignedIn(
        user=_user_info(user), session_id=row.id, token=token, expires_at=row.expires_at
    )


def revoke_sessions_in(s: Session, user_id: UUID, keep: UUID | None, now: datetime) -> int:
    """Revoke the user's live sessions except ``keep``; returns how many."""
    statement = (
        update(AuthSession)
        .where(
            col(AuthSession.user_id) == user_id,
            col(AuthSession.revoked_at).is_(None),
            col(AuthSession.expires_at) > now,
        )
        .values(revoked_at=now)
    )
    if keep is not None:
        statement = statement.where(col(AuthSession.id) != keep)
    return s.exec(statement).rowcount


def spend_reset_links_in(s: Session, user_id: UUID, now: datetime) -> None:
    """Every unused reset link of the account stops working (a new link, a reset, or a
    password change: a link mailed before the change must not undo it)."""
    s.exec(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user_id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )


def _confirm_password(user: User, password: str) -> bool:
    """Re-check a signed-in user's password, throttled per account (``throttle.CONFIRM_RULE``):
    a stolen session must not become a free password-guessing oracle."""
    with session_scope() as s:
        attempt = throttle.reserve_confirm(s, user.id, user.email)
    ok = passwords.verify_password(password, user.password_hash)
    if ok:
        with session_scope() as s:
            attempt.succeed(s)
    return ok


# --- sign-up, sign-in, sign-out ---------------------------------------------------------


def sign_up(
    email: str,
    password: str,
    name: str | None = None,
    *,
    user_agent: str = "",
    ip: str = "",
    time_zone: str | None = None,
) -> SignedIn:
    """Create an account and sign it in; every field error is reported at once.

    ``time_zone`` is the browser's zone on the page (UTC when not given, as by the API).
    """
    errors: dict[str, str] = {}
    clean_email = _collect(errors, lambda: normalize_email(email))
    _collect(errors, lambda: validate_password(password, clean_email or email))
    clean_name = _collect(errors, lambda: validate_name(name, clean_email or email))
    zone = _collect(errors, lambda: validate_time_zone(time_zone or "UTC"))
    if errors or clean_email is None or clean_name is None or zone is None:
        raise InvalidInput(errors)
    with session_scope() as s:
        throttle.note_sign_up(s, ip)
        existing = find_user_in(s, clean_email) is not None
    if existing:
        return _sign_up_again(clean_email, password, user_agent=user_agent, ip=ip)
    password_hash = passwords.hash_password(password)
    try:
        with session_scope() as s:
            user = User(
                email=clean_email, name=clean_name, password_hash=password_hash, time_zone=zone
            )
            s.add(user)
            s.flush()  # the user row must exist before its session row
            signed_in = _start_session(s, user, user_agent, ip)
    except IntegrityError:
        # Another request took the email between our check and our insert.
        raise Conflict(EMAIL_TAKEN) from None
    logger.info("sign-up user=%s email=%s", user.id, _for_log(clean_email))
    return signed_in


def _sign_up_again(email: str, password: str, *, user_agent: str, ip: str) -> SignedIn:
    """Sign-up with a registered email: the owner, with their password, is simply signed in;
    anyone else learns no more than that the email cannot be used, and the owner is told.

    This goes through ``sign_in``, so it is throttled like a sign-in (else sign-up would be a
    password oracle beside the throttled one), and it costs one bcrypt check, as creating an
    account costs one hash, so the time taken does not tell the two apart.
    """
    try:
        signed_in = sign_in(email, password, user_agent=user_agent, ip=ip)
    except InvalidCredentials:
        _tell_owner_of_sign_up(email, ip)
        raise Conflict(EMAIL_TAKEN) from None
    logger.info("sign-up of an existing account with its password user=%s", signed_in.user.id)
    return signed_in


def _tell_owner_of_sign_up(email: str, ip: str) -> None:
    """Mail the owner that someone tried to sign up with their address (at most one mail per
    ``SIGN_UP_NOTICE.window``, so this cannot be used to flood their inbox)."""
    try:
        with session_scope() as s:
            throttle.reserve(s, [(SIGN_UP_NOTICE, email)])
    except Throttled:
        return
    settings = get_settings()
    body = (
        "Someone tried to create a Todo account with this email address, which already has "
        "one.\n\nIf it was you, sign in instead, or reset your password here:\n\n"
        f"{settings.site_url}{FORGOT_PATH}\n\n"
        "If it was not you, nothing has changed: your account and password are as they were.\n"
    )
    mail.send_later(mail.Mail(to=email, subject="Someone tried to sign up as you", body=body))
    logger.info("sign-up with a registered email; owner notified ip=%s", _for_log(ip))


def _user_for_credentials(email: str, password: str) -> User | None:
    """The user these credentials belong to, or None, after one bcrypt check either way."""
    user = None
    if password:
        try:
            with session_scope() as s:
                user = find_user_in(s, normalize_email(email))
        except InvalidInput:
            user = None
    if user is None:
        passwords.burn_time(password)
        return None
    return user if passwords.verify_password(password, user.password_hash) else None


def sign_in(email: str, password: str, *, user_agent: str = "", ip: str = "") -> SignedIn:
    """A new session for valid credentials; one ``InvalidCredentials`` for every failure."""
    # The attempt is counted before the password is checked, so concurrent guesses cannot pass
    # the limit; a right password takes it back.
    try:
        with session_scope() as s:
            attempt = throttle.reserve_sign_in(s, email, ip)
    except Throttled as exc:
        logger.warning(
            "sign-in throttled email=%s ip=%s retry_after=%s",
            _for_log(email),
            _for_log(ip),
            exc.retry_after,
        )
        raise
    user = _user_for_credentials(email, password)
    if user is None:  # the reserved attempt stays, as the failure
        logger.warning("sign-in failed email=%s ip=%s", _for_log(email), _for_log(ip))
        raise InvalidCredentials()
    # A cost raised in the settings reaches old hashes at their owners' next sign-in.
    new_hash = None
    if passwords.needs_rehash(user.password_hash):
        new_hash = passwords.hash_password(password)
    with session_scope() as s:
        current = s.get(User, user.id)
        if current is None:  # deleted while we were checking the password
            raise InvalidCredentials()
        if new_hash is not None:
            current.password_hash = new_hash
        attempt.succeed(s)
        signed_in = _start_session(s, current, user_agent, ip)
    logger.info("sign-in ok user=%s session=%s ip=%s", user.id, signed_in.session_id, _for_log(ip))
    return signed_in


_SESSIONS: sa.Table = AuthSession.__table__  # type: ignore[attr-defined]
_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]
# The session row and its user, in one statement built once: every signed-in request runs it.
_SESSION_WITH_USER = (
    sa.select(
        _SESSIONS.c.user_id,
        _SESSIONS.c.created_at,
        _SESSIONS.c.last_seen_at,
        _SESSIONS.c.expires_at,
        _SESSIONS.c.revoked_at,
        _USERS.c.email,
        _USERS.c.name,
        _USERS.c.created_at.label("user_created_at"),
        _USERS.c.time_zone,
    )
    .join(_USERS, _USERS.c.id == _SESSIONS.c.user_id)
    .where(_SESSIONS.c.id == sa.bindparam("session_id", type_=_SESSIONS.c.id.type))
)


def authenticate(token: str, *, renew: bool = True) -> Authenticated:
    """Who holds this token, if its session is alive; renews a token older than a day."""
    claims = tokens.decode_token(token)
    with read_scope() as conn:
        return authenticate_in(conn, claims, renew=renew)


def authenticate_in(
    conn: sa.Connection, claims: tokens.TokenClaims, *, renew: bool = True
) -> Authenticated:
    """``authenticate`` on the caller's connection, for a token already decoded: a request
    that reads next (``GET /api/tasks``) checks its session on the connection it reads with.

    The session row is read on every call, so sign-out and revocation take effect at once.
    A write (``last_seen_at``, a renewal: at most once a minute per session) is committed
    here, before the caller reads on: a renewed token is only handed out with its row saved."""
    now = utcnow()
    row = conn.execute(_SESSION_WITH_USER, {"session_id": claims.session_id}).first()
    if (
        row is None
        or row.user_id != claims.user_id
        or row.revoked_at is not None
        or row.expires_at <= now
    ):
        raise Unauthenticated()
    expires_at = row.expires_at
    renewed = None
    if renew:
        expires_at, renewed = _renewal(claims, row.created_at, row.expires_at, now)
    if renewed or now - row.last_seen_at >= LAST_SEEN_EVERY:
        saved = conn.execute(
            sa.update(_SESSIONS)
            .where(_SESSIONS.c.id == claims.session_id, _SESSIONS.c.revoked_at.is_(None))
            .values(last_seen_at=now, expires_at=expires_at)
        )
        conn.commit()
        if saved.rowcount != 1:  # signed out since the read
            raise Unauthenticated()
    user = UserInfo(
        id=claims.user_id,
        email=row.email,
        name=row.name,
        created_at=row.user_created_at,
        time_zone=row.time_zone,
    )
    return Authenticated(
        user=user, session_id=claims.session_id, expires_at=expires_at, renewed_token=renewed
    )


def read_signed_in(
    claims: tokens.TokenClaims | Authenticated, read: Callable[[sa.Connection, Authenticated], T]
) -> T:
    """The session check, then ``read``, on one connection: a signed-in read pays for one
    checkout and no ORM session, and still sees a revoked session refused first. A caller
    already authenticated (a personal access token's) is read for at once."""
    with read_scope() as conn:
        if isinstance(claims, Authenticated):
            return read(conn, claims)
        return read(conn, authenticate_in(conn, claims))


def session_is_live(token: str) -> bool:
    """Whether the token's session is alive: for a live push to an open page, which is no
    use of the session (nothing is renewed or marked seen), so one read of its row."""
    try:
        claims = tokens.decode_token(token)
    except Unauthenticated:
        return False
    with session_scope() as s:
        row = s.get(AuthSession, claims.session_id)
        return row is not None and row.user_id == claims.user_id and _is_live(row, utcnow())


def _renewal(
    claims: tokens.TokenClaims, created_at: datetime, expires_at: datetime, now: datetime
) -> tuple[datetime, str | None]:
    """The session's expiry slid forward and a fresh token, at most once per renewal period;
    otherwise the expiry as it is and no token.

    Nothing is issued once the absolute limit is reached: the old token is as good.
    """
    renew_after = timedelta(seconds=get_settings().token_renew_after_seconds)
    slid = _expiry(created_at, now)
    if now - claims.issued_at < renew_after or slid <= expires_at:
        return expires_at, None
    return slid, tokens.issue_token(claims.user_id, claims.session_id, slid, issued_at=now)


def sign_out(token: str) -> None:
    """End the token's session on the server. Idempotent; an invalid token is ignored."""
    try:
        claims = tokens.decode_token(token)
    except Unauthenticated:
        return
    with session_scope() as s:
        row = s.get(AuthSession, claims.session_id)
        if row is None or row.user_id != claims.user_id or row.revoked_at is not None:
            return
        row.revoked_at = utcnow()
    account_changed(claims.user_id)
    logger.info("sign-out user=%s session=%s", claims.user_id, claims.session_id)


# --- sessions ---------------------------------------------------------------------------


def list_sessions(user_id: UUID, current_session_id: UUID | None) -> list[SessionInfo]:
    """The user's live sessions, most recently used first, the caller's own flagged."""
    with session_scope() as s:
        rows = s.exec(
            _live_sessions(user_id, utcnow()).order_by(
                col(AuthSession.last_seen_at).desc(), col(AuthSession.created_at).desc()
            )
        ).all()
    return [_session_info(row, current_session_id) for row in rows]


def revoke_session(user_id: UUID, session_id: UUID) -> None:
    """End one of the user's sessions; anyone else's, or a dead one, is "not found"."""
    now = utcnow()
    with session_scope() as s:
        row = s.get(AuthSession, session_id)
        if row is None or row.user_id != user_id or not _is_live(row, now):
            raise NotFound("Session not found")
        row.revoked_at = now
    account_changed(user_id)
    logger.info("revoke session user=%s session=%s", user_id, session_id)


def revoke_other_sessions(user_id: UUID, current_session_id: UUID) -> int:
    """Sign out everywhere else; returns how many sessions ended."""
    with session_scope() as s:
        count = revoke_sessions_in(s, user_id, keep=current_session_id, now=utcnow())
    account_changed(user_id)
    logger.info("revoke other sessions user=%s count=%s", user_id, count)
    return count


# --- account ----------------------------------------------------------------------------


def get_user(user_id: UUID) -> UserInfo:
    """The account's public details; ``NotFound`` once it is deleted."""
    return _user_info(_load_user(user_id))


def update_account(
    user_id: UUID, *, name: str | None = None, time_zone: str | None = None
) -> UserInfo:
    """Change the name and/or the time zone; a new zone re-reckons every timed due."""
    errors: dict[str, str] = {}
    with session_scope() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFound("Account not found")
        # An empty name goes back to the default (the part of the email before the @).
        clean_name = (
            _collect(errors, lambda: validate_name(name, user.email)) if name is not None else None
        )
        zone = (
            _collect(errors, lambda: validate_time_zone(time_zone))
            if time_zone is not None
            else None
        )
        if errors:
            raise InvalidInput(errors)
        after_commit: list[Callable[[], None]] = []
        if clean_name is not None:
            user.name = clean_name
        if zone is not None and zone != user.time_zone:
            user.time_zone = zone
            s.flush()
            for hook in list(zone_hooks):
                then = hook(s, user_id, zone)
                if then is not None:
                    after_commit.append(then)
        user.updated_at = utcnow()
        info = _user_info(user)
    account_changed(user_id)  # open pages show the new name and reckon in the new zone
    for then in after_commit:
        then()
    return info


def change_password(
    user_id: UUID,
    current_password: str,
    new_password: str,
    *,
    current_session_id: UUID | None,
) -> None:
    """Replace the password, end every other session (a thief's included) and spend every
    reset link asked for before."""
    user = _load_user(user_id)
    errors: dict[str, str] = {}
    if problem := password_problem(new_password, user.email):
        errors["new_password"] = problem
    if not _confirm_password(user, current_password):
        errors["current_password"] = "Current password is incorrect"  # noqa: S105
    if errors:
        raise InvalidInput(errors)
    new_hash = passwords.hash_password(new_password)
    now = utcnow()
    with session_scope() as s:
        row = s.get(User, user_id)
        if row is None:
            raise NotFound("Account not found")
        row.password_hash = new_hash
        row.updated_at = now
        revoked = revoke_sessions_in(s, user_id, keep=current_session_id, now=now)
        spend_reset_links_in(s, user_id, now)
    account_changed(user_id)
    logger.info("password change user=%s revoked_sessions=%s", user_id, revoked)


def delete_account(user_id: UUID, password: str) -> None:
    """Delete the user with their tasks and sessions, all or nothing."""
    user = _load_user(user_id)
    if not _confirm_password(user, password):
        raise InvalidInput({"password": "Password is incorrect"})
    with session_scope() as s:
        for step in deletion_steps:
            step(s, user_id)
        # Explicit deletes: correct even where foreign-key cascades are off.
        s.exec(delete(Task).where(col(Task.owner_id) == user_id))
        s.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id))
        s.exec(delete(PasswordReset).where(col(PasswordReset.user_id) == user_id))
        s.exec(delete(PersonalAccessToken).where(col(PersonalAccessToken.user_id) == user_id))
        s.exec(delete(Message).where(col(Message.user_id) == user_id))
        s.exec(delete(Conversation).where(col(Conversation.user_id) == user_id))
        throttle.clear(s, user.email)
        s.exec(delete(User).where(col(User.id) == user_id))
    account_changed(user_id)
    logger.info("delete account user=%s email=%s", user_id, _for_log(user.email))
