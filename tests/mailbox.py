"""A real SMTP server in the test process (aiosmtpd), and the app pointed at it.

The app sends through ``smtplib`` exactly as it would to a mail provider; the tests read what
arrived here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from tests.services import free_port
from todo_app import mail
from todo_app.settings import get_settings

LINK = re.compile(r"(http\S+/reset\?token=([\w-]+))")


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@dataclasses.dataclass
class Mailbox:
    inbox: _Inbox
    url: str

    @property
    def messages(self) -> list[Message]:
        return self.inbox.messages

    def wait_for(self, count: int, timeout: float = 10) -> list[Message]:
        """The first ``count`` messages, once they have arrived."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"expected {count} mails, got {len(self.messages)}")
            time.sleep(0.02)
        return self.messages[:count]

    def quiet_for(self, seconds: float = 0.5) -> int:
        """How many messages there are once nothing has arrived for ``seconds``."""
        seen = -1
        while seen != len(self.messages):
            seen = len(self.messages)
            time.sleep(seconds)
        return seen

    def link(self, index: int = -1) -> tuple[str, str]:
        """The reset link in a message, and its token."""
        self.wait_for(index + 1 if index >= 0 else 1)
        body = self.messages[index].get_payload(decode=True).decode()
        found = LINK.search(body)
        assert found, body
        return found.group(1), found.group(2)


@contextlib.contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """An SMTP server on a free port, for as long as the block runs."""
    inbox = _Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield Mailbox(inbox, f"smtp://127.0.0.1:{port}")
    finally:
        controller.stop()


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """An SMTP server; the app's mail (in this process) goes there for this test."""
    with smtp_server() as box:
        settings = dataclasses.replace(get_settings(), smtp_url=box.url)
        monkeypatch.setattr(mail, "get_settings", lambda: settings)
        yield box
