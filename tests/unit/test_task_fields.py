"""The field rules of tasks.fields: each value accepted as stored, each refusal and its words."""

from __future__ import annotations

import contextlib
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta, timezone
from time import perf_counter
from typing import Any

import pytest

from todo_app import zones
from todo_app.errors import InvalidInput
from todo_app.models import LIST_NAME_MAX, TAG_MAX
from todo_app.tasks import fields as rules


def refusal(check, value) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as caught:
        check(value)
    return caught.value.fields


# --- title, description, completed -------------------------------------------------------


def test_a_title_is_trimmed_to_one_line() -> None:
    assert rules.validate_title("  Buy\n\tmilk  ") == "Buy milk"


def test_the_title_limit_counts_the_normalised_title() -> None:
    raw = "a" + " " * 210 + "b"  # spaces inside a title stay: 212 characters
    assert len(raw) == 212
    assert refusal(rules.validate_title, raw) == {
        "title": "Title must be at most 200 characters (this one has 212)"
    }
    padded = " " * 102 + "a\n\n\t  b" + " " * 103  # 212 raw characters, "a b" once cleaned
    assert len(padded) == 212
    assert rules.validate_title(padded) == "a b"
    assert rules.validate_title("x" * 200) == "x" * 200
    assert rules.TITLE_TOO_LONG.format(n=201) == (
        "Title must be at most 200 characters (this one has 201)"
    )


@pytest.mark.parametrize("empty", ["", "   ", "\n\t"])
def test_an_empty_title_is_refused(empty: str) -> None:
    assert refusal(rules.validate_title, empty) == {"title": "Enter a title"}


def test_a_title_must_be_text() -> None:
    assert refusal(rules.validate_title, 5) == {"title": "Title must be text"}


def test_no_description_is_the_empty_description() -> None:
    assert rules.validate_description(None) == ""
    assert rules.validate_description("  indented\r\nnext  \n") == "  indented\nnext"


def test_a_description_must_be_text() -> None:
    assert refusal(rules.validate_description, 5) == {"description": "Description must be text"}


@pytest.mark.parametrize("bad", [1, 0, "true", None])
def test_completed_must_be_a_boolean(bad: object) -> None:
    assert refusal(rules.validate_completed, bad) == {
        "completed": "Completed must be true or false"
    }


# --- priority -----------------------------------------------------------------------------


def test_the_priorities_are_none_low_medium_high_in_rank_order() -> None:
    assert rules.PRIORITIES == ("none", "low", "medium", "high")


@pytest.mark.parametrize(
    ("name", "rank"), [("none", 0), ("low", 1), ("medium", 2), ("high", 3), (None, 0)]
)
def test_a_priority_is_stored_as_its_rank(name: str | None, rank: int) -> None:
    assert rules.validate_priority(name) == rank


@pytest.mark.parametrize("bad", ["HIGH", "High", "urgent", "", " high", 3, 0, True, ["high"]])
def test_an_unknown_priority_is_refused(bad: object) -> None:
    assert refusal(rules.validate_priority, bad) == {
        "priority": "Priority must be none, low, medium or high"
    }


@pytest.mark.parametrize(("rank", "name"), [(0, "none"), (1, "low"), (2, "medium"), (3, "high")])
def test_priority_name_is_the_inverse_of_the_rank(rank: int, name: str) -> None:
    assert rules.priority_name(rank) == name
    assert rules.validate_priority(rules.priority_name(rank)) == rank


@pytest.mark.parametrize("rank", [-1, 4, 99])
def test_an_out_of_range_rank_reads_as_none(rank: int) -> None:
    assert rules.priority_name(rank) == "none"


# --- tags -----------------------------------------------------------------------------


def test_tags_keep_the_order_given() -> None:
    assert rules.validate_tags(["work", "home", "errand"]) == ("work", "home", "errand")


def test_tag_duplicates_are_dropped_case_insensitively_keeping_the_first_spelling() -> None:
    assert rules.validate_tags(["Home", "work", "home", "HOME", "Work"]) == ("Home", "work")


