"""Manual order as fractional-index keys: a task's place among its siblings is a short string
that sorts byte by byte, and a key can always be made between two others, so putting a task
anywhere writes that one task's row, whatever the size of the list.

The keys come from ``fractional-indexing`` (a port of David Greenspan's algorithm, the one
Figma and Linear describe, and the same as npm's ``fractional-indexing``): base-62 digits,
with the prepend/append optimisation, so adding at the top or the bottom, the common case,
keeps keys two or three characters long. Only inserting again and again at one spot in the
middle grows them (about one character per six inserts); a key that would pass
``POSITION_MAX`` asks for its siblings to be spread out again (``spread``), which is rare.
Pure: no database.
"""

from __future__ import annotations

from fractional_indexing import (
    FIError,
    generate_key_between,
    generate_n_keys_between,
    validate_order_key,
)

from todo_app.limits import POSITION_MAX

FIRST = "a0"


class NeedsSpread(Exception):
    """No key fits: the one between would pass ``POSITION_MAX``, or the two bounds are equal
    (two tabs put a task at the same spot at once). Spread the siblings, then ask again."""


def between(before: str | None, after: str | None) -> str:
    """A key after ``before`` and before ``after`` (None: no bound on that side)."""
    if before is not None and after is not None and before >= after:
        raise NeedsSpread(before)
    key = generate_key_between(before, after)
    if len(key) > POSITION_MAX:
        raise NeedsSpread(key)
    return key


def spread(n: int) -> list[str]:
    """``n`` short, evenly made keys in order: the siblings' new keys after a rebalance."""
    return generate_n_keys_between(None, None, n)


def is_key(text: str) -> bool:
    """Whether ``text`` is a key this algorithm could have made."""
    try:
        validate_order_key(text)
    except FIError:
        return False
    return True
