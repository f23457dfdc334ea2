"""``python -m todo_app.mcp``: the MCP server over stdio, for a desktop assistant.

It acts for the user of the personal access token in ``TODO_API_TOKEN`` (made on /account,
API tokens; its scopes decide the tools, as over HTTP) and uses the app's own database
settings (``REFLEX_DB_URL``, else the SQLite file in ``TODO_DATA_DIR``, as
``python -m todo_app.db`` does). The token is checked once at start: missing, unknown,
revoked or expired, the process says so on stderr and exits with status 2. Every tool call
checks the token again (a revocation takes effect on the next call). stdout carries the
protocol only: logs go to stderr.

Writes made here are in the database at once; open pages of the app show them when they next
load their list (this process is not one of the app's workers, so it cannot push to them).
"""

from __future__ import annotations

import logging
import os
import sys

EXIT_BAD_TOKEN = 2


def _fail(message: str) -> int:
    print(f"todo mcp: {message}", file=sys.stderr)
    return EXIT_BAD_TOKEN


def main() -> int:
    logging.basicConfig(
        stream=sys.stderr, level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    token = os.environ.get("TODO_API_TOKEN", "").strip()
    if not token:
        return _fail(
            "TODO_API_TOKEN is not set: make a personal access token on /account "
            "(API tokens, with the scopes tasks:read, tasks:write and lists:read) and pass it "
            "in the environment"
        )

    from todo_app.auth import access_tokens
    from todo_app.errors import Unauthenticated
    from todo_app.mcp import server as mcp_server
    from todo_app.mcp.tools import allowed

    if not access_tokens.is_access_token(token):
        return _fail("TODO_API_TOKEN is not a personal access token (todo_pat_…)")
    try:
        pat = access_tokens.authenticate(token, "stdio")
    except Unauthenticated as exc:
        return _fail(f"TODO_API_TOKEN: {exc.message}")
    if not allowed(pat.scopes):
        return _fail("TODO_API_TOKEN has none of the scopes tasks:read, tasks:write, lists:read")

    class EachCallChecked(mcp_server.TodoMCP):
        """The caller as the token says now: revoked or expired, the calls stop. (A short
        read on the loop: this process serves its one client.)"""

        def caller_of(self, request: object | None) -> mcp_server.Caller | None:
            try:
                now = access_tokens.authenticate(token, "stdio")
            except Unauthenticated:
                return None
            return mcp_server.Caller(now.auth.user.id, now.scopes)

    server = EachCallChecked(mcp_server.Caller(pat.auth.user.id, pat.scopes))
    server.run("stdio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
