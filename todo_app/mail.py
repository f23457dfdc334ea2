"""Outgoing mail: one plain-text message at a time, through the SMTP server in ``TODO_SMTP_URL``.

Messages are sent from a small background pool, never from the request: how long a reply
takes must not tell a caller whether a mail went out (and so whether an account exists), and
a slow mail server must not hold a worker. With no SMTP server configured, a message is
written to the server log instead (the out-of-the-box way to get a reset link on a machine
of one's own); the README says so.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from todo_app.settings import get_settings

logger = logging.getLogger("todo_app.mail")

SMTP_TIMEOUT_SECONDS = 20
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="todo-mail")


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    message.set_content(mail.body)
    return message


def deliver(mail: Mail) -> None:
    """Send one message now (in the caller's thread), or log it when no server is set."""
    settings = get_settings()
    if not settings.smtp_url:
        logger.warning(
            "no SMTP server configured (TODO_SMTP_URL); mail to %r not sent, it reads:\n%s",
            mail.to,
            mail.body,
        )
        return
    url = urlsplit(settings.smtp_url)
    host, port = url.hostname or "localhost", url.port
    context = ssl.create_default_context()
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port or 465, timeout=SMTP_TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(host, port or 25, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if url.scheme == "smtp+starttls":
            client.starttls(context=context)
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(_message(mail, settings.mail_from))


def _deliver_logged(mail: Mail) -> None:
    try:
        deliver(mail)
    except (OSError, smtplib.SMTPException) as exc:
        # The address's domain only: the message (a reset link) must not reach the log.
        logger.error(
            "sending mail to a %r address failed: %s", mail.to.rpartition("@")[2], type(exc)
        )


def send_later(mail: Mail) -> Future[None]:
    """Queue ``mail`` for the background pool; failures are logged, never raised."""
    return _pool.submit(_deliver_logged, mail)
