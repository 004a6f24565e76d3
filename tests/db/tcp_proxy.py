"""A TCP proxy between a client and PostgreSQL that a test can cut, for network failures that
are real (refused connections, a peer that stops answering) without touching the server."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

CHUNK_BYTES = 65_536


class TcpProxy:
    """Forwards each accepted connection to `target`.

    `refuse()` closes new connections as soon as they arrive (the server looks unreachable);
    `stall()` also stops passing bytes on the open ones, as a vanished peer does; `restore()`
    undoes both.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._accepting = True
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.refused = 0

    async def start(self) -> int:
        """Listen on a free local port; returns it."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    def refuse(self) -> None:
        self._accepting = False

    def stall(self) -> None:
        self._accepting = False
        self._flowing.clear()

    def restore(self) -> None:
        self._accepting = True
        self._flowing.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks))
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if not self._accepting:
            self.refused += 1
            writer.close()
            self._writers.discard(writer)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            self._writers.discard(writer)
            return
        self._writers.add(upstream_writer)
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pump(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while chunk := await source.read(CHUNK_BYTES):
                await self._flowing.wait()
                sink.write(chunk)
                await sink.drain()
        sink.close()
        self._writers.discard(sink)


@contextlib.asynccontextmanager
async def tcp_proxy(target_host: str, target_port: int) -> AsyncIterator[tuple[TcpProxy, int]]:
    """A running proxy to the target, and its port."""
    proxy = TcpProxy(target_host, target_port)
    port = await proxy.start()
    try:
        yield proxy, port
    finally:
        await proxy.close()
