"""The tables: users, their sign-in sessions and their tasks.

Primary keys are UUIDs made by the app, so a client can name a task before the database has
seen it (idempotent creates) and ids reveal nothing about how many rows exist.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from todo_app.limits import (
    CHAT_TITLE_MAX,
    DAV_NAME_MAX,
    DESCRIPTION_MAX,
    EMAIL_MAX,
    LIST_NAME_MAX,
    NAME_MAX,
    POSITION_MAX,
    TAG_MAX,
    TIME_ZONE_MAX,
    TITLE_MAX,
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware timestamp that reads back aware on SQLite too (it stores no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime; use todo_app.models.utcnow()")
        if value is not None and dialect.name == "sqlite":
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A manual-order key sorts byte by byte on every database.
POSITION_TYPE = sa.String(POSITION_MAX).with_variant(
    sa.String(POSITION_MAX, collation="C"), "postgresql"
)


def _timestamp(**kwargs: object) -> object:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, **kwargs)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Stored trimmed and lower-cased, so the unique index compares case-insensitively.
    email: str = Field(max_length=EMAIL_MAX, unique=True, index=True)
    name: str = Field(max_length=NAME_MAX)
    password_hash: str = Field(max_length=100)
    # IANA zone name: "today", "overdue" and a due time's instant are reckoned in it.
    time_zone: str = Field(
        default="UTC", max_length=TIME_ZONE_MAX, sa_column_kwargs={"server_default": "UTC"}
    )
    # Where a task added to the Inbox goes in its manual order (lists keep their own).
    inbox_add_on_top: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class AuthSession(SQLModel, table=True):
    """One sign-in: a token is valid only while its row is unrevoked and unexpired."""

    __tablename__ = "auth_sessions"
    __table_args__ = (sa.Index("ix_auth_sessions_user_created", "user_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    created_at: datetime = _timestamp()
    last_seen_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    user_agent: str = Field(default="", max_length=300)
    ip_address: str = Field(default="", max_length=64)


class PasswordReset(SQLModel, table=True):
    """One emailed reset link: only its token's SHA-256 is kept, so a leaked table (or backup)
    holds no link that works. Used at most once, and only until ``expires_at``."""

    __tablename__ = "password_resets"
    __table_args__ = (sa.Index("ix_password_resets_user", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class CalendarFeed(SQLModel, table=True):
    """A calendar subscription URL: all of a user's tasks (``list_id`` None) or one list's.
    Only the secret's SHA-256 is kept, so the table (or a backup) holds no URL that works;
    a reset replaces the hash, and the old URL finds nothing at once."""

    __tablename__ = "calendar_feeds"
    __table_args__ = (sa.Index("ix_calendar_feeds_user", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    list_id: uuid.UUID | None = Field(
        default=None, foreign_key="lists.id", ondelete="CASCADE", nullable=True
    )
    secret_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    # The last ETag served and when the content first had it (Last-Modified): a task that
    # leaves the feed (completed, deleted) changes the content but no remaining row's time.
    etag: str | None = Field(default=None, max_length=40, nullable=True)
    changed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class TaskList(SQLModel, table=True):
    """A user's named list of tasks; tasks in no list are in the Inbox."""

    __tablename__ = "lists"
    __table_args__ = (
        sa.UniqueConstraint("owner_id", "name_key", name="uq_lists_owner_name"),
        sa.Index("ix_lists_owner_position", "owner_id", "position"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    name: str = Field(max_length=LIST_NAME_MAX)
    # The name case-folded: names are unique per user whatever their case.
    name_key: str = Field(max_length=LIST_NAME_MAX * 3)
    position: int = Field(default=0)
    created_at: datetime = _timestamp()
    # Where a task added to the list goes in its manual order: first (True) or last.
    add_on_top: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})


