"""Concurrent guesses: real threads, each on its own database connection, started together.

Counting a failure only after the (slow) password check let every guess in flight through.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.races import race, slow_down_password_checks
from todo_app.auth import service, throttle
from todo_app.db import session_scope
from todo_app.errors import Throttled
from todo_app.models import SignInFailure, utcnow

pytestmark = pytest.mark.usefixtures("db")

PASSWORD = "correct horse battery"
EMAIL = "ann@example.com"
GUESSES = 12


@pytest.fixture(autouse=True)
def slow_password_check(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_down_password_checks(monkeypatch)


def outcomes(calls: list[Callable[[], object]]) -> Counter[str]:
    """How many calls ended each way: "ok" or the exception's class name."""
    return Counter(
        type(out).__name__ if isinstance(out, Exception) else "ok" for out in race(calls)
    )


def test_concurrent_wrong_guesses_from_one_address_pass_only_the_limit() -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    counted = outcomes([lambda: service.sign_in(EMAIL, "wrong password", ip="192.0.2.1")] * GUESSES)
    assert counted == {
        "InvalidCredentials": throttle.PAIR_RULE.limit,
        "Throttled": GUESSES - throttle.PAIR_RULE.limit,
    }
    with pytest.raises(Throttled) as refused:
        service.sign_in(EMAIL, PASSWORD, ip="192.0.2.1")
    assert 895 <= refused.value.retry_after <= 900
    # The owner elsewhere is not locked out.
    assert service.sign_in(EMAIL, PASSWORD, ip="198.51.100.9").user.email == EMAIL


def test_concurrent_guesses_at_an_unknown_email_pass_only_the_limit() -> None:
    counted = outcomes([lambda: service.sign_in("nobody@example.com", "guess", ip="192.0.2.1")] * 8)
    assert counted == {"InvalidCredentials": 5, "Throttled": 3}


def test_a_right_password_among_concurrent_guesses_is_not_a_failure() -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    wrong = [lambda: service.sign_in(EMAIL, "wrong password", ip="192.0.2.1")] * 3
    right = [lambda: service.sign_in(EMAIL, PASSWORD, ip="192.0.2.1")] * 2
    assert outcomes(wrong + right) == {"InvalidCredentials": 3, "ok": 2}
    with session_scope() as s:
        kept = s.exec(select(SignInFailure.key).where(SignInFailure.key == f"email:{EMAIL}"))
        assert len(kept.all()) == 3  # the account keeps exactly the wrong ones


def test_concurrent_guesses_from_many_addresses_stop_at_the_account_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT_RULE", throttle.Rule("email:", 10, timedelta(hours=1)))
    service.sign_up(EMAIL, PASSWORD, "Ann")
    calls = [
        (lambda n=n: service.sign_in(EMAIL, "wrong password", ip=f"198.51.100.{n}"))
        for n in range(16)
    ]
    assert outcomes(calls) == {"InvalidCredentials": 10, "Throttled": 6}
    with pytest.raises(Throttled) as refused:
        service.sign_in(EMAIL, PASSWORD, ip="192.0.2.77")
    assert 3595 <= refused.value.retry_after <= 3600


def test_concurrent_reservations_of_one_rule_pass_only_the_limit() -> None:
    rule = throttle.Rule("reset:", 3, timedelta(hours=1))
    now = utcnow()

    def reserve() -> None:
        with session_scope() as s:
            throttle.reserve(s, [(rule, EMAIL)], now)

    assert outcomes([reserve] * GUESSES) == {"ok": 3, "Throttled": GUESSES - 3}


def test_concurrent_re_entries_of_the_password_pass_only_the_limit() -> None:
    signed = service.sign_up(EMAIL, PASSWORD, "Ann")
    calls = [lambda: service.delete_account(signed.user.id, "wrong password")] * 9
    assert outcomes(calls) == {"InvalidInput": 5, "Throttled": 4}
