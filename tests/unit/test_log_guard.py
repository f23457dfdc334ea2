"""Secrets never reach a log line: passwords and tokens are redacted, whoever logs them."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from todo_app.log_guard import (
    LOG_RECORD_MAX,
    REDACT_SLACK,
    REDACTED,
    cap_record,
    redact,
    redacted_loggable,
)

PASSWORD = "hunter2 horse battery"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl"


@pytest.mark.parametrize(
    "text",
    [
        "Event(name='x.sign_in', payload={'form_data': "
        f"{{'email': 'a@b.c', 'password': '{PASSWORD}'}}}})",
        f'{{"current_password": "{PASSWORD}", "new_password": "{PASSWORD}"}}',
        f"change_password(current='x', password='{PASSWORD}')",
        f"{{'delete_password': '{PASSWORD}'}}",
        f"{{'Password': \"{PASSWORD}\"}}",
    ],
)
def test_a_value_under_a_password_key_is_redacted(text: str) -> None:
    cleaned = redact(text)
    assert PASSWORD not in cleaned and REDACTED in cleaned
    assert "a@b.c" in cleaned or "a@b.c" not in text  # the rest stays readable


def test_an_escaped_quote_inside_the_value_does_not_end_it_early() -> None:
    cleaned = redact("{'password': 'it\\'s a secret phrase'}")
    assert "secret phrase" not in cleaned


def test_jwts_and_url_tokens_are_redacted_anywhere() -> None:
    cleaned = redact(
        f"vars={{'state.todo_token_rx_state_': '{JWT}'}} Bearer {JWT} /reset?token=abc-DEF_1"
    )
    assert JWT not in cleaned and "abc-DEF_1" not in cleaned


def test_text_without_secrets_is_left_alone() -> None:
    text = "sign-in ok user=42 session=7 ip='10.0.0.1'"
    assert redact(text) is text


def _record(name: str, msg: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_a_record_is_redacted_with_its_arguments_applied() -> None:
    record = cap_record(_record("reflex", "Error for %s", {"password": PASSWORD}))
    assert PASSWORD not in record.getMessage()


def test_an_exceptions_text_in_a_traceback_is_redacted() -> None:
    try:
        raise ValueError(f"bad form {{'password': '{PASSWORD}'}}")
    except ValueError as exc:
        record = _record("reflex", "failed")
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert PASSWORD not in cap_record(record).getMessage()


def test_the_mail_fallback_keeps_its_reset_link() -> None:
    record = cap_record(_record("todo_app.mail", "reads: http://x/reset?token=abc123"))
    assert "token=abc123" in record.getMessage()


@pytest.mark.parametrize(
    "text",
    [
        "token " + "x" * 900_000,  # a 900 kB event's payload after a secret-looking word
        "{'password': '" + "b" * 900_000,  # a value that never closes
        "password:" * 100_000,
        "eyJ" + "a" * 900_000,
    ],
)
def test_huge_client_text_is_scanned_in_one_pass_and_left_alone(text: str) -> None:
    # No secret in any of them (no closed value, no JWT's dots). Each pattern is linear: with
    # a leading unbounded \w* the first of these took minutes.
    assert redact(text) == text


# --- redaction is linear, and sees only a bounded head of a long record -----------------------

# Shapes that made a pattern try every position (issue 15, finding 1): ``"eyJ" * 33000`` held
# the GIL for seconds, since the JWT pattern began a match at every "eyJ" and read to the end.
ADVERSARIAL = {
    "eyJ repeated": "eyJ",
    "eyJ with one dot": "eyJabcd.",
    "eyJ, two dots": "eyJabcd.efgh.",
    "open quoted secrets": "password='",
    "escapes in an open value": "{'password': '\\",
    "url tokens": "?token=",
    "keys and spaces": "password     ",
}


def _seconds(call: Any, text: str) -> float:
    started = time.perf_counter()
    call(text)
    return time.perf_counter() - started


def _fill(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


@pytest.mark.parametrize("unit", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_redact_is_linear_in_its_input(unit: str) -> None:
    small = min(_seconds(redact, _fill(unit, 100_000)) for _ in range(3))
    large = _seconds(redact, _fill(unit, 1_000_000))
    assert large < 0.5
    # Ten times the text takes about ten times as long (quadratic would be a hundred).
    assert large < 25 * small + 0.02


@pytest.mark.parametrize("unit", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_a_1_mb_record_is_cut_before_it_is_redacted(unit: str) -> None:
    text = _fill(unit, 1_000_000)
    seconds = _seconds(lambda t: cap_record(_record("reflex", "event %s", t)), text)
    assert seconds < 0.05  # it reads a head of LOG_RECORD_MAX + REDACT_SLACK, not 1 MB


def test_an_exceptions_1_mb_text_is_cut_before_it_is_redacted() -> None:
    try:
        raise ValueError("eyJ" * 333_334)
    except ValueError as exc:
        record = _record("reflex", "failed")
        record.exc_info = (type(exc), exc, exc.__traceback__)
    assert _seconds(cap_record, record) < 0.05  # type: ignore[arg-type]
    assert record.getMessage().endswith("ValueError: [redacted]… [1000014 chars]")


def test_a_secret_the_cut_splits_is_redacted_whole() -> None:
    for text in (
        "x" * (LOG_RECORD_MAX - 20) + JWT + "y" * 5000,  # the cut falls inside the token
        "x" * (LOG_RECORD_MAX + REDACT_SLACK - 20) + JWT,  # the head ends inside the token
        "x" * (LOG_RECORD_MAX - 20) + f"{{'password': '{PASSWORD * 300}'}}",
    ):
        message = cap_record(_record("reflex", "event %s", text)).getMessage()
        assert JWT[:30] not in message and PASSWORD not in message
        assert message.endswith(f"… [{len(text) + 6} chars]")  # "event " and the length
    # Redaction can shorten the head: 40 tokens before a token the head cuts in two.
    text = f"{JWT} " * 40 + "x" * (LOG_RECORD_MAX + REDACT_SLACK - 41 * len(JWT) - 20) + JWT
    assert "eyJhbGciOiJIUzI1NiJ9.e" not in redacted_loggable(text, LOG_RECORD_MAX)
