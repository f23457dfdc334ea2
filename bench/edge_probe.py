"""Probe a running server the way issue 11's review did, and print what each probe found.

    python bench/edge_probe.py --url http://127.0.0.1:3000 [--pid PID] [--only stall,revoked]

Each probe is one finding of the review: concurrent guesses against the sign-in throttle, a
lockout from another address (the loopback network gives a client its own source address,
127.0.0.2 and 127.0.0.3), a 50 MB body, what a 422 echoes, inputs that used to give 500s,
the security headers, CORS on Reflex's own routes, sign-up with a registered email, common
passwords, and a create with another user's task id. ``--pid`` (the server's process) adds the
memory of its process tree before and after the 50 MB body. The websocket's findings are proved by
``tests/e2e/test_socket_guard.py``, which needs a socket client this script does without.

Issue 15's probes (``--only stall,revoked``) each run while a second client times ``GET
/ping`` in a loop, and report that latency's max and p50 beside the probe's own result:

- ``eyj``: three 100 kB frames of ``"eyJ" * 33334`` as a string event's data, on a socket
  opened without ``?token=`` (Reflex then logs the frame, and the log redaction runs on it);
  ``eyj-token`` sends the same on a socket with a token (Reflex logs a string's data too);
- ``preview``: 20 ``TaskState.preview_repeat`` events from a signed-out socket, with
  ``FREQ=DAILY;INTERVAL=7;BYDAY=<a weekday seven-day steps from today (UTC) never reach>``;
- ``title``: ``PATCH /api/tasks/{id}`` with a title of ``"a" + " " * 60000 + "b"``;
- ``revoked``: a signed-in tab on the task page whose session is then ended through
  ``POST /api/auth/sign-out``; the same user's other session creates a task with a
  description, and the probe says whether the old socket received it.

``stall`` names all but ``revoked``, ``issue15`` all of them. Every wait is bounded, so the
script ends by itself.

It makes its own accounts (random emails), so it can run against any server, but it does
fail sign-ins on purpose: point it at a scratch server, not one people use. Start the server
with ``TODO_SIGN_UPS_PER_HOUR=0`` (no sign-up limit) to run every probe more than once.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime as dt
import json
import statistics
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

PASSWORD = "correct horse battery"  # noqa: S105  (the probe accounts' password)
LONE_SURROGATE = '"Secret\\udc00Pass"'  # the JSON escape, as an attacker sends it
HEADERS = (
    "content-security-policy",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
)


def _client(url: str, source: str = "127.0.0.1") -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=url, transport=transport, timeout=60)


def _email() -> str:
    return f"probe-{uuid.uuid4().hex[:10]}@example.com"


def _sign_up(client: httpx.Client, email: str) -> dict[str, Any]:
    response = client.post("/api/auth/sign-up", json={"email": email, "password": PASSWORD})
    response.raise_for_status()
    return response.json()


def _statuses(responses: list[httpx.Response]) -> str:
    counts = sorted(Counter(r.status_code for r in responses).items())
    return ", ".join(f"{n} x {code}" for code, n in counts)


def concurrent_guesses(url: str) -> str:
    with _client(url, "127.0.0.4") as client:
        email = _email()
        _sign_up(client, email)
    body = {"email": email, "password": "wrong password here"}

    def guess(_: int) -> httpx.Response:
        with _client(url, "127.0.0.4") as own:
            return own.post("/api/auth/sign-in", json=body)

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        results = list(pool.map(guess, range(12)))
    return f"12 wrong passwords at once: {_statuses(results)} (limit 5 per 15 min)"


def lockout(url: str) -> str:
    with _client(url, "127.0.0.2") as owner, _client(url, "127.0.0.3") as attacker:
        email = _email()
        _sign_up(owner, email)
        for _ in range(6):
            attacker.post("/api/auth/sign-in", json={"email": email, "password": "wrong guess"})
        right = owner.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
    return (
        "6 wrong from 127.0.0.3, then the owner's right password from 127.0.0.2: "
        f"{right.status_code}"
    )


def big_body(url: str, pid: int | None) -> str:
    memory = _rss(pid)
    body = b'{"email": "a@example.com", "password": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    with _client(url) as client:
        response = client.post(
            "/api/auth/sign-in", content=body, headers={"content-type": "application/json"}
        )
    after = _rss(pid)
    grown = f"; backend RSS {memory} → {after} MiB" if pid else ""
    return (
        f"50 MB sign-in body: {response.status_code}, reply {len(response.content):,} bytes{grown}"
    )


def _rss(pid: int | None) -> int | None:
    if pid is None:
        return None
    import psutil

    root = psutil.Process(pid)
    tree = [root, *root.children(recursive=True)]
    return sum(process.memory_info().rss for process in tree) // 2**20


def echo(url: str) -> str:
    with _client(url) as client:
        short = client.post("/api/auth/sign-up", json={"email": _email(), "password": "Sec7et!"})
        long = client.post("/api/auth/sign-in", json={"email": _email(), "password": "Q" * 200})
    cases = (("sign-up's short", short, "Sec7et!"), ("sign-in's long", long, "Q" * 200))
    leaked = [name for name, reply, secret in cases if secret in reply.text]
    return (
        f"422 for a short sign-up / a long sign-in password: {short.status_code} / "
        f"{long.status_code}; password echoed in: {', '.join(leaked) or 'none'}"
    )


def bad_inputs(url: str) -> str:
    with _client(url) as client:
        email = _email()
        token = _sign_up(client, email)["token"]
        auth = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        results = {
            "lone surrogate in sign-in": client.post(
                "/api/auth/sign-in",
                content=f'{{"email": "{email}", "password": {LONE_SURROGATE}}}',
                headers={"content-type": "application/json"},
            ),
            "lone surrogate in a title": client.post(
                "/api/tasks", content='{"title": "a\\udc00b"}', headers=auth
            ),
            "1e999 as a priority": client.post(
                "/api/tasks", content='{"title": "x", "priority": 1e999}', headers=auth
            ),
            "offset=2**63": client.get("/api/tasks", params={"offset": str(2**63)}, headers=auth),
        }
    return "; ".join(f"{name}: {r.status_code}" for name, r in results.items())


def headers(url: str) -> str:
    lines = []
    with _client(url) as client:
        for path in ("/", "/login", "/api/tasks", "/api/docs"):
            response = client.get(path)
            missing = [name for name in HEADERS if name not in response.headers]
            lines.append(f"{path}: missing {', '.join(missing) or 'none'}")
        docs = client.get("/api/docs").text
    cdn = "cdn.jsdelivr.net" in docs or "unpkg.com" in docs
    return "; ".join(lines) + f"; /api/docs loads from a CDN: {'yes' if cdn else 'no'}"


def cors(url: str) -> str:
    with _client(url) as client:
        evil = client.get("/ping", headers={"origin": "https://evil.example"})
        own = client.get("/ping", headers={"origin": url})
    return (
        "Access-Control-Allow-Origin on /ping for https://evil.example: "
        f"{evil.headers.get('access-control-allow-origin', 'none')}; "
        f"for its own origin: {own.headers.get('access-control-allow-origin', 'none')}"
    )


def enumeration(url: str) -> str:
    with _client(url, "127.0.0.5") as client:
        email = _email()
        _sign_up(client, email)
        taken = client.post(
            "/api/auth/sign-up", json={"email": email, "password": "another long one"}
        )
        weak = {
            password: client.post(
                "/api/auth/sign-up", json={"email": _email(), "password": password}
            ).status_code
            for password in ("password", "12345678", " " * 8)
        }
    return (
        f"sign-up with a registered email: {taken.status_code} {taken.json()['detail']!r}; "
        f"common passwords: {json.dumps(weak)}"
    )


def foreign_id(url: str) -> str:
    with _client(url) as client:
        alice = {"authorization": f"Bearer {_sign_up(client, _email())['token']}"}
        bob = {"authorization": f"Bearer {_sign_up(client, _email())['token']}"}
        task = client.post("/api/tasks", json={"title": "Bob's"}, headers=bob).json()
        again = client.post("/api/tasks", json={"title": "Mine", "id": task["id"]}, headers=alice)
    return f"creating with another user's task id: {again.status_code}"


# --- issue 15: one client stalls everyone; a revoked tab keeps reading ----------------------

PING_TIMEOUT_S = 300.0  # one /ping may wait this long (the 'before' stalls took tens of s)
PING_GAP_S = 0.05  # between two /pings of the meter
SETTLE_S = 0.5  # the meter runs this long before and after a probe
STALL_TIMEOUT_S = 300.0  # the longest any stall probe waits for its own answer
LIVE_WAIT_S = 5.0  # how long the revoked tab is watched for the row
EYJ_FRAME = "eyJ" * 33_334  # 100 kB: the log redaction's JWT pattern backtracks on it
TITLE_SPACES = 60_000
PREVIEW_CALLS = 20
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class PingMeter:
    """``GET /ping`` in a loop from its own thread and connection, while a probe runs.

    A /ping still waiting when the probe ends is waited for (up to ``PING_TIMEOUT_S``), so
    the max is the whole stall the probe caused.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.latencies: list[float] = []
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ping-meter", daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=PING_TIMEOUT_S) as client:
            while not self._stop.is_set():
                began = time.perf_counter()
                try:
                    client.get("/ping").raise_for_status()
                except httpx.HTTPError:
                    self.errors += 1
                self.latencies.append(time.perf_counter() - began)
                self._stop.wait(PING_GAP_S)

    def __enter__(self) -> PingMeter:
        self._thread.start()
        time.sleep(SETTLE_S)
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(SETTLE_S)
        self._stop.set()
        self._thread.join(PING_TIMEOUT_S + 5)

    def summary(self) -> str:
        if not self.latencies:
            return "/ping: no answer"
        errors = f", {self.errors} failed" if self.errors else ""
        return (
            f"/ping max {max(self.latencies):.2f} s, p50 {statistics.median(self.latencies):.3f} s "
            f"({len(self.latencies)} pings{errors})"
        )


