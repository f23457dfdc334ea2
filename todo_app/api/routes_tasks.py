"""The task routes, in two forms that share one set of handlers.

``/api/tasks...`` works on the caller's tasks and those of the lists shared with them;
``/api/{user_id}/tasks...`` is the Hackathon II form of the same routes, answering 403 when
``user_id`` is not the caller. Only the dependency that names the caller differs, so neither
form can drift from the other. Every handler is one call into the task layer
(``tasks.queries``, ``tasks.writes``, ...), which asks ``access.py`` who may do what: a task
the caller may not see is a 404 on every route, and a viewer's change is a 403 with the
reason. No handler checks a role itself (DESIGN.md principle 1).
"""

# No ``from __future__ import annotations`` here: FastAPI reads the handlers' annotations at
# run time, and ``Owner`` is local to ``build_router``, so a string annotation could not be
# resolved.
from collections.abc import Awaitable, Callable
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request, Response
from pydantic import Field
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from todo_app.api.deps import CurrentAuth, TokenClaims, hand_over_renewed_token
from todo_app.api.errors import responses
from todo_app.api.schemas import Day, PriorityName, TagName, service_rule
from todo_app.api.schemas_tasks import (
    CompletionOut,
    StaleVersionOut,
    TaskCreateBody,
    TaskDetail,
    TaskFromText,
    TaskList,
    TaskMove,
    TaskOut,
    TaskPatch,
    TaskReplace,
    TaskToggle,
    task_list_json,
)
from todo_app.api.scopes import scope_family
from todo_app.auth import service as auth_service
from todo_app.auth.service import Authenticated
from todo_app.errors import InvalidInput
from todo_app.tasks import deletes, moves, queries, quick_add, writes
from todo_app.tasks.fields import TAG_MAX
from todo_app.tasks.queries import FILTER_VALUES_MAX, SEARCH_MAX
from todo_app.tasks.types import (
    DEFAULT_ORDER,
    INBOX,
    OFFSET_MAX,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    TOP_LEVEL,
    Due,
    Order,
    Sort,
    Status,
    TaskData,
    TaskPage,
    TaskQuery,
)

TaskId = Annotated[UUID, Path(description="The task's id.")]
StatusFilter = Annotated[Status, Query(description="Which tasks to list.")]
Search = Annotated[
    str,
    service_rule(queries.validate_search, Annotated[str, Field(max_length=SEARCH_MAX)]),
    Query(
        description="Only tasks whose title or description contains this text (any case), "
        f"at most {SEARCH_MAX} characters.",
    ),
]
Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=OFFSET_MAX, description="How many matching tasks to skip.")]
ListFilter = Annotated[
    str | None,
    Query(
        description=f"Only the tasks of this list (its id), or `{INBOX}` for the tasks in no "
        "list. A list the caller may not see (neither theirs nor shared with them) is a 404.",
        examples=[INBOX],
    ),
]
PriorityFilter = Annotated[
    list[PriorityName] | None,
    Query(
        description="Only tasks of this priority; repeat it for any of several (at most "
        f"{FILTER_VALUES_MAX} times).",
    ),
]
TagFilter = Annotated[
    list[TagName] | None,
    Query(
        description=f"Only tasks carrying this tag (any case, 1 to {TAG_MAX} characters); "
        f"repeat it for tasks carrying all of them (at most {FILTER_VALUES_MAX} times).",
    ),
]
DueFilter = Annotated[
    Due | None,
    Query(
        description="Reckoned in the user's time zone: `overdue` is due before today, "
        "`today` due today, `upcoming` due after today, `none` undated.",
    ),
]
ParentFilter = Annotated[
    str | None,
    Query(
        description=f"Only the sub-tasks of this task (its id), or `{TOP_LEVEL}` for the tasks "
        "that are no one's sub-task.",
        examples=[TOP_LEVEL],
    ),
]
AssigneeFilter = Annotated[
    Literal["me"] | None,
    Query(description="`me`: only the tasks assigned to the caller (in any list they see)."),
]
DueBefore = Annotated[Day, Query(description="Only tasks due on or before this day.")]
DueAfter = Annotated[Day, Query(description="Only tasks due on or after this day.")]
SortBy = Annotated[
    Sort | None,
    Query(
        description="`manual` (the order the user made, depth-first: each parent, then its "
        "sub-tasks in their order; the default with `list_id`), `created` (newest first; the "
        "default otherwise), `due` (soonest first; undated tasks last either way), `priority` "
        "(high first) or `title` (A to Z, any case).",
    ),
]
_DEFAULTS = ", ".join(f"`{sort}` {order}" for sort, order in DEFAULT_ORDER.items())
OrderBy = Annotated[
    Order | None,
    Query(
        description=f"Turns the sort around; each sort's own direction by default ({_DEFAULTS})."
    ),
]

FORBIDDEN_MESSAGE = "This path names another user; use your own user id"
VIEWER_REFUSED_DOC = (
    "The task is in a list shared with the caller as a viewer, who may read it but not "
    "change it; `detail` says why"
)
PATH_USER_DOC = "the user id in the path is not the caller's"


