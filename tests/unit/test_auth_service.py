"""The account and session service: every public function, its rules and its error paths."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import bcrypt
import pytest
import sqlalchemy as sa
from sqlmodel import select

from todo_app.auth import credentials, passwords, service, tokens
from todo_app.auth.service import SignedIn
from todo_app.db import get_engine, session_scope
from todo_app.errors import (
    Conflict,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    Throttled,
    Unauthenticated,
)
from todo_app.models import AuthSession, SignInFailure, Task, User, utcnow
from todo_app.settings import get_settings

pytestmark = pytest.mark.usefixtures("db")

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
DAY = timedelta(days=1)


# --- helpers ----------------------------------------------------------------------------


def _ann(**kwargs: Any) -> SignedIn:
    return service.sign_up("ann@example.com", PASSWORD, "Ann", **kwargs)


def _bob() -> SignedIn:
    return service.sign_up("bob@example.com", PASSWORD, "Bob")


def _sign_in_ann() -> SignedIn:
    return service.sign_in("ann@example.com", PASSWORD)


def _row(session_id: uuid.UUID) -> AuthSession:
    with session_scope() as s:
        row = s.get(AuthSession, session_id)
    assert row is not None
    return row


def _set_session(session_id: uuid.UUID, **fields: Any) -> None:
    with session_scope() as s:
        row = s.get(AuthSession, session_id)
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)


def _old_token(signed: SignedIn, age: timedelta) -> str:
    """A token for ``signed``'s session as if issued ``age`` ago."""
    expires_at = _row(signed.session_id).expires_at
    return tokens.issue_token(
        signed.user.id, signed.session_id, expires_at, issued_at=utcnow() - age
    )


def _is_valid(token: str) -> bool:
    try:
        service.authenticate(token, renew=False)
    except Unauthenticated:
        return False
    return True


def _close(a: datetime, b: datetime, seconds: float = 5) -> bool:
    return abs((a - b).total_seconds()) <= seconds


def _count(model: type, **where: Any) -> int:
    with session_scope() as s:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return len(s.exec(query).all())


@pytest.fixture
def bcrypt_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every bcrypt check made, by hash, to compare the work done on different paths."""
    checked: list[bytes] = []
    real = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    return checked


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[timedelta], None]:
    """Move the service's clock forward (the token library keeps real time)."""
    start = utcnow()

    def advance(by: timedelta) -> None:
        monkeypatch.setattr(service, "utcnow", lambda: start + by)

    return advance


# --- validation -------------------------------------------------------------------------