def _settle(url: str) -> None:
    """Wait (bounded) until the server answers /ping quickly: the last probe is digested."""
    deadline = time.monotonic() + PING_TIMEOUT_S
    with httpx.Client(base_url=url, timeout=PING_TIMEOUT_S) as client:
        while time.monotonic() < deadline:
            began = time.perf_counter()
            try:
                client.get("/ping")
            except httpx.HTTPError:
                time.sleep(1)
                continue
            if time.perf_counter() - began < 0.5:
                return
    print(f"  (the server still answered /ping slowly after {PING_TIMEOUT_S:.0f} s)")


def _names() -> dict[str, str]:
    """The app's state and handler full names (Reflex's), read from the app's own classes."""
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    from _reflex_ws import state_names

    return state_names()


def eyj_frames(url: str, *, token: bool = False) -> str:
    """Three 100 kB ``eyJ`` frames as the string data of ``event``.

    Without ``?token=`` Reflex logs "Received event from session ... with no associated token
    ... Event data: <the frame>". With a token (``token=True``) it logs "Received event data
    as a string ... Event data: <the frame>", then fails to decode it and the error, whose
    text holds the frame again, is logged with its traceback: the frame is redacted more
    than once.
    """
    from _reflex_ws import BareSocket

    sock = BareSocket(url, token=token)
    try:
        began = time.perf_counter()
        for _ in range(3):
            sock.emit_data(EYJ_FRAME)
        time.sleep(1.0)  # the frames are on the server; this /ping queues behind them
        with httpx.Client(base_url=url, timeout=STALL_TIMEOUT_S) as client:
            client.get("/ping")
        busy = time.perf_counter() - began
    finally:
        with contextlib.suppress(Exception):  # the server may have dropped it meanwhile
            sock.close()
    return (
        f"3 x {len(EYJ_FRAME) // 1000} kB string frames, {'a' if token else 'no'} token: "
        f"a /ping sent 1 s after them answered {busy:.1f} s after the first frame"
    )


