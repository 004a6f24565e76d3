"""The live-events listener comes back when its connection drops (app.db.listener).

The listener reaches PostgreSQL through a TCP proxy the test can cut (`tests.db.tcp_proxy`):
the backend is terminated with pg_terminate_backend, or the proxy stops passing bytes, while
new connections are refused, so reconnection really fails until the proxy lets them through.
A key revoked meanwhile (its announcement lost) closes its websockets once the listener is back.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TypeVar

import httpx
import pytest
import uvicorn
from gql import Client, GraphQLRequest, gql
from gql.transport.websockets import WebsocketsTransport
from sqlalchemy import text
from starlette.applications import Starlette

from app.db.engine import Database
from app.db.listener import APPLICATION_NAME, LiveEventsState, Reconnection
from app.db.models import ApiKey
from app.db.notifications import LiveEvents
from app.db.types import utc_now
from app.domain.api_keys import KeyRefusal
from app.domain.events import EventKind
from app.main import create_app
from app.services.access.auth import authenticate
from app.services.events import record_event
from app.services.transactions import transaction
from app.settings import Settings
from tests.db.tcp_proxy import TcpProxy, tcp_proxy
from tests.graphql.operations import CREATE_CONNECTOR, CREATE_VERSION
from tests.graphql_client import GraphQLClient
from tests.http.in_process_socket import in_process_socket
from tests.http.server import free_port
from tests.keys import make_keys

pytestmark = pytest.mark.slow

T = TypeVar("T")
TIMEOUT_SECONDS = 15
POLL_SECONDS = 0.02
QUIET_SECONDS = 0.5
# Only in the listener's URL; with the test server's trust authentication it is never asked for.
PASSWORD = "listener-secret-1f3a"
FAST = Reconnection(
    first_delay_seconds=0.02,
    max_delay_seconds=0.1,
    probe_interval_seconds=0.2,
    timeout_seconds=1.0,
)
LISTENER_LOGGER = "app.db.listener"


@dataclass
class Process:
    """One server process: its database (with a proxied listener), its app and the proxy."""

    database: Database
    live_events: LiveEvents
    proxy: TcpProxy
    app: Starlette
    http: httpx.AsyncClient

    async def health(self) -> tuple[int, dict[str, str]]:
        response = await self.http.get("/healthz")
        return response.status_code, response.json()

    async def commit_event(self) -> int:
        async with self.database.session() as session, transaction(session):
            event = record_event(session, actor=None, kind=EventKind.DEMO_SEEDED, project_id=None)
        assert event.id is not None
        return event.id

    async def terminate_listener(self) -> int:
        """pg_terminate_backend on the listener's backend, found by pid and application name;
        how many backends were terminated."""
        listener = self.live_events.listener
        assert listener is not None
        assert listener.server_pid is not None
        async with self.database.engine.connect() as connection:
            terminated = await connection.execute(
                text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM "
                    "pg_stat_activity WHERE pid = :pid AND application_name = :name"
                ),
                {"pid": listener.server_pid, "name": APPLICATION_NAME},
            )
            return int(terminated.scalar_one())


@pytest.fixture
async def process(backend: str, committed_database: Database) -> AsyncIterator[Process]:
    if backend != "postgres":
        pytest.skip("only PostgreSQL has a listener connection")
    url = committed_database.engine.url
    async with tcp_proxy(url.host or "127.0.0.1", url.port or 5432) as (proxy, port):
        listener_url = url.set(host="127.0.0.1", port=port, password=PASSWORD)
        live_events = LiveEvents(listener_url=listener_url, reconnection=FAST)
        database = Database(committed_database.engine, live_events=live_events)
        app = create_app(
            Settings(database_url=url.render_as_string(hide_password=False)), database=database
        )
        await database.start_listening()
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield Process(database, live_events, proxy, app, http)
        finally:
            await live_events.stop()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting until {what}"
        await asyncio.sleep(POLL_SECONDS)


async def receive(queue: "asyncio.Queue[T]", count: int) -> list[T]:
    """`count` ids from `queue`, then a quiet moment in which nothing more may arrive."""
    received = [await asyncio.wait_for(queue.get(), TIMEOUT_SECONDS) for _ in range(count)]
    await asyncio.sleep(QUIET_SECONDS)
    while not queue.empty():
        received.append(queue.get_nowait())
    return received


def reconnecting() -> tuple[int, dict[str, str]]:
    return 503, {"status": "unavailable", "liveEvents": "reconnecting"}


def listening() -> tuple[int, dict[str, str]]:
    return 200, {"status": "ok", "liveEvents": "listening"}


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == LISTENER_LOGGER and record.levelno == level
    ]


async def test_a_terminated_listener_reconnects_and_delivers_what_was_committed_meanwhile(
    process: Process, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LISTENER_LOGGER)
    assert await process.health() == listening()
    with process.live_events.subscribe() as queue:
        before = await process.commit_event()
        assert await receive(queue, 1) == [before]

        # when the listener's backend is terminated while the server refuses new connections
        process.proxy.refuse()
        assert await process.terminate_listener() == 1

        # then the process reports itself unavailable while reconnection keeps failing
        async def failing_to_reconnect() -> bool:
            return process.proxy.refused >= 2 and await process.health() == reconnecting()

        await eventually(failing_to_reconnect, "reconnection attempts fail and healthz says so")
        during = await process.commit_event()

        # and once the server can be reached again, it listens again
        process.proxy.restore()

        async def back() -> bool:
            return await process.health() == listening()

        await eventually(back, "healthz reports the listener back")
        after = await process.commit_event()

        # and the subscriber receives the event of the outage and the one after, once each
        assert await receive(queue, 2) == [during, after]

    (lost,) = [m for m in messages(caplog, logging.WARNING) if "was lost" in m]
    assert "***" in lost
    assert len([m for m in messages(caplog, logging.WARNING) if "attempt" in m]) >= 2
    (back_again,) = messages(caplog, logging.INFO)
    assert "listening again" in back_again
    assert "delivered 1 event(s)" in back_again
    assert PASSWORD not in caplog.text


async def test_a_second_drop_delivers_nothing_twice(process: Process) -> None:
    with process.live_events.subscribe() as queue:
        # given an event committed while the listener was away, delivered on its return
        process.proxy.refuse()
        assert await process.terminate_listener() == 1

        async def down() -> bool:
            return await process.health() == reconnecting()

        await eventually(down, "the listener is down")
        missed = await process.commit_event()
        process.proxy.restore()
        assert await receive(queue, 1) == [missed]
        listener = process.live_events.listener
        assert listener is not None
        first_pid = listener.server_pid

        # when the connection drops again and comes straight back
        assert await process.terminate_listener() == 1

        async def reconnected() -> bool:
            pid = listener.server_pid
            return pid not in (None, first_pid) and await process.health() == listening()

        await eventually(reconnected, "the listener has a new connection")
        latest = await process.commit_event()

        # then only the new event arrives: the catch-up skips what was delivered
        assert await receive(queue, 1) == [latest]


async def test_a_connection_that_stops_answering_is_noticed_and_replaced(
    process: Process, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LISTENER_LOGGER)
    with process.live_events.subscribe() as queue:
        # when the listener's connection silently stops passing anything (no close, no error)
        process.proxy.stall()

        # then the probe notices, and the process reports itself unavailable
        async def down() -> bool:
            return await process.health() == reconnecting()

        await eventually(down, "the silent connection is noticed")
        during = await process.commit_event()
        process.proxy.restore()

        async def back() -> bool:
            return await process.health() == listening()

        await eventually(back, "the listener is back")
        assert await receive(queue, 1) == [during]
    assert any("does not answer" in m for m in messages(caplog, logging.WARNING))


SUBSCRIPTION = gql(
    "subscription ($connectorId: ID!) { events(connectorId: $connectorId) { kind versionId } }"
)


@asynccontextmanager
async def websocket_url(app: Starlette) -> AsyncIterator[str]:
    """`app` served by uvicorn in this event loop (its database is this test's)."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    try:
        await eventually(started, "uvicorn serves")
        yield f"ws://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await serving


async def test_a_subscription_receives_the_outage_once_and_only_what_it_may_see(
    process: Process,
) -> None:
    # given alpha's connector, a subscription to its events with alpha's key, and beta's connector
    async with process.database.session() as session:
        keys = await make_keys(session)
    graphql = GraphQLClient(process.http)

    async def new_connector(key: str, owner_key: str) -> str:
        variables = {"input": {"key": key, "name": key}}
        created = await graphql(CREATE_CONNECTOR, variables, key=owner_key)
        return str(created["createConnector"]["connector"]["id"])

    async def new_version(connector_id: str, owner_key: str) -> str:
        variables = {"input": {"connectorId": connector_id, "bump": "MINOR"}}
        created = await graphql(CREATE_VERSION, variables, key=owner_key)
        return str(created["createVersion"]["version"]["id"])

    alphas = await new_connector("alpha-live", keys.alpha.admin)
    betas = await new_connector("beta-live", keys.beta.admin)
    async with websocket_url(process.app) as url:
        transport = WebsocketsTransport(
            url=url,
            init_payload={"apiKey": keys.alpha.viewer},
            subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        )
        async with Client(transport=transport) as client:
            request = GraphQLRequest(SUBSCRIPTION, variable_values={"connectorId": alphas})
            received: asyncio.Queue[str] = asyncio.Queue()

            async def consume() -> None:
                async for result in client.subscribe(request):
                    await received.put(str(result["events"]["versionId"]))

            consumer = asyncio.create_task(consume())
            try:
                # (the protocol does not acknowledge a subscription: versions until one arrives)
                while received.empty():
                    await new_version(alphas, keys.alpha.admin)
                    await asyncio.sleep(POLL_SECONDS * 10)
                await receive(received, 1)

                # when versions are created in alpha and beta while the listener is away
                process.proxy.refuse()
                assert await process.terminate_listener() == 1

                async def down() -> bool:
                    return await process.health() == reconnecting()

                await eventually(down, "the listener is down")
                during = await new_version(alphas, keys.alpha.admin)
                await new_version(betas, keys.beta.admin)
                process.proxy.restore()

                async def back() -> bool:
                    return await process.health() == listening()

                await eventually(back, "the listener is back")
                after = await new_version(alphas, keys.alpha.admin)

                # then alpha's subscriber gets its two versions, once each, and none of beta's
                assert await receive(received, 2) == [during, after]
            finally:
                consumer.cancel()
                await asyncio.wait([consumer])


async def test_stop_ends_reconnection(process: Process) -> None:
    # given a listener that cannot reconnect
    process.proxy.refuse()
    assert await process.terminate_listener() == 1

    async def retrying() -> bool:
        return process.proxy.refused >= 1

    await eventually(retrying, "reconnection is attempted")

    # when it is stopped
    await process.live_events.stop()

    # then no reconnection task is left, and nothing tries to connect any more
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "live-events listener"]
    refused = process.proxy.refused
    await asyncio.sleep(QUIET_SECONDS)
    assert process.proxy.refused == refused
    assert process.live_events.state is LiveEventsState.STOPPED
    assert await process.health() == (503, {"status": "unavailable", "liveEvents": "stopped"})


