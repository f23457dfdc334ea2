"""A page's outbox as it reaches the server (``TaskState.send``): each mutation of the signed-in
user's batch applied in order, exactly once (``tasks/mutations.py``), and answered.

Where it runs: a batch of one plain change on SQLite is made on the event loop itself
(``mutations.apply_now``): no thread hop, which costs about as much as the write. Anything
else, or a change that would have to wait, is made in a worker thread.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from todo_app import db
from todo_app.errors import InvalidInput
from todo_app.tasks import mutations

logger = logging.getLogger("todo_app.tasks")


async def apply(
    user_id: uuid.UUID, uid: str, batch: list[Any], origin: str
) -> list[mutations.Receipt]:
    """The answers to ``batch``, sent by the tab ``origin`` for the user ``uid``."""
    receipts = await _apply_soon(user_id, uid, batch, origin)
    if receipts is None:
        receipts = await asyncio.to_thread(_apply_batch, user_id, uid, batch, origin)
    return receipts


def _apply_batch(
    user_id: uuid.UUID, uid: str, batch: list[Any], origin: str
) -> list[mutations.Receipt]:
    """In a worker thread: apply each mutation of the signed-in user's batch in order."""
    if str(user_id) != uid:
        # Made while another account was signed in here: never applied under this one.
        logger.warning("dropped a batch of mutations made under another account")
        return []
    receipts = []
    for raw in batch[: mutations.BATCH_MAX]:
        try:
            mutation = mutations.parse(raw)
        except InvalidInput as exc:
            # Answered when it names itself, so the page can drop it and say why.
            mid = raw.get("mid") if isinstance(raw, dict) else None
            if isinstance(mid, str) and len(mid) <= 36:
                detail = next(iter(exc.fields.values()), exc.message)
                receipts.append(
                    mutations.Receipt(mid, mutations.REFUSED, mutations.INVALID, detail)
                )
            continue
        receipts.append(mutations.apply(user_id, mutation, origin=origin))
    return receipts


NOW_TRIES = 20  # a one-task change waits for the write locks this many times on the loop


async def _apply_soon(
    user_id: uuid.UUID, uid: str, batch: list[Any], origin: str
) -> list[mutations.Receipt] | None:
    """On the event loop: a batch of one plain change applied there (``mutations.apply_now``),
    which saves the thread hop. While another writer holds a lock it waits on the loop (a
    millisecond at a time) rather than in a thread, so one busy moment does not send every
    change after it to the threads. None sends the batch to ``_apply_batch`` in a thread."""
    if str(user_id) != uid or len(batch) != 1 or not db.can_write_now():
        return None  # (the thread path parses and answers it; not parsed twice here)
    try:
        mutation = mutations.parse(batch[0])
    except InvalidInput:
        return None
    for _ in range(NOW_TRIES):
        try:
            receipt = mutations.apply_now(user_id, mutation, origin=origin)
        except db.Busy:
            await asyncio.sleep(0.001)
            continue
        return None if receipt is None else [receipt]
    return None
