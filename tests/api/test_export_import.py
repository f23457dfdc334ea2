"""Export and import through the REST API: a lossless round trip, idempotent, atomic with
the problem's location, bounded, and only what the account owns."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from tests.api.conftest import Account, create_list, create_task, sign_up
from tests.api.test_sharing import accept, invite
from todo_app.db import session_scope
from todo_app.models import Reminder


def export(client: TestClient, account: Account) -> dict[str, Any]:
    response = client.get("/api/export", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def import_(client: TestClient, account: Account, document: Any, **params: Any) -> Any:
    return client.post(
        "/api/import",
        content=json.dumps(document),
        params=params,
        headers={**account.headers, "Content-Type": "application/json"},
    )


def comparable(document: dict[str, Any]) -> dict[str, Any]:
    """The document without ids and timestamps: list and parent ids become names/titles."""
    lists = {item["id"]: item["name"] for item in document["lists"]}
    titles = {task["id"]: task["title"] for task in document["tasks"]}
    tasks = []
    for task in document["tasks"]:
        task = dict(
            task, list_id=lists.get(task["list_id"]), parent_id=titles.get(task["parent_id"])
        )
        for name in ("id", "created_at", "updated_at"):
            task.pop(name)
        task["completions"] = [c["due_date"] for c in task["completions"]]
        tasks.append(task)
    return {
        "lists": sorted(
            ({k: v for k, v in item.items() if k != "id"} for item in document["lists"]),
            key=lambda item: item["name"],
        ),
        "tasks": sorted(tasks, key=lambda task: task["title"]),
    }


def fill(client: TestClient, account: Account) -> None:
    work = create_list(client, account, "Work")
    create_list(client, account, "Home")
    parent = create_task(
        client,
        account,
        title="Report",
        list_id=work["id"],
        priority="high",
        tags=["office", "Q4"],
        due_date="2099-12-10",
        due_time="09:30",
        reminders=[{"minutes_before": 15}],
        description="Figures\nand words",
        assignee_id=str(account.id),
    )
    create_task(client, account, title="Draft", list_id=work["id"], parent_id=parent["id"])
    repeat = create_task(
        client,
        account,
        title="Water plants",
        due_date="2026-12-07",
        recurrence={"rule": "FREQ=WEEKLY;BYDAY=MO", "from_completion": False},
    )
    client.patch(f"/api/tasks/{repeat['id']}/complete", headers=account.headers)
    done = create_task(client, account, title="Done already")
    client.patch(f"/api/tasks/{done['id']}/complete", headers=account.headers)


def test_round_trip_is_lossless_and_a_second_import_adds_nothing(
    client: TestClient, alice: Account
) -> None:
    fill(client, alice)
    first = export(client, alice)
    assert first["format"] == "todo-export" and first["version"] == 1
    water = next(t for t in first["tasks"] if t["title"] == "Water plants")
    assert len(water["completions"]) == 1
    carol = sign_up(client, "carol@example.com")

    response = import_(client, carol, first)
    assert response.status_code == 200, response.text
    assert response.json()["tasks"] == 4 and response.json()["lists"] == 2
    second = export(client, carol)
    # The assignee was alice herself, not an account carol may assign: it does not travel.
    for task in first["tasks"]:
        task["assignee"] = None
    assert comparable(second) == comparable(first)
    with session_scope() as session:  # the timed task's reminder is planned, once
        planned = session.exec(select(Reminder).where(col(Reminder.owner_id) == carol.id)).all()
    assert [r.minutes_before for r in planned] == [15]

    again = import_(client, carol, first)
    assert again.status_code == 200, again.text
    assert again.json()["tasks"] == 0 and again.json()["skipped"] == 4
    assert len(export(client, carol)["tasks"]) == 4


def test_a_bad_row_refuses_the_whole_file_and_says_where(
    client: TestClient, alice: Account
) -> None:
    fill(client, alice)
    document = export(client, alice)
    carol = sign_up(client, "carol@example.com")
    document["tasks"][2]["due_date"] = "2026-13-45"
    response = import_(client, carol, document)
    assert response.status_code == 422, response.text
    assert ["body", "tasks", 2, "due_date"] in [e["loc"] for e in response.json()["detail"]]
    assert export(client, carol)["tasks"] == [] and export(client, carol)["lists"] == []


def test_a_preview_writes_nothing(client: TestClient, alice: Account) -> None:
    fill(client, alice)
    carol = sign_up(client, "carol@example.com")
    response = import_(client, carol, export(client, alice), dry_run="true")
    assert response.status_code == 200, response.text
    assert response.json()["tasks"] == 4 and response.json()["dry_run"] is True
    assert export(client, carol)["tasks"] == []


def test_more_than_ten_thousand_tasks_are_refused(client: TestClient, alice: Account) -> None:
    document = {
        "format": "todo-export",
        "version": 1,
        "lists": [],
        "tasks": [{"id": str(n), "title": "t"} for n in range(10_001)],
    }
    response = import_(client, alice, document)
    assert response.status_code == 422, response.text
    assert "10,000" in response.json()["detail"][0]["msg"]
    assert export(client, alice)["tasks"] == []


def test_another_accounts_data_is_never_exported(
    client: TestClient, alice: Account, bob: Account
) -> None:
    create_task(client, bob, title="Bob's secret")
    create_list(client, bob, "Bob's list")
    document = export(client, alice)
    assert document["tasks"] == [] and document["lists"] == []


def test_a_member_does_not_export_a_shared_lists_tasks(
    client: TestClient, alice: Account, bob: Account
) -> None:
    shared = create_list(client, alice, "Team")
    accept(client, bob, invite(client, alice, shared["id"], bob.email, "editor")["id"])
    create_task(client, alice, title="Alice's", list_id=shared["id"])
    create_task(client, bob, title="Bob's in Alice's list", list_id=shared["id"])
    assert export(client, bob)["tasks"] == [] and export(client, bob)["lists"] == []
    owner = export(client, alice)
    assert {t["title"] for t in owner["tasks"]} == {"Alice's", "Bob's in Alice's list"}
    assert owner["lists"][0]["members"] == [{"email": bob.email, "role": "editor"}]


def test_a_todoist_csv_is_imported_with_its_report(client: TestClient, alice: Account) -> None:
    with open("tests/fixtures/todoist_template.csv", encoding="utf-8") as f:
        text = f.read()
    response = client.post(
        "/api/import", content=text, headers={**alice.headers, "Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["tasks"] == 6 and report["lists"] == 1
    assert [u["line"] for u in report["unread"]] == [7]
    assert len(export(client, alice)["tasks"]) == 6


def test_the_import_route_alone_takes_bodies_up_to_twenty_megabytes(
    client: TestClient, alice: Account
) -> None:
    big = {
        "format": "todo-export",
        "version": 1,
        "lists": [],
        "tasks": [{"id": str(n), "title": "t", "description": "x" * 1000} for n in range(100)],
    }
    assert import_(client, alice, big).status_code == 200  # ~100 KB, over the API's 64 KiB
    too_big = client.post(
        "/api/import",
        content=b" " * (20 * 1024 * 1024 + 1),
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert too_big.status_code == 413
    elsewhere = client.post(
        "/api/tasks", content=json.dumps({"title": "t", "description": "x" * 70_000}),
        headers={**alice.headers, "Content-Type": "application/json"},
    )  # fmt: skip
    assert elsewhere.status_code == 413
