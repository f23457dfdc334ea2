"""What a valid email address, password and display name are: the account rules, once.

Pure: no database, no Reflex. Sign-up, sign-in, a password change or reset, and the API's
documented limits all read them from here. Each ``*_problem`` returns the message a person
reads, or None; ``normalize_email``, ``validate_password`` and ``validate_name`` raise
``InvalidInput`` naming the field.
"""

from __future__ import annotations

from todo_app import text
from todo_app.auth import common_passwords
from todo_app.errors import InvalidInput
from todo_app.limits import EMAIL_MAX, NAME_MAX

PASSWORD_MIN = 8
PASSWORD_MAX = 128
INVALID_EMAIL = "Enter a valid email address, like name@example.com"
# Messages, not passwords (ruff's S105 goes by the names).
PASSWORD_COMMON = "This password is one of the most common; choose one that is harder to guess"  # noqa: S105
PASSWORD_BLANK = "Password must not be only spaces"  # noqa: S105
PASSWORD_REPEATED = "Password must not be one character repeated"  # noqa: S105


def email_problem(email: str) -> str | None:
    if not email:
        return "Enter your email address"
    if len(email) > EMAIL_MAX:
        return f"Email must be at most {EMAIL_MAX} characters"
    local, _, domain = email.partition("@")
    labels = domain.split(".")
    if (
        email.count("@") != 1
        or not local
        or len(labels) < 2
        or not all(labels)
        or any(char.isspace() for char in email)
        or text.has_control_characters(email)
        # Refused, not stripped: an address is a key, and the sign-in throttle keys on the
        # address as typed; "ann<ZWSP>@..." must not reach ann's account under a fresh key.
        or text.has_invisible(email)
    ):
        return INVALID_EMAIL
    return None


def password_problem(password: str, email: str) -> str | None:
    """The one password rule (sign-up, change, reset): long enough, and not among the first
    guesses of an attacker (the common list, blanks, one key held down, the email)."""
    if len(password) < PASSWORD_MIN:
        return f"Password must be at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"Password must be at most {PASSWORD_MAX} characters"
    distinct = set(password.strip())
    if not distinct:
        return PASSWORD_BLANK
    if len(distinct) == 1:
        return PASSWORD_REPEATED
    if email.strip() and password.casefold() == email.strip().casefold():
        return "Password must not be your email address"
    if common_passwords.is_common(password):
        return PASSWORD_COMMON
    return None


def name_problem(name: str) -> str | None:
    if len(name) > NAME_MAX:
        return f"Name must be at most {NAME_MAX} characters"
    return text.control_problem(name, "Name")


def normalize_email(email: str) -> str:
    """Trimmed and lower-cased (the stored form), or ``InvalidInput`` if it cannot be one."""
    normalized = email.strip().lower()
    if problem := email_problem(normalized):
        raise InvalidInput({"email": problem})
    return normalized


def validate_password(password: str, email: str) -> None:
    """Length and guessability only (no composition rules, per OWASP ASVS 6.2)."""
    if problem := password_problem(password, email):
        raise InvalidInput({"password": problem})


def validate_name(name: str | None, email: str) -> str:
    """The trimmed display name, without invisible characters (``todo_app.text``); without
    one, the part of the email before the @."""
    cleaned = text.strip_invisible(name or "").strip()
    if problem := name_problem(cleaned):
        raise InvalidInput({"name": problem})
    return cleaned or email.strip().partition("@")[0][:NAME_MAX]
