"""The production server, started the way README.md starts it, and Chromium to drive it.

One server serves the whole session (a production build takes a while); each test gets a
fresh browser context, so cookies and storage never leak between tests.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from tests.mailbox import Mailbox, smtp_server
from tests.mcp.scripted_llm import ScriptedLLM, running
from tests.services import free_port, require_chromium
from todo_app.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "artifacts" / "e2e"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT_S = 420  # a first production build installs the npm packages


class Server:
    """``./run.sh`` on a free port with its own data folder (and so its own SQLite file)."""

    def __init__(self, **env: str) -> None:
        self.extra_env = env
        self.data_dir = Path(tempfile.mkdtemp(prefix="todo-e2e-"))
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = ARTIFACTS / "server.log"
        self.process: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"REFLEX_DB_URL", "TODO_ENV"}}
        env.update(
            PORT=str(self.port),
            TODO_DATA_DIR=str(self.data_dir),
            TODO_BCRYPT_ROUNDS="4",
            TODO_SIGN_UPS_PER_HOUR="0",  # every test signs up from 127.0.0.1
            PYTHONUNBUFFERED="1",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the process's life)
        self.process = subprocess.Popen(
            ["./run.sh"],
            cwd=PROJECT_ROOT,
            env=self._env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(
            f"server did not answer /ping in {START_TIMEOUT_S} s; see {self.log_path}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(scope="session")
def server_mailbox() -> Iterator[Mailbox]:
    """The SMTP server the shared server sends its mail to (password-reset links)."""
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="session")
def scripted_llm() -> Iterator[ScriptedLLM]:
    """The scripted OpenAI-compatible server the shared server's chat talks to (a test
    double, not a model: tests/mcp/scripted_llm.py)."""
    yield from running()


@pytest.fixture(scope="session")
def server(server_mailbox: Mailbox, scripted_llm: ScriptedLLM) -> Iterator[Server]:
    srv = Server(
        TODO_SMTP_URL=server_mailbox.url,
        TODO_LLM_BASE_URL=scripted_llm.base_url,
        TODO_LLM_MODEL="scripted",
    )
    srv.extra_env["TODO_PUBLIC_URL"] = srv.url
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = require_chromium()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class ConsoleErrors(list[str]):
    """Console errors and uncaught exceptions seen by a page."""


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()


@pytest.fixture
def page(browser: Browser, server: Server, console_errors: ConsoleErrors) -> Iterator[Page]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()

    def on_console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            console_errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot with the test artifacts."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