def test_normalize_email_trims_and_lowercases() -> None:
    assert (
        credentials.normalize_email("  Ann.Lee+todo@Example.CO.uk ") == "ann.lee+todo@example.co.uk"
    )


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "no-at-sign",
        "ann@localhost",
        "@example.com",
        "ann@@example.com",
        "ann@bob@example.com",
        "ann lee@example.com",
        "ann@example..com",
        "ann@.example.com",
        "ann@example.com.",
        "ann\x00@example.com",
        "a" * 243 + "@example.com",  # 255 characters
    ],
)
def test_normalize_email_rejects_implausible_addresses(email: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        credentials.normalize_email(email)
    assert set(caught.value.fields) == {"email"}


def test_normalize_email_accepts_254_characters() -> None:
    email = "a" * 242 + "@example.com"
    assert len(email) == 254
    assert credentials.normalize_email(email) == email


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("1234567", "at least 8 characters"),
        ("x" * 129, "at most 128 characters"),
        ("ANN@example.com", "must not be your email"),
    ],
)
def test_validate_password_rejects(password: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        credentials.validate_password(password, "ann@example.com")
    assert message in caught.value.fields["password"]


@pytest.mark.parametrize("password", ["9b1d0c7e", "x" * 127 + "y", "🔑🔒" * 4, "  gap  pass  "])
def test_validate_password_accepts_8_to_128_characters_of_anything(password: str) -> None:
    """Anything uncommon of the right length: no composition rules (the guessable ones are
    refused in test_password_rule.py)."""
    credentials.validate_password(password, "ann@example.com")


def test_validate_name_trims_and_defaults_to_the_local_part() -> None:
    assert credentials.validate_name("  Ann Lee ", "ann@example.com") == "Ann Lee"
    assert credentials.validate_name(None, "ann.lee@example.com") == "ann.lee"
    assert credentials.validate_name("   ", "ann.lee@example.com") == "ann.lee"
    assert credentials.validate_name("n" * 100, "ann@example.com") == "n" * 100


@pytest.mark.parametrize("name", ["n" * 101, "Ann\nLee", "Ann\x00"])
def test_validate_name_rejects_long_names_and_control_characters(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        credentials.validate_name(name, "ann@example.com")
    assert set(caught.value.fields) == {"name"}


# --- sign-up ----------------------------------------------------------------------------


def test_sign_up_creates_the_user_a_session_and_a_working_token() -> None:
    signed = service.sign_up(
        "  Ann@Example.com ", PASSWORD, user_agent="u" * 400, ip="2001:db8::" + "1" * 80
    )
    assert signed.user.email == "ann@example.com"
    assert signed.user.name == "ann"
    assert service.authenticate(signed.token).user == signed.user
    row = _row(signed.session_id)
    assert row.user_id == signed.user.id
    assert (len(row.user_agent), len(row.ip_address)) == (300, 64)
    ttl = timedelta(seconds=get_settings().token_ttl_seconds)
    assert _close(row.expires_at, utcnow() + ttl)
    assert signed.expires_at == row.expires_at
    with session_scope() as s:
        stored = s.get(User, signed.user.id)
    assert stored is not None and passwords.verify_password(PASSWORD, stored.password_hash)


def test_sign_up_reports_every_field_error_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        service.sign_up("not an email", "short", "n" * 101)
    assert set(caught.value.fields) == {"email", "password", "name"}
    assert _count(User) == 0


def test_sign_up_refuses_the_email_as_password() -> None:
    with pytest.raises(InvalidInput) as caught:
        service.sign_up("ann@example.com", "Ann@Example.com")
    assert set(caught.value.fields) == {"password"}


def test_sign_up_with_a_taken_email_in_another_case_is_a_conflict() -> None:
    _ann()
    with pytest.raises(Conflict, match="cannot be used for a new account"):
        service.sign_up("ANN@example.com ", "another password", "Impostor")
    assert _count(User) == 1


def test_sign_up_race_on_the_unique_index_is_a_conflict(monkeypatch: pytest.MonkeyPatch) -> None:
    _ann()
    # As if another request inserted the row between our check and our insert.
    monkeypatch.setattr(service, "find_user_in", lambda _s, _email: None)
    with pytest.raises(Conflict, match="cannot be used"):
        _ann()
    assert _count(User) == 1
    assert _count(AuthSession) == 1


# --- sign-in ----------------------------------------------------------------------------


def test_sign_in_makes_a_new_session_each_time() -> None:
    signed_up = _ann()
    first = service.sign_in(" ANN@example.com", PASSWORD, user_agent="Firefox", ip="192.0.2.1")
    second = _sign_in_ann()
    assert first.user == signed_up.user
    assert len({signed_up.session_id, first.session_id, second.session_id}) == 3
    assert (_row(first.session_id).user_agent, _row(first.session_id).ip_address) == (
        "Firefox",
        "192.0.2.1",
    )
    assert all(_is_valid(s.token) for s in (signed_up, first, second))


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ann@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("not an email", PASSWORD),
        ("ann@example.com", ""),
    ],
    ids=["wrong-password", "unknown-email", "malformed-email", "empty-password"],
)
def test_every_sign_in_failure_is_the_same_invalid_credentials(
    email: str, password: str, bcrypt_checks: list[bytes]
) -> None:
    _ann()
    bcrypt_checks.clear()
    with pytest.raises(InvalidCredentials) as caught:
        service.sign_in(email, password)
    assert caught.value.message == "Invalid email or password"
    assert len(bcrypt_checks) == 1  # the same bcrypt work on every path
    assert _count(SignInFailure, key=f"email:{email.strip().lower()}") == 1


