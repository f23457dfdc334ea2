"""A minimal Reflex websocket client (python-socketio), speaking what the browser speaks.

Protocol (Reflex 0.10, see /work/shared/notes/reflex-0.10.md §12 and ``state.js``): socket.io
over websocket at ``/_event`` (namespace ``/_event``), query ``token=<uuid per tab>``; events
are ``["event", {name, payload, router_data}]``; answers are ``["event", <JSON update>]`` with
``delta`` and ``events``, one per ``yield``. No hydration is sent: the state is created on the
first event, as for a tab whose hydrate has not run yet, which the handlers used here do not need.
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
