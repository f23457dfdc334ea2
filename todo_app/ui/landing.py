"""The public landing page: what the app is, in one screen."""

import reflex as rx


def landing_page() -> rx.Component:
    return rx.box(
        rx.el.main(
            rx.vstack(
                rx.image(src="/favicon.svg", alt="", width="56px", height="56px"),
                rx.heading("Todo", as_="h1", size="9"),
                rx.text(
                    "A fast, private todo list for everyone on your server. Add, edit and "
                    "complete tasks that appear the moment you type them, from any device.",
                    size="5",
                    color_scheme="gray",
                    max_width="36rem",
                ),
                spacing="4",
                align="center",
                text_align="center",
                padding_x="1rem",
            ),
            display="flex",
            align_items="center",
            justify_content="center",
            min_height="100vh",
        ),
        width="100%",
    )
