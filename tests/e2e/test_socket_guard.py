"""The websocket, spoken to directly as anyone can: what reaches the server's log, and floods.

A real production server (``./run.sh``), a bare socket.io client over a websocket (the
frames Reflex's page sends, written by hand: python-socketio's own clients need packages the
app does not install). Its log is the file the e2e ``Server`` writes stdout and stderr to.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import simple_websocket
from reflex.state import FrontendEventExceptionState, State
from reflex_base.constants import Reflex

from tests.e2e.conftest import Server
from todo_app.auth.forms import SignInState
from todo_app.auth.state import AuthState
from todo_app.socket_guard import EVENT_BURST, TOO_MANY_REQUESTS
from todo_app.tasks.state import TaskState

NAMESPACE = "/_event"
ROOT = State.get_full_name()
FRONTEND_EXCEPTION = f"{FrontendEventExceptionState.get_full_name()}.handle_frontend_exception"
NOOP = f"{SignInState.get_full_name()}.toggle_password"  # flips one bool: no database
SEND = f"{TaskState.get_full_name()}.send"
TOKEN_VAR = f"{AuthState.get_full_name()}.token_rx_state_"
LOG_CAP_BYTES = 20_000  # what a 900 kB event may add to the log, traceback included


class ReflexSocket:
    """One tab's socket: engine.io v4 + socket.io frames over a plain websocket."""

    def __init__(self, base_url: str, storage: dict[str, str] | None = None) -> None:
        self.token = str(uuid.uuid4())
        url = base_url.replace("http", "ws", 1)
        self.ws = simple_websocket.Client.connect(
            f"{url}/_event/?EIO=4&transport=websocket&token={self.token}",
            subprotocols=[Reflex.VERSION],
        )
        self.updates: list[dict[str, Any]] = []
        auth = {}
        if storage is not None:  # the page's hydrate rides in the CONNECT packet
            auth = {"event": self._event(f"{ROOT}.hydrate_and_load", {"vars": storage})}
        # Sent before reading the engine.io OPEN: simple_websocket's handshake leaves a frame
        # that came with the 101 response unread until more data arrives, and the answer is
        # that data. The server has sent OPEN before it reads this.
        self.ws.send(f"40{NAMESPACE},{json.dumps(auth)}")
        opened = self._frame(10)
        assert opened.startswith("0"), opened
        while True:
            frame = self._frame(30)
            if frame.startswith(f"40{NAMESPACE},"):
                self.sid = json.loads(frame.split(",", 1)[1])["sid"]
                break
            self._take(frame)

    @staticmethod
    def _event(name: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"name": name, "payload": payload, "router_data": {"pathname": "/", "asPath": "/"}}

    def _frame(self, timeout: float) -> str:
        frame = self.ws.receive(timeout=timeout)
        if frame is None:
            raise TimeoutError("no frame from the server")
        return frame if isinstance(frame, str) else frame.decode()

    def _take(self, frame: str) -> None:
        if frame == "2":  # engine.io ping
            self.ws.send("3")
        elif frame.startswith(f"42{NAMESPACE},"):
            name, data = json.loads(frame.split(",", 1)[1])[:2]
            if name == "event":
                self.updates.append(json.loads(data) if isinstance(data, str) else data)

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        self.ws.send(f"42{NAMESPACE},{json.dumps(['event', self._event(name, payload)])}")

    def listen(self, seconds: float) -> None:
        """Collect what the server sends for a while."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            frame = self.ws.receive(timeout=left)
            if frame is not None:
                self._take(frame if isinstance(frame, str) else frame.decode())

    def refusals(self) -> int:
        return sum(TOO_MANY_REQUESTS in json.dumps(u.get("events") or []) for u in self.updates)

    def close(self) -> None:
        self.ws.close()


def _log_size(server: Server) -> int:
    return server.log_path.stat().st_size


def _log_since(server: Server, offset: int, marker: str, timeout: float = 20) -> str:
    """The server's output after ``offset``, once ``marker`` has shown up (and settled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = server.log_path.read_bytes()[offset:].decode(errors="replace")
        if marker in text:
            time.sleep(1)  # a traceback or a second line may follow
            return server.log_path.read_bytes()[offset:].decode(errors="replace")
        time.sleep(0.2)
    pytest.fail(f"{marker!r} never reached the server's log")


