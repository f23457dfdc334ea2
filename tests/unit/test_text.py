"""The one rule for typed text (todo_app.text) and every field that follows it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from todo_app import text
from todo_app.auth import credentials
from todo_app.errors import InvalidInput
from todo_app.tasks import fields

RLO = "\u202e"
ZWSP = "\u200b"
ZWJ = "\u200d"
ZWNJ = "\u200c"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # man ZWJ woman ZWJ girl
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "mi-khaham": needs its ZWNJ
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # tag chars


def refusal(check: Callable[[Any], Any], value: Any) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        check(value)
    return caught.value.fields


@pytest.mark.parametrize(
    "char",
    [
        *"\u202a\u202b\u202c\u202d\u202e",  # embeddings and overrides
        *"\u2066\u2067\u2068\u2069",  # isolates
        *"\u200e\u200f\u061c",  # marks
        *"\u200b\u2060\ufeff",  # zero-width space, word joiner, byte-order mark
    ],
)
def test_bidi_controls_and_zero_width_characters_are_stripped(char: str) -> None:
    assert text.strip_invisible(f"a{char}b{char}") == "ab"
    assert char in text.INVISIBLE


@pytest.mark.parametrize("kept", [FAMILY, PERSIAN, ENGLAND, "soft\u00adhyphen", "Ünïcødé"])
def test_joiners_and_other_format_characters_are_kept(kept: str) -> None:
    assert text.strip_invisible(kept) == kept
    assert not text.has_control_characters(kept)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9b", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused(char: str) -> None:
    assert text.has_control_characters(f"a{char}b")
    assert text.has_control_characters(f"a{char}b", multiline=True)
    assert text.control_problem(f"a{char}", "Title") == "Title must not contain control characters"


def test_only_multiline_text_may_hold_line_breaks_and_tabs() -> None:
    assert text.has_control_characters("a\nb")
    assert text.has_control_characters("a\tb")
    assert not text.has_control_characters("a\nb\tc", multiline=True)
    assert text.control_problem("plain", "Title") is None


# --- every field follows the rule ---------------------------------------------------------

STRIPPED = [
    ("title", fields.validate_title, f"a{RLO}b", "ab"),
    ("title", fields.validate_title, f"{ZWSP} Buy{ZWSP} milk \ufeff", "Buy milk"),
    ("title", fields.validate_title, f"Family {FAMILY}", f"Family {FAMILY}"),
    ("description", fields.validate_description, f"line{RLO}\n\u2066two\u2069 ", "line\ntwo"),
    ("tag", fields.validate_tag, f"#ho{ZWSP}me", "home"),
    ("tag", fields.validate_tag, f"{PERSIAN}", PERSIAN),
    ("list name", fields.validate_list_name, f"Wo{RLO}rk  {ZWSP}stuff", "Work stuff"),
    ("name", lambda n: credentials.validate_name(n, "ann@example.com"), f"A{RLO}nn{ZWSP}", "Ann"),
]


@pytest.mark.parametrize(
    ("field", "check", "raw", "stored"), STRIPPED, ids=[s[0] for s in STRIPPED]
)
def test_each_field_strips_invisible_characters(
    field: str, check: Callable[[Any], Any], raw: str, stored: str
) -> None:
    assert check(raw) == stored


@pytest.mark.parametrize(
    ("check", "invisible", "message"),
    [
        (fields.validate_title, ZWSP + RLO, {"title": "Enter a title"}),
        (fields.validate_tag, "#" + ZWSP, {"tags": "A tag must not be empty"}),
        (fields.validate_list_name, "\ufeff", {"name": "Enter a name for the list"}),
    ],
)
def test_text_of_only_invisible_characters_is_empty(
    check: Callable[[Any], Any], invisible: str, message: dict[str, str]
) -> None:
    assert refusal(check, invisible) == message


def test_a_name_of_only_invisible_characters_falls_back_to_the_email() -> None:
    assert credentials.validate_name(ZWSP * 3, "ann@example.com") == "ann"


@pytest.mark.parametrize("char", [ZWSP, RLO, "\ufeff"])
def test_an_email_with_an_invisible_character_is_refused_not_made_another_address(
    char: str,
) -> None:
    """The sign-in throttle keys on the address as typed: stripping would let
    "ann<ZWSP>@example.com" try ann's password under a throttle key of its own."""
    assert text.has_invisible(f"ann{char}@example.com")
    assert refusal(credentials.normalize_email, f"ann{char}@example.com") == {
        "email": credentials.INVALID_EMAIL
    }
    assert not text.has_invisible("ann@example.com")


def test_length_limits_count_what_is_stored() -> None:
    assert fields.validate_title("x" * 200 + ZWSP * 5) == "x" * 200
    assert fields.validate_list_name("x" * 60 + RLO) == "x" * 60


@pytest.mark.parametrize(
    ("check", "raw", "message"),
    [
        (fields.validate_title, "bell\x07", {"title": "Title must not contain control characters"}),
        (
            fields.validate_description,
            "esc\x1b[2J",
            {"description": "Description must not contain control characters"},
        ),
        (fields.validate_tag, "a\x00b", {"tags": "A tag must not contain control characters"}),
        (
            fields.validate_list_name,
            "a\x7fb",
            {"name": "A list name must not contain control characters"},
        ),
        (
            lambda n: credentials.validate_name(n, "a@example.com"),
            "Ann\x1b",
            {"name": "Name must not contain control characters"},
        ),
        (
            credentials.normalize_email,
            "ann\x00@example.com",
            {"email": credentials.INVALID_EMAIL},
        ),
    ],
)
def test_each_field_refuses_control_characters_in_the_same_words(
    check: Callable[[Any], Any], raw: str, message: dict[str, str]
) -> None:
    assert refusal(check, raw) == message


def test_descriptions_keep_their_line_breaks_and_tabs() -> None:
    assert fields.validate_description("one\n\ttwo") == "one\n\ttwo"
