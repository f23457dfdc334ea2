"""Quick add: the "New task" sentence -> title and fields (todo_app.quickadd).

A fixed "now": Tuesday 1 December 2026, 10:00 in Europe/Berlin, unless a case says otherwise.
The table holds every field of the result for each phrase (an unlisted field must be empty),
so a phrase that starts parsing more than it should fails too. The property tests show that
no character outside a recognised token leaves the title.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from todo_app.quickadd import KEYWORDS, Parsed, Token, parse

ZONE = "Europe/Berlin"
BERLIN = ZoneInfo(ZONE)
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=BERLIN)  # a Tuesday
TUE, WED, THU, FRI, SAT = (date(2026, 12, d) for d in range(1, 6))
TOMORROW = WED
DEC = {d: date(2026, 12, d) for d in range(1, 32)}
NEW_YEAR = date(2027, 1, 1)
NYE_EVENING = datetime(2026, 12, 31, 22, 30, tzinfo=BERLIN)  # a Thursday
NYE_UTC = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # already 2027 in Berlin
SUNDAY = datetime(2026, 12, 6, 9, tzinfo=BERLIN)
MONDAY = datetime(2026, 12, 7, 9, tzinfo=BERLIN)

WEEKDAYS = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
MONTHLY = "FREQ=MONTHLY"


def case(text: str, title: str, **fields: Any) -> Any:
    """One row: the text, the title expected, and every field that is not empty.
    ``due`` is a date or (date, time); ``rule``/``every_bang`` the recurrence;
    ``tokens`` (optional) the [(kind, text)] expected; ``now``/``zone``/``ignore`` override."""
    return pytest.param(text, title, fields, id=text or "<empty>")


CASES = [
    # --- priority
    case("Buy milk !high", "Buy milk", priority="high"),
    case("Buy milk !medium", "Buy milk", priority="medium"),
    case("!low Buy milk", "Buy milk", priority="low"),
    case("Call Bob p1", "Call Bob", priority="high"),
    case("p2 Call Bob", "Call Bob", priority="medium"),
    case("Call Bob P3", "Call Bob", priority="low"),
    case("Ship p1x and p12", "Ship p1x and p12"),
    case("Say wow!high", "Say wow!high"),
    case("!high then !low", "then !low", priority="high", tokens=[("priority", "!high")]),
    case("Buy milk !high.", "Buy milk", priority="high", tokens=[("priority", "!high.")]),
    # --- tags
    case("Clean kitchen #home #chores", "Clean kitchen", tags=("home", "chores")),
    case("#home Clean #Home", "Clean", tags=("home",)),
    case("Fix bug #123", "Fix bug #123"),
    case("Learn C# today", "Learn C#", due=TUE),
    case("Einkaufen #küche", "Einkaufen", tags=("küche",)),
    case("Odd ##double and a#b", "Odd ##double and a#b"),
    case("Buy milk #shop, then #home.", "Buy milk then", tags=("shop", "home")),
    case("Limit #" + "a" * 40, "Limit", tags=("a" * 40,)),
    case("Limit #" + "a" * 41, "Limit #" + "a" * 41),
    # --- lists
    case("Report +Work", "Report", list_name="Work"),
    case('Plan trip +"Big Trip" fri', "Plan trip", list_name="Big Trip", due=FRI),
    case("Call +49 30 1234", "Call +49 30 1234"),
    case("Report +Work +Home", "Report +Home", list_name="Work"),
    # --- dates
    case("Pay bills today", "Pay bills", due=TUE),
    case("Pay bills tomorrow", "Pay bills", due=TOMORROW),
    case("Call mom tomorrow 5pm", "Call mom", due=(WED, time(17)),
         tokens=[("due", "tomorrow 5pm")]),
    case("Call mom 5pm tomorrow", "Call mom", due=(WED, time(17))),
    case("Call mom tomorrow at 5:30pm", "Call mom", due=(WED, time(17, 30))),
    case("Call mom tomorrow 5 pm", "Call mom", due=(WED, time(17))),
    case("Submit fri", "Submit", due=FRI),
    case("Submit Friday", "Submit", due=FRI),
    case("Submit on friday", "Submit", due=FRI, tokens=[("due", "on friday")]),
    case("Submit by thu", "Submit", due=THU),
    case("Submit next friday", "Submit", due=date(2026, 12, 11)),
    case("Team lunch tue", "Team lunch", due=date(2026, 12, 8)),  # today is Tuesday
    case("Team lunch this tuesday", "Team lunch", due=TUE),
    case("Plan next week", "Plan", due=date(2026, 12, 7)),
    case("Renew in 3 days", "Renew", due=FRI),
    case("Renew in 2 weeks", "Renew", due=date(2026, 12, 15)),
    case("Renew in a month", "Renew", due=date(2027, 1, 1)),
    case("Renew in 31 days", "Renew", due=date(2027, 1, 1)),  # month and year roll over
    case("Party dec 5", "Party", due=SAT),
    case("Party 5 dec", "Party", due=SAT),
    case("Party december 5th", "Party", due=SAT),
    case("Party 5th of December", "Party", due=SAT),
    case("Party dec 5 2027", "Party", due=date(2027, 12, 5)),
    case("Party 2026-12-05", "Party", due=SAT),
    case("Party 2026-12-05 09:30", "Party", due=(SAT, time(9, 30))),
    case("Party 2026-12-05T09:30", "Party", due=(SAT, time(9, 30))),
    case("Return books jan 3", "Return books", due=date(2027, 1, 3)),  # next year
    case("Taxes nov 30", "Taxes", due=date(2027, 11, 30)),  # already past this year
    case("Party dec 1", "Party", due=TUE),  # today counts
    case("New Year dec 31 23:30", "New Year", due=(date(2026, 12, 31), time(23, 30))),
    case("Ski trip dec 32", "Ski trip dec 32"),
    case("Leap day feb 29", "Leap day", due=date(2028, 2, 29)),
    case("Bad date 2026-02-30", "Bad date 2026-02-30"),
    # --- times
    case("Standup at 9", "Standup", due=(TOMORROW, time(9))),  # 09:00 has passed today
    case("Standup at 11", "Standup", due=(TUE, time(11))),
    case("Dinner 19:00", "Dinner", due=(TUE, time(19))),
    case("Call 9:30", "Call", due=(TOMORROW, time(9, 30))),
    case("Movie tonight", "Movie", due=(TUE, time(19))),
    case("Movie tonight at 9", "Movie", due=(TUE, time(21))),
    case("Alarm 12am tomorrow", "Alarm", due=(WED, time(0))),
    case("Lunch tomorrow noon", "Lunch", due=(WED, time(12))),
    case("Lunch at noon", "Lunch", due=(TUE, time(12))),
    case("Meet 25:00 or 13pm", "Meet 25:00 or 13pm"),
    case("Read chapter 9 at home", "Read chapter 9 at home"),
    case("Meet tomorrow with Bob at 5pm", "Meet with Bob", due=(WED, time(17))),
    # --- whole words only: the peers' failures, and words that are not English
    case("The 5th Wave", "The 5th Wave"),
    case("check money", "check money"),
    case("Read The 5th Wave tomorrow", "Read The 5th Wave", due=TOMORROW),
    case("Buy sun cream", "Buy sun cream"),
    case("Wed planning mon ami", "Wed planning mon ami"),
    case("Yoga on sat", "Yoga", due=SAT),
    case("Yoga sat 10am", "Yoga", due=(SAT, time(10))),
    case("Yoga next sun", "Yoga", due=date(2026, 12, 13)),
    case("Appeler mon ami demain", "Appeler mon ami demain"),
    case("Einkaufen morgen um 5 Uhr", "Einkaufen morgen um 5 Uhr"),
    case("Comprar leche mañana el lunes", "Comprar leche mañana el lunes"),
    case("Today's agenda, tomorrowland", "Today's agenda, tomorrowland"),
    case("Call every friend", "Call every friend"),
    case("Everything every day", "Everything", rule="FREQ=DAILY", due=TUE),
    case("Fine tuning at home in 3 d", "Fine tuning at home in 3 d"),
    # --- quotes: never parsed, the quotes dropped
    case('Read "Tomorrow" by Kate', "Read Tomorrow by Kate"),
    case('Watch "next friday" on friday', "Watch next friday", due=FRI),
    case("\u201cSmart quotes tomorrow\u201d", "Smart quotes tomorrow"),
    case('A 5" screen tomorrow', 'A 5" screen', due=TOMORROW),
    case('"unclosed tomorrow', '"unclosed', due=TOMORROW),
    case('Say "#home !high p1"', "Say #home !high p1"),
    # --- repeats
    case("Exercise every day", "Exercise", rule="FREQ=DAILY", due=TUE),
    case("Standup every weekday", "Standup", rule=WEEKDAYS, due=TUE),
    case("Standup every weekday 9:30", "Standup", rule=WEEKDAYS, due=(WED, time(9, 30))),
    case("Standup every weekday 11:00", "Standup", rule=WEEKDAYS, due=(TUE, time(11))),
    case("Gym every monday", "Gym", rule="FREQ=WEEKLY;BYDAY=MO", due=date(2026, 12, 7)),
    case("Review every 2 weeks", "Review", rule="FREQ=WEEKLY;INTERVAL=2", due=TUE),
    case("Sync every other week", "Sync", rule="FREQ=WEEKLY;INTERVAL=2", due=TUE),
    case("Rent every month", "Rent", rule="FREQ=MONTHLY", due=TUE),
    case("Rent every month on the 15th", "Rent", rule=f"{MONTHLY};BYMONTHDAY=15", due=DEC[15]),
    case("Rent every month on the last day", "Rent", rule=f"{MONTHLY};BYMONTHDAY=-1", due=DEC[31]),
    case("Club every month on the last friday", "Club", rule=f"{MONTHLY};BYDAY=-1FR", due=DEC[25]),
    case("Club every month on the 2nd tuesday", "Club", rule=f"{MONTHLY};BYDAY=2TU", due=DEC[8]),
    case("Renew every year", "Renew", rule="FREQ=YEARLY", due=TUE),
    case("Birthday dec 5 every year", "Birthday", rule="FREQ=YEARLY", due=SAT),
    case("Water plants every! 3 days", "Water plants", rule="FREQ=DAILY;INTERVAL=3",
         every_bang=True, due=TUE),
    case("Gym every mon, wed and fri at 7am", "Gym", rule="FREQ=WEEKLY;BYDAY=MO,WE,FR",
         due=(WED, time(7))),
    case("Call every monday dec 9", "Call", rule="FREQ=WEEKLY;BYDAY=MO", due=DEC[14]),
    case("Count every 0 days", "Count every 0 days"),
    case(
        "Pay rent tomorrow 9am !high #home every month",
        "Pay rent",
        due=(WED, time(9)),
        priority="high",
        tags=("home",),
        rule="FREQ=MONTHLY",
        tokens=[
            ("due", "tomorrow 9am"), ("priority", "!high"), ("tag", "#home"),
            ("repeat", "every month"),
        ],
    ),
    # --- reminders
    case("Dentist dec 5 14:00 remind 1 hour", "Dentist", due=(SAT, time(14)), reminders=(60,)),
    case("Call remind 15m tomorrow 9am", "Call", due=(WED, time(9)), reminders=(15,)),
    case("Call tomorrow 9am remind me 30 min before", "Call", due=(WED, time(9)), reminders=(30,)),
    case("Call tomorrow 9am remind 1 day", "Call", due=(WED, time(9)), reminders=(1440,)),
    case("Call at 11 remind 15m remind 1h remind 15 min", "Call", due=(TUE, time(11)),
         reminders=(15, 60)),
    case("Trip remind 100 days", "Trip remind 100 days"),
    case("Please remind Bob", "Please remind Bob"),
    # --- another "now" and zone: month and year roll over, the zone decides "today"
    case("Party tomorrow", "Party", due=NEW_YEAR, now=NYE_EVENING),
    case("Party fri", "Party", due=NEW_YEAR, now=NYE_EVENING),
    case("Party today", "Party", due=NEW_YEAR, now=NYE_UTC),
    case("Party today", "Party", due=DEC[31], now=NYE_UTC, zone="America/New_York"),
    case("Party dec 31", "Party", due=date(2027, 12, 31), now=NYE_UTC),
    case("Plan next week", "Plan", due=DEC[7], now=SUNDAY),
    case("Plan next monday", "Plan", due=DEC[7], now=SUNDAY),
    case("Pay on monday", "Pay", due=DEC[14], now=MONDAY),
    case("Rent every month on the last day", "Rent", rule=f"{MONTHLY};BYMONTHDAY=-1",
         due=date(2027, 2, 28), now=datetime(2027, 2, 1, 9, tzinfo=BERLIN)),
    # --- ignore: dismissed chips stay in the title, whole
    case("Pay rent tomorrow", "Pay rent tomorrow", ignore={9}),
    case("Meet tomorrow 5pm", "Meet tomorrow 5pm", ignore={5}),
    case("!high then !low", "!high then", priority="low", ignore={0}),
    case("Buy milk #home #shop", "Buy milk #home", tags=("shop",), ignore={9}),
    case("Run every day at 7", "Run every day at 7", ignore={4}),
    # --- nothing but tokens
    case("tomorrow", "", due=TOMORROW),
    case("", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "title", "fields"), CASES)
def test_phrase(text: str, title: str, fields: dict[str, Any]) -> None:
    fields = dict(fields)
    now = fields.pop("now", NOW)
    zone = fields.pop("zone", ZONE)
    ignore = frozenset(fields.pop("ignore", ()))
    parsed = parse(text, now=now, zone=zone, ignore=ignore)

    due = fields.pop("due", None)
    due_date, due_time = due if isinstance(due, tuple) else (due, None)
    rule = fields.pop("rule", None)
    every_bang = fields.pop("every_bang", False)
    recurrence = None if rule is None else {"rule": rule, "from_completion": every_bang}
    tokens = fields.pop("tokens", None)
    expected = {
        "title": title,
        "priority": fields.pop("priority", None),
        "tags": fields.pop("tags", ()),
        "list_name": fields.pop("list_name", None),
        "due_date": due_date,
        "due_time": due_time,
        "recurrence": recurrence,
        "reminders": fields.pop("reminders", ()),
    }
    assert not fields, f"unknown expectation {fields}"
    assert {name: getattr(parsed, name) for name in expected} == expected
    if tokens is not None:
        assert [(t.kind, t.text) for t in parsed.tokens] == tokens
    assert_well_formed(text, parsed)


def test_there_are_at_least_sixty_phrases() -> None:
    assert len(CASES) >= 60


# --- tokens: spans and labels for the chips -------------------------------------------


def test_tokens_carry_their_span_and_label() -> None:
    text = "Call +Work tomorrow 5pm p1 #home every month remind 15m"
    parsed = parse(text, now=NOW, zone=ZONE)
    assert parsed.tokens == (
        Token("list", "+Work", 5, 10, "+Work"),
        Token("due", "tomorrow 5pm", 11, 23, "Tomorrow 17:00"),
        Token("priority", "p1", 24, 26, "High priority"),
        Token("tag", "#home", 27, 32, "#home"),
        Token("repeat", "every month", 33, 44, "Every month"),
        Token("remind", "remind 15m", 45, 55, "Remind 15 min before"),
    )


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("x today", "Today"),
        ("x fri", "Friday"),
        ("x next friday", "Fri 11 Dec"),
        ("x jan 3", "Sun 3 Jan 2027"),
        ("x 5pm", "Today 17:00"),
        ("x at 9", "Tomorrow 09:00"),
        ("x tonight", "Today 19:00"),
        ("x every weekday 9:30", "Every weekday at 09:30"),
        ("x every! 3 days", "Every 3 days from completion"),
        ("x every mon and fri", "Every Monday and Friday"),
        ("x every 2 weeks on tue", "Every 2 weeks on Tuesday"),
        ("x every month on the 15th", "Every month on the 15th"),
        ("x every month on the 1st", "Every month on the 1st"),
        ("x every month on the last day", "Every month on the last day"),
        ("x every 3 months", "Every 3 months"),
        ("x every weekend", "Every weekend"),
        ("x remind 1 hour", "Remind 1 hour before"),
        ("x remind 2 days", "Remind 2 days before"),
        ("x remind 0m", "Remind at the due time"),
        ("x remind 90 min", "Remind 90 min before"),
        ('x +"Two words"', "+Two words"),
        ("x !low", "Low priority"),
    ],
)
def test_labels_say_what_was_understood(text: str, label: str) -> None:
    (token,) = parse(text, now=NOW, zone=ZONE).tokens
    assert token.label == label


def test_a_time_apart_from_its_date_shows_as_its_own_chip() -> None:
    parsed = parse("Meet tomorrow with Bob at 5pm", now=NOW, zone=ZONE)
    assert [(t.text, t.label) for t in parsed.tokens] == [
        ("tomorrow", "Tomorrow"),
        ("at 5pm", "At 17:00"),
    ]


def test_dismissing_a_chip_lets_the_next_one_of_its_kind_apply() -> None:
    text = "Call tomorrow or friday"
    first = parse(text, now=NOW, zone=ZONE)
    assert first.due_date == TOMORROW and first.title == "Call or friday"
    again = parse(text, now=NOW, zone=ZONE, ignore=frozenset({first.tokens[0].start}))
    assert again.due_date == FRI and again.title == "Call tomorrow or"


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        parse("x", now=datetime(2026, 12, 1, 10), zone=ZONE)


def test_dst_does_not_move_a_wall_clock_time() -> None:
    # The Sunday clocks go forward in Berlin: tomorrow 9am is 09:00 local, whatever the offset.
    saturday = datetime(2026, 3, 28, 20, 0, tzinfo=ZoneInfo(ZONE))
    parsed = parse("Run tomorrow 9am every day", now=saturday, zone=ZONE)
    assert (parsed.due_date, parsed.due_time) == (date(2026, 3, 29), time(9))


# --- properties ---------------------------------------------------------------------------

_PUNCTUATION = ",.;:!?"
_QUOTES = '"\u201c\u201d'


def residue(text: str) -> str:
    """The characters that must survive: neither whitespace nor a quote."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in _QUOTES)


