"""Request and response bodies of the REST API.

No field rule is written here. A request field runs the service's own validator
(``tasks.fields``) before its type is checked, so the API accepts exactly what the page
accepts, stores what the service would store, and words every refusal as the service does
(a 422 naming the field). The OpenAPI document still states each limit: the schema a field
documents (``json_schema_input_type``) is built from the same constants the validators use.

In a request, ``null`` for an optional field means "no value" (no description, the Inbox, no
priority, no tags, no due date or time, no repeat, no reminders); a field left out of a PATCH
stays as it is
(pydantic's ``MISSING``). Requests refuse unknown fields, so a misspelt field is an error
instead of a silently ignored change.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, Any
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
    StringConstraints,
    Tag,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from todo_app import recurrence as repeat_rules
from todo_app import zones
from todo_app.auth.reset import TOKEN_MAX as RESET_TOKEN_MAX
from todo_app.auth.service import PASSWORD_MAX, PASSWORD_MIN
from todo_app.errors import InvalidInput
from todo_app.models import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    LIST_NAME_MAX,
    NAME_MAX,
    TAG_MAX,
    TIME_ZONE_MAX,
    TITLE_MAX,
)
from todo_app.tasks import fields as rules
from todo_app.tasks import quick_add
from todo_app.tasks.fields import REMINDER_MINUTES_MAX, REMINDERS_MAX, TAGS_MAX, Priority
from todo_app.tasks.types import public_recurrence


def service_rule(check: Callable[[Any], Any], documented_as: Any) -> BeforeValidator:
    """Validate a request field with the service's own rule; ``documented_as`` is the type
    (with the service's limits) the OpenAPI document shows for it.

    The service's ``InvalidInput`` becomes a pydantic error, so it is reported with every
    other field error in one 422, located where the field was sent, in the service's words.
    """

    return BeforeValidator(lambda value: _run(check, value), json_schema_input_type=documented_as)


def _run(check: Callable[..., Any], *args: Any) -> Any:
    try:
        return check(*args)
    except InvalidInput as exc:
        # The message goes in the context, never in the template: a tag may hold braces.
        reason = "; ".join(exc.fields.values())
        raise PydanticCustomError("value_error", "{reason}", {"reason": reason}) from None


def _priority(value: Any) -> str:
    """The priority's name as stored (``null`` is "none")."""
    return rules.priority_name(rules.validate_priority(value))


Title = Annotated[
    str,
    service_rule(
        rules.validate_title,
        Annotated[str, Field(min_length=1, max_length=TITLE_MAX)],
    ),
    Field(
        description=f"1 to {TITLE_MAX} characters after trimming; line breaks and tabs "
        "become one space.",
        examples=["Buy milk"],
    ),
]
Description = Annotated[
    str,
    service_rule(
        rules.validate_description, Annotated[str, Field(max_length=DESCRIPTION_MAX)] | None
    ),
    Field(
        description=f"At most {DESCRIPTION_MAX} characters (trailing whitespace is dropped); "
        "`null` is no description."
    ),
]
ListId = Annotated[
    UUID | None,
    Field(
        description="The id of one of the caller's lists; `null` is the Inbox. Another "
        "user's list is a 404, as if it did not exist."
    ),
]
TaskPriority = Annotated[
    Priority,
    service_rule(_priority, Priority | None),
    Field(description='How important the task is; `null` is `"none"`.'),
]
_TagName = Annotated[str, Field(min_length=1, max_length=TAG_MAX)]
# One priority or tag name (the repeatable priority and tag filters of GET /api/tasks).
PriorityName = Annotated[Priority, service_rule(_priority, Priority)]
TagName = Annotated[str, service_rule(rules.validate_tag, _TagName)]
Tags = Annotated[
    tuple[str, ...],
    service_rule(rules.validate_tags, Annotated[list[_TagName], Field(max_length=TAGS_MAX)] | None),
    Field(
        description=f"At most {TAGS_MAX} tags, each 1 to {TAG_MAX} characters with no spaces "
        "or `#` (a leading `#` is dropped). Kept in the order given; duplicates (in any case) "
        "are dropped. `null` is no tags.",
        examples=[["home", "errands"]],
    ),
]
# A calendar day as the service reads one (also the due_before/due_after query parameters).
Day = Annotated[date | None, service_rule(rules.validate_due_date, date | None)]
DueDate = Annotated[
    Day,
    Field(
        description="`YYYY-MM-DD`, a real calendar day, in the user's time zone; `null` is "
        "no due date (and clears the due time).",
        examples=["2026-12-05"],
    ),
]
DueTime = Annotated[
    time | None,
    service_rule(rules.validate_due_time, str | None),
    Field(
        description="`HH:MM` on a 24-hour clock (00:00 to 23:59), wall-clock time in the "
        "user's time zone; only with a `due_date`. `null` is no time.",
        examples=["09:30"],
    ),
]


class RecurrenceIn(BaseModel):
    """How a repeat is sent (documentation of ``recurrence``; ``todo_app.recurrence`` checks
    it)."""

    model_config = ConfigDict(extra="forbid")

    rule: str = Field(
        min_length=1,
        max_length=repeat_rules.RULE_MAX,
        description="An RFC 5545 RRULE without the `RRULE:` prefix: FREQ is DAILY, WEEKLY, "
        "MONTHLY or YEARLY, with INTERVAL, BYDAY (`MO`, `2TU`, `-1FR`), BYMONTHDAY (`-1` is "
        "the last day), BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, WKST, and COUNT or UNTIL. No "
        "DTSTART (the series starts at the due date) and no BYHOUR/BYMINUTE/BYSECOND (the "
        "time comes from the due time). Stored normalised (upper case, FREQ first).",
        examples=["FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYMONTHDAY=-1"],
    )
    from_completion: bool = Field(
        default=False,
        description="Count the next occurrence from the day the task is completed (Todoist's "
        "`every!`) instead of from its due date.",
    )


class ReminderIn(BaseModel):
    """One reminder as it is sent (documentation of ``reminders``)."""

    model_config = ConfigDict(extra="forbid")

    minutes_before: int = Field(
        ge=0,
        le=REMINDER_MINUTES_MAX,
        description=f"How long before the due time to remind, 0 (at the time) to "
        f"{REMINDER_MINUTES_MAX} (four weeks).",
        examples=[15],
    )


Recurrence = Annotated[
    dict[str, Any] | None,
    service_rule(repeat_rules.validate_recurrence, RecurrenceIn | None),
    Field(
        description="How the task repeats; needs a `due_date`. Completing a repeating task "
        "records the completion (`GET /api/tasks/{id}/history`) and moves the same task to "
        "its next occurrence, keeping it active; when the rule has no further occurrence "
        "(COUNT or UNTIL reached) it completes for good. The wall-clock due time stays fixed "
        "across daylight-saving changes. `null` is no repeat.",
        examples=[{"rule": "FREQ=MONTHLY", "from_completion": False}],
    ),
]
Reminders = Annotated[
    tuple[int, ...],
    service_rule(
        rules.validate_reminders,
        Annotated[list[ReminderIn], Field(max_length=REMINDERS_MAX)] | None,
    ),
    Field(
        description=f"At most {REMINDERS_MAX} reminders, only on a task with a due date and "
        "time; each creates one notification (`GET /api/notifications`) when it falls due, "
        "again for every occurrence of a repeating task. Duplicates are dropped and the rest "
        "kept in order of `minutes_before`. `null` is no reminders.",
        examples=[[{"minutes_before": 0}, {"minutes_before": 60}]],
    ),
]

TimeZone = Annotated[
    str,
    service_rule(zones.validate_time_zone, Annotated[str, Field(max_length=TIME_ZONE_MAX)]),
    Field(
        description='An IANA time zone name, as the tz database spells it. "Today", '
        '"overdue" and "upcoming" are reckoned in it, and due times are wall-clock '
        "times there.",
        examples=["Europe/Berlin"],
    ),
]
ListName = Annotated[
    str,
    service_rule(
        rules.validate_list_name,
        Annotated[str, Field(min_length=1, max_length=LIST_NAME_MAX)],
    ),
    Field(
        description=f"1 to {LIST_NAME_MAX} characters (runs of spaces become one); unique "
        "among the caller's lists whatever the case (409 otherwise).",
        examples=["Groceries"],
    ),
]
ClientTaskId = Annotated[
    UUID | None,
    Field(
        description="Chosen by the client to make the create idempotent: sending it again "
        "returns the stored task instead of a duplicate.",
    ),
]
Version = Annotated[
    StrictInt,
    Field(
        ge=1,
        description="The task version this change is based on; 409 if the task has moved on.",
    ),
]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=EMAIL_MAX)]


