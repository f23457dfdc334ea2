"""The websocket's guards: escaped, bounded log text, and a token bucket per connection."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest
from reflex_base.event import Event

from todo_app import log_guard
from todo_app.log_guard import LOG_RECORD_MAX, LOG_TEXT_MAX, cap_record, loggable
from todo_app.socket_guard import (
    TOO_MANY_REQUESTS,
    EventLimiter,
    TokenBucket,
    frontend_exception_handler,
    guard_socket,
)

FORGED = "boom\nINFO todo_app.auth: sign-in ok user=admin@example.com\r\x1b[32m"
BIG = "x" * 900_000


def _record(msg: str, *args: Any, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord("reflex.app", logging.ERROR, __file__, 1, msg, args, exc_info)


# --- loggable -----------------------------------------------------------------------------


def test_loggable_escapes_what_could_start_a_line_of_its_own() -> None:
    text = loggable(FORGED)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text
    assert text == "boom\\nINFO todo_app.auth: sign-in ok user=admin@example.com\\r\\x1b[32m"
    assert loggable("line\u2028break") == "line\\u2028break"  # a Unicode line separator too


def test_loggable_cuts_long_text_and_says_how_long_it_was() -> None:
    text = loggable(BIG)
    assert len(text) < LOG_TEXT_MAX + 40
    assert text.endswith("… [900000 chars]")
    # Escaping can make text longer than it was; the cut applies to the escaped text.
    assert len(loggable("\x00" * LOG_TEXT_MAX)) < LOG_TEXT_MAX + 40


def test_loggable_leaves_ordinary_text_alone() -> None:
    assert loggable("TypeError: x is undefined (at page.js:1:2)") == (
        "TypeError: x is undefined (at page.js:1:2)"
    )


# --- the frontend-exception handler -----------------------------------------------------------


def test_a_forged_frontend_exception_is_one_escaped_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="todo_app.frontend"):
        frontend_exception_handler(Exception(FORGED + BIG))
    [record] = caplog.records
    assert record.name == "todo_app.frontend" and record.levelno == logging.ERROR
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line
    assert "boom\\nINFO todo_app.auth: sign-in ok" in line
    assert len(line) < LOG_TEXT_MAX + 80 and "chars]" in line


def test_reflex_accepts_the_handler() -> None:
    """Reflex validates exception handlers (named, annotated ``exception: Exception``)."""
    from todo_app.todo_app import app

    assert app.frontend_exception_handler is frontend_exception_handler
    app._validate_exception_handlers()


# --- every record ---------------------------------------------------------------------------


def test_a_900_kb_message_is_cut_to_the_cap() -> None:
    record = cap_record(_record("Error processing event queue entry for %s:", BIG))
    assert len(record.getMessage()) < LOG_RECORD_MAX + 40
    assert record.getMessage().endswith("chars]")


def test_newlines_in_a_message_are_escaped() -> None:
    record = cap_record(_record("Received event data as a string. Event data: %s", FORGED))
    assert "\n" not in record.getMessage()
    assert "\\nINFO todo_app.auth: sign-in ok" in record.getMessage()


def test_a_short_printable_message_is_kept() -> None:
    record = cap_record(_record("socket %s connected", "abc"))
    assert record.getMessage() == "socket abc connected"


def test_reflex_console_prints_a_capped_record_on_one_line() -> None:
    """Its rich console wraps at 80 columns off a terminal: a padded value could start a line."""
    from reflex_base.utils import log

    handler = log.RichConsoleHandler()
    out = io.StringIO()
    console = log.Console(file=out, width=80, force_terminal=False)
    forged = "y" * 75 + " INFO todo_app.auth: sign-in ok"
    record = cap_record(_record("bad event %s", forged))
    with mock.patch.object(log, "_console_stderr", console):
        handler.emit(record)
    assert len(out.getvalue().splitlines()) == 1


def test_an_exceptions_client_text_is_escaped_and_bounded_in_its_traceback() -> None:
    try:
        try:
            raise ValueError(FORGED + BIG)
        except ValueError as inner:
            raise RuntimeError("No registered handler found for event: " + BIG) from inner
    except RuntimeError as exc:
        record = cap_record(_record("Error processing event queue entry:", exc=exc))
    assert record.exc_info is None  # rendered here, so no handler renders the raw text
    text = record.getMessage()
    assert len(text) < 3 * LOG_TEXT_MAX + 3000  # two exception lines and their frames
    lines = text.splitlines()
    assert lines[0] == "Error processing event queue entry:"
    assert not any(line.startswith("INFO") for line in lines)
    assert any(line.startswith("ValueError: boom\\nINFO") for line in lines)
    assert any(line.startswith("RuntimeError: No registered handler") for line in lines)
    assert any("test_socket_guard.py" in line for line in lines)  # the frames are kept


@pytest.fixture
def log_cap() -> Iterator[None]:
    was_installed = log_guard._installed_factory is not None
    log_guard.uninstall_log_cap()
    log_guard.install_log_cap()
    yield
    log_guard.uninstall_log_cap()
    if was_installed:
        log_guard.install_log_cap()


def test_installed_the_cap_bounds_every_logger_and_handler(log_cap: None) -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    logger = logging.getLogger("reflex_base.event.processor.event_processor")
    logger.addHandler(handler)
    try:
        event = Event(name="state.no_such_handler", payload={"blob": BIG})
        logger.warning(f"Error processing event queue entry for {event}")
        logging.getLogger("todo_app.frontend").warning("forged: %s", FORGED)
    finally:
        logger.removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert len(lines) == 1  # the todo_app record went to other handlers, not this one
    assert len(out.getvalue()) < LOG_RECORD_MAX + 40


# --- the token bucket -------------------------------------------------------------------------


def test_the_bucket_allows_a_burst_then_the_sustained_rate() -> None:
    bucket = TokenBucket(rate=10, burst=5)
    assert [bucket.take(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert bucket.take(0.05) is False  # half a token
    assert bucket.take(0.1) is True  # one token after 1/rate
    assert bucket.take(0.1) is False
    assert sum(bucket.take(100.0) for _ in range(10)) == 5  # refills to the burst, no more


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limiter_keeps_one_bucket_per_connection_and_tells_once_per_window() -> None:
    clock = Clock()
    limiter = EventLimiter(rate=1, burst=2, window_s=5, clock=clock)
    assert limiter.allow("a") and limiter.allow("a") and not limiter.allow("a")
    assert limiter.allow("b")  # another connection has its own bucket
    assert limiter.refuse("a") is True
    assert limiter.refuse("a") is False
    clock.now += 5
    assert limiter.refuse("a") is True  # a new window
    limiter.forget("a")
    limiter.forget("b")
    assert len(limiter) == 0


# --- the guard on the namespace -------------------------------------------------------------


class FakeNamespace:
    """What guard_socket needs of Reflex's EventNamespace: trigger_event and emit."""

    def __init__(self) -> None:
        self.dispatched: list[tuple[str, tuple[Any, ...]]] = []
        self.emitted: list[tuple[str, Any, str]] = []

    async def trigger_event(self, event: str, *args: Any) -> str:
        self.dispatched.append((event, args))
        return "handled"

    async def emit(self, event: str, data: Any, to: str) -> None:
        self.emitted.append((event, data, to))


