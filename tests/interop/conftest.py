"""Real CalDAV clients (the caldav library, vdirsyncer, todoman) against the CalDAV server.

One uvicorn server on 127.0.0.1 serves this folder's tests (package scope): the CalDAV app
for ``/dav`` and ``/.well-known``, the REST API for the rest, as in production. The tables
are made once, before it starts, and never dropped under it; each test makes its own users
(unique emails) and their ``caldav`` personal access tokens through the services.

A client that is not installed skips its tests, with the reason; with CI=true that is a
failure (``tests.services.missing``), so a green CI run means they ran. ``./test.sh``
installs them (requirements-dev.txt, requirements-dev-nodeps.txt).

    ./test.sh tests/interop                                  # or, in the venv:
    TODO_DAV_TRACE=/tmp/dav.log python -m pytest tests/interop   # every exchange, logged
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import SQLModel

from tests.factories import PASSWORD, unique_email
from tests.services import free_port, missing
from todo_app.auth import access_tokens
from todo_app.auth import service as auth_service
from todo_app.db import get_engine
from todo_app.tasks import queries
from todo_app.tasks.types import TaskData, TaskQuery

START_TIMEOUT_S = 20
CLIENT_TIMEOUT_S = 60  # one vdirsyncer or todoman run
DAV_PREFIXES = ("/dav", "/.well-known")
BIN = Path(sys.executable).parent  # the venv's console scripts (vdirsyncer, todo)


class Dispatch:
    """``/dav`` and ``/.well-known`` to the CalDAV app, every other request to the REST API
    (lifespan and websocket scopes are answered by nobody: uvicorn runs with lifespan off).

    With ``TODO_DAV_TRACE=<file>`` every exchange (method, path, headers, bodies, status) is
    appended to that file: what a client sent and got, for a report."""

    def __init__(self, dav: Any, api: Any) -> None:
        self.dav = dav
        self.api = api
        self.trace = os.environ.get("TODO_DAV_TRACE")

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        target = self.dav if path.startswith(DAV_PREFIXES) else self.api
        if self.trace and scope["type"] == "http":
            await self._traced(target, scope, receive, send)
        else:
            await target(scope, receive, send)

    async def _traced(self, target: Any, scope: Any, receive: Any, send: Any) -> None:
        sent: list[bytes] = []
        got: list[bytes] = []
        status: list[int] = []
        out_headers: list[Any] = []

        async def receive_logged() -> Any:
            message = await receive()
            sent.append(message.get("body", b""))
            return message

        async def send_logged(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                out_headers.extend(message.get("headers", []))
            elif message["type"] == "http.response.body":
                got.append(message.get("body", b""))
            await send(message)

        try:
            await target(scope, receive_logged, send_logged)
        finally:
            query = scope.get("query_string", b"").decode()
            record = (
                f"\n>>> {scope['method']} {scope['path']}{'?' + query if query else ''}\n"
                f"{_lines(h for h in scope['headers'] if h[0] != b'authorization')}\n"
                f"{b''.join(sent).decode(errors='replace')}\n"
                f"<<< {status[0] if status else '-'}\n{_lines(out_headers)}\n"
                f"{b''.join(got).decode(errors='replace')}\n"
            )
            await asyncio.to_thread(self._append, record)

    def _append(self, record: str) -> None:
        with open(str(self.trace), "a", encoding="utf-8") as log:
            log.write(record)


def _lines(headers: Any) -> str:
    return "".join(f"{name.decode()}: {value.decode()}\n" for name, value in headers)


@dataclass
class DavServer:
    """A running uvicorn server (in a thread of this process)."""

    url: str  # http://127.0.0.1:<port>, no trailing slash
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(app: Any) -> DavServer:
    """``app`` in uvicorn on a free port, in a daemon thread; returns once it accepts."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="off", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)  # off the main thread: it installs no signal handlers
    thread = threading.Thread(target=server.run, name="dav-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("uvicorn did not start (see the log above)")
        time.sleep(0.02)
    return DavServer(f"http://127.0.0.1:{port}", server, thread)


def dav_app() -> Any:
    """The CalDAV app and the REST API behind one dispatcher."""
    from todo_app.api.app import create_api
    from todo_app.interop.caldav.app import create_dav_app

    return Dispatch(create_dav_app(), create_api())


@pytest.fixture(scope="package")
def dav_server() -> Iterator[DavServer]:
    if importlib.util.find_spec("uvicorn") is None:
        missing("uvicorn is not installed; ./test.sh installs requirements-dev.txt")
    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    access_tokens.rate_limiter.reset()
    srv = start_server(dav_app())
    yield srv
    srv.stop()
    SQLModel.metadata.drop_all(engine)


# --- users --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DavUser:
    """A signed-up account and a personal access token with the ``caldav`` scope."""

    id: uuid.UUID
    email: str
    token: str

    @property
    def home(self) -> str:
        return f"/dav/calendars/{self.id}/"

    def collection(self, list_id: uuid.UUID | str | None = None) -> str:
        """The path of a list's collection (the Inbox's for None)."""
        return f"{self.home}{list_id or 'inbox'}/"


def make_dav_user(name: str = "Ann", zone: str = "UTC") -> DavUser:
    email = unique_email(name.lower())
    user_id = auth_service.sign_up(email, PASSWORD, name, time_zone=zone).user.id
    token = access_tokens.create(user_id, "phone", ["caldav"], None).token
    return DavUser(user_id, email, token)


@pytest.fixture
def alice(dav_server: DavServer) -> DavUser:
    return make_dav_user("Alice")


@pytest.fixture
def bob(dav_server: DavServer) -> DavUser:
    return make_dav_user("Bob")


def tasks_of(user_id: uuid.UUID, **filters: Any) -> list[TaskData]:
    """The user's tasks as the services see them (oldest first; at most 100)."""
    query = TaskQuery(sort="created", order="asc", limit=100, **filters)
    return queries.list_tasks(user_id, query=query).items


def task_titled(user_id: uuid.UUID, title: str) -> TaskData:
    found = [task for task in tasks_of(user_id) if task.title == title]
    assert len(found) == 1, f"{len(found)} tasks titled {title!r}: {tasks_of(user_id)}"
    return found[0]


# --- client programs ----------------------------------------------------------------------


def require_module(name: str) -> None:
    if importlib.util.find_spec(name) is None:
        missing(f"{name} is not installed; ./test.sh installs requirements-dev.txt")


def require_program(name: str) -> Path:
    path = BIN / name
    if not os.access(path, os.X_OK):
        missing(f"{path} not found; ./test.sh installs requirements-dev.txt")
    return path


def run_program(
    args: list[str | Path], *, home: Path, stdin: str = "", check: bool = True
) -> subprocess.CompletedProcess[str]:
    """A client program with its own HOME (no user config is read), its output kept for the
    assertion's message."""
    env = {
        "HOME": str(home),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TZ": "UTC",
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }
    result = subprocess.run(
        [str(a) for a in args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=CLIENT_TIMEOUT_S,
        check=False,
    )
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}",
            pytrace=False,
        )
    return result


def share(owner: DavUser, list_id: uuid.UUID, member: DavUser, role: str) -> None:
    """``member`` joins the owner's list as ``role`` (an invitation, accepted)."""
    from todo_app.lists import sharing

    invitation = sharing.invite(owner.id, list_id, member.email, role)
    sharing.accept(member.id, invitation.id)
