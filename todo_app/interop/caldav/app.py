"""The CalDAV server: ``/.well-known/caldav`` and everything under ``/dav/``.

A small protocol layer over ``store`` (the services) and ``vtodo`` (icalendar): it reads the
request, asks the store, and answers in WebDAV's terms. Why not Radicale's storage plugins
or xandikos: both are whole servers with their own authentication, rights and storage
model (Radicale keeps items as files behind its plugin; xandikos keeps them in git), both
GPL-3; plugging our tasks in would mean a second copy of who may see what. Here every
request goes through the same services as the page and the API.

Authentication is HTTP Basic with the account's email and a personal access token with the
``caldav`` scope (an app password). A path naming another user, or a list the caller may not
see, is 404; a viewer's write is 403 with the reason; a write over a newer version is 412.
Each request runs in a worker thread (the services are synchronous); bodies are limited to
``DAV_BODY_MAX`` bytes before they are read (``web.body_limit``).
"""

from __future__ import annotations

import base64
import binascii
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import format_datetime
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from todo_app.auth import access_tokens
from todo_app.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceError,
    Throttled,
    Unauthenticated,
)
from todo_app.interop.caldav import dav_xml as x
from todo_app.interop.caldav import filters, store, vtodo
from todo_app.interop.caldav import properties as p
from todo_app.limits import DAV_BODY_MAX, DAV_OBJECT_MAX
from todo_app.web.body_limit import BodyLimit
from todo_app.web.path_first import PathFirst

logger = logging.getLogger("todo_app.caldav")

SCOPE = "caldav"
WELL_KNOWN = "/.well-known/caldav"
PREFIX = "/dav"
REALM = 'Basic realm="Todo CalDAV", charset="UTF-8"'
ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL"
XML = "application/xml; charset=utf-8"
NO_ACCESS = (
    "Sign in with your account's email and an app password: a personal access token with "
    "the caldav scope, made on your account page"
)


@dataclass
class Answer:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def xml(cls, status: int, body: bytes, **headers: str) -> Answer:
        return cls(status, body, {"Content-Type": XML, **headers})

    @classmethod
    def refused(cls, status: int, precondition: str, reason: str) -> Answer:
        return cls.xml(status, x.error(precondition, reason))

    @classmethod
    def text(cls, status: int, reason: str, **headers: str) -> Answer:
        return cls(
            status, reason.encode(), {"Content-Type": "text/plain; charset=utf-8", **headers}
        )


@dataclass(frozen=True)
class Call:
    """One request, as the handlers need it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    caller: p.Caller
    user_id: uuid.UUID

    @property
    def depth(self) -> str:
        return self.headers.get("depth", "infinity").strip().lower()


# --- who is asking ---------------------------------------------------------------------------


def _credentials(header: str) -> tuple[str, str]:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return "", value.strip()
    if scheme.lower() != "basic":
        raise Unauthenticated(NO_ACCESS)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthenticated(NO_ACCESS) from None
    email, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthenticated(NO_ACCESS)
    return email, password


def authenticate(header: str | None, ip: str) -> p.Caller:
    """The caller of a request: a valid token of theirs with the ``caldav`` scope, sent with
    their email (Basic) or alone (Bearer)."""
    if not header:
        raise Unauthenticated(NO_ACCESS)
    email, token = _credentials(header)
    if not access_tokens.is_access_token(token):
        raise Unauthenticated(NO_ACCESS)
    pat = access_tokens.caller(token, ip)
    user = pat.auth.user
    if email and email.strip().casefold() != user.email.casefold():
        raise Unauthenticated(NO_ACCESS)
    access_tokens.require_scope(pat, SCOPE)
    logger.info("caldav token_id=%s", pat.token_id)
    return p.Caller(user.id, user.email, user.name)


# --- where -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a path names: ``kind`` is root, principal, home, collection or object."""

    kind: str
    segment: str = ""
    name: str = ""


def locate(path: str, user_id: uuid.UUID) -> Target:
    """The resource at ``path`` (decoded, below ``/dav``); NotFound for anything else,
    another user's principal or home included."""
    parts = [part for part in path.removeprefix(PREFIX).split("/") if part]
    if not parts:
        return Target("root")
    kind, owner, rest = parts[0], parts[1] if len(parts) > 1 else "", parts[2:]
    if kind == "principals" and not rest and owner == str(user_id):
        return Target("principal")
    if kind == "calendars" and owner == str(user_id):
        if not rest:
            return Target("home")
        if len(rest) == 1:
            return Target("collection", rest[0])
        if len(rest) == 2:
            return Target("object", rest[0], rest[1])
    raise NotFound("Nothing here")