class RequestBody(BaseModel):
    """Base of every request body: unknown fields are an error (422)."""

    model_config = ConfigDict(extra="forbid")

    def given(self) -> dict[str, Any]:
        """The fields sent or defaulted, as validated (a field left out of a PATCH is not
        here). Read as attributes, not dumped: they hold the service's stored types."""
        values = {name: getattr(self, name) for name in type(self).model_fields}
        return {name: value for name, value in values.items() if value is not MISSING}


class ResponseBody(BaseModel):
    """Base of every response body: built from the services' dataclasses."""

    model_config = ConfigDict(from_attributes=True)


# --- auth and account ---------------------------------------------------------------------


class SignUpIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "ada@example.com", "password": "correct horse", "name": "Ada"},
                {
                    "email": "grace@example.com",
                    "password": "correct horse",
                    "time_zone": "America/New_York",
                },
            ]
        }
    )

    # The auth service checks these (all at once, the password against the email too); the
    # limits here are only documented.
    email: str = Field(
        json_schema_extra={"maxLength": EMAIL_MAX},
        description="Trimmed and compared case-insensitively.",
    )
    password: str = Field(
        json_schema_extra={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX},
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, not one of the most "
        "common passwords, not the email address.",
    )
    name: str | None = Field(
        default=None,
        json_schema_extra={"maxLength": NAME_MAX},
        description="Shown in the app; defaults to the part before the @.",
    )
    time_zone: TimeZone | None = Field(default=None, description="Defaults to `UTC`.")


class SignInIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@example.com", "password": "correct horse"}]}
    )

    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=PASSWORD_MAX)]


class PasswordResetIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "ada@example.com"}]})

    email: Email


class PasswordResetConfirmIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"token": "the token from the mailed link", "password": "a new passphrase"}
            ]
        }
    )

    # The reset service checks both; the limits here are only documented.
    token: str = Field(
        json_schema_extra={"maxLength": RESET_TOKEN_MAX},
        description="The `token` query parameter of the mailed link.",
    )
    password: str = Field(
        json_schema_extra={"minLength": PASSWORD_MIN, "maxLength": PASSWORD_MAX},
        description=f"The new password: {PASSWORD_MIN} to {PASSWORD_MAX} characters, not a "
        "common one, not the email address.",
    )


class NoticeOut(ResponseBody):
    detail: str = Field(description="What happened, in words to show a person.")


class UserOut(ResponseBody):
    id: UUID
    email: str
    name: str
    created_at: datetime
    time_zone: str = Field(description="The IANA zone the user's days and due times are in.")


class AccountPatch(RequestBody):
    """PATCH /api/account: only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"time_zone": "Pacific/Auckland"}, {"name": "Ada L."}]}
    )

    name: (
        Annotated[
            str,
            Field(json_schema_extra={"maxLength": NAME_MAX}, description="Shown in the app."),
        ]
        | MISSING
    ) = MISSING
    time_zone: TimeZone | MISSING = MISSING


class AuthOut(ResponseBody):
    user: UserOut
    token: str = Field(description="Send it as `Authorization: Bearer <token>`.")
    expires_at: datetime


class CurrentSessionOut(ResponseBody):
    id: UUID
    expires_at: datetime


class SessionOut(ResponseBody):
    user: UserOut
    session: CurrentSessionOut


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
            _run(rules.check_due, due_date, due_time)
        return due_time

    @field_validator("recurrence", check_fields=False)
    @classmethod
    def _repeat_needs_a_date(cls, recurrence: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        if due_date is not MISSING:
            _run(rules.check_schedule, due_date, None, recurrence, ())
        return recurrence

    @field_validator("reminders", check_fields=False)
    @classmethod
    def _reminders_need_a_timed_due(cls, reminders: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        due_time = info.data.get("due_time", MISSING)
        if due_date is None:  # no date: no time either, whatever was sent
            _run(rules.check_schedule, None, None, None, reminders)
        elif due_date is not MISSING and due_time is not MISSING:
            _run(rules.check_schedule, due_date, due_time, None, reminders)
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
    version: Version | MISSING = MISSING


class TaskPatch(TaskBody):
    """PATCH: only the fields sent change; `null` clears an optional field (`description`,
    `list_id`, `priority`, `tags`, `due_date`, `due_time`, `recurrence`, `reminders`)."""

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


class TaskList(ResponseBody):
    items: list[TaskOut]
    total: int = Field(description="How many tasks match, across all pages.")


# --- lists and tags -----------------------------------------------------------------------


class ListCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Groceries"}]})

    name: ListName


class ListPatch(RequestBody):
    """Only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Shopping"}, {"position": 0}]}
    )

    name: ListName | MISSING = MISSING
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


class ListOut(ResponseBody):
    id: UUID
    name: str
    position: int = Field(description="0 is first.")
    open_count: int = Field(description="How many of its tasks are not completed.")


class TagOut(BaseModel):
    name: str
    count: int = Field(description="How many of the caller's tasks carry it.")


# --- notifications ------------------------------------------------------------------------


class NotificationOut(ResponseBody):
    id: UUID
    task_id: UUID | None = Field(description="The task it reminds of; `null` once deleted.")
    title: str = Field(description="The task's title when the reminder fired.")
    fire_at: datetime = Field(description="When the reminder was due.")
    read: bool
    late: bool = Field(
        description="Delivered after its time (the server was down when it fell due)."
    )


class ReadAllOut(BaseModel):
    updated: int = Field(description="How many notifications were unread and now are read.")


# --- errors -------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    detail: str


class StaleVersionOut(BaseModel):
    detail: str
    current: TaskOut = Field(description="The task as it is stored now.")
