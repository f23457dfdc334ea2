"""The page's own browser module (assets/task_engine/index.js) as Reflex sees it: its path,
and the components of it that any page may use (not only the task list).

- ``TimeZoneField``: a hidden form field that holds the browser's IANA time zone;
- ``BrowserNotifier``: reminders shown as browser notifications while a tab is open;
- ``browser_function(name)``: one function the module exports, callable from an event trigger.

The task list's engine (``tasks/engine.py``) builds on the same module. Imports nothing of the
app.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.vars.base import VarData
from reflex_base.vars.function import FunctionStringVar

MODULE = "$/public/task_engine/index.js"


def browser_function(name: str) -> FunctionStringVar:
    """``name`` as the module exports it (``signOut``, ``engine.toggle``: the part before the
    first dot is what gets imported)."""
    return FunctionStringVar.create(
        name, _var_data=VarData(imports={MODULE: [name.split(".", 1)[0]]})
    )


class BrowserNotifier(rx.Component):
    """Shows reminders as browser notifications; with ``show_button``, offers to allow them."""

    library = MODULE
    tag = "BrowserNotifier"

    fresh: rx.Var[list[dict[str, Any]]]
    show_button: rx.Var[bool]


class TimeZoneField(rx.Component):
    """A hidden form field holding the browser's IANA time zone (set after mounting)."""

    library = MODULE
    tag = "TimeZoneField"

    name: rx.Var[str]
