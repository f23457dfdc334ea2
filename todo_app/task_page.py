"""The task page at "/": signed-in only, filters in the URL (``/?filter=active``)."""

from __future__ import annotations

import reflex as rx

from todo_app.auth.navbar import signed_in_shell
from todo_app.auth.pages import protected
from todo_app.lists.components import drawer, sidebar
from todo_app.lists.new_tasks import new_tasks_control
from todo_app.lists.share_dialog import share_dialog
from todo_app.reminders.components import bell, notifier
from todo_app.tasks.components.board import task_board


def tasks_page() -> rx.Component:
    # The guard wraps the whole frame, so a signed-out visit never shows the navbar either.
    return protected(
        signed_in_shell(
            drawer(),
            task_board(new_tasks_control()),
            notifier(),
            share_dialog(),
            sidebar=sidebar(),
            navbar_extra=(bell(),),
        )
    )
