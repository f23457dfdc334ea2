"""Password reset through a real SMTP server: the mail, the link, its single use, its expiry,
the sessions it ends, and the throttles around it."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from tests.factories import PASSWORD, make_account
from tests.mailbox import Mailbox
from todo_app.auth import reset, service
from todo_app.db import session_scope
from todo_app.errors import InvalidCredentials, InvalidInput, Throttled, Unauthenticated
from todo_app.models import PasswordReset, utcnow
from todo_app.settings import get_settings

pytestmark = pytest.mark.usefixtures("db")

NEW_PASSWORD = "a brand new passphrase"


def test_a_reset_mails_a_link_that_sets_the_password_and_ends_every_session(
    mailbox: Mailbox,
) -> None:
    ann = make_account("Ann")
    second = service.sign_in(ann.email, PASSWORD)
    reset.request_reset(ann.email.upper(), ip="10.0.0.1")
    [message] = mailbox.wait_for(1)
    assert message["To"] == ann.email
    assert message["Subject"] == reset.SUBJECT
    url, token = mailbox.link()
    assert url.startswith(f"{get_settings().site_url}/reset?token=")
    assert reset.check_link(token) == ann.email
    reset.confirm_reset(token, NEW_PASSWORD, ip="10.0.0.1")
    for old in (ann.token, second.token):
        with pytest.raises(Unauthenticated):
            service.authenticate(old)
    with pytest.raises(InvalidCredentials):
        service.sign_in(ann.email, PASSWORD)
    assert service.sign_in(ann.email, NEW_PASSWORD).user.id == ann.id


def test_a_link_works_once(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    reset.confirm_reset(token, NEW_PASSWORD)
    with pytest.raises(InvalidInput) as refused:
        reset.confirm_reset(token, "yet another passphrase")
    assert refused.value.fields == {"token": reset.INVALID_LINK}
    with pytest.raises(InvalidInput):
        reset.check_link(token)
    assert service.sign_in(ann.email, NEW_PASSWORD).user.id == ann.id


def test_a_password_change_spends_the_links_asked_for_before_it(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    session = service.authenticate(ann.token).session_id
    service.change_password(ann.id, PASSWORD, NEW_PASSWORD, current_session_id=session)
    with pytest.raises(InvalidInput) as refused:
        reset.check_link(token)  # a link mailed before the change cannot undo it
    assert refused.value.fields == {"token": reset.INVALID_LINK}
    with pytest.raises(InvalidInput):
        reset.confirm_reset(token, "an attackers passphrase")
    assert service.sign_in(ann.email, NEW_PASSWORD).user.id == ann.id


def test_an_expired_link_is_refused(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    with session_scope() as s:
        row = s.exec(select(PasswordReset)).one()
        assert row.expires_at - row.created_at == timedelta(minutes=30)
        row.expires_at = utcnow() - timedelta(seconds=1)
    with pytest.raises(InvalidInput) as refused:
        reset.confirm_reset(token, NEW_PASSWORD)
    assert "token" in refused.value.fields
    assert service.sign_in(ann.email, PASSWORD).user.id == ann.id


def test_only_the_tokens_hash_is_stored(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    with session_scope() as s:
        row = s.exec(select(PasswordReset)).one()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in row.token_hash


def test_a_new_link_replaces_the_earlier_one(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, first = mailbox.link(0)
    reset.request_reset(ann.email)  # after the first mail: the pool sends two at once
    _, second = mailbox.link(1)
    with pytest.raises(InvalidInput):
        reset.confirm_reset(first, NEW_PASSWORD)
    reset.confirm_reset(second, NEW_PASSWORD)


def test_an_unknown_email_answers_the_same_and_sends_nothing(mailbox: Mailbox) -> None:
    make_account("Ann")
    assert reset.request_reset("nobody@example.com") is None
    assert mailbox.quiet_for(0.3) == 0


def test_a_malformed_email_is_a_field_error(mailbox: Mailbox) -> None:
    with pytest.raises(InvalidInput) as refused:
        reset.request_reset("not an email")
    assert set(refused.value.fields) == {"email"}


def test_a_weak_new_password_is_refused_and_the_link_still_works(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    with pytest.raises(InvalidInput) as refused:
        reset.confirm_reset(token, "short")
    assert set(refused.value.fields) == {"password"}
    service.authenticate(ann.token)  # nothing changed yet
    reset.confirm_reset(token, NEW_PASSWORD)


def test_two_requests_racing_with_one_link_reset_once(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt(password: str) -> None:
        barrier.wait()
        try:
            reset.confirm_reset(token, password)
            outcomes.append(password)
        except InvalidInput:
            outcomes.append("refused")

    passwords = [f"racing passphrase {n}" for n in range(4)]
    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [outcome for outcome in outcomes if outcome != "refused"]
    assert len(winners) == 1, outcomes
    assert service.sign_in(ann.email, winners[0]).user.id == ann.id


def test_requests_for_one_email_are_throttled_whether_or_not_it_exists(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    for email in (ann.email, "nobody@example.com"):
        for _ in range(reset.REQUESTS_PER_EMAIL.limit):
            reset.request_reset(email)
        with pytest.raises(Throttled):
            reset.request_reset(email)
    mailbox.wait_for(reset.REQUESTS_PER_EMAIL.limit)  # mail goes out in the background
    assert mailbox.quiet_for(0.3) == reset.REQUESTS_PER_EMAIL.limit  # and no more comes


def test_bad_links_from_one_address_are_throttled(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    for n in range(reset.BAD_LINKS_PER_IP.limit):
        with pytest.raises(InvalidInput):
            reset.confirm_reset(f"guess-{n}", NEW_PASSWORD, ip="10.0.0.9")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    with pytest.raises(Throttled):  # even a real link, from that address, for a while
        reset.confirm_reset(token, NEW_PASSWORD, ip="10.0.0.9")
    reset.confirm_reset(token, NEW_PASSWORD, ip="10.0.0.10")


def test_a_reset_lifts_the_sign_in_throttle(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    for _ in range(8):
        with contextlib.suppress(InvalidCredentials, Throttled):
            service.sign_in(ann.email, "wrong password", ip="10.0.0.1")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    reset.confirm_reset(token, NEW_PASSWORD)
    assert service.sign_in(ann.email, NEW_PASSWORD, ip="10.0.0.1").user.id == ann.id


def test_deleting_the_account_deletes_its_links(mailbox: Mailbox) -> None:
    ann = make_account("Ann")
    reset.request_reset(ann.email)
    _, token = mailbox.link()
    service.delete_account(ann.id, PASSWORD)
    with session_scope() as s:
        assert s.exec(sa.select(sa.func.count()).select_from(PasswordReset)).one()[0] == 0
    with pytest.raises(InvalidInput):
        reset.confirm_reset(token, NEW_PASSWORD)


def test_without_smtp_the_link_goes_to_the_server_log(caplog: pytest.LogCaptureFixture) -> None:
    ann = make_account("Ann")
    with caplog.at_level(logging.WARNING, logger="todo_app.mail"):
        reset.request_reset(ann.email)
        deadline = threading.Event()
        for _ in range(200):
            if "/reset?token=" in caplog.text:
                break
            deadline.wait(0.02)
    assert "no SMTP server configured" in caplog.text
    found = re.search(r"/reset\?token=([\w-]+)", caplog.text)
    assert found, caplog.text
    token = found.group(1)
    reset.confirm_reset(token, NEW_PASSWORD)
