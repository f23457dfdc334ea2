"""The side navigation: All tasks, Inbox, Today, Upcoming, Assigned to me, the user's lists,
the lists shared with them ("Shared with me", each with its owner's name), and "New list".

Beside the task list on wide screens; under 640 px it lives in a drawer opened by "Menu".
Every own list has a menu (Share, Rename, Move up, Move down, Delete), so reordering works by
keyboard; a shared-with-me list's menu has "Members" (the share dialog, with "Leave list").
A shared list shows its people's initials (each badge's tooltip is the name), and a list the
user may only view says "View only".
"""

from __future__ import annotations

import reflex as rx

from todo_app.lists.share_state import ShareState
from todo_app.lists.state import NEW_LIST_INPUT_ID, ListState
from todo_app.tasks.state import TaskState
from todo_app.ui.fields import field_error
from todo_app.ui.people import initials_badge

NARROW = "@media (max-width: 639px)"
WIDE = "@media (min-width: 640px)"
VIEWS = (
    ("all", "Everything", "/", "list-todo"),
    ("inbox", "Inbox", "/?view=inbox", "inbox"),
    ("today", "Today", "/?view=today", "calendar-check"),
    ("upcoming", "Upcoming", "/?view=upcoming", "calendar-days"),
    ("assigned", "Assigned to me", "/?view=assigned", "user-check"),
)
BADGES_SHOWN = 3  # a shared list's people shown as initials; the rest as "+N"


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
    """Share, Rename, Move up, Move down, Delete (a shared-with-me list: Members). Not modal:
    a modal menu hides the rest of the page with aria-hidden while its links stay focusable
    (axe: aria-hidden-focus); Escape and a click outside still close it, and focus returns
    to the button."""
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
        rx.cond(
            item["mine"].to(bool),
            rx.dropdown_menu.content(
                rx.dropdown_menu.item("Share", on_select=ShareState.open_share(item["id"], name)),
                rx.dropdown_menu.separator(),
                rx.dropdown_menu.item("Rename", on_select=ListState.start_rename(item["id"])),
                rx.dropdown_menu.item("Move up", on_select=ListState.move_list(item["id"], -1)),
                rx.dropdown_menu.item("Move down", on_select=ListState.move_list(item["id"], 1)),
                rx.dropdown_menu.separator(),
                rx.dropdown_menu.item(
                    "Delete", color_scheme="red", on_select=ListState.delete_list(item["id"])
                ),
            ),
            rx.dropdown_menu.content(
                rx.dropdown_menu.item("Members", on_select=ShareState.open_share(item["id"], name)),
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


def _people(item: rx.Var[dict]) -> rx.Component:
    """A shared list's people as initials badges side by side (the names as their tooltips):
    overlapped, each badge's ring hid the second letter of the one before."""
    members = item["members"].to(list[dict])
    return rx.cond(
        members.length() > 0,
        rx.hstack(
            rx.foreach(
                members[:BADGES_SHOWN],
                lambda person: rx.box(
                    initials_badge(person["initials"].to(str), person["name"].to(str), "1.25rem"),
                    margin_left="0.05rem",
                    border_radius="9999px",
                    box_shadow="0 0 0 2px var(--color-panel-solid)",
                ),
            ),
            rx.cond(
                members.length() > BADGES_SHOWN,
                rx.text(
                    "+" + (members.length() - BADGES_SHOWN).to_string(),
                    size="1",
                    color=rx.color("gray", 11),
                ),
            ),
            spacing="0",
            padding_left="0.1rem",
            align="center",
            class_name="list-people",
        ),
    )


def _list_note(item: rx.Var[dict]) -> rx.Component:
    """Under a shared-with-me list: whose it is, and "View only" where the user may not edit."""
    return rx.cond(
        ~item["mine"].to(bool) | ~item["can_edit"].to(bool),
        rx.text(
            rx.cond(item["mine"].to(bool), "", "by " + item["owner_name"].to(str)),
            rx.cond(
                ~item["can_edit"].to(bool),
                rx.cond(item["mine"].to(bool), "View only", " · View only"),
                "",
            ),
            size="1",
            color=rx.color("gray", 11),
            padding_left="2rem",
            margin_top="-0.3rem",
            truncate=True,
        ),
    )


def _list_item(item: rx.Var[dict], in_drawer: bool = False) -> rx.Component:
    current = (TaskState.view_kind == "list") & (TaskState.view_spec["list_id"] == item["id"])
    return rx.el.li(
        rx.cond(
            ListState.renaming_id == item["id"],
            _rename_form(item),
            rx.vstack(
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
                    _people(item),
                    _list_menu(item),
                    align="center",
                    spacing="1",
                    width="100%",
                ),
                _list_note(item),
                spacing="0",
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
            rx.foreach(TaskState.own_lists, lambda item: _list_item(item, in_drawer)),
            padding="0",
            margin="0",
        ),
        new_list_form(),
        rx.cond(
            TaskState.shared_lists.length() > 0,
            rx.fragment(
                rx.heading(
                    "Shared with me",
                    as_="h2",
                    size="2",
                    color=rx.color("gray", 11),
                    padding_x="0.5rem",
                    padding_top="0.5rem",
                ),
                rx.el.ul(
                    rx.foreach(TaskState.shared_lists, lambda item: _list_item(item, in_drawer)),
                    padding="0",
                    margin="0",
                ),
            ),
        ),
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
