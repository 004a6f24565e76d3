"""The subscriptions figure: another project's write rate with idle subscriptions open, and
without them, in the same run.

The subscriptions are the benchmark project's VIEWER key's: half follow a connector
(`events(connectorId:)`), half the whole project (`projectEvents`). The writer is another
project's ADMIN key creating connectors one after the other, so none of its events is one a
subscriber may see: a subscription should cost it nothing. After each round with subscriptions,
one event of the benchmark project must reach every subscription, so that the round is known to
have measured live ones (a refused or dropped subscription would flatter the figure).
"""

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SUBSCRIBERS = 200
"""Idle subscriptions in the "with" side of the figure."""
OPENED_AT_ONCE = 10
OPEN_ATTEMPTS = 5
READY_SECONDS = 60.0
DELIVERY_SECONDS = 30.0
_PROTOCOL = "graphql-transport-ws"
_CONNECTOR_EVENTS = "subscription ($id: ID!) { events(connectorId: $id) { id kind } }"
_PROJECT_EVENTS = "subscription { projectEvents { id kind } }"
_CREATE_CONNECTOR = (
    "mutation ($input: CreateConnectorInput!) { createConnector(input: $input) "
    "{ __typename ... on Error { code message } } }"
)
_CONNECTOR_ID = "query ($key: String!) { connector(key: $key, source: CUSTOM) { id } }"
_serial = itertools.count(1)


