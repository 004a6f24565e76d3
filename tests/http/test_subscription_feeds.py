"""`Subscription.authConfigEvents` and `projectEvents` against real servers.

As in `test_subscriptions`: on PostgreSQL the events are caused on one server process and
received on another (LISTEN/NOTIFY); on SQLite both sides talk to the one-worker server.
"""

import asyncio
from typing import Any

import pytest
from gql import GraphQLRequest, gql

from tests.http.server import create_project, graphql, mutate, unique
from tests.http.test_subscriptions import TIMEOUT_SECONDS, connected, new_connector

pytestmark = pytest.mark.slow

RETRY_SECONDS = 1.0

AUTH_CONFIG_EVENTS = gql(
    "subscription ($id: ID!) { authConfigEvents(authConfigId: $id) "
    "{ id kind authConfigId payload actor { name } } }"
)
PROJECT_EVENTS = gql("subscription { projectEvents { id kind connectorId } }")
CREATE_AUTH_CONFIG = (
    "mutation ($input: CreateAuthConfigInput!) { createAuthConfig(input: $input) { __typename "
    "... on CreateAuthConfigSuccess { authConfig { id } } ... on Error { code message } } }"
)
SET_ACTIVE = (
    "mutation ($input: SetAuthConfigActiveInput!) { setAuthConfigActive(input: $input) "
    "{ __typename ... on Error { code message } } }"
)
CONNECTOR_KEY = "query ($id: ID!) { node(id: $id) { ... on Connector { key } } }"


def new_auth_config(base_url: str, admin_key: str) -> str:
    connector_id = new_connector(base_url, admin_key)
    found = graphql(base_url, admin_key, CONNECTOR_KEY, {"id": connector_id}).json()
    created = mutate(
        base_url,
        admin_key,
        CREATE_AUTH_CONFIG,
        {"connectorKey": found["data"]["node"]["key"], "name": unique("config")},
    )
    assert created["__typename"] == "CreateAuthConfigSuccess", created
    return str(created["authConfig"]["id"])


async def first_of(session: Any, request: GraphQLRequest, write: Any) -> dict[str, Any]:
    """The first event of the subscription, writing again (`write`, in a thread) until it
    arrives: the protocol does not acknowledge a subscription's start."""
    events = session.subscribe(request)
    first = asyncio.ensure_future(anext(events))
    try:
        deadline = asyncio.get_running_loop().time() + TIMEOUT_SECONDS
        while not first.done():
            assert asyncio.get_running_loop().time() < deadline, "no event arrived"
            await asyncio.to_thread(write)
            await asyncio.wait({first}, timeout=RETRY_SECONDS)
        return first.result()  # type: ignore[no-any-return]
    finally:
        first.cancel()
        await events.aclose()


async def test_an_auth_configs_events_reach_its_subscriber_on_another_server(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given an auth config, followed by a subscription of its project's ADMIN key
    writer, reader = servers
    admin_key = await asyncio.to_thread(create_project, writer, platform_key)
    auth_config_id = await asyncio.to_thread(new_auth_config, writer, admin_key)
    active = [True]

    def switch() -> None:
        active[0] = not active[0]
        switched = mutate(
            writer, admin_key, SET_ACTIVE, {"authConfigId": auth_config_id, "active": active[0]}
        )
        assert switched["__typename"] == "SetAuthConfigActiveSuccess", switched

    request = GraphQLRequest(AUTH_CONFIG_EVENTS, variable_values={"id": auth_config_id})
    async with connected(reader, {"apiKey": admin_key}) as session:
        # when it is switched off and on on the other server
        received = await first_of(session, request, switch)

    # then the subscriber receives the auth config's event, as `events` would show it
    event = received["authConfigEvents"]
    assert event["kind"] in ("AUTH_CONFIG_DEACTIVATED", "AUTH_CONFIG_ACTIVATED")
    assert event["authConfigId"] == auth_config_id
    assert event["actor"] is not None


async def test_a_project_feed_never_carries_another_projects_events(
    servers: tuple[str, str], platform_key: str
) -> None:
    # given two projects, and a project feed of the second
    writer, reader = servers
    alpha_key = await asyncio.to_thread(create_project, writer, platform_key)
    beta_key = await asyncio.to_thread(create_project, writer, platform_key)
    betas: list[str] = []

    def both_write() -> None:
        # alpha first: were its events delivered, one would arrive before beta's
        new_connector(writer, alpha_key)
        betas.append(new_connector(writer, beta_key))

    async with connected(reader, {"apiKey": beta_key}) as session:
        received = await first_of(session, GraphQLRequest(PROJECT_EVENTS), both_write)

    # then the first event it receives is beta's own
    event = received["projectEvents"]
    assert event["kind"] == "CONNECTOR_CREATED"
    assert event["connectorId"] in betas