def _href_path(href: str) -> str:
    return unquote(urlsplit(href.strip()).path)


# --- PROPFIND, PROPPATCH ---------------------------------------------------------------------


def _collection_props(call: Call, coll: store.Collection) -> dict[str, p.Maker]:
    return p.collection_props(
        call.caller, coll, lambda: store.ctag(coll), lambda: store.sync_token(coll)
    )


def _listed(call: Call, coll: store.Collection, how: str, names: list[str]) -> list[x.Response]:
    """A collection's members for a PROPFIND depth 1. Asked only for ETags (and what every
    object has alike), as a client listing what changed is, they come from the collection's
    state without reading a task."""
    if how == "prop" and set(names) <= p.KNOWN_WITHOUT_READING:
        members = store.state(coll).members
        return [
            p.answer(p.object_url(call.user_id, coll, name), p.listed_props(etag), how, names)
            for name, etag in members.items()
        ]
    return _object_responses(call, coll, store.items(coll), how, names)


def _object_responses(
    call: Call, coll: store.Collection, found: list[store.Item], how: str, names: list[str]
) -> list[x.Response]:
    return [
        p.answer(
            p.object_url(call.user_id, coll, item.name),
            p.object_props(coll, item, _renderer(coll, item)),
            how,
            names,
        )
        for item in found
    ]


def _renderer(coll: store.Collection, item: store.Item) -> Callable[[], bytes]:
    cache: list[bytes] = []

    def render() -> bytes:
        if not cache:
            cache.append(item.render(coll.zone))
        return cache[0]

    return render


def propfind(call: Call, target: Target) -> Answer:
    how, names = x.requested_props(x.parse(call.body))
    deep = call.depth != "0"
    caller, user_id = call.caller, call.user_id
    responses: list[x.Response] = []
    if target.kind == "root":
        responses.append(p.answer(p.ROOT, p.root_props(caller), how, names))
        if deep:
            responses.append(
                p.answer(p.principal_url(user_id), p.principal_props(caller), how, names)
            )
            responses.append(p.answer(p.home_url(user_id), p.home_props(caller), how, names))
    elif target.kind == "principal":
        responses.append(p.answer(p.principal_url(user_id), p.principal_props(caller), how, names))
    elif target.kind == "home":
        responses.append(p.answer(p.home_url(user_id), p.home_props(caller), how, names))
        if deep:
            for coll in store.collections(user_id):
                href = p.collection_url(user_id, coll)
                responses.append(p.answer(href, _collection_props(call, coll), how, names))
    elif target.kind == "collection":
        coll = store.collection(user_id, target.segment)
        href = p.collection_url(user_id, coll)
        responses.append(p.answer(href, _collection_props(call, coll), how, names))
        if deep:
            responses += _listed(call, coll, how, names)
    else:
        coll = store.collection(user_id, target.segment)
        item = store.item(coll, target.name)
        responses += _object_responses(call, coll, [item], how, names)
    return Answer.xml(207, x.multistatus(responses))


def proppatch(call: Call, target: Target) -> Answer:
    """Only a list's name can be changed (its owner's); anything else is refused per property."""
    if target.kind != "collection":
        raise Forbidden("Only a calendar's name can be changed")
    coll = store.collection(call.user_id, target.segment)
    root = x.parse(call.body)
    if root is None:
        raise x.BadRequest("A PROPPATCH needs a propertyupdate body")
    response = x.Response(p.collection_url(call.user_id, coll))
    for action in root:
        for prop in action.findall(x.d("prop")):
            for item in prop:
                if item.tag == x.d("displayname") and action.tag == x.d("set"):
                    store.rename_collection(call.user_id, coll, (item.text or "").strip())
                    response.found.append(ET.Element(item.tag))
                else:
                    response.forbidden.append(item.tag)
    return Answer.xml(207, x.multistatus([response]))


# --- REPORT ----------------------------------------------------------------------------------


def report(call: Call, target: Target) -> Answer:
    root = x.parse(call.body)
    if root is None:
        raise x.BadRequest("A REPORT needs a body")
    if target.kind not in ("collection", "object"):
        return Answer.refused(403, x.d("supported-report"), "Reports are answered on a calendar")
    coll = store.collection(call.user_id, target.segment)
    how, names = x.requested_props(root)
    if root.tag == x.cal("calendar-multiget"):
        return _multiget(call, coll, root, how, names)
    if root.tag == x.cal("calendar-query"):
        return _query(call, coll, root, how, names)
    if root.tag == x.d("sync-collection"):
        return _sync(call, coll, root, how, names)
    return Answer.refused(403, x.d("supported-report"), f"Unsupported report {root.tag}")