def assert_well_formed(text: str, parsed: Parsed) -> None:
    """Tokens are ordered, disjoint slices of the text, and every other character that is
    not whitespace or a quote is in the title, in order, with nothing added."""
    position = 0
    outside = []
    for token in parsed.tokens:
        assert position <= token.start < token.end <= len(text)
        assert text[token.start : token.end] == token.text
        assert token.text == token.text.strip() and token.label
        outside.append(text[position : token.start])
        position = token.end
    outside.append(text[position:])
    assert residue(parsed.title) == residue("".join(outside))
    assert parsed.title == parsed.title.strip()


def _not_a_keyword(word: str) -> bool:
    return word.rstrip(_PUNCTUATION).lower() not in KEYWORDS


plain_words = st.text(
    alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzAEIOUXYZéßøñ日本-'&,.!?"),
    min_size=1,
    max_size=10,
).filter(_not_a_keyword)
spaces = st.sampled_from([" ", "  ", "\t", "\n", " \u3000 "])


@st.composite
def plain_sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(plain_words, min_size=1, max_size=12))
    text = draw(st.sampled_from(["", " "])) + words[0]
    for word in words[1:]:
        text += draw(spaces) + word
    return text


@settings(max_examples=300)
@given(plain_sentences())
def test_words_that_are_not_tokens_are_the_title_verbatim(text: str) -> None:
    parsed = parse(text, now=NOW, zone=ZONE)
    assert parsed.tokens == ()
    assert parsed.title == text.strip()
    assert " ".join(parsed.title.split()) == " ".join(text.split())


