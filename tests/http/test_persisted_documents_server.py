"""Automatic persisted queries on a real `serve --workers 2`: an id unknown to every worker,
registered through one of them, then run by its id alone through both — the registration is in
the database, not in the memory of the worker that took it."""

import asyncio

import httpx
import pytest

from app.domain.persisted_documents import document_hash
from tests.http.server import Project, create_project, unique

pytestmark = pytest.mark.slow

REQUESTS = 40  # sent at once, each on a connection of its own: spread over both workers


def _body(sha256_hash: str, query: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha256_hash}}
    }
    if query is not None:
        body["query"] = query
    return body


async def _at_once(base_url: str, key: str, body: dict[str, object]) -> list[httpx.Response]:
    async def one() -> httpx.Response:
        # A client of its own per request: a new connection, which either worker may accept.
        async with httpx.AsyncClient(timeout=60) as client:
            return await client.post(
                f"{base_url}/graphql", json=body, headers={"Authorization": f"Bearer {key}"}
            )

    return await asyncio.gather(*(one() for _ in range(REQUESTS)))


async def test_an_id_registered_through_one_worker_runs_through_both(
    running_server: str, platform_key: str
) -> None:
    project = Project(running_server, create_project(running_server, platform_key))
    # A document no other test sends: its id is unknown to every worker's memory and the table.
    query = (
        f"query {unique('Persisted').replace('-', '_')} {{ viewer {{ role project {{ slug }} }} }}"
    )
    sha256_hash = document_hash(query)

    # given an id no worker knows: each answers PersistedQueryNotFound
    unknown = await _at_once(running_server, project.key, _body(sha256_hash))
    for response in unknown:
        assert response.status_code == 200, response.text
        (error,) = response.json()["errors"]
        assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"

    # when one request registers it with its document
    async with httpx.AsyncClient(timeout=60) as client:
        registered = await client.post(
            f"{running_server}/graphql",
            json=_body(sha256_hash, query),
            headers={"Authorization": f"Bearer {project.key}"},
        )
    assert registered.status_code == 200, registered.text
    expected = registered.json()
    assert expected["data"]["viewer"]["role"] == "ADMIN"

    # then the id alone runs it on every worker
    reused = await _at_once(running_server, project.key, _body(sha256_hash))
    assert [response.json() for response in reused] == [expected] * REQUESTS
