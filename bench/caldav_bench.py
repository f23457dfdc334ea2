"""What a CalDAV client's sync of a 5,000-task collection costs (the CalDAV server, /dav/).

One list of ``--tasks`` tasks (imported in bulk through ``interop.import_json``, the service
``POST /api/import`` uses: tags, descriptions, dates, times, priorities) on a fresh SQLite
database in a temporary folder (or ``--db-url``). The CalDAV app and the REST API are served
by uvicorn in a child process (``--serve``, one worker, as tests/interop run them); this
process is the client: httpx, HTTP Basic with a ``caldav`` personal access token, one
keep-alive connection, as a phone's sync does it.

- ``initial``: a sync-collection REPORT with an empty token (hrefs and ETags), then
  calendar-multiget REPORTs of every href in batches of ``--batch`` (calendar-data and
  getetag): what a client's first sync of the list costs. ``--initial-rounds`` times.
- ``incremental``: after one task changed through the services (``writes.update_task``, not
  timed), a client's whole round: PROPFIND for getctag (it must have changed), then
  sync-collection with the previous token (must report exactly that href), then a multiget
  of it; each step's time is printed below it. ``--rounds`` times, alternating with:
- ``baseline``: the same PROPFIND depth 0 (displayname and getctag) with nothing changed
  since the last (getctag must be the same): what a client (Thunderbird, DAVx5) asks on
  every poll, before deciding to sync at all;
- ``floor``: PROPFIND depth 0 for displayname only: the request's fixed cost (auth, routing,
  XML) without reading the collection's tasks.

Each phase prints n, median, p95 and mean in ms, and its ratios to the baseline's and the
floor's medians. Every answer is checked (status, number of hrefs, calendar data); a
phase that got no samples makes the exit status 1.

    python bench/caldav_bench.py [--tasks 5000] [--batch 100] [--rounds 30]
                                 [--initial-rounds 3] [--db-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAV = "{DAV:}"
CAL = "{urn:ietf:params:xml:ns:caldav}"
SYNC_BODY = """<?xml version="1.0" encoding="utf-8"?>
<d:sync-collection xmlns:d="DAV:">
  <d:sync-token>{token}</d:sync-token>
  <d:sync-level>1</d:sync-level>
  <d:prop><d:getetag/></d:prop>
</d:sync-collection>"""
MULTIGET_BODY = """<?xml version="1.0" encoding="utf-8"?>
<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data/></d:prop>
{hrefs}
</c:calendar-multiget>"""
PROPFIND_BODY = """<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
  <d:prop>{props}</d:prop>
