"""Concurrent guesses: real threads, each on its own database connection, started together.

The password check is slowed to a realistic bcrypt time, so every guess is in flight at once:
counting a failure only after the check let all of them through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import select

from todo_app.auth import passwords, service, throttle
from todo_app.db import session_scope
from todo_app.errors import Throttled
from todo_app.models import SignInFailure, utcnow

pytestmark = pytest.mark.usefixtures("db")

PASSWORD = "correct horse battery"
EMAIL = "ann@example.com"
GUESSES = 12
CHECK_SECONDS = 0.05


@pytest.fixture(autouse=True)
def slow_password_check(monkeypatch: pytest.MonkeyPatch) -> None:
    verify, burn = passwords.verify_password, passwords.burn_time

    def slow_verify(password: str, password_hash: str) -> bool:
        time.sleep(CHECK_SECONDS)
        return verify(password, password_hash)

    def slow_burn(password: str) -> None:
        time.sleep(CHECK_SECONDS)
        burn(password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    monkeypatch.setattr(passwords, "burn_time", slow_burn)


def race(calls: list[Callable[[], object]]) -> Counter[str]:
    """Run the calls on one thread each, released together; how many ended each way."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            call()
            outcome = "ok"
        except Exception as exc:  # any other error must show in the count
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(calls)
    return Counter(outcomes)


def test_concurrent_wrong_guesses_from_one_address_pass_only_the_limit() -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    outcomes = race([lambda: service.sign_in(EMAIL, "wrong password", ip="192.0.2.1")] * GUESSES)
    assert outcomes == {
        "InvalidCredentials": throttle.PAIR_RULE.limit,
        "Throttled": GUESSES - throttle.PAIR_RULE.limit,
    }
    with pytest.raises(Throttled) as refused:
        service.sign_in(EMAIL, PASSWORD, ip="192.0.2.1")
    assert 895 <= refused.value.retry_after <= 900
    # The owner elsewhere is not locked out.
    assert service.sign_in(EMAIL, PASSWORD, ip="198.51.100.9").user.email == EMAIL


def test_concurrent_guesses_at_an_unknown_email_pass_only_the_limit() -> None:
    outcomes = race([lambda: service.sign_in("nobody@example.com", "guess", ip="192.0.2.1")] * 8)
    assert outcomes == {"InvalidCredentials": 5, "Throttled": 3}


def test_a_right_password_among_concurrent_guesses_is_not_a_failure() -> None:
    service.sign_up(EMAIL, PASSWORD, "Ann")
    wrong = [lambda: service.sign_in(EMAIL, "wrong password", ip="192.0.2.1")] * 3
    right = [lambda: service.sign_in(EMAIL, PASSWORD, ip="192.0.2.1")] * 2
    assert race(wrong + right) == {"InvalidCredentials": 3, "ok": 2}
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
    assert race(calls) == {"InvalidCredentials": 10, "Throttled": 6}
    with pytest.raises(Throttled) as refused:
        service.sign_in(EMAIL, PASSWORD, ip="192.0.2.77")
    assert 3595 <= refused.value.retry_after <= 3600


def test_concurrent_reservations_of_one_rule_pass_only_the_limit() -> None:
    rule = throttle.Rule("reset:", 3, timedelta(hours=1))
    now = utcnow()

    def reserve() -> None:
        with session_scope() as s:
            throttle.reserve(s, [(rule, EMAIL)], now)

    assert race([reserve] * GUESSES) == {"ok": 3, "Throttled": GUESSES - 3}


def test_concurrent_re_entries_of_the_password_pass_only_the_limit() -> None:
    signed = service.sign_up(EMAIL, PASSWORD, "Ann")
    calls = [lambda: service.delete_account(signed.user.id, "wrong password")] * 9
    assert race(calls) == {"InvalidInput": 5, "Throttled": 4}
