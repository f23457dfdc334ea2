"""Sharing a list: invitations by email, members and their roles, leaving and removal.

The owner invites an address as ``editor`` or ``viewer``. The invitation waits for that
address (an account made later with it finds it), reaches an existing account's bell, and is
mailed with a link. Until it is accepted the invitee sees nothing of the list; it lapses
after ``INVITATION_DAYS``, and the owner may withdraw it. Only the owner changes roles and
removes members; any member may leave. Whoever loses a list loses it at once: their tasks
assigned there are unassigned, and their open pages load again
(``unit_of_work.announce_membership``).

Who may do what is ``access.py``'s; this module only changes who is in a list.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import Session, col, select

from todo_app import access, mail
from todo_app.auth.credentials import normalize_email
from todo_app.auth.routes import HOME_PATH, INVITATION_PATH
from todo_app.db import session_scope
from todo_app.errors import Conflict, Forbidden, InvalidInput, NotFound
from todo_app.models import (
    ListInvitation,
    ListMember,
    Notification,
    Task,
    TaskList,
    User,
    utcnow,
)
from todo_app.reminders import notices
from todo_app.settings import get_settings
from todo_app.tasks.queries import get_in
from todo_app.tasks.types import change_between
from todo_app.tasks.unit_of_work import announce_membership, unit_of_work

logger = logging.getLogger("todo_app.sharing")

INVITATION_DAYS = 14
TOKEN_BYTES = 32
TOKEN_MAX = 100  # longer than any token made here: refused before hashing
MEMBERS_MAX = 50  # people in one list besides its owner, invitations included
INVITATION_NOT_FOUND = "Invitation not found"
MEMBER_NOT_FOUND = "Member not found"
ROLE_PROBLEM = "Role must be editor or viewer"


def _announce(user_ids: list[uuid.UUID]) -> None:
    """After a commit: these accounts' lists changed (joined, left, removed, a role, a shared
    list deleted or put back), so their open pages load again (``unit_of_work``'s listeners)."""
    announce_membership(list(dict.fromkeys(user_ids)))


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    name: str
    email: str
    role: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": str(self.user_id),
            "name": self.name,
            "email": self.email,
            "role": self.role,
        }


@dataclass(frozen=True)
class Invitation:
    id: uuid.UUID
    list_id: uuid.UUID
    list_name: str
    email: str
    role: str
    invited_by: str  # the owner's name
    created_at: datetime
    expires_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "list_id": str(self.list_id),
            "list_name": self.list_name,
            "email": self.email,
            "role": self.role,
            "invited_by": self.invited_by,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
        }


def validate_role(role: Any) -> str:
    if role not in access.MEMBER_ROLES:
        raise InvalidInput({"role": ROLE_PROBLEM})
    return str(role)


# --- reading ------------------------------------------------------------------------------


def members_in(session: Session, list_id: uuid.UUID) -> list[Member]:
    """The list's people, its owner first, then the members by name."""
    owner = session.exec(
        select(User.id, User.name, User.email)
        .join(TaskList, col(TaskList.owner_id) == col(User.id))
        .where(col(TaskList.id) == list_id)
    ).first()
    rows = session.exec(
        select(User.id, User.name, User.email, ListMember.role)
        .join(ListMember, col(ListMember.user_id) == col(User.id))
        .where(col(ListMember.list_id) == list_id)
        .order_by(sa.func.lower(col(User.name)), col(User.id))
    ).all()
    people = [Member(*owner, access.OWNER)] if owner is not None else []
    return people + [Member(*row) for row in rows]


def members(user_id: uuid.UUID, list_id: uuid.UUID) -> list[Member]:
    """The list's people, for anyone who may see the list."""
    with session_scope() as session:
        access.on_list(session, user_id, list_id, write=False)
        return members_in(session, list_id)


def _invitation(session: Session, row: ListInvitation) -> Invitation:
    name, owner = session.exec(
        select(TaskList.name, User.name)
        .join(User, col(User.id) == col(TaskList.owner_id))
        .where(col(TaskList.id) == row.list_id)
    ).one()
    return Invitation(
        row.id, row.list_id, name, row.email, row.role, owner, row.created_at, row.expires_at
    )


def _live(now: datetime) -> sa.ColumnElement[bool]:
    return col(ListInvitation.expires_at) > now


