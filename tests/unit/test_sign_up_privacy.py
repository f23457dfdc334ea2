"""Sign-up with a registered email: the owner gets in, nobody else learns more than "this
email cannot be used", the owner is told, and it is no way around the sign-in throttle."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_account
from tests.mailbox import Mailbox
from todo_app.auth import service, throttle
from todo_app.errors import Conflict, Throttled

pytestmark = pytest.mark.usefixtures("db")


def test_signing_up_again_with_the_accounts_password_signs_in() -> None:
    ann = make_account("Ann")
    again = service.sign_up(ann.email.upper(), PASSWORD, "Someone")
    assert again.user.id == ann.id and again.user.name == "Ann"
    assert service.authenticate(again.token).user.id == ann.id


def test_another_password_is_refused_without_a_session_and_the_owner_is_told_once(
    mailbox: Mailbox,
) -> None:
    ann = make_account("Ann")
    for _ in range(3):
        with pytest.raises(Conflict) as refused:
            service.sign_up(ann.email, "some other passphrase", "Mallory")
    assert refused.value.message == service.EMAIL_TAKEN
    assert mailbox.quiet_for(0.3) == 1
    [notice] = mailbox.messages
    assert notice["To"] == ann.email
    assert "/forgot" in notice.get_payload(decode=True).decode()
    assert len(service.list_sessions(ann.id, None)) == 1  # only Ann's own


def test_sign_up_is_no_way_around_the_sign_in_throttle() -> None:
    ann = make_account("Ann")
    with pytest.raises(Throttled):
        for _ in range(throttle.PAIR_RULE.limit + 1):
            try:
                service.sign_up(ann.email, "a wrong guess here", ip="10.0.0.7")
            except Conflict:
                continue
    with pytest.raises(Throttled):  # the right password too, from that client, for a while
        service.sign_up(ann.email, PASSWORD, ip="10.0.0.7")
