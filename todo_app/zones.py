"""Time zones: which IANA names a user may choose, and the check of one. Pure: no database.

Accounts (a user's zone) and tasks ("today", a due time's instant) both reckon in these
zones, so the rule stands below both.
"""

from __future__ import annotations

import functools
import zoneinfo
from typing import Any

from todo_app.errors import InvalidInput
from todo_app.limits import TIME_ZONE_MAX


@functools.cache
def time_zones() -> frozenset[str]:
    """IANA zone names ("localtime" is this server's own setting, "Factory" a placeholder)."""
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}


def validate_time_zone(name: Any) -> str:
    """An IANA zone name ("Europe/Berlin"), as the tz database spells it."""
    if not isinstance(name, str):
        raise InvalidInput({"time_zone": "Time zone must be text"})
    zone = name.strip()
    if len(zone) > TIME_ZONE_MAX or zone not in time_zones():
        raise InvalidInput({"time_zone": "Time zone must be an IANA name such as Europe/Berlin"})
    return zone
