"""Concurrent version changes (DESIGN §2): two calls never get the same number, and concurrent
pushes of one number publish it once. These need real commits, so they use a fresh database."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import col, select

from app.db.engine import Database
from app.db.models import ConnectorVersion, Event
from app.main import create_app
from app.settings import Settings
from tests.graphql.versions.version_definitions import (
    BASE,
    MINOR_CHANGE,
    add_action,
    edited,
)
from tests.graphql.versions.version_rows import (
    uuid_of,
)
from tests.graphql.versions.versioning import (
    create,
    new_connector,
    push,
)
from tests.graphql_client import GraphQLClient
from tests.keys import Keys, make_keys

pytestmark = pytest.mark.slow

CALLS = 6


@dataclass(frozen=True)
class Live:
    graphql: GraphQLClient
    keys: Keys
    database: Database


@pytest.fixture
async def live(committed_database: Database, settings: Settings) -> AsyncIterator[Live]:
    async with committed_database.session() as session:
        keys = await make_keys(session)
    app = create_app(settings, database=committed_database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as client:
        yield Live(GraphQLClient(client), keys, committed_database)


async def _numbers(database: Database, connector_id: str) -> list[str]:
    async with database.session() as session:
        query = select(ConnectorVersion.version).where(
            col(ConnectorVersion.connector_id) == uuid_of(connector_id)
        )
        return sorted((await session.exec(query)).all())


async def _event_kinds(database: Database, connector_id: str) -> list[str]:
    async with database.session() as session:
        query = select(Event.kind).where(
            col(Event.connector_id) == uuid_of(connector_id), col(Event.kind).startswith("version.")
        )
        return sorted((await session.exec(query)).all())


async def test_concurrent_creates_get_distinct_numbers(live: Live) -> None:
    # given a connector
    connector_id = await new_connector(live.graphql, "crm", key=live.keys.alpha.admin)

    # when versions are added at the same moment
    results = await asyncio.gather(
        *(create(live.graphql, connector_id, key=live.keys.alpha.admin) for _ in range(CALLS))
    )

    # then each got its own number, one major after the other
    assert all(r["__typename"] == "CreateVersionSuccess" for r in results), results
    numbers = sorted(r["version"]["version"] for r in results)
    expected = sorted(f"{major}.0.0" for major in range(1, CALLS + 1))
    assert numbers == expected
    assert await _numbers(live.database, connector_id) == expected
    assert await _event_kinds(live.database, connector_id) == ["version.created"] * CALLS


async def test_concurrent_pushes_of_the_same_content_publish_it_once(live: Live) -> None:
    # given a connector
    connector_id = await new_connector(live.graphql, "crm", key=live.keys.alpha.admin)

    # when the same 1.0.0 is pushed several times at once
    results = await asyncio.gather(
        *(push(live.graphql, "crm", "1.0.0", BASE, key=live.keys.alpha.admin) for _ in range(CALLS))
    )

    # then all succeed, exactly one of them changed something, and one version exists
    assert all(r["__typename"] == "PushVersionSuccess" for r in results), results
    assert sorted(r["changed"] for r in results) == [False] * (CALLS - 1) + [True]
    assert len({r["version"]["id"] for r in results}) == 1
    assert await _numbers(live.database, connector_id) == ["1.0.0"]
    assert await _event_kinds(live.database, connector_id) == ["version.pushed"]


async def test_concurrent_pushes_of_other_contents_keep_the_first(live: Live) -> None:
    # given a connector
    connector_id = await new_connector(live.graphql, "crm", key=live.keys.alpha.admin)
    contents = [edited(BASE, add_action(f"action_{n}")) for n in range(CALLS)]

    # when 1.0.0 is pushed with different contents at once
    results = await asyncio.gather(
        *(push(live.graphql, "crm", "1.0.0", c, key=live.keys.alpha.admin) for c in contents)
    )

    # then one is published and every other is refused: published versions are immutable
    typenames = sorted(r["__typename"] for r in results)
    assert typenames == ["PushVersionSuccess"] + ["VersionImmutableError"] * (CALLS - 1)
    assert await _numbers(live.database, connector_id) == ["1.0.0"]
    assert await _event_kinds(live.database, connector_id) == ["version.pushed"]


async def test_concurrent_pushes_of_different_numbers_all_publish(live: Live) -> None:
    # given 1.0.0 published
    connector_id = await new_connector(live.graphql, "crm", key=live.keys.alpha.admin)
    first = await push(live.graphql, "crm", "1.0.0", BASE, key=live.keys.alpha.admin)
    assert first["__typename"] == "PushVersionSuccess", first

    # when 1.1.0 ... 1.6.0 are pushed at once, each adding an action
    definition = edited(BASE, MINOR_CHANGE)
    results = await asyncio.gather(
        *(
            push(live.graphql, "crm", f"1.{n}.0", definition, key=live.keys.alpha.admin)
            for n in range(1, CALLS + 1)
        )
    )

    # then every one is published
    assert all(r["__typename"] == "PushVersionSuccess" for r in results), results
    assert len(await _numbers(live.database, connector_id)) == CALLS + 1
