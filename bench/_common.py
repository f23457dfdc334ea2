"""Shared by the browser benchmarks: the production server, Chromium, statistics, in-page timers.

The server is started as ``tests/e2e/conftest.py`` starts it (``./run.sh`` with ``PORT``,
``TODO_DATA_DIR`` and ``REFLEX_DB_URL``, in its own process group), but with the settings a
benchmark needs (the production bcrypt cost unless told otherwise, any database URL), its log
in the benchmark's scratch folder instead of ``artifacts/``, and from a private copy of the
working tree: the production build bakes its backend port into the frontend bundle
(``.web/env.json`` -> ``assets/reflex-env-*.js``), so two servers built from one tree on two
ports would send both pages to whichever was built last, and so would a test run started by
somebody else meanwhile. The copy shares ``.venv`` (a symlink) and starts from ``.web``'s
installed ``node_modules``, so no package is downloaded.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

# The browser and database the tests use, with the same flags and URLs.
from tests.e2e.conftest import CHROMIUM_FLAGS  # noqa: E402
from tests.services import CHROMIUM, PG_ADMIN_URL  # noqa: E402

START_TIMEOUT_S = 420  # a first production build installs the npm packages

# Every variable the app's settings read: a benchmark's server gets only what it sets itself.
_APP_VARS = {
    "REFLEX_DB_URL",
    "REFLEX_ASYNC_DB_URL",
    "REFLEX_REDIS_URL",
    "TODO_ENV",
    "TODO_DATA_DIR",
    "TODO_SECRET_KEY",
    "TODO_BCRYPT_ROUNDS",
    "TODO_CORS_ORIGINS",
    "TODO_TOKEN_TTL_SECONDS",
    "TODO_TOKEN_RENEW_AFTER_SECONDS",
    "TODO_TOKEN_MAX_AGE_SECONDS",
    # A deployment's public URL without SMTP stops a production start (settings.py).
    "TODO_PUBLIC_URL",
    "TODO_SMTP_URL",
    "TODO_MAIL_TO_LOG",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scratch_dir(prefix: str) -> Path:
    """A fresh private folder (``mktemp -d``); never a fixed /tmp name."""
    return Path(tempfile.mkdtemp(prefix=prefix))


_NOT_COPIED = [".venv", ".git", "data", "artifacts", ".states", ".hypothesis", ".pytest_cache",
               ".ruff_cache", "__pycache__", "test-results"]  # fmt: skip


def snapshot_tree(dest: Path) -> Path:
    """A private copy of the working tree (as it is now) to build and serve from."""
    excludes = [f"--exclude=/{name}" for name in _NOT_COPIED] + ["--exclude=__pycache__"]
    subprocess.run(["rsync", "-a", *excludes, f"{PROJECT_ROOT}/", f"{dest}/"], check=True)
    (dest / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    return dest


def remove_trees(scratch: Path) -> None:
    """Delete the tree copies (150 MB each); logs and results stay in ``scratch``."""
    import shutil

    for tree in scratch.glob("tree-*"):
        shutil.rmtree(tree, ignore_errors=True)


class Server:
    """``./run.sh`` (migrations, then ``reflex run --env prod``) on a free 127.0.0.1 port,
    from a private copy of the tree (see the module's docstring)."""

    def __init__(self, name: str, scratch: Path, env: dict[str, str]) -> None:
        self.name = name
        self.root = snapshot_tree(scratch / f"tree-{name}")
        self.data_dir = scratch / f"data-{name}"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = scratch / f"server-{name}.log"
        self.extra_env = env
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _APP_VARS}
        env.update(
            PORT=str(self.port),
            TODO_DATA_DIR=str(self.data_dir),
            PYTHONUNBUFFERED="1",
            REFLEX_USE_NPM="1",
            REFLEX_TELEMETRY_ENABLED="false",
            REFLEX_CHECK_LATEST_VERSION="false",
        )
        env.update(self.extra_env)
        return env

    def start(self) -> float:
        """Start and wait for /ping; returns the seconds it took."""
        began = time.monotonic()
        log = open(self.log_path, "ab")  # noqa: SIM115  (kept open for the process's life)
        self.process = subprocess.Popen(
            ["./run.sh"],
            cwd=self.root,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = began + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.name} exited early; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as resp:  # noqa: S310
                    if resp.status == 200:
                        return time.monotonic() - began
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"server {self.name} did not answer /ping; see {self.log_path}")

    def pids(self) -> list[int]:
        """The server's process group (run.sh's exec'd reflex and its workers)."""
        import psutil

        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root.pid] + [p.pid for p in root.children(recursive=True)]
        except psutil.Error:
            return []

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def start_all(servers: Sequence[Server]) -> None:
    """Start the servers at once (each builds in its own tree); raise if any failed."""
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(len(servers)) as pool:
        futures = {pool.submit(s.start): s for s in servers}
        failures = []
        for future, server in futures.items():
            try:
                print(f"server {server.name} up at {server.url} in {future.result():.1f} s")
            except Exception as exc:
                failures.append(f"{server.name}: {exc}\n{server.tail()}")
    if failures:
        raise RuntimeError("\n".join(failures))


