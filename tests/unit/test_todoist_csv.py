"""Todoist's CSV template, read as a ``todo-export`` document (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from todo_app.errors import InvalidAt
from todo_app.interop.todoist_csv import read_template

FIXTURE = Path(__file__).parent.parent / "fixtures" / "todoist_template.csv"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # a Wednesday


def read() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    return read_template(FIXTURE.read_text(encoding="utf-8"), zone="UTC", now=NOW)


def by_title(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {task["title"]: task for task in document["tasks"]}


def test_indents_become_sub_tasks() -> None:
    tasks = by_title(read()[0])
    assert tasks["Plan the trip"]["parent_id"] is None
    assert tasks["Book flights"]["parent_id"] == tasks["Plan the trip"]["id"]
    assert tasks["Compare seats"]["parent_id"] == tasks["Book flights"]["id"]


def test_priorities_follow_the_csv_numbering() -> None:
    tasks = by_title(read()[0])
    assert tasks["Plan the trip"]["priority"] == "high"  # 1 = p1
    assert tasks["Book flights"]["priority"] == "medium"
    assert tasks["Compare seats"]["priority"] == "low"
    assert tasks["Water the plants"]["priority"] == "none"  # 4 = p4
    assert tasks["Renew passport"]["priority"] == "none"  # empty


def test_labels_become_tags() -> None:
    tasks = by_title(read()[0])
    assert tasks["Book flights"]["tags"] == ["travel", "online"]
    assert tasks["Buy milk"]["tags"] == ["shop"]


def test_dates_are_read_by_quick_add_including_repeats() -> None:
    tasks = by_title(read()[0])
    assert tasks["Plan the trip"]["due_date"] == "2026-12-03"
    assert tasks["Plan the trip"]["due_time"] == "17:00"
    water = tasks["Water the plants"]
    assert water["recurrence"]["rule"] == "FREQ=WEEKLY;BYDAY=MO"
    assert water["due_date"] == "2026-12-07"


def test_an_unreadable_date_stays_in_the_description_and_the_report() -> None:
    document, unread = read()
    passport = by_title(document)["Renew passport"]
    assert "due_date" not in passport
    assert "Date: when the moon is blue" in passport["description"]
    assert unread == [{"line": 7, "reason": 'Could not read the date "when the moon is blue"'}]


def test_a_section_is_a_list_and_a_note_joins_its_task() -> None:
    document, _ = read()
    assert [item["name"] for item in document["lists"]] == ["Groceries"]
    tasks = by_title(document)
    assert tasks["Buy milk"]["list_id"] == document["lists"][0]["id"]
    assert tasks["Plan the trip"]["list_id"] is None
    assert tasks["Compare seats"]["description"] == "Window seat if possible"


def test_a_field_over_the_size_limit_is_refused_with_its_line() -> None:
    text = FIXTURE.read_text(encoding="utf-8") + "task,Long,," + "x" * 20_000 + ",,,,,,,,,,\n"
    with pytest.raises(InvalidAt) as refused:
        read_template(text, zone="UTC", now=NOW)
    assert refused.value.problems[0][0][0] == "line"
