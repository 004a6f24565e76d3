"""Apollo's inline traces (ftv1): a gateway that sends `apollo-federation-include-trace: ftv1`
gets per-field timings in `extensions.ftv1`; every other request runs without them."""

import base64

from strawberry.extensions import SchemaExtension

from app.graphql.schema import schema
from tests.graphql.connectors.documents import CONNECTOR_KEYS
from tests.graphql_client import GraphQLClient
from tests.keys import Keys

FTV1 = {"apollo-federation-include-trace": "ftv1"}


async def _post(graphql: GraphQLClient, key: str, headers: dict[str, str]) -> dict[str, object]:
    response = await graphql.http.post(
        graphql.path,
        json={"query": CONNECTOR_KEYS},
        headers={"Authorization": f"Bearer {key}", **headers},
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    assert "errors" not in body, body
    return body


async def test_a_gateway_asking_for_ftv1_gets_the_trace(graphql: GraphQLClient, keys: Keys) -> None:
    body = await _post(graphql, keys.alpha.admin, FTV1)

    extensions = body.get("extensions")
    assert isinstance(extensions, dict), body
    trace = base64.b64decode(extensions["ftv1"])
    # The protobuf Trace names the fields it timed.
    assert b"connectors" in trace


async def test_the_header_is_read_in_any_case(graphql: GraphQLClient, keys: Keys) -> None:
    body = await _post(graphql, keys.alpha.admin, {"Apollo-Federation-Include-Trace": "FTV1"})

    assert isinstance(body.get("extensions"), dict)


async def test_a_request_without_the_header_gets_no_trace(
    graphql: GraphQLClient, keys: Keys
) -> None:
    body = await _post(graphql, keys.alpha.admin, {})

    extensions = body.get("extensions") or {}
    assert isinstance(extensions, dict)
    assert "ftv1" not in extensions


def test_without_a_trace_no_extension_wraps_the_resolvers() -> None:
    """A `resolve` hook puts every field of every response through one more coroutine; the
    lookup hot path must not pay that for a trace nobody asked for."""
    wrapping = [
        type(extension).__name__
        for extension in schema.get_extensions()
        if type(extension).resolve is not SchemaExtension.resolve
    ]

    assert wrapping == []
