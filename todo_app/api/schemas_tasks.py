"""The REST API's bodies of tasks, lists, tags and notifications (``routes_tasks.py``,
``routes_lists.py``, ``routes_tags.py``, ``routes_notifications.py``); the shared field types
and bases are in ``schemas.py``.

Why one module of about 430 lines: these bodies are one resource family, each request model
taking its field rules from ``tasks/fields.py``; they are read (and change) together when the
API does, and the OpenAPI document is generated from them.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    MISSING,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    Tag,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, to_json

from todo_app.api.schemas import (
    AssigneeId,
    ClientTaskId,
    Description,
    DueDate,
    DueTime,
    ListId,
    ListName,
    ParentId,
    Recurrence,
    Reminders,
    RequestBody,
    ResponseBody,
    Tags,
    TaskPriority,
    Title,
    Version,
    run_rule,
)
from todo_app.tasks import fields as rules
from todo_app.tasks import quick_add
from todo_app.tasks.fields import Priority
from todo_app.tasks.types import TaskData, TaskPage, public_recurrence

# --- tasks --------------------------------------------------------------------------------


class TaskBody(RequestBody):
    """A request that may set the due: a due time, a repeat or reminders sent with the due
    they depend on are checked against it here (``rules.check_schedule``), so the refusal
    names its field with the other errors. What depends on the stored task (a PATCH of
    `reminders` alone) the service checks, in the same words."""

    @field_validator("due_time", check_fields=False)
    @classmethod
    def _time_needs_a_date(cls, due_time: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        if due_date is not MISSING:
            run_rule(rules.check_due, due_date, due_time)
        return due_time

    @field_validator("recurrence", check_fields=False)
    @classmethod
    def _repeat_needs_a_date(cls, recurrence: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        if due_date is not MISSING:
            run_rule(rules.check_schedule, due_date, None, recurrence, ())
        return recurrence

    @field_validator("reminders", check_fields=False)
    @classmethod
    def _reminders_need_a_timed_due(cls, reminders: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        due_time = info.data.get("due_time", MISSING)
        if due_date is None:  # no date: no time either, whatever was sent
            run_rule(rules.check_schedule, None, None, None, reminders)
        elif due_date is not MISSING and due_time is not MISSING:
            run_rule(rules.check_schedule, due_date, due_time, None, reminders)
        return reminders


class TaskCreate(TaskBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"title": "Buy milk"},
                {
                    "id": "0b6f2a9e-3c1d-4e5f-8a7b-9c0d1e2f3a4b",
                    "title": "Call the plumber",
                    "description": "Before Friday",
                    "priority": "high",
                    "tags": ["home"],
                    "due_date": "2026-12-05",
                    "due_time": "09:30",
                    "reminders": [{"minutes_before": 60}],
                },
                {
                    "title": "Water the plants",
                    "due_date": "2026-12-05",
                    "recurrence": {"rule": "FREQ=DAILY;INTERVAL=3", "from_completion": True},
                },
                {
                    "title": "Book the venue",
                    "list_id": "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11",
                    "assignee_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                },
            ]
        }
    )

    title: Title
    description: Description = ""
    id: ClientTaskId = None
    list_id: ListId = None
    priority: TaskPriority = "none"
    tags: Tags = ()
    due_date: DueDate = None
    due_time: DueTime = None
    recurrence: Recurrence = None
    reminders: Reminders = ()
    parent_id: ParentId = None
    assignee_id: AssigneeId = None


class TaskFromText(RequestBody):
    """Quick add: the task is read from one sentence, with the grammar of the page's "New
    task" field. `text` stands alone: with it, the only other field allowed is `id`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"text": "Pay rent tomorrow 9am !high #home every month"},
                {
                    "id": "0b6f2a9e-3c1d-4e5f-8a7b-9c0d1e2f3a4b",
                    "text": "Dentist dec 5 14:00 remind 1 hour +Health",
                },
            ]
        }
    )

    # The task service checks the text (and the fields read from it); the limit here is only
    # documented.
    text: str = Field(
        json_schema_extra={"maxLength": quick_add.QUICK_ADD_MAX},
        description="Read as the app reads the New task field, in the user's time zone "
        "relative to now: `!high` `!medium` `!low` (or `p1` `p2` `p3`), `#tag`, `+List` (made "
        'if new), dates and times ("tomorrow 5pm", "fri", "in 3 days", "dec 5", '
        '"2026-12-05 09:30"), repeats ("every weekday 9:30", "every month on the last day", '
        '"every! 3 days") and reminders ("remind 15m"). Words match whole, text in double '
        "quotes is never read, and what is left is the title.",
    )
    id: ClientTaskId = None