# Whose tasks a route works on, given the caller: the one rule that differs between the two
# forms. A dependency returns the rule (no I/O, so ``async``: no thread hop); the list route
# applies it after checking the session on its own connection, the others through ``Owner``.
OwnerRule = Callable[[Authenticated], UUID]


def _caller_id(auth: Authenticated) -> UUID:
    return auth.user.id


async def caller_id() -> OwnerRule:
    return _caller_id


async def path_user_id(
    user_id: Annotated[UUID, Path(description="Must be the signed-in user's own id.")],
) -> OwnerRule:
    """The Hackathon form names the user in the path; it may only name the caller."""

    def rule(auth: Authenticated) -> UUID:
        if user_id != auth.user.id:
            raise HTTPException(403, FORBIDDEN_MESSAGE)
        return user_id

    return rule


def _version(body: TaskToggle | None) -> int | None:
    return body.given().get("version") if body is not None else None


def _update(owner_id: UUID, task_id: UUID, body: TaskReplace | TaskPatch) -> TaskData:
    """PUT and PATCH differ only in their body's defaults: fields left out of a PATCH are
    absent from ``model_dump()`` and so stay as they are."""
    changes = body.given()
    version = changes.pop("version", None)
    return writes.update_task(owner_id, task_id, **changes, expected_version=version)


def _fields_of(task: TaskData) -> dict[str, object]:
    return {f: getattr(task, f) for f in TaskOut.model_fields}


def _create_from_text(owner_id: UUID, body: TaskFromText) -> TaskData:
    """Quick add. The one route that catches a service error, only to locate it: it stays
    an ``InvalidInput`` in the service's words, mapped to a 422 by ``api.errors``."""
    try:
        return quick_add.create_from_text(owner_id, body.text, task_id=body.id)
    except InvalidInput as exc:
        # The client sent only the text: whatever field the service refuses came from it.
        raise InvalidInput({"text": "; ".join(exc.fields.values())}) from exc


