"""The Reflex app: pages, theme, and (later) the REST API mounted on the same port."""

import reflex as rx

import todo_app.models  # noqa: F401  (Reflex checks the schema against these tables)

from todo_app.ui.landing import landing_page

APP_TITLE = "Todo"
APP_DESCRIPTION = "Your tasks, instantly, privately, on your own server."

app = rx.App(
    head_components=[rx.el.meta(name="color-scheme", content="light dark")],
)
app.add_page(landing_page, route="/", title=APP_TITLE, description=APP_DESCRIPTION)
