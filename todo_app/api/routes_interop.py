"""Export and import of a whole account (``todo_app.interop``)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.scopes import scope
from todo_app.errors import InvalidAt
from todo_app.interop.export import export_account
from todo_app.interop.import_json import import_document
from todo_app.interop.todoist_csv import import_todoist

router = APIRouter(prefix="/api", tags=["export and import"], responses=responses(401))
IMPORT_PATH = "/api/import"  # the one route whose body may be large (web.body_limit)

_IMPORT_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}


@router.get(
    "/export",
    summary="Download everything the account owns",
    # A token needs both (the first is the one the OpenAPI document names).
    dependencies=[Depends(scope("tasks:read")), Depends(scope("lists:read"))],
    responses=responses(403, renewing=200),
)
def export(auth: CurrentAuth) -> dict[str, Any]:
    """One `todo-export` document, version 1: profile, the caller's OWN lists (with their
    members) and tasks (with tags, repeats, reminders, sub-tasks, completion history).
    Tasks in lists others shared with the caller are theirs, so not here.
    A personal access token needs `tasks:read` and `lists:read`."""
    return export_account(auth.user.id)


@router.post(
    "/import",
    summary="Import an export, or a Todoist CSV template",
    openapi_extra=_IMPORT_BODY,
    dependencies=[Depends(scope("tasks:write")), Depends(scope("lists:write"))],
    responses=responses(403, renewing=200, described={413: "The file is over 20 MB"}),
)
async def import_data(request: Request, auth: CurrentAuth, dry_run: bool = False) -> dict[str, Any]:
    """A `todo-export` document (JSON) or, with `Content-Type: text/csv`, Todoist's CSV
    template. All or nothing: a 422 lists where the file is wrong (`loc` such as
    `["body", "tasks", 12, "due_date"]`) and nothing is kept. Importing the same file twice
    adds nothing the second time. At most 10,000 tasks. `dry_run=true` answers the same
    report without writing: `{lists, tasks, skipped, unread: [{line, reason}]}`.
    A personal access token needs `tasks:write` and `lists:write`."""
    body = await request.body()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidAt([((), "The file must be UTF-8 text")]) from None
    if kind == "text/csv":
        report = await run_in_threadpool(import_todoist, auth.user.id, text, dry_run=dry_run)
    else:
        try:
            document = json.loads(text)
        except ValueError:
            raise InvalidAt([((), "The file is not JSON (nor text/csv)")]) from None
        report = await run_in_threadpool(import_document, auth.user.id, document, dry_run=dry_run)
    return report.to_dict()
