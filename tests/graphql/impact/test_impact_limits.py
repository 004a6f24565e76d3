"""What bounds the impact preview's work (G2 of issue 18): each `impact` field costs a write, an
operation holds at most MAX_PREVIEWS_PER_OPERATION of them, a process runs at most
MAX_CONCURRENT_PREVIEWS operations with previews at once, and a key that may not make the change
is refused before the change is made (even rolled back). Each refusal comes before any statement
beyond the key's lookup."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from app.db.engine import Database
from app.graphql.guards.budget import Budget
from app.main import create_app
from app.settings import Settings
from tests.graphql.auth_configs.pinning import in_line, pinned_auth_config
from tests.graphql.impact.impact import push_change
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import beyond_authentication, recorded_statements

Client = tuple[httpx.AsyncClient, Starlette]
MakeClient = Callable[..., Any]


@pytest.fixture
def limited(database: Database, settings: Settings) -> MakeClient:
    """An in-process client of an app with some limits of its own (the test's database)."""

    @asynccontextmanager
    async def client(**limits: Any) -> AsyncIterator[Client]:
        app = create_app(settings.model_copy(update=limits), database=database)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
            yield http, app

    return client


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _code(response: httpx.Response) -> str:
    (error,) = response.json()["errors"]
    assert error["message"]
    return str(error["extensions"]["code"])


def _previews(count: int) -> str:
    """`count` aliased previews of one push, sharing the definition variable `$d`."""
    fields = " ".join(
        f'p{i}: impact(change: {{ pushVersion: {{ connectorKey: "crm", version: "1.1.0", '
        f"definition: $d }} }}) {{ authConfigsChanged accountsMoving }}"
        for i in range(count)
    )
    return f"query ($d: JSON!) {{ {fields} }}"


def _big_definition() -> dict[str, Any]:
    """A definition of about 0.9 MB, as in the report."""
    definition = in_line(1, "a")
    definition["actions"][0]["description"] = "d" * 900_000
    return definition


async def _crm(graphql: GraphQLClient, keys: Keys) -> str:
    """ "crm" 1.0.0 in alpha with one floating auth config; its id."""
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.alpha.admin)
    return await pinned_auth_config(graphql, "crm", "Floating", key=keys.alpha.admin)


