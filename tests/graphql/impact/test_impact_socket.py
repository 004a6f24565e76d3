"""A preview sent over a websocket (graphql-transport-ws) is held to MAX_CONCURRENT_PREVIEWS as
over HTTP: refused for lack of a slot with the typed OVERLOADED error, the change not made, and
the socket stays usable. (In process, over raw ASGI messages, on the test's database.)"""

from typing import Any

import httpx
from starlette.applications import Starlette

from app.db.engine import Database
from app.graphql.guards.budget import Budget
from app.main import create_app
from app.settings import Settings
from tests.graphql.auth_configs.pinning import in_line, pinned_auth_config
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.http.in_process_socket import in_process_socket
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

PREVIEW = """
{ impact(change: { pushVersion: {
    connectorKey: "crm", version: "1.1.0",
    definition: %s
} }) { refusal { __typename } authConfigsChanged } }
"""
CONNECTORS = '{ connector(key: "crm") { key } }'


def _preview() -> str:
    return PREVIEW % _literal(in_line(1, "a"))


def _literal(value: Any) -> str:
    """`value` as a GraphQL input literal (a JSON scalar's)."""
    if isinstance(value, dict):
        return "{" + " ".join(f"{name}: {_literal(item)}" for name, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + " ".join(_literal(item) for item in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


async def test_a_preview_without_a_slot_over_a_socket_is_overloaded_and_the_socket_serves_on(
    database: Database, settings: Settings, keys: Keys
) -> None:
    # given a process that runs one operation with previews at once, and waits briefly for it
    app: Starlette = create_app(
        settings.model_copy(update={"max_concurrent_previews": 1, "queue_timeout": 0.05}),
        database=database,
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        graphql = GraphQLClient(http)
        await new_connector(graphql, "crm", key=keys.alpha.admin)
        await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.alpha.admin)
        await pinned_auth_config(graphql, "crm", "Floating", key=keys.alpha.admin)
    budget: Budget = app.state.budget
    preview = _preview()
    async with in_process_socket(app, keys.alpha.admin) as socket:
        # when a preview is sent over the socket while another operation holds the slot
        async with budget.previews.slot():
            with recorded_statements(database.engine) as statements:
                refused = await socket.answer("1", preview)
        # then it is refused with the typed OVERLOADED error (the operation's result, as over
        # HTTP: no data), before it sent any statement
        assert refused["type"] == "next", refused
        assert refused["payload"]["data"] is None, refused
        (error,) = refused["payload"]["errors"]
        assert error["extensions"]["code"] == "OVERLOADED", error
        assert "MAX_CONCURRENT_PREVIEWS" in error["message"]
        assert beyond_authentication(statements) == []
        assert (budget.previews.in_use, budget.previews.waiting) == (0, 0)

        # and the socket stays open and serves a plain query, then the preview itself
        plain = await socket.answer("2", CONNECTORS)
        assert plain["type"] == "next", plain
        assert plain["payload"] == {"data": {"connector": {"key": "crm"}}}
        answered = await socket.answer("3", preview)
        assert answered["type"] == "next", answered
        assert answered["payload"] == {
            "data": {"impact": {"refusal": None, "authConfigsChanged": 1}}
        }
        assert socket.closed is None
