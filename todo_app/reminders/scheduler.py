"""The reminder scheduler: a lifespan task of the app process, no separate daemon.

Every worker runs one; each tick claims what is due (reminders.service.claim_due), so with
several workers every reminder is still delivered exactly once. A tick that fails is logged
and the next one tries again; reminders missed while the server was down go out on the
first tick after it starts, marked late.
"""

from __future__ import annotations

import asyncio
import logging

from todo_app.reminders import service

logger = logging.getLogger("todo_app.reminders")
# Half a second: a reminder reaches the page well within a second of its time, and a tick
# with nothing due is one indexed read (about a millisecond; bench/reminder_bench.py).
TICK_SECONDS = 0.5


async def run(tick_seconds: float = TICK_SECONDS) -> None:
    while True:
        try:
            await asyncio.to_thread(service.claim_due)
        except Exception:
            logger.warning("a reminder tick failed; trying again", exc_info=True)
        await asyncio.sleep(tick_seconds)
