"""The tags the caller's tasks carry (for autocompletion and tag filters)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.schemas_tasks import TagOut
from todo_app.api.scopes import scope
from todo_app.tasks import tags

router = APIRouter(
    prefix="/api/tags",
    tags=["tags"],
    responses=responses(401),
    dependencies=[Depends(scope("tasks:read"))],
)


@router.get("", response_model=list[TagOut], summary="List tags", responses=responses(renewing=200))
def list_tags(auth: CurrentAuth) -> list[TagOut]:
    """Every tag on the caller's tasks, by name (any case), with how many tasks carry it.
    Filter by one with `GET /api/tasks?tag=<name>`."""
    return [TagOut(name=name, count=count) for name, count in tags.list_tags(auth.user.id)]
