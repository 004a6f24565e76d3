"""Every server process keeps candidates in memory (`app.services.effective.candidate_cache`):
after a change committed through any process, every process answers from the new state at once."""

import asyncio
from typing import Any

import httpx
import pytest

from tests.graphql.auth_configs.documents import CREATE_AUTH_CONFIG, READ_AUTH_CONFIG
from tests.graphql.lifecycle.documents import DEPRECATE_VERSION
from tests.graphql.versions.documents import PUSH_VERSION
from tests.http.server import Project, create_project, graphql, mutate

pytestmark = pytest.mark.slow

LOOKUPS = 40  # per round: enough to reach both workers many times over

DEFINITION: dict[str, Any] = {
    "auth": {"type": "api_key", "fields": [{"name": "api_key", "required": True}]},
    "actions": [{"id": "list_tickets", "description": "List tickets"}],
}


@pytest.fixture
def project(running_server: str, platform_key: str) -> Project:
    return Project(running_server, create_project(running_server, platform_key))


async def _versions_seen(project: Project, auth_config_id: str) -> set[str]:
    """The effective version of `LOOKUPS` lookups sent at once (spread over the workers)."""
    limits = httpx.Limits(max_connections=8, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=project.base_url, timeout=60, limits=limits) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    "/graphql",
                    json={"query": READ_AUTH_CONFIG, "variables": {"id": auth_config_id}},
                    headers={"Authorization": f"Bearer {project.key}"},
                )
                for _ in range(LOOKUPS)
            )
        )
    found = set()
    for response in responses:
        assert response.status_code == 200, response.text
        found.add(response.json()["data"]["node"]["effectiveVersion"]["version"]["version"])
    return found


def _push(project: Project, connector_key: str, number: str) -> None:
    result = mutate(
        project.base_url,
        project.key,
        PUSH_VERSION,
        {"connectorKey": connector_key, "version": number, "definition": DEFINITION},
    )
    assert result["__typename"] == "PushVersionSuccess", result


async def test_every_worker_sees_a_change_at_once(project: Project) -> None:
    # given an auth config whose lookups every worker has answered (and kept) with 1.0.0
    connector_key = project.connector()
    _push(project, connector_key, "1.0.0")
    created = mutate(
        project.base_url,
        project.key,
        CREATE_AUTH_CONFIG,
        {"connectorKey": connector_key, "name": "Sales"},
    )
    auth_config_id = created["authConfig"]["id"]
    assert await _versions_seen(project, auth_config_id) == {"1.0.0"}
    assert await _versions_seen(project, auth_config_id) == {"1.0.0"}

    # when 1.1.0 is published through one of them
    _push(project, connector_key, "1.1.0")

    # then every lookup after it, on any worker, runs 1.1.0
    assert await _versions_seen(project, auth_config_id) == {"1.1.0"}

    # and when 1.1.0 is deprecated, every lookup moves back to 1.0.0 at once
    looked_up = graphql(project.base_url, project.key, READ_AUTH_CONFIG, {"id": auth_config_id})
    version_id = looked_up.json()["data"]["node"]["effectiveVersion"]["version"]["id"]
    deprecated = mutate(project.base_url, project.key, DEPRECATE_VERSION, {"versionId": version_id})
    assert deprecated["__typename"] == "DeprecateVersionSuccess", deprecated
    assert await _versions_seen(project, auth_config_id) == {"1.0.0"}
