"""Sharing a list over the REST API, with four accounts: the list's owner, an editor, a
viewer and an outsider. The invitation flow; what each role may do on every task route and
every list and sharing route (a viewer's write: 403 with the reason; an outsider: 404, as if
nothing were there); removal and leaving taking effect at once; assignment; who created and
who completed a task."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.conftest import FORMS, Account, assert_field_error, create_task, prefix, sign_up
from tests.mailbox import Mailbox
from todo_app import access
from todo_app.db import session_scope
from todo_app.models import ListInvitation, utcnow
from todo_app.tasks import subtasks

INVITATION_FIELDS = {
    "id",
    "list_id",
    "list_name",
    "email",
    "role",
    "invited_by",
    "created_at",
    "expires_at",
}


@dataclass(frozen=True)
class Team:
    owner: Account
    editor: Account
    viewer: Account
    outsider: Account
    list_id: str

    def of(self, role: str) -> Account:
        return {
            "owner": self.owner,
            "editor": self.editor,
            "viewer": self.viewer,
            "outsider": self.outsider,
        }[role]


def _ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def invite(
    client: TestClient, owner: Account, list_id: str, email: str, role: str
) -> dict[str, Any]:
    response = client.post(
        f"/api/lists/{list_id}/invitations",
        json={"email": email, "role": role},
        headers=owner.headers,
    )
    return _ok(response, 201)


def accept(client: TestClient, account: Account, invitation_id: str) -> list[dict[str, Any]]:
    response = client.post(f"/api/invitations/{invitation_id}/accept", headers=account.headers)
    return _ok(response)


def bell(client: TestClient, account: Account) -> list[dict[str, Any]]:
    return _ok(client.get("/api/notifications", headers=account.headers))


def my_lists(client: TestClient, account: Account) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in _ok(client.get("/api/lists", headers=account.headers))}


def get_task(client: TestClient, account: Account, task_id: str) -> dict[str, Any]:
    return _ok(client.get(f"/api/tasks/{task_id}", headers=account.headers))


def assert_refused_to_viewer(response: Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {"detail": access.VIEWER_REFUSED}


def assert_not_found(response: Response) -> None:
    assert response.status_code == 404, response.text
    assert isinstance(response.json()["detail"], str)


@pytest.fixture
def team(client: TestClient) -> Team:
    owner = sign_up(client, "owner@example.com")
    editor = sign_up(client, "editor@example.com")
    viewer = sign_up(client, "viewer@example.com")
    outsider = sign_up(client, "outsider@example.com")
    shared = _ok(client.post("/api/lists", json={"name": "Trip"}, headers=owner.headers), 201)
    for account, role in ((editor, "editor"), (viewer, "viewer")):
        accept(client, account, invite(client, owner, shared["id"], account.email, role)["id"])
    return Team(owner, editor, viewer, outsider, shared["id"])


# --- the invitation flow --------------------------------------------------------------


def test_an_invitation_reaches_the_invitee_and_accepting_joins_the_list(
    client: TestClient, team: Team
) -> None:
    dan = sign_up(client, "dan@example.com")
    sent = invite(client, team.owner, team.list_id, " Dan@Example.com ", "viewer")
    assert set(sent) == INVITATION_FIELDS
    assert (sent["list_id"], sent["list_name"], sent["email"], sent["role"]) == (
        team.list_id,
        "Trip",
        "dan@example.com",
        "viewer",
    )
    assert sent["invited_by"] == "owner"
    waiting = _ok(client.get("/api/invitations", headers=dan.headers))
    assert waiting == [sent]
    pending = _ok(client.get(f"/api/lists/{team.list_id}/invitations", headers=team.owner.headers))
    assert pending == [sent]
    (notice,) = bell(client, dan)
    assert (notice["kind"], notice["invitation_id"]) == ("invitation", sent["id"])
    assert team.list_id not in my_lists(client, dan)  # nothing is shared before accepting

    people = accept(client, dan, sent["id"])
    assert [(p["email"], p["role"]) for p in people] == [
        ("owner@example.com", "owner"),
        ("dan@example.com", "viewer"),
        ("editor@example.com", "editor"),
        ("viewer@example.com", "viewer"),
    ]
    joined = my_lists(client, dan)[team.list_id]
    assert joined["role"] == "viewer"
    assert {(m["name"], m["role"]) for m in joined["members"]} == {
        ("owner", "owner"),
        ("editor", "editor"),
        ("viewer", "viewer"),
        ("dan", "viewer"),
    }
    assert _ok(client.get("/api/invitations", headers=dan.headers)) == []
    assert bell(client, dan) == []  # the invitation's notice goes with it
    assert "joined" in {n["kind"] for n in bell(client, team.owner)}
    assert_not_found(client.post(f"/api/invitations/{sent['id']}/accept", headers=dan.headers))


def test_lists_show_each_caller_s_role_and_the_people(client: TestClient, team: Team) -> None:
    expected = [("owner", "owner"), ("editor", "editor"), ("viewer", "viewer")]
    for role in ("owner", "editor", "viewer"):
        item = my_lists(client, team.of(role))[team.list_id]
        assert item["role"] == role
        assert [(m["name"], m["role"]) for m in item["members"]] == expected
        assert set(item["members"][0]) == {"user_id", "name", "role"}
    alone = _ok(client.post("/api/lists", json={"name": "Solo"}, headers=team.owner.headers), 201)
    assert (alone["role"], alone["members"]) == ("owner", [])
    assert team.list_id not in my_lists(client, team.outsider)


def test_declining_drops_the_invitation(client: TestClient, team: Team) -> None:
    dan = sign_up(client, "dan@example.com")
    sent = invite(client, team.owner, team.list_id, dan.email, "editor")
    response = client.post(f"/api/invitations/{sent['id']}/decline", headers=dan.headers)
    assert response.status_code == 204, response.text
    assert _ok(client.get("/api/invitations", headers=dan.headers)) == []
    assert bell(client, dan) == []
    pending = _ok(client.get(f"/api/lists/{team.list_id}/invitations", headers=team.owner.headers))
    assert pending == []
    assert_not_found(client.post(f"/api/invitations/{sent['id']}/accept", headers=dan.headers))
    assert team.list_id not in my_lists(client, dan)


def test_the_owner_withdraws_an_invitation(client: TestClient, team: Team) -> None:
    dan = sign_up(client, "dan@example.com")
    sent = invite(client, team.owner, team.list_id, dan.email, "editor")
    url = f"/api/lists/{team.list_id}/invitations/{sent['id']}"
    for role in ("editor", "viewer"):
        response = client.delete(url, headers=team.of(role).headers)
        assert response.status_code == 403, response.text
        assert response.json() == {"detail": access.OWNER_ONLY}
    assert_not_found(client.delete(url, headers=team.outsider.headers))
    assert client.delete(url, headers=team.owner.headers).status_code == 204
    assert_not_found(client.delete(url, headers=team.owner.headers))
    assert _ok(client.get("/api/invitations", headers=dan.headers)) == []
    assert_not_found(client.post(f"/api/invitations/{sent['id']}/accept", headers=dan.headers))
    other = _ok(client.post("/api/lists", json={"name": "Other"}, headers=team.owner.headers), 201)
    again = invite(client, team.owner, team.list_id, dan.email, "viewer")
    assert_not_found(  # named under another list of the owner's
        client.delete(
            f"/api/lists/{other['id']}/invitations/{again['id']}", headers=team.owner.headers
        )
    )


def test_someone_else_s_invitation_is_not_found(client: TestClient, team: Team) -> None:
    dan = sign_up(client, "dan@example.com")
    sent = invite(client, team.owner, team.list_id, dan.email, "editor")
    for account in (team.outsider, team.editor, team.owner):
        for answer in ("accept", "decline"):
            url = f"/api/invitations/{sent['id']}/{answer}"
            assert_not_found(client.post(url, headers=account.headers))
        assert sent["id"] not in {
            i["id"] for i in _ok(client.get("/api/invitations", headers=account.headers))
        }
    assert_not_found(client.post(f"/api/invitations/{uuid.uuid4()}/accept", headers=dan.headers))
    accept(client, dan, sent["id"])  # still there for its address


def test_an_expired_invitation_is_not_found(client: TestClient, team: Team) -> None:
    dan = sign_up(client, "dan@example.com")
    sent = invite(client, team.owner, team.list_id, dan.email, "editor")
    with session_scope() as session:
        row = session.get(ListInvitation, uuid.UUID(sent["id"]))
        assert row is not None
        row.expires_at = utcnow() - timedelta(seconds=1)
    assert _ok(client.get("/api/invitations", headers=dan.headers)) == []
    pending = _ok(client.get(f"/api/lists/{team.list_id}/invitations", headers=team.owner.headers))
    assert pending == []
    for answer in ("accept", "decline"):
        assert_not_found(
            client.post(f"/api/invitations/{sent['id']}/{answer}", headers=dan.headers)
        )
    assert team.list_id not in my_lists(client, dan)
    # Inviting again renews it.
    renewed = invite(client, team.owner, team.list_id, dan.email, "viewer")
    assert accept(client, dan, renewed["id"])[-1]["email"] in {
        "dan@example.com",
        "viewer@example.com",
    }
    assert my_lists(client, dan)[team.list_id]["role"] == "viewer"


def test_only_the_owner_invites(client: TestClient, team: Team) -> None:
    url = f"/api/lists/{team.list_id}/invitations"
    body = {"email": "dan@example.com", "role": "viewer"}
    for role in ("editor", "viewer"):
        for response in (
            client.post(url, json=body, headers=team.of(role).headers),
            client.get(url, headers=team.of(role).headers),
        ):
            assert response.status_code == 403, response.text
            assert response.json() == {"detail": access.OWNER_ONLY}
    assert_not_found(client.post(url, json=body, headers=team.outsider.headers))
    assert_not_found(client.get(url, headers=team.outsider.headers))
    assert_not_found(
        client.post(f"/api/lists/{uuid.uuid4()}/invitations", json=body, headers=team.owner.headers)
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-address", "role": "editor"}, "email"),
        ({"email": "", "role": "editor"}, "email"),
        ({"email": "a" * 250 + "@example.com", "role": "editor"}, "email"),
        ({"email": 42, "role": "editor"}, "email"),
        ({"email": ["dan@example.com"], "role": "editor"}, "email"),
        ({"email": "dan@example.com", "role": "owner"}, "role"),
        ({"email": "dan@example.com", "role": "admin"}, "role"),
        ({"email": "dan@example.com", "role": None}, "role"),
        ({"email": "dan@example.com", "role": 1}, "role"),
        ({"email": "dan@example.com"}, "role"),
        ({"role": "editor"}, "email"),
        ({"email": "dan@example.com", "role": "editor", "note": "hi"}, "note"),
    ],
)
def test_a_bad_invitation_is_a_422_naming_the_field(
    client: TestClient, team: Team, body: dict[str, Any], field: str
) -> None:
    response = client.post(
        f"/api/lists/{team.list_id}/invitations", json=body, headers=team.owner.headers
    )
    assert_field_error(response, "body", field)
    assert (
        _ok(client.get(f"/api/lists/{team.list_id}/invitations", headers=team.owner.headers)) == []
    )


def test_inviting_the_owner_or_a_member_is_refused(client: TestClient, team: Team) -> None:
    url = f"/api/lists/{team.list_id}/invitations"
    own = client.post(
        url, json={"email": team.owner.email, "role": "editor"}, headers=team.owner.headers
    )
    assert_field_error(own, "body", "email")
    member = client.post(
        url, json={"email": team.editor.email, "role": "viewer"}, headers=team.owner.headers
    )
    assert member.status_code == 409, member.text


def test_an_address_without_an_account_accepts_with_the_mailed_link(
    client: TestClient, team: Team, mailbox: Mailbox
) -> None:
    """Anyone may sign up with any address (none is verified), so an invitation sent to an
    address without an account is answered only with the token of the mail's link: an
    impostor who signs up first sees nothing of it, and the mail's reader joins."""
    sent = invite(client, team.owner, team.list_id, "newcomer@example.com", "editor")
    (message,) = mailbox.wait_for(1)
    assert message["To"] == "newcomer@example.com"
    body = message.get_payload(decode=True).decode()
    link = re.search(r"(http\S+/invitation\?\S+)", body)
    assert link, body
    query = parse_qs(urlsplit(link.group(1)).query)
    assert query["id"] == [sent["id"]]
    impostor = sign_up(client, "newcomer@example.com")
    assert _ok(client.get("/api/invitations", headers=impostor.headers)) == []
    assert bell(client, impostor) == []
    path = f"/api/invitations/{sent['id']}/accept"
    assert client.post(path, headers=impostor.headers).status_code == 404
    wrong = client.post(path, json={"token": "x" * 43}, headers=impostor.headers)
    assert wrong.status_code == 404
    too_long = client.post(path, json={"token": "x" * 101}, headers=impostor.headers)
    assert too_long.status_code == 422
    # The mail's reader (here, whoever signs in and opens the link) joins.
    reader = sign_up(client, "reader@example.com")
    joined = client.post(path, json={"token": query["token"][0]}, headers=reader.headers)
    assert str(reader.id) in {m["user_id"] for m in _ok(joined)}
    assert my_lists(client, reader)[team.list_id]["role"] == "editor"
    assert team.list_id not in my_lists(client, impostor)


