"""A member's task page is live for a shared list (issue 18): its load registers it under
the lists its user may see, so the owner's change there reaches it, and nothing else does."""

from __future__ import annotations

import asyncio
import json
import uuid

from tests.factories import make_account, make_task
from tests.state.harness import StateHarness
from todo_app import access
from todo_app.auth.state import AuthState
from todo_app.db import session_scope
from todo_app.models import ListMember, TaskList
from todo_app.tasks import live as live_module
from todo_app.tasks.state import TaskState


async def test_a_members_page_hears_the_owners_change_in_the_shared_list_only(
    tab: StateHarness, wired_live: live_module.Live
) -> None:
    owner = await asyncio.to_thread(make_account, "Own")
    member = await asyncio.to_thread(make_account, "Mem")
    shared = uuid.uuid4()
    with session_scope() as session:
        session.add(TaskList(id=shared, owner_id=owner.id, name="Home", name_key="home"))
        session.flush()
        session.add(ListMember(list_id=shared, user_id=member.id, role=access.VIEWER))
    auth = await tab.state(AuthState)
    auth.token = member.token
    await tab.run(AuthState.require_login)
    await tab.run(TaskState.load_tasks)

    make_task(owner.id, "Owner's secret")  # the owner's Inbox: never the member's
    make_task(owner.id, "Buy bread", list_id=shared)
    await tab.until(lambda: "Buy bread" in json.dumps(tab.deltas, default=str))
    assert "Owner's secret" not in json.dumps(tab.deltas, default=str)