def test_a_leading_hash_and_surrounding_spaces_are_stripped() -> None:
    assert rules.validate_tags(["#home", "  #work ", " x "]) == ("home", "work", "x")
    assert rules.validate_tags(["#home", "home"]) == ("home",)  # one tag after stripping


@pytest.mark.parametrize("empty", [None, [], ()])
def test_no_tags(empty: object) -> None:
    assert rules.validate_tags(empty) == ()


def test_a_tuple_of_tags_is_accepted() -> None:
    assert rules.validate_tags(("a", "b")) == ("a", "b")


@pytest.mark.parametrize("not_a_list", ["home", {"home": 1}, 5, {"home"}])
def test_tags_must_be_a_list(not_a_list: object) -> None:
    assert refusal(rules.validate_tags, not_a_list) == {"tags": "Tags must be a list of names"}


def test_twenty_tags_are_allowed_and_twenty_one_are_not() -> None:
    twenty = [f"t{i}" for i in range(20)]
    assert rules.validate_tags(twenty) == tuple(twenty)
    assert refusal(rules.validate_tags, [*twenty, "t20"]) == {
        "tags": "A task can have at most 20 tags"
    }


def test_the_tag_limit_counts_distinct_tags() -> None:
    twenty = [f"t{i}" for i in range(20)]
    assert rules.validate_tags([*twenty, "T0", "#t1"]) == tuple(twenty)


def test_a_tag_of_forty_characters_is_allowed_and_forty_one_is_not() -> None:
    assert TAG_MAX == 40
    assert rules.validate_tag("a" * 40) == "a" * 40
    assert rules.validate_tag("#" + "a" * 40) == "a" * 40  # the hash is not counted
    assert refusal(rules.validate_tag, "a" * 41) == {"tags": "A tag must be at most 40 characters"}
    assert refusal(rules.validate_tags, ["ok", "a" * 41]) == {
        "tags": "A tag must be at most 40 characters"
    }


@pytest.mark.parametrize("empty", ["", "   ", "#", " # "])
def test_an_empty_tag_is_refused(empty: str) -> None:
    assert refusal(rules.validate_tag, empty) == {"tags": "A tag must not be empty"}


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        ("two words", "two words"),
        ("tab\there", "tab\there"),
        ("nbsp\u00a0here", "nbsp\u00a0here"),
        ("a#b", "a#b"),
        ("##double", "#double"),
        ("end#", "end#"),
    ],
)
def test_a_tag_with_a_space_or_a_hash_is_refused(bad: str, shown: str) -> None:
    assert refusal(rules.validate_tag, bad) == {
        "tags": f'Tag "{shown}" must not contain spaces or #'
    }


def test_a_tag_with_a_control_character_is_refused() -> None:
    assert "tags" in refusal(rules.validate_tag, "a\x00b")
    assert "tags" in refusal(rules.validate_tag, "a\x7fb")


def test_a_long_bad_tag_is_quoted_only_up_to_the_limit() -> None:
    bad = "x " + "y" * 100
    message = refusal(rules.validate_tag, bad)["tags"]
    assert message == f'Tag "{bad[:TAG_MAX]}" must not contain spaces or #'


@pytest.mark.parametrize("not_text", [5, None, ["a"], b"bytes"])
def test_a_tag_must_be_text(not_text: object) -> None:
    assert refusal(rules.validate_tag, not_text) == {"tags": "A tag must be text"}
    assert refusal(rules.validate_tags, [not_text]) == {"tags": "A tag must be text"}


def test_tag_keys_fold_case() -> None:
    assert rules.tag_key("Home") == rules.tag_key("HOME") == "home"
    assert rules.tag_key("Straße") == rules.tag_key("STRASSE")


