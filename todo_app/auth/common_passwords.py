"""The passwords attackers try first (OWASP ASVS 6.2.4): refused at sign-up and on every change.

``common_passwords.txt.gz`` holds the 8,354 entries of Django 5.2's ``common-passwords.txt.gz``
(BSD-3-Clause; Django's list is Royce Williams' 20,000 most common passwords, lowercased and
deduplicated: https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce) that are
8 to 128 characters long: shorter and longer ones are refused by length already. Made with
``pip download django==5.2.19 --no-deps``, then keeping, in Django's order (most common
first), each line ``p`` with ``8 <= len(p) <= 128``, written with ``gzip`` (mtime 0).
"""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

LIST_PATH = Path(__file__).with_name("common_passwords.txt.gz")


@functools.cache
def _common() -> frozenset[str]:
    """Read once, on the first check (38 kB compressed, ~0.5 MB as a set), not at import."""
    with gzip.open(LIST_PATH, "rt", encoding="utf-8") as lines:
        return frozenset(_key(line) for line in lines if line.strip())


def _key(password: str) -> str:
    # Django's list is lowercased; "Password" and " password " are as guessable as "password".
    return password.strip().casefold()


def is_common(password: str) -> bool:
    """True if the password, ignoring case and surrounding spaces, is on the list."""
    return _key(password) in _common()
