"""Test-wide set-up: every test run gets its own data folder and database.

The environment is set before anything imports todo_app.settings (settings are read once).
``TODO_TEST_DB_URL`` runs the database tests against another server; ``TODO_TEST_DB=postgresql``
makes a fresh PostgreSQL database for this run (and drops it afterwards), as ``./test.sh`` does
for its second pass over the service, state and API tests.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_DATA_DIR = Path(tempfile.mkdtemp(prefix="todo-tests-"))
os.environ["TODO_DATA_DIR"] = str(_DATA_DIR)
_PG_DATABASE = None
if not os.environ.get("TODO_TEST_DB_URL") and os.environ.get("TODO_TEST_DB") == "postgresql":
    from tests.services import fresh_pg_database

    _PG_DATABASE = fresh_pg_database()
    os.environ["TODO_TEST_DB_URL"] = _PG_DATABASE.__enter__()
os.environ["REFLEX_DB_URL"] = os.environ.get("TODO_TEST_DB_URL") or f"sqlite:///{_DATA_DIR}/test.db"
os.environ["TODO_ENV"] = "test"
os.environ.setdefault("TODO_BCRYPT_ROUNDS", "4")
os.environ.setdefault(
    "TODO_SIGN_UPS_PER_HOUR", "0"
)  # tests sign up many users; one test checks the limit
os.environ.pop("REFLEX_REDIS_URL", None)
os.environ["REFLEX_TELEMETRY_ENABLED"] = "false"
os.environ["REFLEX_CHECK_LATEST_VERSION"] = "false"

from sqlmodel import SQLModel  # noqa: E402

pytest_plugins = ("tests.mailbox",)  # the ``mailbox`` fixture: a real SMTP server

from todo_app import models  # noqa: E402, F401
from todo_app.auth import service as auth_service  # noqa: E402
from todo_app.auth.rechecks import rechecks  # noqa: E402
from todo_app.db import get_engine  # noqa: E402
from todo_app.tasks import zone_shift  # noqa: E402

# The cross-feature reactions the app's composition root (todo_app/todo_app.py) wires, for the
# tests that call the services and the API without the Reflex app: a new zone moves timed dues,
# and an account change makes its open pages read their session again.
auth_service.on_zone_change(zone_shift.on_time_zone_change)
if rechecks.mark not in auth_service.account_listeners:
    auth_service.account_listeners.append(rechecks.mark)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in the main thread
    for the rest of the session, which pytest-asyncio's tests cannot start beside."""
    e2e = [item for item in items if "/e2e/" in str(item.path)]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    items[:] = [item for item in items if item not in e2e] + e2e


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _PG_DATABASE is not None:
        get_engine().dispose()
        _PG_DATABASE.__exit__(None, None, None)


def pytest_report_header(config: pytest.Config) -> str:
    return f"todo database: {os.environ['REFLEX_DB_URL']}"


@pytest.fixture
def db() -> Iterator[None]:
    """Empty tables for one test."""
    engine = get_engine()
    SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield
    SQLModel.metadata.drop_all(engine)
