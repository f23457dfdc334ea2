"""The app's paths, and the one policy for where a visitor goes after signing in.

Every page, state and mail takes its paths from here, so a renamed page cannot leave a stale
link (the way reflex-local-auth keeps ``LOGIN_ROUTE`` and friends in one module). Plain data
and functions, no Reflex: the services build mailed links from it too.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from todo_app.errors import Unauthenticated

HOME_PATH = "/"
LOGIN_PATH = "/login"
SIGNUP_PATH = "/signup"
INVITATION_PATH = "/invitation"  # a shared list's mailed link (signed in: accepts it)
ACCOUNT_PATH = "/account"
CHAT_PATH = "/chat"  # the assistant over the user's tasks (mcp/chat_page.py)
FORGOT_PATH = "/forgot"
RESET_PATH = "/reset"
# Pages a "next" must never point back to: signing in would loop, or land on a used link.
AUTH_PATHS = frozenset({LOGIN_PATH, SIGNUP_PATH, FORGOT_PATH, RESET_PATH})

# ``?reason=`` on the sign-in page, and what the page then says.
REASON_EXPIRED = "expired"
REASON_DELETED = "deleted"
REASON_RESET = "reset"
NOTICES = {
    REASON_EXPIRED: Unauthenticated().message,
    REASON_DELETED: "Your account has been deleted",
    REASON_RESET: "Your password has been changed and every session signed out. "
    "Sign in with the new password.",
}


def safe_next(raw: str | None) -> str:
    """A same-site path to go to after signing in; anything else becomes "/".

    Only a relative path is accepted: "//host" and "/\\host" are read by browsers as other
    sites (an open redirect), and control characters can smuggle either past a check.
    """
    if (
        not raw
        or not raw.startswith("/")
        or raw.startswith("//")
        or "\\" in raw
        or any(ord(char) < 32 or ord(char) == 127 for char in raw)
    ):
        return HOME_PATH
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or parts.path.rstrip("/") in AUTH_PATHS:
        return HOME_PATH
    return raw


def login_url(next_path: str = "", reason: str = "") -> str:
    """The sign-in page's URL, coming back to ``next_path`` and saying why (``reason``)."""
    query = {"next": safe_next(next_path)} if next_path else {}
    if reason:
        query["reason"] = reason
    return f"{LOGIN_PATH}?{urlencode(query, safe='/')}" if query else LOGIN_PATH
