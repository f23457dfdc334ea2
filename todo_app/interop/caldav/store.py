"""What CalDAV sees of the tasks: a collection per list (and the Inbox), a calendar object
per task, and the states behind sync tokens. It reads and writes only through the task and
list services, so a viewer, a stale version or a bad field is refused here as everywhere.

- **Collections.** The caller's Inbox (``inbox``), their lists and the lists shared with
  them (``access``), each named by its list id. A client's ``MKCALENDAR`` of a name that is
  not a UUID gets a list whose id is made from the name, so the URL it chose keeps working.
- **Objects.** A task made on the page is ``<id>.ics`` with UID ``<id>``; what a client
  chose instead (its UID, its resource name), the properties we do not map and a parent it
  named before uploading it are kept in ``dav_objects``.
- **ETags** are a digest of everything an object's text is made from (its version, its
  place in the manual order, its tags, its owner's zone, what the client chose), so they
  are computed from the rows without rendering a calendar.
- **Sync tokens** name a stored state of a collection (``{name: etag}``): a sync compares it
  with now. A change anywhere (the page, the API, a member's move) costs no write for
  CalDAV; moves and deletions show up as removals. The newest ``SYNC_STATES_KEPT`` states of
  a collection are kept; an older token gets ``valid-sync-token`` and the client syncs anew.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
import uuid
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import sqlalchemy as sa
from icalendar import Calendar
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from todo_app import access
from todo_app.db import read_scope, session_scope
from todo_app.errors import Conflict, Forbidden, NotFound, StaleVersion
from todo_app.interop.caldav import vtodo
from todo_app.lists import service as lists_service
from todo_app.models import DavObject, DavSyncState, TaskList, User, utcnow
from todo_app.tasks import deletes, moves, writes
from todo_app.tasks import fields as rules
from todo_app.tasks.queries import ROW, TASKS, to_data
from todo_app.tasks.tags import tags_of
from todo_app.tasks.types import TaskChange, TaskData
from todo_app.tasks.unit_of_work import unit_of_work

INBOX = "inbox"
INBOX_NAME = "Inbox"
SUFFIX = ".ics"
SYNC_URI_PREFIX = "urn:x-todo:sync:"
SYNC_STATES_KEPT = 20
CHANGED_READ_ALONE = 500  # more changed objects than this: one read of the whole collection
# Lists a client made under a name that is not a UUID get an id made from the name.
_NAMED_LISTS = uuid.UUID("6f1b7a52-4a8e-4f33-9d55-1c2f0d7c2a61")

_DAV: sa.Table = DavObject.__table__  # type: ignore[attr-defined]
_STATES: sa.Table = DavSyncState.__table__  # type: ignore[attr-defined]
_LISTS: sa.Table = TaskList.__table__  # type: ignore[attr-defined]
_USERS: sa.Table = User.__table__  # type: ignore[attr-defined]


class PreconditionFailed(Exception):
    """``If-Match`` / ``If-None-Match`` did not hold: 412, nothing written."""


class UidConflict(Exception):
    """Another object of the collection has this UID (CalDAV ``no-uid-conflict``)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class InvalidSyncToken(Exception):
    """A token this collection never gave, or one too old to keep (``valid-sync-token``)."""


@dataclass(frozen=True)
class Collection:
    """One calendar: a list (or the caller's Inbox) as this caller may use it."""

    segment: str  # its name in the URL: "inbox" or the list's id
    list_id: uuid.UUID | None
    owner_id: uuid.UUID
    name: str
    role: str
    zone: str  # the owner's: dates and times are on their clock

    @property
    def can_write(self) -> bool:
        return access.role_can_write(self.role)

    @property
    def sync_key(self) -> str:
        return str(self.list_id) if self.list_id else f"{INBOX}:{self.owner_id}"


@dataclass(frozen=True)
class Item:
    """One task as a calendar object."""

    name: str
    uid: str
    etag: str
    task: TaskData
    parent_uid: str | None  # its parent's UID, or a parent named but not seen yet
    extra: str

    def render(self, zone: str) -> bytes:
        return vtodo.render(
            self.task, uid=self.uid, zone=zone, parent_uid=self.parent_uid, extra=self.extra
        )

    def calendar(self, zone: str) -> Calendar:
        return vtodo.calendar_of(
            self.task, uid=self.uid, zone=zone, parent_uid=self.parent_uid, extra=self.extra
        )


