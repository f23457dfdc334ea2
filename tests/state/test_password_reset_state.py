"""ForgotState and ResetState in-process: asking for a link, the link checked on arrival,
the new password set, and the page's words for each outcome."""

from __future__ import annotations

from tests.factories import PASSWORD, make_account
from tests.mailbox import Mailbox
from tests.state.harness import StateHarness
from todo_app.auth import reset, service
from todo_app.auth.forms import ForgotState, ResetState
from todo_app.errors import Unauthenticated

NEW_PASSWORD = "a brand new passphrase"


async def _ask(tab: StateHarness, email: str) -> ForgotState:
    tab.path, tab.query = "/forgot", {}
    await tab.run(ForgotState.clear_form)
    await tab.run(ForgotState.request_link, form_data={"email": email})
    return await tab.state(ForgotState)


async def test_asking_for_a_link_says_the_same_for_any_email(
    tab: StateHarness, mailbox: Mailbox
) -> None:
    ann = make_account("Ann")
    assert (await _ask(tab, ann.email)).sent_notice == reset.SENT
    assert (await _ask(tab.new_tab(), "nobody@example.com")).sent_notice == reset.SENT
    assert mailbox.quiet_for(0.3) == 1


async def test_a_malformed_or_empty_email_is_a_field_error(
    tab: StateHarness, mailbox: Mailbox
) -> None:
    for email in ("", "not an email"):
        state = await _ask(tab, email)
        assert set(state.errors) == {"email"} and state.sent_notice == ""


async def test_the_link_sets_a_new_password_and_sends_to_sign_in(
    tab: StateHarness, mailbox: Mailbox
) -> None:
    ann = make_account("Ann")
    await _ask(tab, ann.email)
    _, token = mailbox.link()
    tab.path, tab.query = "/reset", {"token": token}
    await tab.run(ResetState.check_link)
    state = await tab.state(ResetState)
    assert state.link_error == "" and state.link_email == ann.email
    events = await tab.run(ResetState.set_password, form_data={"password": "short"})
    state = await tab.state(ResetState)
    assert set(state.errors) == {"password"} and tab.redirects(events) == []
    events = await tab.run(ResetState.set_password, form_data={"password": NEW_PASSWORD})
    assert tab.redirects(events) == ["/login?reason=reset"]
    try:
        service.authenticate(ann.token)
        raise AssertionError("the old session survived the reset")
    except Unauthenticated:
        pass
    assert service.sign_in(ann.email, NEW_PASSWORD).user.id == ann.id


async def test_a_used_or_unknown_link_says_so_on_arrival(
    tab: StateHarness, mailbox: Mailbox
) -> None:
    ann = make_account("Ann")
    await _ask(tab, ann.email)
    _, token = mailbox.link()
    reset.confirm_reset(token, NEW_PASSWORD)
    for query in ({"token": token}, {"token": "made-up"}, {}):
        tab.path, tab.query = "/reset", query
        await tab.run(ResetState.check_link)
        assert (await tab.state(ResetState)).link_error == reset.INVALID_LINK
    events = await tab.run(ResetState.set_password, form_data={"password": PASSWORD})
    assert tab.redirects(events) == []
    assert (await tab.state(ResetState)).link_error == reset.INVALID_LINK