# --- every role on every task route ---------------------------------------------------

# (name, method, path, body, success status, writes?): ``{task}`` is a fresh task of the
# shared list (with a sub-task), ``{list}`` the shared list.
TASK_ROUTES: list[tuple[str, str, str, dict[str, Any] | None, int, bool]] = [
    ("list the list", "GET", "/tasks?list_id={list}", None, 200, False),
    ("list the sub-tasks", "GET", "/tasks?parent_id={task}", None, 200, False),
    ("get one", "GET", "/tasks/{task}", None, 200, False),
    ("history", "GET", "/tasks/{task}/history", None, 200, False),
    ("create in the list", "POST", "/tasks", {"title": "New", "list_id": "{list}"}, 201, True),
    ("create a sub-task", "POST", "/tasks", {"title": "Sub", "parent_id": "{task}"}, 201, True),
    ("replace", "PUT", "/tasks/{task}", {"title": "Put", "list_id": "{list}"}, 200, True),
    ("change", "PATCH", "/tasks/{task}", {"title": "Patched"}, 200, True),
    ("complete", "PATCH", "/tasks/{task}", {"completed": True}, 200, True),
    ("toggle", "PATCH", "/tasks/{task}/complete", None, 200, True),
    ("move", "POST", "/tasks/{task}/move", {"parent_id": None, "before_id": None}, 200, True),
    (
        "move under",
        "POST",
        "/tasks/{sub}/move",
        {"parent_id": None, "before_id": "{task}"},
        200,
        True,
    ),
    ("delete", "DELETE", "/tasks/{task}", None, 204, True),
]


