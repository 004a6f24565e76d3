"""Counting the statements a server sends, from outside it: a PostgreSQL protocol relay.

The benchmark's statements figure starts a server whose `DATABASE_URL` points at this relay
instead of PostgreSQL. The relay passes every byte through unchanged and reads the client side
of the protocol as it goes: each simple query (`Q`) and each execution of a prepared statement
(`E`, whose text it knows from the `Parse` and `Bind` messages before it) is one statement. It
needs nothing from the app and nothing from the database server (`pg_stat_statements` would need
a restart of the server to be loaded), and it counts what actually crosses the wire: statements
served from a cache in the app's memory do not appear, a cache that misses does.

It answers "no" to a client's request for TLS (the relay is on the loopback interface and must
read the messages), so the client talks in the clear, as it does to a server without TLS.
"""

import asyncio
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

_SSL_REQUEST = 80877103
_GSSENC_REQUEST = 80877104
_CANCEL_REQUEST = 80877102
_TRANSACTION_CONTROL = ("BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK", "END")
_BUFFER = 65536


def statement_label(text: str, width: int = 90) -> str:
    """A statement's text on one line, cut to `width` characters (how the report names it)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def is_transaction_control(text: str) -> bool:
    return " ".join(text.split()).upper().startswith(_TRANSACTION_CONTROL)


@dataclass
class Tally:
    """What the clients sent since the last reset: statements by their text, and transaction
    control (BEGIN, COMMIT, ROLLBACK) apart."""

    statements: Counter[str] = field(default_factory=Counter)
    transaction_control: Counter[str] = field(default_factory=Counter)

    def note(self, text: str) -> None:
        label = statement_label(text)
        if is_transaction_control(text):
            self.transaction_control[label] += 1
        else:
            self.statements[label] += 1

    def copy(self) -> "Tally":
        return Tally(Counter(self.statements), Counter(self.transaction_control))


class _Session:
    """One client connection's prepared statements and portals, to name what `E` executes."""

    def __init__(self, tally: Tally, lock: threading.Lock) -> None:
        self._tally = tally
        self._lock = lock
        self._statements: dict[bytes, str] = {}
        self._portals: dict[bytes, bytes] = {}

    def read(self, kind: bytes, body: bytes) -> None:
        if kind == b"Q":
            self._count(body.split(b"\0", 1)[0].decode(errors="replace"))
        elif kind == b"P":
            name, rest = body.split(b"\0", 1)
            self._statements[name] = rest.split(b"\0", 1)[0].decode(errors="replace")
        elif kind == b"B":
            portal, rest = body.split(b"\0", 1)
            self._portals[portal] = rest.split(b"\0", 1)[0]
        elif kind == b"E":
            portal = body.split(b"\0", 1)[0]
            statement = self._portals.get(portal, b"")
            self._count(self._statements.get(statement, "(a statement prepared elsewhere)"))
        elif kind == b"C" and body[:1] == b"S":
            self._statements.pop(body[1:].split(b"\0", 1)[0], None)

    def _count(self, text: str) -> None:
        with self._lock:
            self._tally.note(text)


class StatementCounter:
    """A relay on a free loopback port to the PostgreSQL server at `host:port`, in a thread of
    its own; `snapshot()` and `reset()` read and clear what it has counted."""

    def __init__(self, host: str, port: int) -> None:
        self._target = (host, port)
        self._lock = threading.Lock()
        self._tally = Tally()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        done: Future[Any] = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        done.result(timeout=10)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            for writer in list(self._writers):
                writer.close()
            if self._server is not None:
                await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    def reset(self) -> None:
        with self._lock:
            self._tally.statements.clear()
            self._tally.transaction_control.clear()

    def snapshot(self) -> Tally:
        with self._lock:
            return self._tally.copy()

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, client: asyncio.StreamReader, to_client: asyncio.StreamWriter) -> None:
        try:
            server, to_server = await asyncio.open_connection(*self._target)
        except OSError:
            to_client.close()
            return
        self._writers |= {to_client, to_server}
        try:
            if not await self._start_up(client, to_client, to_server):
                return
            session = _Session(self._tally, self._lock)
            await asyncio.gather(
                self._client_messages(client, to_server, session),
                self._copy(server, to_client),
                return_exceptions=True,
            )
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            for writer in (to_client, to_server):
                writer.close()
                self._writers.discard(writer)

    async def _start_up(
        self,
        client: asyncio.StreamReader,
        to_client: asyncio.StreamWriter,
        to_server: asyncio.StreamWriter,
    ) -> bool:
        """Refuse TLS and GSS encryption, then pass the startup (or cancel) message on."""
        while True:
            length = struct.unpack("!i", await client.readexactly(4))[0]
            body = await client.readexactly(length - 4)
            code: int = struct.unpack("!i", body[:4])[0]
            if code in (_SSL_REQUEST, _GSSENC_REQUEST):
                to_client.write(b"N")
                await to_client.drain()
                continue
            to_server.write(struct.pack("!i", length) + body)
            await to_server.drain()
            return code != _CANCEL_REQUEST

    async def _client_messages(
        self, client: asyncio.StreamReader, to_server: asyncio.StreamWriter, session: _Session
    ) -> None:
        try:
            while True:
                head = await client.readexactly(5)
                kind, length = head[:1], struct.unpack("!i", head[1:])[0]
                body = await client.readexactly(length - 4)
                session.read(kind, body)
                to_server.write(head + body)
                await to_server.drain()
        finally:
            to_server.close()

    @staticmethod
    async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(_BUFFER):
                sink.write(data)
                await sink.drain()
        finally:
            sink.close()


@contextmanager
def counting(host: str, port: int) -> Iterator[StatementCounter]:
    """A running `StatementCounter` to `host:port` until the block ends."""
    counter = StatementCounter(host, port)
    counter.start()
    try:
        yield counter
    finally:
        counter.stop()
