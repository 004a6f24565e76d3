"""What one request may cost: its body, its document, its cost before it runs, its response, its
time and its place in the queue — each refused with a readable error and a code, before the
work where it can be, and the server answers the next request as usual."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.admission import Admission
from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.graphql.operations import CREATE_VERSION, UPDATE_VERSION, create_connector, mutate
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

MakeClient = Callable[..., Any]
VIEWER_ROLE = {"query": "{ viewer { role } }"}


@pytest.fixture
def limited(database: Database, settings: Settings) -> Callable[..., Any]:
    """An in-process client of an app with some limits of its own (the test's database)."""

    @asynccontextmanager
    async def client(**limits: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=limits), database=database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield http

    return client


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _code(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    assert error["message"]
    return str(error["extensions"]["code"])


async def _statements_of(engine: AsyncEngine, http: httpx.AsyncClient, **request: Any) -> int:
    with recorded_statements(engine) as statements:
        await http.post("/graphql", **request)
    return len(statements)


async def _still_answers(http: httpx.AsyncClient, key: str) -> None:
    ok = await http.post("/graphql", json={"query": "{ viewer { role } }"}, headers=_auth(key))
    assert ok.json() == {"data": {"viewer": {"role": "VIEWER"}}}, ok.text


# --- the body -------------------------------------------------------------------------------


async def test_a_body_declared_over_the_limit_is_refused_unread(
    limited: MakeClient, keys: Keys, engine: AsyncEngine
) -> None:
    async with limited(max_body_bytes=4096) as http:
        body = b'{"query": "{ viewer { role } }", "variables": {"x": "' + b"a" * 5000 + b'"}}'
        with recorded_statements(engine) as statements:
            response = await http.post(
                "/graphql",
                content=body,
                headers={**_auth(keys.alpha.viewer), "Content-Type": "application/json"},
            )
        assert response.status_code == 413, response.text
        assert _code(response) == "PAYLOAD_TOO_LARGE"
        assert statements == []  # not even the key was looked up
        await _still_answers(http, keys.alpha.viewer)


async def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    limited: MakeClient, keys: Keys
) -> None:
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ viewer { role } }", "variables": {"x": "'
        for number in range(100):
            sent.append(number)
            yield b"a" * 1024
        yield b'"}}'

    async with limited(max_body_bytes=4096) as http:
        response = await http.post(
            "/graphql",
            content=chunks(),
            headers={**_auth(keys.alpha.viewer), "Content-Type": "application/json"},
        )
        assert response.status_code == 413, response.text
        assert _code(response) == "PAYLOAD_TOO_LARGE"
        await _still_answers(http, keys.alpha.viewer)


async def test_a_body_within_the_limit_is_served(limited: MakeClient, keys: Keys) -> None:
    async with limited(max_body_bytes=4096) as http:
        body = {"query": "{ viewer { role } }", "variables": {"x": "a" * 3000}}
        response = await http.post("/graphql", json=body, headers=_auth(keys.alpha.viewer))
        assert response.json() == {"data": {"viewer": {"role": "VIEWER"}}}


# --- the document and its cost ----------------------------------------------------------------

_ALIASES = " ".join(
    f"a{i}: versions(first: $n) {{ edges {{ node {{ definition }} }} }}" for i in range(50)
)
FIFTY_ALIASES = f'query ($n: Int!) {{ connector(key: "big") {{ {_ALIASES} }} }}'


async def test_a_document_with_too_many_tokens_is_refused(
    limited: MakeClient, keys: Keys, engine: AsyncEngine
) -> None:
    async with limited(max_query_tokens=100) as http:
        fields = " ".join(f"a{i}: viewer {{ role }}" for i in range(40))
        baseline = await _statements_of(
            engine, http, json={"query": "{ __typename }"}, headers=_auth(keys.alpha.viewer)
        )
        with recorded_statements(engine) as statements:
            response = await http.post(
                "/graphql", json={"query": f"{{ {fields} }}"}, headers=_auth(keys.alpha.viewer)
            )
        (error,) = response.json()["errors"]
        assert "more than 100 tokens" in error["message"]
        assert len(statements) == baseline  # the key's lookup, nothing of the operation


async def test_an_operation_over_the_cost_limit_is_refused_before_it_runs(
    http: httpx.AsyncClient, keys: Keys, engine: AsyncEngine
) -> None:
    headers = _auth(keys.alpha.viewer)
    baseline = await _statements_of(engine, http, json={"query": "{ __typename }"}, headers=headers)
    with recorded_statements(engine) as statements:
        response = await http.post(
            "/graphql", json={"query": FIFTY_ALIASES, "variables": {"n": 100}}, headers=headers
        )
    assert _code(response) == "QUERY_TOO_COSTLY"
    assert "over the limit of 50,000" in response.json()["errors"][0]["message"]
    assert response.json()["data"] is None
    assert len(statements) == baseline