_TEXT_ALONE = (
    "Send either `text` (with an optional `id`) or the task's fields, not both: `text` "
    "already holds them"
)


def _form_of(value: Any) -> str:
    if isinstance(value, TaskFromText) or (isinstance(value, dict) and "text" in value):
        return "text"
    return "fields"


def _validate_create(value: Any, _handler: Any) -> TaskCreate | TaskFromText:
    """The body as the form it is: with `text`, quick add; otherwise the task's fields.

    Validated by that model alone, so its errors are located as in any body (``body.title``,
    not ``body.<form>.title``); a field sent beside `text` is named in its own error."""
    if isinstance(value, TaskCreate | TaskFromText):
        return value
    if _form_of(value) == "fields":
        return TaskCreate.model_validate(value)
    others = sorted(set(value) - set(TaskFromText.model_fields))
    if others:
        raise ValidationError.from_exception_data(
            "TaskFromText",
            [
                InitErrorDetails(
                    type=PydanticCustomError("extra_forbidden", _TEXT_ALONE),
                    loc=(name,),
                    input=value[name],
                )
                for name in others
            ],
        )
    return TaskFromText.model_validate(value)


TaskCreateBody = Annotated[
    Annotated[TaskCreate, Tag("fields")] | Annotated[TaskFromText, Tag("text")],
    Discriminator(_form_of),
    WrapValidator(_validate_create),
]


class TaskReplace(TaskBody):
    """PUT: the whole task; fields left out get their defaults."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"title": "Buy oat milk", "description": "", "completed": False},
                {
                    "title": "Pay rent",
                    "priority": "medium",
                    "tags": [],
                    "due_date": "2026-12-01",
                    "due_time": "09:00",
                    "recurrence": {"rule": "FREQ=MONTHLY", "from_completion": False},
                    "reminders": [{"minutes_before": 1440}],
                    "version": 2,
                },
            ]
        }
    )

    title: Title
    description: Description = ""
    completed: StrictBool = False
    list_id: ListId = None
    priority: TaskPriority = "none"
    tags: Tags = ()
    due_date: DueDate = None
    due_time: DueTime = None
    recurrence: Recurrence = None
    reminders: Reminders = ()
    parent_id: ParentId = None
    assignee_id: AssigneeId = None
    version: Version | MISSING = MISSING


class TaskPatch(TaskBody):
    """PATCH: only the fields sent change; `null` clears an optional field (`description`,
    `list_id`, `priority`, `tags`, `due_date`, `due_time`, `recurrence`, `reminders`,
    `assignee_id`; `parent_id`: to the top level)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"completed": True},
                {"title": "Buy oat milk", "version": 3},
                {"due_date": "2026-12-05", "due_time": "17:00", "priority": "high"},
                {"list_id": "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11", "tags": ["work"]},
                {"recurrence": {"rule": "FREQ=WEEKLY;BYDAY=MO", "from_completion": False}},
                {"reminders": [{"minutes_before": 15}]},
                {"recurrence": None, "reminders": None},
                {"assignee_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7"},
                {"assignee_id": None},
            ]
        }
    )

    title: Title | MISSING = MISSING
    description: Description | MISSING = MISSING
    completed: StrictBool | MISSING = MISSING
    list_id: ListId | MISSING = MISSING
    priority: TaskPriority | MISSING = MISSING
    tags: Tags | MISSING = MISSING
    due_date: DueDate | MISSING = MISSING
    due_time: DueTime | MISSING = MISSING
    recurrence: Recurrence | MISSING = MISSING
    reminders: Reminders | MISSING = MISSING
    parent_id: ParentId | MISSING = MISSING
    assignee_id: AssigneeId | MISSING = MISSING
    version: Version | MISSING = MISSING


class TaskToggle(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"version": 3}]})

    version: Version | MISSING = MISSING


class RecurrenceOut(ResponseBody):
    rule: str = Field(
        description="The RFC 5545 RRULE (without `RRULE:`), normalised.",
        examples=["FREQ=MONTHLY"],
    )
    from_completion: bool = Field(
        description="The next occurrence counts from the completion day, not the due date."
    )


