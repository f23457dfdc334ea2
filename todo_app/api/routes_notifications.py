"""The caller's notifications: what the bell shows, one per reminder that fell due.

The reminder scheduler (``reminders.scheduler``) creates them; these routes only read them
and mark them read. Each handler is one call into ``reminders.service``, which filters every
statement by owner: another user's notification id is a 404, as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.schemas_tasks import NotificationOut, ReadAllOut
from todo_app.api.scopes import scope
from todo_app.reminders import service as reminder_service
from todo_app.reminders.service import LIST_MAX, NotificationData

router = APIRouter(
    prefix="/api/notifications",
    tags=["notifications"],
    responses=responses(401),
    dependencies=[Depends(scope("tasks:read"))],
)

NotificationId = Annotated[UUID, Path(description="The notification's id.")]
NOT_FOUND_DOC = {
    404: "No such notification among the caller's (another user's is not found either)"
}


@router.get(
    "",
    response_model=list[NotificationOut],
    summary="List notifications",
    responses=responses(renewing=200),
    description=f"The caller's {LIST_MAX} newest notifications, newest first, read or not. "
    "A notification is created once for each reminder of a task when it falls due (also "
    "with several servers); one delivered after its time, because the server was down, is "
    "`late`.",
)
def list_notifications(auth: CurrentAuth) -> list[NotificationData]:
    return reminder_service.list_notifications(auth.user.id)


@router.post(
    "/read-all",
    response_model=ReadAllOut,
    summary="Mark every notification read",
    responses=responses(renewing=200),
)
def mark_all_read(auth: CurrentAuth) -> ReadAllOut:
    """Marks all the caller's unread notifications read; `updated` says how many were."""
    return ReadAllOut(updated=reminder_service.mark_all_read(auth.user.id))


@router.post(
    "/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark a notification read",
    responses=responses(404, renewing=200, described=NOT_FOUND_DOC),
)
def mark_read(auth: CurrentAuth, notification_id: NotificationId) -> NotificationData:
    """Marks it read (again, if it already was) and returns it."""
    return reminder_service.mark_read(auth.user.id, notification_id)
