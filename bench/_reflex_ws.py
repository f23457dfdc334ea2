"""A minimal Reflex websocket client (python-socketio), speaking what the browser speaks.

Protocol (Reflex 0.10, see /work/shared/notes/reflex-0.10.md §12 and ``state.js``): socket.io
over websocket at ``/_event`` (namespace ``/_event``), query ``token=<uuid per tab>``; events
are ``["event", {name, payload, router_data}]``; answers are ``["event", <JSON update>]`` with
``delta`` and ``events``, one per ``yield``.

``ReflexClient`` (threads; python-socketio's ``Client`` needs websocket-client for the
websocket transport) sends no hydration: the state is created on the first event, as for a
tab whose hydrate has not run yet. ``AsyncTab`` (asyncio; ``AsyncClient`` needs aiohttp)
connects as the page does, with the hydrate and the tab's client storage in the CONNECT
packet, so the page's on_load runs and the tab is signed in (``socket_load.py``).
``BareSocket`` (simple_websocket, frames written by hand) needs neither websocket-client nor
aiohttp, which the app's virtualenv lacks (``edge_probe.py``).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from typing import Any

import socketio

NAMESPACE = "/_event"


class ReflexClient:
    def __init__(self, base_url: str, timeout_s: float = 10.0) -> None:
        self.token = str(uuid.uuid4())
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._on_event, namespace=NAMESPACE)
        self.sio.connect(
            f"{base_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            wait_timeout=timeout_s,
        )

    def _on_event(self, data: Any) -> None:
        update = json.loads(data) if isinstance(data, str) else data
        with self._cond:
            self._updates.append(update)
            self._cond.notify_all()

    def send(self, name: str, payload: dict[str, Any], path: str = "/") -> None:
        with self._cond:
            self._updates.clear()
        self.sio.emit(
            "event",
            {
                "name": name,
                "payload": payload,
                "router_data": {"pathname": path, "asPath": path},
            },
            namespace=NAMESPACE,
        )

    def wait_for(self, predicate, timeout_s: float) -> dict[str, Any] | None:
        """The first update since ``send`` for which ``predicate(update)`` is true."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        with self._cond:
            while True:
                for update in self._updates[seen:]:
                    if predicate(update):
                        return update
                seen = len(self._updates)
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def close(self) -> None:
        self.sio.disconnect()


def has_event(update: dict[str, Any], name: str) -> bool:
    return any(e.get("name") == name for e in update.get("events") or [])


def delta_values(update: dict[str, Any], var: str) -> list[Any]:
    """Values of ``var`` (any substate) in an update's delta; Reflex suffixes var names."""
    found = []
    for substate in (update.get("delta") or {}).values():
        for key, value in substate.items():
            if key == var or key.startswith(var + "_rx_state_"):
                found.append(value)
    return found


# --- the browser's connect/hydrate, for many clients in one asyncio loop -----------------
#
# What the page sends when its socket connects (state.js ``connect``/``bootAuth`` and the
# compiled ``initialEvents``): the hydrate event rides in the socket.io CONNECT packet's auth
# as ``{"event": <State.hydrate_and_load>}``, its ``payload.vars`` holding every declared
# cookie/localStorage/sessionStorage var the browser has, keyed by the var's full name
# (``hydrateClientStorage``). The backend applies them under the state lock, sends the state
# snapshot, then runs the page's on_load handlers (``on_load_internal``), which end by
# setting ``is_hydrated`` true. The browser also sends the compiled initial-state hashes on a
# first connect, to get a smaller snapshot; without them the snapshot is complete.
# Needs aiohttp (python-socketio's AsyncClient uses it for the websocket).


def state_names() -> dict[str, str]:
    """Full names of the app's states and of the vars and handlers the load tests use."""
    from reflex.state import State

    from todo_app.auth.forms import SignInState
    from todo_app.auth.state import AuthState
    from todo_app.tasks.state import TaskState

    root, auth, tasks = State.get_full_name(), AuthState.get_full_name(), TaskState.get_full_name()
    return {
        "root": root,
        "auth": auth,
        "tasks": tasks,
        "hydrate": f"{root}.hydrate_and_load",
        # AuthState.token is rx.LocalStorage("", name="todo_token"): its storage key.
        "token_var": f"{auth}.token_rx_state_",
        "send": f"{tasks}.send",
        # The no-op round trip: flips one bool (show_password), no database, a 1-var delta,
        # which arrives under the state whose handler it is.
        "noop": f"{SignInState.get_full_name()}.toggle_password",
        "noop_state": SignInState.get_full_name(),
    }


def var(delta_of_state: dict[str, Any], name: str, default: Any = None) -> Any:
    """A var's value in one substate's delta (Reflex suffixes var names)."""
    return delta_of_state.get(f"{name}_rx_state_", default)


