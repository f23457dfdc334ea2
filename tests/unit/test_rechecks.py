"""Account changes reach every worker, so open pages read their session again at once."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.factories import make_account
from tests.services import REDIS_URL, missing
from todo_app.auth import service
from todo_app.auth.rechecks import Rechecks, RedisRechecks


def test_a_mark_is_remembered_with_its_time() -> None:
    marks = Rechecks()
    user = uuid.uuid4()
    assert marks.since(str(user)) == 0.0
    before = time.time()
    marks.mark(user)
    assert before <= marks.since(str(user)) <= time.time()


@pytest.mark.usefixtures("db")
def test_every_way_a_session_ends_or_an_account_changes_is_announced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    heard: list[uuid.UUID] = []
    monkeypatch.setattr(service, "account_listeners", [heard.append])
    ann = make_account("Ann")
    other = service.sign_in(ann.email, "correct horse battery")
    service.sign_out(other.token)
    third = service.sign_in(ann.email, "correct horse battery")
    service.revoke_session(ann.id, third.session_id)
    service.revoke_other_sessions(ann.id, service.authenticate(ann.token).session_id)
    service.update_account(ann.id, time_zone="Europe/Paris")
    service.change_password(
        ann.id, "correct horse battery", "a new passphrase", current_session_id=None
    )
    service.delete_account(ann.id, "a new passphrase")
    assert heard == [ann.id] * 6


def test_marks_reach_the_other_workers_through_redis() -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        missing(f"Redis not reachable at {REDIS_URL}: {exc}")
    worker_one, worker_two = RedisRechecks(REDIS_URL), RedisRechecks(REDIS_URL)
    worker_two.start()
    user = str(uuid.uuid4())
    deadline = time.monotonic() + 5
    while worker_two.since(user) == 0.0:  # the listener may still be subscribing
        assert time.monotonic() < deadline, "the mark never reached the other worker"
        worker_one.mark(user)
        time.sleep(0.05)
    assert worker_one.since(user) > 0  # and the marking worker at once
