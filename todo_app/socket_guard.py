"""Guards on the websocket: what a browser's error report writes to the log, and how fast a
connection may send.

Anyone can open Reflex's websocket, signed in or not. So:

- ``frontend_exception_handler`` (``rx.App(frontend_exception_handler=...)``) logs one
  escaped, bounded line to ``todo_app.frontend`` (its text was written raw, so
  ``"\\nINFO sign-in ok"`` forged a line); every other record is bounded by ``log_guard``;
- ``guard_socket`` gives each connection a token bucket; past it, events are dropped and
  the tab is told once per window to slow down (a toast), with one bounded warning.

Reflex 0.10 has no public per-event hook. ``guard_socket`` wraps ``trigger_event`` (the
dispatch hook python-socketio documents for overriding) on the one namespace object that
``App.event_namespace`` exposes; this module is the only place that does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event

from todo_app.log_guard import loggable

EVENTS_PER_SECOND = 20.0  # sustained, per connection: well above clicking and typing
EVENT_BURST = 60  # a page load, a reconnect's hydrate and an outbox replay (one event) fit
REFUSAL_WINDOW_S = 5.0  # at most one refusal to the tab and one warning per window
TOO_MANY_REQUESTS = "Too many requests: slow down"

frontend_logger = logging.getLogger("todo_app.frontend")
socket_logger = logging.getLogger("todo_app.socket")


def frontend_exception_handler(exception: Exception) -> None:
    """Log a browser's error report as one bounded line: its text comes from the client."""
    frontend_logger.error("frontend exception: %s", loggable(str(exception)))


# --- events per connection ----------------------------------------------------------------


@dataclass
class TokenBucket:
    """``rate`` events a second on average, up to ``burst`` at once."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    stamp: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        """Spend one token if there is one."""
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass
class _Connection:
    bucket: TokenBucket
    refused_at: float | None = None  # start of the current refusal window
    dropped: int = 0  # events dropped in it


class EventLimiter:
    """One token bucket per socket connection (sid); refusals reported once per window."""

    def __init__(
        self,
        rate: float = EVENTS_PER_SECOND,
        burst: float = EVENT_BURST,
        window_s: float = REFUSAL_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.window_s, self.clock = rate, burst, window_s, clock
        self._connections: dict[str, _Connection] = {}

    def allow(self, sid: str) -> bool:
        """Whether this connection may send one more event now."""
        conn = self._connections.get(sid)
        if conn is None:
            bucket = TokenBucket(self.rate, self.burst)
            bucket.stamp = self.clock()
            conn = self._connections[sid] = _Connection(bucket)
        return conn.bucket.take(self.clock())

    def refuse(self, sid: str) -> bool:
        """Count a dropped event; True when this is the first of a window (so: tell them)."""
        conn = self._connections[sid]
        now = self.clock()
        conn.dropped += 1
        if conn.refused_at is None or now - conn.refused_at >= self.window_s:
            conn.refused_at, conn.dropped = now, 1
            return True
        return False

    def forget(self, sid: str) -> None:
        """The connection closed."""
        self._connections.pop(sid, None)

    def __len__(self) -> int:
        return len(self._connections)


# Events python-socketio raises itself, not sent by the client: never limited.
_SERVER_EVENTS = frozenset({"connect", "disconnect"})


def _refusal() -> StateUpdate:
    """What the tab is sent: a toast, as Reflex sends its own errors."""
    spec = rx.toast.error(TOO_MANY_REQUESTS, id="too-many-requests")
    return StateUpdate(events=Event.from_event_type(spec))


def guard_socket(app: rx.App, limiter: EventLimiter | None = None) -> EventLimiter:
    """Rate-limit every client event of ``app``'s websocket, per connection.

    A dropped event is not run. The tab gets one toast per window, the log one bounded
    warning. A task-engine outbox replay is one event (``TaskState.send`` takes a batch).
    """
    namespace = app.event_namespace
    if namespace is None:
        msg = "the app has no event namespace (state disabled?): nothing to guard"
        raise RuntimeError(msg)
    limiter = EventLimiter() if limiter is None else limiter  # (an empty one is falsy)
    dispatch = namespace.trigger_event

    async def trigger_event(event: str, *args: Any) -> Any:
        sid = args[0] if args else ""
        if event == "disconnect":
            limiter.forget(sid)
        if event in _SERVER_EVENTS or limiter.allow(sid):
            return await dispatch(event, *args)
        if limiter.refuse(sid):
            socket_logger.warning(
                "socket %s over %g events/s (burst %g): dropping its events for %g s, first %s",
                sid,
                limiter.rate,
                limiter.burst,
                limiter.window_s,
                loggable(_event_name(event, args), 100),
            )
            await namespace.emit("event", _refusal(), to=sid)
        return None

    namespace.trigger_event = trigger_event  # type: ignore[method-assign]
    return limiter


def _event_name(event: str, args: tuple[Any, ...]) -> str:
    """The socket event and, for a Reflex event, its handler name (for the warning)."""
    data = args[1] if len(args) > 1 else None
    name = data.get("name") if isinstance(data, dict) else None
    return f"{event}:{name}" if isinstance(name, str) else event
