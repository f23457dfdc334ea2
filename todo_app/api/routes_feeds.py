"""Calendar feeds: the public ``GET /feeds/<secret>.ics`` a calendar app subscribes to, and
the signed-in routes that turn feeds on, reset and turn them off (``interop.feeds``).

The feed itself takes no other credential: the secret in its URL is one. An unknown or
reset secret is a bare 404 that says nothing about why.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request, Response
from pydantic import ConfigDict, Field

from todo_app.api.deps import CurrentAuth
from todo_app.api.errors import responses
from todo_app.api.schemas import RequestBody, ResponseBody
from todo_app.errors import NotFound
from todo_app.interop import feeds
from todo_app.interop.feeds import FEEDS_PATH, FeedInfo

router = APIRouter(prefix="/api/feeds", tags=["calendar feeds"], responses=responses(401))
public_router = APIRouter(tags=["calendar feeds"])

FeedIdPath = Annotated[UUID, Path(description="The feed's id.")]
CALENDAR_TYPE = "text/calendar; charset=utf-8"
# Calendar apps poll; a minute of caching costs nothing and spares a rebuild per poll burst.
FEED_CACHE = "private, max-age=60"


class FeedCreate(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"list_id": None}]})

    list_id: UUID | None = Field(
        default=None, description="One list the caller may see; `null` for all their tasks."
    )


class FeedOut(ResponseBody):
    id: UUID
    list_id: UUID | None = Field(description="`null`: all the caller's tasks.")
    name: str = Field(description="The calendar's name: the list's, or `Todo`.")
    created_at: datetime
    url: str | None = Field(
        default=None,
        description="The subscription URL, only in the answer that made or reset the feed: "
        "its secret is not stored, so it cannot be shown again (reset for a new one).",
    )


def _out(info: FeedInfo) -> FeedOut:
    return FeedOut.model_validate(info)


@router.get(
    "", response_model=list[FeedOut], summary="List feeds", responses=responses(renewing=200)
)
def list_feeds(auth: CurrentAuth) -> list[FeedOut]:
    """The caller's calendar feeds (without URLs). A personal access token cannot manage
    feeds (a feed's URL is a credential of its own)."""
    return [_out(info) for info in feeds.list_feeds(auth.user.id)]


@router.post(
    "",
    response_model=FeedOut,
    status_code=201,
    summary="Turn on a feed",
    responses=responses(404, renewing=201),
)
def create_feed(auth: CurrentAuth, body: FeedCreate) -> FeedOut:
    """A calendar feed of the caller's dated open tasks (`list_id` null) or of one list they
    may see (404 otherwise); the answer's `url` is the subscription URL, shown this once.
    A personal access token cannot manage feeds (a feed's URL is a credential
    of its own)."""
    return _out(feeds.create_feed(auth.user.id, body.list_id))


@router.post(
    "/{feed_id}/reset",
    response_model=FeedOut,
    summary="Reset a feed's URL",
    responses=responses(404, renewing=200),
)
def reset_feed(auth: CurrentAuth, feed_id: FeedIdPath) -> FeedOut:
    """A new secret URL for the feed; the old one is 404 from now on. A personal access
    token will need the `lists:read` scope."""
    return _out(feeds.reset_feed(auth.user.id, feed_id))


@router.delete(
    "/{feed_id}",
    status_code=204,
    summary="Turn off a feed",
    responses=responses(404, renewing=204),
)
def delete_feed(auth: CurrentAuth, feed_id: FeedIdPath) -> Response:
    """Its URL is 404 from now on. A personal access token cannot manage feeds (a feed's
    URL is a credential of its own)."""
    feeds.delete_feed(auth.user.id, feed_id)
    return Response(status_code=204)


def _not_modified(request: Request, body: feeds.FeedBody) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or body.etag in tags
    since = request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    return when.tzinfo is not None and body.last_modified <= when


@public_router.get(
    f"{FEEDS_PATH}/{{secret}}.ics",
    summary="A calendar feed",
    response_class=Response,
    responses={
        200: {"content": {"text/calendar": {}}, "description": "The iCalendar file"},
        304: {"description": "Not modified since the ETag or date sent"},
        404: {"description": "No such feed (unknown, reset or turned off)"},
    },
)
async def calendar_feed(request: Request, secret: str) -> Response:
    """The feed's calendar: an event for each dated open task. The secret in the URL is the
    only credential."""
    try:
        body = await asyncio.to_thread(feeds.calendar_for, secret)
    except NotFound:
        return Response(status_code=404)
    headers = {
        "ETag": body.etag,
        "Last-Modified": format_datetime(body.last_modified, usegmt=True),
        "Cache-Control": FEED_CACHE,
    }
    if _not_modified(request, body):
        return Response(status_code=304, headers=headers)
    return Response(body.ics, media_type=CALENDAR_TYPE, headers=headers)
