"""An event for a handler that no longer exists (a page from an older release submitting its
sign-in form) is logged by Reflex whole: its password must not be in the line."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from reflex_base.event import Event

from tests.state.harness import StateHarness
from todo_app import log_guard

PASSWORD = "correct horse battery staple"


@pytest.fixture
def log_cap() -> Iterator[None]:
    was_installed = log_guard._installed_factory is not None
    log_guard.install_log_cap()
    yield
    if not was_installed:
        log_guard.uninstall_log_cap()


async def test_an_unknown_sign_in_event_logs_no_password(
    tab: StateHarness, log_cap: None, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event(
        name="reflex___state____state.todo_app___auth___state____auth_state.sign_in",
        payload={"form_data": {"email": "ann@example.com", "password": PASSWORD}},
        router_data=tab.router_data(),
    )
    with caplog.at_level(logging.DEBUG):
        await tab.processor.enqueue(tab.token, event)
        await tab.idle()
    assert "auth_state.sign_in" in caplog.text  # Reflex did log the event
    assert PASSWORD not in caplog.text