# --- due date -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-12-05", date(2026, 12, 5)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2026-01-01", date(2026, 1, 1)),
        ("1900-01-01", date(1900, 1, 1)),
        ("2999-12-31", date(2999, 12, 31)),
    ],
)
def test_a_due_date_is_yyyy_mm_dd(text: str, day: date) -> None:
    assert rules.validate_due_date(text) == day


@pytest.mark.parametrize(
    "bad",
    [
        "2026-02-30",
        "2026-02-29",  # not a leap year
        "2026-13-01",
        "2026-00-10",
        "2026-12-32",
        "2026-2-3",
        "2026-02-3",
        "20261205",
        "2026/12/05",
        "05-12-2026",
        " 2026-12-05",
        "2026-12-05 ",
        "2026-12-05T09:00",
        "2026-W49-1",
        "\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0665",  # Arabic-Indic digits
        "",
        "today",
    ],
)
def test_a_due_date_that_is_not_a_real_yyyy_mm_dd_is_refused(bad: str) -> None:
    assert refusal(rules.validate_due_date, bad) == {
        "due_date": "Due date must be a real date as YYYY-MM-DD"
    }


def test_no_due_date_and_a_date_object_pass_through() -> None:
    assert rules.validate_due_date(None) is None
    assert rules.validate_due_date(date(2026, 12, 5)) == date(2026, 12, 5)


@pytest.mark.parametrize("not_text", [20261205, ["2026-12-05"], datetime(2026, 12, 5, tzinfo=UTC)])
def test_a_due_date_must_be_text(not_text: object) -> None:
    assert refusal(rules.validate_due_date, not_text) == {"due_date": "Due date must be text"}


# --- due time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "clock"),
    [
        ("09:30", time(9, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("17:05", time(17, 5)),
    ],
)
def test_a_due_time_is_hh_mm(text: str, clock: time) -> None:
    assert rules.validate_due_time(text) == clock


@pytest.mark.parametrize(
    "bad",
    [
        "25:00",
        "24:00",
        "23:60",
        "9:30",
        "09:3",
        "0930",
        "09:30:00",
        "09.30",
        "9am",
        " 09:30",
        "09:30Z",
        "\u0660\u0669:\u0663\u0660",
        "",
    ],
)
def test_a_due_time_that_is_not_hh_mm_is_refused(bad: str) -> None:
    assert refusal(rules.validate_due_time, bad) == {
        "due_time": "Due time must be a time as HH:MM (00:00 to 23:59)"
    }


def test_no_due_time_and_a_time_object_pass_through() -> None:
    assert rules.validate_due_time(None) is None
    assert rules.validate_due_time(time(9, 30)) == time(9, 30)


def test_a_due_time_must_be_text() -> None:
    assert refusal(rules.validate_due_time, 930) == {"due_time": "Due time must be text"}


def test_a_time_without_a_date_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        rules.check_due(None, time(9, 0))
    assert caught.value.fields == {"due_time": "A due time needs a due date"}


@pytest.mark.parametrize(
    ("day", "clock"), [(None, None), (date(2026, 12, 5), None), (date(2026, 12, 5), time(9, 0))]
)
def test_a_date_with_or_without_a_time_is_fine(day: date | None, clock: time | None) -> None:
    rules.check_due(day, clock)  # does not raise


# --- time zone ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone",
    ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Auckland", "America/Los_Angeles"],
)
def test_iana_zones_are_accepted(zone: str) -> None:
    assert zones.validate_time_zone(zone) == zone


def test_a_zone_is_trimmed() -> None:
    assert zones.validate_time_zone("  Europe/Berlin ") == "Europe/Berlin"


@pytest.mark.parametrize(
    "bad",
    [
        "Mars/Olympus_Mons",
        "europe/berlin",
        "utc",
        "Berlin",
        "",
        "+02:00",
        "../../etc/passwd",
        "Europe/" + "x" * 100,
    ],
)
def test_an_unknown_zone_is_refused(bad: str) -> None:
    assert refusal(zones.validate_time_zone, bad) == {
        "time_zone": "Time zone must be an IANA name such as Europe/Berlin"
    }


