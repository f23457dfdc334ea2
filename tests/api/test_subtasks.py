"""Sub-tasks through the REST API (issue 17): the nesting rules (same owner, the parent's
list, at most four levels below a top-level task, no cycles: a 422 naming `parent_id` with
the reason), the counts every task carries, `GET /api/tasks/{id}` with its sub-tasks, and
what a change to a parent does below it (complete, move to another list, repeat, delete)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import Account, create_list, create_task, list_tasks
from todo_app.tasks import subtasks


def _get(client: TestClient, account: Account, task: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task['id']}", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _patch(client: TestClient, account: Account, task: dict[str, Any], **fields: Any) -> Any:
    return client.patch(f"/api/tasks/{task['id']}", json=fields, headers=account.headers)


def _patched(
    client: TestClient, account: Account, task: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    response = _patch(client, account, task, **fields)
    assert response.status_code == 200, response.text
    return response.json()


def _refused(response: Any, field: str, message: str) -> None:
    """A 422 naming ``field`` in the body with the service's reason."""
    assert response.status_code == 422, response.text
    assert {"loc": ["body", field], "msg": message, "type": "value_error"} in response.json()[
        "detail"
    ], response.json()


def _chain(client: TestClient, account: Account, depth: int, **fields: Any) -> list[dict]:
    """A top-level task and ``depth`` levels below it, each the only sub-task of the last."""
    tasks = [create_task(client, account, title="level 0", **fields)]
    for level in range(1, depth + 1):
        tasks.append(
            create_task(client, account, title=f"level {level}", parent_id=tasks[-1]["id"])
        )
    return tasks


def _counts(task: dict[str, Any]) -> tuple[int, int]:
    return task["subtask_count"], task["subtasks_done"]


# --- the nesting rules --------------------------------------------------------------------