</d:propfind>"""
CTAG_PROPS = "<d:displayname/><cs:getctag/>"
FLOOR_PROPS = "<d:displayname/>"
XML = {"Content-Type": "application/xml; charset=utf-8"}
START_TIMEOUT_S = 60


def _settings(data: Path, db_url: str | None) -> None:
    """Settings are read once, at first import: a throwaway data folder and database (the
    child server inherits them)."""
    os.environ.update(
        TODO_DATA_DIR=str(data),
        REFLEX_DB_URL=db_url or f"sqlite:///{data}/bench.db",
        TODO_ENV="test",
        TODO_BCRYPT_ROUNDS="4",
        TODO_SIGN_UPS_PER_HOUR="0",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    os.environ.pop("REFLEX_REDIS_URL", None)


# --- the server (child process) -----------------------------------------------------------


def serve(port: int) -> None:
    """The CalDAV app for /dav and /.well-known, the REST API for the rest (as the tests)."""
    import uvicorn

    from todo_app.api.app import create_api
    from todo_app.auth import access_tokens
    from todo_app.interop.caldav.app import create_dav_app

    # A client's sync is many requests; the token's per-minute guard is not what is measured.
    access_tokens.rate_limiter.limit = 10**9
    dav, api = create_dav_app(), create_api()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        target = dav if scope.get("path", "").startswith(("/dav", "/.well-known")) else api
        await target(scope, receive, send)

    uvicorn.run(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)], stdout=out, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not listen in {START_TIMEOUT_S} s")


# --- data ---------------------------------------------------------------------------------


def document(n: int) -> dict[str, Any]:
    """One list of ``n`` tasks, as ``GET /api/export`` writes them."""
    from todo_app.tasks import order_keys

    keys = order_keys.spread(n)
    tasks = [
        {
            "id": f"t{i}",
            "title": f"Task number {i}",
            "description": "Some words about it. " * (i % 5),
            "completed": i % 9 == 0,
            "created_at": "2026-11-01T10:00:00+00:00",
            "list_id": "l0",
            "parent_id": None,
            "position": keys[i],
            "priority": ("none", "low", "medium", "high")[i % 4],
            "tags": [f"tag{i % 30}", "bench"] if i % 2 else [],
            "due_date": f"2027-0{1 + i % 9}-1{i % 9}" if i % 3 == 0 else None,
            "due_time": "09:30" if i % 6 == 0 else None,
            "recurrence": None,
            "reminders": [{"minutes_before": 15}] if i % 6 == 0 else [],
            "assignee": None,
            "completions": [],
        }
        for i in range(n)
    ]
    lists = [{"id": "l0", "name": "Bench", "position": 0, "add_on_top": False, "members": []}]
    return {"format": "todo-export", "version": 1, "lists": lists, "tasks": tasks}


# --- the client ---------------------------------------------------------------------------


def responses(body: bytes) -> list[ET.Element]:
    return ET.fromstring(body).findall(f"{DAV}response")  # noqa: S314 (our server, 127.0.0.1)


def sync_collection(client: Any, path: str, token: str) -> tuple[list[str], str, int]:
    """(changed hrefs, the new token, removed count)."""
    r = client.request(
        "REPORT",
        path,
        content=SYNC_BODY.format(token=token),
        headers={**XML, "Depth": "0"},
    )
    if r.status_code != 207:
        raise RuntimeError(f"sync-collection: {r.status_code} {r.text[:300]}")
    root = ET.fromstring(r.content)  # noqa: S314 (our server's answer, on 127.0.0.1)
    new_token = root.findtext(f"{DAV}sync-token") or ""
    changed, removed = [], 0
    for item in root.findall(f"{DAV}response"):
        href = item.findtext(f"{DAV}href") or ""
        status = item.findtext(f"{DAV}status") or ""
        if " 404 " in status:
            removed += 1
        elif not href.rstrip("/").endswith(path.rstrip("/")):
            changed.append(href)
    if not new_token:
        raise RuntimeError("sync-collection: no sync-token in the answer")
    return changed, new_token, removed


def multiget(client: Any, path: str, hrefs: list[str]) -> int:
    """Bytes of calendar data received; every href must come back with its data."""
    body = MULTIGET_BODY.format(hrefs="\n".join(f"  <d:href>{h}</d:href>" for h in hrefs))
    r = client.request("REPORT", path, content=body, headers={**XML, "Depth": "1"})
    if r.status_code != 207:
        raise RuntimeError(f"calendar-multiget: {r.status_code} {r.text[:300]}")
    got = 0
    size = 0
    for item in responses(r.content):
        data = item.findtext(f".//{CAL}calendar-data")
        if data and "BEGIN:VTODO" in data:
            got += 1
            size += len(data)
    if got != len(hrefs):
        raise RuntimeError(f"calendar-multiget: {got} of {len(hrefs)} with calendar data")
    return size


def propfind(client: Any, path: str, props: str) -> str:
    """The collection's getctag (empty when not asked for)."""
    body = PROPFIND_BODY.format(props=props)
    r = client.request("PROPFIND", path, content=body, headers={**XML, "Depth": "0"})
    if r.status_code != 207 or "displayname" not in r.text:
        raise RuntimeError(f"PROPFIND: {r.status_code} {r.text[:300]}")
    if "getctag" not in props:
        return ""
    ctag = ET.fromstring(r.content).findtext(".//{http://calendarserver.org/ns/}getctag")  # noqa: S314
    if not ctag:
        raise RuntimeError(f"PROPFIND: no getctag in {r.text[:300]}")
    return ctag