def test_a_forged_frontend_exception_comes_out_as_one_escaped_line(server: Server) -> None:
    marker = uuid.uuid4().hex
    sock = ReflexSocket(server.url)  # not signed in, no page: anyone
    try:
        offset = _log_size(server)
        forged = f"Error: {marker}\nINFO todo_app.auth: sign-in ok {marker} user=admin"
        sock.emit(FRONTEND_EXCEPTION, {"info": forged + "y" * 5000, "component_stack": ""})
        text = _log_since(server, offset, marker)
    finally:
        sock.close()
    lines = [line for line in text.splitlines() if marker in line]
    assert len(lines) == 1, lines
    [line] = lines
    assert "frontend exception:" in line
    assert "\\nINFO todo_app.auth: sign-in ok" in line
    assert "[5" in line and "chars]" in line  # cut, and says how long it was
    assert len(line) < 1000
    assert not any(
        ln.lstrip().startswith("INFO todo_app.auth: sign-in ok") for ln in text.splitlines()
    )


def test_a_900_kb_event_for_an_unknown_handler_logs_under_the_cap(server: Server) -> None:
    marker = uuid.uuid4().hex
    sock = ReflexSocket(server.url)
    try:
        offset = _log_size(server)
        sock.emit(f"{ROOT}.no_such_handler_{marker}", {"blob": "x" * 900_000})
        text = _log_since(server, offset, marker)
    finally:
        sock.close()
    assert len(text.encode()) < LOG_CAP_BYTES, f"{len(text.encode())} bytes logged"
    # One record, one line (not wrapped at 80 columns), cut and saying how long it was.
    [line] = [ln for ln in text.splitlines() if ln.startswith("Error processing event queue")]
    assert marker in line and line.endswith("chars]"), line[:200]


def test_a_flood_is_refused_once_with_a_clear_message_and_then_served_again(
    server: Server,
) -> None:
    sock = ReflexSocket(server.url)
    try:
        offset = _log_size(server)
        for _ in range(EVENT_BURST * 4):
            sock.emit(NOOP, {})
        sock.listen(2)
        assert sock.refusals() == 1  # told once per window, not once per dropped event
        answered = len(sock.updates) - 1
        assert EVENT_BURST <= answered < EVENT_BURST * 2, answered
        text = _log_since(server, offset, sock.sid)
        warnings = [line for line in text.splitlines() if sock.sid in line]
        assert len(warnings) == 1 and "dropping its events" in warnings[0], warnings

        sock.listen(2)  # the bucket refills: the same tab is served again
        sock.updates.clear()
        sock.emit(NOOP, {})
        sock.listen(1)
        assert len(sock.updates) == 1 and sock.refusals() == 0
    finally:
        sock.close()


def _sign_up(server: Server) -> tuple[str, str]:
    email = f"guard-{uuid.uuid4().hex[:8]}@example.com"
    resp = httpx.post(
        f"{server.url}/api/auth/sign-up",
        json={"email": email, "password": "correct horse battery", "name": "Guard"},
        timeout=30,
    )
    resp.raise_for_status()
    body = resp.json()
    return body["user"]["id"], body["token"]


def _task_count(server: Server, token: str) -> int:
    resp = httpx.get(
        f"{server.url}/api/tasks",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    resp.raise_for_status()
    return resp.json()["total"]


def test_normal_use_and_an_outbox_replay_of_50_changes_are_untouched(server: Server) -> None:
    user_id, token = _sign_up(server)
    sock = ReflexSocket(server.url, storage={TOKEN_VAR: token})  # a signed-in tab on /
    try:
        for _ in range(EVENT_BURST // 2):  # brisk clicking, all at once
            sock.emit(NOOP, {})
        now = datetime.now(UTC).isoformat()
        batch = [
            {
                "mid": str(uuid.uuid4()),
                "kind": "create",
                "task_id": str(uuid.uuid4()),
                "fields": {"title": f"written offline {i}"},
                "base_version": None,
                "after": None,
                "of": None,
                "at": now,
            }
            for i in range(50)
        ]
        sock.emit(SEND, {"uid": user_id, "batch": batch})  # the outbox after an outage
        deadline = time.monotonic() + 30
        while _task_count(server, token) < 50 and time.monotonic() < deadline:
            sock.listen(0.5)
        sock.listen(1)
    finally:
        sock.close()
    assert _task_count(server, token) == 50
    assert sock.refusals() == 0