PHRASES = [
    "tomorrow 5pm",
    "!high",
    "p2",
    "#home",
    '+"Big Trip"',
    "+Work",
    "every! 3 days",
    "every weekday 9:30",
    "every month on the last day",
    "dec 5 14:00",
    "in 2 weeks",
    "on friday",
    "remind 1 hour",
    "2026-12-05 09:30",
    "next week",
]


@settings(max_examples=300)
@given(
    st.lists(plain_words, max_size=5),
    st.sampled_from(PHRASES),
    st.lists(plain_words, max_size=5),
)
def test_a_phrase_among_other_words_takes_only_itself(
    before: list[str], phrase: str, after: list[str]
) -> None:
    alone = parse(phrase, now=NOW, zone=ZONE)
    inside = parse(" ".join([*before, phrase, *after]), now=NOW, zone=ZONE)
    assert inside.title == " ".join(before + after)
    same = ("priority", "tags", "list_name", "due_date", "due_time", "recurrence", "reminders")
    assert [getattr(inside, f) for f in same] == [getattr(alone, f) for f in same]
    assert [t.text for t in inside.tokens] == [t.text for t in alone.tokens]


fragments = st.one_of(
    st.sampled_from(
        [
            *PHRASES,
            *sorted(KEYWORDS),
            "5",
            "15th",
            "9am",
            "17:00",
            "3",
            "2027",
            '"',
            "\u201c",
            "\u201d",
            '"quoted tomorrow"',
            "+",
            "#",
            "!",
            ",",
            "x",
            "The 5th Wave",
        ]
    ),
    st.text(max_size=8),
)


