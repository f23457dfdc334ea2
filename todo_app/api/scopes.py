"""Which token scope each route needs, declared once per router (or route), and its place in
the OpenAPI document.

``Depends(scope("tasks:read"))`` needs that scope for every route it covers;
``Depends(scope_family("tasks"))`` needs ``tasks:read`` for a read (GET) and ``tasks:write``
for anything else. A session JWT passes every check (a sign-in keeps every right it has); an
access token without the scope is a 403 naming it. A route that declares nothing is closed to
access tokens (``deps.current_auth``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from todo_app.api.deps import AccessTokenCaller, mark_scope_checked
from todo_app.auth import access_tokens

SCHEME_NAME = "personalAccessToken"
READ_METHODS = frozenset({"GET", "HEAD"})

ScopeCheck = Callable[..., Awaitable[None]]


lacks = access_tokens.lacks  # (for the API's tests and docs)


def _check(pat: access_tokens.TokenAuth | None, request: Request, name: str) -> None:
    if pat is None:
        return
    access_tokens.require_scope(pat, name)
    mark_scope_checked(request)


def scope(name: str) -> ScopeCheck:
    """A dependency needing ``name`` of an access token."""
    assert name in access_tokens.SCOPES, name

    async def require_scope(request: Request, pat: AccessTokenCaller) -> None:
        _check(pat, request, name)

    require_scope.token_scope = lambda _method: name  # type: ignore[attr-defined]
    return require_scope


def scope_family(family: str) -> ScopeCheck:
    """A dependency needing ``<family>:read`` for a read, ``<family>:write`` otherwise."""

    def for_method(method: str) -> str:
        return f"{family}:read" if method.upper() in READ_METHODS else f"{family}:write"

    assert {for_method("GET"), for_method("POST")} <= access_tokens.SCOPES.keys()

    async def require_scope(request: Request, pat: AccessTokenCaller) -> None:
        _check(pat, request, for_method(request.method))

    require_scope.token_scope = for_method  # type: ignore[attr-defined]
    return require_scope


def route_scope(route: APIRoute, method: str) -> str | None:
    """The scope a route needs of an access token for ``method``; None: not open to tokens."""
    for depends in route.dependant.dependencies:
        pick = getattr(depends.call, "token_scope", None)
        if pick is not None:
            return pick(method)
    return None


SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "bearerFormat": "todo_pat_...",
    "description": "A personal access token made on the account page (or `POST /api/tokens` "
    "when signed in). Each operation names the scope it needs; without it the answer is 403. "
    "Scopes: "
    + "; ".join(f"`{name}`: {what}" for name, what in access_tokens.SCOPES.items())
    + ". A token never manages the account (its tokens, sessions, password).",
}


def _api_routes(routes: Sequence[BaseRoute]) -> Iterator[APIRoute]:
    """The routes as their routers declared them (with the routers' own dependencies):
    FastAPI 0.165 keeps an included router in a wrapper holding ``original_router``."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (router := getattr(route, "original_router", None)) is not None:
            yield from _api_routes(router.routes)


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _document_refusals(responses: dict[str, Any], needed: str) -> None:
    """A token's 403 (scope) and 429 (rate limit), beside whatever the route documents."""
    refused = f"A personal access token without `{needed}`"
    if "403" in responses:
        responses["403"]["description"] += f"; or: {refused}"
    else:
        responses["403"] = {"description": refused, "content": _ERROR}
    if "429" not in responses:
        responses["429"] = {
            "description": f"A personal access token made over "
            f"{access_tokens.RATE_LIMIT} requests this minute; wait `Retry-After` seconds",
            "headers": _RETRY_AFTER,
            "content": _ERROR,
        }


def install_scope_docs(api: FastAPI) -> None:
    """Have the OpenAPI document name the token scheme and, on each operation open to
    tokens, the scope it needs (in ``security`` and in words)."""

    def openapi() -> dict[str, Any]:
        if api.openapi_schema:
            return api.openapi_schema
        schema = get_openapi(
            title=api.title,
            version=api.version,
            openapi_version=api.openapi_version,
            description=api.description,
            routes=api.routes,
        )
        schema.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME_NAME] = SCHEME
        paths = schema.get("paths", {})
        for route in _api_routes(api.routes):
            if not route.include_in_schema:
                continue
            for method in route.methods:
                operation = paths.get(route.path_format, {}).get(method.lower())
                needed = route_scope(route, method)
                if operation is None or needed is None:
                    continue
                operation.setdefault("security", []).append({SCHEME_NAME: [needed]})
                _document_refusals(operation["responses"], needed)
                note = f"Personal access token scope: `{needed}`."
                text = operation.get("description")
                operation["description"] = f"{text}\n\n{note}" if text else note
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]