def unreachable_weekday(today: dt.date) -> str:
    """A BYDAY that ``FREQ=DAILY;INTERVAL=7`` from ``today`` never reaches: any other day."""
    return WEEKDAYS[(today.weekday() + 1) % 7]


def preview_repeat(url: str) -> str:
    """20 ``preview_repeat`` events from a socket that never signed in (a fresh tab token,
    no hydrate): the rule passes validation, then dateutil walks towards 9999."""
    from _reflex_ws import BareSocket, delta_values

    name = f"{_names()['tasks']}.preview_repeat"
    today = dt.datetime.now(dt.UTC).date()
    rule = f"FREQ=DAILY;INTERVAL=7;BYDAY={unreachable_weekday(today)}"
    sock = BareSocket(url)
    try:
        began = time.perf_counter()
        for _ in range(PREVIEW_CALLS):
            sock.emit(name, {"rule": rule})

        def answered() -> int:
            return sum(1 for u in sock.updates if delta_values(u, "repeat_preview"))

        sock.until(lambda: answered() >= PREVIEW_CALLS, STALL_TIMEOUT_S)
        took = time.perf_counter() - began
        previews = [v for u in sock.updates for v in delta_values(u, "repeat_preview")]
    finally:
        sock.close()
    return (
        f"{PREVIEW_CALLS} x {rule!r} (today {today:%a} UTC), signed out: {answered()} answered "
        f"in {took:.1f} s; last preview {previews[-1] if previews else None!r}"
    )