class IdleSubscribers:
    """`count` open subscriptions of `key`, held by a thread of their own until `close`."""

    def __init__(self, base_url: str, key: str, connector_id: str, count: int) -> None:
        self._url = base_url.replace("http://", "ws://", 1) + "/graphql"
        self._key = key
        self._connector_id = connector_id
        self._count = count
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._sockets: list[ClientConnection] = []
        self._received: list[int] = [0] * count
        self._readers: list[asyncio.Task[None]] = []
        self._refusals: list[str] = []

    def open(self) -> None:
        self._thread.start()
        self._call(self._open_all(), READY_SECONDS)

    def received(self) -> int:
        """How many subscriptions have received an event."""
        return sum(1 for count in self._received if count > 0)

    def close(self) -> None:
        try:
            self._call(self._close_all(), READY_SECONDS)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=READY_SECONDS)
            self._loop.close()

    def _call(self, work: Any, timeout: float) -> Any:
        done: Future[Any] = asyncio.run_coroutine_threadsafe(work, self._loop)
        return done.result(timeout)

    async def _open_all(self) -> None:
        # A few at a time: a burst of 200 handshakes is not what the figure measures.
        for start in range(0, self._count, OPENED_AT_ONCE):
            batch = range(start, min(start + OPENED_AT_ONCE, self._count))
            sockets = await asyncio.gather(*(self._open_retrying(index) for index in batch))
            self._sockets += sockets
        # Subscriptions are not acknowledged: wait for a refusal, should one come, and open
        # those again (a database shared with other work may have refused a connection).
        for _ in range(OPEN_ATTEMPTS):
            await asyncio.sleep(1.0)
            refused = [index for index, count in enumerate(self._received) if count < 0]
            if not refused:
                return
            for index in refused:
                await self._sockets[index].close()
                self._sockets[index] = await self._open_retrying(index)
        if refused:
            raise RuntimeError(
                f"{len(refused)} subscription(s) were refused: {'; '.join(self._refusals[:3])}"
            )

    async def _open_retrying(self, index: int) -> ClientConnection:
        """A handshake refused under load (a reset connection) is tried again, a few times."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                return await self._open(index)
            except (OSError, ConnectionClosed):
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def _open(self, index: int) -> ClientConnection:
        socket = await connect(self._url, subprotocols=[_PROTOCOL])  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"apiKey": self._key}}))
        acknowledged = json.loads(await asyncio.wait_for(socket.recv(), READY_SECONDS))
        if acknowledged.get("type") != "connection_ack":
            raise RuntimeError(f"subscription {index}: {acknowledged}")
        if index % 2 == 0:
            payload: dict[str, Any] = {
                "query": _CONNECTOR_EVENTS,
                "variables": {"id": self._connector_id},
            }
        else:
            payload = {"query": _PROJECT_EVENTS, "variables": {}}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self._received[index] = 0
        self._readers.append(asyncio.create_task(self._read(socket, index)))
        return socket

    async def _read(self, socket: ClientConnection, index: int) -> None:
        try:
            async for raw in socket:
                message = json.loads(raw)
                if message.get("type") == "next" and not message["payload"].get("errors"):
                    self._received[index] += 1
                elif message.get("type") in ("error", "next", "complete"):
                    self._received[index] = -1
                    self._refusals.append(json.dumps(message)[:300])
                    return
        except ConnectionClosed as closed:
            self._refusals.append(f"closed: {closed}")
        if self._received[index] == 0:
            self._received[index] = -1  # closed before the proof: not a live subscription

    async def _close_all(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*(socket.close() for socket in self._sockets), return_exceptions=True)


def connector_id(base_url: str, key: str, connector_key: str) -> str:
    answer = httpx.post(
        f"{base_url}/graphql",
        json={"query": _CONNECTOR_ID, "variables": {"key": connector_key}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    ).json()
    return str(answer["data"]["connector"]["id"])


def write_rate(base_url: str, key: str, seconds: float) -> float:
    """Connectors created per second by one client, one after the other, for `seconds`."""
    headers = {"Authorization": f"Bearer {key}"}
    done = 0
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            create(client)
            done += 1
        return done / (time.perf_counter() - started)


def create(client: httpx.Client) -> None:
    key = f"sub-bench-{next(_serial)}-{time.time_ns() % 1_000_000_000}"
    variables = {"input": {"key": key, "name": key}}
    answer = client.post("/graphql", json={"query": _CREATE_CONNECTOR, "variables": variables})
    result = (answer.json().get("data") or {}).get("createConnector") or answer.text
    if not isinstance(result, dict) or result.get("__typename") != "CreateConnectorSuccess":
        raise RuntimeError(f"createConnector: {result}")


def measure_round(
    base_url: str,
    *,
    subscriber_key: str,
    subscriber_admin_key: str,
    subscribed_connector: str,
    writer_key: str,
    seconds: float,
    subscribers: int = SUBSCRIBERS,
    say: Callable[[str], None],
    number: int,
) -> tuple[float, float]:
    """(writes/s without subscriptions, writes/s with `subscribers` idle ones)."""
    without = write_rate(base_url, writer_key, seconds)
    idle = IdleSubscribers(
        base_url,
        subscriber_key,
        connector_id(base_url, subscriber_admin_key, subscribed_connector),
        subscribers,
    )
    idle.open()
    try:
        with_them = write_rate(base_url, writer_key, seconds)
        _prove_live(base_url, subscriber_admin_key, subscribed_connector, idle, subscribers)
    finally:
        idle.close()
    say(
        f"  round {number} another project's createConnector: {without:.1f}/s without, "
        f"{with_them:.1f}/s with {subscribers} idle subscriptions (all live)"
    )
    return without, with_them


def _prove_live(
    base_url: str, admin_key: str, connector_key: str, idle: IdleSubscribers, count: int
) -> None:
    """One event that every subscription may see (a connector edit in their project) reaches
    all of them."""
    document = (
        "mutation ($input: UpdateConnectorInput!) { updateConnector(input: $input) "
        "{ __typename ... on Error { code message } } }"
    )
    connector = connector_id(base_url, admin_key, connector_key)
    variables = {"input": {"connectorId": connector, "name": f"Pages {time.time_ns()}"}}
    answer = httpx.post(
        f"{base_url}/graphql",
        json={"query": document, "variables": variables},
        headers={"Authorization": f"Bearer {admin_key}"},
        timeout=60,
    ).json()
    result = (answer.get("data") or {}).get("updateConnector") or answer
    if result.get("__typename") != "UpdateConnectorSuccess":
        raise RuntimeError(f"updateConnector: {result}")
    deadline = time.monotonic() + DELIVERY_SECONDS
    while idle.received() < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {idle.received()} of {count} subscriptions got the event")
        time.sleep(0.1)
