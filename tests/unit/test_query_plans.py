"""The list and count queries are served by the (owner_id, created_at) index, not a scan."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy.dialects import sqlite
from sqlmodel import Session

from todo_app.db import get_engine, session_scope
from todo_app.models import User
from todo_app.tasks import service

pytestmark = pytest.mark.usefixtures("db")


def _plan(statement: str) -> str:
    with get_engine().connect() as conn:
        if conn.dialect.name != "sqlite":
            pytest.skip("query-plan check is written for SQLite's EXPLAIN QUERY PLAN")
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement).all()
    return " | ".join(str(r[-1]) for r in rows)


def test_list_uses_the_owner_created_index(monkeypatch: pytest.MonkeyPatch) -> None:
    owner = uuid.uuid4()
    with session_scope() as s:
        s.add(User(id=owner, email="plan@example.com", name="p", password_hash="x"))
    for i in range(5):
        service.create_task(owner, f"t{i}")

    captured: list[str] = []
    real_exec = Session.exec

    def spy(self: Session, statement, *args, **kwargs):  # type: ignore[no-untyped-def]
        compiled = statement.compile(
            dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}
        )
        captured.append(str(compiled))
        return real_exec(self, statement, *args, **kwargs)

    monkeypatch.setattr(Session, "exec", spy)
    service.list_tasks(owner, limit=2)
    monkeypatch.undo()

    listing = next(q for q in captured if "ORDER BY" in q)
    plan = _plan(listing)
    assert "ix_tasks_owner_created" in plan, plan
    assert "SCAN tasks" not in plan, plan