def _fill(template: Any, values: dict[str, str]) -> Any:
    if isinstance(template, str):
        return template.format(**values)
    if isinstance(template, dict):
        return {key: _fill(value, values) for key, value in template.items()}
    return template


def _shared_task(client: TestClient, team: Team) -> dict[str, str]:
    task = create_task(client, team.owner, title="Pack", list_id=team.list_id)
    sub = create_task(client, team.owner, title="Socks", parent_id=task["id"])
    return {"task": task["id"], "sub": sub["id"], "list": team.list_id}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("role", ["owner", "editor", "viewer", "outsider"])
def test_each_role_on_every_task_route(
    client: TestClient, team: Team, role: str, form: str
) -> None:
    account = team.of(role)
    base = prefix(form, account.id)
    for name, method, path, body, status, writes in TASK_ROUTES:
        ids = _shared_task(client, team)
        before = get_task(client, team.owner, ids["task"])
        response = client.request(
            method, base + _fill(path, ids), json=_fill(body, ids), headers=account.headers
        )
        if role == "outsider" and name == "list the sub-tasks":
            # A filter's value the caller cannot see matches nothing, as an unknown id does.
            assert (response.status_code, response.json()["total"]) == (200, 0), name
        elif role == "outsider" and name == "create a sub-task":
            # A parent the caller cannot see is refused as an unknown one is (DESIGN.md).
            assert response.json() == {
                "detail": [
                    {
                        "loc": ["body", "parent_id"],
                        "msg": subtasks.PARENT_NOT_FOUND,
                        "type": "value_error",
                    }
                ]
            }, name
        elif role == "outsider":
            assert response.status_code == 404, (name, response.text)
        elif role == "viewer" and writes:
            assert response.status_code == 403, (name, response.text)
            assert response.json() == {"detail": access.VIEWER_REFUSED}, name
        else:
            assert response.status_code == status, (name, response.text)
        if role in ("viewer", "outsider") and writes:
            assert get_task(client, team.owner, ids["task"]) == before, name  # nothing changed
    # The lists across views take in the shared list for its members only.
    seen = {
        t["list_id"] for t in _ok(client.get(f"{base}/tasks", headers=account.headers))["items"]
    }
    assert (team.list_id in seen) == (role != "outsider")


