"""Hostile requests, one table: each gets its 4xx or typed error, runs no SQL where it should not
(nothing beyond the key's lookup, or nothing at all when refused before authentication), and
leaves the server healthy and answering."""

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import Database
from tests.graphql.test_malformed_requests import MALFORMED
from tests.keys import Keys
from tests.statements import recorded_statements

MIB = 1024 * 1024

# How much SQL a refused request may run: none (refused before the key is looked up), or the
# key's lookup only (refused before its operation runs).
NONE = "none"
KEY_ONLY = "key only"


@dataclass(frozen=True)
class Hostile:
    body: Callable[[Keys], bytes]
    status: int
    code: str
    sql: str = KEY_ONLY
    key: Callable[[Keys], str | None] = lambda keys: keys.alpha.admin
    headers: dict[str, str] = field(default_factory=dict)


def _json(document: str, variables: dict[str, Any] | None = None) -> Callable[[Keys], bytes]:
    return lambda _keys: json.dumps({"query": document, "variables": variables or {}}).encode()


def _raw(body: bytes) -> Callable[[Keys], bytes]:
    return lambda _keys: body


def _nested_selection(depth: int) -> str:
    return "{ viewer " + "{ project " * depth + "{ id }" + " }" * depth + " }"


_VERSIONS_50 = " ".join(
    f"a{i}: versions(first: 100) {{ edges {{ node {{ definition }} }} }}" for i in range(50)
)
_PUSH = (
    "mutation ($d: JSON!) { pushVersion(input: "
    '{connectorKey: "k", version: "1.0.0", definition: $d}) '
    "{ __typename ... on Error { code message } } }"
)
_CREATE_CONNECTOR = (
    'mutation ($name: String!) { createConnector(input: {key: "k", name: $name}) { __typename } }'
)
_AUTH = {"type": "api_key"}
_PARAMS = [{"name": f"p{index}", "type": "string"} for index in range(20)]
_ENTITIES = "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Connector { id } } }"

HOSTILE: dict[str, Hostile] = {
    **{
        f"malformed body: {name}": Hostile(_raw(body), 400, "BAD_REQUEST")
        for name, body in MALFORMED.items()
    },
    "no key": Hostile(_json("{ viewer { role } }"), 401, "UNAUTHENTICATED", NONE, lambda _: None),
    "a key that is not valid": Hostile(
        _json("{ viewer { role } }"), 401, "UNAUTHENTICATED", KEY_ONLY, lambda _: "crk_not_a_key"
    ),
    "a 50 MB body": Hostile(
        _json("{ viewer { role } }", {"x": "a" * (50 * MIB)}), 413, "PAYLOAD_TOO_LARGE", NONE
    ),
    "a definition with a 10 MB description": Hostile(
        _json(
            'mutation ($d: JSON!) { pushVersion(input: {connectorKey: "k", version: "1.0.0", '
            "definition: $d}) { __typename } }",
            {"d": {"auth": {"type": "api_key"}, "description": "d" * (10 * MIB)}},
        ),
        413,
        "PAYLOAD_TOO_LARGE",
        NONE,
    ),
    "a definition of 2 MB (within the body limit)": Hostile(
        _json(_PUSH, {"d": {"auth": _AUTH, "description": "d" * (2 * MIB)}}),
        200,
        "INVALID_DEFINITION",
    ),
    "a definition of 5,000 actions of 20 params": Hostile(
        _json(
            _PUSH,
            {
                "d": {
                    "auth": _AUTH,
                    "actions": [{"id": f"a{n}", "params": _PARAMS} for n in range(5_000)],
                }
            },
        ),
        200,
        "INVALID_DEFINITION",
    ),
    "a NUL in a variable": Hostile(
        _json(_CREATE_CONNECTOR, {"name": "a\x00b"}), 200, "INVALID_INPUT"
    ),
    "a NUL in a literal": Hostile(
        _json('{ connector(key: "a\\u0000b") { id } }'), 200, "INVALID_INPUT"
    ),
    "a lone surrogate in a JSON key": Hostile(
        _json(_PUSH, {"d": {"auth": _AUTH, "\ud800": 1}}), 200, "INVALID_INPUT"
    ),
    "a document of 5,000 tokens": Hostile(
        _json("{ " + " ".join(f"a{i}: __typename" for i in range(2_500)) + " }"),
        200,
        "GRAPHQL_PARSE_FAILED",
    ),
    "a selection nested 100 deep": Hostile(_json(_nested_selection(100)), 200, "VALIDATION"),
    "200 aliases": Hostile(
        _json("{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(200)) + " }"),
        200,
        "VALIDATION",
    ),
    "50 aliases over 100 versions' definitions": Hostile(
        _json(f'{{ connector(key: "k") {{ {_VERSIONS_50} }} }}'), 200, "QUERY_TOO_COSTLY"
    ),
    "100,000 entity representations": Hostile(
        _json(_ENTITIES, {"r": [{"__typename": "Connector", "id": "x"}] * 100_000}),
        200,
        "QUERY_TOO_COSTLY",
    ),
    "a lone surrogate in the operation name": Hostile(
        _raw(b'{"query": "query A { viewer { role } }", "operationName": "\\ud800"}'),
        400,
        "BAD_REQUEST",
    ),
    "a lone surrogate in a comment of the query": Hostile(
        _raw(b'{"query": "# \\udfff\\n{ viewer { role } }"}'), 400, "BAD_REQUEST"
    ),
    "a page of a million": Hostile(
        _json("{ connectors(first: 1000000) { edges { node { id } } } }"),
        200,
        "QUERY_TOO_COSTLY",
    ),
}


def _code_of(body: dict[str, Any]) -> str:
    if not body.get("errors"):  # a mutation's typed error
        (result,) = body["data"].values()
        return str(result["code"])
    (error, *_) = body["errors"]
    assert error["message"]
    code = (error.get("extensions") or {}).get("code")
    if code:
        return str(code)
    message = str(error["message"])
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    return "VALIDATION"


@pytest.fixture
async def listening(database: Database) -> AsyncIterator[None]:
    """The live-events listener up, as a server's lifespan has it (`/healthz` reports it)."""
    await database.start_listening()
    try:
        yield
    finally:
        await database.live_events.stop()


@pytest.mark.usefixtures("listening")
@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
async def test_a_hostile_request_is_refused_and_the_server_carries_on(
    http: httpx.AsyncClient, keys: Keys, engine: AsyncEngine, hostile: Hostile
) -> None:
    key = hostile.key(keys)
    headers = {"Content-Type": "application/json", **hostile.headers}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    body = hostile.body(keys)

    with recorded_statements(engine) as baseline:
        await http.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
    with recorded_statements(engine) as statements:
        response = await http.post("/graphql", content=body, headers=headers)

    assert response.status_code == hostile.status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    assert _code_of(response.json()) == hostile.code, response.text[:500]
    if hostile.sql == NONE:
        assert statements == []
    else:
        assert len(statements) <= len(baseline), statements

    health = await http.get("/healthz")
    assert health.status_code == 200
    viewer = f"Bearer {keys.alpha.viewer}"
    ok = await http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"Authorization": viewer}
    )
    assert ok.json() == {"data": {"viewer": {"role": "VIEWER"}}}
