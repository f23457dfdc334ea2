"""Sharing a list: invitations, and the people of a list with their roles.

Each handler is one call into ``lists.sharing``, which asks ``access.py`` who may do what
(DESIGN.md principle 1): a list the caller may not see is a 404 on every route, as if it
did not exist; what only the owner may do is a 403 with the reason for a member.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.schemas_sharing import (
    AnswerIn,
    InvitationIn,
    InvitationOut,
    MemberOut,
    RoleIn,
)
from todo_app.api.scopes import scope_family
from todo_app.lists import sharing
from todo_app.lists.sharing import INVITATION_DAYS, MEMBERS_MAX, Invitation, Member

router = APIRouter(
    prefix="/api",
    tags=["sharing"],
    responses=responses(401),
    dependencies=[Depends(scope_family("lists"))],
)

ListIdPath = Annotated[UUID, Path(description="The list's id.")]
InvitationIdPath = Annotated[UUID, Path(description="The invitation's id.")]
UserIdPath = Annotated[UUID, Path(description="The member's user id (the caller's: leave).")]

OWNER_ONLY = {403: "Only the list's owner may do this; `detail` says so"}
LIST_GONE = {
    404: "No such list among those the caller owns or is a member of (another user's list is "
    "not found either)"
}
INVITATION_GONE = {
    404: "No such invitation waiting for the caller's address (another's, an expired, "
    "answered or withdrawn one is not found either; nor one sent to an address that had no "
    "account, without the `token` of its mailed link)"
}
MEMBER_GONE = {404: f"{LIST_GONE[404]}; or no such member in it"}


@router.post(
    "/lists/{list_id}/invitations",
    status_code=201,
    response_model=InvitationOut,
    summary="Invite someone to a list",
    responses=responses(403, 404, 409, renewing=201, described={**OWNER_ONLY, **LIST_GONE}),
    description="The owner invites an email address as `editor` or `viewer`. The invitation "
    "is mailed; an account with that address also finds it in its notifications and in "
    "`GET /api/invitations`, and an account made later with it finds it waiting. It lasts "
    f"{INVITATION_DAYS} days; inviting the same address again renews it with the new role. "
    f"409 if they are a member already; 422 for a bad address or role, the owner's own "
    f"address, or past {MEMBERS_MAX} people.",
)
def invite(auth: CurrentAuth, list_id: ListIdPath, body: InvitationIn) -> Invitation:
    return sharing.invite(auth.user.id, list_id, body.email, body.role)


@router.get(
    "/lists/{list_id}/invitations",
    response_model=list[InvitationOut],
    summary="List a list's pending invitations",
    responses=responses(403, 404, renewing=200, described={**OWNER_ONLY, **LIST_GONE}),
)
def list_invitations(auth: CurrentAuth, list_id: ListIdPath) -> list[Invitation]:
    """The invitations of the list not yet answered nor expired, oldest first (owner only)."""
    return sharing.invitations_of(auth.user.id, list_id)


@router.delete(
    "/lists/{list_id}/invitations/{invitation_id}",
    status_code=204,
    summary="Withdraw an invitation",
    responses=responses(
        403,
        404,
        renewing=204,
        described={**OWNER_ONLY, 404: f"{LIST_GONE[404]}; or no such invitation to it"},
    ),
)
def withdraw_invitation(
    auth: CurrentAuth, list_id: ListIdPath, invitation_id: InvitationIdPath
) -> None:
    """The owner takes an invitation back; it can no longer be accepted."""
    sharing.withdraw(auth.user.id, list_id, invitation_id)


@router.get(
    "/invitations",
    response_model=list[InvitationOut],
    summary="List the invitations waiting for the caller",
    responses=responses(renewing=200),
)
def my_invitations(auth: CurrentAuth) -> list[Invitation]:
    """The unexpired invitations to the caller's email address, newest first."""
    return sharing.invitations_for(auth.user.id)


@router.post(
    "/invitations/{invitation_id}/accept",
    response_model=list[MemberOut],
    summary="Accept an invitation",
    responses=responses(404, renewing=200, described=INVITATION_GONE),
)
def accept_invitation(
    auth: CurrentAuth, invitation_id: InvitationIdPath, body: AnswerIn | None = None
) -> list[Member]:
    """Joins the list with the invitation's role; returns the list's people, owner first.
    Its tasks then appear in `GET /api/tasks` and the list in `GET /api/lists`. An
    invitation sent to an address with no account needs the mailed link's `token`."""
    return sharing.accept(auth.user.id, invitation_id, body.token if body else None)


@router.post(
    "/invitations/{invitation_id}/decline",
    status_code=204,
    summary="Decline an invitation",
    responses=responses(404, renewing=204, described=INVITATION_GONE),
)
def decline_invitation(
    auth: CurrentAuth, invitation_id: InvitationIdPath, body: AnswerIn | None = None
) -> None:
    """The invitation is gone; the owner may send another."""
    sharing.decline(auth.user.id, invitation_id, body.token if body else None)


@router.get(
    "/lists/{list_id}/members",
    response_model=list[MemberOut],
    summary="List a list's people",
    responses=responses(404, renewing=200, described=LIST_GONE),
)
def list_members(auth: CurrentAuth, list_id: ListIdPath) -> list[Member]:
    """Its owner first, then the members by name; for anyone in the list."""
    return sharing.members(auth.user.id, list_id)


@router.patch(
    "/lists/{list_id}/members/{user_id}",
    response_model=MemberOut,
    summary="Change a member's role",
    responses=responses(403, 404, renewing=200, described={**OWNER_ONLY, **MEMBER_GONE}),
)
def change_role(
    auth: CurrentAuth, list_id: ListIdPath, user_id: UserIdPath, body: RoleIn
) -> Member:
    """The owner makes a member an `editor` or a `viewer`; it takes effect at once."""
    return sharing.change_role(auth.user.id, list_id, user_id, body.role)


@router.delete(
    "/lists/{list_id}/members/{user_id}",
    status_code=204,
    summary="Remove a member, or leave",
    responses=responses(403, 404, renewing=204, described={**OWNER_ONLY, **MEMBER_GONE}),
)
def remove_member(auth: CurrentAuth, list_id: ListIdPath, user_id: UserIdPath) -> None:
    """The owner removes a member; a member names themselves to leave (422 for the owner:
    delete the list instead). At once the removed member sees nothing of the list, and
    their tasks assigned in it are unassigned."""
    sharing.remove_member(auth.user.id, list_id, user_id)
