"""Everything around the list that chooses or acts on what it shows: the filter chips
(priority, tag, due range), the Sort control, "Mark all complete", the search field, the
footer (count, All/Active/Completed, "Clear completed") and "Load more".

Choices live in the URL (``?sort=due``, ``?tag=home``, ``?filter=active``), so reload and back
keep them: chips and filters are links, built by the state (``TaskState.links``).
"""

from __future__ import annotations

import reflex as rx

from todo_app.tasks.components.form_field import NATIVE_INPUT
from todo_app.tasks.components.priority import PRIORITY_LABELS
from todo_app.tasks.engine import call, overlay
from todo_app.tasks.queries import SEARCH_MAX
from todo_app.tasks.state import FILTERS, TaskState
from todo_app.tasks.views import SORT_LABELS

FILTER_LABELS = {"all": "All", "active": "Active", "completed": "Completed"}
FILTER_HREFS = {"all": "/", "active": "/?filter=active", "completed": "/?filter=completed"}


def filter_link(name: str) -> rx.Component:
    """ "All", "Active" or "Completed", marked as the current page when chosen."""
    selected = overlay.filter == name
    return rx.link(
        FILTER_LABELS[name],
        href=TaskState.links.get(f"filter_{name}", FILTER_HREFS[name]),
        aria_current=rx.cond(selected, "page", "false"),
        weight=rx.cond(selected, "bold", "regular"),
        underline=rx.cond(selected, "always", "hover"),
        padding="0.25rem 0.5rem",
    )


def footer() -> rx.Component:
    """ "N items left", the filters, and "Clear completed" when there is something to clear."""
    return rx.flex(
        rx.text(overlay.items_left, role="status", size="2"),
        rx.el.nav(
            rx.hstack(*[filter_link(name) for name in FILTERS], spacing="1"),
            aria_label="Filter tasks",
        ),
        rx.cond(
            (overlay.completed_count > 0) & ~TaskState.view_read_only,
            rx.button("Clear completed", variant="soft", size="2", on_click=call("clearCompleted")),
        ),
        justify="between",
        align="center",
        wrap="wrap",
        gap="0.75rem",
        width="100%",
        padding_top="0.75rem",
    )


def search_field() -> rx.Component:
    """ "Search tasks" (``/`` focuses it); the server searches once typing pauses."""
    return rx.input(
        rx.input.slot(rx.icon("search", size=16, aria_hidden="true")),
        type="search",
        default_value=TaskState.query,
        on_change=TaskState.search.debounce(250),
        placeholder="Search",
        aria_label="Search tasks",
        id="search-tasks",
        max_length=SEARCH_MAX,  # the service's limit; the state cuts to it as well
        auto_complete="off",
        size="2",
        width="14rem",
        max_width="100%",
    )


def toolbar() -> rx.Component:
    """ "Mark all complete" and the search, shown once there are tasks. The counts are the
    view's, search included: a search that finds nothing keeps its field."""
    return rx.cond(
        (overlay.total > 0) | (TaskState.query != ""),
        rx.flex(
            # Not in a list the user may only view (nothing there is theirs to complete).
            rx.cond(
                TaskState.view_read_only,
                rx.box(),
                rx.el.label(
                    rx.hstack(
                        rx.checkbox(
                            checked=overlay.all_completed,
                            on_change=call("setAll", rx.Var("checked"), params=("checked",)),
                            aria_label="Mark all complete",
                            size="3",
                        ),
                        rx.text("Mark all complete", size="2"),
                        align="center",
                        spacing="3",
                    ),
                    padding_y="0.5rem",
                ),
            ),
            search_field(),
            justify="between",
            align="center",
            wrap="wrap",
            gap="0.5rem 1rem",
            width="100%",
        ),
    )


def sort_control() -> rx.Component:
    """Manual, Newest, Due date, Priority, Title; the choice lives in the URL (``?sort=due``);
    the Inbox and lists start in Manual (tasks/views.py ``default_sort``)."""
    return rx.hstack(
        rx.el.label("Sort", html_for="sort-tasks", font_size="0.875rem"),
        rx.el.select(
            *[rx.el.option(label, value=name) for name, label in SORT_LABELS.items()],
            id="sort-tasks",
            value=TaskState.sort,
            on_change=lambda value: rx.redirect(TaskState.links["sort_" + value]),
            style={**NATIVE_INPUT, "width": "auto"},
        ),
        align="center",
        spacing="2",
    )


def chip(label: rx.Var[str] | str, href: rx.Var[str], on: rx.Var[bool]) -> rx.Component:
    """A link that turns one filter on or off, read as a toggle button (``aria-pressed``)."""
    return rx.link(
        label,
        href=href,
        aria_pressed=rx.cond(on, "true", "false"),
        role="button",
        size="1",
        underline="none",
        padding="0.2rem 0.6rem",
        border_radius="999px",
        border=rx.cond(on, f"1px solid {rx.color('accent', 9)}", "1px solid var(--gray-a7)"),
        background_color=rx.cond(on, rx.color("accent", 3), "transparent"),
        min_height="24px",
        display="inline-flex",
        align_items="center",
    )


def filter_chips() -> rx.Component:
    """Priority and tag chips (each one a link that turns its filter on or off)."""
    return rx.flex(
        *[
            chip(
                PRIORITY_LABELS[p],
                TaskState.links[f"priority_{p}"],
                TaskState.chosen_priorities.contains(p),
            )
            for p in ("high", "medium", "low")
        ],
        rx.foreach(
            TaskState.tags,
            lambda tag: chip(
                "#" + tag, TaskState.links["tag_" + tag], TaskState.chosen_tags.contains(tag)
            ),
        ),
        rx.el.details(
            rx.el.summary(
                "Due between…",
                cursor="pointer",
                font_size="0.8rem",
                color=rx.color("accent", 11),
                padding="0.2rem 0.4rem",
                min_height="24px",
            ),
            rx.el.form(
                rx.el.label("From", html_for="due-after", font_size="0.75rem"),
                rx.el.input(
                    type="date",
                    id="due-after",
                    name="due_after",
                    default_value=TaskState.view_spec["due_after"].to(str),
                    style={**NATIVE_INPUT, "width": "auto", "min_height": "1.75rem"},
                ),
                rx.el.label("To", html_for="due-before", font_size="0.75rem"),
                rx.el.input(
                    type="date",
                    id="due-before",
                    name="due_before",
                    default_value=TaskState.view_spec["due_before"].to(str),
                    style={**NATIVE_INPUT, "width": "auto", "min_height": "1.75rem"},
                ),
                rx.button("Apply", type="submit", size="1", variant="soft"),
                on_submit=TaskState.set_due_range,
                display="flex",
                align_items="center",
                gap="0.35rem",
                flex_wrap="wrap",
                padding_top="0.35rem",
                aria_label="Due between",
            ),
        ),
        gap="0.4rem",
        wrap="wrap",
        align="center",
        flex="1 1 18rem",
        aria_label="Filters",
        role="group",
    )


def load_more() -> rx.Component:
    """The next page of the view, from where the confirmed rows end."""
    return rx.cond(
        TaskState.has_more & ~TaskState.loading,
        rx.button(
            "Load more",
            variant="outline",
            on_click=TaskState.load_more(overlay.loaded),
            width="100%",
        ),
    )
