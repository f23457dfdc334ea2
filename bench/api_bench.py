"""What the REST API costs: ``GET /api/tasks`` (50 tasks) against a bare route, same server.

Both routes are served by one granian process (the server ``reflex run --env prod`` uses) on
127.0.0.1, from one SQLite database holding one user's 50 tasks:

- ``/api/tasks``: the real thing: bearer check (JWT + session and user rows), FastAPI,
  ``tasks.queries.list_tasks_in`` (page with tags + count) on the session check's connection,
  the JSON ``TaskList`` documents;
- ``/bare/tasks``: a plain Starlette route running the same two queries on the same engine
  with SQLAlchemy Core and returning the same JSON, with no authentication.

Each measurement is a fixed time of keep-alive requests from several client threads;
the two routes alternate (ABBA order) so drift in machine load hits both alike. The figure
that matters is the ratio, since absolute rates depend on the machine.

    python bench/api_bench.py [--rounds 6] [--seconds 3] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import _common as c

TASKS = 50
SERVER_TARGET = "api_bench:serving_app"
BENCH_DIR = Path(__file__).resolve().parent


# --- the server side (imported by granian) ------------------------------------------------


def bare_page(owner: uuid.UUID) -> dict[str, object]:
    """The baseline: the list query and its count, straight from the engine with Core."""
    import sqlalchemy as sa

    from todo_app.db import get_engine
    from todo_app.models import Task

    table = Task.__table__  # type: ignore[attr-defined]
    where = table.c.owner_id == owner
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.select(table.c.id, table.c.title, table.c.description, table.c.completed,
                      table.c.version, table.c.created_at, table.c.updated_at)
            .where(where)
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(TASKS)
        ).all()  # fmt: skip
        total = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar()
    items = [
        {
            "id": str(row.id),
            "title": row.title,
            "description": row.description,
            "completed": row.completed,
            "created_at": row.created_at.isoformat(),
            "updated_at": row.updated_at.isoformat(),
            "version": row.version,
        }
        for row in rows
    ]
    return {"items": items, "total": total}


def _bare_tasks(request: object) -> object:
    from starlette.responses import JSONResponse

    return JSONResponse(bare_page(uuid.UUID(request.query_params["owner"])))  # type: ignore[attr-defined]


def serving_app() -> object:
    """granian's factory: /api/* to the REST API, /bare/tasks to the baseline."""
    from starlette.applications import Starlette
    from starlette.routing import Route

    from todo_app.api.app import ApiFirst, create_api

    return ApiFirst(create_api(), Starlette(routes=[Route("/bare/tasks", _bare_tasks)]))


# --- the client side ----------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]


def _seed(data_dir: Path) -> tuple[Target, Target]:
    """A migrated database with one user and their tasks; the two routes to compare."""
    os.environ.update(
        TODO_DATA_DIR=str(data_dir),
        REFLEX_DB_URL=f"sqlite:///{data_dir / 'bench.db'}",
        TODO_ENV="development",
        TODO_BCRYPT_ROUNDS="4",  # sign-up speed is not what is measured
    )
    from todo_app.auth import service as auth_service
    from todo_app.db import migrate
    from todo_app.tasks import writes

    migrate()
    user = auth_service.sign_up("bench@example.com", "bench password 1")
    for n in range(TASKS):
        writes.create_task(user.user.id, f"Task {n}", "Some notes " * 5)
    return (
        Target("api", "/api/tasks", {"Authorization": f"Bearer {user.token}"}),
        Target("bare", f"/bare/tasks?owner={user.user.id}", {}),
    )


def _get(port: int, target: Target) -> dict[str, object]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{target.path}", headers=target.headers
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (our own server)
        return json.loads(response.read())


def _start_server(port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--no-ws",
        "--log-level", "warning", "--working-dir", str(BENCH_DIR), SERVER_TARGET,
    ]  # fmt: skip
    with log.open("wb") as out:
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _wait_ready(port: int, target: Target, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text()}")
        try:
            _get(port, target)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer within 60 s:\n{log.read_text()}")


