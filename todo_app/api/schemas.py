"""Request and response bodies of the REST API.

The limits mirror the services' (same constants) so the OpenAPI document tells clients the
rules; the services still check everything, so no rule depends on this file alone. Requests
refuse unknown fields, so a misspelt field is an error instead of a silently ignored change.
Optional update fields use pydantic's ``MISSING``: left out means "keep", and ``null`` is
refused rather than guessed at.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import MISSING, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from todo_app.auth.service import PASSWORD_MAX, PASSWORD_MIN
from todo_app.models import DESCRIPTION_MAX, EMAIL_MAX, NAME_MAX, TITLE_MAX

Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX),
    Field(description=f"1 to {TITLE_MAX} characters after trimming."),
]
Description = Annotated[
    str,
    StringConstraints(max_length=DESCRIPTION_MAX),
    Field(description=f"At most {DESCRIPTION_MAX} characters."),
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


class ResponseBody(BaseModel):
    """Base of every response body: built from the services' dataclasses."""

    model_config = ConfigDict(from_attributes=True)


# --- auth ---------------------------------------------------------------------------------


class SignUpIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"email": "ada@example.com", "password": "correct horse", "name": "Ada"}]
        }
    )

    email: Email
    password: Annotated[str, StringConstraints(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX)] | None = (
        Field(default=None, description="Shown in the app; defaults to the part before the @.")
    )


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


class TaskCreate(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"title": "Buy milk"},
                {
                    "id": "0b6f2a9e-3c1d-4e5f-8a7b-9c0d1e2f3a4b",
                    "title": "Call the plumber",
                    "description": "Before Friday",
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


class TaskReplace(RequestBody):
    """PUT: the whole task; fields left out get their defaults."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Buy oat milk", "description": "", "completed": False}]
        }
    )

    title: Title
    description: Description = ""
    completed: StrictBool = False
    version: Version | MISSING = MISSING


class TaskPatch(RequestBody):
    """PATCH: only the fields sent change."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"completed": True}, {"title": "Buy oat milk", "version": 3}]
        }
    )

    title: Title | MISSING = MISSING
    description: Description | MISSING = MISSING
    completed: StrictBool | MISSING = MISSING
    version: Version | MISSING = MISSING


class TaskToggle(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"version": 3}]})

    version: Version | MISSING = MISSING


class TaskOut(ResponseBody):
    id: UUID
    title: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="Bumped by every change; send it back to detect conflicts.")


class TaskList(ResponseBody):
    items: list[TaskOut]
    total: int = Field(description="How many tasks match, across all pages.")


# --- errors -------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    detail: str


class StaleVersionOut(BaseModel):
    detail: str
    current: TaskOut = Field(description="The task as it is stored now.")
