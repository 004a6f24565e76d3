"""Warm lookups answered from memory on PostgreSQL while the listener is up (DESIGN §17), and
from the database, as before, while it is not.

Two "processes" in this one: each its own `Database` (its own copies, its own listener through a
TCP proxy the test can cut, `tests.db.tcp_proxy`) on one committed database. Changes go through
one, lookups through the other."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import Database
from app.db.invalidation import LookupMemory
from app.db.listener import APPLICATION_NAME, LiveEventsState, Reconnection
from app.db.notifications import LiveEvents
from app.main import create_app
from app.settings import Settings
from tests.db.lookup_changes import (
    at_once,
    changes_reach_the_other_process,
    eventually,
    lookup,
)
from tests.db.tcp_proxy import TcpProxy, tcp_proxy
from tests.graphql.access.api_keys import key_id_of
from tests.graphql.auth_configs.pinning import pinned_auth_config
from tests.graphql.versions.version_definitions import BASE
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys
from tests.statements import recorded_statements

FAST = Reconnection(
    first_delay_seconds=0.02, max_delay_seconds=0.1, probe_interval_seconds=0.2, timeout_seconds=1
)


@dataclass
class Process:
    database: Database
    live_events: LiveEvents
    proxy: TcpProxy
    graphql: GraphQLClient

    @property
    def memory(self) -> LookupMemory:
        return self.live_events.memory

    async def cut_listener(self) -> None:
        """Refuse the listener's reconnections and terminate its backend; return once the
        process knows it is not listening."""
        self.proxy.refuse()
        listener = self.live_events.listener
        assert listener is not None
        assert listener.server_pid is not None
        async with self.database.engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE pid = :pid AND application_name = :name"
                ),
                {"pid": listener.server_pid, "name": APPLICATION_NAME},
            )

        async def reconnecting() -> LiveEventsState:
            return self.live_events.state

        await eventually(reconnecting, LiveEventsState.RECONNECTING, "the listener is cut")  # type: ignore[arg-type]

    async def restore_listener(self) -> None:
        self.proxy.restore()

        async def listening() -> LiveEventsState:
            return self.live_events.state

        await eventually(listening, LiveEventsState.LISTENING, "the listener is back")  # type: ignore[arg-type]


@pytest.fixture
async def processes(
    backend: str, committed_database: Database
) -> AsyncIterator[tuple[Process, Process]]:
    if backend != "postgres":
        pytest.skip("only PostgreSQL has a listener connection")
    url = committed_database.engine.url
    async with (
        _process(url, committed_database.engine) as writer,
        _process(url, committed_database.engine) as reader,
    ):
        yield writer, reader


class _ProcessContext:
    def __init__(self, url: URL, engine: AsyncEngine) -> None:
        self._url, self._engine = url, engine

    async def __aenter__(self) -> Process:
        self._proxy_context = tcp_proxy(self._url.host or "127.0.0.1", self._url.port or 5432)
        proxy, port = await self._proxy_context.__aenter__()
        live_events = LiveEvents(
            listener_url=self._url.set(host="127.0.0.1", port=port), reconnection=FAST
        )
        database = Database(self._engine, live_events=live_events)
        app = create_app(
            Settings(database_url=self._url.render_as_string(hide_password=False)),
            database=database,
        )
        await database.start_listening()
        self._http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test"
        )
        self._live_events = live_events
        return Process(database, live_events, proxy, GraphQLClient(self._http))

    async def __aexit__(self, *exc: object) -> None:
        await self._live_events.stop()
        await self._http.aclose()
        await self._proxy_context.__aexit__(None, None, None)


def _process(url: URL, engine: AsyncEngine) -> _ProcessContext:
    return _ProcessContext(url, engine)


async def _world(writer: Process) -> tuple[Keys, str]:
    async with writer.database.session() as session:
        keys = await make_keys(session)
    await new_connector(writer.graphql, "crm", key=keys.alpha.admin)
    for number in ("1.0.0", "1.1.0"):
        await pushed(writer.graphql, "crm", number, BASE, key=keys.alpha.admin)
    auth_config = await pinned_auth_config(writer.graphql, "crm", "Sales", key=keys.alpha.admin)
    return keys, auth_config


# The single lookup the benchmark measures.
LOOKUP = """
query ($id: ID!) {
  node(id: $id) { ... on AuthConfig { effectiveVersion { version { version } rule source } } }
}
"""


async def _effective(process: Process, auth_config: str, key: str) -> object:
    return (await process.graphql(LOOKUP, {"id": auth_config}, key=key))["node"]["effectiveVersion"]


async def test_a_warm_lookup_sends_no_statement_while_the_listener_is_up_and_todays_without(
    processes: tuple[Process, Process],
) -> None:
    writer, reader = processes
    keys, auth_config = await _world(writer)
    engine = reader.database.engine
    expected = {"version": {"version": "1.1.0"}, "rule": "DEFAULT", "source": "CUSTOM"}

    # given a lookup on the reader, whose listener is up
    with recorded_statements(engine) as cold:
        assert await _effective(reader, auth_config, keys.alpha.viewer) == expected

    # when it is looked up again
    with recorded_statements(engine, cold=False) as warm:
        assert await _effective(reader, auth_config, keys.alpha.viewer) == expected

    # then it sends no statement at all
    assert len(cold) >= 2, cold
    assert warm == []

    # and with its listener cut, a lookup reads the key and the auth config again, as before
    await reader.cut_listener()
    for _ in range(2):
        with recorded_statements(engine, cold=False) as down:
            assert await _effective(reader, auth_config, keys.alpha.viewer) == expected
        selects = [s for s in down if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2, down
        assert "FROM api_key" in selects[0]
        assert "FROM auth_config" in selects[1]

    # and once it listens again, it starts afresh: one lookup reads, the next reads nothing
    await reader.restore_listener()
    with recorded_statements(engine, cold=False) as again:
        assert await _effective(reader, auth_config, keys.alpha.viewer) == expected
    assert len([s for s in again if s.lstrip().upper().startswith("SELECT")]) == 2, again
    with recorded_statements(engine, cold=False) as warm_again:
        assert await _effective(reader, auth_config, keys.alpha.viewer) == expected
    assert warm_again == []


async def _every_change(writer: Process, reader: Process, settle: object) -> None:
    async with writer.database.session() as session:
        keys = await make_keys(session)
    await changes_reach_the_other_process(
        writer.graphql,
        reader.graphql,
        admin=keys.alpha.admin,
        viewer=keys.alpha.viewer,
        viewer_id=await key_id_of(writer.graphql, keys.alpha.viewer),
        connector_key="crm",
        settle=settle,  # type: ignore[arg-type]
    )


async def test_every_change_reaches_the_other_process_once_notified(
    processes: tuple[Process, Process],
) -> None:
    writer, reader = processes
    await _every_change(writer, reader, eventually)
    assert reader.live_events.state is LiveEventsState.LISTENING


async def test_with_the_listener_cut_every_change_is_seen_at_once(
    processes: tuple[Process, Process],
) -> None:
    writer, reader = processes
    await reader.cut_listener()
    await _every_change(writer, reader, at_once)
    assert reader.live_events.state is LiveEventsState.RECONNECTING


async def test_a_revocation_whose_notification_is_lost_is_seen_within_the_bound(
    processes: tuple[Process, Process],
) -> None:
    writer, reader = processes
    keys, auth_config = await _world(writer)
    now = [0.0]
    reader.memory._clock = lambda: now[0]  # a clock the test moves
    expected: object = ("1.1.0", "DEFAULT", [])
    assert await lookup(reader.graphql, auth_config, keys.alpha.viewer) == expected

    # when the key is revoked with every trigger off: no notification is sent
    async with writer.database.engine.connect() as connection:
        await connection.execute(text("SET session_replication_role = replica"))
        await connection.execute(text("UPDATE api_key SET revoked_at = now()"))
        await connection.commit()

    # then the reader may go on answering from its copy up to MEMORY_MAX_AGE_SECONDS
    now[0] += reader.memory.max_age_seconds - 0.1
    assert await lookup(reader.graphql, auth_config, keys.alpha.viewer) == expected
    # and no later: past it, the key is read again and refused
    now[0] += 0.2
    assert await lookup(reader.graphql, auth_config, keys.alpha.viewer) == 401
