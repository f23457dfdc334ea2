"""The sessions list on /account in words: which device, and how long ago it was used."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime

from todo_app.auth.service import SessionInfo

_BROWSERS = (  # first match wins: Edge and Opera also say "Chrome/", Chrome says "Safari/"
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (  # first match wins: iOS and Android also say "Mac OS X" and "Linux"
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_PRODUCT = re.compile(r"[A-Za-z][\w.-]*")


def _first(table: tuple[tuple[str, str], ...], user_agent: str) -> str | None:
    return next((label for key, label in table if key in user_agent), None)


def describe_user_agent(user_agent: str) -> str:
    """A short name for the device a session came from, like "Chrome on Linux"."""
    browser, system = _first(_BROWSERS, user_agent), _first(_SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"Browser on {system}"
    if browser:
        return browser
    # An API client ("curl/8.5", "python-httpx/0.28"): its product name says most.
    product = _PRODUCT.match(user_agent.strip())
    return product.group(0)[:40] if product else "Unknown device"


def describe_last_seen(when: datetime, now: datetime) -> str:
    """How long ago, in words a person reads at a glance."""
    seconds = max(0, int((now - when).total_seconds()))
    if seconds < 120:
        return "Active now"
    unit, size = next(
        (unit, size)
        for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60))
        if seconds >= size
    )
    count = seconds // size
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


@dataclasses.dataclass(frozen=True)
class SessionRow:
    """One line of the sessions list, ready to render."""

    id: str
    device: str
    last_seen: str
    last_seen_iso: str
    ip_address: str
    current: bool


def session_row(info: SessionInfo, now: datetime) -> SessionRow:
    return SessionRow(
        id=str(info.id),
        device=describe_user_agent(info.user_agent),
        last_seen=describe_last_seen(info.last_seen_at, now),
        last_seen_iso=info.last_seen_at.isoformat(),
        ip_address=info.ip_address,
        current=info.current,
    )
