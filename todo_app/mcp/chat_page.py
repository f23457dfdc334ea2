"""/chat: talk to the assistant about your tasks. The conversations on the left (newest
first, "New chat"), the open one's messages, and the message field; the reply streams in and
each tool call shows as a line ("Added 'Buy milk'"). Without a model configured the page says
how to turn the chat on."""

from __future__ import annotations

import reflex as rx

from todo_app.auth.navbar import signed_in_shell
from todo_app.auth.pages import protected
from todo_app.mcp.chat_state import ChatLine, ChatState, ConversationRow, ToolLine


def _conversation(row: ConversationRow) -> rx.Component:
    current = row.id == ChatState.conversation_id
    return rx.el.li(
        rx.button(
            row.title,
            on_click=ChatState.open_conversation(row.id),
            variant=rx.cond(current, "soft", "ghost"),
            aria_current=rx.cond(current, "true", "false"),
            size="2",
            width="100%",
            justify_content="flex-start",  # a title reads from the left, as in a list
            overflow="hidden",
            text_overflow="ellipsis",
            white_space="nowrap",
        ),
        list_style="none",
    )


def _conversations() -> rx.Component:
    return rx.vstack(
        rx.button(
            "New chat",
            on_click=ChatState.new_chat,
            variant="outline",
            size="2",
            width="100%",
            disabled=ChatState.streaming,
        ),
        rx.el.ul(
            rx.foreach(ChatState.conversations, _conversation),
            aria_label="Conversations",
            padding="0",
            margin="0",
            width="100%",
            display="flex",
            flex_direction="column",
            gap="0.25rem",
        ),
        width=["100%", "100%", "14rem"],
        flex_shrink="0",
        spacing="2",
    )


def _tool_line(tool: ToolLine) -> rx.Component:
    """A tool call, with Undo for a change (the task page shows the undo live)."""
    return rx.hstack(
        rx.text(tool.text, size="2", color_scheme="gray", class_name="tool-call"),
        rx.cond(
            tool.undone,
            rx.text("Undone", size="1", color_scheme="gray"),
            rx.cond(
                tool.change_id != "",
                rx.button(
                    "Undo",
                    size="1",
                    variant="ghost",
                    aria_label="Undo: " + tool.text,
                    on_click=ChatState.undo(tool.change_id),
                ),
            ),
        ),
        spacing="2",
        align="center",
    )


def _line(line: ChatLine) -> rx.Component:
    mine = line.role == "user"
    return rx.box(
        rx.el.span(rx.cond(mine, "You", "Assistant"), style={"font-weight": "600"}),
        rx.foreach(line.tools, _tool_line),
        rx.text(line.content, white_space="pre-wrap", word_break="break-word"),
        background_color=rx.cond(mine, "var(--accent-a3)", "var(--gray-a2)"),
        border_radius="var(--radius-3)",
        padding="0.5rem 0.75rem",
        align_self=rx.cond(mine, "flex-end", "flex-start"),
        max_width="85%",
        class_name=rx.cond(mine, "chat-user", "chat-assistant"),
    )


def _composer() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("Message", html_for="message", font_weight="500"),
            rx.hstack(
                rx.input(
                    id="message",
                    name="message",
                    placeholder="Add buy milk, what is due today?…",
                    auto_complete="off",
                    max_length=4000,
                    size="3",
                    flex="1",
                    aria_describedby="chat-error",
                ),
                rx.button("Send", type="submit", size="3", loading=ChatState.streaming),
                width="100%",
            ),
            rx.cond(
                ChatState.error != "",
                rx.text(ChatState.error, id="chat-error", color_scheme="red", size="2"),
                rx.el.span(id="chat-error"),
            ),
            width="100%",
            spacing="1",
        ),
        on_submit=ChatState.send,
        reset_on_submit=True,
        width="100%",
    )


def _chat_off() -> rx.Component:
    return rx.callout(ChatState.off_message, icon="info", color_scheme="gray", role="status")


def chat_page() -> rx.Component:
    return protected(
        signed_in_shell(
            rx.vstack(
                rx.heading("Chat", as_="h1", size="7"),
                rx.cond(
                    ChatState.chat_enabled,
                    rx.flex(
                        _conversations(),
                        rx.vstack(
                            rx.box(
                                rx.foreach(ChatState.lines, _line),
                                role="log",
                                aria_label="Messages",
                                aria_live="polite",
                                display="flex",
                                flex_direction="column",
                                gap="0.5rem",
                                width="100%",
                                min_height="12rem",
                            ),
                            _composer(),
                            flex="1",
                            width="100%",
                            spacing="3",
                        ),
                        direction=rx.breakpoints(initial="column", md="row"),
                        gap="1rem",
                        width="100%",
                    ),
                    _chat_off(),
                ),
                spacing="4",
                width="100%",
            ),
        )
    )
