"""Bodies of the personal access token routes (``routes_tokens.py``); the scopes and expiries
come from ``auth.access_tokens``, where they are declared once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import ConfigDict, Field

from todo_app.api.schemas import RequestBody, ResponseBody
from todo_app.auth import access_tokens

# Literal types built from the declarations, so the OpenAPI document lists them.
ScopeName = Literal[tuple(access_tokens.SCOPES)]  # type: ignore[valid-type]
ExpiryDays = Literal[tuple(d for d in access_tokens.EXPIRY_DAYS if d is not None)]  # type: ignore[valid-type]


class TokenIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Backup script", "scopes": ["tasks:read"], "expires_in_days": 90}]
        }
    )

    name: str = Field(
        min_length=1,
        max_length=access_tokens.NAME_MAX,
        description="What the token is for, shown on the account page.",
    )
    scopes: list[ScopeName] = Field(  # type: ignore[valid-type]
        min_length=1,
        max_length=len(access_tokens.SCOPES),
        description="What the token may do: "
        + "; ".join(f"`{n}`: {w}" for n, w in access_tokens.SCOPES.items()),
    )
    expires_in_days: ExpiryDays | None = Field(  # type: ignore[valid-type]
        description="30, 90 or 365 days; `null`: never expires."
    )


class TokenOut(ResponseBody):
    id: UUID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None = Field(description="`null`: never expires.")
    last_used_at: datetime | None
    last_used_ip: str = Field(description="The address of the last use (empty if none).")


class CreatedTokenOut(TokenOut):
    token: str = Field(
        description="The token itself, `todo_pat_` and 43 characters: shown only in this "
        "answer (only its hash is stored). Send it as `Authorization: Bearer <token>`."
    )