def _event(name: str = "state.tasks.send") -> dict[str, Any]:
    return {"name": name, "payload": {}, "router_data": {}}


def test_over_the_rate_events_are_dropped_and_the_tab_is_told_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    namespace = FakeNamespace()
    clock = Clock()
    limiter = EventLimiter(rate=1, burst=3, window_s=5, clock=clock)
    guard_socket(SimpleNamespace(event_namespace=namespace), limiter)  # type: ignore[arg-type]

    async def run() -> list[Any]:
        results = [await namespace.trigger_event("connect", "s1", {}, None)]
        for _ in range(10):
            results.append(await namespace.trigger_event("event", "s1", _event()))
        return results

    with caplog.at_level(logging.WARNING, logger="todo_app.socket"):
        results = asyncio.run(run())
    assert results == ["handled"] * 4 + [None] * 7  # connect is never counted
    assert [e for e, _ in namespace.dispatched] == ["connect"] + ["event"] * 3
    [(event, update, to)] = namespace.emitted
    assert (event, to) == ("event", "s1")
    assert TOO_MANY_REQUESTS in repr(update.events) and "toast" in repr(update.events)
    [warning] = caplog.records
    assert "s1" in warning.getMessage() and "event:state.tasks.send" in warning.getMessage()


def test_a_disconnect_forgets_the_connection() -> None:
    namespace = FakeNamespace()
    limiter = guard_socket(SimpleNamespace(event_namespace=namespace))  # type: ignore[arg-type]

    async def run() -> None:
        await namespace.trigger_event("event", "s1", _event())
        await namespace.trigger_event("disconnect", "s1", "client disconnect")

    asyncio.run(run())
    assert len(limiter) == 0
    assert [e for e, _ in namespace.dispatched] == ["event", "disconnect"]


def test_the_app_is_guarded() -> None:
    from todo_app.todo_app import app

    assert app.event_namespace is not None
    assert app.event_namespace.trigger_event.__qualname__.startswith("guard_socket")
