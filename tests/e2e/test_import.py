"""Import on /account, in Chromium: a Todoist CSV (the template fixture) is chosen, previewed
(lists, tasks and the lines it could not read), imported with its progress, and its tasks are
on the task page; "Download my data" answers the export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_tasks import sign_up

pytestmark = pytest.mark.e2e

FIXTURE = Path(__file__).parents[1] / "fixtures" / "todoist_template.csv"


def test_a_todoist_csv_is_previewed_then_imported(page: Page) -> None:
    sign_up(page, "Ann")
    page.goto("/account")
    section = page.get_by_role("region", name="Import")
    expect(section).to_be_visible()
    section.get_by_label("Choose or drop a file").set_input_files(str(FIXTURE))
    expect(section.get_by_text("todoist_template.csv")).to_be_visible()
    section.get_by_role("button", name="Preview import").click()
    preview = section.get_by_role("status")
    expect(preview).to_have_text("1 list, 6 tasks")
    expect(section.get_by_text("when the moon is blue")).to_be_visible()  # not read: listed
    screenshot(page, "import-preview")
    section.get_by_role("button", name="Import", exact=True).click()
    expect(section.get_by_label("Import progress")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("checkbox", name="Plan the trip")).to_be_visible()
    nav = page.get_by_role("navigation", name="Lists and views")
    expect(nav.get_by_role("link", name=re.compile("^Groceries"))).to_be_visible()


def test_download_my_data_answers_the_export(page: Page) -> None:
    sign_up(page, "Ann")
    page.goto("/account")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my data").click()
    body = Path(download.value.path()).read_text()
    assert '"format": "todo-export"' in body or '"format":"todo-export"' in body
