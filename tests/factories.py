"""The test data every layer's tests share: users (with or without a session) and tasks.

Users made here go through the real auth service when a token is needed, and straight into
the table when it is not (bcrypt work a test does not need is skipped).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

from todo_app.auth import service as auth_service
from todo_app.db import session_scope
from todo_app.models import User
from todo_app.tasks import writes
from todo_app.tasks.types import TaskData

PASSWORD = "correct horse battery"
_serial = itertools.count(1)


def unique_email(stem: str = "user") -> str:
    return f"{stem}-{next(_serial)}-{uuid.uuid4().hex[:6]}@example.com"


def make_user(name: str = "Ann") -> uuid.UUID:
    """A user row with no usable password: for service tests that need only an owner."""
    with session_scope() as session:
        user = User(email=unique_email(name.lower()), name=name, password_hash="x")
        session.add(user)
    return user.id


@dataclass(frozen=True)
class Account:
    """A signed-up user and the token of their first session."""

    id: uuid.UUID
    email: str
    name: str
    token: str


def make_account(name: str = "Ann", email: str | None = None) -> Account:
    """A real account through the auth service, signed in once."""
    email = email or unique_email(name.lower())
    signed_in = auth_service.sign_up(email, PASSWORD, name)
    return Account(signed_in.user.id, email, name, signed_in.token)


def make_task(owner: uuid.UUID, title: str = "Buy milk", **kwargs: object) -> TaskData:
    return writes.create_task(owner, title, **kwargs)  # type: ignore[arg-type]


def make_tasks(owner: uuid.UUID, *titles: str) -> list[TaskData]:
    return [make_task(owner, title) for title in titles]
