"""The REST API's bodies of sharing a list (``routes_sharing.py``): an invitation, a role,
the people of a list.

The request fields run the sharing service's own rules (``lists.sharing``,
``auth.credentials``), as every body does (``schemas.py``): one 422 in the service's words.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from todo_app.api.schemas import RequestBody, ResponseBody, service_rule
from todo_app.auth.credentials import normalize_email
from todo_app.lists.sharing import INVITATION_DAYS, validate_role
from todo_app.models import EMAIL_MAX


def _email(value: object) -> str:
    """The address as stored (trimmed, lower case); not a string is refused in its words."""
    return normalize_email(value if isinstance(value, str) else "")


MemberRole = Annotated[
    Literal["editor", "viewer"],
    service_rule(validate_role, Literal["editor", "viewer"]),
    Field(
        description="`editor` may add, change, complete and delete the list's tasks; "
        "`viewer` may only read them.",
        examples=["editor"],
    ),
]
InviteeEmail = Annotated[
    str,
    service_rule(_email, Annotated[str, Field(max_length=EMAIL_MAX)]),
    Field(
        description="Whom to invite: trimmed and compared case-insensitively. It need not "
        "have an account yet: the mail then holds a link (with a token) that accepts it once "
        "its reader has signed up or in; an account made later with the address does not "
        "see it otherwise, since addresses are not verified at sign-up.",
        examples=["grace@example.com"],
    ),
]
Role = Literal["owner", "editor", "viewer"]


class AnswerIn(RequestBody):
    """An answer to an invitation; ``token`` only for one sent to an address that had no
    account (it is in the mailed link)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{}, {"token": "Qm9v..."}]})

    token: str | None = Field(
        default=None,
        max_length=100,
        description="The `token` of the invitation mail's link; needed only when the "
        "invitation was sent to an address with no account yet.",
    )


class InvitationIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"email": "grace@example.com", "role": "editor"},
                {"email": "ada@example.com", "role": "viewer"},
            ]
        }
    )

    email: InviteeEmail
    role: MemberRole


class RoleIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "editor"}]})

    role: MemberRole


class InvitationOut(ResponseBody):
    id: UUID
    list_id: UUID
    list_name: str = Field(examples=["Groceries"])
    email: str = Field(description="The address invited.", examples=["grace@example.com"])
    role: Literal["editor", "viewer"] = Field(description="The role it gives when accepted.")
    invited_by: str = Field(description="The list owner's name.", examples=["Ada"])
    created_at: datetime = Field(description="When it was sent (or last sent again).")
    expires_at: datetime = Field(
        description=f"When it lapses: {INVITATION_DAYS} days after it was sent."
    )


class MemberOut(ResponseBody):
    user_id: UUID
    name: str = Field(examples=["Grace"])
    email: str = Field(examples=["grace@example.com"])
    role: Role = Field(description="`owner` (one per list), `editor` or `viewer`.")