async def test_healthz_names_how_live_events_arrive(
    backend: str, database: Database, http: httpx.AsyncClient
) -> None:
    response = await http.get("/healthz")
    if backend == "sqlite":
        # one process: its own commits reach its subscribers directly
        assert (response.status_code, response.json()) == (
            200,
            {"status": "ok", "liveEvents": "in-process"},
        )
    else:
        # this app's database was never started: it hears nothing from other processes
        assert (response.status_code, response.json()) == (
            503,
            {"status": "unavailable", "liveEvents": "stopped"},
        )


@pytest.mark.parametrize("attempt", range(12))
def test_reconnection_waits_double_up_to_a_cap_with_jitter(attempt: int) -> None:
    policy = Reconnection(first_delay_seconds=0.5, max_delay_seconds=30.0)
    ceiling = min(30.0, 0.5 * 2**attempt)
    delays = {policy.delay(attempt) for _ in range(50)}
    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(delays) > 1  # jittered: processes do not come back in step


async def test_a_key_revoked_while_the_listener_is_away_closes_its_socket_on_return(
    process: Process, committed_database: Database
) -> None:
    # given a websocket authenticated with alpha's viewer key, serving queries
    async with process.database.session() as session:
        keys = await make_keys(session)
        authenticated = await authenticate(session, keys.alpha.viewer)
        assert not isinstance(authenticated, KeyRefusal)
        await session.commit()
    async with in_process_socket(process.app, keys.alpha.viewer) as socket:
        answered = await socket.answer("before", "{ viewer { role } }")
        assert answered["payload"] == {"data": {"viewer": {"role": "VIEWER"}}}

        # when the listener is away while another process revokes the key (its notification is
        # lost to this process)
        process.proxy.refuse()
        assert await process.terminate_listener() == 1

        async def down() -> bool:
            return await process.health() == reconnecting()

        await eventually(down, "the listener is down")
        async with committed_database.session() as other, transaction(other):
            key = await other.get(ApiKey, authenticated.principal.api_key_id)
            assert key is not None
            key.revoked_at = utc_now()
        await asyncio.sleep(QUIET_SECONDS)
        assert socket.from_app.empty()  # (nothing told this process yet)

        # and the listener comes back
        process.proxy.restore()

        async def back() -> bool:
            return await process.health() == listening()

        await eventually(back, "the listener is back")

        # then the socket is closed with 4403 within 5 s
        closed = await socket.receive(within=5)
        assert closed["type"] == "websocket.close", closed
        assert closed["code"] == 4403
        assert "revoked" in closed["reason"]