async def test_the_same_document_with_a_small_page_is_within_the_cost_limit(
    http: httpx.AsyncClient, keys: Keys
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": FIFTY_ALIASES, "variables": {"n": 1}},
        headers=_auth(keys.alpha.viewer),
    )
    assert response.json() == {"data": {"connector": None}}


async def test_introspection_is_within_the_cost_limit(http: httpx.AsyncClient, keys: Keys) -> None:
    from graphql import get_introspection_query

    query = get_introspection_query(descriptions=True, input_value_deprecation=True)
    response = await http.post("/graphql", json={"query": query}, headers=_auth(keys.alpha.viewer))
    body = response.json()
    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


# --- the response -----------------------------------------------------------------------------


async def _version_with_a_long_definition(graphql: GraphQLClient, keys: Keys) -> None:
    connector_id = await create_connector(graphql, "big", key=keys.alpha.admin)
    created = await mutate(
        graphql, CREATE_VERSION, {"connectorId": connector_id}, key=keys.alpha.admin
    )
    definition = {
        "auth": {"type": "api_key"},
        "actions": [{"id": "list_contacts", "description": "d" * 6000}],
    }
    updated = await mutate(
        graphql,
        UPDATE_VERSION,
        {"versionId": created["version"]["id"], "definition": definition},
        key=keys.alpha.admin,
    )
    assert updated["__typename"] == "UpdateVersionSuccess", updated


async def test_a_response_over_the_limit_is_refused_without_being_encoded(
    limited: MakeClient, graphql: GraphQLClient, keys: Keys
) -> None:
    await _version_with_a_long_definition(graphql, keys)
    one = 'connector(key: "big") { versions(first: 1) { edges { node { definition } } } }'
    async with limited(max_response_bytes=64 * 1024) as http:
        headers = _auth(keys.alpha.viewer)
        # one definition of about 6 KB fits
        small = await http.post("/graphql", json={"query": f"{{ {one} }}"}, headers=headers)
        assert "errors" not in small.json(), small.text
        # twenty aliases of it are about 120 KB: over the limit
        many = " ".join(f"a{i}: {one}" for i in range(20))
        response = await http.post("/graphql", json={"query": f"{{ {many} }}"}, headers=headers)
        assert _code(response) == "RESPONSE_TOO_LARGE"
        assert response.json()["data"] is None
        assert len(response.content) < 1024
        await _still_answers(http, keys.alpha.viewer)


# --- the queue and the clock ------------------------------------------------------------------


async def _while_the_one_slot_is_taken(
    limited: MakeClient, database: Database, keys: Keys, admission: Admission, **limits: Any
) -> httpx.Response:
    """The answer to a request sent while `admission`'s one slot is held; afterwards the
    process (with its usual limits) answers the next request as usual."""
    database.admission = admission
    try:
        async with limited(**limits) as http, admission.slot():
            response: httpx.Response = await http.post(
                "/graphql", json=VIEWER_ROLE, headers=_auth(keys.alpha.viewer)
            )
        async with limited() as http:
            await _still_answers(http, keys.alpha.viewer)
    finally:
        database.admission = None
    return response


async def test_a_request_beyond_the_queue_gets_a_fast_503(
    limited: MakeClient, database: Database, keys: Keys
) -> None:
    # given a process serving one request at once and letting none wait, and that one taken
    response = await _while_the_one_slot_is_taken(
        limited, database, keys, Admission(1, max_waiting=0, wait_timeout=30)
    )
    # then the request is refused at once, with a hint to retry
    assert response.status_code == 503
    assert _code(response) == "OVERLOADED"
    assert response.headers["retry-after"] == "1"


async def test_a_request_that_waits_too_long_for_a_connection_gets_503(
    limited: MakeClient, database: Database, keys: Keys
) -> None:
    response = await _while_the_one_slot_is_taken(
        limited, database, keys, Admission(1, max_waiting=10, wait_timeout=0.05)
    )
    assert response.status_code == 503
    assert _code(response) == "OVERLOADED"
    assert "within 0.05 s" in response.json()["errors"][0]["message"]


async def test_a_request_over_its_time_limit_gets_503_timeout(
    limited: MakeClient, database: Database, keys: Keys
) -> None:
    # given a request that cannot start (the one slot is taken) and a time limit shorter than
    # the wait for a slot
    response = await _while_the_one_slot_is_taken(
        limited, database, keys, Admission(1, max_waiting=10, wait_timeout=30), request_timeout=0.05
    )
    assert response.status_code == 503
    assert _code(response) == "TIMEOUT"
