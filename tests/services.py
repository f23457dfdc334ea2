"""Reaching the real services the tests need, and what to do when one is absent.

Outside CI a missing PostgreSQL, Redis or Chromium skips the tests that need it, with the
reason; with CI=true it fails them, so a green CI run always means they ran.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG_ADMIN_URL = os.environ.get("TODO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TODO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("TODO_CHROMIUM", "/usr/bin/chromium")


def missing(reason: str) -> None:
    """Skip, or fail under CI, because a service the test needs is not there."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure)", pytrace=False)
    pytest.skip(reason)


def require_chromium() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing(f"Chromium not found at {CHROMIUM}; ./test.sh installs it with apt-get")
    return CHROMIUM


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; yields its SQLAlchemy URL and drops it afterwards."""
    try:
        import psycopg

        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except Exception as exc:
        missing(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc}")
    name = f"todo_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
            yield f"{base}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reachable(service: str) -> bool:
    try:
        if service == "postgresql":
            import psycopg

            psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
        elif service == "redis":
            import redis

            redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        else:
            raise SystemExit(f"unknown service {service!r}")
    except Exception as exc:
        print(f"{service} not reachable: {exc}")
        return False
    return True


if __name__ == "__main__":  # python -m tests.services postgresql|redis: exit 0 when reachable
    import sys

    sys.exit(0 if _reachable(sys.argv[1]) else 1)