def invitations_for(user_id: uuid.UUID) -> list[Invitation]:
    """The invitations waiting for the caller's address, newest first."""
    now = utcnow()
    with session_scope() as session:
        email = session.exec(select(User.email).where(col(User.id) == user_id)).first()
        rows = session.exec(
            select(ListInvitation)
            .where(
                col(ListInvitation.email) == email,
                col(ListInvitation.token_hash).is_(None),  # the others need their mail's link
                _live(now),
            )
            .order_by(col(ListInvitation.created_at).desc())
        ).all()
        return [_invitation(session, row) for row in rows]


def invitations_of(user_id: uuid.UUID, list_id: uuid.UUID) -> list[Invitation]:
    """A list's pending invitations, for its owner."""
    now = utcnow()
    with session_scope() as session:
        access.owning_list(session, user_id, list_id)
        rows = session.exec(
            select(ListInvitation)
            .where(col(ListInvitation.list_id) == list_id, _live(now))
            .order_by(col(ListInvitation.created_at))
        ).all()
        return [_invitation(session, row) for row in rows]


# --- inviting -----------------------------------------------------------------------------


def invite(owner_id: uuid.UUID, list_id: uuid.UUID, email: Any, role: Any) -> Invitation:
    """Invite ``email`` to the list as ``role``; inviting the same address again renews the
    invitation (new role, 14 days from now) and mails it again."""
    problems: dict[str, str] = {}
    try:
        address = normalize_email(email if isinstance(email, str) else "")
    except InvalidInput as exc:
        problems.update(exc.fields)
    try:
        role = validate_role(role)
    except InvalidInput as exc:
        problems.update(exc.fields)
    if problems:
        raise InvalidInput(problems)
    now = utcnow()
    with session_scope() as session:
        access.owning_list(session, owner_id, list_id)
        owner = session.get(User, owner_id)
        assert owner is not None
        if address == owner.email:
            raise InvalidInput({"email": "You own this list already"})
        invitee = session.exec(select(User).where(col(User.email) == address)).first()
        if invitee is not None and session.get(ListMember, (list_id, invitee.id)) is not None:
            raise Conflict("They are a member of this list already")
        row = session.exec(
            select(ListInvitation).where(
                col(ListInvitation.list_id) == list_id, col(ListInvitation.email) == address
            )
        ).first()
        if row is None:
            taken = (
                session.exec(
                    select(sa.func.count())
                    .select_from(ListMember)
                    .where(col(ListMember.list_id) == list_id)
                ).one()
                + session.exec(
                    select(sa.func.count())
                    .select_from(ListInvitation)
                    .where(col(ListInvitation.list_id) == list_id, _live(now))
                ).one()
            )
            if taken >= MEMBERS_MAX:
                raise InvalidInput({"email": f"A list can be shared with at most {MEMBERS_MAX}"})
            row = ListInvitation(list_id=list_id, invited_by=owner_id, email=address, role=role)
        row.role, row.created_at = role, now
        row.expires_at = now + timedelta(days=INVITATION_DAYS)
        # No account has the address: whoever accepts must show the mail's token.
        token = secrets.token_urlsafe(TOKEN_BYTES) if invitee is None else None
        row.token_hash = _digest(token) if token is not None else None
        session.add(row)
        session.flush()
        invitation = _invitation(session, row)
        if invitee is not None:
            session.exec(sa.delete(Notification).where(col(Notification.invitation_id) == row.id))
            _tell_invited_in(session, invitee.id, invitation)
    mail.send_later(_invitation_mail(invitation, token))
    logger.info("list invitation list=%s role=%s", list_id, role)
    return invitation


def _tell_invited_in(session: Session, user_id: uuid.UUID, invitation: Invitation) -> None:
    notices.tell_in(
        session,
        user_id,
        "invitation",
        f"{invitation.invited_by} invited you to “{invitation.list_name}” as {invitation.role}",
        invitation_id=invitation.id,
    )


def invitation_link(invitation_id: uuid.UUID, token: str) -> str:
    """The mail's link: the page that accepts it once its reader has signed up or in."""
    query = urlencode({"id": str(invitation_id), "token": token})
    return f"{get_settings().site_url}{INVITATION_PATH}?{query}"


