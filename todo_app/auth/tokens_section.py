"""The "API tokens" section of /account: make a token (name, scopes, expiry), see it once
with a Copy button, and the list of tokens with their last use and a Revoke button each."""

from __future__ import annotations

import reflex as rx

from todo_app.auth import access_tokens
from todo_app.auth.pages import field, submit_button
from todo_app.auth.tokens_state import (
    BUSY_CREATE,
    EXPIRY_CHOICES,
    MADE_BY_FORM,
    TokenRow,
    TokensState,
)
from todo_app.ui.fields import field_error
from todo_app.ui.layout import settings_row, titled_section

HEADING_ID = "api-tokens-heading"


def _scope_box(name: str, what: str) -> rx.Component:
    box_id = f"scope_{name.replace(':', '_')}"
    return rx.el.label(
        rx.el.input(type="checkbox", id=box_id, name=f"scope_{name}", value="on"),
        rx.el.span(rx.el.code(name), " ", rx.text(what, as_="span", color_scheme="gray")),
        html_for=box_id,
        display="flex",
        gap="0.5rem",
        align_items="baseline",
        font_size="var(--font-size-2)",
    )


def _create_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            field(TokensState, "Token name", "token_name", auto_complete="off"),
            rx.el.fieldset(
                rx.el.legend("Scopes", font_weight="500", font_size="var(--font-size-2)"),
                *[_scope_box(name, what) for name, what in access_tokens.SCOPES.items()],
                field_error(
                    TokensState.errors.get("token_scopes", "").to(str), "token_scopes-error"
                ),
                id="token_scopes",
                aria_describedby="token_scopes-error",
                border="none",
                padding="0",
                margin="0",
                display="flex",
                flex_direction="column",
                gap="0.25rem",
            ),
            rx.el.label(
                "Expires",
                html_for="token_expiry",
                font_weight="500",
                font_size="var(--font-size-2)",
            ),
            rx.el.select(
                *[rx.el.option(label, value=value) for value, label in EXPIRY_CHOICES],
                id="token_expiry",
                name="token_expiry",
                default_value="30",
            ),
            submit_button(TokensState, "Create token", BUSY_CREATE, size="2"),
            spacing="2",
            width="100%",
        ),
        on_submit=TokensState.create_token,
        reset_on_submit=True,
        no_validate=True,
        width="100%",
    )


def new_token_callout(
    made_for: str,
    *,
    what: str = "Your new token",
    copy_label: str = "Copy token",
    copied: str = "Token copied",
    field_name: str = "New token",
    test_id: str = "new-token",
    use: str = "",
) -> rx.Component:
    """The token just made, shown once with a Copy button, in the section that made it
    (``made_for``: ``TokensState.new_token_for``). "Sync with your phone" shows its app
    passwords through the same piece."""
    return rx.cond(
        (TokensState.new_token != "") & (TokensState.new_token_for == made_for),
        rx.callout.root(
            rx.vstack(
                rx.text(
                    what + " ",
                    rx.el.strong(TokensState.new_token_name),
                    ". Copy it now: it is not shown again." + (f" {use}" if use else ""),
                    size="2",
                ),
                rx.el.code(
                    TokensState.new_token,
                    word_break="break-all",
                    aria_label=field_name,
                    data_testid=test_id,
                ),
                rx.hstack(
                    rx.button(
                        copy_label,
                        type="button",
                        on_click=[
                            rx.set_clipboard(TokensState.new_token),
                            rx.toast.success(copied),
                        ],
                        size="2",
                    ),
                    rx.button(
                        "Done",
                        type="button",
                        variant="soft",
                        on_click=TokensState.dismiss_new_token,
                        size="2",
                    ),
                    wrap="wrap",
                ),
                spacing="2",
                width="100%",
            ),
            color_scheme="green",
            role="status",
            width="100%",
        ),
    )


def _token_item(row: TokenRow) -> rx.Component:
    return settings_row(
        rx.vstack(
            rx.text(row.name, weight="medium", word_break="break-word"),
            rx.text(row.scopes, size="2"),
            rx.text(
                "Created ",
                rx.el.time(row.created, date_time=row.created_iso),
                " · ",
                row.expires,
                size="2",
                color_scheme="gray",
            ),
            rx.text(
                "Last used: ",
                rx.cond(
                    row.last_used_iso != "",
                    rx.el.time(row.last_used, date_time=row.last_used_iso),
                    row.last_used,
                ),
                rx.cond(row.last_used_ip != "", " · " + row.last_used_ip, ""),
                size="2",
                color_scheme="gray",
            ),
            spacing="1",
            min_width="0",
        ),
        rx.button(
            "Revoke",
            on_click=TokensState.revoke_token(row.id),
            variant="soft",
            color_scheme="red",
            size="2",
            aria_label="Revoke " + row.name,
        ),
    )


def tokens_section() -> rx.Component:
    """The section, loading its list when it appears."""
    return titled_section(
        "API tokens",
        rx.text(
            "Tokens let scripts and other programs use your tasks through the REST API "
            "(Authorization: Bearer todo_pat_...). Changing your password keeps them; "
            "revoke one you no longer use.",
            size="2",
            color_scheme="gray",
        ),
        new_token_callout(MADE_BY_FORM),
        _create_form(),
        rx.cond(
            TokensState.tokens.length() > 0,
            rx.el.ul(
                rx.foreach(TokensState.tokens, _token_item),
                list_style="none",
                padding="0",
                margin="0",
                width="100%",
            ),
            rx.text("No tokens yet", size="2", color_scheme="gray"),
        ),
        on_mount=TokensState.load_tokens,
    )