class ReminderOut(ResponseBody):
    minutes_before: int = Field(description="How long before the due time.", examples=[15])


def _reminder_objects(minutes: Any) -> Any:
    """The service keeps reminders as minutes; a client sees ``{minutes_before}`` objects."""
    if isinstance(minutes, list | tuple):
        return [{"minutes_before": m} if isinstance(m, int) else m for m in minutes]
    return minutes


class CompletionOut(BaseModel):
    completed_at: datetime = Field(description="When it was completed.")
    due_date: date | None = Field(
        description="The due date of the occurrence that was completed (the user's zone)."
    )


WallClock = Annotated[
    time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
]


class TaskOut(ResponseBody):
    id: UUID
    title: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Bumped by every change; send it back to detect conflicts.")
    list_id: UUID | None = Field(description="The task's list; `null` is the Inbox.")
    priority: Priority
    tags: list[str] = Field(description="In the order given.")
    due_date: date | None = Field(description="In the user's time zone.")
    due_time: WallClock | None = Field(
        description="`HH:MM`, wall-clock time in the user's time zone.", examples=["09:30"]
    )
    due_at: datetime | None = Field(
        description="The UTC instant of a timed due (read-only); `null` without a due time."
    )
    recurrence: Annotated[RecurrenceOut | None, BeforeValidator(public_recurrence)] = Field(
        description="How the task repeats; `null` if it does not.",
        examples=[{"rule": "FREQ=MONTHLY", "from_completion": False}],
    )
    reminders: Annotated[list[ReminderOut], BeforeValidator(_reminder_objects)] = Field(
        description="Sorted by `minutes_before`.",
        examples=[[{"minutes_before": 0}, {"minutes_before": 60}]],
    )
    parent_id: UUID | None = Field(description="The task it is a sub-task of; `null`: top level.")
    position: str = Field(
        description="Its place among its siblings in the manual order: keys sort byte by "
        "byte. Set by `POST /api/tasks/{id}/move`, not written directly.",
        examples=["a0"],
    )
    assignee_id: UUID | None = Field(
        description="The user it is assigned to (its list's owner or a member); `null`: nobody."
    )
    created_by: UUID | None = Field(
        description="The user who added it (in a shared list, maybe a member); `null` for "
        "tasks older than sharing."
    )
    completed_by: UUID | None = Field(
        description="The user who completed it; `null` while it is open (or if unknown)."
    )
    subtask_count: int = Field(description="How many direct sub-tasks it has.")
    subtasks_done: int = Field(description="How many of them are completed.")


class TaskDetail(TaskOut):
    subtasks: list[TaskOut] = Field(description="Its direct sub-tasks, in their manual order.")


class TaskMove(RequestBody):
    """Where the task goes, with its sub-tasks: right before `before_id` among the children
    of `parent_id` (`null`: the top level of its list), or last there when `before_id` is
    `null`. A move never conflicts with an edit: it says where, not what."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"parent_id": None, "before_id": "0b6f2a9e-3c1d-4e5f-8a7b-9c0d1e2f3a4b"},
                {"parent_id": "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11", "before_id": None},
            ]
        }
    )

    parent_id: ParentId = None
    before_id: UUID | None = Field(
        default=None,
        description="A task among the new siblings to go right before; `null` is last.",
    )


class TaskList(ResponseBody):
    items: list[TaskOut]
    total: int = Field(description="How many tasks match, across all pages.")


def _task_out(task: TaskData) -> dict[str, Any]:
    """``TaskOut``'s fields, in its order and as it turns them out, from a task as it is."""
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "completed": task.completed,
        "created_at": task.created_at,
        "updated_at": task.updated_at,
        "version": task.version,
        "list_id": task.list_id,
        "priority": task.priority,
        "tags": task.tags,
        "due_date": task.due_date,
        "due_time": task.due_time.strftime("%H:%M") if task.due_time is not None else None,
        "due_at": task.due_at,
        "recurrence": public_recurrence(task.recurrence),
        "reminders": [{"minutes_before": minutes} for minutes in task.reminders],
        "parent_id": task.parent_id,
        "position": task.position,
        "assignee_id": task.assignee_id,
        "created_by": task.created_by,
        "completed_by": task.completed_by,
        "subtask_count": task.subtask_count,
        "subtasks_done": task.subtasks_done,
    }


