"""The errors the service layer raises; each front door (page, REST API) words them for its users.

The services never speak HTTP or Reflex: the API maps these to status codes in one place
(``todo_app.api.errors``) and the state classes turn them into field errors and toasts.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Base class: ``message`` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ServiceError):
    """Bad input. ``fields`` maps a field name to what is wrong with it."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


class NotFound(ServiceError):
    """The object does not exist *for this user* (another user's object is not found too)."""


class ListNotFound(NotFound):
    """The list does not exist for this user (named by a task's ``list_id``)."""


class Forbidden(ServiceError):
    """The caller may see this but not do that (a viewer's change, a member renaming the
    owner's list); ``message`` says why. What they may not see at all is NotFound."""


class Conflict(ServiceError):
    """The request clashes with what is stored (an email already taken)."""


class StaleVersion(ServiceError):
    """An update was based on an older version of the task; ``current`` is the stored one."""

    def __init__(self, message: str, current: object) -> None:
        super().__init__(message)
        self.current = current


class InvalidCredentials(ServiceError):
    """Sign-in failed. One message for an unknown email and a wrong password alike."""

    def __init__(self, message: str = "Invalid email or password") -> None:
        super().__init__(message)


class Throttled(ServiceError):
    """Too many failed attempts; try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many attempts; try again in {retry_after} seconds")
        self.retry_after = retry_after


class Unauthenticated(ServiceError):
    """The token is missing, malformed, expired, or its session was revoked."""

    def __init__(self, message: str = "Your session has ended; please sign in again") -> None:
        super().__init__(message)


class InvalidAt(InvalidInput):
    """Bad input deep in a document (an import): each problem is located by a path such as
    ``("tasks", 12, "due_date")``, so the 422 says where, as FastAPI's own errors do."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__({".".join(map(str, loc)): msg for loc, msg in problems})
        self.problems = problems
