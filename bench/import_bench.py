"""What importing 10,000 tasks costs: wall time and peak memory (issue 19, export/import).

Builds one ``todo-export`` document in this process (``--tasks`` tasks over 20 lists, a
fifth of them sub-tasks, with tags, due dates and times, some repeating, some with
reminders and a completion), then times, on a fresh SQLite database in a temporary folder
(or ``--db-url``):

- ``preview``: ``import_document(dry_run=True)`` (every check and write, rolled back)
- ``import``: the import itself, into an empty account
- ``again``: the same file again (idempotent: every row found and skipped)
- ``export``: ``export_account`` of the imported account
- ``import+tracemalloc``: the import into another empty account with tracemalloc on, for
  the peak of Python allocations (tracemalloc slows it, so its time is not the import's)

Each phase prints its wall time; the process's peak RSS (``ru_maxrss``) is printed at the
end. Exit status: 1 if a phase got no samples (it crashed or never ran), else 0.

    python bench/import_bench.py [--tasks 10000] [--db-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_DATA = Path(tempfile.mkdtemp(prefix="todo-import-bench-"))


def _settings(db_url: str | None) -> None:
    """Settings are read once, at first import: a throwaway data folder and database."""
    os.environ.update(
        TODO_DATA_DIR=str(_DATA),
        REFLEX_DB_URL=db_url or f"sqlite:///{_DATA}/bench.db",
        TODO_ENV="test",
        TODO_BCRYPT_ROUNDS="4",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_CHECK_LATEST_VERSION="false",
    )
    os.environ.pop("REFLEX_REDIS_URL", None)


def build(n: int) -> dict[str, Any]:
    """A document as ``GET /api/export`` writes one."""
    from todo_app.tasks import order_keys

    lists = [{"id": f"l{i}", "name": f"List {i}", "position": i, "add_on_top": True,
              "members": []} for i in range(20)]  # fmt: skip
    keys = order_keys.spread(n)
    tasks: list[dict[str, Any]] = []
    for i in range(n):
        parent = tasks[i - 1] if i % 5 == 4 and tasks[i - 1]["parent_id"] is None else None
        task: dict[str, Any] = {
            "id": f"t{i}",
            "title": f"Task number {i}",
            "description": "Some words about it. " * (i % 8),
            "completed": i % 7 == 0,
            "created_at": "2026-11-01T10:00:00+00:00",
            "list_id": parent["list_id"] if parent else (f"l{i % 20}" if i % 3 else None),
            "parent_id": parent["id"] if parent else None,
            "position": keys[i],
            "priority": ("none", "low", "medium", "high")[i % 4],
            "tags": [f"tag{i % 30}", "bench"] if i % 2 else [],
            "due_date": f"2027-0{1 + i % 9}-1{i % 9}" if i % 3 == 0 else None,
            "due_time": "09:30" if i % 6 == 0 else None,
            "recurrence": {"rule": "FREQ=WEEKLY", "from_completion": False}
            if i % 30 == 0
            else None,
            "reminders": [{"minutes_before": 15}] if i % 6 == 0 else [],
            "assignee": None,
            "completions": [{"completed_at": "2026-11-02T10:00:00+00:00", "due_date": None}]
            if i % 50 == 0
            else [],
        }
        tasks.append(task)
    return {"format": "todo-export", "version": 1, "lists": lists, "tasks": tasks}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--db-url", default=None)
    args = parser.parse_args()
    _settings(args.db_url)

    from sqlmodel import SQLModel

    from todo_app.db import get_engine, session_scope
    from todo_app.interop.export import export_account
    from todo_app.interop.import_json import import_document
    from todo_app.models import User

    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)

    def account() -> uuid.UUID:
        with session_scope() as session:
            user = User(email=f"{uuid.uuid4().hex}@example.com", name="Bench", password_hash="x")  # noqa: S106
            session.add(user)
            session.flush()
            return user.id

    samples: dict[str, list[float]] = {}

    def phase(name: str, run: Any) -> Any:
        start = time.perf_counter()
        try:
            result = run()
        except Exception as exc:  # a crashed phase gets no sample, and the exit says so
            print(f"{name:>20}: FAILED {type(exc).__name__}: {exc}"[:300])
            samples.setdefault(name, [])
            return None
        took = time.perf_counter() - start
        samples.setdefault(name, []).append(took)
        print(f"{name:>20}: {took:8.2f} s  {result}")
        return result

    start = time.perf_counter()
    document = build(args.tasks)
    print(f"{'build':>20}: {time.perf_counter() - start:8.2f} s  {args.tasks} tasks")
    owner = account()
    phase("preview", lambda: import_document(owner, document, dry_run=True).to_dict())
    phase("import", lambda: import_document(owner, document).to_dict())
    phase("again", lambda: import_document(owner, document).to_dict())
    phase("export", lambda: f"{len(export_account(owner)['tasks'])} tasks")

    other = account()
    tracemalloc.start()
    phase("import+tracemalloc", lambda: import_document(other, document).to_dict()["tasks"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{'peak (tracemalloc)':>20}: {peak / 1e6:8.1f} MB of Python allocations")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'peak RSS':>20}: {rss:8.1f} MB (whole process, document included)")
    from _common import exit_status  # (late: the settings above are read once, at import)

    return exit_status(samples)


if __name__ == "__main__":
    sys.exit(main())