@st.composite
def any_sentences(draw: st.DrawFn) -> str:
    parts = draw(st.lists(fragments, max_size=14))
    return "".join(part + draw(st.sampled_from(["", " ", " ", "  ", "\n"])) for part in parts)


@settings(max_examples=500)
@given(any_sentences())
def test_no_character_is_lost_from_any_text(text: str) -> None:
    parsed = parse(text, now=NOW, zone=ZONE)
    assert_well_formed(text, parsed)
    assert parse(text, now=NOW, zone=ZONE) == parsed  # deterministic


@settings(max_examples=300)
@given(any_sentences(), st.data())
def test_a_dismissed_token_is_never_parsed_again(text: str, data: st.DataObject) -> None:
    parsed = parse(text, now=NOW, zone=ZONE)
    if not parsed.tokens:
        return
    dismissed = data.draw(st.sets(st.sampled_from([t.start for t in parsed.tokens]), min_size=1))
    again = parse(text, now=NOW, zone=ZONE, ignore=frozenset(dismissed))
    assert not {t.start for t in again.tokens} & dismissed
    assert_well_formed(text, again)


@settings(max_examples=200)
@given(
    st.datetimes(datetime(1950, 1, 1), datetime(2900, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "UTC"]),
    st.sampled_from([*PHRASES, "fri", "jan 3", "feb 29", "at 9", "tonight", "every monday"]),
)
def test_any_now_and_zone_resolve_without_error(now: datetime, zone: str, phrase: str) -> None:
    parsed = parse(f"Task {phrase}", now=now, zone=zone)
    assert parsed.title == "Task"
    if parsed.due_date is not None:
        assert parsed.due_date >= now.astimezone(ZoneInfo(zone)).date() or phrase.startswith("2026")
