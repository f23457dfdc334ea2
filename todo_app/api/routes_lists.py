"""The caller's lists: read, create, rename or move, delete.

Each handler is one call into ``lists.service``, which asks ``access.py``: a list the caller
neither owns nor is a member of is a 404 on every route, as if it did not exist; a member's
rename or delete of the owner's list is a 403 with the reason. Sharing is
``routes_sharing.py``.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request, Response

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.schemas_tasks import InboxSettings, ListCreate, ListOut, ListPatch
from todo_app.api.scopes import scope_family
from todo_app.lists import service as list_service
from todo_app.lists.service import LISTS_MAX, ListData

router = APIRouter(
    prefix="/api/lists",
    tags=["lists"],
    responses=responses(401),
    dependencies=[Depends(scope_family("lists"))],
)

ListIdPath = Annotated[UUID, Path(description="The list's id.")]
OWNER_ONLY = {403: "The list is shared with the caller, but only its owner may do this"}


@router.get(
    "", response_model=list[ListOut], summary="List lists", responses=responses(renewing=200)
)
def list_lists(auth: CurrentAuth) -> list[ListData]:
    """The caller's lists in their order, then the lists shared with them, each with its
    number of open tasks, the caller's `role` in it and its people (`members`, empty when
    it is not shared). Tasks in no list are the Inbox, which is not a list here
    (`GET /api/tasks?list_id=inbox`)."""
    return list_service.list_lists(auth.user.id)


@router.get(
    "/inbox",
    response_model=InboxSettings,
    summary="The Inbox's settings",
    responses=responses(renewing=200),
)
def inbox_settings(auth: CurrentAuth) -> InboxSettings:
    """The Inbox is not a list row; what it keeps of its own is where new tasks go."""
    return InboxSettings(add_on_top=list_service.inbox_adds_on_top(auth.user.id))


@router.patch(
    "/inbox",
    response_model=InboxSettings,
    summary="Change the Inbox's settings",
    responses=responses(renewing=200),
)
def update_inbox(auth: CurrentAuth, body: InboxSettings) -> InboxSettings:
    """`add_on_top`: whether a task added to the Inbox goes first or last in its order."""
    return InboxSettings(
        add_on_top=list_service.set_inbox_add_on_top(auth.user.id, body.add_on_top)
    )


@router.post(
    "",
    status_code=201,
    response_model=ListOut,
    summary="Create a list",
    responses=responses(409, renewing=201),
    description="A new list, after the caller's others. 409 if the caller already has a "
    f"list of that name (whatever the case); 422 past {LISTS_MAX} lists.",
)
def create_list(
    auth: CurrentAuth, body: ListCreate, request: Request, response: Response
) -> ListData:
    created = list_service.create_list(auth.user.id, body.name)
    response.headers["Location"] = f"{request.url.path}/{created.id}"
    return created


@router.patch(
    "/{list_id}",
    response_model=ListOut,
    summary="Rename or move a list",
    responses=responses(403, 404, 409, renewing=200, described=OWNER_ONLY),
)
def update_list(auth: CurrentAuth, list_id: ListIdPath, body: ListPatch) -> ListData:
    """Changes only the fields sent: a new `name` (409 if another of the caller's lists has
    it), a new `position` (the other lists shift to make room), `add_on_top` (where a task
    added to the list goes in its manual order)."""
    return list_service.update_list(auth.user.id, list_id, **body.given())


@router.delete(
    "/{list_id}",
    status_code=204,
    summary="Delete a list",
    responses=responses(403, 404, renewing=204, described=OWNER_ONLY),
)
def delete_list(auth: CurrentAuth, list_id: ListIdPath) -> None:
    """Deletes the list; its tasks are kept and move to the owner's Inbox (`list_id:
    null`). Its members lose it at once and are told in their notifications."""
    list_service.delete_list(auth.user.id, list_id)