class AsyncTab:
    """One browser tab's socket: connects with the hydrate in the CONNECT auth, as state.js.

    ``on_update(tab, update, t_recv)`` is called for every ``event`` message, with the
    receive time (``time.perf_counter()``) taken first thing in the callback.
    """

    def __init__(self, base_url: str, names: dict[str, str], storage: dict[str, str],
                 on_update, path: str = "/") -> None:  # fmt: skip
        import socketio

        self.base_url = base_url
        self.names = names
        self.storage = storage
        self.path = path
        self.token = str(uuid.uuid4())
        self.on_update = on_update
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("event", self._on_event, namespace=NAMESPACE)

    def router_data(self) -> dict[str, Any]:
        return {"pathname": self.path, "asPath": self.path}

    async def _on_event(self, data: Any) -> None:
        t_recv = time.perf_counter()
        update = json.loads(data) if isinstance(data, str) else data
        self.on_update(self, update, t_recv)

    async def connect(self, timeout_s: float = 30.0) -> None:
        from reflex_base.constants import Reflex

        boot = {
            "name": self.names["hydrate"],
            "payload": {"vars": dict(self.storage)},
            "router_data": self.router_data(),
        }
        await self.sio.connect(
            f"{self.base_url}?token={self.token}",
            socketio_path="/_event",
            namespaces=[NAMESPACE],
            transports=["websocket"],
            auth={"event": boot},
            # The page's socket asks for the Reflex version as its subprotocol.
            headers={"Sec-WebSocket-Protocol": Reflex.VERSION},
            wait_timeout=timeout_s,
        )

    async def emit(self, name: str, payload: dict[str, Any]) -> None:
        await self.sio.emit(
            "event",
            {"name": name, "payload": payload, "router_data": self.router_data()},
            namespace=NAMESPACE,
        )

    async def close(self) -> None:
        await self.sio.disconnect()


# --- a socket with no client library beyond simple_websocket -------------------------------
#
# python-socketio's clients need websocket-client (``Client``) or aiohttp (``AsyncClient``)
# for the websocket transport; the app's own dependencies bring neither, but they do bring
# simple_websocket (the server's). ``BareSocket`` writes the engine.io v4 / socket.io frames
# itself, as tests/e2e/test_socket_guard.py does, so the probes run in the app's virtualenv.


class BareSocket:
    """One tab's socket: engine.io v4 + socket.io frames over a plain websocket.

    ``token=False`` opens it without ``?token=`` (Reflex links no state to it). ``storage``
    (the tab's client storage, e.g. ``{names["token_var"]: <bearer>}``) sends the page's
    hydrate in the CONNECT packet, as state.js does, so the page's on_load runs signed in.
    """

    def __init__(self, base_url: str, *, token: bool = True, path: str = "/",
                 storage: dict[str, str] | None = None, hydrate: str = "",
                 timeout_s: float = 30.0) -> None:  # fmt: skip
        import simple_websocket
        from reflex_base.constants import Reflex

        self.token = str(uuid.uuid4()) if token else ""
        self.path = path
        self.updates: list[dict[str, Any]] = []
        self.texts: list[str] = []  # each update as the JSON text it came as
        query = f"&token={self.token}" if token else ""
        url = base_url.replace("http", "ws", 1)
        self.ws = simple_websocket.Client.connect(
            f"{url}/_event/?EIO=4&transport=websocket{query}", subprotocols=[Reflex.VERSION]
        )
        auth: dict[str, Any] = {}
        if storage is not None:
            auth = {"event": self._event(hydrate, {"vars": storage})}
        # Sent before reading the engine.io OPEN: simple_websocket's handshake leaves a frame
        # that came with the 101 response unread until more data arrives (see the e2e test).
        self.ws.send(f"40{NAMESPACE},{json.dumps(auth)}")
        opened = self._frame(timeout_s)
        if not opened.startswith("0"):
            raise ConnectionError(f"not an engine.io OPEN: {opened[:200]!r}")
        deadline = time.monotonic() + timeout_s
        while True:
            frame = self._frame(max(deadline - time.monotonic(), 0.01))
            if frame.startswith(f"40{NAMESPACE},"):
                break
            if frame.startswith(f"44{NAMESPACE},"):
                raise ConnectionError(f"connect refused: {frame[:200]!r}")
            self._take(frame)

    def _event(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": self.path, "asPath": self.path},
        }

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
                self.texts.append(data if isinstance(data, str) else json.dumps(data))
                self.updates.append(json.loads(data) if isinstance(data, str) else data)

    def emit_data(self, data: Any) -> None:
        """An ``event`` message whose data is ``data`` as given (a dict, or a string)."""
        self.ws.send(f"42{NAMESPACE},{json.dumps(['event', data])}")

    def emit(self, name: str, payload: dict[str, Any]) -> None:
        self.emit_data(self._event(name, payload))

    def until(self, done, timeout_s: float) -> bool:
        """Read what the server sends until ``done()`` is true (True) or the timeout (False)."""
        deadline = time.monotonic() + timeout_s
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            frame = self.ws.receive(timeout=min(left, 0.5))
            if frame is not None:
                self._take(frame if isinstance(frame, str) else frame.decode())
        return True

    def close(self) -> None:
        self.ws.close()