def test_reads_show_members_the_list_s_tasks(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    for role in ("editor", "viewer"):
        account = team.of(role)
        page = _ok(client.get(f"/api/tasks?list_id={team.list_id}", headers=account.headers))
        assert [t["title"] for t in page["items"]] == ["Pack", "Socks"]
        detail = get_task(client, account, ids["task"])
        assert [s["title"] for s in detail["subtasks"]] == ["Socks"]


def test_a_member_s_task_in_the_shared_list_is_the_owner_s(client: TestClient, team: Team) -> None:
    made = create_task(client, team.editor, title="Tickets", list_id=team.list_id)
    assert made["created_by"] == str(team.editor.id)
    owner_view = get_task(client, team.owner, made["id"])
    assert owner_view == get_task(client, team.viewer, made["id"])
    # An editor cannot move the owner's task out of the owner's lists, nor into their Inbox.
    mine = _ok(client.post("/api/lists", json={"name": "Mine"}, headers=team.editor.headers), 201)
    for list_id in (mine["id"], None):
        response = client.patch(
            f"/api/tasks/{made['id']}", json={"list_id": list_id}, headers=team.editor.headers
        )
        assert response.status_code == 403, response.text
        assert response.json() == {"detail": access.OTHER_OWNER}


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_a_member_may_not_rename_or_delete_the_owner_s_list(
    client: TestClient, team: Team, role: str
) -> None:
    headers = team.of(role).headers
    url = f"/api/lists/{team.list_id}"
    for response in (
        client.patch(url, json={"name": "Mine now"}, headers=headers),
        client.delete(url, headers=headers),
    ):
        assert response.status_code == 403, response.text
        assert response.json() == {"detail": access.OWNER_ONLY}
    assert my_lists(client, team.owner)[team.list_id]["name"] == "Trip"
    members = _ok(client.get(f"{url}/members", headers=headers))
    assert [m["role"] for m in members] == ["owner", "editor", "viewer"]
    response = client.patch(
        f"{url}/members/{team.editor.id}", json={"role": "viewer"}, headers=headers
    )
    assert response.status_code == 403, response.text
    assert response.json() == {"detail": access.OWNER_ONLY}
    other = team.viewer if role == "editor" else team.editor
    response = client.delete(f"{url}/members/{other.id}", headers=headers)
    assert response.status_code == 403, response.text


def test_the_outsider_finds_nothing_of_the_list(client: TestClient, team: Team) -> None:
    headers = team.outsider.headers
    url = f"/api/lists/{team.list_id}"
    invitation = invite(client, team.owner, team.list_id, "dan@example.com", "viewer")
    for method, path, body in [
        ("PATCH", url, {"name": "Mine"}),
        ("DELETE", url, None),
        ("GET", f"{url}/members", None),
        ("PATCH", f"{url}/members/{team.editor.id}", {"role": "viewer"}),
        ("DELETE", f"{url}/members/{team.editor.id}", None),
        ("DELETE", f"{url}/members/{team.outsider.id}", None),
        ("GET", f"{url}/invitations", None),
        ("POST", f"{url}/invitations", {"email": "eve@example.com", "role": "editor"}),
        ("DELETE", f"{url}/invitations/{invitation['id']}", None),
        ("GET", f"/api/tasks?list_id={team.list_id}", None),
    ]:
        assert_not_found(client.request(method, path, json=body, headers=headers))
    assert team.list_id not in my_lists(client, team.outsider)
    assert len(my_lists(client, team.owner)[team.list_id]["members"]) == 3


# --- roles, removal, leaving ----------------------------------------------------------


def test_a_viewer_made_editor_may_write(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    url = f"/api/tasks/{ids['task']}"
    assert_refused_to_viewer(client.patch(url, json={"title": "Mine"}, headers=team.viewer.headers))
    member_url = f"/api/lists/{team.list_id}/members/{team.viewer.id}"
    member = _ok(client.patch(member_url, json={"role": "editor"}, headers=team.owner.headers))
    assert member == {
        "user_id": str(team.viewer.id),
        "name": "viewer",
        "email": team.viewer.email,
        "role": "editor",
    }
    assert (
        _ok(client.patch(url, json={"title": "Mine"}, headers=team.viewer.headers))["title"]
        == "Mine"
    )
    assert my_lists(client, team.viewer)[team.list_id]["role"] == "editor"
    _ok(client.patch(member_url, json={"role": "viewer"}, headers=team.owner.headers))
    assert_refused_to_viewer(client.delete(url, headers=team.viewer.headers))


@pytest.mark.parametrize(
    "body", [{"role": "owner"}, {"role": "Editor"}, {"role": None}, {}, {"role": "editor", "x": 1}]
)
def test_a_bad_role_is_a_422(client: TestClient, team: Team, body: dict[str, Any]) -> None:
    response = client.patch(
        f"/api/lists/{team.list_id}/members/{team.viewer.id}", json=body, headers=team.owner.headers
    )
    assert response.status_code == 422, response.text
    assert my_lists(client, team.viewer)[team.list_id]["role"] == "viewer"


def test_changing_someone_not_in_the_list_is_not_found(client: TestClient, team: Team) -> None:
    url = f"/api/lists/{team.list_id}/members/{team.outsider.id}"
    assert_not_found(client.patch(url, json={"role": "editor"}, headers=team.owner.headers))
    assert_not_found(client.delete(url, headers=team.owner.headers))


def test_removal_takes_effect_at_once(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    assigned = _ok(
        client.patch(
            f"/api/tasks/{ids['task']}",
            json={"assignee_id": str(team.editor.id)},
            headers=team.owner.headers,
        )
    )
    assert assigned["assignee_id"] == str(team.editor.id)
    response = client.delete(
        f"/api/lists/{team.list_id}/members/{team.editor.id}", headers=team.owner.headers
    )
    assert response.status_code == 204, response.text
    headers = team.editor.headers
    assert_not_found(client.get(f"/api/tasks/{ids['task']}", headers=headers))
    assert_not_found(
        client.patch(f"/api/tasks/{ids['task']}", json={"title": "x"}, headers=headers)
    )
    assert_not_found(client.delete(f"/api/tasks/{ids['task']}", headers=headers))
    assert_not_found(
        client.post("/api/tasks", json={"title": "x", "list_id": team.list_id}, headers=headers)
    )
    assert_not_found(client.get(f"/api/tasks?list_id={team.list_id}", headers=headers))
    assert_not_found(client.get(f"/api/lists/{team.list_id}/members", headers=headers))
    assert team.list_id not in my_lists(client, team.editor)
    assert _ok(client.get("/api/tasks", headers=headers))["items"] == []
    assert _ok(client.get("/api/tasks?assignee=me", headers=headers))["items"] == []
    task = get_task(client, team.owner, ids["task"])
    assert task["assignee_id"] is None
    assert task["version"] == assigned["version"] + 1
    assert "removed" in {n["kind"] for n in bell(client, team.editor)}
    people = _ok(client.get(f"/api/lists/{team.list_id}/members", headers=team.owner.headers))
    assert [p["role"] for p in people] == ["owner", "viewer"]


def test_a_member_leaves_and_is_unassigned(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    _ok(
        client.patch(
            f"/api/tasks/{ids['sub']}",
            json={"assignee_id": str(team.viewer.id)},
            headers=team.editor.headers,
        )
    )
    url = f"/api/lists/{team.list_id}/members/{team.viewer.id}"
    assert client.delete(url, headers=team.viewer.headers).status_code == 204
    assert get_task(client, team.owner, ids["sub"])["assignee_id"] is None
    assert team.list_id not in my_lists(client, team.viewer)
    assert_not_found(client.get(f"/api/tasks/{ids['sub']}", headers=team.viewer.headers))
    assert_not_found(client.delete(url, headers=team.viewer.headers))  # gone already
    # The owner cannot leave their own list (they delete it).
    own = client.delete(
        f"/api/lists/{team.list_id}/members/{team.owner.id}", headers=team.owner.headers
    )
    assert_field_error(own, "path", "user_id")


def test_deleting_the_shared_list_tells_its_members(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    assert (
        client.delete(f"/api/lists/{team.list_id}", headers=team.owner.headers).status_code == 204
    )
    for role in ("editor", "viewer"):
        account = team.of(role)
        assert team.list_id not in my_lists(client, account)
        assert "list_deleted" in {n["kind"] for n in bell(client, account)}
        assert_not_found(client.get(f"/api/tasks/{ids['task']}", headers=account.headers))
    assert get_task(client, team.owner, ids["task"])["list_id"] is None


# --- assignment -----------------------------------------------------------------------


def test_assigning_to_a_member_tells_them(client: TestClient, team: Team) -> None:
    ids = _shared_task(client, team)
    response = client.patch(
        f"/api/tasks/{ids['task']}",
        json={"assignee_id": str(team.viewer.id)},
        headers=team.editor.headers,
    )
    assert _ok(response)["assignee_id"] == str(team.viewer.id)
    page = _ok(client.get("/api/tasks?assignee=me", headers=team.viewer.headers))
    assert [t["id"] for t in page["items"]] == [ids["task"]]
    assert _ok(client.get("/api/tasks?assignee=me", headers=team.editor.headers))["items"] == []
    (notice,) = [n for n in bell(client, team.viewer) if n["kind"] == "assigned"]
    assert (notice["task_id"], notice["invitation_id"]) == (ids["task"], None)
    assert "Pack" in notice["title"]
    # Unassign with null.
    cleared = client.patch(
        f"/api/tasks/{ids['task']}", json={"assignee_id": None}, headers=team.owner.headers
    )
    assert _ok(cleared)["assignee_id"] is None
    assert _ok(client.get("/api/tasks?assignee=me", headers=team.viewer.headers))["items"] == []


@pytest.mark.parametrize("form", FORMS)
def test_assignee_on_create_and_replace(client: TestClient, team: Team, form: str) -> None:
    base = prefix(form, team.editor.id)
    made = client.post(
        f"{base}/tasks",
        json={"title": "Book", "list_id": team.list_id, "assignee_id": str(team.owner.id)},
        headers=team.editor.headers,
    )
    task = _ok(made, 201)
    assert (task["assignee_id"], task["created_by"]) == (str(team.owner.id), str(team.editor.id))
    assert "assigned" in {n["kind"] for n in bell(client, team.owner)}
    put = client.put(
        f"{base}/tasks/{task['id']}",
        json={"title": "Book", "list_id": team.list_id, "assignee_id": str(team.editor.id)},
        headers=team.editor.headers,
    )
    assert _ok(put)["assignee_id"] == str(team.editor.id)
    # Assigning oneself rings no bell of one's own.
    assert "assigned" not in {n["kind"] for n in bell(client, team.editor)}
    # PUT without it: nobody (every field left out of a PUT gets its default).
    put = client.put(
        f"{base}/tasks/{task['id']}",
        json={"title": "Book", "list_id": team.list_id},
        headers=team.editor.headers,
    )
    assert _ok(put)["assignee_id"] is None


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_assigning_to_someone_outside_the_list_is_a_422(
    client: TestClient, team: Team, method: str
) -> None:
    ids = _shared_task(client, team)
    for assignee in (str(team.outsider.id), str(uuid.uuid4())):
        body = {"title": "Book", "list_id": team.list_id, "assignee_id": assignee}
        url = "/api/tasks" if method == "POST" else f"/api/tasks/{ids['task']}"
        response = client.request(method, url, json=body, headers=team.owner.headers)
        assert_field_error(response, "body", "assignee_id")
    assert bell(client, team.outsider) == []
    assert get_task(client, team.owner, ids["task"])["assignee_id"] is None


@pytest.mark.parametrize("value", ["me", "not-a-uuid", 7, True, ["x"], "x" * 37])
def test_a_malformed_assignee_is_a_422(client: TestClient, team: Team, value: Any) -> None:
    ids = _shared_task(client, team)
    response = client.patch(
        f"/api/tasks/{ids['task']}", json={"assignee_id": value}, headers=team.owner.headers
    )
    assert_field_error(response, "body", "assignee_id")


def test_a_task_in_the_inbox_is_assigned_only_to_its_owner(client: TestClient, team: Team) -> None:
    mine = create_task(client, team.owner, title="Private")
    response = client.patch(
        f"/api/tasks/{mine['id']}",
        json={"assignee_id": str(team.editor.id)},
        headers=team.owner.headers,
    )
    assert_field_error(response, "body", "assignee_id")
    itself = client.patch(
        f"/api/tasks/{mine['id']}",
        json={"assignee_id": str(team.owner.id)},
        headers=team.owner.headers,
    )
    assert _ok(itself)["assignee_id"] == str(team.owner.id)


@pytest.mark.parametrize("value", ["you", "ME", ""])
def test_the_assignee_filter_takes_only_me(client: TestClient, team: Team, value: str) -> None:
    response = client.get("/api/tasks", params={"assignee": value}, headers=team.owner.headers)
    assert_field_error(response, "query", "assignee")


# --- who created and who completed ----------------------------------------------------


def test_created_by_and_completed_by_record_who(client: TestClient, team: Team) -> None:
    own = create_task(client, team.owner, title="Own")
    assert (own["created_by"], own["completed_by"]) == (str(team.owner.id), None)
    made = create_task(client, team.editor, title="By the editor", list_id=team.list_id)
    assert made["created_by"] == str(team.editor.id)
    done = _ok(client.patch(f"/api/tasks/{made['id']}/complete", headers=team.editor.headers))
    assert (done["completed"], done["completed_by"]) == (True, str(team.editor.id))
    reopened = _ok(client.patch(f"/api/tasks/{made['id']}/complete", headers=team.owner.headers))
    assert (reopened["completed"], reopened["completed_by"]) == (False, None)
    again = client.patch(
        f"/api/tasks/{made['id']}", json={"completed": True}, headers=team.owner.headers
    )
    assert _ok(again)["completed_by"] == str(team.owner.id)
    # The list read (its own fast path) says the same as the one-task read.
    page = _ok(client.get(f"/api/tasks?list_id={team.list_id}", headers=team.viewer.headers))
    (listed,) = [t for t in page["items"] if t["id"] == made["id"]]
    assert {
        k: v for k, v in get_task(client, team.viewer, made["id"]).items() if k != "subtasks"
    } == listed


def test_quick_add_names_a_shared_list_an_editor_may_add_to(client: TestClient, team: Team) -> None:
    """Quick add's `+List` finds the caller's own list, else one shared with them that they
    edit: an editor's `+Trip` adds to the shared "Trip"; a viewer's makes their own "Trip"
    (they cannot add to the shared one), and the shared list is left as it was."""
    _shared_task(client, team)
    before = _ok(client.get(f"/api/tasks?list_id={team.list_id}", headers=team.owner.headers))
    viewer = _ok(
        client.post("/api/tasks", json={"text": "Sneak in +Trip"}, headers=team.viewer.headers),
        201,
    )
    assert viewer["list_id"] != team.list_id
    after = _ok(client.get(f"/api/tasks?list_id={team.list_id}", headers=team.owner.headers))
    assert after == before
    editor = _ok(
        client.post("/api/tasks", json={"text": "Tickets +trip"}, headers=team.editor.headers),
        201,
    )
    assert (editor["list_id"], editor["created_by"]) == (team.list_id, str(team.editor.id))