class ListMember(SQLModel, table=True):
    """Someone other than its owner who may see a list (``viewer``) or change its tasks
    (``editor``). The owner is never a row here: ``TaskList.owner_id`` says who it is."""

    __tablename__ = "list_members"
    __table_args__ = (sa.Index("ix_list_members_user", "user_id"),)

    list_id: uuid.UUID = Field(foreign_key="lists.id", ondelete="CASCADE", primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    role: str = Field(max_length=10)
    created_at: datetime = _timestamp()


class ListInvitation(SQLModel, table=True):
    """An owner's offer of a role in a list to an email address, until accepted, declined,
    withdrawn or ``expires_at``. An address that had an account when invited answers from
    its bell. Any other address proves it received the mail: the mail's link holds a token,
    of which only the SHA-256 is kept (``token_hash``), since anyone may sign up with any
    address and must not so pick up an invitation meant for its real owner."""

    __tablename__ = "list_invitations"
    __table_args__ = (
        sa.Index("ix_list_invitations_email", "email"),
        sa.Index("ix_list_invitations_list", "list_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    list_id: uuid.UUID = Field(foreign_key="lists.id", ondelete="CASCADE", nullable=False)
    invited_by: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    email: str = Field(max_length=EMAIL_MAX)
    role: str = Field(max_length=10)
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    token_hash: str | None = Field(default=None, max_length=64, nullable=True)


class Tag(SQLModel, table=True):
    """A tag name a user's tasks carry; tasks link to it through task_tags."""

    __tablename__ = "tags"
    __table_args__ = (sa.UniqueConstraint("owner_id", "name_key", name="uq_tags_owner_name"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    name: str = Field(max_length=TAG_MAX)
    name_key: str = Field(max_length=TAG_MAX * 3)


class TaskTag(SQLModel, table=True):
    """Which tags a task carries, in the order given."""

    __tablename__ = "task_tags"
    __table_args__ = (sa.Index("ix_task_tags_tag_task", "tag_id", "task_id"),)

    task_id: uuid.UUID = Field(foreign_key="tasks.id", ondelete="CASCADE", primary_key=True)
    tag_id: uuid.UUID = Field(foreign_key="tags.id", ondelete="CASCADE", primary_key=True)
    position: int = Field(default=0)


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        sa.Index("ix_tasks_owner_created", "owner_id", "created_at"),
        sa.Index("ix_tasks_owner_list_created", "owner_id", "list_id", "created_at"),
        sa.Index("ix_tasks_owner_due_created", "owner_id", "due_date", "created_at"),
        sa.Index("ix_tasks_owner_priority_created", "owner_id", "priority", "created_at"),
        # A task's siblings in manual order: the first and last keys, and a list's order.
        sa.Index(
            "ix_tasks_owner_list_parent_position", "owner_id", "list_id", "parent_id", "position"
        ),
        sa.Index("ix_tasks_parent", "parent_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    completed: bool = Field(default=False)
    # Bumped on every change; an update names the version it was based on.
    version: int = Field(default=1)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    list_id: uuid.UUID | None = Field(
        default=None, foreign_key="lists.id", ondelete="SET NULL", nullable=True
    )
    # 0 none, 1 low, 2 medium, 3 high: stored as a rank so "sort by priority" uses an index.
    priority: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # Wall-clock due date and time in the owner's zone; due_at is the instant of a timed due.
    due_date: date | None = Field(default=None, nullable=True)
    due_time: time | None = Field(default=None, nullable=True)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    # {"rule": RRULE body, "from_completion": bool}, or None; needs a due date.
    recurrence: dict | None = Field(default=None, sa_type=sa.JSON(none_as_null=True), nullable=True)
    # Minutes before a timed due, e.g. [0, 15]; each is planned as a Reminder row.
    reminders: list = Field(
        default_factory=list,
        sa_type=sa.JSON,
        nullable=False,
        sa_column_kwargs={"server_default": "[]"},
    )
    # The task this one is a sub-task of (same owner, same list), or None at the top level.
    parent_id: uuid.UUID | None = Field(
        default=None, foreign_key="tasks.id", ondelete="CASCADE", nullable=True
    )
    # Manual order among its siblings: a fractional-index key (tasks/order_keys.py), compared
    # byte by byte ("C" collation on PostgreSQL, whose default would ignore case).
    position: str = Field(
        default="a0",
        sa_type=POSITION_TYPE,
        nullable=False,
        sa_column_kwargs={"server_default": "a0"},
    )
    # Who the task is for (its list's owner or a member), who added it, who completed it
    # (None: unknown, e.g. before lists could be shared, or an account since deleted).
    assignee_id: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", nullable=True, index=True
    )
    created_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", nullable=True
    )
    completed_by: uuid.UUID | None = Field(
        default=None, foreign_key="users.id", ondelete="SET NULL", nullable=True
    )


class SignInFailure(SQLModel, table=True):
    """One failed sign-in, counted per email and per client address to throttle guessing.

    Kept in the database (not process memory) so the limit holds across workers and restarts.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (sa.Index("ix_sign_in_failures_key_at", "key", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    # "email:<address>" or "ip:<address>"
    key: str = Field(max_length=320)
    at: datetime = _timestamp()


class TaskMutation(SQLModel, table=True):
    """One change a page sent, applied at most once (the id is the client's mutation id).

    The row is written in the same transaction as the change, so a mutation sent twice (a
    reload, a reconnect, another worker) finds its outcome here instead of applying again.
    ``outcome`` is what the sender is told; ``undo`` is what the engine needs to reverse it.
    """

    __tablename__ = "task_mutations"
    __table_args__ = (sa.Index("ix_task_mutations_owner_created", "owner_id", "created_at"),)

    id: uuid.UUID = Field(primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    kind: str = Field(max_length=20)
    # "applied" or "refused"; a failure that may pass on retry is not recorded at all.
    status: str = Field(max_length=10)
    outcome: dict = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    undo: dict = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    created_at: datetime = _timestamp()


class TaskCompletion(SQLModel, table=True):
    """One completion of a recurring task: when, and which due date it completed."""

    __tablename__ = "task_completions"
    __table_args__ = (sa.Index("ix_task_completions_task_at", "task_id", "completed_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id", ondelete="CASCADE", nullable=False)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    completed_at: datetime = _timestamp()
    due_date: date | None = Field(default=None, nullable=True)


class Reminder(SQLModel, table=True):
    """A reminder of one occurrence of a timed task, claimed exactly once when it falls due.

    ``fired_at`` is set by the claim itself (one UPDATE ... RETURNING), so two schedulers, or
    two workers, can never both deliver it. The partial index holds only unfired reminders, so a
    tick reads the few due ones, never the whole table.
    """

    __tablename__ = "reminders"
    __table_args__ = (
        sa.Index(
            "ix_reminders_due",
            "fire_at",
            sqlite_where=sa.text("fired_at IS NULL"),
            postgresql_where=sa.text("fired_at IS NULL"),
        ),
        sa.Index("ix_reminders_task", "task_id"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id", ondelete="CASCADE", nullable=False)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    minutes_before: int
    fire_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    fired_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class Notification(SQLModel, table=True):
    """What the bell shows: a reminder that fired (``late``: after the server was down), or
    news from a shared list (``kind``: an invitation to answer, a task assigned to you, a
    list you lost). An invitation's notice goes with the invitation."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_owner_created", "owner_id", "created_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    task_id: uuid.UUID | None = Field(
        default=None, foreign_key="tasks.id", ondelete="SET NULL", nullable=True
    )
    title: str = Field(max_length=TITLE_MAX)
    fire_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = _timestamp()
    late: bool = Field(default=False)
    read: bool = Field(default=False)
    kind: str = Field(
        default="reminder", max_length=20, sa_column_kwargs={"server_default": "reminder"}
    )
    invitation_id: uuid.UUID | None = Field(
        default=None, foreign_key="list_invitations.id", ondelete="CASCADE", nullable=True
    )


class PersonalAccessToken(SQLModel, table=True):
    """A long-lived API token a user makes on /account for another program: only its SHA-256
    is kept (a leaked table holds nothing that works), and ``scopes`` bound what it may do."""

    __tablename__ = "personal_access_tokens"
    __table_args__ = (sa.Index("ix_personal_access_tokens_user", "user_id"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    name: str = Field(max_length=60)
    scopes: list[str] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = _timestamp()
    # None: never expires.
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    last_used_ip: str = Field(default="", max_length=64)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)


class DavObject(SQLModel, table=True):
    """What a CalDAV client chose for a task and our columns do not hold: its ``UID``, the
    name of its resource (``<name>`` in ``.../<list>/<name>``), the properties and alarms we
    do not map (kept as iCalendar text and served back unchanged), and the ``UID`` of a
    parent not seen yet (a client may upload a sub-task before its parent). A task made on
    the page has no row here: its UID is its id and its name ``<id>.ics``."""

    __tablename__ = "dav_objects"
    __table_args__ = (
        sa.Index("ix_dav_objects_owner_uid", "owner_id", "uid"),
        sa.Index("ix_dav_objects_owner_name", "owner_id", "name"),
    )

    task_id: uuid.UUID = Field(foreign_key="tasks.id", ondelete="CASCADE", primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    uid: str = Field(max_length=DAV_NAME_MAX)
    name: str = Field(max_length=DAV_NAME_MAX)
    extra: str = Field(default="", sa_type=sa.Text)
    pending_parent_uid: str | None = Field(default=None, max_length=DAV_NAME_MAX, nullable=True)


class DavSyncState(SQLModel, table=True):
    """What a CalDAV collection held when a sync token was given out: ``{name: etag}``,
    compressed. A later sync compares it with now, so a change costs no write anywhere
    else (moves and deletions included) and a token names exactly one state."""

    __tablename__ = "dav_sync_states"

    collection: str = Field(max_length=80, primary_key=True)
    token: str = Field(max_length=40, primary_key=True)
    created_at: datetime = _timestamp()
    members: bytes = Field(sa_type=sa.LargeBinary, nullable=False)


class Conversation(SQLModel, table=True):
    """A chat with the assistant (/chat, ``POST /api/{user_id}/chat``): its messages are in
    ``messages``, so a conversation survives a restart and any worker can continue it."""

    __tablename__ = "conversations"
    __table_args__ = (sa.Index("ix_conversations_user_updated", "user_id", "updated_at"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    title: str | None = Field(default=None, max_length=CHAT_TITLE_MAX, nullable=True)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Message(SQLModel, table=True):
    """One turn of a conversation: the user's words, or the assistant's reply with the tool
    calls it made (``[{name, arguments, result}]``)."""

    __tablename__ = "messages"
    __table_args__ = (
        sa.Index("ix_messages_conversation_created", "conversation_id", "created_at"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE", nullable=False)
    conversation_id: uuid.UUID = Field(
        foreign_key="conversations.id", ondelete="CASCADE", nullable=False
    )
    role: str = Field(max_length=16)  # "user" or "assistant"
    content: str = Field(sa_type=sa.Text, nullable=False)
    tool_calls: list[dict] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    created_at: datetime = _timestamp()
