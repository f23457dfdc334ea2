"""Sign-in throttling: 5 failures per account and address per 15 min, 100 per account per hour
(not from an address the account signed in from), 20 per address per minute; re-entries of the
password 5 per account per 15 min; sign-ups per address."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session, select

from todo_app.auth import throttle
from todo_app.db import get_engine, session_scope
from todo_app.errors import Throttled
from todo_app.models import AuthSession, SignInFailure, User, utcnow

pytestmark = pytest.mark.usefixtures("db")

T0 = utcnow().replace(microsecond=0)
EMAIL = "ann@example.com"
IP = "203.0.113.7"


def _fail(email: str = EMAIL, ip: str = IP, at: datetime = T0, times: int = 1) -> None:
    """Attempts that turned out wrong: reserved and committed."""
    for _ in range(times):
        with session_scope() as s:
            throttle.reserve_sign_in(s, email, ip, now=at)


def _retry_after(email: str = EMAIL, ip: str = IP, at: datetime = T0) -> int | None:
    """None when an attempt would be let through, else its Retry-After; counts nothing."""
    with Session(get_engine()) as s:
        try:
            throttle.reserve_sign_in(s, email, ip, now=at)
        except Throttled as exc:
            return exc.retry_after
        finally:
            s.rollback()
    return None


def _keys() -> list[str]:
    with session_scope() as s:
        return sorted(s.exec(select(SignInFailure.key)).all())


def _signed_in_before(email: str, ip: str, at: datetime = T0 - timedelta(days=3)) -> None:
    with session_scope() as s:
        user = User(email=email, name="Ann", password_hash="x")
        s.add(user)
        s.flush()
        s.add(
            AuthSession(
                user_id=user.id, created_at=at, last_seen_at=at, expires_at=at, ip_address=ip
            )
        )


# --- per account and address ----------------------------------------------------------------


def test_five_failures_are_allowed_the_sixth_attempt_waits_15_minutes() -> None:
    _fail(times=4)
    assert _retry_after() is None
    _fail()
    assert _retry_after() == 900
    assert _retry_after(at=T0 + timedelta(minutes=10)) == 300


def test_a_refused_attempt_is_not_counted() -> None:
    _fail(times=5)
    with pytest.raises(Throttled), session_scope() as s:
        throttle.reserve_sign_in(s, EMAIL, IP, now=T0)
    assert len(_keys()) == 15  # pair, account and address rows of the five failures


def test_retry_after_is_never_more_than_the_window() -> None:
    _fail(times=5, at=T0 + timedelta(seconds=2))  # counted by an attempt whose clock is behind
    assert _retry_after() == 900


def test_retry_after_counts_from_the_oldest_failure_in_the_window() -> None:
    for minute in range(5):
        _fail(at=T0 + timedelta(minutes=minute))
    assert _retry_after(at=T0 + timedelta(minutes=5)) == 10 * 60


def test_window_slides_as_old_failures_age_out() -> None:
    for minute in range(5):
        _fail(at=T0 + timedelta(minutes=minute))
    just_before = T0 + timedelta(minutes=15) - timedelta(milliseconds=500)
    assert _retry_after(at=just_before) == 1  # rounded up, never 0
    at_limit = T0 + timedelta(minutes=15)
    assert _retry_after(at=at_limit) is None
    _fail(at=at_limit)  # the window again holds five failures: minutes 1-4 and 15
    assert _retry_after(at=at_limit) == 60


def test_failures_count_per_email_case_insensitively() -> None:
    _fail(email="Ann@Example.COM", times=3)
    _fail(email="  ann@example.com ", times=2)
    assert _retry_after(email="ANN@example.com") == 900
    assert _retry_after(email="bob@example.com") is None


def test_an_attacker_at_one_address_does_not_stop_the_account_at_another() -> None:
    _fail(times=5)
    assert _retry_after() == 900
    assert _retry_after(ip="198.51.100.1") is None


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    for host in range(5):
        _fail(ip=f"2001:db8:1:2::{host + 1:x}")
    assert _retry_after(ip="2001:db8:1:2:ffff::1") == 900
    assert _retry_after(ip="2001:db8:1:3::1") is None


@pytest.mark.parametrize(
    ("ip", "client"),
    [
        (" 203.0.113.7 ", "203.0.113.7"),
        ("2001:DB8::1", "2001:db8::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        ("", ""),
    ],
)
def test_client_address(ip: str, client: str) -> None:
    assert throttle.client_address(ip) == client


# --- per account, from anywhere ---------------------------------------------------------------


def test_a_hundred_failures_from_many_addresses_stop_the_account_for_the_hour() -> None:
    for n in range(100):
        _fail(ip=f"198.51.{n // 4}.{n}", at=T0 + timedelta(seconds=n))
    assert _retry_after(ip="192.0.2.200", at=T0 + timedelta(seconds=100)) == 3600 - 100
    assert _retry_after(ip="192.0.2.200", at=T0 + timedelta(hours=1)) is None
    assert _retry_after(email="bob@example.com", ip="192.0.2.200") is None


def test_ninety_nine_failures_from_many_addresses_are_allowed() -> None:
    for n in range(99):
        _fail(ip=f"198.51.{n // 4}.{n}")
    assert _retry_after(ip="192.0.2.200") is None


def test_the_ceiling_spares_an_address_the_account_signed_in_from() -> None:
    _signed_in_before(EMAIL, "192.0.2.50")
    for n in range(100):
        _fail(ip=f"198.51.{n // 4}.{n}")
    assert _retry_after(ip="192.0.2.50") is None
    assert _retry_after(ip="192.0.2.51") == 3600
    # Only the account's own sign-ins make an address known.
    _signed_in_before("bob@example.com", "192.0.2.60")
    assert _retry_after(ip="192.0.2.60") == 3600


def test_a_known_address_still_has_its_own_limit() -> None:
    _signed_in_before(EMAIL, IP)
    _fail(times=5)
    assert _retry_after() == 900


def test_a_known_address_is_forgotten_after_90_days() -> None:
    _signed_in_before(EMAIL, "192.0.2.50", at=T0 - timedelta(days=91))
    for n in range(100):
        _fail(ip=f"198.51.{n // 4}.{n}")
    assert _retry_after(ip="192.0.2.50") == 3600


# --- per address ---------------------------------------------------------------------------


def test_twenty_failures_from_one_address_within_a_minute_refuse_that_address() -> None:
    for n in range(20):
        _fail(email=f"user{n}@example.com", at=T0 + timedelta(seconds=n))
    assert _retry_after(email="new@example.com", at=T0 + timedelta(seconds=20)) == 40
    assert _retry_after(email="new@example.com", ip="198.51.100.1", at=T0) is None
    assert _retry_after(email="new@example.com", at=T0 + timedelta(seconds=60)) is None


def test_nineteen_failures_from_one_address_are_allowed() -> None:
    for n in range(19):
        _fail(email=f"user{n}@example.com")
    assert _retry_after(email="new@example.com") is None


def test_no_address_means_no_address_counter_but_still_a_pair() -> None:
    _fail(ip="", times=4)
    assert _keys() == [f"email:{EMAIL}"] * 4 + [f"pair:{EMAIL} "] * 4
    assert _retry_after(ip="") is None
    _fail(ip="")
    assert _retry_after(ip="") == 900


def test_when_both_limits_apply_the_longer_wait_is_given() -> None:
    _fail(times=5)
    for n in range(15):
        _fail(email=f"user{n}@example.com")
    assert _retry_after(email="bob@example.com") == 60
    assert _retry_after() == 900


# --- taking attempts back, clearing and pruning ------------------------------------------------


def test_a_success_takes_its_attempt_back_and_forgets_the_pair_but_not_the_account() -> None:
    _fail(times=4)
    with session_scope() as s:
        attempt = throttle.reserve_sign_in(s, " ANN@example.com", IP, now=T0)
    with session_scope() as s:
        attempt.succeed(s, now=T0)
    # Failures stay on the account's hourly ceiling: a success must not reset an attacker's
    # budget there. The address counter keeps them too.
    assert _keys() == [f"email:{EMAIL}"] * 4 + [f"ip:{IP}"] * 4
    _fail(times=4)
    assert _retry_after() is None


def test_release_takes_back_only_its_own_rows() -> None:
    _fail(times=2)
    with session_scope() as s:
        attempt = throttle.reserve_sign_in(s, EMAIL, IP, now=T0)
    with session_scope() as s:
        attempt.release(s)
    assert len(_keys()) == 6


def test_clear_forgets_the_email_but_not_the_address() -> None:
    _fail(times=3)
    _fail(ip="198.51.100.1", times=2)
    _fail(email="ann@example.co", times=1)  # a prefix of the email: not the same account
    _fail(email="ann@example.com.x", times=1)
    with session_scope() as s:
        throttle.clear(s, " ANN@example.com", now=T0)
    assert _retry_after() is None
    assert _keys() == sorted(
        [f"ip:{IP}"] * 5
        + ["ip:198.51.100.1"] * 2
        + ["email:ann@example.co", f"pair:ann@example.co {IP}"]
        + ["email:ann@example.com.x", f"pair:ann@example.com.x {IP}"]
    )


def test_prune_deletes_only_failures_too_old_to_count() -> None:
    _fail(at=T0 - timedelta(minutes=61))
    _fail(at=T0 - timedelta(minutes=59))
    with session_scope() as s:
        assert throttle.prune(s, now=T0) == 3  # the old pair, account and address rows
    assert len(_keys()) == 3


def test_recording_prunes_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "PRUNE_EVERY", 6)
    _fail(at=T0 - timedelta(hours=2))  # rows 1-3
    _fail(at=T0)  # rows 4-6: row 6 triggers the prune
    assert _keys() == [f"email:{EMAIL}", f"ip:{IP}", f"pair:{EMAIL} {IP}"]


def test_very_long_keys_are_cut_to_the_column_size() -> None:
    _fail(email="a" * 400 + "@example.com")
    assert max(len(key) for key in _keys()) == throttle.KEY_MAX


# --- re-entering the password while signed in --------------------------------------------------


def _confirm(user_id: uuid.UUID, at: datetime = T0) -> throttle.Reservation:
    with session_scope() as s:
        return throttle.reserve_confirm(s, user_id, EMAIL, now=at)


def test_five_wrong_re_entries_per_account_then_15_minutes_wait() -> None:
    user_id = uuid.uuid4()
    for _ in range(5):
        _confirm(user_id)
    with pytest.raises(Throttled) as refused:
        _confirm(user_id, at=T0 + timedelta(minutes=5))
    assert refused.value.retry_after == 600
    _confirm(uuid.uuid4())  # another account's session is not held back


def test_re_entries_and_sign_ins_do_not_lock_each_other_but_share_the_ceiling() -> None:
    user_id = uuid.uuid4()
    _fail(times=5)
    _confirm(user_id)  # a sign-in attacker does not stop the owner deleting the account
    for n in range(94):
        _fail(ip=f"198.51.{n // 4}.{n}")
    assert _retry_after(ip="192.0.2.200") == 3600  # 100 with the re-entry
    # A signed-in user is past the ceiling (the session is the strongest "known device").
    for _ in range(4):
        _confirm(user_id)


def test_a_right_re_entry_clears_its_counter() -> None:
    user_id = uuid.uuid4()
    for _ in range(4):
        _confirm(user_id)
    with session_scope() as s:
        _confirm(user_id).succeed(s, now=T0)
    for _ in range(5):
        _confirm(user_id)


# --- the public reservation, and sign-ups --------------------------------------------------------


def test_reserve_is_usable_for_other_rules() -> None:
    rule = throttle.Rule("reset:", 2, timedelta(hours=1))
    for _ in range(2):
        with session_scope() as s:
            throttle.reserve(s, [(rule, "ann@example.com")], now=T0)
    with pytest.raises(Throttled) as refused, session_scope() as s:
        throttle.reserve(s, [(rule, "ann@example.com")], now=T0 + timedelta(minutes=1))
    assert refused.value.retry_after == 59 * 60
    assert _keys() == ["reset:ann@example.com"] * 2


def test_sign_ups_per_address_are_limited(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from todo_app.auth import service
    from todo_app.settings import get_settings

    limited = dataclasses.replace(get_settings(), sign_ups_per_hour=3)
    monkeypatch.setattr(throttle, "get_settings", lambda: limited)
    for i in range(3):
        service.sign_up(f"u{i}@example.com", "correct horse battery", ip="10.0.0.1")
    with pytest.raises(Throttled) as refused:
        service.sign_up("u9@example.com", "correct horse battery", ip="10.0.0.1")
    assert 3590 <= refused.value.retry_after <= 3600
    assert "Too many attempts" in refused.value.message
    # Another address, and a caller with no address (a script in-process), are not limited.
    service.sign_up("elsewhere@example.com", "correct horse battery", ip="10.0.0.2")
    service.sign_up("local@example.com", "correct horse battery", ip="")
