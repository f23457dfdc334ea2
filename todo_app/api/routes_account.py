"""The signed-in user's account settings: name and time zone."""

from __future__ import annotations

from fastapi import APIRouter

from todo_app.api.deps import CurrentAuth, SessionOnly
from todo_app.api.errors import responses
from todo_app.api.schemas_auth import AccountPatch, UserOut
from todo_app.auth import service as auth_service

router = APIRouter(
    prefix="/api/account",
    tags=["account"],
    responses=responses(401, 403),
    dependencies=[SessionOnly],
)


@router.patch(
    "", response_model=UserOut, summary="Change account settings", responses=responses(renewing=200)
)
def update_account(auth: CurrentAuth, body: AccountPatch) -> auth_service.UserInfo:
    """Changes only the fields sent. A new `time_zone` keeps every due date and time as the
    wall-clock value it was (09:00 stays 09:00) and moves each timed task's `due_at`; "today"
    is reckoned there from then on."""
    return auth_service.update_account(auth.user.id, **body.given())