def _invitation_mail(invitation: Invitation, token: str | None) -> mail.Mail:
    if token is None:
        link = f"{get_settings().site_url}{HOME_PATH}"
        step = "Sign in and answer it from the bell:"
    else:
        link = invitation_link(invitation.id, token)
        step = "Create your account (or sign in), then accept it with this link:"
    body = (
        f"{invitation.invited_by} invited you to the list “{invitation.list_name}” on Todo, "
        f"as {invitation.role}.\n\n{step}\n\n{link}\n\n"
        f"The invitation lasts {INVITATION_DAYS} days. If you do not know them, ignore this "
        "mail: nothing is shared until you accept.\n"
    )
    return mail.Mail(
        to=invitation.email,
        subject=f"{invitation.invited_by} shared “{invitation.list_name}” with you",
        body=body,
    )


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _waiting(
    session: Session, user_id: uuid.UUID, invitation_id: uuid.UUID, token: Any = None
) -> ListInvitation:
    """An unexpired invitation the caller may answer: one to their address that reached
    their bell, or one whose mailed token they hold. Any other is not found."""
    row = session.get(ListInvitation, invitation_id)
    if row is None or row.expires_at <= utcnow():
        raise NotFound(INVITATION_NOT_FOUND)
    if row.token_hash is not None:
        given = token if isinstance(token, str) and 0 < len(token) <= TOKEN_MAX else ""
        if not hmac.compare_digest(_digest(given), row.token_hash):
            raise NotFound(INVITATION_NOT_FOUND)
        return row
    email = session.exec(select(User.email).where(col(User.id) == user_id)).first()
    if row.email != email:
        raise NotFound(INVITATION_NOT_FOUND)
    return row


def accept(user_id: uuid.UUID, invitation_id: uuid.UUID, token: Any = None) -> list[Member]:
    """Join the list with the invitation's role; returns the list's people. ``token``: the
    mailed link's, for an invitation to an address that had no account when invited."""
    return joined(user_id, invitation_id, token)[1]


def joined(
    user_id: uuid.UUID, invitation_id: uuid.UUID, token: Any = None
) -> tuple[uuid.UUID, list[Member]]:
    """``accept``, with the id of the list joined (the mailed link's page opens it)."""
    with session_scope() as session:
        row = _waiting(session, user_id, invitation_id, token)
        list_id, role = row.list_id, row.role
        if session.exec(select(TaskList.owner_id).where(col(TaskList.id) == list_id)).one() == (
            user_id
        ):
            raise InvalidInput({"invitation": "You own this list already"})
        existing = session.get(ListMember, (list_id, user_id))
        if existing is None:
            session.add(ListMember(list_id=list_id, user_id=user_id, role=role))
        else:
            existing.role = role
        session.delete(row)  # its bell notice goes with it
        session.flush()
        people = members_in(session, list_id)
        name = next((p.name for p in people if p.user_id == user_id), "Someone")
        list_name = session.exec(select(TaskList.name).where(col(TaskList.id) == list_id)).one()
        notices.tell_in(session, people[0].user_id, "joined", f"{name} joined “{list_name}”")
    _announce([p.user_id for p in people])
    return list_id, people


def decline(user_id: uuid.UUID, invitation_id: uuid.UUID, token: Any = None) -> None:
    with session_scope() as session:
        session.delete(_waiting(session, user_id, invitation_id, token))


def withdraw(owner_id: uuid.UUID, list_id: uuid.UUID, invitation_id: uuid.UUID) -> None:
    with session_scope() as session:
        access.owning_list(session, owner_id, list_id)
        row = session.get(ListInvitation, invitation_id)
        if row is None or row.list_id != list_id:
            raise NotFound(INVITATION_NOT_FOUND)
        session.delete(row)


# --- members ------------------------------------------------------------------------------


def change_role(owner_id: uuid.UUID, list_id: uuid.UUID, user_id: uuid.UUID, role: Any) -> Member:
    role = validate_role(role)
    with session_scope() as session:
        access.owning_list(session, owner_id, list_id)
        row = session.get(ListMember, (list_id, user_id))
        if row is None:
            raise NotFound(MEMBER_NOT_FOUND)
        row.role = role
        session.flush()
        member = next(p for p in members_in(session, list_id) if p.user_id == user_id)
    _announce([user_id])
    return member


