"""Races for real: calls on one thread each, released together, with a bcrypt-like delay.

The password check is slowed to a realistic bcrypt time so every call is in flight at once; on
the test's fast hash (cost 4) the old check-then-record throttle only lost some races.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from todo_app.auth import passwords

CHECK_SECONDS = 0.05
T = TypeVar("T")


def slow_down_password_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    verify, burn = passwords.verify_password, passwords.burn_time

    def slow_verify(password: str, password_hash: str) -> bool:
        time.sleep(CHECK_SECONDS)
        return verify(password, password_hash)

    def slow_burn(password: str) -> None:
        time.sleep(CHECK_SECONDS)
        burn(password)

    monkeypatch.setattr(passwords, "verify_password", slow_verify)
    monkeypatch.setattr(passwords, "burn_time", slow_burn)


def race(calls: list[Callable[[], T]]) -> list[T | Exception]:
    """Each call's result or exception, in the order they finished."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[T | Exception] = []
    lock = threading.Lock()

    def run(call: Callable[[], T]) -> None:
        barrier.wait()
        try:
            outcome: T | Exception = call()
        except Exception as exc:  # any error must show in the outcomes
            outcome = exc
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(calls), "a call did not finish"
    return outcomes
