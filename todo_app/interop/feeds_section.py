"""The "Calendar feeds" section of /account and its state: turn on a feed of all tasks or of
one list, copy its URL, reset it, turn it off (``interop.feeds`` does the work).

A feed's secret is not stored, so its URL is shown only in the page view that made or reset
it (kept in a backend var of this tab, never re-read from the database); afterwards "Reset
link" gives a new one. The section loads itself when it mounts, so /account needs only to
place it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator

import reflex as rx
from reflex.event import EventSpec

from todo_app.auth import service
from todo_app.auth.state import AuthState, signed_in
from todo_app.errors import NotFound
from todo_app.interop import feeds
from todo_app.lists import service as list_service
from todo_app.ui.layout import settings_row, titled_section

ALL_TASKS = "all"  # the select's value for a feed of every task


@dataclasses.dataclass(frozen=True)
class FeedRow:
    """One feed as the section shows it (``url`` empty unless made or reset in this view)."""

    id: str
    name: str
    url: str


@dataclasses.dataclass(frozen=True)
class ListChoice:
    id: str
    name: str


class FeedsState(AuthState):
    """The section's feeds and the lists a new feed may show."""

    feeds: list[FeedRow] = []
    list_choices: list[ListChoice] = []
    # Feed id -> URL, for the feeds made or reset in this page view (their secrets are not
    # stored, so nothing else could show them).
    _urls: dict[str, str] = {}

    async def _refresh(self, who: service.Authenticated) -> None:
        infos = await asyncio.to_thread(feeds.list_feeds, who.user.id)
        self.feeds = [
            FeedRow(str(info.id), info.name, self._urls.get(str(info.id), "")) for info in infos
        ]

    @rx.event
    @signed_in
    async def load_feeds(self, who: service.Authenticated) -> None:
        """on_mount of the section: the user's feeds and lists, no URL shown yet."""
        self._urls = {}
        lists = await asyncio.to_thread(list_service.list_lists, who.user.id)
        self.list_choices = [ListChoice(str(item.id), item.name) for item in lists]
        await self._refresh(who)

    @rx.event
    @signed_in
    async def add_feed(
        self, who: service.Authenticated, form_data: dict
    ) -> AsyncIterator[EventSpec | None]:
        """Turns on a feed of all tasks or of the chosen list, and shows its URL."""
        choice = str(form_data.get("list_id") or ALL_TASKS)
        try:
            list_id = None if choice == ALL_TASKS else uuid.UUID(choice)
            info = await asyncio.to_thread(feeds.create_feed, who.user.id, list_id)
        except (NotFound, ValueError):
            yield rx.toast.error("That list is no longer there")
            return
        self._urls[str(info.id)] = info.url or ""
        await self._refresh(who)
        yield rx.toast.success(f"Feed for {info.name} turned on")

    @rx.event
    @signed_in
    async def reset_feed(
        self, who: service.Authenticated, feed_id: str
    ) -> AsyncIterator[EventSpec | None]:
        """A new URL; the old one stops working at once."""
        try:
            info = await asyncio.to_thread(feeds.reset_feed, who.user.id, uuid.UUID(feed_id))
        except (NotFound, ValueError):
            yield rx.toast.info("That feed had already been turned off")
        else:
            self._urls[str(info.id)] = info.url or ""
            yield rx.toast.success("New link made; the old one no longer works")
        await self._refresh(who)

    @rx.event
    @signed_in
    async def delete_feed(
        self, who: service.Authenticated, feed_id: str
    ) -> AsyncIterator[EventSpec | None]:
        """Turns the feed off: its URL stops working."""
        with contextlib.suppress(NotFound, ValueError):  # already off: the same outcome
            await asyncio.to_thread(feeds.delete_feed, who.user.id, uuid.UUID(feed_id))
        self._urls.pop(feed_id, None)
        await self._refresh(who)
        yield rx.toast.success("Feed turned off")


def _feed_item(row: FeedRow) -> rx.Component:
    return settings_row(
        rx.vstack(
            rx.text(row.name, weight="medium"),
            rx.cond(
                row.url != "",
                rx.hstack(
                    rx.input(
                        value=row.url,
                        read_only=True,
                        aria_label="Feed link " + row.name,
                        size="2",
                        flex="1",
                        min_width="0",
                    ),
                    rx.button(
                        "Copy link",
                        on_click=[
                            rx.set_clipboard(row.url),
                            rx.toast.success("Link copied"),
                        ],
                        size="2",
                        variant="soft",
                    ),
                    width="100%",
                ),
                rx.text(
                    "The link is shown only when it is made; reset it for a new one.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            rx.hstack(
                rx.button(
                    "Reset link",
                    on_click=FeedsState.reset_feed(row.id),
                    variant="outline",
                    size="2",
                    aria_label="Reset link " + row.name,
                ),
                rx.button(
                    "Turn off",
                    on_click=FeedsState.delete_feed(row.id),
                    variant="soft",
                    color_scheme="red",
                    size="2",
                    aria_label="Turn off " + row.name,
                ),
                wrap="wrap",
            ),
            spacing="2",
            width="100%",
        ),
    )


def calendar_feeds_section() -> rx.Component:
    """The /account section (its own region, named by its heading)."""
    return titled_section(
        "Calendar feeds",
        rx.text(
            "Subscribe to your dated open tasks from Google Calendar, Apple Calendar "
            "or Thunderbird by URL. Anyone with a link can read that feed: reset it "
            "if it leaks.",
            size="2",
            color_scheme="gray",
        ),
        rx.form(
            rx.hstack(
                rx.el.select(
                    rx.el.option("All tasks", value=ALL_TASKS),
                    rx.foreach(
                        FeedsState.list_choices,
                        lambda choice: rx.el.option(choice.name, value=choice.id),
                    ),
                    name="list_id",
                    aria_label="Feed of",
                    default_value=ALL_TASKS,
                    style={"padding": "0.4rem", "border_radius": "var(--radius-2)"},
                ),
                rx.button("Add feed", type="submit", size="2"),
                wrap="wrap",
                align="center",
            ),
            on_submit=FeedsState.add_feed,
            reset_on_submit=False,
        ),
        rx.el.ul(
            rx.foreach(FeedsState.feeds, _feed_item),
            list_style="none",
            padding="0",
            margin="0",
            width="100%",
        ),
        on_mount=FeedsState.load_feeds,
    )
