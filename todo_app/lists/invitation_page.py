"""The page an invitation mail's link opens (``/invitation?id=...&token=...``).

Sent to an address that had no account: the link's token is the proof that its reader got
the mail (anyone may sign up with any address). The page is protected, so a visitor signs
up or in first and comes back here (``next``); then it accepts the invitation through the
sharing service and opens the list, or says why it cannot.
"""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx

from todo_app.auth.navbar import signed_in_shell
from todo_app.auth.pages import protected
from todo_app.auth.service import Authenticated
from todo_app.auth.state import signed_in
from todo_app.errors import InvalidInput, NotFound
from todo_app.lists import sharing

GONE = (
    "This invitation has expired, was withdrawn or answered already, or the link is "
    "incomplete. Ask the list's owner to invite you again."
)


class InvitationState(rx.State):
    """What the link came to: an error to show, or nothing while it is being accepted."""

    problem: str = ""

    @rx.event
    @signed_in
    async def accept_link(self, who: Authenticated):
        """on_load (after the page's guard): accept, then open the list."""
        self.problem = ""
        query = self.router.url.query_parameters
        try:
            invitation_id = uuid.UUID(str(query.get("id", ""))[:36])
            list_id, _people = await asyncio.to_thread(
                sharing.joined, who.user.id, invitation_id, query.get("token")
            )
        except (ValueError, NotFound):
            self.problem = GONE
            return
        except InvalidInput as exc:
            self.problem = next(iter(exc.fields.values()), exc.message)
            return
        yield rx.redirect(f"/?list={list_id}", replace=True)


def invitation_page() -> rx.Component:
    return protected(
        signed_in_shell(
            rx.vstack(
                rx.heading("Invitation", as_="h1", size="7"),
                rx.cond(
                    InvitationState.problem,
                    rx.callout(InvitationState.problem, icon="triangle_alert", color_scheme="red"),
                    rx.text("Joining the list…"),
                ),
                rx.link("Go to your tasks", href="/"),
                spacing="4",
                width="100%",
            )
        )
    )
