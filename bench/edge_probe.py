"""Probe a running server the way issue 11's review did, and print what each probe found.

    python bench/edge_probe.py --url http://127.0.0.1:3000 [--pid PID]

Each probe is one finding of the review: concurrent guesses against the sign-in throttle, a
lockout from another address (the loopback network gives a client its own source address,
127.0.0.2 and 127.0.0.3), a 50 MB body, what a 422 echoes, inputs that used to give 500s,
the security headers, CORS on Reflex's own routes, sign-up with a registered email, common
passwords, and a create with another user's task id. ``--pid`` (the server's process) adds the
memory of its process tree before and after the 50 MB body. The websocket's findings are proved by
``tests/e2e/test_socket_guard.py``, which needs a socket client this script does without.

It makes its own accounts (random emails), so it can run against any server, but it does
fail sign-ins on purpose: point it at a scratch server, not one people use.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import uuid
from collections import Counter
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--pid", type=int, help="the backend's process id, for its memory")
    args = parser.parse_args()
    probes = (
        ("1 concurrent guesses", lambda: concurrent_guesses(args.url)),
        ("2 lockout by anyone", lambda: lockout(args.url)),
        ("3 request size", lambda: big_body(args.url, args.pid)),
        ("4 echo", lambda: echo(args.url)),
        ("5 bad inputs", lambda: bad_inputs(args.url)),
        ("6 headers", lambda: headers(args.url)),
        ("7 CORS", lambda: cors(args.url)),
        ("9 enumeration", lambda: enumeration(args.url)),
        ("10 foreign id", lambda: foreign_id(args.url)),
    )
    for name, probe in probes:
        try:
            print(f"{name}: {probe()}")
        except Exception as exc:  # a probe that breaks says so and the others still run
            print(f"{name}: probe failed: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
