"""The share dialog, "Share <list>": invite by email as Editor or Viewer, the pending
invitations ("Withdraw invitation to <email>"), the members with their roles (the owner
changes a role with the "Role of <name>" select, or removes someone: "Remove <name>"); a
member sees the people and "Leave list" instead. Opened from a list's menu (lists/components.py).
"""

from __future__ import annotations

import reflex as rx

from todo_app.lists.share_state import SHARE_EMAIL_ID, ShareState
from todo_app.tasks.components.form_field import NATIVE_INPUT, labelled_field
from todo_app.ui.fields import field_error
from todo_app.ui.people import initials_badge

ROLE_CHOICES = (("editor", "Editor"), ("viewer", "Viewer"))
# The role selects: as tall as the text field and the buttons beside them.
COMPACT_SELECT = {**NATIVE_INPUT, "height": "2rem", "font_size": "var(--font-size-2)"}


def _invite_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(
                labelled_field(
                    "Email",
                    rx.input(
                        id=SHARE_EMAIL_ID,
                        name="email",
                        type="email",
                        placeholder="name@example.com",
                        auto_complete="off",
                        width="100%",
                    ),
                    error=ShareState.email_error,
                ),
                flex="1",
                min_width="10rem",
            ),
            rx.box(
                labelled_field(
                    "Role",
                    rx.el.select(
                        *[rx.el.option(label, value=value) for value, label in ROLE_CHOICES],
                        id="share-role",
                        name="role",
                        default_value="editor",
                        style=COMPACT_SELECT,
                    ),
                    error=ShareState.role_error,
                ),
                width="7.5rem",
            ),
            rx.button("Invite", type="submit", margin_top="1.6rem"),
            gap="0.5rem",
            wrap="wrap",
            align="start",
            width="100%",
        ),
        on_submit=ShareState.invite,
        reset_on_submit=False,
        width="100%",
    )


def _invitation(item: rx.Var[dict]) -> rx.Component:
    email = item["email"].to(str)
    return rx.el.li(
        rx.hstack(
            rx.icon("mail", size=14, aria_hidden="true", color=rx.color("gray", 11)),
            rx.text(email, size="2", flex="1", min_width="0", truncate=True),
            rx.badge(item["role_label"].to(str), variant="soft", color_scheme="gray"),
            rx.button(
                "Withdraw",
                size="1",
                variant="ghost",
                color_scheme="red",
                aria_label="Withdraw invitation to " + email,
                on_click=ShareState.withdraw(item["id"].to(str)),
            ),
            align="center",
            width="100%",
        ),
        list_style="none",
        padding_y="0.3rem",
    )


def _member_role(person: rx.Var[dict]) -> rx.Component:
    name = person["name"].to(str)
    return rx.cond(
        ShareState.manage & ~person["is_owner"].to(bool),
        rx.el.select(
            *[rx.el.option(label, value=value) for value, label in ROLE_CHOICES],
            value=person["role"].to(str),
            aria_label="Role of " + name,
            on_change=lambda role: ShareState.change_role(person["user_id"].to(str), role),
            style={**COMPACT_SELECT, "width": "6.5rem"},
        ),
        rx.badge(person["role_label"].to(str), variant="soft", color_scheme="gray"),
    )


def _member(person: rx.Var[dict]) -> rx.Component:
    name = person["name"].to(str)
    return rx.el.li(
        rx.hstack(
            initials_badge(person["initials"].to(str), name, "1.75rem"),
            rx.box(
                rx.text(name, rx.cond(person["is_me"], " (you)", ""), size="2", truncate=True),
                rx.text(
                    person["email"].to(str), size="1", color=rx.color("gray", 11), truncate=True
                ),
                flex="1",
                min_width="0",
            ),
            _member_role(person),
            rx.cond(
                ShareState.manage & ~person["is_owner"].to(bool),
                rx.icon_button(
                    rx.icon("user-minus", size=16, aria_hidden="true"),
                    variant="ghost",
                    color_scheme="red",
                    size="2",
                    aria_label="Remove " + name,
                    title="Remove " + name,
                    on_click=ShareState.remove(person["user_id"].to(str)),
                ),
            ),
            align="center",
            width="100%",
        ),
        list_style="none",
        padding_y="0.3rem",
    )


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.heading(title, as_="h3", size="2", color=rx.color("gray", 11)),
        *children,
        spacing="1",
        width="100%",
    )


def share_dialog() -> rx.Component:
    """One dialog for the page, filled by ``ShareState.open_share``."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Share " + ShareState.list_name),
            rx.dialog.description(
                rx.cond(
                    ShareState.manage,
                    "Invite people by email. Editors can add and change tasks; viewers can only "
                    "read them.",
                    "The people in this list.",
                ),
                size="2",
                color=rx.color("gray", 11),
                margin_bottom="0.75rem",
            ),
            rx.vstack(
                rx.cond(ShareState.manage, _invite_form()),
                rx.cond(
                    ShareState.manage & (ShareState.invitations.length() > 0),
                    _section(
                        "Pending invitations",
                        rx.el.ul(
                            rx.foreach(ShareState.invitations, _invitation),
                            padding="0",
                            margin="0",
                            width="100%",
                        ),
                    ),
                ),
                _section(
                    "Members",
                    rx.el.ul(
                        rx.foreach(ShareState.members, _member),
                        padding="0",
                        margin="0",
                        width="100%",
                    ),
                ),
                field_error(ShareState.problem, "share-problem", announce=True),
                rx.hstack(
                    rx.cond(
                        ~ShareState.manage,
                        rx.button(
                            "Leave list",
                            color_scheme="red",
                            variant="soft",
                            on_click=ShareState.leave,
                        ),
                    ),
                    rx.dialog.close(rx.button("Done", variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            max_width="32rem",
            width="min(32rem, calc(100vw - 1.5rem))",
            padding=rx.breakpoints(initial="1rem", xs="1.5rem"),
        ),
        open=ShareState.is_open,
        on_open_change=ShareState.open_changed,
    )
