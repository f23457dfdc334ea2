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
# time, and ``cap_record`` hands them at most ``LOG_RECORD_MAX + REDACT_SLACK`` characters
# (records can hold 900 kB of a client's text):
# - a key name starts after a non-word character and is bounded, so a long run of letters is
#   not tried at every position;
# - a quoted value is matched possessively (``*+``): a value that never closes is read once;
# - a JWT is looked for only where a run of token characters starts (``(?<![\w-])``), from
#   the run's first ``eyJ`` (an atomic group: a later ``eyJ`` of the same run has a shorter
#   tail, so it cannot match where the first one failed). Matching from every ``eyJ`` made
#   ``"eyJ" * 33000`` quadratic: seconds for 100 kB, minutes for 1 MB.
REDACT_SLACK = 1000  # characters past a cut still redacted: a token (~250) cut there is whole
_SECRET_NAME = r"(?<!\w)\w{0,40}?(?:password|passwd|secret|token)\w{0,40}"  # noqa: S105  (key names)
_SECRET_KEY = rf"""(?P<key>(?P<q>['"]?){_SECRET_NAME}(?P=q)\s*+[:=]\s*+)"""
_QUOTED_SECRET = re.compile(
    rf"""{_SECRET_KEY}(?P<v>'(?:\\[\s\S]|[^'\\])*+'|"(?:\\[\s\S]|[^"\\])*+")""",
    re.IGNORECASE,
)
# In text that was cut: a value the cut leaves open is redacted to the end.
_QUOTED_SECRET_CUT = re.compile(
    rf"""{_SECRET_KEY}(?P<v>'(?:\\[\s\S]?|[^'\\])*+(?:'|\Z)|"(?:\\[\s\S]?|[^"\\])*+(?:"|\Z))""",
    re.IGNORECASE,
)
_JWT_START = r"(?<![\w-])(?>(?P<pre>[\w-]*?)(?=eyJ))eyJ[\w-]{4,}+"
_JWT = re.compile(rf"{_JWT_START}\.[\w-]{{4,}}+\.[\w-]{{4,}}+")
# In text that was cut: a token the cut ends is redacted too (its head is no less secret).
_JWT_CUT = re.compile(rf"{_JWT_START}(?:\.[\w-]{{4,}}+\.[\w-]{{4,}}+|(?:\.[\w-]*+){{0,2}}\Z)")
_URL_TOKEN = re.compile(r"([?&]token=)[^&\s'\"]++", re.IGNORECASE)
# A personal access token anywhere (a request is logged by the token's id, never the token).
_ACCESS_TOKEN = re.compile(r"todo_pat_[\w-]*+")


def redact(text: str) -> str:
    """``text`` with the values of secret-named keys, JWTs and URL tokens replaced.

    Linear in ``len(text)``; callers that log bound the text first (``redacted_loggable``)."""
    return _redact(text, cut=False)


def _redact(text: str, *, cut: bool) -> str:
    if not any(word in text.lower() for word in ("pass", "secret", "token", "eyj", "todo_pat")):
        return text  # the common case, cheaply
    text = _ACCESS_TOKEN.sub(REDACTED, text)
    quoted, jwt = (_QUOTED_SECRET_CUT, _JWT_CUT) if cut else (_QUOTED_SECRET, _JWT)
    text = quoted.sub(lambda m: f"{m['key']}{m['v'][0]}{REDACTED}{m['v'][0]}", text)
    text = jwt.sub(lambda m: f"{m['pre']}{REDACTED}", text)
    return _URL_TOKEN.sub(rf"\1{REDACTED}", text)


def redacted_loggable(value: object, limit: int = LOG_TEXT_MAX, *, redacting: bool = True) -> str:
    """``loggable(redact(value), limit)``, at a cost bounded by ``limit``, not by the value.

    Only the first ``limit + REDACT_SLACK`` characters are redacted (the cut keeps at most
    ``limit`` of them); a secret the cut splits is redacted as if it ended there. A cut value
    says how long it was, as ``loggable`` does.
    """
    text = value if isinstance(value, str) else str(value)
    head = text[: limit + REDACT_SLACK]
    cut = len(head) < len(text)
    if redacting:
        head = _redact(head, cut=cut)
    escaped = _escape(head[:limit])
    if not cut and len(head) <= limit and len(escaped) <= limit:
        return escaped
    return f"{escaped[:limit]}… [{len(text)} chars]"


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
        text = redacted_loggable(f"{type(item).__qualname__}: {item}")
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
    redacting = record.name not in UNREDACTED_LOGGERS
    if len(message) > LOG_RECORD_MAX or not message.isprintable():
        # Cut before redacting: the patterns see a bounded head, never 900 kB.
        record.msg = redacted_loggable(message, LOG_RECORD_MAX, redacting=redacting)
        record.args = ()
    else:
        message = redact(message) if redacting else message
        if record.args or message is not record.msg:
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