async def test_fifty_aliased_previews_are_refused_by_cost_before_anything_runs(
    limited: MakeClient, graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    # given "crm" and the report's request: 50 aliased previews of one 0.9 MB push
    await _crm(graphql, keys)
    body = {"query": _previews(50), "variables": {"d": _big_definition()}}
    async with limited() as (http, _):
        for key in (keys.alpha.admin, keys.alpha.viewer):
            with recorded_statements(engine) as statements:
                response = await http.post("/graphql", json=body, headers=_auth(key))
            # then it is refused by its cost, with no statement beyond the key's lookup
            assert _code(response) == "QUERY_TOO_COSTLY", response.text
            assert "over the limit of 50,000" in response.json()["errors"][0]["message"]
            assert beyond_authentication(statements) == []
            assert not any("IMMEDIATE" in s for s in statements)


async def test_more_previews_than_the_setting_are_refused_before_anything_runs(
    limited: MakeClient, graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    await _crm(graphql, keys)
    body = {"query": _previews(4), "variables": {"d": in_line(1, "a")}}
    async with limited() as (http, _):
        with recorded_statements(engine) as statements:
            response = await http.post("/graphql", json=body, headers=_auth(keys.alpha.admin))
        assert _code(response) == "TOO_MANY_PREVIEWS", response.text
        assert "MAX_PREVIEWS_PER_OPERATION" in response.json()["errors"][0]["message"]
        assert beyond_authentication(statements) == []
        # three are allowed, and answer
        body["query"] = _previews(3)
        response = await http.post("/graphql", json=body, headers=_auth(keys.alpha.admin))
        assert "errors" not in response.json(), response.text
        assert response.json()["data"]["p2"] == {"authConfigsChanged": 1, "accountsMoving": 0}
    # and the setting moves the limit
    async with limited(max_previews_per_operation=1) as (http, _):
        body["query"] = _previews(2)
        response = await http.post("/graphql", json=body, headers=_auth(keys.alpha.admin))
        assert _code(response) == "TOO_MANY_PREVIEWS", response.text


async def test_previews_beyond_the_process_slots_wait_then_get_503(
    limited: MakeClient, graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    await _crm(graphql, keys)
    body = {"query": _previews(1), "variables": {"d": in_line(1, "a")}}
    headers = _auth(keys.alpha.admin)
    async with limited(max_concurrent_previews=1, queue_timeout=0.3) as (http, app):
        budget: Budget = app.state.budget
        # given the one slot taken (a preview running)
        async with budget.previews.slot():
            # when a preview arrives, then it waits QUEUE_TIMEOUT and gets 503 OVERLOADED,
            # retry soon, without a statement beyond the key's lookup
            with recorded_statements(engine) as statements:
                answer = await http.post("/graphql", json=body, headers=headers)
            assert (answer.status_code, _code(answer)) == (503, "OVERLOADED"), answer.text
            assert answer.headers["retry-after"] == "1"
            assert "MAX_CONCURRENT_PREVIEWS" in answer.json()["errors"][0]["message"]
            assert beyond_authentication(statements) == []
            # and with the one waiting place taken too, one is refused at once
            queued = asyncio.create_task(_hold(budget))
            await _until(lambda: budget.previews.waiting == 1)
            answer = await http.post("/graphql", json=body, headers=headers)
            assert (answer.status_code, _code(answer)) == (503, "OVERLOADED"), answer.text
            queued.cancel()
            await _until(lambda: budget.previews.waiting == 0)
            # while a query without previews is served
            plain = await http.post(
                "/graphql", json={"query": "{ viewer { role } }"}, headers=headers
            )
            assert plain.json() == {"data": {"viewer": {"role": "ADMIN"}}}
            # and a preview that waits is served once the slot comes free
            waiting = asyncio.create_task(http.post("/graphql", json=body, headers=headers))
            await _until(lambda: budget.previews.waiting == 1)
        answer = await waiting
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["p0"]["authConfigsChanged"] == 1


async def _hold(budget: Budget) -> None:
    async with budget.previews.slot():
        await asyncio.sleep(60)


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(10):
        while not condition():  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.001)


_WRITES = ("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE", "FOR UPDATE")


async def test_a_viewers_preview_runs_no_part_of_the_mutation(
    graphql: GraphQLClient, keys: Keys, engine: AsyncEngine
) -> None:
    await _crm(graphql, keys)
    change = push_change("crm", "1.1.0", in_line(1, "a"))
    document = (
        "query ($c: ChangeInput!) { impact(change: $c) { refusal { __typename "
        "... on Error { code message } } authConfigsChanged } }"
    )
    for key, change_by in ((keys.alpha.viewer, change), (keys.platform, change)):
        with recorded_statements(engine) as statements:
            answer = (await graphql(document, {"c": change_by}, key=key))["impact"]
        # then the mutation's refusal, no moves, and no write, lock or rolled-back transaction
        expected = "FORBIDDEN" if key == keys.alpha.viewer else "NOT_FOUND"
        assert answer["refusal"]["code"] == expected, answer
        assert answer["authConfigsChanged"] == 0
        assert not [s for s in statements if any(w in s.upper() for w in _WRITES)], statements
        # one read: the connector, as the push looks it up
        assert len(beyond_authentication(statements)) == 1, statements
    # the same change by the ADMIN runs (rolled back) and moves "Floating"
    with recorded_statements(engine) as statements:
        answer = (await graphql(document, {"c": change}, key=keys.alpha.admin))["impact"]
    assert (answer["refusal"], answer["authConfigsChanged"]) == (None, 1)
    assert any("INSERT" in s.upper() for s in statements)
