"""Every log line of the process: one line of printable text, bounded, with no secrets.

Anyone can make the server log text of their choosing: a browser's error report, an event for
a handler that does not exist (Reflex logs the whole event), a bad request. ``install_log_cap``
makes each record, whoever logs it, one printable line of at most ``LOG_RECORD_MAX``
characters, with what a client sent escaped (so ``"\\nINFO sign-in ok"`` cannot forge a
line), and with passwords and tokens replaced by ``[redacted]``: a form submitted by a page
from an older release, say, reaches the log as an unknown event, password and all.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

LOG_TEXT_MAX = 500  # characters of one client-supplied value kept in a log line
LOG_RECORD_MAX = 2000  # characters of any one log message, whoever logs it
TRACEBACK_FRAMES = 20  # innermost frames kept of a logged traceback
REDACTED = "[redacted]"
# Mail written to the log when no SMTP server is configured: its reset link is the point.
UNREDACTED_LOGGERS = frozenset({"todo_app.mail"})

# A quoted value under a key that names a secret ('password': '...', "new_password": "...",
# token="..."), a JWT anywhere, and a token in a URL's query. Every pattern runs in linear
# time: records can hold 900 kB of a client's text (a key name starts after a non-word
# character and is bounded, so a long run of letters is not tried at every position).
_SECRET_NAME = r"(?<!\w)\w{0,40}?(?:password|passwd|secret|token)\w{0,40}"  # noqa: S105  (key names)
_QUOTED_SECRET = re.compile(
    rf"""(?P<key>(?P<q>['"]?){_SECRET_NAME}(?P=q)\s*[:=]\s*)(?P<v>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")""",
    re.IGNORECASE,
)
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}")
_URL_TOKEN = re.compile(r"([?&]token=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the values of secret-named keys, JWTs and URL tokens replaced."""
    if not any(word in text.lower() for word in ("pass", "secret", "token", "eyj")):
        return text  # the common case, cheaply
    text = _QUOTED_SECRET.sub(lambda m: f"{m['key']}{m['v'][0]}{REDACTED}{m['v'][0]}", text)
    text = _JWT.sub(REDACTED, text)
    return _URL_TOKEN.sub(rf"\1{REDACTED}", text)


def loggable(value: object, limit: int = LOG_TEXT_MAX) -> str:
    """``value`` as one line of printable text of at most about ``limit`` characters.

    Escaped the way ``repr`` escapes (newlines, carriage returns, ANSI escapes and other
    unprintable characters become ``\\n``, ``\\x1b``...), so a value cannot start a line of
    its own; cut values say how long they were.
    """
    text = value if isinstance(value, str) else str(value)
    escaped = _escape(text[:limit])
    if len(text) <= limit and len(escaped) <= limit:
        return escaped
    return f"{escaped[:limit]}… [{len(text)} chars]"


def _escape(text: str) -> str:
    if text.isprintable():
        return text
    # repr, minus its quotes, gives each unprintable character its escape (\n, \x1b, \u2028).
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


# --- every log record: one line, bounded ----------------------------------------------------


def _traceback_text(exc: BaseException) -> str:
    """The traceback, frames as they are (server code) and each exception's text escaped."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain and len(chain) < 5:
        chain.append(current)
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    parts = []
    for item in reversed(chain):
        frames = "".join(traceback.format_tb(item.__traceback__, limit=-TRACEBACK_FRAMES))
        text = loggable(redact(f"{type(item).__qualname__}: {item}"))
        parts.append(f"Traceback (most recent call last):\n{frames}{text}")
    return "\n".join(parts)


def cap_record(record: logging.LogRecord) -> logging.LogRecord:
    """Make ``record`` one printable, bounded message without secrets (and a bounded
    traceback), in place.

    Short printable messages are left as they are. The traceback is rendered here, so no
    handler renders the exception's (client-supplied) text again.
    """
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: log what was given, not a logging error
        message = f"{record.msg!r} % {record.args!r}"
    if record.name not in UNREDACTED_LOGGERS:
        message = redact(message)
    if len(message) > LOG_RECORD_MAX or not message.isprintable():
        record.msg, record.args = loggable(message, LOG_RECORD_MAX), ()
    elif record.args or message is not record.msg:
        record.msg, record.args = message, ()
    if record.exc_info and record.exc_info[1] is not None:
        record.msg = f"{record.msg}\n{_traceback_text(record.exc_info[1])}"
        record.exc_info, record.exc_text = None, None
    # Reflex's console handler wraps at 80 columns when not on a terminal, so a client could
    # pad its text to start a wrapped line with "INFO ...". It passes a record's
    # ``rich_kwargs`` to rich's print (the ``extra=`` it documents): no wrapping, one line.
    record.rich_kwargs = {**getattr(record, "rich_kwargs", {}), "soft_wrap": True}
    return record


_installed_factory: Callable[..., logging.LogRecord] | None = None


def install_log_cap() -> None:
    """Cap every record of this process as it is made, whichever logger and handler.

    A record factory rather than a handler filter: Reflex attaches and reattaches its
    handlers (and granian reconfigures logging in each worker), but every record, whoever
    handles it, is made by the one factory.
    """
    global _installed_factory
    if _installed_factory is not None:
        return
    previous = logging.getLogRecordFactory()

    def capped_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return cap_record(previous(*args, **kwargs))

    _installed_factory = previous
    logging.setLogRecordFactory(capped_record)


def uninstall_log_cap() -> None:
    """Put back the factory ``install_log_cap`` replaced (for tests)."""
    global _installed_factory
    if _installed_factory is not None:
        logging.setLogRecordFactory(_installed_factory)
        _installed_factory = None
