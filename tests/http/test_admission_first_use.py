"""A request takes its slot of the admission queue when it first uses the database: one answered
from the process's memory takes none, one that reads takes one and gives it back, and one whose
resolvers find no slot is refused as a request that found none before it ran."""

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
from tests.keys import Keys
from tests.statements import recorded_statements

TYPENAME = {"query": "{ __typename }"}
"""An operation that needs nothing but its caller: answered from memory once its key is kept."""
PROJECTS = {"query": "{ projects(first: 1) { edges { node { slug } } } }"}


class CountedAdmission(Admission):
    """An admission queue that counts the slots it gave."""

    def __init__(self, slots: int, **limits: Any) -> None:
        super().__init__(slots, **limits)
        self.given = 0

    async def acquire(self) -> None:
        await super().acquire()
        self.given += 1


Client = Callable[[Admission], Any]


@pytest.fixture
def client(database: Database, settings: Settings) -> Client:
    """An in-process client of an app whose process keeps lookups in memory, under
    `admission`."""

    @asynccontextmanager
    async def make(admission: Admission) -> AsyncIterator[httpx.AsyncClient]:
        database.live_events.memory.trust()
        database.admission = admission
        transport = httpx.ASGITransport(app=create_app(settings, database=database))
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
