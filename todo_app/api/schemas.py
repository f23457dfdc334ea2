"""Request and response bodies of the REST API.

No field rule is written here. A request field runs the service's own validator
(``tasks.fields``) before its type is checked, so the API accepts exactly what the page
accepts, stores what the service would store, and words every refusal as the service does
(a 422 naming the field). The OpenAPI document still states each limit: the schema a field
documents (``json_schema_input_type``) is built from the same constants the validators use.

In a request, ``null`` for an optional field means "no value" (no description, the Inbox, no
priority, no tags, no due date or time); a field left out of a PATCH stays as it is
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
    Field,
    PlainSerializer,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

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
from todo_app.tasks.fields import TAGS_MAX, Priority


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
TimeZone = Annotated[
    str,
    service_rule(rules.validate_time_zone, Annotated[str, Field(max_length=TIME_ZONE_MAX)]),
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
        description=f"{PASSWORD_MIN} to {PASSWORD_MAX} characters, not the email address.",
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
    """A request that may set the due: a due time sent with a due date (or with `null` for
    it) is checked against it here, so the refusal names `due_time` with the other errors."""

    @field_validator("due_time", check_fields=False)
    @classmethod
    def _time_needs_a_date(cls, due_time: Any, info: ValidationInfo) -> Any:
        due_date = info.data.get("due_date", MISSING)
        if due_date is not MISSING:
            _run(rules.check_due, due_date, due_time)
        return due_time


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
                },
            ]
        }
    )

    title: Title
    description: Description = ""
    id: UUID | None = Field(
        default=None,
        description="Chosen by the client to make the create idempotent: sending it again "
        "returns the stored task instead of a duplicate.",
    )
    list_id: ListId = None
    priority: TaskPriority = "none"
    tags: Tags = ()
    due_date: DueDate = None
    due_time: DueTime = None


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
    version: Version | MISSING = MISSING


class TaskPatch(TaskBody):
    """PATCH: only the fields sent change; `null` clears an optional field (`description`,
    `list_id`, `priority`, `tags`, `due_date`, `due_time`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"completed": True},
                {"title": "Buy oat milk", "version": 3},
                {"due_date": "2026-12-05", "due_time": "17:00", "priority": "high"},
                {"list_id": "5d1c7a52-8c3e-4c0b-9f0e-2b7f3d9a6e11", "tags": ["work"]},
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
    version: Version | MISSING = MISSING


class TaskToggle(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"version": 3}]})

    version: Version | MISSING = MISSING


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


# --- errors -------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    detail: str


class StaleVersionOut(BaseModel):
    detail: str
    current: TaskOut = Field(description="The task as it is stored now.")