# --- collections ---------------------------------------------------------------------------


def list_id_for(user_id: uuid.UUID, segment: str) -> uuid.UUID:
    """The list a collection name stands for: its id, or the id made from a client's name."""
    try:
        return uuid.UUID(segment)
    except ValueError:
        return uuid.uuid5(_NAMED_LISTS, f"{user_id}/{segment}")


_ZONE = sa.select(_USERS.c.time_zone).where(_USERS.c.id == sa.bindparam("user_id"))
_LIST_WITH_ZONE = (
    sa.select(_LISTS.c.id, _LISTS.c.name, _LISTS.c.owner_id, _USERS.c.time_zone)
    .join(_USERS, _USERS.c.id == _LISTS.c.owner_id)
    .where(_LISTS.c.id.in_(sa.bindparam("ids", expanding=True)))
)


def collections(user_id: uuid.UUID) -> list[Collection]:
    """The caller's Inbox, their lists in their order, then the lists shared with them."""
    with read_scope() as conn:
        zone = conn.execute(_ZONE, {"user_id": user_id}).scalar_one_or_none() or "UTC"
        own = conn.execute(
            sa.select(_LISTS.c.id, _LISTS.c.name)
            .where(_LISTS.c.owner_id == user_id)
            .order_by(_LISTS.c.position, _LISTS.c.created_at)
        ).all()
        shared = access.shared_with(conn, user_id)
        theirs = conn.execute(_LIST_WITH_ZONE, {"ids": list(shared)}).all() if shared else []
    found = [Collection(INBOX, None, user_id, INBOX_NAME, access.OWNER, zone)]
    found += [Collection(str(r.id), r.id, user_id, r.name, access.OWNER, zone) for r in own]
    found += [
        Collection(str(r.id), r.id, r.owner_id, r.name, shared[r.id].role, r.time_zone)
        for r in sorted(theirs, key=lambda r: (r.name.casefold(), str(r.id)))
    ]
    return found


def collection(user_id: uuid.UUID, segment: str) -> Collection:
    """One collection the caller may see; ``NotFound`` otherwise."""
    with read_scope() as conn:
        if segment == INBOX:
            zone = conn.execute(_ZONE, {"user_id": user_id}).scalar_one_or_none() or "UTC"
            return Collection(INBOX, None, user_id, INBOX_NAME, access.OWNER, zone)
        list_id = list_id_for(user_id, segment)
        grant = access.on_list(conn, user_id, list_id, write=False)
        row = conn.execute(_LIST_WITH_ZONE, {"ids": [list_id]}).one()
    return Collection(segment, list_id, grant.owner_id, row.name, grant.role, row.time_zone)


def make_collection(user_id: uuid.UUID, segment: str, name: str | None) -> Collection:
    """``MKCALENDAR``: a new list of the caller's, reachable at ``segment``."""
    if segment == INBOX:
        raise Conflict("The Inbox exists already")
    list_id = list_id_for(user_id, segment)
    with read_scope() as conn:
        if conn.execute(sa.select(_LISTS.c.id).where(_LISTS.c.id == list_id)).first():
            raise Conflict("A list exists at this address already")
    lists_service.create_list(user_id, name or segment, list_id=list_id)
    return collection(user_id, segment)


def rename_collection(user_id: uuid.UUID, coll: Collection, name: str) -> None:
    """``PROPPATCH`` of ``displayname``: renames the list (its owner only)."""
    if coll.list_id is None:
        raise Forbidden("The Inbox cannot be renamed")
    lists_service.update_list(user_id, coll.list_id, name=name)


def delete_collection(user_id: uuid.UUID, coll: Collection) -> None:
    """``DELETE`` of a collection: the list goes and its tasks move to the Inbox, as on the
    page (nothing is lost); only its owner may."""
    if coll.list_id is None:
        raise Forbidden("The Inbox cannot be deleted")
    lists_service.delete_list(user_id, coll.list_id)


# --- objects -------------------------------------------------------------------------------


def default_name(task_id: uuid.UUID) -> str:
    return f"{task_id}{SUFFIX}"