def task_list_json(page: TaskPage) -> bytes:
    """A page as ``TaskList`` serialises it, byte for byte (tests/api/test_task_list_json.py
    holds it to that), without validating what the service built: building and checking
    50 ``TaskOut`` models cost about as much as reading the page. pydantic's own serialiser
    writes the ids, times and text, so their formats are the models' own."""
    return to_json({"items": [_task_out(task) for task in page.items], "total": page.total})


# --- lists and tags -----------------------------------------------------------------------


class ListCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Groceries"}]})

    name: ListName


class ListPatch(RequestBody):
    """Only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Shopping"}, {"position": 0}, {"add_on_top": False}]
        }
    )

    name: ListName | MISSING = MISSING
    add_on_top: (
        Annotated[
            StrictBool,
            Field(
                description="Whether a task added to the list goes first (or last) in its "
                "manual order."
            ),
        ]
        | MISSING
    ) = MISSING
    position: (
        Annotated[
            StrictInt,
            Field(
                json_schema_extra={"minimum": 0},
                description="Where the list goes among the caller's lists, 0 first; the "
                "others shift to make room (past the end is last).",
            ),
        ]
        | MISSING
    ) = MISSING


class InboxSettings(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"add_on_top": False}]})

    add_on_top: StrictBool = Field(
        description="Whether a task added to the Inbox goes first (true) or last in its "
        "manual order."
    )


Role = Literal["owner", "editor", "viewer"]


class ListPersonOut(BaseModel):
    user_id: UUID
    name: str
    role: Role


def _people(members: Any) -> Any:
    """The service keeps a list's people as (user id, name, role) tuples."""
    if isinstance(members, list | tuple):
        return [
            dict(zip(("user_id", "name", "role"), person, strict=True))
            if isinstance(person, tuple)
            else person
            for person in members
        ]
    return members


class ListOut(ResponseBody):
    id: UUID
    name: str
    position: int = Field(description="0 is first.")
    open_count: int = Field(description="How many of its tasks are not completed.")
    add_on_top: bool = Field(
        description="Whether a task added to the list goes first (true) or last in its manual "
        "order."
    )
    role: Role = Field(
        description="The caller's role: `owner` (may do anything, and share it), `editor` "
        "(may change its tasks) or `viewer` (may only read them)."
    )
    members: Annotated[list[ListPersonOut], BeforeValidator(_people)] = Field(
        description="Everyone in the list, its owner first, then the members by name; empty "
        "when it is not shared.",
        examples=[
            [
                {
                    "user_id": "0b6f2a9e-3c1d-4e5f-8a7b-9c0d1e2f3a4b",
                    "name": "Ada",
                    "role": "owner",
                },
                {
                    "user_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                    "name": "Grace",
                    "role": "editor",
                },
            ]
        ],
    )


class TagOut(BaseModel):
    name: str
    count: int = Field(description="How many of the caller's tasks carry it.")


# --- notifications ------------------------------------------------------------------------


class NotificationOut(ResponseBody):
    id: UUID
    kind: Literal["reminder", "invitation", "assigned", "removed", "list_deleted", "joined"] = (
        Field(
            description="`reminder` (a task's reminder fell due), or news from a shared list: "
            "`invitation` (answer it: `invitation_id`), `assigned` (a task was assigned to "
            "you), `removed` (you were removed from a list), `list_deleted`, `joined` "
            "(someone accepted your invitation)."
        )
    )
    invitation_id: UUID | None = Field(
        description="The invitation to accept or decline (`POST /api/invitations/{id}/accept`); "
        "`null` unless `kind` is `invitation`."
    )
    task_id: UUID | None = Field(
        description="The task it is about (a reminder's, an assigned one); `null` otherwise or "
        "once deleted."
    )
    title: str = Field(description="What the bell shows: the task's title, or the news.")
    fire_at: datetime = Field(description="When the reminder was due, or the news came.")
    read: bool
    late: bool = Field(
        description="Delivered after its time (the server was down when it fell due)."
    )


class ReadAllOut(BaseModel):
    updated: int = Field(description="How many notifications were unread and now are read.")


class StaleVersionOut(BaseModel):
    detail: str
    current: TaskOut = Field(description="The task as it is stored now.")
