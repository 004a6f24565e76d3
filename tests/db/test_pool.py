"""The connection pool: a fixed size from settings, and no connections opened beyond it when
more requests are in flight than it holds (they wait for one instead)."""

import asyncio
from pathlib import Path

import httpx
import pytest
from sqlalchemy import event

from app.db.engine import Database
from app.db.migrate import upgrade
from app.main import create_app
from app.settings import DEFAULT_DATABASE_POOL_SIZE, Settings, SettingsError, load_settings
from tests.databases import fresh_database
from tests.graphql_client import GraphQLClient
from tests.keys import make_keys

POOL_SIZE = 4
IN_FLIGHT = 64


async def test_requests_beyond_the_pool_wait_instead_of_opening_connections(
    backend: str, database_workdir: Path
) -> None:
    async with fresh_database(backend, database_workdir) as url:
        # given a server database with a pool of 4 connections
        database = Database.for_server(url, pool_size=POOL_SIZE)
        opened: list[object] = []
        event.listen(database.engine.sync_engine, "connect", lambda *_: opened.append(1))
        try:
            await upgrade(database.engine)
            async with database.session() as session:
                keys = await make_keys(session)
            app = create_app(Settings(database_url=str(url)), database=database)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                graphql = GraphQLClient(http)
                # when 64 requests are in flight at once, three times over
                for _ in range(3):
                    answers = await asyncio.gather(
                        *(
                            graphql("{ viewer { role } }", key=keys.alpha.viewer)
                            for _ in range(IN_FLIGHT)
                        )
                    )
                    assert answers == [{"viewer": {"role": "VIEWER"}}] * IN_FLIGHT
            # then no more connections were ever opened than the pool holds
            assert 1 <= len(opened) <= POOL_SIZE
        finally:
            await database.dispose()


def test_the_pool_size_is_a_setting() -> None:
    assert Settings(_env_file=None).database_pool_size == DEFAULT_DATABASE_POOL_SIZE
    assert load_settings(database_pool_size="7").database_pool_size == 7


def test_a_pool_size_below_one_is_refused() -> None:
    with pytest.raises(SettingsError, match="DATABASE_POOL_SIZE"):
        load_settings(database_pool_size="0")


async def test_requests_get_the_pool_first_come_first_served(
    backend: str, database_workdir: Path
) -> None:
    async with fresh_database(backend, database_workdir) as url:
        # given a server database with a pool of 2
        database = Database.for_server(url, pool_size=2)
        inside: list[int] = []
        entered: list[int] = []
        most_inside = 0

        async def request(number: int) -> None:
            nonlocal most_inside
            async with database.request_slot():
                entered.append(number)
                inside.append(number)
                most_inside = max(most_inside, len(inside))
                await asyncio.sleep(0)  # hold the slot across a turn of the loop
                await asyncio.sleep(0)
                inside.remove(number)

        try:
            # when 12 requests arrive one after the other, while the pool is taken
            tasks = []
            for number in range(12):
                tasks.append(asyncio.ensure_future(request(number)))
                await asyncio.sleep(0)
            await asyncio.gather(*tasks)
        finally:
            await database.dispose()

        # then they went in in the order they came, never more than the pool at once
        assert entered == list(range(12))
        assert most_inside == 2