def etag_of(task: TaskData, uid: str, name: str, extra: str, pending: str | None, zone: str) -> str:
    """A strong ETag from what the object's text is made of (see the module's docstring)."""
    parts = (task.id, task.version, task.position, task.tags, uid, name, extra, pending, zone)
    return '"' + hashlib.blake2b(repr(parts).encode(), digest_size=12).hexdigest() + '"'


def _in_collection(coll: Collection) -> list[sa.ColumnElement[bool]]:
    where = [TASKS.c.owner_id == coll.owner_id]
    if coll.list_id is None:
        where.append(TASKS.c.list_id.is_(None))
    else:
        where.append(TASKS.c.list_id == coll.list_id)
    return where


_COLUMNS = (*ROW, _DAV.c.uid, _DAV.c.name, _DAV.c.extra, _DAV.c.pending_parent_uid)


def _read(
    executor: Session | sa.Connection,
    coll: Collection,
    *more: sa.ColumnElement[bool],
) -> list[Item]:
    rows = executor.execute(
        sa.select(*_COLUMNS)
        .select_from(TASKS.outerjoin(_DAV, _DAV.c.task_id == TASKS.c.id))
        .where(*_in_collection(coll), *more)
        .order_by(TASKS.c.parent_id.is_not(None), TASKS.c.position, TASKS.c.id)
    ).all()
    tags = tags_of(executor, [row.id for row in rows])
    uids = {row.id: row.uid or str(row.id) for row in rows}
    parents = {row.parent_id for row in rows if row.parent_id and row.parent_id not in uids}
    if parents:  # a read of some objects: their parents' UIDs
        uids.update(
            (task_id, uid)
            for task_id, uid in executor.execute(
                sa.select(_DAV.c.task_id, _DAV.c.uid).where(_DAV.c.task_id.in_(parents))
            )
        )
    items = []
    for row in rows:
        task = to_data(row, tags.get(row.id, ()))
        uid, name = uids[row.id], row.name or default_name(row.id)
        extra, pending = row.extra or "", row.pending_parent_uid
        parent_uid = uids.get(task.parent_id, str(task.parent_id)) if task.parent_id else pending
        etag = etag_of(task, uid, name, extra, pending, coll.zone)
        items.append(Item(name, uid, etag, task, parent_uid, extra))
    return items


def items(coll: Collection) -> list[Item]:
    """Every object of the collection (completed tasks too: clients filter)."""
    with read_scope() as conn:
        return _read(conn, coll)


def _named(names: Sequence[str]) -> sa.ColumnElement[bool]:
    ids = []
    for name in names:
        if name.endswith(SUFFIX):
            with contextlib.suppress(ValueError):
                ids.append(uuid.UUID(name[: -len(SUFFIX)]))
    return sa.or_(
        _DAV.c.name.in_(list(names)), sa.and_(_DAV.c.task_id.is_(None), TASKS.c.id.in_(ids))
    )


def items_named(coll: Collection, names: Sequence[str]) -> dict[str, Item]:
    """The objects with these names (a ``calendar-multiget``); missing names are left out."""
    if not names:
        return {}
    with read_scope() as conn:
        found = _read(conn, coll, _named(names))
    wanted = set(names)
    return {item.name: item for item in found if item.name in wanted}


def item(coll: Collection, name: str) -> Item:
    found = items_named(coll, [name]).get(name)
    if found is None:
        raise NotFound("No such object in this calendar")
    return found


def _item_in(session: Session, coll: Collection, name: str) -> Item | None:
    found = [i for i in _read(session, coll, _named([name])) if i.name == name]
    return found[0] if found else None


# --- sync tokens ---------------------------------------------------------------------------


