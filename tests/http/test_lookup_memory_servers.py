"""Lookups answered from memory by real server processes (DESIGN §17): every kind of change
committed through one process is seen by a lookup on another once its notification has arrived
(PostgreSQL: each process LISTENs), or at once by the process that made it (SQLite: one process).

The same steps with the other process's listener cut, where it reads the database for every
lookup and so sees each change at once, run in `tests/db/test_lookup_memory_listener.py`."""

import asyncio

import httpx
import pytest

from tests.db.lookup_changes import at_once, changes_reach_the_other_process, eventually
from tests.graphql.access.documents import CREATE_API_KEY
from tests.graphql_client import GraphQLClient
from tests.http.server import create_project, mutate, unique

pytestmark = pytest.mark.slow


async def test_every_change_reaches_a_lookup_on_the_other_process(
    servers: tuple[str, str], platform_key: str, backend: str
) -> None:
    writer_url, reader_url = servers
    admin = await asyncio.to_thread(create_project, writer_url, platform_key)
    issued = await asyncio.to_thread(
        mutate, writer_url, admin, CREATE_API_KEY, {"name": "lookups", "role": "VIEWER"}
    )
    assert issued["__typename"] == "CreateApiKeySuccess", issued
    async with (
        httpx.AsyncClient(base_url=writer_url, timeout=60) as writer,
        httpx.AsyncClient(base_url=reader_url, timeout=60) as reader,
    ):
        await changes_reach_the_other_process(
            GraphQLClient(writer),
            GraphQLClient(reader),
            admin=admin,
            viewer=str(issued["secret"]),
            viewer_id=str(issued["apiKey"]["id"]),
            connector_key=unique("crm"),
            settle=eventually if backend == "postgres" else at_once,
        )
