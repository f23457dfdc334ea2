"""Password hashing: pre-hashed bcrypt, never truncated, never raising on bad hashes."""

from __future__ import annotations

import bcrypt
import pytest

from todo_app.auth import passwords
from todo_app.settings import get_settings


def test_hash_then_verify_accepts_only_the_same_password() -> None:
    hashed = passwords.hash_password("correct horse battery staple")
    assert passwords.verify_password("correct horse battery staple", hashed)
    assert not passwords.verify_password("correct horse battery stapl", hashed)
    assert not passwords.verify_password("Correct horse battery staple", hashed)


def test_hash_is_salted_and_uses_the_configured_cost() -> None:
    first = passwords.hash_password("same password")
    second = passwords.hash_password("same password")
    assert first != second
    assert first.startswith(f"$2b${get_settings().bcrypt_rounds:02d}$")
    assert "same password" not in first


def test_passwords_differing_only_after_byte_72_do_not_match() -> None:
    base = "x" * 99
    one, other = base + "a" + "tail", base + "b" + "tail"
    assert len(one.encode()) > 72
    hashed = passwords.hash_password(one)
    assert passwords.verify_password(one, hashed)
    assert not passwords.verify_password(other, hashed)


@pytest.mark.parametrize("password", ["p" * 128, "é" * 128, "🔑" * 128])
def test_a_128_character_password_of_any_width_works(password: str) -> None:
    hashed = passwords.hash_password(password)
    assert passwords.verify_password(password, hashed)
    assert not passwords.verify_password(password[:-1], hashed)


def test_a_lone_surrogate_hashes_instead_of_crashing() -> None:
    password = "abc\ud800defgh"
    assert passwords.verify_password(password, passwords.hash_password(password))


@pytest.mark.parametrize(
    "hashed", ["", "not a hash", "$2b$04$short", "$2b$04$" + "é" * 53, "$1$abc$def"]
)
def test_a_malformed_hash_is_a_mismatch_not_an_error(hashed: str) -> None:
    assert passwords.verify_password("whatever password", hashed) is False


def test_needs_rehash_only_when_the_cost_differs() -> None:
    current = passwords.hash_password("a password")
    other_cost = get_settings().bcrypt_rounds + 1
    old = bcrypt.hashpw(b"anything", bcrypt.gensalt(rounds=other_cost)).decode()
    assert not passwords.needs_rehash(current)
    assert passwords.needs_rehash(old)
    assert not passwords.needs_rehash("garbage")


def test_burn_time_does_one_bcrypt_check_against_a_cached_dummy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    passwords._dummy_hash.cache_clear()
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw

    def spy(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real_checkpw(password, hashed)

    monkeypatch.setattr(passwords.bcrypt, "checkpw", spy)
    passwords.burn_time("guess one")
    passwords.burn_time("guess two")
    assert len(checked) == 2
    assert checked[0] == checked[1]  # made once, reused
    assert checked[0].startswith(f"$2b${get_settings().bcrypt_rounds:02d}$".encode())


def test_hashing_runs_on_at_most_all_but_one_core(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    import bcrypt as real_bcrypt

    from todo_app.auth import passwords

    running = 0
    peak = 0
    lock = threading.Lock()
    real_hashpw = real_bcrypt.hashpw

    def slow_hashpw(pw: bytes, salt: bytes) -> bytes:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return real_hashpw(pw, salt)

    monkeypatch.setattr(passwords.bcrypt, "hashpw", slow_hashpw)
    threads = [
        threading.Thread(target=passwords.hash_password, args=(f"password {i}",)) for i in range(6)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == passwords.HASH_CONCURRENCY
    assert passwords.HASH_CONCURRENCY >= 1
