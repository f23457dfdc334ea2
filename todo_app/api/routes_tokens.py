"""Personal access tokens of the signed-in user: list, create, revoke. A sign-in only; an
access token never manages tokens (``SessionOnly``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path

from todo_app.api.deps import CurrentAuth, SessionOnly
from todo_app.api.errors import responses
from todo_app.api.schemas_tokens import CreatedTokenOut, TokenIn, TokenOut
from todo_app.auth import access_tokens

_REFUSED = {403: "Personal access tokens cannot manage the account"}
router = APIRouter(
    prefix="/api/tokens",
    tags=["tokens"],
    responses=responses(401, 403, described=_REFUSED),
    dependencies=[SessionOnly],
)

TokenId = Annotated[UUID, Path(description="The token's id (from `GET /api/tokens`).")]


@router.get(
    "",
    response_model=list[TokenOut],
    summary="List personal access tokens",
    responses=responses(renewing=200),
)
def list_tokens(auth: CurrentAuth) -> list[access_tokens.TokenInfo]:
    """The caller's tokens that still work, newest first, with their last use."""
    return access_tokens.list_tokens(auth.user.id)


@router.post(
    "",
    status_code=201,
    response_model=CreatedTokenOut,
    summary="Create a personal access token",
    responses=responses(renewing=201),
)
def create_token(auth: CurrentAuth, body: TokenIn) -> CreatedTokenOut:
    """A new token with the given scopes; the answer holds the token, shown this once."""
    created = access_tokens.create(auth.user.id, body.name, body.scopes, body.expires_in_days)
    return CreatedTokenOut(**asdict(created.info), token=created.token)


@router.delete(
    "/{token_id}",
    status_code=204,
    summary="Revoke a personal access token",
    responses=responses(404, renewing=204, described={404: "No such token of the caller's"}),
)
def revoke_token(auth: CurrentAuth, token_id: TokenId) -> None:
    """Refused from the next call on."""
    access_tokens.revoke(auth.user.id, token_id)
