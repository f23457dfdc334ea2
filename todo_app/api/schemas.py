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

This module holds what every body shares: the field types that run a service rule, the two
base classes, and the error body. The bodies themselves are by front door, as the routes
are: ``schemas_auth.py`` (sign-up, sign-in, the account) and ``schemas_tasks.py`` (tasks,
lists, tags, notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    MISSING,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

from todo_app import recurrence as repeat_rules
from todo_app import zones
from todo_app.errors import InvalidInput
from todo_app.limits import SUBTASK_DEPTH_MAX
from todo_app.models import (
    DESCRIPTION_MAX,
    EMAIL_MAX,
    LIST_NAME_MAX,
    TAG_MAX,
    TIME_ZONE_MAX,
    TITLE_MAX,
)
from todo_app.tasks import fields as rules
from todo_app.tasks.fields import REMINDER_MINUTES_MAX, REMINDERS_MAX, TAGS_MAX, Priority


def service_rule(check: Callable[[Any], Any], documented_as: Any) -> BeforeValidator:
    """Validate a request field with the service's own rule; ``documented_as`` is the type
    (with the service's limits) the OpenAPI document shows for it.

    The service's ``InvalidInput`` becomes a pydantic error, so it is reported with every
    other field error in one 422, located where the field was sent, in the service's words.
    """

    return BeforeValidator(
        lambda value: run_rule(check, value), json_schema_input_type=documented_as
    )


def run_rule(check: Callable[..., Any], *args: Any) -> Any:
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
        description="The id of one of the caller's lists, or of one shared with them as an "
        "editor (a viewer's is a 403); `null` is the caller's Inbox. A list the caller may "
        "not see is a 404, as if it did not exist."
    ),
]
ParentId = Annotated[
    UUID | None,
    Field(
        description="The task this one is a sub-task of (one of the caller's, at most "
        f"{SUBTASK_DEPTH_MAX} levels below a top-level task; the sub-task goes into its "
        "parent's list); `null` is the top level. A cycle, a task the caller cannot see or "
        "one level too many is a 422 with the reason.",
    ),
]
AssigneeId = Annotated[
    UUID | None,
    Field(
        description="Who the task is for: the user id of its list's owner or of a member "
        "(`GET /api/lists/{list_id}/members`); anyone else is a 422. In the Inbox only its "
        "owner. `null` is nobody. The assignee is told in their notifications; a member who "
        "leaves or is removed is unassigned at once.",
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


class ErrorOut(BaseModel):
    detail: str