@contextlib.contextmanager
def app_env(**env: str) -> Iterator[None]:
    """Point this process's copy of the app (services, settings) at a server's data.

    The settings are read once and cached, so the cache is cleared on entry and on exit.
    """
    from todo_app.settings import get_settings

    saved = {k: os.environ.get(k) for k in _APP_VARS | set(env)}
    for key in _APP_VARS:
        os.environ.pop(key, None)
    os.environ.update(env)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


@contextlib.contextmanager
def pg_database(prefix: str) -> Iterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1:5432; yields its name, drops it afterwards."""
    import uuid

    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- statistics ---------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of the values; NaN when empty."""
    data = sorted(values)
    if not data:
        return math.nan
    pos = (len(data) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass
class Samples:
    values: list[float] = field(default_factory=list)
    timeouts: int = 0

    def add(self, value: float | None) -> None:
        if value is None:
            self.timeouts += 1
        else:
            self.values.append(value)

    @property
    def n(self) -> int:
        return len(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.values else math.nan

    def p(self, q: float) -> float:
        return percentile(self.values, q)


def fmt(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table (readable in a terminal too)."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(str(x).ljust(w) for x, w in zip(cells, widths, strict=True)) + " |"

    out = [line(header), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in rows]
    return "\n".join(out)


def machine() -> str:
    import platform

    cpus = os.cpu_count()
    model = ""
    with contextlib.suppress(OSError):
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    python = sys.version.split()[0]
    return f"{cpus} vCPU {model}, {platform.system()} {platform.release()}, Python {python}"


def loadavg() -> str:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "?"


# --- Chromium and the page ----------------------------------------------------------------

# Installed in every page. measure(kind, arg) dispatches one user action from JS and resolves
# with {dom, paint}: ms from just before the dispatch until the expected DOM change was seen
# (MutationObserver) and until the frame after it (requestAnimationFrame, then a macrotask:
# the frame has been produced by then). A timeout resolves with nulls.
MEASURE_JS = r"""
() => {
  if (window.__bench) return;
  const q = (sel) => document.querySelector(sel);
  const attr = (name, value) => `[${name}="${CSS.escape(value)}"]`;
  const checkbox = (title) => q('button[role="checkbox"]' + attr("aria-label", title));
  window.__bench = {
    ready(title) { return !!(title ? checkbox(title) : q('input[aria-label="New task"]')); },
    state(title) { const c = checkbox(title); return c ? c.getAttribute("aria-checked") : null; },
    measure(kind, arg, timeoutMs) {
      let check, act;
      if (kind === "edit") {
        const btn = q("button" + attr("aria-label", "Edit " + arg));
        if (!btn) return Promise.resolve({error: "no Edit button for " + arg});
        check = () => !!q('input[aria-label="Edit title"]');
        act = () => btn.click();
      } else if (kind === "cancel") {
        const input = q('input[aria-label="Edit title"]');
        if (!input) return Promise.resolve({error: "no edit input"});
        check = () => !q('input[aria-label="Edit title"]') && !!checkbox(arg);
        act = () => input.dispatchEvent(new KeyboardEvent("keydown",
          {key: "Escape", code: "Escape", bubbles: true, cancelable: true}));
      } else if (kind === "add") {
        const input = q('input[aria-label="New task"]');
        if (!input) return Promise.resolve({error: "no New task input"});
        check = () => !!checkbox(arg);
        act = () => { input.value = arg; input.form.requestSubmit(); };
      } else if (kind === "toggle") {
        const box = checkbox(arg);
        if (!box) return Promise.resolve({error: "no checkbox " + arg});
        const before = box.getAttribute("aria-checked");
        check = () => {
          const box = checkbox(arg);
          return !!box && box.getAttribute("aria-checked") !== before;
        };
        act = () => box.click();
      } else if (kind === "delete") {
        const btn = q("button" + attr("aria-label", "Delete " + arg));
        if (!btn) return Promise.resolve({error: "no Delete button for " + arg});
        check = () => !checkbox(arg) && !q("button" + attr("aria-label", "Delete " + arg));
        act = () => btn.click();
      } else {
        return Promise.resolve({error: "unknown kind " + kind});
      }
      if (check()) return Promise.resolve({error: "already true before " + kind});
      return new Promise((resolve) => {
        let done = false, t0 = 0, timer = 0;
        const finish = () => {
          if (done || !check()) return;
          done = true;
          const tDom = performance.now();
          obs.disconnect();
          clearTimeout(timer);
          requestAnimationFrame(() => setTimeout(() =>
            resolve({dom: tDom - t0, paint: performance.now() - t0}), 0));
        };
        const obs = new MutationObserver(finish);
        obs.observe(document.body,
          {subtree: true, childList: true, attributes: true, characterData: true});
        timer = setTimeout(() => {
          if (done) return;
          done = true;
          obs.disconnect();
          resolve({dom: null, paint: null});
        }, timeoutMs);
        t0 = performance.now();
        act();
        finish();
      });
    },
  };
}
"""


@contextlib.contextmanager
def sync_playwright_browser(sync_playwright) -> Iterator[object]:
    """Debian's Chromium, headless, with the e2e tests' flags."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def open_signed_in(browser, server_url: str, token: str, ready_title: str, timeout_s: float):
    """A page of a fresh context, signed in with ``token`` and showing ``ready_title``."""
    context = browser.new_context(base_url=server_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    errors: list[str] = []
    sockets: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto("/login")
    page.evaluate("t => localStorage.setItem('todo_token', t)", token)
    page.goto("/")
    page.evaluate(MEASURE_JS)
    page.wait_for_function(
        "t => window.__bench && window.__bench.ready(t)", arg=ready_title, timeout=timeout_s * 1000
    )
    port = server_url.rsplit(":", 1)[1]
    if not sockets or any(f":{port}/" not in url for url in sockets):
        raise RuntimeError(f"the page's websocket went elsewhere than :{port}: {sockets}")
    return page, errors


def measure(page, kind: str, arg: str, timeout_ms: int = 15_000) -> dict:
    result = page.evaluate(
        "([k, a, t]) => window.__bench.measure(k, a, t)", [kind, arg, timeout_ms]
    )
    if "error" in result:
        raise RuntimeError(f"measure {kind} {arg!r}: {result['error']}")
    return result


def dumps(obj: object) -> str:
    return json.dumps(obj, indent=2, default=str)


def exit_status(samples: dict[str, list[float]]) -> int:
    """1, with the phases named on stderr, when a phase measured nothing (a benchmark with
    no samples for a phase fails loudly); 0 otherwise."""
    empty = [name for name, got in samples.items() if not got]
    if empty:
        print(f"NO SAMPLES: {', '.join(empty)}", file=sys.stderr)
        return 1
    return 0
