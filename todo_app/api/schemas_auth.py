"""The REST API's bodies of sign-up, sign-in, password reset and the account (``routes_auth.py``,
``routes_account.py``); the shared field types and bases are in ``schemas.py``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import MISSING, ConfigDict, Field, StringConstraints

from todo_app.api.schemas import Email, RequestBody, ResponseBody, TimeZone
from todo_app.auth.credentials import PASSWORD_MAX, PASSWORD_MIN
from todo_app.auth.reset import TOKEN_MAX as RESET_TOKEN_MAX
from todo_app.models import EMAIL_MAX, NAME_MAX


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