def test_unknown_email_pays_for_a_hash_of_the_same_cost(bcrypt_checks: list[bytes]) -> None:
    _ann()
    with session_scope() as s:
        real_hash = s.exec(select(User.password_hash)).one()
    for email in ("ann@example.com", "nobody@example.com"):
        with pytest.raises(InvalidCredentials):
            service.sign_in(email, "wrong password")
    assert [h[:7] for h in bcrypt_checks] == [real_hash[:7].encode()] * 2


def test_five_failures_throttle_even_the_right_password_from_that_address() -> None:
    _ann()
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            service.sign_in("ann@example.com", "wrong password", ip="192.0.2.1")
    with pytest.raises(Throttled) as caught:
        service.sign_in("Ann@Example.com", PASSWORD, ip="192.0.2.1")
    assert 895 <= caught.value.retry_after <= 900


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere() -> None:
    _ann()
    for _ in range(12):
        with pytest.raises((InvalidCredentials, Throttled)):
            service.sign_in("ann@example.com", "wrong password", ip="192.0.2.1")
    assert service.sign_in("Ann@Example.com", PASSWORD, ip="198.51.100.9").user.name == "Ann"


def test_a_successful_sign_in_clears_the_email_counter() -> None:
    _ann()
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            service.sign_in("ann@example.com", "wrong password")
    _sign_in_ann()
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            service.sign_in("ann@example.com", "wrong password")
    assert _sign_in_ann().user.email == "ann@example.com"


def test_sign_in_upgrades_a_hash_of_another_cost() -> None:
    signed = _ann()
    old_cost = get_settings().bcrypt_rounds + 1
    with session_scope() as s:
        user = s.get(User, signed.user.id)
        assert user is not None
        user.password_hash = bcrypt.hashpw(
            passwords._prehash(PASSWORD), bcrypt.gensalt(old_cost)
        ).decode()
    _sign_in_ann()
    with session_scope() as s:
        upgraded = s.exec(select(User.password_hash)).one()
    assert not passwords.needs_rehash(upgraded)
    assert passwords.verify_password(PASSWORD, upgraded)


def test_auth_events_are_logged_without_passwords_or_tokens(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="todo_app.auth")
    signed = _ann()
    with pytest.raises(InvalidCredentials):
        service.sign_in("ann@example.com", "wrong password")
    second = _sign_in_ann()
    service.sign_out(second.token)
    service.change_password(
        signed.user.id, PASSWORD, NEW_PASSWORD, current_session_id=signed.session_id
    )
    service.delete_account(signed.user.id, NEW_PASSWORD)
    text = caplog.text
    for event in ("sign-up", "sign-in failed", "sign-in ok", "sign-out", "password change"):
        assert event in text
    assert "delete account" in text
    for secret in (PASSWORD, NEW_PASSWORD, "wrong password", signed.token, second.token):
        assert secret not in text


def test_logged_untrusted_input_cannot_forge_log_lines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="todo_app.auth")
    with pytest.raises(InvalidCredentials):
        service.sign_in("x@example.com\nsign-in ok user=admin", PASSWORD)
    assert "\nsign-in ok" not in caplog.text


# --- authenticate -----------------------------------------------------------------------


def test_authenticate_returns_the_user_and_session() -> None:
    signed = _ann()
    auth = service.authenticate(signed.token)
    assert (auth.user, auth.session_id, auth.renewed_token) == (
        signed.user,
        signed.session_id,
        None,
    )
    assert auth.expires_at == signed.expires_at


