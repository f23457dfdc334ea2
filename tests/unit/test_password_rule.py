"""The password rule (ASVS 6.2): length, and none of an attacker's first guesses."""

from __future__ import annotations

import gzip

import pytest

from tests import factories
from todo_app.auth import common_passwords, credentials, service
from todo_app.errors import InvalidInput


def problem(password: str, email: str = "ann@example.com") -> str:
    with pytest.raises(InvalidInput) as caught:
        credentials.validate_password(password, email)
    return caught.value.fields["password"]


def test_the_bundled_list_holds_only_passwords_the_length_rule_lets_through() -> None:
    with gzip.open(common_passwords.LIST_PATH, "rt", encoding="utf-8") as lines:
        entries = [line.rstrip("\n") for line in lines]
    assert 8_000 <= len(entries) <= 10_000
    assert all(credentials.PASSWORD_MIN <= len(p) <= credentials.PASSWORD_MAX for p in entries)
    assert entries[:3] == ["123456789", "password", "12345678"]  # most common first


@pytest.mark.parametrize(
    "password", ["password", "12345678", "password1234", "qwertyuiop", "iloveyou1", "1q2w3e4r5t"]
)
def test_common_passwords_are_refused(password: str) -> None:
    assert problem(password) == credentials.PASSWORD_COMMON


@pytest.mark.parametrize("password", ["PassWord", "  password  ", "QWERTYUIOP"])
def test_case_and_surrounding_spaces_do_not_make_a_common_password_uncommon(password: str) -> None:
    assert problem(password) == credentials.PASSWORD_COMMON


@pytest.mark.parametrize("password", [" " * 8, "\t" * 4 + " " * 4, " " * 128])
def test_a_password_of_only_spaces_is_refused(password: str) -> None:
    assert problem(password) == credentials.PASSWORD_BLANK


@pytest.mark.parametrize("password", ["x" * 8, "🔑" * 8, "  zzzzzzzz  ", "0" * 128])
def test_one_character_repeated_is_refused(password: str) -> None:
    assert problem(password) == credentials.PASSWORD_REPEATED


def test_length_is_still_checked_first() -> None:
    assert problem("passwor") == "Password must be at least 8 characters"
    assert problem(" " * 129) == "Password must be at most 128 characters"


def test_the_passwords_the_tests_sign_up_with_are_not_common() -> None:
    for password in (factories.PASSWORD, "correct horse battery", "a brand new passphrase"):
        assert not common_passwords.is_common(password)
        credentials.validate_password(password, "ann@example.com")


@pytest.mark.usefixtures("db")
def test_sign_up_and_change_password_refuse_a_common_password_by_field() -> None:
    """One rule guards every way a password is set; each form names its own field."""
    with pytest.raises(InvalidInput) as caught:
        service.sign_up("ann@example.com", "12345678", "Ann")
    assert caught.value.fields == {"password": credentials.PASSWORD_COMMON}

    account = factories.make_account()
    with pytest.raises(InvalidInput) as caught:
        service.change_password(
            account.id, factories.PASSWORD, "Password1", current_session_id=None
        )
    assert caught.value.fields == {"new_password": credentials.PASSWORD_COMMON}
    assert service.sign_in(account.email, factories.PASSWORD).user.id == account.id