def _multiget(
    call: Call, coll: store.Collection, root: ET.Element, how: str, names: list[str]
) -> Answer:
    prefix = p.collection_url(call.user_id, coll)
    wanted: dict[str, str] = {}  # name -> href as sent
    outside: list[str] = []
    for node in root.findall(x.d("href")):
        href = (node.text or "").strip()
        path = _href_path(href)
        if path.startswith(unquote(prefix)) and "/" not in path[len(unquote(prefix)) :]:
            wanted[path[len(unquote(prefix)) :]] = href
        else:
            outside.append(href)
    found = store.items_named(coll, list(wanted))
    responses = _object_responses(call, coll, list(found.values()), how, names)
    responses += [
        x.Response(href, status=404) for name, href in wanted.items() if name not in found
    ]
    responses += [x.Response(href, status=404) for href in outside]
    return Answer.xml(207, x.multistatus(responses))


def _query(
    call: Call, coll: store.Collection, root: ET.Element, how: str, names: list[str]
) -> Answer:
    matches = filters.matcher(filters.read(root.find(x.cal("filter"))), coll.zone)
    chosen = []
    for item in store.items(coll):
        if matches(item.calendar(coll.zone)):
            chosen.append(item)
    return Answer.xml(207, x.multistatus(_object_responses(call, coll, chosen, how, names)))


def _sync(
    call: Call, coll: store.Collection, root: ET.Element, how: str, names: list[str]
) -> Answer:
    token = (root.findtext(x.d("sync-token")) or "").strip()
    try:
        changes = store.changes_since(coll, token)
    except store.InvalidSyncToken:
        return Answer.refused(
            403, x.d("valid-sync-token"), "This sync token is unknown or too old: sync again"
        )
    responses = _object_responses(call, coll, changes.changed, how, names)
    responses += [
        x.Response(p.object_url(call.user_id, coll, name), status=404) for name in changes.removed
    ]
    return Answer.xml(207, x.multistatus(responses, sync_token=changes.token))


# --- GET, PUT, DELETE, MKCALENDAR ------------------------------------------------------------


def get(call: Call, target: Target) -> Answer:
    if target.kind != "object":
        return Answer.text(405, "Use a CalDAV app: this address serves calendars", Allow=ALLOW)
    coll = store.collection(call.user_id, target.segment)
    item = store.item(coll, target.name)
    body = item.render(coll.zone)
    headers = {
        "Content-Type": p.CONTENT_TYPE,
        "ETag": item.etag,
        "Last-Modified": format_datetime(item.task.updated_at, usegmt=True),
    }
    return Answer(200, body, headers)  # the server sends no body for HEAD


def put(call: Call, target: Target) -> Answer:
    if target.kind != "object":
        return Answer.text(
            405, "PUT makes or replaces a task: name one inside a calendar", Allow=ALLOW
        )
    kind = call.headers.get("content-type", "text/calendar").split(";")[0].strip().lower()
    if kind not in ("text/calendar", ""):
        return Answer.refused(
            415, x.cal("supported-calendar-data"), "Send the task as text/calendar (a VTODO)"
        )
    if len(call.body) > DAV_OBJECT_MAX:
        return Answer.refused(
            403,
            x.cal("max-resource-size"),
            f"A task is at most {DAV_OBJECT_MAX} bytes of calendar data",
        )
    coll = store.collection(call.user_id, target.segment)
    try:
        done = store.put(
            call.user_id,
            coll,
            target.name,
            call.body,
            if_match=call.headers.get("if-match"),
            if_none_match=call.headers.get("if-none-match"),
        )
    except store.UidConflict as exc:
        clash = x.href_element(x.cal("no-uid-conflict"), p.object_url(call.user_id, coll, exc.name))
        return Answer.xml(403, x.serialise(x.element(x.d("error"), None, clash)))
    headers = {"ETag": done.item.etag} if done.as_sent else {}
    return Answer(201 if done.created else 204, b"", headers)


def delete(call: Call, target: Target) -> Answer:
    if target.kind not in ("collection", "object"):
        raise Forbidden("Only a calendar or a task can be deleted")
    coll = store.collection(call.user_id, target.segment)
    if target.kind == "collection":
        store.delete_collection(call.user_id, coll)
    else:
        store.delete(call.user_id, coll, target.name, if_match=call.headers.get("if-match"))
    return Answer(204)