def remove_member(actor: uuid.UUID, list_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """The owner removes a member, or a member leaves (``user_id`` is the caller). At once:
    their tasks assigned in the list are unassigned, and they see nothing of it again."""
    with unit_of_work() as uow:
        session = uow.session
        grant = access.on_list(session, actor, list_id, write=False)
        if actor != user_id and grant.role != access.OWNER:
            raise Forbidden(access.OWNER_ONLY)
        if user_id == grant.owner_id:
            raise InvalidInput({"user_id": "The owner cannot leave their list; delete it instead"})
        row = session.get(ListMember, (list_id, user_id))
        if row is None:
            raise NotFound(MEMBER_NOT_FOUND)
        session.delete(row)
        session.flush()
        uow.record(_unassign_in(session, grant.owner_id, list_id, user_id))
        list_name = session.exec(select(TaskList.name).where(col(TaskList.id) == list_id)).one()
        if actor != user_id:
            notices.tell_in(session, user_id, "removed", f"You were removed from “{list_name}”")
        audience = access.audience(session, list_id)
    _announce([user_id, *audience])


def _unassign_in(
    session: Session, owner_id: uuid.UUID, list_id: uuid.UUID, user_id: uuid.UUID
) -> Any:
    """The member's tasks in the list, unassigned (a new version each): the change made."""
    ids = session.exec(
        select(Task.id).where(
            col(Task.owner_id) == owner_id,
            col(Task.list_id) == list_id,
            col(Task.assignee_id) == user_id,
        )
    ).all()
    before = [get_in(session, owner_id, task_id) for task_id in ids]
    if ids:
        session.exec(
            sa.update(Task)
            .where(col(Task.id).in_(ids))
            .values(assignee_id=None, version=col(Task.version) + 1, updated_at=utcnow())
        )
    after = [get_in(session, owner_id, task_id) for task_id in ids]
    return change_between(owner_id, before, after)


def tell_deleted_in(session: Session, list_id: uuid.UUID) -> list[uuid.UUID]:
    """Before a shared list is deleted: each member is told in their bell; returns them."""
    people = session.exec(
        select(ListMember.user_id).where(col(ListMember.list_id) == list_id)
    ).all()
    name = session.exec(select(TaskList.name).where(col(TaskList.id) == list_id)).one()
    for member_id in people:
        notices.tell_in(session, member_id, "list_deleted", f"“{name}” was deleted by its owner")
    return list(people)


def restore_members_in(
    session: Session, list_id: uuid.UUID, people: tuple[tuple[uuid.UUID, str, str], ...]
) -> list[uuid.UUID]:
    """The owner's Undo of a delete: the members back with their roles (those whose accounts
    are still here); returns them."""
    back = []
    for member_id, _name, role in people:
        if role != access.OWNER and session.get(User, member_id) is not None:
            session.merge(ListMember(list_id=list_id, user_id=member_id, role=role))
            back.append(member_id)
    return back


def account_deleted_in(session: Session, user_id: uuid.UUID) -> None:
    """An account is being deleted: the members of the lists it owns are told (the lists go
    with it), it leaves the lists shared with it, and everyone's pages load again once the
    deletion commits."""
    owned = session.exec(select(TaskList.id).where(col(TaskList.owner_id) == user_id)).all()
    told = [member for list_id in owned for member in tell_deleted_in(session, list_id)]
    joined = session.exec(
        select(ListMember.list_id).where(col(ListMember.user_id) == user_id)
    ).all()
    others = [person for list_id in joined for person in access.audience(session, list_id)]
    session.exec(
        sa.update(Task)
        .where(col(Task.assignee_id) == user_id)
        .values(assignee_id=None, version=col(Task.version) + 1, updated_at=utcnow())
    )
    session.exec(sa.delete(ListMember).where(col(ListMember.user_id) == user_id))
    session.exec(sa.delete(ListMember).where(col(ListMember.list_id).in_(owned)))
    affected = [p for p in [*told, *others] if p != user_id]
    if affected:
        sa.event.listen(session, "after_commit", lambda _s: _announce(affected), once=True)


announce = _announce  # lists/service.py: a shared list deleted or put back