def test_a_task_made_under_a_parent_is_its_sub_task_in_the_parents_list(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    parent = create_task(client, alice, title="Parent", list_id=work["id"])
    child = create_task(client, alice, title="Child", parent_id=parent["id"])
    assert child["parent_id"] == parent["id"]
    assert child["list_id"] == work["id"]  # not the Inbox: its parent's list
    assert _counts(child) == (0, 0)
    assert _counts(_get(client, alice, parent)) == (1, 0)


def test_a_sub_task_sent_with_another_list_than_its_parents_is_refused(
    client: TestClient, alice: Account
) -> None:
    work, home = create_list(client, alice, "Work"), create_list(client, alice, "Home")
    parent = create_task(client, alice, title="Parent", list_id=work["id"])
    response = client.post(
        "/api/tasks",
        json={"title": "Child", "parent_id": parent["id"], "list_id": home["id"]},
        headers=alice.headers,
    )
    _refused(response, "list_id", subtasks.OTHER_LIST)
    assert list_tasks(client, alice)["total"] == 1  # nothing written

    other = create_task(client, alice, title="Other", list_id=work["id"])
    response = _patch(client, alice, other, parent_id=parent["id"], list_id=home["id"])
    _refused(response, "list_id", subtasks.OTHER_LIST)
    assert _get(client, alice, other)["parent_id"] is None


def test_patch_parent_id_makes_a_task_a_sub_task_in_its_parents_list(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    parent = create_task(client, alice, title="Parent", list_id=work["id"])
    loose = create_task(client, alice, title="Loose")  # in the Inbox
    moved = _patched(client, alice, loose, parent_id=parent["id"])
    assert (moved["parent_id"], moved["list_id"]) == (parent["id"], work["id"])
    assert moved["version"] == loose["version"] + 1
    assert _counts(_get(client, alice, parent)) == (1, 0)


def test_patch_with_a_parent_and_an_inbox_list_id_keeps_the_sub_task_in_its_parents_list(
    client: TestClient, alice: Account
) -> None:
    """`list_id: null` next to a parent means "the parent's list", as on create: never a
    sub-task in the Inbox under a parent in a list."""
    work = create_list(client, alice, "Work")
    parent = create_task(client, alice, title="Parent", list_id=work["id"])
    task = create_task(client, alice, title="Task", list_id=work["id"])
    moved = _patched(client, alice, task, parent_id=parent["id"], list_id=None)
    assert (moved["parent_id"], moved["list_id"]) == (parent["id"], work["id"])


def test_put_naming_a_parent_keeps_the_sub_task_under_it_in_its_parents_list(
    client: TestClient, alice: Account
) -> None:
    """PUT sends every field: `list_id` left out is null, which next to a parent is its list."""
    work = create_list(client, alice, "Work")
    parent = create_task(client, alice, title="Parent", list_id=work["id"])
    task = create_task(client, alice, title="Task", list_id=work["id"])
    body = {"title": "Task", "parent_id": parent["id"]}
    response = client.put(f"/api/tasks/{task['id']}", json=body, headers=alice.headers)
    assert response.status_code == 200, response.text
    first = response.json()
    assert (first["parent_id"], first["list_id"]) == (parent["id"], work["id"])
    # The same PUT again (the same parent): it stays where it is, under its parent.
    response = client.put(
        f"/api/tasks/{task['id']}", json={**body, "title": "Renamed"}, headers=alice.headers
    )
    assert response.status_code == 200, response.text
    again = response.json()
    assert (again["title"], again["parent_id"], again["list_id"]) == (
        "Renamed",
        parent["id"],
        work["id"],
    )
    assert again["position"] == first["position"]  # not placed anew: it did not move
    assert _counts(_get(client, alice, parent)) == (1, 0)


def test_a_task_cannot_be_its_own_parent(client: TestClient, alice: Account) -> None:
    task = create_task(client, alice, title="Me")
    _refused(
        _patch(client, alice, task, parent_id=task["id"]), "parent_id", subtasks.PARENT_IS_SELF
    )
    assert _get(client, alice, task)["parent_id"] is None


def test_a_task_cannot_go_under_one_of_its_own_sub_tasks(
    client: TestClient, alice: Account
) -> None:
    top, child, grandchild = _chain(client, alice, 2)
    for below in (child, grandchild):
        response = _patch(client, alice, top, parent_id=below["id"])
        _refused(response, "parent_id", subtasks.PARENT_IS_SELF)
    stored = _get(client, alice, top)
    assert (stored["parent_id"], stored["version"]) == (None, top["version"])


def test_a_parent_in_another_account_is_refused_like_one_that_does_not_exist(
    client: TestClient, alice: Account, bob: Account
) -> None:
    bobs = create_task(client, bob, title="Bob's")
    mine = create_task(client, alice, title="Mine")
    for parent_id in (bobs["id"], str(uuid.uuid4())):
        created = client.post(
            "/api/tasks", json={"title": "Child", "parent_id": parent_id}, headers=alice.headers
        )
        _refused(created, "parent_id", subtasks.PARENT_NOT_FOUND)
        _refused(
            _patch(client, alice, mine, parent_id=parent_id), "parent_id", subtasks.PARENT_NOT_FOUND
        )
    assert list_tasks(client, alice)["total"] == 1
    assert _counts(_get(client, bob, bobs)) == (0, 0)  # nothing went under Bob's task


def test_sub_tasks_go_four_levels_deep_and_no_further(client: TestClient, alice: Account) -> None:
    chain = _chain(client, alice, 4)
    assert [t["parent_id"] for t in chain[1:]] == [t["id"] for t in chain[:-1]]
    fifth = client.post(
        "/api/tasks", json={"title": "level 5", "parent_id": chain[-1]["id"]}, headers=alice.headers
    )
    _refused(fifth, "parent_id", subtasks.TOO_DEEP)
    # A task with two levels below it fits under level 1, not under level 2: its whole tree
    # must fit (its grandchild would be a fifth level).
    branch = _chain(client, alice, 2)
    response = _patch(client, alice, branch[0], parent_id=chain[2]["id"])
    _refused(response, "parent_id", subtasks.TOO_DEEP)
    assert _patched(client, alice, branch[0], parent_id=chain[1]["id"])["version"] == 2
    assert list_tasks(client, alice)["total"] == 8


def test_patch_parent_id_null_moves_a_sub_task_to_the_top_level_of_its_list(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    parent, child = _chain(client, alice, 1, list_id=work["id"])
    out = _patched(client, alice, child, parent_id=None)
    assert (out["parent_id"], out["list_id"]) == (None, work["id"])
    assert _counts(_get(client, alice, parent)) == (0, 0)


def test_patch_list_id_of_a_sub_task_alone_makes_it_top_level_in_that_list(
    client: TestClient, alice: Account
) -> None:
    work, home = create_list(client, alice, "Work"), create_list(client, alice, "Home")
    top, child, grandchild = _chain(client, alice, 2, list_id=work["id"])
    out = _patched(client, alice, child, list_id=home["id"])
    assert (out["parent_id"], out["list_id"]) == (None, home["id"])
    assert _counts(out) == (1, 0)
    below = _get(client, alice, grandchild)  # its own sub-task goes with it
    assert (below["parent_id"], below["list_id"]) == (child["id"], home["id"])
    assert _counts(_get(client, alice, top)) == (0, 0)


def test_moving_a_parent_to_another_list_moves_its_sub_tasks(
    client: TestClient, alice: Account
) -> None:
    work, home = create_list(client, alice, "Work"), create_list(client, alice, "Home")
    chain = _chain(client, alice, 3, list_id=work["id"])
    _patched(client, alice, chain[0], list_id=home["id"])
    assert {_get(client, alice, t)["list_id"] for t in chain} == {home["id"]}
    assert [_get(client, alice, t)["parent_id"] for t in chain] == [
        None,
        *(t["id"] for t in chain[:-1]),
    ]
    assert list_tasks(client, alice, list_id=work["id"])["total"] == 0
    _patched(client, alice, chain[0], list_id=None)  # and to the Inbox
    assert list_tasks(client, alice, list_id="inbox")["total"] == 4


def test_a_sub_task_follows_a_move_of_its_parent_under_a_parent_in_another_list(
    client: TestClient, alice: Account
) -> None:
    work, home = create_list(client, alice, "Work"), create_list(client, alice, "Home")
    elsewhere = create_task(client, alice, title="Elsewhere", list_id=home["id"])
    parent, child = _chain(client, alice, 1, list_id=work["id"])
    moved = _patched(client, alice, parent, parent_id=elsewhere["id"])
    assert (moved["parent_id"], moved["list_id"]) == (elsewhere["id"], home["id"])
    assert _get(client, alice, child)["list_id"] == home["id"]


# --- counts and reading one task ----------------------------------------------------------


def test_every_task_carries_its_direct_sub_task_counts(client: TestClient, alice: Account) -> None:
    parent = create_task(client, alice, title="Parent")
    kids = [create_task(client, alice, title=f"Kid {i}", parent_id=parent["id"]) for i in range(3)]
    grandkid = create_task(client, alice, title="Grandkid", parent_id=kids[0]["id"])
    _patched(client, alice, grandkid, completed=True)
    _patched(client, alice, kids[1], completed=True)
    by_title = {t["title"]: t for t in list_tasks(client, alice)["items"]}
    assert _counts(by_title["Parent"]) == (3, 1)  # the grandchild is its child's, not its
    assert _counts(by_title["Kid 0"]) == (1, 1)
    assert _counts(by_title["Kid 1"]) == (0, 0)
    assert _counts(_get(client, alice, parent)) == (3, 1)
    assert _counts(_get(client, alice, kids[0])) == (1, 1)
    assert _counts(list_tasks(client, alice, parent_id="none")["items"][0]) == (3, 1)


def test_get_one_includes_its_direct_sub_tasks_in_their_order(
    client: TestClient, alice: Account
) -> None:
    parent = create_task(client, alice, title="Parent")
    kids = [create_task(client, alice, title=f"Kid {i}", parent_id=parent["id"]) for i in range(3)]
    create_task(client, alice, title="Grandkid", parent_id=kids[1]["id"])
    got = _get(client, alice, parent)
    assert [t["title"] for t in got["subtasks"]] == ["Kid 0", "Kid 1", "Kid 2"]  # added last
    assert _counts(got["subtasks"][1]) == (1, 0)  # one level: the grandchild is only counted
    assert "subtasks" not in got["subtasks"][0]
    move = {"parent_id": parent["id"], "before_id": kids[0]["id"]}
    response = client.post(f"/api/tasks/{kids[2]['id']}/move", json=move, headers=alice.headers)
    assert response.status_code == 200, response.text
    got = _get(client, alice, parent)
    assert [t["title"] for t in got["subtasks"]] == ["Kid 2", "Kid 0", "Kid 1"]
    assert _get(client, alice, kids[2])["subtasks"] == []


# --- what a change to a parent does below it ----------------------------------------------


def test_completing_a_parent_completes_its_open_sub_tasks_all_the_way_down(
    client: TestClient, alice: Account
) -> None:
    chain = _chain(client, alice, 3)
    side = create_task(client, alice, title="Side", parent_id=chain[0]["id"])
    done = _patched(client, alice, chain[0], completed=True)
    assert done["completed"] and _counts(done) == (2, 2)
    for task in [*chain[1:], side]:
        stored = _get(client, alice, task)
        assert stored["completed"], stored["title"]
        assert stored["version"] == task["version"] + 1
    assert list_tasks(client, alice, status="active")["total"] == 0
    # The toggle route does the same.
    other = _chain(client, alice, 1)
    response = client.patch(f"/api/tasks/{other[0]['id']}/complete", headers=alice.headers)
    assert response.status_code == 200 and response.json()["completed"]
    assert _get(client, alice, other[1])["completed"]


def test_completing_the_last_open_sub_task_leaves_the_parent_open(
    client: TestClient, alice: Account
) -> None:
    parent = create_task(client, alice, title="Parent")
    kids = [create_task(client, alice, title=f"Kid {i}", parent_id=parent["id"]) for i in range(2)]
    for kid in kids:
        _patched(client, alice, kid, completed=True)
    stored = _get(client, alice, parent)
    assert not stored["completed"]
    assert stored["version"] == parent["version"]  # the parent's row was not written
    assert _counts(stored) == (2, 2)


def test_completing_a_recurring_parent_moves_it_on_and_reopens_its_completed_sub_tasks(
    client: TestClient, alice: Account
) -> None:
    today = date.today()  # the account's zone is UTC
    parent = create_task(
        client,
        alice,
        title="Weekly review",
        due_date=today.isoformat(),
        recurrence={"rule": "FREQ=DAILY", "from_completion": False},
    )
    done = create_task(client, alice, title="Inbox zero", parent_id=parent["id"])
    _patched(client, alice, done, completed=True)
    still_open = create_task(client, alice, title="Plan week", parent_id=parent["id"])
    after = _patched(client, alice, parent, completed=True)
    assert not after["completed"]
    assert after["due_date"] == (today + timedelta(days=1)).isoformat()
    assert not _get(client, alice, done)["completed"]  # opened again for the next occurrence
    opened = _get(client, alice, still_open)
    assert not opened["completed"] and opened["version"] == still_open["version"]
    assert _counts(after) == (2, 0)


def test_deleting_a_parent_deletes_its_sub_tasks(client: TestClient, alice: Account) -> None:
    chain = _chain(client, alice, 3)
    side = create_task(client, alice, title="Side", parent_id=chain[1]["id"])
    keep = create_task(client, alice, title="Keep")
    response = client.delete(f"/api/tasks/{chain[1]['id']}", headers=alice.headers)
    assert response.status_code == 204
    for task in [*chain[1:], side]:
        gone = client.get(f"/api/tasks/{task['id']}", headers=alice.headers)
        assert gone.status_code == 404, task["title"]
    assert {t["title"] for t in list_tasks(client, alice)["items"]} == {"level 0", "Keep"}
    assert _counts(_get(client, alice, chain[0])) == (0, 0)
    assert _get(client, alice, keep)["version"] == keep["version"]
