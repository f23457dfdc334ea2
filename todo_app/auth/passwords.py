"""Password hashing: bcrypt over a SHA-256 pre-hash.

bcrypt reads at most 72 bytes (bcrypt 5 raises past that), so the password is first reduced to
base64(sha256(password)): 44 bytes without NUL, whatever the length. Long passwords are never
cut, and two that differ only after byte 72 never match.
"""

from __future__ import annotations

import base64
import hashlib
import os
import threading
from functools import lru_cache

import bcrypt

from todo_app.settings import get_settings

# A string that is never anyone's password; only its hash's cost matters.
_DUMMY_PASSWORD = "dummy password for timing equality"  # noqa: S105

# bcrypt is pure CPU in the server's own process. Hashing on every core at once starves the
# event loop (bench/README.md: 8 concurrent sign-ins made other users' clicks 8x slower), so at
# most all-but-one cores hash at a time; further sign-ins wait their turn, costing no CPU.
HASH_CONCURRENCY = max(1, (os.cpu_count() or 2) - 1)
_hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)


def _prehash(password: str) -> bytes:
    # surrogatepass: a lone surrogate (valid in JSON) must hash, not crash the request.
    digest = hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest()
    return base64.b64encode(digest)


def hash_password(password: str) -> str:
    """A salted bcrypt hash at the configured cost, as text for the database."""
    salt = bcrypt.gensalt(rounds=get_settings().bcrypt_rounds)
    with _hashing:
        return bcrypt.hashpw(_prehash(password), salt).decode("ascii")


def verify_password(password: str, hashed: str) -> bool:
    """True if ``password`` matches ``hashed``; False (never an error) for a malformed hash."""
    try:
        with _hashing:
            return bcrypt.checkpw(_prehash(password), hashed.encode("ascii"))
    except (ValueError, TypeError, AttributeError, UnicodeError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True when ``hashed`` was made at another cost than the configured one (upgrade it)."""
    parts = hashed.split("$")
    if len(parts) != 4 or not parts[2].isdigit():
        return False
    return int(parts[2]) != get_settings().bcrypt_rounds


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(_DUMMY_PASSWORD)


def burn_time(password: str) -> None:
    """Spend the bcrypt work of one real check, so an unknown email answers no faster."""
    verify_password(password, _dummy_hash())
