"""Sign-in throttling over HTTP: concurrent requests, other addresses, the account's ceiling."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.conftest import PASSWORD, Account
from tests.races import race, slow_down_password_checks
from todo_app.auth import throttle

SIGN_IN = "/api/auth/sign-in"
ATTACKER = "192.0.2.66"


def _at(api: FastAPI, ip: str) -> TestClient:
    return TestClient(api, client=(ip, 50000))


@pytest.fixture(autouse=True)
def slow_password_check(monkeypatch: pytest.MonkeyPatch) -> None:
    slow_down_password_checks(monkeypatch)


def _concurrently(requests: list[tuple[TestClient, dict[str, str]]]) -> list[httpx.Response]:
    """POST every body to sign-in at once, one thread each."""
    responses = race([lambda c=c, b=b: c.post(SIGN_IN, json=b) for c, b in requests])
    # (An answer, not an exception: the TestClient's response class is httpx2's once httpx2
    # is installed, as the MCP SDK and openai bring it.)
    assert not any(isinstance(response, BaseException) for response in responses), responses
    return responses  # type: ignore[return-value]


def _statuses(responses: list[httpx.Response]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for response in responses:
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
    return counts


def test_twelve_concurrent_wrong_passwords_get_five_401s_and_the_rest_429(
    client: TestClient, alice: Account, api: FastAPI
) -> None:
    attacker = _at(api, ATTACKER)
    wrong = {"email": alice.email, "password": "not the password"}
    responses = _concurrently([(attacker, wrong)] * 12)
    assert _statuses(responses) == {401: 5, 429: 7}
    for response in responses:
        if response.status_code == 429:
            assert 880 <= int(response.headers["retry-after"]) <= 900
    right = {"email": alice.email, "password": PASSWORD}
    refused = attacker.post(SIGN_IN, json=right)
    assert refused.status_code == 429
    assert 880 <= int(refused.headers["retry-after"]) <= 900
    # The owner, elsewhere, gets in during the attack.
    assert _at(api, "198.51.100.2").post(SIGN_IN, json=right).status_code == 200


def test_a_distributed_attack_stops_at_the_account_ceiling_but_not_for_a_known_address(
    client: TestClient, alice: Account, api: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(throttle, "ACCOUNT_RULE", throttle.Rule("email:", 10, timedelta(hours=1)))
    wrong = {"email": alice.email, "password": "not the password"}
    responses = _concurrently([(_at(api, f"198.51.100.{n}"), wrong) for n in range(16)])
    assert _statuses(responses) == {401: 10, 429: 6}
    right = {"email": alice.email, "password": PASSWORD}
    new_address = _at(api, "203.0.113.9").post(SIGN_IN, json=right)
    assert new_address.status_code == 429
    assert 3580 <= int(new_address.headers["retry-after"]) <= 3600
    # Alice signed up from the test client's address: from there she still gets in.
    assert client.post(SIGN_IN, json=right).status_code == 200