def _digest(members: dict[str, str]) -> str:
    text = "\n".join(f"{name} {etag}" for name, etag in sorted(members.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class State:
    """A collection's objects as ``{name: etag}``, and its digest (``getctag``, and the
    sync token that names it)."""

    members: dict[str, str]
    digest: str

    @property
    def token(self) -> str:
        return SYNC_URI_PREFIX + self.digest


# What changes whenever an object of a collection does: every write of a task gives it a new
# version and ``updated_at`` (moves, tags, re-spread order keys, a zone's shift, what CalDAV
# keeps: ``writes.touch_in``), a deletion or a move out lowers the count, an Undo raises the
# count and the versions. Read before the rows, so a state is never older than its print.
_FINGERPRINT = (
    sa.func.count(),
    sa.func.coalesce(sa.func.sum(TASKS.c.version), 0),
    sa.func.max(TASKS.c.updated_at),
)
_STATES_CACHED = 256


class _Print(NamedTuple):
    count: int
    versions: int
    newest: Any  # the newest updated_at (None: no tasks)
    zone: str


@dataclass(frozen=True)
class _Known:
    """A collection's state as this process last read it, with each task's part in it."""

    fingerprint: _Print
    state: State
    rows: dict[uuid.UUID, tuple[str, str, int]]  # task id -> (name, etag, version)


_cache: OrderedDict[str, _Known] = OrderedDict()
_stored: set[tuple[str, str]] = set()  # (collection, digest) known to be in dav_sync_states
_cache_lock = threading.Lock()


def _known(found: Sequence[Item], fingerprint: _Print) -> _Known:
    rows = {i.task.id: (i.name, i.etag, i.task.version) for i in found}
    return _with_rows(rows, fingerprint)


def _with_rows(rows: dict[uuid.UUID, tuple[str, str, int]], fingerprint: _Print) -> _Known:
    members = {name: etag for name, etag, _version in rows.values()}
    return _Known(fingerprint, State(members, _digest(members)), rows)


def _since(conn: sa.Connection, coll: Collection, known: _Known, now: _Print) -> _Known | None:
    """``known`` brought up to ``now`` by reading only the tasks written since (and the ids
    of all, for what went); None when the result does not add up to ``now``'s count and
    versions (a row changed without a new ``updated_at``): then everything is read."""
    if known.fingerprint.newest is None or known.fingerprint.zone != now.zone:
        return None
    ids = set(conn.execute(sa.select(TASKS.c.id).where(*_in_collection(coll))).scalars())
    fresh = _read(conn, coll, TASKS.c.updated_at >= known.fingerprint.newest)
    unseen = ids - known.rows.keys() - {i.task.id for i in fresh}
    if unseen:  # put back by an Undo, with its old updated_at
        fresh += _read(conn, coll, TASKS.c.id.in_(list(unseen)))
    rows = {task_id: row for task_id, row in known.rows.items() if task_id in ids}
    rows.update((i.task.id, (i.name, i.etag, i.task.version)) for i in fresh)
    if (len(rows), sum(row[2] for row in rows.values())) != (now.count, now.versions):
        return None
    return _with_rows(rows, now)


def state(coll: Collection) -> State:
    """The collection's state, read again only when its fingerprint moved, and then only
    the tasks written since: a client's poll of an unchanged list (``getctag``,
    ``sync-token``) costs one aggregate query, and of a changed one that query and the
    changed rows, not a read of all its tasks. Kept per process (the fingerprint is the
    database's, so every worker agrees)."""
    with read_scope() as conn:
        row = conn.execute(sa.select(*_FINGERPRINT).where(*_in_collection(coll))).one()
        now = _Print(row[0], int(row[1]), row[2], coll.zone)
        with _cache_lock:
            cached = _cache.get(coll.sync_key)
        if cached is not None and cached.fingerprint == now:
            made = cached
        else:
            made = (_since(conn, coll, cached, now) if cached else None) or _known(
                _read(conn, coll), now
            )
    with _cache_lock:
        _cache[coll.sync_key] = made
        _cache.move_to_end(coll.sync_key)
        while len(_cache) > _STATES_CACHED:
            _cache.popitem(last=False)
    return made.state


def ctag(coll: Collection) -> str:
    """The collection's version (``getctag``): changes whenever any object does."""
    return state(coll).digest


def sync_token(coll: Collection, now: State | None = None) -> str:
    """A token for the collection as it is, stored so a later sync can compare with it."""
    now = now or state(coll)
    key = (coll.sync_key, now.digest)
    if key in _stored:
        return now.token
    with session_scope() as session:
        known = session.execute(
            sa.select(_STATES.c.token).where(
                _STATES.c.collection == coll.sync_key, _STATES.c.token == now.digest
            )
        ).first()
        if known is None:
            session.execute(
                sa.insert(_STATES).values(
                    collection=coll.sync_key,
                    token=now.digest,
                    created_at=utcnow(),
                    members=zlib.compress(json.dumps(now.members).encode()),
                )
            )
            newest = (
                sa.select(_STATES.c.token)
                .where(_STATES.c.collection == coll.sync_key)
                .order_by(_STATES.c.created_at.desc())
                .limit(SYNC_STATES_KEPT)
                .scalar_subquery()
            )
            session.execute(
                sa.delete(_STATES).where(
                    _STATES.c.collection == coll.sync_key, _STATES.c.token.not_in(newest)
                )
            )
    with _cache_lock:
        if known is None or len(_stored) > 10_000:  # some of this collection's may be pruned
            _stored.difference_update({k for k in _stored if k[0] == coll.sync_key})
        _stored.add(key)
    return now.token


def _saved(coll: Collection, token: str) -> dict[str, str]:
    digest = token.removeprefix(SYNC_URI_PREFIX)
    if not token.startswith(SYNC_URI_PREFIX) or len(digest) != 32:
        raise InvalidSyncToken(token)
    with read_scope() as conn:
        blob = conn.execute(
            sa.select(_STATES.c.members).where(
                _STATES.c.collection == coll.sync_key, _STATES.c.token == digest
            )
        ).scalar_one_or_none()
    if blob is None:
        raise InvalidSyncToken(token)
    members: dict[str, str] = json.loads(zlib.decompress(blob))
    return members


@dataclass(frozen=True)
class Changes:
    changed: list[Item]
    removed: list[str]
    token: str


def changes_since(coll: Collection, token: str) -> Changes:
    """What changed since ``token`` (``""``: everything, the first sync). Only the changed
    objects are read."""
    before = _saved(coll, token) if token else {}
    now = state(coll)
    names = [name for name, etag in now.members.items() if before.get(name) != etag]
    if len(names) > CHANGED_READ_ALONE:
        wanted = set(names)
        changed = [i for i in items(coll) if i.name in wanted]
    else:
        changed = list(items_named(coll, names).values())
    removed = sorted(name for name in before if name not in now.members)
    return Changes(changed, removed, sync_token(coll, now))


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Put:
    item: Item
    created: bool
    as_sent: bool  # the stored object says what the client sent (so its ETag may be given)


def _check_preconditions(
    current: Item | None, if_match: str | None, if_none_match: str | None
) -> None:
    """RFC 9110 13.1: ``If-None-Match: *`` (create only) and ``If-Match`` (replace only
    what was read). Weak tags compare as their strong form: clients send back what we gave."""
    exists_but_unwanted = if_none_match is not None and current is not None
    if exists_but_unwanted and (
        if_none_match.strip() == "*" or current.etag in _tags(if_none_match)
    ):
        raise PreconditionFailed("The object exists already")
    stale = if_match is not None and (
        current is None or (if_match.strip() != "*" and current.etag not in _tags(if_match))
    )
    if stale:
        raise PreconditionFailed("The object was changed (or deleted) since you read it")


def _tags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def _parent(session: Session, coll: Collection, parent_uid: str | None) -> uuid.UUID | None:
    """The task a ``RELATED-TO`` names, among the collection's owner's, if it exists yet."""
    if parent_uid is None:
        return None
    found = session.execute(
        sa.select(_DAV.c.task_id)
        .join(TASKS, TASKS.c.id == _DAV.c.task_id)
        .where(_DAV.c.owner_id == coll.owner_id, _DAV.c.uid == parent_uid)
        # One in this calendar first: while a client moves a task, its UID is in two lists.
        .order_by(_list_is(coll).desc())
    ).first()
    if found is not None:
        return found.task_id
    try:
        task_id = uuid.UUID(parent_uid)
    except ValueError:
        return None
    exists = session.execute(
        sa.select(TASKS.c.id).where(
            TASKS.c.id == task_id, TASKS.c.owner_id == coll.owner_id, _keeps_own_uid(task_id)
        )
    ).first()
    return task_id if exists else None


def _list_is(coll: Collection) -> sa.ColumnElement[bool]:
    if coll.list_id is None:
        return TASKS.c.list_id.is_(None)
    return sa.func.coalesce(TASKS.c.list_id == coll.list_id, False)


def _keeps_own_uid(task_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """The task keeps its id as its UID (no client chose another)."""
    return ~sa.exists().where(_DAV.c.task_id == task_id)


def _new_id(session: Session, uid: str) -> uuid.UUID:
    """The client's UID as the task's id when it is a UUID nobody has; else a new one."""
    try:
        wanted = uuid.UUID(uid)
    except ValueError:
        return uuid.uuid4()
    return uuid.uuid4() if writes.find(session, wanted) is not None else wanted


def _keep(
    session: Session,
    coll: Collection,
    task_id: uuid.UUID,
    incoming: vtodo.Incoming,
    name: str,
    pending: str | None,
) -> None:
    """What the client chose that our columns do not hold (nothing, for a plain object)."""
    session.execute(sa.delete(_DAV).where(_DAV.c.task_id == task_id))
    if (
        incoming.uid == str(task_id)
        and name == default_name(task_id)
        and not incoming.extra
        and pending is None
    ):
        return
    session.execute(
        sa.insert(_DAV).values(
            task_id=task_id,
            owner_id=coll.owner_id,
            uid=incoming.uid,
            name=name,
            extra=incoming.extra,
            pending_parent_uid=pending,
        )
    )


def _place(
    session: Session, actor: uuid.UUID, coll: Collection, task: TaskData, wanted: int | None
) -> TaskChange | None:
    """Move the task where ``X-APPLE-SORT-ORDER`` puts it among its siblings, if elsewhere."""
    if wanted is None or vtodo.sort_order(task.position) == wanted:
        return None
    siblings = [i.task for i in _read(session, coll, _siblings(task)) if i.task.id != task.id]
    before = next((t for t in siblings if vtodo.sort_order(t.position) > wanted), None)
    successor = next((t for t in siblings if t.position > task.position), None)
    if (before and before.id) == (successor and successor.id):
        return None  # already there
    written = moves.move_in(session, actor, task.id, task.parent_id, before.id if before else None)
    return written.change


def _siblings(task: TaskData) -> sa.ColumnElement[bool]:
    if task.parent_id is None:
        return TASKS.c.parent_id.is_(None)
    return TASKS.c.parent_id == task.parent_id


def _adopt(
    session: Session, actor: uuid.UUID, coll: Collection, parent_uid: str, parent_id: uuid.UUID
) -> list[TaskChange]:
    """Sub-tasks waiting for a parent with this UID (uploaded before it, or left by its
    DELETE when a client moves it to another list): they go under it now, in its list."""
    waiting = session.execute(
        sa.select(_DAV.c.task_id).where(
            _DAV.c.owner_id == coll.owner_id, _DAV.c.pending_parent_uid == parent_uid
        )
    ).all()
    changes = []
    for (task_id,) in waiting:
        try:
            written = writes.write_in(
                session, actor, task_id, lambda _t: {"parent_id": parent_id}, None
            )
        except (NotFound, Forbidden, rules.InvalidInput):
            continue  # elsewhere now, or too deep: it stays where it is, its link kept
        session.execute(
            sa.update(_DAV).where(_DAV.c.task_id == task_id).values(pending_parent_uid=None)
        )
        changes.append(written.change)
    return changes


def put(
    actor: uuid.UUID,
    coll: Collection,
    name: str,
    body: bytes,
    *,
    if_match: str | None = None,
    if_none_match: str | None = None,
) -> Put:
    """Create or replace the object ``name`` with the VTODO in ``body``, through the task
    services (a viewer, a bad field or a newer version is refused there)."""
    incoming = vtodo.parse(body, coll.zone)
    values = dict(incoming.values)
    try:
        with unit_of_work() as uow:
            session = uow.session
            current = _item_in(session, coll, name)
            _check_preconditions(current, if_match, if_none_match)
            if current is not None and current.uid != incoming.uid:
                raise UidConflict(name)
            # A UID is unique within a calendar (RFC 4791 5.3.2.1): the same one in another
            # list is a client moving a task (a PUT there, a DELETE here, in either order).
            clash = session.execute(
                sa.select(_DAV.c.name)
                .join(TASKS, TASKS.c.id == _DAV.c.task_id)
                .where(*_in_collection(coll), _DAV.c.uid == incoming.uid)
            ).first()
            if current is None and clash is not None:
                raise UidConflict(clash.name)
            if not coll.can_write:
                raise Forbidden(access.VIEWER_REFUSED)
            parent_id = _parent(session, coll, incoming.parent_uid)
            pending = incoming.parent_uid if parent_id is None else None
            if current is None:
                task_id = _new_id(session, incoming.uid)
                title, description = values.pop("title"), values.pop("description")
                task, change = writes.create_in(
                    session,
                    actor,
                    title,
                    description,
                    task_id=task_id,
                    list_id=coll.list_id,
                    parent_id=parent_id,
                    **values,
                )
                uow.record(change)
            else:
                new = rules.validate_changes(**values, parent_id=parent_id)
                written = writes.write_in(
                    session, actor, current.task.id, lambda _t: new, current.task.version
                )
                task = written.after
                uow.record(written.change)
                if task.version == current.task.version and _kept_differs(
                    current, incoming, pending
                ):
                    change = writes.touch_in(session, coll.owner_id, task)
                    task = change.upserted[0]
                    uow.record(change)
            _keep(session, coll, task.id, incoming, name, pending)
            placed = _place(session, actor, coll, task, incoming.sort_order)
            if placed is not None:
                uow.record(placed)
            stored = _item_in(session, coll, name)
            assert stored is not None
            for change in _adopt(session, actor, coll, stored.uid, stored.task.id):
                uow.record(change)
    except StaleVersion:
        raise PreconditionFailed("The object was changed since you read it") from None
    except IntegrityError:
        # Two clients created the same object at once: the other won.
        raise PreconditionFailed("The object was created by another client meanwhile") from None
    as_sent = _same(vtodo.parse(stored.render(coll.zone), coll.zone), incoming)
    return Put(stored, current is None, as_sent)


def _kept_differs(current: Item, incoming: vtodo.Incoming, pending: str | None) -> bool:
    """Whether what ``dav_objects`` keeps for the task changes (its fields did not)."""
    was_pending = current.parent_uid if current.task.parent_id is None else None
    return (current.extra, was_pending) != (incoming.extra, pending)


def _same(stored: vtodo.Incoming, sent: vtodo.Incoming) -> bool:
    return (stored.uid, stored.values, stored.parent_uid, stored.extra) == (
        sent.uid,
        sent.values,
        sent.parent_uid,
        sent.extra,
    )


def delete(actor: uuid.UUID, coll: Collection, name: str, *, if_match: str | None = None) -> None:
    """Delete that one task. Its sub-tasks stay (at the top level, their parent's UID kept):
    in CalDAV each task is its own resource, and a client moving a parent to another list
    deletes it here and puts it there; they go back under it when it comes, or at once if
    it came first (vdirsyncer syncs the two lists at the same time)."""
    with unit_of_work() as uow:
        session = uow.session
        current = _item_in(session, coll, name)
        if current is None:
            raise NotFound("No such object in this calendar")
        _check_preconditions(current, if_match, None)
        for child in _read(session, coll, TASKS.c.parent_id == current.task.id):
            written = writes.write_in(session, actor, child.task.id, _to_top, None)
            uow.record(written.change)
            _remember_parent(session, coll, child, current.uid)
        _, change = deletes.delete_one_in(session, actor, current.task.id)
        uow.record(change)
        moved_copy = _parent(session, coll, current.uid)
        if moved_copy is not None:
            for adopted in _adopt(session, actor, coll, current.uid, moved_copy):
                uow.record(adopted)


def _to_top(_task: TaskData) -> dict[str, uuid.UUID | None]:
    return {"parent_id": None}


def _remember_parent(session: Session, coll: Collection, child: Item, parent_uid: str) -> None:
    session.execute(sa.delete(_DAV).where(_DAV.c.task_id == child.task.id))
    session.execute(
        sa.insert(_DAV).values(
            task_id=child.task.id,
            owner_id=coll.owner_id,
            uid=child.uid,
            name=child.name,
            extra=child.extra,
            pending_parent_uid=parent_uid,
        )
    )
