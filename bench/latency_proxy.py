"""A TCP proxy on 127.0.0.1 that delays every server-to-client chunk: latency from outside.

Put it in front of PostgreSQL and every database round trip the app makes costs at least
``delay_s`` more; the app is not told and cannot tell. Chunks keep their order and are not
serialised behind each other (each is delivered ``delay_s`` after it arrived), so pipelined
traffic is not slowed more than a real slow link would slow it. The delay can be changed while
the proxy runs (``proxy.delay_s = 0.5``).

    proxy = LatencyProxy(("127.0.0.1", 5432), delay_s=0.5)
    proxy.start()          # a daemon thread with its own event loop
    ... connect to 127.0.0.1:proxy.port ...
    proxy.stop()

``python bench/latency_proxy.py 5432 0.5`` runs one in the foreground and prints its port.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
import time


class LatencyProxy:
    def __init__(self, upstream: tuple[str, int], delay_s: float = 0.0) -> None:
        self.upstream = upstream
        self.delay_s = delay_s
        self.port = 0
        self.chunks_delayed = 0  # server-to-client chunks, about one per database round trip
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tasks: set[asyncio.Task] = set()

    # --- the thread ------------------------------------------------------------------------

    def start(self) -> int:
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("latency proxy did not start")
        return self.port

    def stop(self) -> None:
        if self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            with contextlib.suppress(Exception):
                loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # --- one connection -----------------------------------------------------------------------

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter):
        self.connections += 1
        try:
            up_r, up_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        queue: asyncio.Queue[tuple[float, bytes | None]] = asyncio.Queue()
        tasks = [
            asyncio.ensure_future(self._pipe(client_r, up_w)),  # client -> server: no delay
            asyncio.ensure_future(self._read_delayed(up_r, queue)),
            asyncio.ensure_future(self._write_delayed(queue, client_w)),
        ]
        self._tasks.update(tasks)
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
                self._tasks.discard(task)
            for writer in (client_w, up_w):
                with contextlib.suppress(Exception):
                    writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _read_delayed(self, reader: asyncio.StreamReader, queue: asyncio.Queue) -> None:
        while data := await reader.read(65536):
            await queue.put((time.monotonic() + self.delay_s, data))
        await queue.put((time.monotonic() + self.delay_s, None))
        await asyncio.Event().wait()  # the writer ends the connection after the last chunk

    async def _write_delayed(self, queue: asyncio.Queue, writer: asyncio.StreamWriter) -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                return
            self.chunks_delayed += 1
            writer.write(data)
            await writer.drain()


if __name__ == "__main__":
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5432
    delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.5
    proxy = LatencyProxy(("127.0.0.1", port), delay)
    print(f"127.0.0.1:{proxy.start()} -> 127.0.0.1:{port}, +{delay * 1000:.0f} ms per chunk")
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            time.sleep(3600)
