"""Manual order through the REST API (issue 17): where new tasks go, `sort=manual` read
depth-first (the default inside a list and the Inbox), the `parent_id` filter, and
`POST /api/tasks/{id}/move`: its places, its refusals, that it writes one row whatever the
size of the list, and that many moves to one spot still order right (the spread path)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.api.conftest import Account, create_list, create_task, list_tasks, titles
from todo_app.db import get_engine, session_scope
from todo_app.lists import service as lists_service
from todo_app.models import Task, TaskList, utcnow
from todo_app.tasks import order_keys, placing, subtasks


def _move(
    client: TestClient,
    account: Account,
    task: dict[str, Any],
    parent: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
) -> Any:
    body = {
        "parent_id": parent["id"] if parent else None,
        "before_id": before["id"] if before else None,
    }
    return client.post(f"/api/tasks/{task['id']}/move", json=body, headers=account.headers)


def _moved(client: TestClient, account: Account, task: dict[str, Any], **where: Any) -> dict:
    response = _move(client, account, task, **where)
    assert response.status_code == 200, response.text
    return response.json()


def _order(client: TestClient, account: Account, **params: Any) -> list[str]:
    return titles(list_tasks(client, account, limit=100, **params))


def _get(client: TestClient, account: Account, task: dict[str, Any]) -> dict[str, Any]:
    response = client.get(f"/api/tasks/{task['id']}", headers=account.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _refused(response: Any, field: str, message: str) -> None:
    assert response.status_code == 422, response.text
    assert {"loc": ["body", field], "msg": message, "type": "value_error"} in response.json()[
        "detail"
    ], response.json()


def _tree(client: TestClient, account: Account, list_id: str | None) -> dict[str, dict]:
    """A, B, C added in that order (so C, B, A on top), B with sub-tasks three levels deep,
    C with one; returns the tasks by title."""
    made: dict[str, dict] = {}

    def add(title: str, parent: str | None = None) -> None:
        fields: dict[str, Any] = {"title": title}
        if parent is not None:
            fields["parent_id"] = made[parent]["id"]
        elif list_id is not None:
            fields["list_id"] = list_id
        made[title] = create_task(client, account, **fields)

    for title in ("A", "B", "C"):
        add(title)
    add("B1", "B")
    add("B2", "B")
    add("B1a", "B1")
    add("B1b", "B1")
    add("B1a-i", "B1a")
    add("C1", "C")
    return made


DEPTH_FIRST = ["C", "C1", "B", "B1", "B1a", "B1a-i", "B1b", "B2", "A"]


# --- where new tasks go, and sort=manual --------------------------------------------------


def test_new_tasks_go_on_top_so_a_list_and_the_inbox_read_newest_first(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    for title in ("first", "second", "third"):
        create_task(client, alice, title=title, list_id=work["id"])
        create_task(client, alice, title=f"inbox {title}")
    assert _order(client, alice, list_id=work["id"]) == ["third", "second", "first"]
    assert _order(client, alice, list_id="inbox") == ["inbox third", "inbox second", "inbox first"]


def test_a_list_set_to_add_at_the_bottom_puts_new_tasks_last(
    client: TestClient, alice: Account
) -> None:
    """(No front door sets ``add_on_top`` yet; the setting is read from the list's row.)"""
    work = create_list(client, alice, "Work")
    with session_scope() as session:
        session.execute(
            sa.update(TaskList).where(TaskList.id == uuid.UUID(work["id"])).values(add_on_top=False)
        )
    for title in ("first", "second", "third"):
        create_task(client, alice, title=title, list_id=work["id"])
    assert _order(client, alice, list_id=work["id"]) == ["first", "second", "third"]


def test_sub_tasks_are_added_last_under_their_parent(client: TestClient, alice: Account) -> None:
    parent = create_task(client, alice, title="Parent")
    for title in ("one", "two", "three"):
        create_task(client, alice, title=title, parent_id=parent["id"])
    assert _order(client, alice, list_id="inbox") == ["Parent", "one", "two", "three"]


def test_sort_manual_reads_depth_first_and_is_the_default_inside_a_list(
    client: TestClient, alice: Account
) -> None:
    work = create_list(client, alice, "Work")
    _tree(client, alice, work["id"])
    assert _order(client, alice, list_id=work["id"]) == DEPTH_FIRST
    assert _order(client, alice, list_id=work["id"], sort="manual") == DEPTH_FIRST
    # Without a list the default stays newest first.
    assert _order(client, alice)[:2] == ["C1", "B1a-i"]
    # Pages of the manual order follow each other.
    pages = [
        titles(list_tasks(client, alice, list_id=work["id"], limit=4, offset=offset))
        for offset in (0, 4, 8)
    ]
    assert [title for page in pages for title in page] == DEPTH_FIRST


def test_sort_manual_in_the_inbox_and_across_lists(client: TestClient, alice: Account) -> None:
    _tree(client, alice, None)
    assert _order(client, alice, list_id="inbox") == DEPTH_FIRST
    home, work = create_list(client, alice, "Home"), create_list(client, alice, "Work")
    create_task(client, alice, title="Work 1", list_id=work["id"])
    create_task(client, alice, title="Home 1", list_id=home["id"])
    # The Inbox first, then the lists in their order, each depth-first.
    assert _order(client, alice, sort="manual") == [*DEPTH_FIRST, "Home 1", "Work 1"]


def test_parent_id_filters_the_top_level_or_one_tasks_sub_tasks(
    client: TestClient, alice: Account, bob: Account
) -> None:
    work = create_list(client, alice, "Work")
    tree = _tree(client, alice, work["id"])
    assert _order(client, alice, list_id=work["id"], parent_id="none") == ["C", "B", "A"]
    assert _order(client, alice, parent_id=tree["B"]["id"], sort="manual") == ["B1", "B2"]
    assert _order(client, alice, parent_id=tree["B1"]["id"], sort="manual") == ["B1a", "B1b"]
    assert list_tasks(client, alice, parent_id=tree["A"]["id"])["total"] == 0
    assert list_tasks(client, alice, parent_id="none")["total"] == 3
    # Another account's task has no sub-tasks for this caller.
    assert list_tasks(client, bob, parent_id=tree["B"]["id"])["total"] == 0
    response = client.get("/api/tasks", params={"parent_id": "B"}, headers=alice.headers)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "parent_id"]


