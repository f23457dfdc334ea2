"""A Redis pub/sub channel every worker listens to: how one worker tells the others (an
account changed: ``auth/rechecks.py``; a task changed: ``tasks/live.py``).

Publishing is one round trip. Listening is one daemon thread per channel and worker, which
hands each message to ``hear`` and subscribes again after a lost connection; messages sent
while it was gone are missed, so each user of a channel says what covers for that.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger("todo_app.channels")


class RedisChannel:
    def __init__(self, url: str, name: str) -> None:
        import redis

        self.url, self.name = url, name
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._listener: threading.Thread | None = None

    def publish(self, message: bytes) -> None:
        self._redis.publish(self.name, message)

    def listen(self, hear: Callable[[bytes], None]) -> None:
        """Start hearing the channel (once; later calls do nothing)."""
        if self._listener is None:
            self._listener = threading.Thread(
                target=self._listen, args=(hear,), name=f"listen-{self.name}", daemon=True
            )
            self._listener.start()

    def _listen(self, hear: Callable[[bytes], None]) -> None:
        import redis

        while True:
            try:
                client = redis.Redis.from_url(self.url, socket_connect_timeout=2)
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.name)
                for message in pubsub.listen():
                    data = message.get("data")
                    if isinstance(data, bytes):
                        hear(data)
            except Exception:
                logger.warning("lost the channel %s; listening again", self.name, exc_info=True)
                time.sleep(1)