def spaces_title(url: str) -> str:
    """``PATCH /api/tasks/{id}`` with a 60 kB title of spaces, from a signed-up account."""
    title = "a" + " " * TITLE_SPACES + "b"
    with httpx.Client(base_url=url, timeout=STALL_TIMEOUT_S) as client:
        token = _sign_up(client, _email())["token"]
        auth = {"authorization": f"Bearer {token}"}
        task = client.post("/api/tasks", json={"title": "probe"}, headers=auth)
        task.raise_for_status()
        began = time.perf_counter()
        response = client.patch(
            f"/api/tasks/{task.json()['id']}", json={"title": title}, headers=auth
        )
        took = time.perf_counter() - began
    return f"PATCH with a {len(title):,}-char title: {response.status_code} after {took:.2f} s"


def revoked_tab(url: str) -> str:
    """A signed-in tab on the task page; its session is signed out through the API; the same
    user's other session creates a task with a description: does the old socket get it?"""
    from _reflex_ws import BareSocket

    names = _names()
    with httpx.Client(base_url=url, timeout=60) as http:
        email = _email()
        _sign_up(http, email)
        tokens = []
        for _ in range(2):  # two sessions of one user: the tab's, and another device's
            reply = http.post("/api/auth/sign-in", json={"email": email, "password": PASSWORD})
            reply.raise_for_status()
            tokens.append(reply.json()["token"])
        tab_token, other = tokens
        other_auth = {"authorization": f"Bearer {other}"}
        tab_auth = {"authorization": f"Bearer {tab_token}"}

        sock = BareSocket(
            url, path="/", storage={names["token_var"]: tab_token}, hydrate=names["hydrate"]
        )
        try:

            def loaded() -> bool:  # the task page's on_load ran: the tab is a live viewer
                deltas = [u.get("delta") or {} for u in sock.updates]
                rows = any("rows_rx_state_" in (d.get(names["tasks"]) or {}) for d in deltas)
                hydrated = any(
                    (d.get(names["root"]) or {}).get("is_hydrated_rx_state_") is True
                    for d in deltas
                )
                return rows and hydrated

            if not sock.until(loaded, 60):
                return "the tab never loaded its task page (no rows in 60 s): not measured"

            def reached(text: str) -> Callable[[], bool]:
                return lambda: any(text in update for update in sock.texts)

            # Control: before the sign-out, a task from the other session reaches the tab.
            control = f"control-{uuid.uuid4().hex[:8]}"
            http.post("/api/tasks", json={"title": control}, headers=other_auth).raise_for_status()
            live = sock.until(reached(control), LIVE_WAIT_S)
            out = http.post("/api/auth/sign-out", headers=tab_auth)
            check = http.get("/api/auth/session", headers=tab_auth)
            before = len(sock.updates)
            secret = f"secret-description-{uuid.uuid4().hex[:8]}"
            body = {"title": "after sign-out", "description": secret}
            http.post("/api/tasks", json=body, headers=other_auth).raise_for_status()
            leaked = sock.until(reached(secret), LIVE_WAIT_S)
            sock.until(lambda: False, 1.0)  # whatever else comes
            later = len(sock.updates) - before
        finally:
            with contextlib.suppress(Exception):
                sock.close()
    return (
        f"control row before sign-out reached the tab: {'yes' if live else 'NO'}; "
        f"sign-out {out.status_code}, its token then {check.status_code} on /api/auth/session; "
        f"the description created afterwards by the other session "
        f"{'REACHED the revoked tab' if leaked else f'did not reach it in {LIVE_WAIT_S:g} s'} "
        f"({later} updates after the sign-out)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, help="the backend's process id, for its memory")
    parser.add_argument(
        "--only",
        help="comma-separated probes to run (default: all): " + ", ".join([*PROBES, *GROUPS]),
    )
    args = parser.parse_args()
    url = args.url.rstrip("/")
    chosen = list(PROBES)
    if args.only:
        chosen = []
        for word in args.only.split(","):
            word = word.strip()
            for key in GROUPS.get(word, (word,)):
                if key not in PROBES:
                    parser.error(f"no probe {key!r}; known: {', '.join([*PROBES, *GROUPS])}")
                if key not in chosen:
                    chosen.append(key)
    for key in chosen:
        title, probe, timed = PROBES[key]
        try:
            if timed:
                _settle(url)
                with PingMeter(url) as meter:
                    result = probe(url, args.pid)
                print(f"{title}: {result}; {meter.summary()}", flush=True)
            else:
                print(f"{title}: {probe(url, args.pid)}", flush=True)
        except Exception as exc:  # a probe that breaks says so and the others still run
            print(f"{title}: probe failed: {type(exc).__name__}: {exc}", flush=True)


Probe = Callable[[str, "int | None"], str]
# key: (printed name, probe, timed with /ping from a second client)
PROBES: dict[str, tuple[str, Probe, bool]] = {
    "guesses": ("1 concurrent guesses", lambda url, _: concurrent_guesses(url), False),
    "lockout": ("2 lockout by anyone", lambda url, _: lockout(url), False),
    "size": ("3 request size", big_body, False),
    "echo": ("4 echo", lambda url, _: echo(url), False),
    "inputs": ("5 bad inputs", lambda url, _: bad_inputs(url), False),
    "headers": ("6 headers", lambda url, _: headers(url), False),
    "cors": ("7 CORS", lambda url, _: cors(url), False),
    "enumeration": ("9 enumeration", lambda url, _: enumeration(url), False),
    "foreign": ("10 foreign id", lambda url, _: foreign_id(url), False),
    "eyj": ("15.1 eyJ frames without a token", lambda url, _: eyj_frames(url), True),
    "eyj-token": (
        "15.1b eyJ frames as string data, tokened socket",
        lambda url, _: eyj_frames(url, token=True),
        True,
    ),
    "preview": ("15.2 signed-out preview_repeat", lambda url, _: preview_repeat(url), True),
    "title": ("15.3 60 kB title of spaces", lambda url, _: spaces_title(url), True),
    "revoked": ("15.4 revoked tab", lambda url, _: revoked_tab(url), True),
}
GROUPS = {
    "stall": ("eyj", "eyj-token", "preview", "title"),
    "issue15": ("eyj", "eyj-token", "preview", "title", "revoked"),
}


if __name__ == "__main__":
    main()