def stats(values: list[float]) -> tuple[float, float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, statistics.fmean(ordered)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100, help="hrefs per calendar-multiget")
    parser.add_argument("--rounds", type=int, default=30, help="incremental + baseline rounds")
    parser.add_argument("--initial-rounds", type=int, default=3)
    parser.add_argument("--db-url", default=None)
    parser.add_argument("--serve", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:  # the child: settings come from the parent's environment
        serve(args.serve)
        return 0

    data = Path(tempfile.mkdtemp(prefix="todo-caldav-bench-"))
    _settings(data, args.db_url)

    import httpx
    from sqlmodel import SQLModel

    from todo_app.auth import access_tokens
    from todo_app.auth import service as auth_service
    from todo_app.db import get_engine
    from todo_app.interop.import_json import import_document
    from todo_app.lists import service as lists
    from todo_app.tasks import queries, writes
    from todo_app.tasks.types import TaskQuery

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    user_id = auth_service.sign_up(email, "correct horse battery", "Bench").user.id
    token = access_tokens.create(user_id, "bench", ["caldav"], None).token
    start = time.perf_counter()
    import_document(user_id, document(args.tasks))
    (bench_list,) = [item for item in lists.list_lists(user_id) if item.name == "Bench"]
    page = queries.list_tasks(user_id, query=TaskQuery(list_id=str(bench_list.id), limit=100))
    print(f"{'set-up':>12}: {time.perf_counter() - start:8.2f} s  {page.total} tasks in one list")
    if page.total != args.tasks:
        print(f"set-up made {page.total} tasks, not {args.tasks}", file=sys.stderr)
        return 1
    engine.dispose()

    port = free_port()
    server = start_server(port, data / "server.log")
    path = f"/dav/calendars/{user_id}/{bench_list.id}/"
    samples: dict[str, list[float]] = {
        "initial": [],
        "incremental": [],
        "baseline": [],
        "floor": [],
    }
    extra: dict[str, Any] = {}
    steps: dict[str, list[float]] = {"  poll": [], "  sync": [], "  multiget": []}

    def timed(name: str, run: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            result = run()
        except Exception as exc:  # a failed sample is no sample, and the exit says so
            print(f"{name:>12}: FAILED {type(exc).__name__}: {exc}"[:400])
            return None
        samples[name].append((time.perf_counter() - start) * 1000)
        return result

    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", auth=(email, token), timeout=120
        ) as client:
            propfind(client, path, CTAG_PROPS)  # warm-up: connection, imports, first queries

            def initial() -> tuple[str, int, int]:
                hrefs, new_token, _ = sync_collection(client, path, "")
                if len(hrefs) != args.tasks:
                    raise RuntimeError(f"sync-collection listed {len(hrefs)} of {args.tasks}")
                size = 0
                for i in range(0, len(hrefs), args.batch):
                    size += multiget(client, path, hrefs[i : i + args.batch])
                return new_token, len(hrefs), size

            token_now = ""
            for _ in range(args.initial_rounds):
                got = timed("initial", initial)
                if got:
                    token_now, extra["hrefs"], extra["bytes"] = got

            ids = [t.id for t in page.items]

            ctag_now = propfind(client, path, CTAG_PROPS)

            def incremental() -> tuple[str, str]:
                """A client's round after one change: poll, sync, fetch (each step timed)."""
                start = time.perf_counter()
                ctag = propfind(client, path, CTAG_PROPS)
                if ctag == ctag_now:
                    raise RuntimeError("getctag did not change after a change")
                polled = time.perf_counter()
                changed, new_token, removed = sync_collection(client, path, token_now)
                if len(changed) != 1 or removed or not changed[0].endswith(".ics"):
                    raise RuntimeError(f"expected one changed href, got {changed} (-{removed})")
                synced = time.perf_counter()
                multiget(client, path, changed)
                done = time.perf_counter()
                steps["  poll"].append((polled - start) * 1000)
                steps["  sync"].append((synced - polled) * 1000)
                steps["  multiget"].append((done - synced) * 1000)
                return new_token, ctag

            def unchanged() -> None:
                if propfind(client, path, CTAG_PROPS) != ctag_now:
                    raise RuntimeError("getctag changed with nothing changed")

            for i in range(args.rounds):
                writes.update_task(user_id, ids[i % len(ids)], title=f"Changed {i}")
                if token_now:  # not after a failed round: its token is unknown
                    got = timed("incremental", incremental)
                    token_now, ctag_now = got if got else ("", ctag_now)
                timed("baseline", unchanged)
                timed("floor", lambda: propfind(client, path, FLOOR_PROPS))
    finally:
        server.terminate()
        server.wait(timeout=20)

    print(
        f"{'':>12}   {'n':>4} {'median ms':>10} {'p95 ms':>10} {'mean ms':>10}"
        f" {'/baseline':>10} {'/floor':>8}"
    )
    nan = float("nan")
    base = statistics.median(samples["baseline"]) if samples["baseline"] else nan
    floor = statistics.median(samples["floor"]) if samples["floor"] else nan
    phases = list(samples.items())
    for name, got in [*phases[:2], *steps.items(), *phases[2:]]:
        if got:
            median, p95, mean = stats(got)
            print(
                f"{name:>12}   {len(got):>4} {median:>10.1f} {p95:>10.1f} {mean:>10.1f}"
                f" {median / base:>10.2f} {median / floor:>8.1f}"
            )
    if samples["initial"]:
        per = statistics.median(samples["initial"]) / (extra.get("hrefs") or 1) * 1000
        print(
            f"initial sync: {extra.get('hrefs')} hrefs, {extra.get('bytes', 0) / 1e6:.1f} MB of"
            f" calendar data, in batches of {args.batch}: {per:.0f} us a task"
        )
    from _common import exit_status  # (late: the settings above are read once, at import)

    return exit_status(samples)


if __name__ == "__main__":
    sys.exit(main())
