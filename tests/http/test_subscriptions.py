"""`Subscription.events` over graphql-transport-ws against real servers.

On PostgreSQL the event is caused on one server process (`running_server`, over HTTP) and
received on another (`second_server`): delivery goes through LISTEN/NOTIFY. SQLite delivers
within one process, so there both sides talk to the one-worker `second_server`.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.transport.exceptions import TransportConnectionFailed, TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.exceptions import ConnectionClosed

from tests.http.server import create_project, mutate, unique

pytestmark = pytest.mark.slow

TIMEOUT_SECONDS = 15
RETRY_SECONDS = 1.0

SUBSCRIPTION = gql(
    "subscription ($connectorId: ID!) { events(connectorId: $connectorId) "
    "{ id kind connectorId versionId actor { name } } }"
)
CREATE_CONNECTOR = (
    "mutation ($input: CreateConnectorInput!) { createConnector(input: $input) { __typename "
    "... on CreateConnectorSuccess { connector { id } } ... on Error { code message } } }"
)
CREATE_VERSION = (
    "mutation ($input: CreateVersionInput!) { createVersion(input: $input) { __typename "
    "... on CreateVersionSuccess { version { id } } ... on Error { code message } } }"
)


def events_of(connector_id: str) -> GraphQLRequest:
    return GraphQLRequest(SUBSCRIPTION, variable_values={"connectorId": connector_id})


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


def new_connector(base_url: str, admin_key: str) -> str:
    key = unique("live")
    created = mutate(base_url, admin_key, CREATE_CONNECTOR, {"key": key, "name": key.upper()})
    assert created["__typename"] == "CreateConnectorSuccess", created
    return str(created["connector"]["id"])


def new_version(base_url: str, admin_key: str, connector_id: str) -> str:
    created = mutate(
        base_url, admin_key, CREATE_VERSION, {"connectorId": connector_id, "bump": "MINOR"}
    )
    assert created["__typename"] == "CreateVersionSuccess", created
    return str(created["version"]["id"])


@asynccontextmanager
async def connected(
    base_url: str, init_payload: dict[str, Any], headers: dict[str, str] | None = None
) -> AsyncIterator[Any]:
    """A graphql-transport-ws session; `headers` go on the upgrade request."""
    transport = WebsocketsTransport(
        url=ws_url(base_url),
        init_payload=init_payload,
        headers=headers,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=TIMEOUT_SECONDS,
        ack_timeout=TIMEOUT_SECONDS,
        close_timeout=TIMEOUT_SECONDS,
    )
    async with Client(transport=transport) as session:
        yield session


async def first_event(
    session: Any, writer: str, admin_key: str, connector_id: str
) -> tuple[dict[str, Any], list[str]]:
    """The first event of a subscription to the connector's events, and the versions created
    on `writer` meanwhile (again, until the subscriber, whose start the protocol does not
    acknowledge, receives one)."""
    events = session.subscribe(events_of(connector_id))
    first = asyncio.ensure_future(anext(events))
    try:
        created: list[str] = []
        deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
        while not first.done():
            assert asyncio.get_running_loop().time() < deadline, "no event arrived"
            version = await asyncio.to_thread(new_version, writer, admin_key, connector_id)
            created.append(version)
            await asyncio.wait({first}, timeout=RETRY_SECONDS)
        return first.result(), created
    finally:
        first.cancel()
        await events.aclose()


async def test_an_event_committed_on_one_server_reaches_a_subscriber_on_another(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given a connector and a subscription to its events
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    connector_id = await asyncio.to_thread(new_connector, writer, admin_key)
    async with connected(reader, {"Authorization": f"Bearer {admin_key}"}) as session:
        # when versions are created on the other server
        received, created = await first_event(session, writer, admin_key, connector_id)

    # then the subscriber receives one of them, as `events` would show it
    event = received["events"]
    assert event["kind"] == "VERSION_CREATED"
    assert event["connectorId"] == connector_id
    assert event["versionId"] in created
    assert event["actor"] is not None


async def test_apikey_payload_and_a_foreign_connector_ends_with_an_error(
    servers: tuple[str, str], platform_key: str
) -> None:
    writer, reader = servers
    alpha_key = await asyncio.to_thread(create_project, writer, platform_key)
    beta_key = await asyncio.to_thread(create_project, writer, platform_key)
    alphas = await asyncio.to_thread(new_connector, writer, alpha_key)

    async def subscribe_to_alphas() -> None:
        async with asyncio.timeout(TIMEOUT_SECONDS), connected(reader, {"apiKey": beta_key}) as ws:
            async for _ in ws.subscribe(events_of(alphas)):
                pytest.fail("a foreign connector's events were delivered")

    with pytest.raises(TransportQueryError) as raised:
        await subscribe_to_alphas()
    assert raised.value.errors is not None
    assert raised.value.errors[0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(
    "init_payload",
    [{}, {"apiKey": "crk_not-a-key"}, {"Authorization": "Bearer crk_not-a-key"}],
    ids=["no key", "unknown apiKey", "unknown bearer"],
)
async def test_a_connection_without_a_valid_key_is_refused(
    second_server: str, init_payload: dict[str, Any]
) -> None:
    async def connect() -> None:
        async with asyncio.timeout(TIMEOUT_SECONDS), connected(second_server, init_payload):
            pytest.fail("the connection was accepted")

    with pytest.raises(TransportConnectionFailed) as raised:
        await connect()
    closed = raised.value.__cause__
    assert isinstance(closed, ConnectionClosed), repr(closed)
    assert closed.rcvd is not None
    assert (closed.rcvd.code, closed.rcvd.reason) == (4403, "Forbidden")


async def test_a_key_on_the_upgrade_request_authenticates_a_subscription(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given a connection whose key is only on the upgrade request, as a gateway forwards it
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    connector_id = await asyncio.to_thread(new_connector, writer, admin_key)
    upgrade = {"Authorization": f"Bearer {admin_key}"}
    async with connected(reader, {}, headers=upgrade) as session:
        # when versions are created
        received, created = await first_event(session, writer, admin_key, connector_id)

    # then its subscription receives their events
    assert received["events"]["kind"] == "VERSION_CREATED"
    assert received["events"]["versionId"] in created


@pytest.mark.parametrize(
    ("init_payload", "upgrade_key"),
    [({}, "crk_not-a-key"), ({"apiKey": "crk_not-a-key"}, None)],
    ids=["unknown key on the upgrade", "unknown payload key over a valid upgrade key"],
)
async def test_an_unknown_key_on_the_upgrade_or_in_the_payload_is_refused(
    second_server: str, platform_key: str, init_payload: dict[str, Any], upgrade_key: str | None
) -> None:
    # The payload's key wins over the upgrade's: a valid one there does not rescue a bad payload.
    valid_key = await asyncio.to_thread(create_project, second_server, platform_key)
    upgrade = {"Authorization": f"Bearer {upgrade_key or valid_key}"}

    async def connect() -> None:
        async with (
            asyncio.timeout(TIMEOUT_SECONDS),
            connected(second_server, init_payload, upgrade),
        ):
            pytest.fail("the connection was accepted")

    with pytest.raises(TransportConnectionFailed) as raised:
        await connect()
    closed = raised.value.__cause__
    assert isinstance(closed, ConnectionClosed), repr(closed)
    assert closed.rcvd is not None
    assert closed.rcvd.code == 4403