def mkcalendar(call: Call, target: Target) -> Answer:
    if target.kind != "collection":
        return Answer.text(405, "A calendar is made inside your calendar home", Allow=ALLOW)
    root = x.parse(call.body)
    name = None
    if root is not None:
        wants_calendar = call.method == "MKCALENDAR"
        for prop in root.iter(x.d("prop")):
            name = prop.findtext(x.d("displayname")) or name
            kinds = prop.find(x.d("resourcetype"))
            if kinds is not None and kinds.find(x.cal("calendar")) is not None:
                wants_calendar = True
            comps = prop.find(x.cal("supported-calendar-component-set"))
            if comps is not None and "VTODO" not in {c.get("name") for c in comps}:
                return Answer.refused(
                    403,
                    x.cal("supported-calendar-component"),
                    "Calendars here hold tasks (VTODO) only",
                )
        if not wants_calendar:
            return Answer.text(403, "Only calendars can be made here")
    elif call.method == "MKCOL":
        return Answer.text(403, "Only calendars can be made here")
    try:
        store.collection(call.user_id, target.segment)
    except NotFound:
        pass
    else:
        return Answer.text(405, "A calendar exists at this address already", Allow=ALLOW)
    store.make_collection(call.user_id, target.segment, (name or "").strip() or None)
    return Answer(201)


def options(_call: Call | None = None) -> Answer:
    return Answer(
        200,
        b"",
        {"DAV": "1, 3, access-control, calendar-access, extended-mkcol", "Allow": ALLOW},
    )


HANDLERS: dict[str, Callable[[Call, Target], Answer]] = {
    "PROPFIND": propfind,
    "PROPPATCH": proppatch,
    "REPORT": report,
    "GET": get,
    "HEAD": get,
    "PUT": put,
    "DELETE": delete,
    "MKCALENDAR": mkcalendar,
    "MKCOL": mkcalendar,
}


def handle(method: str, path: str, headers: dict[str, str], body: bytes, ip: str) -> Answer:
    """One request, start to end (in a worker thread): every service error becomes the
    status and reason a DAV client understands; nothing escapes as a 500."""
    if method == "OPTIONS":
        return options()
    handler = HANDLERS.get(method)
    if handler is None:
        return Answer.text(405, f"{method} is not supported here", Allow=ALLOW)
    try:
        caller = authenticate(headers.get("authorization"), ip)
        call = Call(method, path, headers, body, caller, uuid.UUID(str(caller.user_id)))
        return handler(call, locate(path, call.user_id))
    except Unauthenticated as exc:
        return Answer.text(401, exc.message, **{"WWW-Authenticate": REALM})
    except Throttled as exc:
        return Answer.text(429, exc.message, **{"Retry-After": str(exc.retry_after)})
    except NotFound as exc:
        return Answer.text(404, exc.message)
    except Forbidden as exc:
        return Answer.refused(403, x.d("need-privileges"), exc.message)
    except store.PreconditionFailed as exc:
        return Answer.text(412, str(exc))
    except vtodo.BadCalendar as exc:
        return Answer.refused(403, x.cal(exc.precondition), str(exc))
    except InvalidInput as exc:
        return Answer.refused(403, x.cal("valid-calendar-data"), exc.message)
    except Conflict as exc:
        return Answer.text(409, exc.message)
    except x.BadRequest as exc:
        return Answer.text(400, str(exc))
    except ServiceError as exc:
        return Answer.text(400, exc.message)


# --- the ASGI app ----------------------------------------------------------------------------


class DavApp:
    """``/.well-known/caldav`` redirects to ``/dav/``; everything under ``/dav`` is served."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # served on its own (tests, a bench): nothing to start
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        request = Request(scope, receive)
        path = scope["path"]
        if path.rstrip("/") == WELL_KNOWN:
            # 307 (RFC 6764 allows 301, 303, 307): the client repeats the same method with
            # its body; after a 301 some repeat a PROPFIND without the body.
            answer = Answer(307, b"", {"Location": p.ROOT})
        elif path == PREFIX or path.startswith(f"{PREFIX}/"):
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            ip = request.client.host if request.client else ""
            method = request.method.upper()
            answer = await run_in_threadpool(handle, method, path, headers, body, ip)
        else:
            answer = Answer.text(404, "Not found")
        raw = [
            (k.lower().encode(), v.encode("latin-1", "replace")) for k, v in answer.headers.items()
        ]
        raw.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": raw})
        await send({"type": "http.response.body", "body": answer.body})


def is_dav_path(path: str) -> bool:
    return path == PREFIX or path.startswith(f"{PREFIX}/") or path.rstrip("/") == WELL_KNOWN


def create_dav_app() -> ASGIApp:
    """The server, bodies limited before they are read."""
    return BodyLimit(DavApp(), max_bytes=DAV_BODY_MAX)


def with_dav(fallback: ASGIApp) -> ASGIApp:
    """``fallback`` with the CalDAV server in front of it."""
    return PathFirst(is_dav_path, create_dav_app(), fallback)