# --- moving -------------------------------------------------------------------------------


@pytest.fixture
def work(client: TestClient, alice: Account) -> dict[str, Any]:
    return create_list(client, alice, "Work")


@pytest.fixture
def tree(client: TestClient, alice: Account, work: dict[str, Any]) -> dict[str, dict]:
    return _tree(client, alice, work["id"])


def test_a_move_puts_a_task_right_before_another_sibling(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    moved = _moved(client, alice, tree["A"], before=tree["B"])
    assert _order(client, alice, list_id=work["id"], parent_id="none") == ["C", "A", "B"]
    assert moved["version"] == tree["A"]["version"] + 1
    assert tree["C"]["position"] < moved["position"] < tree["B"]["position"]
    _moved(client, alice, tree["B2"], parent=tree["B"], before=tree["B1"])
    assert _order(client, alice, parent_id=tree["B"]["id"], sort="manual") == ["B2", "B1"]


def test_a_move_with_no_before_id_puts_the_task_last(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    _moved(client, alice, tree["C"])
    assert _order(client, alice, list_id=work["id"]) == [
        "B", "B1", "B1a", "B1a-i", "B1b", "B2", "A", "C", "C1",
    ]  # fmt: skip


def test_a_move_under_a_new_parent_brings_the_tasks_own_sub_tasks(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    moved = _moved(client, alice, tree["B1"], parent=tree["C"], before=tree["C1"])
    assert (moved["parent_id"], moved["list_id"]) == (tree["C"]["id"], work["id"])
    assert _order(client, alice, list_id=work["id"]) == [
        "C", "B1", "B1a", "B1a-i", "B1b", "C1", "B", "B2", "A",
    ]  # fmt: skip
    assert (_get(client, alice, tree["C"])["subtask_count"], moved["subtask_count"]) == (2, 2)
    assert _get(client, alice, tree["B"])["subtask_count"] == 1
    assert _get(client, alice, tree["B1a"])["version"] == tree["B1a"]["version"]  # not written


def test_a_move_out_to_the_top_level(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    moved = _moved(client, alice, tree["B1a"], before=tree["B"])
    assert (moved["parent_id"], moved["list_id"]) == (None, work["id"])
    assert _order(client, alice, list_id=work["id"]) == [
        "C", "C1", "B1a", "B1a-i", "B", "B1", "B1b", "B2", "A",
    ]  # fmt: skip


def test_a_move_under_a_parent_in_another_list_takes_the_task_and_its_sub_tasks_there(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    home = create_list(client, alice, "Home")
    shop = create_task(client, alice, title="Shop", list_id=home["id"])
    moved = _moved(client, alice, tree["B"], parent=shop)
    assert (moved["parent_id"], moved["list_id"]) == (shop["id"], home["id"])
    assert _order(client, alice, list_id=home["id"]) == [
        "Shop", "B", "B1", "B1a", "B1a-i", "B1b", "B2",
    ]  # fmt: skip
    assert {t["list_id"] for t in list_tasks(client, alice, list_id=home["id"])["items"]} == {
        home["id"]
    }
    assert _order(client, alice, list_id=work["id"]) == ["C", "C1", "A"]


def test_a_move_before_a_task_that_is_not_a_new_sibling_is_refused(
    client: TestClient, alice: Account, bob: Account, work: dict, tree: dict[str, dict]
) -> None:
    elsewhere = create_task(client, alice, title="In the Inbox")
    bobs = create_task(client, bob, title="Bob's")
    before = list_tasks(client, alice, limit=100)
    for parent, not_a_sibling in (
        (None, tree["B1"]),  # a sub-task, not top level
        (tree["B"], tree["A"]),  # top level, not under B
        (tree["B"], tree["B1a"]),  # a grandchild of B
        (None, elsewhere),  # top level, but in another list
        (None, bobs),  # another account's
        (None, {"id": str(uuid.uuid4())}),
    ):
        response = _move(client, alice, tree["A"], parent=parent, before=not_a_sibling)
        _refused(response, "before_id", placing.NOT_A_SIBLING)
    # Before itself: it is not among the siblings it moves between.
    _refused(_move(client, alice, tree["A"], before=tree["A"]), "before_id", placing.NOT_A_SIBLING)
    assert list_tasks(client, alice, limit=100) == before  # nothing written


def test_a_move_that_makes_a_cycle_or_a_fifth_level_is_refused(
    client: TestClient, alice: Account, work: dict, tree: dict[str, dict]
) -> None:
    for parent in (tree["B"], tree["B1"], tree["B1a-i"]):
        response = _move(client, alice, tree["B"], parent=parent)
        _refused(response, "parent_id", subtasks.PARENT_IS_SELF)
    # B1a-i is three levels below B; C has one level below it: under B1a-i C1 would be fifth.
    _refused(_move(client, alice, tree["C"], parent=tree["B1a-i"]), "parent_id", subtasks.TOO_DEEP)
    assert (
        _moved(client, alice, tree["C1"], parent=tree["B1a-i"])["parent_id"] == tree["B1a-i"]["id"]
    )
    assert _order(client, alice, list_id=work["id"])[:2] == ["C", "B"]


def test_moving_or_moving_under_another_accounts_task_is_not_found(
    client: TestClient, alice: Account, bob: Account
) -> None:
    mine = create_task(client, alice, title="Mine")
    bobs = create_task(client, bob, title="Bob's")
    response = _move(client, bob, mine)
    assert (response.status_code, response.json()) == (404, {"detail": "Task not found"})
    _refused(_move(client, alice, mine, parent=bobs), "parent_id", subtasks.PARENT_NOT_FOUND)
    assert _get(client, alice, mine) == {**mine, "subtasks": []}
    assert _get(client, bob, bobs)["subtask_count"] == 0
    response = client.post(
        f"/api/tasks/{mine['id']}/move", json={"before": None}, headers=alice.headers
    )
    assert response.status_code == 422  # an unknown field


# --- a move writes one row ----------------------------------------------------------------


def _bulk_list(owner: uuid.UUID, name: str, size: int) -> list[uuid.UUID]:
    """A list of ``size`` top-level tasks in manual order, written straight to the table."""
    now = utcnow()
    list_id = lists_service.create_list(owner, name).id
    with session_scope() as session:
        ids = [uuid.uuid4() for _ in range(size)]
        rows = [
            {
                "id": task_id,
                "owner_id": owner,
                "title": f"{name} {i}",
                "list_id": list_id,
                "position": key,
                "created_at": now,
                "updated_at": now,
                "reminders": [],
            }
            for i, (task_id, key) in enumerate(zip(ids, order_keys.spread(size), strict=True))
        ]
        session.execute(sa.insert(Task), rows)
    return ids


def _statements_of(call: Any) -> tuple[list[str], Any]:
    """The statements ``call()`` issues, as "VERB table" (as tests/unit/test_mutations.py's
    ``statements_of``), and what it returned."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        table = re.search(r"(?:FROM|UPDATE|INTO) (\w+)", statement)
        if table is not None:
            seen.append(f"{statement.split()[0]} {table.group(1)}")

    event.listen(get_engine(), "before_cursor_execute", listen)
    try:
        result = call()
    finally:
        event.remove(get_engine(), "before_cursor_execute", listen)
    return seen, result


def _written_since(ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """Which of these tasks have been written since they were made (a version past 1)."""
    with session_scope() as session:
        found = session.execute(sa.select(Task.id).where(Task.id.in_(ids), Task.version > 1))
        return list(found.scalars())


def test_a_move_writes_one_row_in_a_list_of_10_as_in_a_list_of_1000(
    client: TestClient, alice: Account
) -> None:
    small, large = _bulk_list(alice.id, "Ten", 10), _bulk_list(alice.id, "Thousand", 1000)
    seen: dict[int, list[str]] = {}
    for ids in (small, large):
        task, before = ids[len(ids) // 2], ids[1]
        body = {"parent_id": None, "before_id": str(before)}
        seen[len(ids)], response = _statements_of(
            lambda task=task, body=body: client.post(
                f"/api/tasks/{task}/move", json=body, headers=alice.headers
            )
        )
        assert response.status_code == 200, response.text
        list_id = response.json()["list_id"]
        order = [t["id"] for t in list_tasks(client, alice, list_id=list_id, limit=3)["items"]]
        assert order == [str(ids[0]), str(task), str(before)]
        assert _written_since(ids) == [task]  # one row: the moved task's
    assert seen[10] == seen[1000]
    assert [s for s in seen[1000] if not s.startswith("SELECT")] == ["UPDATE tasks"], seen[1000]


# --- many moves to one spot ---------------------------------------------------------------


def _moves_to_one_spot(
    client: TestClient, alice: Account, work: dict[str, Any], times: int
) -> list[str]:
    """``times`` tasks moved, one after another, right before the same task: each lands
    between the last one moved and that task, so the keys there grow."""
    target = create_task(client, alice, title="Target", list_id=work["id"])
    movers = [
        create_task(client, alice, title=f"Mover {i:02d}", list_id=work["id"]) for i in range(times)
    ]
    create_task(client, alice, title="Top", list_id=work["id"])
    for mover in movers:
        _moved(client, alice, mover, before=target)
    return ["Top", *(m["title"] for m in movers), "Target"]


def test_sixty_moves_before_the_same_task_keep_their_order(
    client: TestClient, alice: Account, work: dict[str, Any]
) -> None:
    expected = _moves_to_one_spot(client, alice, work, 60)
    page = list_tasks(client, alice, list_id=work["id"], limit=100)
    assert titles(page) == expected
    keys = [t["position"] for t in page["items"]]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) > 6  # the keys grew where the tasks went


def test_keys_that_would_grow_too_long_spread_their_siblings_and_keep_the_order(
    client: TestClient, alice: Account, work: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = 5
    monkeypatch.setattr(order_keys, "POSITION_MAX", limit)
    spreads: list[int] = []
    real_spread = placing.spread

    def counted(session: Any, where: Any) -> Any:
        rows = real_spread(session, where)
        spreads.append(len(rows))
        return rows

    monkeypatch.setattr(placing, "spread", counted)
    other = create_task(client, alice, title="Other list", list_id=None)
    expected = _moves_to_one_spot(client, alice, work, 60)
    assert spreads, "no move needed a spread: the test did not reach the path it is for"
    assert set(spreads) <= {61}  # one sibling group (all but the moved task), never the list
    page = list_tasks(client, alice, list_id=work["id"], limit=100)
    assert titles(page) == expected
    keys = [t["position"] for t in page["items"]]
    assert max(len(k) for k in keys) <= limit
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert _get(client, alice, other)["version"] == 1  # another group: untouched


def test_a_move_right_before_one_of_two_tasks_that_share_a_key_lands_there(
    client: TestClient, alice: Account, work: dict[str, Any]
) -> None:
    """Two tabs that put a task at the same spot at once give both the same key (each read
    the same neighbours); the list shows the newer first. A move right before either of them
    lands right there, and the list keeps showing them in the order it did."""
    first, older, newer = (
        create_task(client, alice, title=title, list_id=work["id"])
        for title in ("First", "Older", "Newer")
    )
    with session_scope() as session:
        session.execute(
            sa.update(Task)
            .where(Task.id == uuid.UUID(older["id"]))
            .values(position=newer["position"])
        )
    assert _order(client, alice, list_id=work["id"]) == ["Newer", "Older", "First"]
    _moved(client, alice, first, before=older)
    assert _order(client, alice, list_id=work["id"]) == ["Newer", "First", "Older"]
    _moved(client, alice, first, before=newer)
    assert _order(client, alice, list_id=work["id"]) == ["First", "Newer", "Older"]
    keys = [t["position"] for t in list_tasks(client, alice, list_id=work["id"])["items"]]
    assert keys == sorted(set(keys))  # the tie is gone
