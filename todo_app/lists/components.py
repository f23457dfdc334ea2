"""The side navigation: All tasks, Inbox, Today, Upcoming, the user's lists, and "New list".

Beside the task list on wide screens; under 640 px it lives in a drawer opened by "Menu".
Every list has a menu (Rename, Move up, Move down, Delete), so reordering works by keyboard.
"""

from __future__ import annotations

import reflex as rx

from todo_app.lists.state import NEW_LIST_INPUT_ID, ListState
from todo_app.tasks.state import TaskState
from todo_app.ui.fields import field_error

NARROW = "@media (max-width: 639px)"
WIDE = "@media (min-width: 640px)"
VIEWS = (
    ("all", "Everything", "/", "list-todo"),
    ("inbox", "Inbox", "/?view=inbox", "inbox"),
    ("today", "Today", "/?view=today", "calendar-check"),
    ("upcoming", "Upcoming", "/?view=upcoming", "calendar-days"),
)


def _nav_link(
    label: rx.Var[str] | str,
    href: rx.Var[str] | str,
    icon: str,
    current: rx.Var[bool],
    count: rx.Var[int] | None = None,
) -> rx.Component:
    return rx.link(
        rx.icon(icon, size=16, aria_hidden="true"),
        rx.text(label, flex="1", truncate=True),
        rx.cond(count > 0, rx.text(count, size="1", color=rx.color("gray", 11)))
        if count is not None
        else rx.fragment(),
        href=href,
        aria_current=rx.cond(current, "page", "false"),
        display="flex",
        align_items="center",
        gap="0.5rem",
        padding="0.35rem 0.5rem",
        border_radius="var(--radius-2)",
        underline="none",
        high_contrast=True,
        weight=rx.cond(current, "bold", "regular"),
        background_color=rx.cond(current, rx.color("accent", 3), "transparent"),
        min_height="2rem",
        flex="1",
        min_width="0",
    )


def _list_menu(item: rx.Var[dict]) -> rx.Component:
    """Rename, Move up, Move down, Delete. Not modal: a modal menu hides the rest of the page
    with aria-hidden while its links stay focusable (axe: aria-hidden-focus); Escape and a
    click outside still close it, and focus returns to the button."""
    name = item["name"].to(str)
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(
                rx.icon("ellipsis", size=16, aria_hidden="true"),
                variant="ghost",
                size="1",
                aria_label="Actions for list " + name,
                min_width="24px",
                min_height="24px",
            )
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item("Rename", on_select=ListState.start_rename(item["id"])),
            rx.dropdown_menu.item("Move up", on_select=ListState.move_list(item["id"], -1)),
            rx.dropdown_menu.item("Move down", on_select=ListState.move_list(item["id"], 1)),
            rx.dropdown_menu.separator(),
            rx.dropdown_menu.item(
                "Delete", color_scheme="red", on_select=ListState.delete_list(item["id"])
            ),
        ),
        modal=False,
    )


def _rename_form(item: rx.Var[dict]) -> rx.Component:
    return rx.form(
        rx.el.input(type="hidden", name="id", value=item["id"]),
        rx.input(
            name="name",
            default_value=item["name"].to(str),
            aria_label="List name",
            auto_focus=True,
            size="1",
            on_key_down=ListState.cancel_rename,
            width="100%",
        ),
        field_error(ListState.rename_error, "rename-error", announce=True),
        on_submit=ListState.rename_list,
        reset_on_submit=False,
        width="100%",
    )


def _closing(link: rx.Component, in_drawer: bool) -> rx.Component:
    """In the drawer, following a link also closes the drawer."""
    return rx.dialog.close(link) if in_drawer else link


def _list_item(item: rx.Var[dict], in_drawer: bool = False) -> rx.Component:
    current = (TaskState.view_kind == "list") & (TaskState.view_spec["list_id"] == item["id"])
    return rx.el.li(
        rx.cond(
            ListState.renaming_id == item["id"],
            _rename_form(item),
            rx.hstack(
                _closing(
                    _nav_link(
                        item["name"].to(str),
                        "/?list=" + item["id"].to(str),
                        "list",
                        current,
                        item["open_count"].to(int),
                    ),
                    in_drawer,
                ),
                _list_menu(item),
                align="center",
                spacing="1",
                width="100%",
            ),
        ),
        list_style="none",
    )


def new_list_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(
                id=NEW_LIST_INPUT_ID,
                name="name",
                placeholder="New list",
                aria_label="New list",
                aria_describedby="new-list-error",
                auto_complete="off",
                size="1",
                flex="1",
            ),
            rx.icon_button(
                rx.icon("plus", size=14, aria_hidden="true"),
                type="submit",
                size="1",
                variant="soft",
                aria_label="Add list",
            ),
            spacing="1",
            width="100%",
        ),
        field_error(ListState.new_list_error, "new-list-error", announce=True),
        on_submit=ListState.create_list,
        reset_on_submit=False,
        width="100%",
    )


def side_nav(in_drawer: bool = False) -> rx.Component:
    return rx.el.nav(
        rx.el.ul(
            *[
                rx.el.li(
                    _closing(_nav_link(label, href, icon, TaskState.view_kind == kind), in_drawer),
                    list_style="none",
                )
                for kind, label, href, icon in VIEWS
            ],
            padding="0",
            margin="0",
        ),
        rx.heading("Lists", as_="h2", size="2", color=rx.color("gray", 11), padding_x="0.5rem"),
        rx.el.ul(
            rx.foreach(TaskState.lists, lambda item: _list_item(item, in_drawer)),
            padding="0",
            margin="0",
        ),
        new_list_form(),
        aria_label="Lists and views",
        display="flex",
        flex_direction="column",
        gap="0.5rem",
        width="100%",
    )


def sidebar() -> rx.Component:
    """Wide screens: the navigation beside the list."""
    return rx.el.aside(
        side_nav(),
        width="15rem",
        flex_shrink="0",
        padding_top="1.5rem",
        style={NARROW: {"display": "none"}},
    )


def drawer() -> rx.Component:
    """Narrow screens: "Menu" opens the same navigation as a drawer from the left."""
    return rx.box(
        rx.dialog.root(
            rx.dialog.trigger(
                rx.button(
                    rx.icon("menu", size=16, aria_hidden="true"),
                    "Menu",
                    variant="soft",
                    size="2",
                )
            ),
            rx.dialog.content(
                rx.dialog.title("Lists and views", size="3"),
                rx.dialog.description("Go to a view or a list.", size="1", margin_bottom="0.5rem"),
                side_nav(in_drawer=True),
                rx.dialog.close(
                    rx.button("Close", variant="soft", size="2", margin_top="1rem", width="100%")
                ),
                position="fixed",
                left="0",
                top="0",
                height="100vh",
                max_height="100vh",
                width="min(18rem, 85vw)",
                border_radius="0",
                overflow_y="auto",
            ),
        ),
        style={WIDE: {"display": "none"}},
    )