def test_a_zone_must_be_text() -> None:
    assert refusal(zones.validate_time_zone, None) == {"time_zone": "Time zone must be text"}


@pytest.mark.skipif(
    "localtime" not in zoneinfo.available_timezones(),
    reason="this system's tz database has no 'localtime' entry",
)
def test_the_servers_localtime_is_not_a_zone_name() -> None:
    assert "time_zone" in refusal(zones.validate_time_zone, "localtime")


# --- due instant across daylight-saving changes -------------------------------------------


@pytest.mark.parametrize(
    ("day", "clock", "zone", "instant"),
    [
        # Berlin goes from +01:00 to +02:00 at 02:00 on 29 March 2026.
        (date(2026, 3, 28), time(9, 0), "Europe/Berlin", datetime(2026, 3, 28, 8, 0, tzinfo=UTC)),
        (date(2026, 3, 29), time(9, 0), "Europe/Berlin", datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        # ... and back on 25 October 2026.
        (date(2026, 10, 24), time(9, 0), "Europe/Berlin", datetime(2026, 10, 24, 7, tzinfo=UTC)),
        (date(2026, 10, 25), time(9, 0), "Europe/Berlin", datetime(2026, 10, 25, 8, tzinfo=UTC)),
        # New York: EST (-05:00) until 8 March 2026, EDT (-04:00) after, EST again 1 November.
        (date(2026, 3, 7), time(9, 0), "America/New_York", datetime(2026, 3, 7, 14, tzinfo=UTC)),
        (date(2026, 3, 8), time(9, 0), "America/New_York", datetime(2026, 3, 8, 13, tzinfo=UTC)),
        (date(2026, 11, 1), time(9, 0), "America/New_York", datetime(2026, 11, 1, 14, tzinfo=UTC)),
        (date(2026, 12, 5), time(23, 30), "UTC", datetime(2026, 12, 5, 23, 30, tzinfo=UTC)),
        # Auckland is ahead of UTC: its morning is the previous day in UTC.
        (date(2026, 12, 5), time(9, 0), "Pacific/Auckland", datetime(2026, 12, 4, 20, tzinfo=UTC)),
    ],
)
def test_due_instant_is_the_wall_clock_time_in_the_zone(
    day: date, clock: time, zone: str, instant: datetime
) -> None:
    got = rules.due_instant(day, clock, zone)
    assert got == instant
    assert got is not None and got.utcoffset() == timedelta(0)


def test_the_same_wall_clock_moves_its_instant_across_the_change() -> None:
    before = rules.due_instant(date(2026, 3, 28), time(9, 0), "Europe/Berlin")
    after = rules.due_instant(date(2026, 3, 29), time(9, 0), "Europe/Berlin")
    assert before is not None and after is not None
    assert after - before == timedelta(hours=23)  # the day of the change is 23 hours long


@pytest.mark.parametrize(("day", "clock"), [(None, None), (date(2026, 12, 5), None)])
def test_an_untimed_due_has_no_instant(day: date | None, clock: time | None) -> None:
    assert rules.due_instant(day, clock, "Europe/Berlin") is None


# --- today in the user's zone -------------------------------------------------------------


def test_today_depends_on_the_zone() -> None:
    now = datetime(2026, 12, 1, 11, 30, tzinfo=UTC)
    assert rules.today_in("Pacific/Auckland", now) == date(2026, 12, 2)
    assert rules.today_in("America/Los_Angeles", now) == date(2026, 12, 1)
    assert rules.today_in("UTC", now) == date(2026, 12, 1)


def test_today_takes_an_instant_given_in_any_offset() -> None:
    now = datetime(2026, 12, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 04:30Z on the 2nd
    assert rules.today_in("UTC", now) == date(2026, 12, 2)
    assert rules.today_in("America/New_York", now) == date(2026, 12, 1)


def test_today_without_now_is_the_current_date_in_the_zone() -> None:
    before = datetime.now(zoneinfo.ZoneInfo("Pacific/Auckland")).date()
    got = rules.today_in("Pacific/Auckland")
    after = datetime.now(zoneinfo.ZoneInfo("Pacific/Auckland")).date()
    assert got in {before, after}


# --- list names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Work", "Work"),
        ("  Work  ", "Work"),
        ("Home   and\tgarden", "Home and garden"),
        ("line\nbreak", "line break"),
        ("x", "x"),
        ("é" * 60, "é" * 60),
    ],
)
def test_a_list_name_is_trimmed_with_whitespace_collapsed(raw: str, stored: str) -> None:
    assert rules.validate_list_name(raw) == stored


