"""Sign-in throttling: 5 failures per email per 15 min, 20 per address per minute."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlmodel import select

from todo_app.auth import throttle
from todo_app.db import session_scope
from todo_app.errors import Throttled
from todo_app.models import SignInFailure, utcnow

pytestmark = pytest.mark.usefixtures("db")

T0 = utcnow().replace(microsecond=0)
EMAIL = "ann@example.com"
IP = "203.0.113.7"


def _fail(email: str = EMAIL, ip: str = IP, at: datetime = T0, times: int = 1) -> None:
    with session_scope() as s:
        for _ in range(times):
            throttle.record_failure(s, email, ip, now=at)


def _retry_after(email: str = EMAIL, ip: str = IP, at: datetime = T0) -> int | None:
    """None when allowed, else the Retry-After the check gave."""
    with session_scope() as s:
        try:
            throttle.check(s, email, ip, now=at)
        except Throttled as exc:
            return exc.retry_after
    return None


def _keys() -> list[str]:
    with session_scope() as s:
        return list(s.exec(select(SignInFailure.key)).all())


def test_four_failures_are_allowed_the_fifth_refuses_for_15_minutes() -> None:
    _fail(times=4)
    assert _retry_after() is None
    _fail()
    assert _retry_after() == 900
    assert _retry_after(at=T0 + timedelta(minutes=10)) == 300


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


def test_no_address_means_no_address_counter() -> None:
    _fail(ip="", times=4)
    assert _keys() == ["email:ann@example.com"] * 4
    assert _retry_after(ip="") is None


def test_when_both_limits_apply_the_longer_wait_is_given() -> None:
    _fail(times=20)
    assert _retry_after() == 900


def test_clear_forgets_the_email_but_not_the_address() -> None:
    _fail(times=5)
    with session_scope() as s:
        throttle.clear(s, " ANN@example.com")
    assert _retry_after(ip="") is None
    assert _keys() == [f"ip:{IP}"] * 5


def test_prune_deletes_only_failures_too_old_to_count() -> None:
    _fail(at=T0 - timedelta(minutes=16))
    _fail(at=T0 - timedelta(minutes=14))
    with session_scope() as s:
        assert throttle.prune(s, now=T0) == 2  # the old email and address rows
    assert len(_keys()) == 2


def test_recording_prunes_now_and_then(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle, "PRUNE_EVERY", 4)
    _fail(at=T0 - timedelta(hours=1))  # rows 1, 2
    _fail(at=T0)  # rows 3, 4: row 4 triggers the prune
    assert _keys() == [f"email:{EMAIL}", f"ip:{IP}"]


def test_very_long_keys_are_cut_to_the_column_size() -> None:
    _fail(email="a" * 400 + "@example.com")
    assert max(len(key) for key in _keys()) == throttle.KEY_MAX


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