def build_router(
    prefix: str,
    owner_rule: Callable[..., Awaitable[OwnerRule]],
    *,
    tag: str,
    errors: tuple[int, ...],
) -> APIRouter:
    """The task routes under ``prefix``, owned by whoever ``owner_rule``'s rule names."""
    Rule = Annotated[OwnerRule, Depends(owner_rule)]

    async def owner(auth: CurrentAuth, rule: Rule) -> UUID:
        return rule(auth)

    Owner = Annotated[UUID, Depends(owner)]
    router = APIRouter(
        prefix=prefix,
        tags=[tag],
        responses=responses(*errors),
        dependencies=[Depends(scope_family("tasks"))],
    )
    refused = VIEWER_REFUSED_DOC + (f"; or: {PATH_USER_DOC}" if 403 in errors else "")
    writes_doc = {403: refused}
    stale = responses(
        403, 404, 409, renewing=200, conflict_model=StaleVersionOut, described=writes_doc
    )

    @router.get(
        "",
        response_model=TaskList,
        summary="List tasks",
        responses=responses(404, renewing=200),
    )
    async def list_tasks(
        request: Request,
        claims: TokenClaims,
        rule: Rule,
        status: StatusFilter = "all",
        q: Search = "",
        list_id: ListFilter = None,
        priority: PriorityFilter = None,
        tag: TagFilter = None,
        due: DueFilter = None,
        due_before: DueBefore = None,
        due_after: DueAfter = None,
        parent_id: ParentFilter = None,
        assignee: AssigneeFilter = None,
        sort: SortBy = None,
        order: OrderBy = None,
        limit: Limit = PAGE_SIZE_DEFAULT,
        offset: Offset = 0,
    ) -> Response:
        """The caller's tasks and those of the lists shared with them (newest first unless
        sorted otherwise), with the number of matches across all pages. Every filter combines
        with the others (AND)."""
        # The busiest read, so its shape is its own: the session check and the page share one
        # connection and one worker-thread hop, and the answer is serialised once, straight
        # from the page (``TaskList`` still documents it; tests compare the two).
        query = TaskQuery(
            status=status,
            q=q,
            list_id=list_id,
            priority=tuple(priority or ()),
            tag=tuple(tag or ()),
            due=due,
            due_before=due_before.isoformat() if due_before else None,
            due_after=due_after.isoformat() if due_after else None,
            parent_id=parent_id,
            assignee=assignee,
            sort=sort or ("manual" if list_id is not None else "created"),
            order=order,
            limit=limit,
            offset=offset,
        )

        def read(conn: Connection, auth: Authenticated) -> TaskPage:
            hand_over_renewed_token(request, auth)
            return queries.list_tasks_in(conn, rule(auth), query)

        page = await run_in_threadpool(auth_service.read_signed_in, claims, read)
        return Response(task_list_json(page), media_type="application/json")

    @router.post(
        "",
        status_code=201,
        response_model=TaskOut,
        summary="Create a task",
        responses=responses(403, 404, renewing=201, described=writes_doc),
    )
    def create_task(
        owner_id: Owner,
        body: Annotated[
            TaskCreateBody, Body(description="The task's fields, or `text` alone (quick add).")
        ],
        request: Request,
        response: Response,
    ) -> TaskData:
        """Either the task's fields, or `{"text": "..."}` alone (quick add): the sentence is
        read as the app's New task field reads it, in the user's time zone, and what it does
        not name is the title (`+List` makes the list if the caller has none of that name).
        A quick add's refusal names `text`: every field came from it.

        Idempotent when the client names the id: sending the same `id` again returns the
        stored task, with the same 201 as the first answer, so a retry needs no special case.
        404 if that id belongs to another user's task (as on every route: ids leak nothing),
        or if `list_id` is neither the caller's list nor one shared with them; 403 with the
        reason if it is shared with them as a viewer. In a shared list the task is the list
        owner's, and `created_by` records the caller.
        """
        if isinstance(body, TaskFromText):
            task = _create_from_text(owner_id, body)
        else:
            fields = body.given()
            title, description, task_id = (
                fields.pop("title"),
                fields.pop("description"),
                fields.pop("id"),
            )
            task = writes.create_task(owner_id, title, description, task_id=task_id, **fields)
        response.headers["Location"] = f"{request.url.path}/{task.id}"
        return task

    @router.get(
        "/{task_id}",
        response_model=TaskDetail,
        summary="Get a task",
        responses=responses(404, renewing=200),
    )
    def get_task(owner_id: Owner, task_id: TaskId) -> TaskDetail:
        """The task, with its direct sub-tasks in their manual order."""
        task = queries.get_task(owner_id, task_id)
        subtasks = queries.subtasks_of(owner_id, task_id) if task.subtask_count else []
        return TaskDetail.model_validate({**_fields_of(task), "subtasks": subtasks})

    @router.post(
        "/{task_id}/move",
        response_model=TaskOut,
        summary="Move a task",
        responses=responses(403, 404, renewing=200, described=writes_doc),
    )
    def move_task(owner_id: Owner, task_id: TaskId, body: TaskMove) -> TaskData:
        """Puts the task, with its sub-tasks, right before `before_id` among the children of
        `parent_id` (`null`: the top level of its list), or last there. Under a parent in
        another list, the task and its sub-tasks move to that list. Writes one task's row
        (its new place), whatever the size of the list. 422 with the reason for a cycle, a
        fifth level, or a `before_id` that is not among the new siblings."""
        return moves.move_task(owner_id, task_id, body.parent_id, body.before_id)

    @router.get(
        "/{task_id}/history",
        response_model=list[CompletionOut],
        summary="List a task's completions",
        responses=responses(404, renewing=200),
    )
    def task_history(owner_id: Owner, task_id: TaskId) -> list[CompletionOut]:
        """The completions of a repeating task, newest first: when, and which due date each
        completed. Empty for a task that does not repeat."""
        return [
            CompletionOut(completed_at=completed_at, due_date=due_date)
            for completed_at, due_date in queries.history(owner_id, task_id)
        ]

    @router.put("/{task_id}", response_model=TaskOut, summary="Replace a task", responses=stale)
    def replace_task(owner_id: Owner, task_id: TaskId, body: TaskReplace) -> TaskData:
        """Sets every field: a field left out gets its default (no description, not
        completed, the Inbox, no priority, no tags, no due, no repeat, no reminders). With
        `version`, 409 and the stored task if it has changed since."""
        return _update(owner_id, task_id, body)

    @router.patch("/{task_id}", response_model=TaskOut, summary="Change a task", responses=stale)
    def patch_task(owner_id: Owner, task_id: TaskId, body: TaskPatch) -> TaskData:
        """Changes only the fields sent; `null` clears an optional one (a `null` due date
        clears the due time and the repeat too; no due time, no reminders). `completed: true`
        on a repeating task records the completion and moves the task to its next
        occurrence, still active. With `version`, 409 and the stored task if it has changed
        since. Values equal to the stored ones leave the version as it is."""
        return _update(owner_id, task_id, body)

    @router.patch(
        "/{task_id}/complete", response_model=TaskOut, summary="Toggle completed", responses=stale
    )
    def toggle_task(owner_id: Owner, task_id: TaskId, body: TaskToggle | None = None) -> TaskData:
        """Flips `completed` of the task as stored now (a repeating task moves to its next
        occurrence instead, as with PATCH). The body is optional."""
        return writes.toggle_task(owner_id, task_id, expected_version=_version(body))

    @router.delete(
        "/{task_id}",
        status_code=204,
        summary="Delete a task",
        responses=responses(403, 404, renewing=204, described=writes_doc),
    )
    def delete_task(owner_id: Owner, task_id: TaskId) -> None:
        deletes.delete_task(owner_id, task_id)

    return router


router = build_router("/api/tasks", caller_id, tag="tasks", errors=(401,))
hackathon_router = build_router(
    "/api/{user_id}/tasks", path_user_id, tag="tasks (Hackathon II form)", errors=(401, 403)
)