def _hammer(port: int, target: Target, until: float, counts: list[int], errors: list[int]) -> None:
    """One keep-alive connection sending requests back to back until ``until``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    done = failed = 0
    while time.monotonic() < until:
        conn.request("GET", target.path, headers=target.headers)
        response = conn.getresponse()
        response.read()
        done += 1
        failed += response.status != 200
    conn.close()
    counts.append(done)
    errors.append(failed)


def measure(port: int, target: Target, seconds: float, concurrency: int) -> float:
    """Requests per second over ``seconds`` with ``concurrency`` connections."""
    counts: list[int] = []
    errors: list[int] = []
    start = time.monotonic()
    until = start + seconds
    threads = [
        threading.Thread(target=_hammer, args=(port, target, until, counts, errors))
        for _ in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if sum(errors):
        raise SystemExit(f"{target.name}: {sum(errors)} answers were not 200")
    return sum(counts) / (time.monotonic() - start)


def _median_ms(call: Callable[[], object], repeat: int = 200) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def breakdown(token: str) -> dict[str, float]:
    """Where one API request's time goes, in this process, one call at a time (ms)."""
    from todo_app.api.schemas_tasks import TaskList, task_list_json
    from todo_app.auth import service as auth_service
    from todo_app.auth import tokens
    from todo_app.settings import get_settings
    from todo_app.tasks import queries
    from todo_app.tasks.types import TaskQuery

    claims = tokens.decode_token(token)
    auth = auth_service.authenticate(token)
    page = queries.list_tasks(auth.user.id)

    def check_and_read() -> object:
        return auth_service.read_signed_in(
            claims, lambda conn, auth: queries.list_tasks_in(conn, auth.user.id, TaskQuery())
        )

    return {
        "token check, first request of a token (JWT signature and claims)": _median_ms(
            lambda: tokens._verified.__wrapped__(get_settings().secret_key, token)
        ),
        "token check, every later request (expiry only)": _median_ms(
            lambda: tokens.decode_token(token)
        ),
        "session check + page + count on one connection (what the route runs)": _median_ms(
            check_and_read
        ),
        "  of which tasks.queries.list_tasks alone": _median_ms(
            lambda: queries.list_tasks(auth.user.id)
        ),
        "JSON (task_list_json)": _median_ms(lambda: task_list_json(page)),
        "  for comparison, TaskList response models + JSON": _median_ms(
            lambda: TaskList.model_validate(page).model_dump_json()
        ),
        "for comparison, the bare route's queries + JSON": _median_ms(
            lambda: json.dumps(bare_page(auth.user.id))
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6, help="measurements per route (even)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measurement")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections")
    args = parser.parse_args()

    scratch = c.scratch_dir("bench-api-")
    api, bare = _seed(scratch)
    port = c.free_port()
    log = scratch / "server.log"
    server = _start_server(port, log)
    try:
        _wait_ready(port, bare, server, log)
        api_ids = [task["id"] for task in _get(port, api)["items"]]  # type: ignore[union-attr]
        bare_ids = [task["id"] for task in _get(port, bare)["items"]]  # type: ignore[union-attr]
        assert api_ids == bare_ids and len(api_ids) == TASKS, "the routes must return the same rows"
        measure(port, api, 1.0, args.concurrency)  # warm-up: threads, caches, pools
        measure(port, bare, 1.0, args.concurrency)
        rates: dict[str, list[float]] = {"api": [], "bare": []}
        for n in range(args.rounds):
            order = (api, bare) if n % 4 in (0, 3) else (bare, api)  # ABBA
            for target in order:
                rates[target.name].append(measure(port, target, args.seconds, args.concurrency))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)

    api_rps, bare_rps = statistics.median(rates["api"]), statistics.median(rates["bare"])
    print(f"GET /api/tasks, {TASKS} tasks, granian 1 worker, {args.concurrency} connections, "
          f"{args.rounds} x {args.seconds:g} s per route, interleaved")  # fmt: skip
    for name, values in rates.items():
        print(f"  {name:5} median {statistics.median(values):7.0f} req/s   rounds: "
              + " ".join(f"{v:.0f}" for v in values))  # fmt: skip
    print(f"  ratio api/bare: {api_rps / bare_rps:.2f}  "
          f"(the API serves {api_rps / bare_rps:.0%} of the bare route's rate)")  # fmt: skip
    print("where an API request's time goes (in-process, median of 200 calls):")
    for step, ms in breakdown(api.headers["Authorization"].removeprefix("Bearer ")).items():
        print(f"  {ms:6.2f} ms  {step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