def test_authenticate_refuses_a_revoked_session() -> None:
    signed = _ann()
    _set_session(signed.session_id, revoked_at=utcnow())
    with pytest.raises(Unauthenticated):
        service.authenticate(signed.token)


def test_authenticate_refuses_an_expired_session_row() -> None:
    signed = _ann()
    _set_session(signed.session_id, expires_at=utcnow() - timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        service.authenticate(signed.token)


def test_authenticate_refuses_a_session_of_another_user() -> None:
    ann, bob = _ann(), _bob()
    # A validly signed token naming Bob but Ann's session (as from a leaked secret).
    forged = tokens.issue_token(bob.user.id, ann.session_id, ann.expires_at)
    with pytest.raises(Unauthenticated):
        service.authenticate(forged)


def test_authenticate_refuses_an_unknown_session_and_garbage() -> None:
    signed = _ann()
    unknown = tokens.issue_token(signed.user.id, uuid.uuid4(), signed.expires_at)
    for token in (unknown, "garbage", ""):
        with pytest.raises(Unauthenticated):
            service.authenticate(token)


def test_authenticate_refuses_an_expired_token() -> None:
    signed = _ann()
    expired = tokens.issue_token(signed.user.id, signed.session_id, utcnow() - timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        service.authenticate(expired)


def test_last_seen_is_written_at_most_once_a_minute() -> None:
    signed = _ann()
    recently = utcnow() - timedelta(seconds=30)
    _set_session(signed.session_id, last_seen_at=recently)
    service.authenticate(signed.token)
    assert _row(signed.session_id).last_seen_at == recently
    _set_session(signed.session_id, last_seen_at=utcnow() - timedelta(seconds=61))
    service.authenticate(signed.token)
    assert _close(_row(signed.session_id).last_seen_at, utcnow())


def test_a_token_older_than_a_day_is_renewed_and_the_session_extended() -> None:
    signed = _ann()
    _set_session(signed.session_id, created_at=utcnow() - 10 * DAY, expires_at=utcnow() + DAY)
    auth = service.authenticate(_old_token(signed, age=DAY + timedelta(seconds=5)))
    assert auth.renewed_token is not None
    ttl = timedelta(seconds=get_settings().token_ttl_seconds)
    assert _close(_row(signed.session_id).expires_at, utcnow() + ttl)
    assert auth.expires_at == _row(signed.session_id).expires_at
    fresh = tokens.decode_token(auth.renewed_token)
    assert fresh.session_id == signed.session_id
    assert _close(fresh.issued_at, utcnow())
    assert service.authenticate(auth.renewed_token).renewed_token is None


def test_a_token_younger_than_a_day_is_not_renewed() -> None:
    signed = _ann()
    before = _row(signed.session_id).expires_at
    auth = service.authenticate(_old_token(signed, age=DAY - timedelta(minutes=1)))
    assert auth.renewed_token is None
    assert _row(signed.session_id).expires_at == before


def test_renew_false_never_renews() -> None:
    signed = _ann()
    _set_session(signed.session_id, expires_at=utcnow() + DAY)
    auth = service.authenticate(_old_token(signed, age=2 * DAY), renew=False)
    assert auth.renewed_token is None
    assert _close(_row(signed.session_id).expires_at, utcnow() + DAY)


def test_renewal_is_capped_at_the_absolute_limit() -> None:
    signed = _ann()
    created = utcnow() - 29 * DAY
    _set_session(signed.session_id, created_at=created, expires_at=utcnow() + timedelta(hours=1))
    auth = service.authenticate(_old_token(signed, age=2 * DAY))
    max_age = timedelta(seconds=get_settings().token_max_age_seconds)
    assert auth.renewed_token is not None
    assert _row(signed.session_id).expires_at == created + max_age
    assert tokens.decode_token(auth.renewed_token).expires_at <= created + max_age


def test_a_session_at_the_absolute_limit_ends_there(
    clock: Callable[[timedelta], None],
) -> None:
    signed = _ann()
    max_age = timedelta(seconds=get_settings().token_max_age_seconds)
    created = utcnow() - max_age + timedelta(hours=1)
    _set_session(signed.session_id, created_at=created, expires_at=created + max_age)
    old = _old_token(signed, age=2 * DAY)
    assert service.authenticate(old).renewed_token is None  # nothing left to extend
    clock(timedelta(hours=1, seconds=1))
    with pytest.raises(Unauthenticated):
        service.authenticate(old)


# --- sign-out and sessions --------------------------------------------------------------


def test_sign_out_ends_only_that_session_and_is_idempotent() -> None:
    first = _ann()
    second = _sign_in_ann()
    service.sign_out(first.token)
    assert not _is_valid(first.token)
    assert _is_valid(second.token)
    service.sign_out(first.token)  # again: no error
    assert _row(first.session_id).revoked_at is not None


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
def test_sign_out_ignores_invalid_tokens(token: str) -> None:
    signed = _ann()
    service.sign_out(token)
    assert _is_valid(signed.token)


def test_list_sessions_shows_live_ones_newest_first_with_the_current_flagged() -> None:
    first = _ann(user_agent="Firefox")
    second = _sign_in_ann()
    revoked = _sign_in_ann()
    expired = _sign_in_ann()
    _bob()
    now = utcnow()
    _set_session(first.session_id, last_seen_at=now - timedelta(minutes=1))
    _set_session(second.session_id, last_seen_at=now - timedelta(minutes=5))
    _set_session(revoked.session_id, revoked_at=now)
    _set_session(expired.session_id, expires_at=now - timedelta(seconds=1))
    sessions = service.list_sessions(first.user.id, second.session_id)
    assert [s.id for s in sessions] == [first.session_id, second.session_id]
    assert [s.current for s in sessions] == [False, True]
    assert sessions[0].user_agent == "Firefox"
    assert not any(s.current for s in service.list_sessions(first.user.id, None))


def test_revoke_session_ends_one_of_my_sessions() -> None:
    first = _ann()
    second = _sign_in_ann()
    service.revoke_session(first.user.id, second.session_id)
    assert not _is_valid(second.token)
    assert _is_valid(first.token)
    assert [s.id for s in service.list_sessions(first.user.id, None)] == [first.session_id]


def test_revoke_session_of_another_user_unknown_or_revoked_is_not_found() -> None:
    ann, bob = _ann(), _bob()
    for session_id in (bob.session_id, uuid.uuid4()):
        with pytest.raises(NotFound, match="Session not found"):
            service.revoke_session(ann.user.id, session_id)
    assert _is_valid(bob.token)
    service.revoke_session(bob.user.id, bob.session_id)
    with pytest.raises(NotFound, match="Session not found"):
        service.revoke_session(bob.user.id, bob.session_id)


def test_revoke_other_sessions_keeps_the_current_one() -> None:
    current = _ann()
    others = [_sign_in_ann(), _sign_in_ann()]
    bob = _bob()
    assert service.revoke_other_sessions(current.user.id, current.session_id) == 2
    assert _is_valid(current.token)
    assert not any(_is_valid(o.token) for o in others)
    assert _is_valid(bob.token)
    assert service.revoke_other_sessions(current.user.id, current.session_id) == 0


# --- account ----------------------------------------------------------------------------


def test_get_user() -> None:
    signed = _ann()
    assert service.get_user(signed.user.id) == signed.user
    with pytest.raises(NotFound):
        service.get_user(uuid.uuid4())


def test_change_password_swaps_the_password_and_ends_other_sessions() -> None:
    current = _ann()
    other = _sign_in_ann()
    bob = _bob()
    service.change_password(
        current.user.id, PASSWORD, NEW_PASSWORD, current_session_id=current.session_id
    )
    assert _is_valid(current.token)
    assert not _is_valid(other.token)
    assert _is_valid(bob.token)
    with pytest.raises(InvalidCredentials):
        _sign_in_ann()
    assert service.sign_in("ann@example.com", NEW_PASSWORD).user == current.user


def test_change_password_without_a_current_session_ends_them_all() -> None:
    signed = _ann()
    service.change_password(signed.user.id, PASSWORD, NEW_PASSWORD, current_session_id=None)
    assert not _is_valid(signed.token)


@pytest.mark.parametrize(
    ("current", "new", "fields"),
    [
        ("wrong password", NEW_PASSWORD, {"current_password"}),
        (PASSWORD, "short", {"new_password"}),
        (PASSWORD, "ANN@EXAMPLE.COM", {"new_password"}),
        ("wrong password", "short", {"current_password", "new_password"}),
    ],
)
def test_change_password_errors_change_nothing(current: str, new: str, fields: set[str]) -> None:
    signed = _ann()
    other = _sign_in_ann()
    with pytest.raises(InvalidInput) as caught:
        service.change_password(signed.user.id, current, new, current_session_id=signed.session_id)
    assert set(caught.value.fields) == fields
    if "current_password" in fields:
        assert caught.value.fields["current_password"] == "Current password is incorrect"
    assert _is_valid(other.token)
    assert _sign_in_ann().user == signed.user


def test_guessing_the_current_password_is_throttled() -> None:
    signed = _ann()
    for _ in range(5):
        with pytest.raises(InvalidInput):
            service.change_password(
                signed.user.id, "wrong guess", NEW_PASSWORD, current_session_id=None
            )
    with pytest.raises(Throttled):
        service.change_password(signed.user.id, PASSWORD, NEW_PASSWORD, current_session_id=None)
    assert _is_valid(signed.token)


def test_change_password_of_an_unknown_user_is_not_found() -> None:
    with pytest.raises(NotFound):
        service.change_password(uuid.uuid4(), PASSWORD, NEW_PASSWORD, current_session_id=None)


def _add_task(owner_id: uuid.UUID, title: str) -> None:
    with session_scope() as s:
        s.add(Task(owner_id=owner_id, title=title))


def test_delete_account_removes_the_user_tasks_and_sessions() -> None:
    ann, bob = _ann(), _bob()
    _sign_in_ann()
    _add_task(ann.user.id, "Ann's task")
    _add_task(bob.user.id, "Bob's task")
    service.delete_account(ann.user.id, PASSWORD)
    assert _count(User, id=ann.user.id) == 0
    assert _count(Task, owner_id=ann.user.id) == 0
    assert _count(AuthSession, user_id=ann.user.id) == 0
    assert _count(Task, owner_id=bob.user.id) == 1
    assert _is_valid(bob.token)
    assert not _is_valid(ann.token)
    with pytest.raises(NotFound):
        service.get_user(ann.user.id)
    with pytest.raises(InvalidCredentials):
        _sign_in_ann()
    assert service.sign_up("ann@example.com", NEW_PASSWORD).user.id != ann.user.id


def test_delete_account_deletes_rows_explicitly_not_by_cascade() -> None:
    signed = _ann()
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(" ".join(statement.split()).lower())

    engine = get_engine()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        service.delete_account(signed.user.id, PASSWORD)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    deletes = [s.split(" where")[0] for s in statements if s.startswith("delete")]
    assert {"delete from tasks", "delete from auth_sessions", "delete from users"} <= set(deletes)


def test_delete_account_with_a_wrong_password_deletes_nothing() -> None:
    signed = _ann()
    _add_task(signed.user.id, "Keep me")
    with pytest.raises(InvalidInput) as caught:
        service.delete_account(signed.user.id, "wrong password")
    assert caught.value.fields == {"password": "Password is incorrect"}
    assert _count(Task, owner_id=signed.user.id) == 1
    assert _is_valid(signed.token)


def test_delete_account_of_an_unknown_user_is_not_found() -> None:
    with pytest.raises(NotFound):
        service.delete_account(uuid.uuid4(), PASSWORD)
