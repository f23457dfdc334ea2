"""``./run.sh --dev``, the hot-reloading development server, stays still when nobody edits code.

Issue 15: SQLite changes ``data/todo.db-wal`` and ``todo.db-shm`` on every reminder-scheduler
tick, and ``reflex run`` watched ``./data``, so the app recompiled every second or two. The test
starts the dev server the way a new user does (default ``./data``, no settings), signs up through
the dev page in Chromium, then counts exactly one compile (the start-up one) after 30 quiet
seconds; then it saves a source file and counts one more, so hot reload itself still works.

It runs in a throw-away copy of the project, not in the checkout itself:
- the dev server compiles into ``<project>/.web``, the folder the session's shared production
  server (``conftest.server``) was built into and serves from; a second Reflex process writing
  there could break it, or be broken by its restart;
- the bug is about the default ``./data`` inside the watched tree, so the test must use that
  layout (no ``TODO_DATA_DIR``), and in the checkout it would write test accounts into the
  developer's own ``data/todo.db``.
The copy holds the sources as they are now (uncommitted edits included), not ``.web``,
``data`` or ``.venv`` (a symlink to the checkout's, so nothing is installed); npm fills the
copy's ``.web`` from its cache.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, screenshot
from tests.services import free_port
from todo_app.settings import PROJECT_ROOT

START_TIMEOUT_S = 300  # a fresh .web: npm install (from the cache), then Vite's first start
QUIET_S = 30
PASSWORD = "correct horse battery"
# One line per compile, printed by Reflex 0.10.1 both at start-up and by every backend worker a
# hot reload starts: "Compiling: ━━━━ 100% 25/24 0:00:00".
COMPILE_LINE = re.compile(r"^Compiling:", re.MULTILINE)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# Generated or local, never part of a fresh clone (see .gitignore): at the top of the project,
LOCAL_ONLY = {
    ".git",
    ".venv",
    ".web",
    ".states",
    ".env",
    ".pytest_cache",
    ".ruff_cache",
    "data",
    "artifacts",
    "test-results",
    "frontend.zip",
    "backend.zip",
}
# and anywhere below it.
GENERATED = shutil.ignore_patterns("__pycache__", "node_modules", "*.db", "*.db-shm", "*.db-wal")


def _not_copied(folder: str, names: list[str]) -> set[str]:
    skipped = set(GENERATED(folder, names))
    if Path(folder) == PROJECT_ROOT:
        skipped |= LOCAL_ONLY & set(names)
    return skipped


# Settings the test process itself set (tests/conftest.py) or a developer may have exported:
# the dev server must start with none of them, as in a fresh shell.
NOT_INHERITED = {
    "TODO_DATA_DIR",
    "TODO_ENV",
    "REFLEX_DB_URL",
    "REFLEX_REDIS_URL",
    "REFLEX_ENV_MODE",
    "REFLEX_HOT_RELOAD_EXCLUDE_PATHS",
    "REFLEX_HOT_RELOAD_INCLUDE_PATHS",
    "REFLEX_HOT_RELOAD_OVERRIDE_PATHS",
    "PORT",
    "BACKEND_PORT",
}


class DevServer:
    """``./run.sh --dev`` in ``project`` on two free ports, in its own process group."""

    def __init__(self, project: Path) -> None:
        self.project = project
        self.port = free_port()
        self.backend_port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / "dev-server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
        env.update(
            PORT=str(self.port),
            BACKEND_PORT=str(self.backend_port),
            TODO_BCRYPT_ROUNDS="4",
            PYTHONUNBUFFERED="1",
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                ["./run.sh", "--dev"],
                cwd=self.project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = [f"http://127.0.0.1:{self.backend_port}/ping", f"{self.url}/"]
        while pending:
            if self.process.poll() is not None:
                raise RuntimeError(f"the dev server exited early:\n{self.log()}")
            if time.monotonic() > deadline:
                waited = f"no answer from {pending[0]} in {START_TIMEOUT_S} s"
                raise RuntimeError(f"{waited}:\n{self.log()}")
            try:
                with urllib.request.urlopen(pending[0], timeout=5) as resp:  # noqa: S310
                    if resp.status == 200:
                        pending.pop(0)
            except OSError:
                time.sleep(1)

    def log(self) -> str:
        return ANSI.sub("", self.log_path.read_text(errors="replace")).replace("\r", "\n")

    def tail(self, lines: int = 30) -> str:
        """The end of the log, for a failure message (the whole log is in ``log_path``)."""
        return f"; the end of {self.log_path}:\n" + "\n".join(self.log().splitlines()[-lines:])

    def compiles(self) -> int:
        return len(COMPILE_LINE.findall(self.log()))

    def stop(self) -> None:
        """End the whole process group: run.sh's reflex, granian's workers and Vite (npm)."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=20)
        deadline = time.monotonic() + 10  # the group can outlive its leader (Vite, a worker)
        with contextlib.suppress(ProcessLookupError):
            while time.monotonic() < deadline:
                os.killpg(self.process.pid, 0)
                time.sleep(0.5)
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@pytest.fixture
def dev_server() -> Iterator[DevServer]:
    root = Path(tempfile.mkdtemp(prefix="todo-dev-"))
    project = root / "todo"
    shutil.copytree(PROJECT_ROOT, project, ignore=_not_copied, symlinks=True)
    (project / ".venv").symlink_to((PROJECT_ROOT / ".venv").resolve())
    server = DevServer(project)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_dev_server_compiles_once_and_then_stays_still(
    dev_server: DevServer, browser: Browser
) -> None:
    context = browser.new_context(base_url=dev_server.url)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)  # Vite compiles each module on its first request
        page.goto("/signup")
        page.get_by_label("Name").fill("Dev")
        page.get_by_label("Email").fill(f"dev-{uuid.uuid4().hex[:8]}@example.com")
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        expect(page.get_by_label("New task")).to_be_visible()
        assert page.url.rstrip("/") == dev_server.url
        screenshot(page, "dev-server-signed-in")
    finally:
        context.close()

    # The account went into the default ./data, inside the project that hot reload watches.
    assert (dev_server.project / "data" / "todo.db").is_file()
    time.sleep(QUIET_S)
    compiles = dev_server.compiles()
    assert compiles == 1, f"{compiles} compiles, expected only the start-up one" + dev_server.tail()

    # Hot reload itself still works: saving a source file recompiles, once.
    (dev_server.project / "todo_app" / "text.py").touch()
    deadline = time.monotonic() + 60
    while dev_server.compiles() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(3)
    compiles = dev_server.compiles()
    assert compiles == 2, f"{compiles} compiles after one edit, expected 2" + dev_server.tail()
