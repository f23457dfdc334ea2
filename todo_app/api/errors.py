"""The one place where service exceptions become HTTP answers, and where those answers are
documented for the OpenAPI document.

Routes never catch service errors: they let them rise to these handlers, so every route words
the same failure the same way. Every error body is ``{"detail": ...}``; a field error has
FastAPI's own shape (a list of ``{loc, msg, type}``) so clients parse one format for both.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from todo_app.api.deps import RENEWED_TOKEN_HEADER
from todo_app.api.schemas import ErrorOut
from todo_app.api.schemas_tasks import TaskOut
from todo_app.errors import (
    Conflict,
    Forbidden,
    InvalidAt,
    InvalidCredentials,
    InvalidInput,
    NotFound,
    ServiceError,
    StaleVersion,
    Throttled,
    Unauthenticated,
)

logger = logging.getLogger("todo_app.api")

STATUS_BY_ERROR: dict[type[ServiceError], int] = {
    InvalidInput: 422,
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    StaleVersion: 409,
    InvalidCredentials: 401,
    Throttled: 429,
    Unauthenticated: 401,
}
# RFC 9110: a 401 names the scheme that would work.
BEARER_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def status_for(exc: ServiceError) -> int:
    """The status of the nearest mapped class; an unmapped ServiceError is the client's fault."""
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def _where(request: Request, field: str) -> str:
    if field in request.query_params:
        return "query"
    return "path" if field in request.path_params else "body"


def _field_errors(request: Request, exc: InvalidInput) -> list[dict[str, Any]]:
    """FastAPI's validation-error shape; a field sent in the query string or named in the
    path (a list's member, by user id) is located there; a document's (an import's) problem
    by its path inside the body."""
    if isinstance(exc, InvalidAt):
        return [
            {"loc": ["body", *loc], "msg": message, "type": "value_error"}
            for loc, message in exc.problems
        ]
    return [
        {
            "loc": [_where(request, field), field],
            "msg": message,
            "type": "value_error",
        }
        for field, message in exc.fields.items()
    ]


def _headers(exc: ServiceError) -> dict[str, str]:
    if isinstance(exc, Throttled):
        return {"Retry-After": str(exc.retry_after)}
    if isinstance(exc, Unauthenticated | InvalidCredentials):
        return BEARER_CHALLENGE
    return {}


def service_error_response(request: Request, exc: Exception) -> JSONResponse:
    """The answer for any ``ServiceError`` a route let through."""
    assert isinstance(exc, ServiceError)
    body: dict[str, Any] = {
        "detail": _field_errors(request, exc) if isinstance(exc, InvalidInput) else exc.message
    }
    if isinstance(exc, StaleVersion):
        body["current"] = TaskOut.model_validate(exc.current).model_dump(mode="json")
    return JSONResponse(body, status_code=status_for(exc), headers=_headers(exc))


# The parts of a validation error's context that state a rule (a limit, the allowed values),
# never what was sent.
_RULE_CONTEXT = {
    "ge", "gt", "le", "lt", "min_length", "max_length", "multiple_of", "max_digits",
    "decimal_places", "expected", "pattern",
}  # fmt: skip


def _text(value: str) -> str:
    """``value`` as text any reply can carry (a lone surrogate becomes ``\\udc00``)."""
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _rule_context(ctx: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _text(value) if isinstance(value, str) else value
        for key, value in ctx.items()
        if key in _RULE_CONTEXT and isinstance(value, int | str) and not isinstance(value, bool)
    }


def safe_field_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors with the field, the reason and the limit, never the input: a 422
    must not echo a password back (nor 50 MB of anything)."""
    safe: list[dict[str, Any]] = []
    for error in errors:
        item: dict[str, Any] = {
            "loc": [part if isinstance(part, int) else _text(str(part)) for part in error["loc"]],
            "msg": _text(str(error.get("msg", ""))),
            "type": _text(str(error.get("type", ""))),
        }
        if ctx := _rule_context(error.get("ctx") or {}):
            item["ctx"] = ctx
        safe.append(item)
    return safe


def validation_error_response(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422 shape without its ``input`` (and without any ``ctx`` that is not a rule)."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": safe_field_errors(exc.errors())}, status_code=422)


def _validation_failure(exc: BaseException) -> BaseException | None:
    """The validation error in ``exc``'s chain, if any: its message holds the input."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RequestValidationError | ResponseValidationError | ValidationError):
            return current
        current = current.__cause__ or current.__context__
    return None


def unexpected_error_response(request: Request, exc: Exception) -> JSONResponse:
    """A bug or an outage: JSON like every other error, details only in the server log.

    A validation error's text carries the input (a password, a token in a reply), so for
    those the log gets where and why, not what.
    """
    failure = _validation_failure(exc)
    if failure is None:
        logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    else:
        errors = failure.errors() if hasattr(failure, "errors") else []
        logger.error(
            "unhandled %s on %s %s (%s; input not logged): %s",
            type(exc).__name__,
            request.method,
            request.url.path,
            type(failure).__name__,
            safe_field_errors(errors),
        )
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, service_error_response)
    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_exception_handler(Exception, unexpected_error_response)


# --- documentation ------------------------------------------------------------------------

_DESCRIPTIONS = {
    401: "Not signed in (no token, or a malformed, expired or revoked one), "
    "or, at sign-in, a wrong email or password",
    403: "The user id in the path is not the caller's",
    404: "No such task or list among those the caller may see, their own and those shared "
    "with them (another user's task or list is not found either)",
    409: "Conflicts with what is stored",
    429: "Too many failed sign-ins; wait `Retry-After` seconds",
}
RENEWED_TOKEN_DOC = {
    RENEWED_TOKEN_HEADER: {
        "description": "A fresh token replacing the one sent; present only when renewed",
        "schema": {"type": "string"},
    }
}
_HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
}


def responses(
    *codes: int,
    renewing: int | None = None,
    conflict_model: type[BaseModel] = ErrorOut,
    described: dict[int, str] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the given error statuses (FastAPI documents 422 itself).

    ``renewing`` names the success status of a signed-in route, whose answer may carry a
    renewed token; ``described`` words a status for routes about something else than tasks
    and lists.
    """
    wording = {**_DESCRIPTIONS, **(described or {})}
    documented: dict[int | str, dict[str, Any]] = {
        code: {
            "description": wording[code],
            "model": conflict_model if code == 409 else ErrorOut,
            **({"headers": _HEADERS[code]} if code in _HEADERS else {}),
        }
        for code in codes
    }
    if renewing is not None:
        documented[renewing] = {"headers": RENEWED_TOKEN_DOC}
    return documented