def test_a_list_name_is_at_most_sixty_characters_after_collapsing() -> None:
    assert LIST_NAME_MAX == 60
    assert rules.validate_list_name("a" * 60) == "a" * 60
    assert rules.validate_list_name("  " + "a  " * 30) == " ".join(["a"] * 30)  # 59 after
    assert refusal(rules.validate_list_name, "a" * 61) == {
        "name": "A list name must be at most 60 characters"
    }


@pytest.mark.parametrize("empty", ["", "   ", "\t\n"])
def test_an_empty_list_name_is_refused(empty: str) -> None:
    assert refusal(rules.validate_list_name, empty) == {"name": "Enter a name for the list"}


def test_a_list_name_with_a_control_character_is_refused() -> None:
    assert refusal(rules.validate_list_name, "a\x00b") == {
        "name": "A list name must not contain control characters"
    }


@pytest.mark.parametrize("not_text", [None, 5, ["Work"]])
def test_a_list_name_must_be_text(not_text: object) -> None:
    assert refusal(rules.validate_list_name, not_text) == {"name": "A list name must be text"}


# --- every text rule is linear, and refuses long raw text before reading it --------------------


def _seconds(check: Any, value: str) -> float:
    started = perf_counter()
    with contextlib.suppress(InvalidInput):
        check(value)
    return perf_counter() - started


def test_a_title_is_made_one_line_in_linear_time() -> None:
    # "\s*[breaks]\s*" backtracked through each run of spaces: 30k spaces took seconds.
    assert rules.one_line("a \t b\n\nc  d\u2028") == "a b c  d "
    small = min(_seconds(rules.one_line, "a" + " " * 10_000 + "b") for _ in range(3))
    large = _seconds(rules.one_line, "a" + " " * 100_000 + "b")
    assert large < 25 * small + 0.01


@pytest.mark.parametrize(
    ("check", "raw_max", "field"),
    [
        (rules.validate_title, rules.TITLE_RAW_MAX, "title"),
        (rules.validate_description, rules.DESCRIPTION_RAW_MAX, "description"),
        (rules.validate_tag, rules.TAG_RAW_MAX, "tags"),
        (rules.validate_list_name, rules.LIST_NAME_RAW_MAX, "name"),
    ],
)
@pytest.mark.parametrize("filler", [" ", "\t ", "a", "\u200b"])
def test_long_raw_text_is_refused_by_its_length_at_once(
    check: Any, raw_max: int, field: str, filler: str
) -> None:
    value = "a" + filler * 500_000 + "b"
    assert _seconds(check, value) < 0.01
    with pytest.raises(InvalidInput) as caught:
        check(value)
    assert "at most" in caught.value.fields[field]
    if field in {"title", "description"}:
        assert f"(this one has {len(value)})" in caught.value.fields[field]


def test_a_title_just_under_the_raw_bound_is_normalised_as_before() -> None:
    padded = "x" + " \n" * ((rules.TITLE_RAW_MAX - 2) // 2) + "y"
    assert len(padded) <= rules.TITLE_RAW_MAX
    assert rules.validate_title(padded) == "x y"
    with pytest.raises(InvalidInput, match="this one has 201"):
        rules.validate_title("a" * 201)  # the stored length still decides below the bound
