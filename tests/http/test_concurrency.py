"""Concurrent writes to one connector through a real server with two worker processes: real HTTP
requests sent at once, so they meet in the database as they would in production (DESIGN §2: two
concurrent calls never get the same number; a version number never holds two contents)."""

import asyncio
import copy
from typing import Any

import httpx
import pytest

from tests.graphql.versions.documents import CREATE_VERSION, PUSH_VERSION, STORED_VERSIONS
from tests.http.server import Project, create_project

pytestmark = pytest.mark.slow

Json = dict[str, Any]

PUSHES = 20
CREATES = 10

DEFINITION: Json = {
    "auth": {"type": "api_key", "fields": [{"name": "api_key", "required": True}]},
    "actions": [{"id": "list_tickets", "description": "List tickets"}],
}


async def mutation_result(client: httpx.AsyncClient, key: str, document: str, input: Json) -> Json:
    """The result union of one mutation: an HTTP 200 with data and no top-level errors."""
    response = await client.post(
        "/graphql",
        json={"query": document, "variables": {"input": input}},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    (result,) = body["data"].values()
    return result  # type: ignore[no-any-return]


async def all_at_once(project: Project, document: str, inputs: list[Json]) -> list[Json]:
    """Each input in a request of its own, all sent at once over separate connections."""
    limits = httpx.Limits(max_connections=len(inputs), max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=project.base_url, timeout=90, limits=limits) as client:
        return await asyncio.gather(
            *(mutation_result(client, project.key, document, input) for input in inputs)
        )


async def stored_versions(project: Project, connector_key: str) -> list[Json]:
    async with httpx.AsyncClient(base_url=project.base_url, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={"query": STORED_VERSIONS, "variables": {"key": connector_key}},
            headers={"Authorization": f"Bearer {project.key}"},
        )
    assert response.status_code == 200, response.text
    edges = response.json()["data"]["connector"]["versions"]["edges"]
    return [edge["node"] for edge in edges]


def variant(number: int) -> Json:
    """The definition with a description of its own: a PATCH over the base, distinct content."""
    definition = copy.deepcopy(DEFINITION)
    definition["actions"][0]["description"] = f"List tickets (variant {number})"
    return definition


@pytest.mark.parametrize(
    ("immutable_versioning", "loser"),
    [(True, "VersionImmutableError"), (False, "VersionExistsError")],
)
async def test_concurrent_pushes_of_one_new_number_have_exactly_one_winner(
    running_server: str, platform_key: str, immutable_versioning: bool, loser: str
) -> None:
    # given a connector with 1.0.0 published
    project = Project(
        running_server,
        create_project(running_server, platform_key, immutable_versioning=immutable_versioning),
    )
    connector_key = project.connector("tickets")
    base = {"connectorKey": connector_key}
    (first,) = await all_at_once(
        project, PUSH_VERSION, [{**base, "version": "1.0.0", "definition": DEFINITION}]
    )
    assert first["__typename"] == "PushVersionSuccess", first

    # when 20 pushes of 1.0.1, each with other content, arrive at once
    inputs = [{**base, "version": "1.0.1", "definition": variant(n)} for n in range(PUSHES)]
    results = await all_at_once(project, PUSH_VERSION, inputs)

    # then one publishes it and each of the others gets a typed error, never a server error
    winners = [r for r in results if r["__typename"] == "PushVersionSuccess"]
    losers = [r for r in results if r["__typename"] != "PushVersionSuccess"]
    assert len(winners) == 1, results
    assert {r["__typename"] for r in losers} == {loser}, losers
    assert len(losers) == PUSHES - 1
    (winner,) = winners
    assert winner["changed"] is True

    # and the stored 1.0.1 is the winner's content
    stored = {v["version"]: v for v in await stored_versions(project, connector_key)}
    assert sorted(stored) == ["1.0.0", "1.0.1"]
    assert stored["1.0.1"]["contentHash"] == winner["version"]["contentHash"]
    assert stored["1.0.1"]["definition"] == winner["version"]["definition"]
    descriptions = {variant(n)["actions"][0]["description"] for n in range(PUSHES)}
    assert stored["1.0.1"]["definition"]["actions"][0]["description"] in descriptions


async def test_concurrent_create_version_calls_get_distinct_numbers(
    running_server: str, platform_key: str
) -> None:
    # given a connector without versions
    project = Project(running_server, create_project(running_server, platform_key))
    connector_key = project.connector("tickets")
    connector_id = await connector_id_of(project, connector_key)

    # when 10 "Add version" calls arrive at once
    results = await all_at_once(
        project, CREATE_VERSION, [{"connectorId": connector_id} for _ in range(CREATES)]
    )

    # then each creates a version, under numbers 1.0.0 to 10.0.0, and those are all it stores
    assert {r["__typename"] for r in results} == {"CreateVersionSuccess"}, results
    created = {(r["version"]["id"], r["version"]["version"]) for r in results}
    assert sorted(number for _, number in created) == sorted(
        f"{major}.0.0" for major in range(1, CREATES + 1)
    )
    stored = await stored_versions(project, connector_key)
    assert {(v["id"], v["version"]) for v in stored} == created


async def connector_id_of(project: Project, connector_key: str) -> str:
    async with httpx.AsyncClient(base_url=project.base_url, timeout=30) as client:
        response = await client.post(
            "/graphql",
            json={
                "query": STORED_VERSIONS,
                "variables": {"key": connector_key},
            },
            headers={"Authorization": f"Bearer {project.key}"},
        )
    return str(response.json()["data"]["connector"]["id"])
