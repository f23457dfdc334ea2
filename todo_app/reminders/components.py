"""The bell labelled "Notifications" with the unread count, and its list. An open invitation
has "Accept" and "Decline" (named "Accept invitation to <list>", "Decline invitation to
<list>"); the other kinds (reminders, assignments, removals, ...) show their text."""

from __future__ import annotations

import reflex as rx

from todo_app.reminders.state import BellState
from todo_app.ui.browser import BrowserNotifier


def _answer(item: rx.Var[dict]) -> rx.Component:
    """Accept / Decline of an invitation still open."""
    list_name = item["list_name"].to(str)
    invitation = item["invitation_id"].to(str)
    return rx.hstack(
        rx.button(
            "Accept",
            size="1",
            aria_label="Accept invitation to " + list_name,
            on_click=BellState.accept(invitation),
        ),
        rx.button(
            "Decline",
            size="1",
            variant="soft",
            color_scheme="gray",
            aria_label="Decline invitation to " + list_name,
            on_click=BellState.decline(invitation),
        ),
        spacing="2",
        padding_top="0.3rem",
    )


def _kind_label(item: rx.Var[dict]) -> rx.Var[str]:
    kind = item["kind"].to(str)
    return rx.cond(
        kind == "reminder",
        rx.cond(item["late"], "Late reminder · ", "Reminder · "),
        "",
    )


def _item(item: rx.Var[dict]) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.box(
                rx.text(item["title"].to(str), weight=rx.cond(item["read"], "regular", "bold")),
                rx.text(
                    _kind_label(item),
                    item["when"].to(str),
                    size="1",
                    color=rx.color("gray", 11),
                ),
                rx.cond(item["answerable"].to(bool), _answer(item)),
                flex="1",
                min_width="0",
            ),
            rx.cond(
                ~item["read"].to(bool),
                rx.button(
                    "Mark read",
                    size="1",
                    variant="soft",
                    on_click=BellState.mark_read(item["id"].to(str)),
                ),
            ),
            align="center",
            width="100%",
        ),
        list_style="none",
        padding_y="0.4rem",
        border_bottom="1px solid var(--gray-a4)",
    )


_HEADING_ID = "notifications-heading"


def bell() -> rx.Component:
    """The bell named "Notifications" (with the unread count), opening the list: a popover
    dialog named by its own heading."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(
                rx.icon("bell", size=16, aria_hidden="true"),
                rx.cond(BellState.unread > 0, rx.text(BellState.unread, size="1", weight="bold")),
                variant="soft",
                size="2",
                aria_label=rx.cond(
                    BellState.unread > 0,
                    "Notifications, " + BellState.unread.to_string() + " unread",
                    "Notifications",
                ),
            )
        ),
        rx.popover.content(
            rx.vstack(
                rx.hstack(
                    rx.heading("Notifications", as_="h2", size="3", id=_HEADING_ID),
                    rx.cond(
                        BellState.unread > 0,
                        rx.button(
                            "Mark all read",
                            size="1",
                            variant="ghost",
                            on_click=BellState.mark_all_read,
                        ),
                    ),
                    justify="between",
                    width="100%",
                ),
                rx.cond(
                    BellState.items.length() > 0,
                    rx.el.ul(
                        rx.foreach(BellState.items, _item), padding="0", margin="0", width="100%"
                    ),
                    rx.text("No notifications yet", size="2", color=rx.color("gray", 11)),
                ),
                BrowserNotifier.create(fresh=BellState.fresh),
                spacing="2",
                width="min(22rem, 85vw)",
            ),
            # The popover is a dialog (Radix gives it role="dialog"); its heading names it.
            aria_labelledby=_HEADING_ID,
        ),
    )


def notifier() -> rx.Component:
    """Shows fresh notifications as browser notifications (outside the popover too)."""
    return BrowserNotifier.create(fresh=BellState.fresh, show_button=False)
