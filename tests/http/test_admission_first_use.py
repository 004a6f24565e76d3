"""A request takes its slot of the admission queue when it first uses the database: one answered
from the process's memory takes none, one that reads takes one and gives it back, and one whose
resolvers find no slot is refused as a request that found none before it ran."""

import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from app.db.admission import Admission
from app.db.engine import Database
from app.main import create_app
from app.settings import Settings
from tests.counted_admission import CountedAdmission
from tests.graphql.auth_configs.pinning import in_line, pinned_auth_config
from tests.graphql.versions.versioning import new_connector, pushed
from tests.graphql_client import GraphQLClient
from tests.keys import Keys
from tests.statements import recorded_statements

TYPENAME = {"query": "{ __typename }"}
"""An operation that needs nothing but its caller: answered from memory once its key is kept."""
PROJECTS = {"query": "{ projects(first: 1) { edges { node { slug } } } }"}


Client = Callable[..., Any]


@pytest.fixture
def client(database: Database, settings: Settings) -> Client:
    """An in-process client of an app whose process keeps lookups in memory, under
    `admission`."""

    @asynccontextmanager
    async def make(admission: Admission, **limits: Any) -> AsyncIterator[httpx.AsyncClient]:
        database.live_events.memory.trust()
        database.admission = admission
        app = create_app(settings.model_copy(update=limits), database=database)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield http
        finally:
            database.admission = None

    return make


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_an_answer_from_memory_takes_no_slot(
    client: Client, database: Database, keys: Keys
) -> None:
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    async with client(admission) as http:
        # given a key read once (which took a slot, and gave it back)
        await http.post("/graphql", json=TYPENAME, headers=_auth(keys.alpha.viewer))
        assert (admission.given, admission.in_use) == (1, 0)

        # when every slot is taken, and the key asks for what needs no database
        async with admission.slot():
            with recorded_statements(database.engine, cold=False) as statements:
                response = await http.post(
                    "/graphql", json=TYPENAME, headers=_auth(keys.alpha.viewer)
                )

    # then it is answered from memory, without a statement and without waiting for a slot
    assert response.json() == {"data": {"__typename": "Query"}}, response.text
    assert statements == []
    assert admission.given == 2  # the test's own slot only


async def test_a_request_that_reads_takes_one_slot_and_gives_it_back(
    client: Client, keys: Keys
) -> None:
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    async with client(admission) as http:
        await http.post("/graphql", json=TYPENAME, headers=_auth(keys.alpha.viewer))
        given = admission.given

        # when a request with its key in memory reads (a resolver's first statement)
        response = await http.post("/graphql", json=PROJECTS, headers=_auth(keys.alpha.viewer))

    # then it took one slot for the request, and gave it back at its end
    assert "errors" not in response.json(), response.text
    assert admission.given == given + 1
    assert admission.in_use == 0


async def test_a_resolver_that_finds_no_slot_refuses_the_request(
    client: Client, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="app")
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    async with client(admission) as http:
        # given a key in memory, and every slot taken with none allowed to wait
        await http.post("/graphql", json=TYPENAME, headers=_auth(keys.alpha.viewer))
        async with admission.slot():
            # when a request needs the database only once it resolves its fields
            response = await http.post("/graphql", json=PROJECTS, headers=_auth(keys.alpha.viewer))
        # then it is refused as a request that found no slot before it ran: a 503 to retry
        assert response.status_code == 503
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "OVERLOADED"
        assert response.headers["retry-after"] == "1"
        assert admission.in_use == 0
        # and logged as a refusal, not as something that went wrong on the server
        assert "unexpected error" not in caplog.text
        lines = [record.msg for record in caplog.records if record.name == "app.requests"]
        line = lines[-1]
        assert isinstance(line, dict)
        assert line["status"] == 503
        assert (line["outcome"], line["error_id"]) == ("overloaded", None), line

        # and the next one is served as usual
        served = await http.post("/graphql", json=PROJECTS, headers=_auth(keys.alpha.viewer))
        assert "errors" not in served.json(), served.text


PREVIEW = {
    "query": 'query ($d: JSON!) { impact(change: { pushVersion: { connectorKey: "crm", '
    'version: "1.1.0", definition: $d } }) { authConfigsChanged } }',
    "variables": {"d": in_line(1, "a")},
}


async def test_an_operation_with_previews_takes_its_admission_slot_before_a_preview_slot(
    database: Database, settings: Settings, keys: Keys, graphql: GraphQLClient
) -> None:
    # given a connector with an auth config whose change would be previewed
    await new_connector(graphql, "crm", key=keys.alpha.admin)
    await pushed(graphql, "crm", "1.0.0", in_line(1), key=keys.alpha.admin)
    await pinned_auth_config(graphql, "crm", "Floating", key=keys.alpha.admin)
    # and a key in memory, the one admission slot taken, and the preview slots counted
    admission = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    database.live_events.memory.trust()
    database.admission = admission
    app = create_app(settings, database=database)
    budget = app.state.budget
    previews = CountedAdmission(1, max_waiting=0, wait_timeout=30)
    app.state.budget = dataclasses.replace(budget, previews=previews)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            await http.post("/graphql", json=TYPENAME, headers=_auth(keys.alpha.admin))
            async with admission.slot():
                # when an operation with a preview arrives
                response = await http.post(
                    "/graphql", json=PREVIEW, headers=_auth(keys.alpha.admin)
                )
    finally:
        database.admission = None
    # then it is refused for want of an admission slot without having held a preview slot (a
    # request holding one while it waits for the other could wait for one that waits for it)
    assert response.status_code == 503, response.text
    assert "at capacity" in response.json()["errors"][0]["message"]
    assert (previews.given, previews.in_use) == (0, 0)


async def test_a_resolver_cut_off_while_it_waits_for_a_slot_leaves_the_queue(
    client: Client, keys: Keys
) -> None:
    admission = CountedAdmission(1, max_waiting=10, wait_timeout=30)
    async with client(admission, request_timeout=0.05) as http:
        # given a key in memory, and the one slot taken for longer than the request may run
        await http.post("/graphql", json=TYPENAME, headers=_auth(keys.alpha.viewer))
        async with admission.slot():
            # when a request waits for it from a resolver, then it is cut off: 503 TIMEOUT
            response = await http.post("/graphql", json=PROJECTS, headers=_auth(keys.alpha.viewer))
            assert response.status_code == 503
            assert response.json()["errors"][0]["extensions"]["code"] == "TIMEOUT"
            # and it waits no more, nor holds a slot
            assert (admission.waiting, admission.in_use) == (0, 1)
        assert admission.in_use == 0
